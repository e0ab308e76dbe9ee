package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestVerify: the reused HMACs sign as a fresh one does, whatever secret
// the previous request used, from many goroutines at once; every malformed
// or forged header is refused.
func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	body := []byte(`{"type":"event_callback","event_id":"Ev1"}`)
	secrets := []string{"s3cret", "another-secret", testSecret}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				secret := secrets[(g+i)%len(secrets)]
				h := Sign(secret, now, body)
				if err := verify(h, body, secret, now); err != nil {
					t.Errorf("a correct signature with %q: %v", secret, err)
					return
				}
				if err := verify(h, body, secrets[(g+i+1)%len(secrets)], now); err == nil {
					t.Error("a signature made with another secret was accepted")
					return
				}
			}
		})
	}
	wg.Wait()

	good := Sign(testSecret, now, body)
	upper := good.Clone()
	upper.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(good.Get("X-Slack-Signature"), "v0=")))
	if err := verify(upper, body, testSecret, now); err != nil {
		t.Errorf("upper-case hex, as hex.DecodeString reads it: %v", err)
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("v0:" + strconv.FormatInt(now.Unix(), 10) + ":"))
	mac.Write(body)
	sum := hex.EncodeToString(mac.Sum(nil))
	for name, tc := range map[string]struct {
		sig, ts string
		body    []byte
	}{
		"another body":      {"v0=" + sum, "1700000000", []byte(`{}`)},
		"another timestamp": {"v0=" + sum, "1700000001", body},
		"odd hex":           {"v0=" + sum[1:], "1700000000", body},
		"not hex":           {"v0=" + strings.Repeat("zz", 32), "1700000000", body},
		"short":             {"v0=" + sum[:32], "1700000000", body},
		"long":              {"v0=" + sum + "00", "1700000000", body},
		"no v0":             {sum, "1700000000", body},
		"v1":                {"v1=" + sum, "1700000000", body},
		"bad timestamp":     {"v0=" + sum, "17e8", body},
		"empty":             {"", "", body},
	} {
		h := good.Clone()
		h.Set("X-Slack-Signature", tc.sig)
		h.Set("X-Slack-Request-Timestamp", tc.ts)
		if err := verify(h, tc.body, testSecret, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	h := good.Clone()
	h.Set("X-Slack-Signature", "v0="+sum)
	if err := verify(h, body, testSecret, now); err != nil {
		t.Errorf("the signature computed here: %v", err)
	}
	if err := verify(h, body, testSecret, now.Add(6*time.Minute)); !errors.Is(err, errStale) {
		t.Errorf("six minutes later: %v, want stale", err)
	}
	if err := verify(h, body, "", now); err == nil {
		t.Error("no secret configured: accepted")
	}
}

// TestReadBody: a body read into a buffer of its announced length is the
// body io.ReadAll reads, whatever the announcement says, and the limit
// still holds.
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 20)
	for _, tc := range []struct {
		name    string
		length  int64
		limit   int64
		want    string
		tooBig  bool
		wantErr bool
	}{
		{"exact", 200, 1 << 20, body, false, false},
		{"unknown length", -1, 1 << 20, body, false, false},
		{"announced short", 50, 1 << 20, body, false, false},
		{"announced long", 300, 1 << 20, "", false, true},
		{"over the limit", 200, 100, "", true, true},
		{"unknown length over the limit", -1, 100, "", true, true},
		{"announced short over the limit", 50, 100, "", true, true},
	} {
		r := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
		r.ContentLength = tc.length
		got, err := readBody(httptest.NewRecorder(), r, tc.limit)
		var mbe *http.MaxBytesError
		if tc.wantErr != (err != nil) || tc.tooBig != errors.As(err, &mbe) {
			t.Errorf("%s: error %v", tc.name, err)
			continue
		}
		if err == nil && string(got) != tc.want {
			t.Errorf("%s: read %q", tc.name, got)
		}
	}
}
