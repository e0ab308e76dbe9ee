package teams

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/core"
)

// TestAuthentication: every forged, misdirected or stale token is refused
// with 401 and nothing reaches the connector; valid variants are answered.
func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	other := testKey(t, "attacker")
	now := h.clock.Now()
	svc := h.conn.serviceURL()
	with := func(mod func(jwt.MapClaims)) string {
		c := claims(now, svc)
		mod(c)
		return "Bearer " + h.is.sign(t, c)
	}
	signedBy := func(m jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(m, claims(now, svc))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	h.is.mu.Lock()
	pubDER, _ := x509.MarshalPKIXPublicKey(&h.is.keys["key-1"].PublicKey)
	h.is.mu.Unlock()

	refused := []struct {
		name, authz string
	}{
		{"missing header", ""},
		{"not bearer", "Basic " + strings.Repeat("x", 20)},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"wrong audience", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" })},
		{"audience array without us", with(func(c jwt.MapClaims) { c["aud"] = []string{"a", "b"} })},
		{"audience of the wrong type", with(func(c jwt.MapClaims) { c["aud"] = 42 })},
		{"wrong issuer", with(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/evil/" })},
		{"expired", with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Minute).Unix() })},
		{"no expiry", with(func(c jwt.MapClaims) { delete(c, "exp") })},
		{"not yet valid", with(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() })},
		{"wrong serviceUrl", with(func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" })},
		{"no serviceUrl", with(func(c jwt.MapClaims) { delete(c, "serviceurl") })},
		{"serviceUrl of the wrong type", with(func(c jwt.MapClaims) { c["serviceurl"] = []int{1} })},
		{"unknown key id", signedBy(jwt.SigningMethodRS256, "key-x", other)},
		{"known key id, other key", signedBy(jwt.SigningMethodRS256, "key-1", other)},
		{"RS512", signedBy(jwt.SigningMethodRS512, "key-1", other)},
		{"HS256 with the public key as secret", signedBy(jwt.SigningMethodHS256, "key-1", pubDER)},
		{"unsigned (alg none)", signedBy(jwt.SigningMethodNone, "key-1", jwt.UnsafeAllowNoneSignatureType)},
	}
	t.Run("refused", func(t *testing.T) {
		for i, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				act := h.channelMessage(fmt.Sprintf("bad-%d", i), alice, "who owns the roadmap?")
				if code := h.post(act, c.authz); code != http.StatusUnauthorized {
					t.Errorf("HTTP %d, want 401", code)
				}
			})
		}
	})

	accepted := []struct {
		name, authz string
	}{
		{"valid", "Bearer " + h.token()},
		{"audience as an array", with(func(c jwt.MapClaims) { c["aud"] = []string{"other", testAppID} })},
		{"expired within the clock skew", with(func(c jwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() })},
		{"lower-case scheme", "bearer " + h.token()},
	}
	for i, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("good-%d", i)
			if code := h.post(h.channelMessage(id, alice, "who owns the roadmap?"), c.authz); code != http.StatusAccepted {
				t.Fatalf("HTTP %d, want 202", code)
			}
			r := h.conn.nextKind(t, "reply")
			if r.ActivityID != id || r.ReplyToID != id {
				t.Errorf("reply to %q with replyToId %q, want %q", r.ActivityID, r.ReplyToID, id)
			}
		})
	}
	h.conn.none(t)
}

// TestKeyRotation: a new signing key is picked up without a restart, while
// junk key ids cannot make the validator hammer the issuer.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.send(h.channelMessage("m1", alice, "who owns the roadmap?"))
	h.conn.nextKind(t, "reply")

	h.is.rotate(t, "key-2")
	h.clock.Advance(2 * minRefetch)
	h.send(h.channelMessage("m2", alice, "who owns the roadmap?"))
	h.conn.nextKind(t, "reply")
	if got := h.is.metaHits.Load(); got != 2 {
		t.Fatalf("metadata fetched %d times, want 2 (start, rotation)", got)
	}

	// Unknown kids right after a fetch: refused without another fetch.
	junk := testKey(t, "attacker")
	for i := range 5 {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(h.clock.Now(), h.conn.serviceURL()))
		tok.Header["kid"] = fmt.Sprintf("junk-%d", i)
		s, _ := tok.SignedString(junk)
		if code := h.post(h.channelMessage(fmt.Sprintf("j%d", i), alice, "hi"), "Bearer "+s); code != http.StatusUnauthorized {
			t.Fatalf("junk kid: HTTP %d, want 401", code)
		}
	}
	if got := h.is.metaHits.Load(); got != 2 {
		t.Fatalf("junk key ids caused %d metadata fetches, want none", got-2)
	}

	// A day later the keys are refreshed even though the kid is known.
	h.clock.Advance(keysMaxAge)
	h.send(h.channelMessage("m3", alice, "who owns the roadmap?"))
	h.conn.nextKind(t, "reply")
	if got := h.is.metaHits.Load(); got != 3 {
		t.Fatalf("metadata fetched %d times, want 3 after a day", got)
	}
	h.conn.none(t)
}

// TestKeysSurviveIssuerOutage: when a refresh fails, cached keys keep
// working instead of locking everyone out.
func TestKeysSurviveIssuerOutage(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	var c clock
	v, err := NewValidator(testAppID, is.srv.URL+"/openid", nil, c.Now, discard())
	if err != nil {
		t.Fatal(err)
	}
	svc := "https://smba.example/"
	if _, err := v.Authenticate(context.Background(), "Bearer "+is.sign(t, claims(c.Now(), svc)), svc, "msteams"); err != nil {
		t.Fatal(err)
	}
	is.srv.Close()
	c.Advance(keysMaxAge + time.Hour)
	if _, err := v.Authenticate(context.Background(), "Bearer "+is.sign(t, claims(c.Now(), svc)), svc, "msteams"); err != nil {
		t.Fatalf("cached key refused during an issuer outage: %v", err)
	}
}

// TestEndorsements: a key endorsed for other channels does not sign for
// Teams.
func TestEndorsements(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	v, err := NewValidator(testAppID, is.srv.URL+"/openid", nil, nil, discard())
	if err != nil {
		t.Fatal(err)
	}
	svc := "https://smba.example/"
	if _, err := v.Authenticate(context.Background(), "Bearer "+is.sign(t, claims(time.Now(), svc)), svc, "slack"); err == nil {
		t.Fatal("a key not endorsed for the channel was accepted")
	}
}

// TestConcurrentColdStart: 50 messages at once cause one metadata fetch, one
// key fetch and one token fetch.
func TestConcurrentColdStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const n = 50
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := range n {
		act := h.channelMessage(fmt.Sprintf("c%d", i), alice, "who owns the roadmap?")
		tok := "Bearer " + h.token()
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- h.post(act, tok)
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusAccepted {
			t.Fatalf("HTTP %d, want 202", c)
		}
	}
	seen := map[string]bool{}
	for range n {
		r := h.conn.nextKind(t, "reply")
		if r.Auth != "Bearer "+testToken {
			t.Fatalf("reply sent with Authorization %q", r.Auth)
		}
		seen[r.ActivityID] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct replies, want %d", len(seen), n)
	}
	if m, k, tk := h.is.metaHits.Load(), h.is.keysHits.Load(), h.is.tokenHit.Load(); m != 1 || k != 1 || tk != 1 {
		t.Fatalf("fetches: metadata %d, keys %d, token %d; want 1 each", m, k, tk)
	}
	h.conn.none(t)
}

// TestLibrarySeam: the validator plugs into the library's adapter through
// its exported TokenValidator field and keeps auth on even with the empty
// credentials that would switch the library's own check off.
func TestLibrarySeam(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	v, err := NewValidator(testAppID, is.srv.URL+"/openid", nil, nil, discard())
	if err != nil {
		t.Fatal(err)
	}
	bf := &core.BotFrameworkAdapter{TokenValidator: v}
	body := `{"type":"message","id":"1","channelId":"msteams","serviceUrl":"https://smba.example/","text":"hi"}`
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer junk.junk.junk")
	if _, err := bf.ParseRequest(context.Background(), req); err == nil {
		t.Fatal("junk token accepted through the library seam")
	}
	req = httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+is.sign(t, claims(time.Now(), "https://smba.example/")))
	if _, err := bf.ParseRequest(context.Background(), req); err != nil {
		t.Fatalf("valid token refused through the library seam: %v", err)
	}
}

// TestNewRefusesMissingCredentials: no app id, no start.
func TestNewRefusesMissingCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := New(Config{AppPassword: "x"}, h.a.svc, h.store); err == nil || !strings.Contains(err.Error(), "TEAMS_APP_ID") {
		t.Errorf("empty app id: %v", err)
	}
	if _, err := New(Config{AppID: "x"}, h.a.svc, h.store); err == nil || !strings.Contains(err.Error(), "TEAMS_APP_PASSWORD") {
		t.Errorf("empty password: %v", err)
	}
}
