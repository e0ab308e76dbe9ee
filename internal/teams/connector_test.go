package teams

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/metrics"
)

// fakeAPI is a connector whose answers a test scripts, plus a token issuer.
type fakeAPI struct {
	is      *issuer
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	answers []func(w http.ResponseWriter) // one per call; the last repeats
	auths   []string
}

func newFakeAPI(t *testing.T, answers ...func(w http.ResponseWriter)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{is: newIssuer(t), answers: answers}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.calls.Add(1))
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		a := f.answers[min(n, len(f.answers))-1]
		f.mu.Unlock()
		a(w)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func status(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		if code < 300 {
			w.Write([]byte(`{"id":"1"}`))
		}
	}
}

// connectorFor returns a Connector against f that records its waits.
func connectorFor(f *fakeAPI, now func() time.Time, m *metrics.Metrics) (*Connector, *[]time.Duration) {
	c := NewConnector(testAppID, testPassword, f.is.srv.URL+"/token", nil, now, discard(), m)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

func reply(c *Connector, f *fakeAPI) error {
	return c.Reply(context.Background(), f.srv.URL, "19:c@thread.tacv2;messageid=1", "1", Activity{Type: "message", Text: "hi"})
}

func TestConnectorRetriesAfterRetryAfter(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	f := newFakeAPI(t, status(429, "Retry-After", "3"), status(429, "Retry-After", "120"), status(200))
	c, waits := connectorFor(f, nil, m)
	if err := reply(c, f); err != nil {
		t.Fatal(err)
	}
	if got := *waits; len(got) != 2 || got[0] != 3*time.Second || got[1] != maxRetryAfter {
		t.Fatalf("waits %v, want [3s %s] (Retry-After honoured, capped)", got, maxRetryAfter)
	}
	if n := counter(t, m, "whoowns_platform_api_retries_total", "method", "reply"); n != 2 {
		t.Errorf("retries counted %v, want 2", n)
	}
}

func TestConnectorBacksOffOn5xxThenGivesUp(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	f := newFakeAPI(t, status(503))
	c, waits := connectorFor(f, nil, m)
	err := reply(c, f)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Fatalf("err %v, want the final 503", err)
	}
	if got := f.calls.Load(); got != maxAttempts {
		t.Errorf("%d attempts, want %d", got, maxAttempts)
	}
	for i, w := range *waits {
		if hi := c.backoff << i; w < hi/2 || w > hi {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, w, hi/2, hi)
		}
	}
	if n := counter(t, m, "whoowns_platform_api_errors_total", "method", "reply"); n != 1 {
		t.Errorf("failures counted %v, want 1", n)
	}
}

func TestConnectorDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, status(400))
	c, _ := connectorFor(f, nil, nil)
	if err := reply(c, f); err == nil || f.calls.Load() != 1 {
		t.Fatalf("err %v after %d calls, want one failed call", err, f.calls.Load())
	}
}

// TestConnectorTokenFailureIsNotCached: a refused token request is an error
// (never an empty "Bearer "), and the next call asks again.
func TestConnectorTokenFailureIsNotCached(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, status(200))
	f.is.tokenStatus.Store(http.StatusUnauthorized)
	c, _ := connectorFor(f, nil, nil)
	err := reply(c, f)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Method != "token" || apiErr.Status != 401 {
		t.Fatalf("err %v, want the token endpoint's 401", err)
	}
	if f.calls.Load() != 0 {
		t.Fatal("the connector was called without a token")
	}
	f.is.tokenStatus.Store(0)
	if err := reply(c, f); err != nil {
		t.Fatal(err)
	}
	if got := f.is.tokenHit.Load(); got != 2 {
		t.Errorf("token fetched %d times, want 2", got)
	}
	if f.auths[0] != "Bearer "+testToken {
		t.Errorf("Authorization %q", f.auths[0])
	}
}

// TestConnectorTokenCache: the token is reused until shortly before it
// expires, then renewed.
func TestConnectorTokenCache(t *testing.T) {
	t.Parallel()
	var clk clock
	f := newFakeAPI(t, status(200))
	c, _ := connectorFor(f, clk.Now, nil)
	for range 3 {
		if err := reply(c, f); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.is.tokenHit.Load(); got != 1 {
		t.Fatalf("token fetched %d times for 3 calls, want 1", got)
	}
	clk.Advance(time.Hour - tokenMargin) // the fake's tokens live 3599s
	if err := reply(c, f); err != nil {
		t.Fatal(err)
	}
	if got := f.is.tokenHit.Load(); got != 2 {
		t.Fatalf("token fetched %d times, want a renewal before expiry", got)
	}
}

// TestConnectorReauthenticatesOnce: a 401 from the connector drops the
// token and tries once more with a fresh one.
func TestConnectorReauthenticatesOnce(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, status(401), status(200))
	c, _ := connectorFor(f, nil, nil)
	if err := reply(c, f); err != nil {
		t.Fatal(err)
	}
	if got := f.is.tokenHit.Load(); got != 2 {
		t.Errorf("token fetched %d times, want 2", got)
	}
	g := newFakeAPI(t, status(401))
	c, _ = connectorFor(g, nil, nil)
	if err := reply(c, g); err == nil || g.calls.Load() != 2 {
		t.Errorf("err %v after %d calls, want failure after one re-authentication", err, g.calls.Load())
	}
}

// TestConnectorHonoursContext: a hung connector does not hold a worker past
// its context.
func TestConnectorHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	f := newFakeAPI(t, func(w http.ResponseWriter) { <-release })
	defer close(release)
	c, _ := connectorFor(f, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Reply(ctx, f.srv.URL, "c", "1", Activity{Type: "message"}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Reply ignored its context")
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              -1,
		"soon":                          -1,
		"0":                             0,
		"7":                             7 * time.Second,
		"3600":                          maxRetryAfter,
		"Mon, 02 Mar 2026 10:00:05 GMT": 5 * time.Second,
		"Mon, 02 Mar 2026 09:00:00 GMT": 0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestEndpointEscapesConversationIDs(t *testing.T) {
	t.Parallel()
	got := endpoint("https://smba.example/amer/", "v3", "conversations", "19:abc@thread.tacv2;messageid=17", "activities", "17")
	want := "https://smba.example/amer/v3/conversations/19:abc@thread.tacv2%3Bmessageid=17/activities/17"
	if got != want {
		t.Errorf("endpoint = %s\nwant       %s", got, want)
	}
}

// counter reads a teams counter from m's registry by one label.
func counter(t *testing.T, m *metrics.Metrics, name, label, value string) float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			ok := false
			for _, l := range mt.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					ok = true
				}
			}
			if ok {
				total += mt.GetCounter().GetValue()
			}
		}
	}
	return total
}

// TestConnectorNeverRepeatsAPostThatMayHaveArrived: a 500, 502 or 504, or a
// connection lost after the request was sent, may follow a message that
// was posted. A reply is not sent again; a read is.
func TestConnectorNeverRepeatsAPostThatMayHaveArrived(t *testing.T) {
	t.Parallel()
	drop := func(w http.ResponseWriter) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}
	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter)
	}{
		{"500", status(500)}, {"502", status(502)}, {"504", status(504)}, {"connection dropped", drop},
	} {
		f := newFakeAPI(t, tc.answer, status(200))
		c, _ := connectorFor(f, nil, nil)
		err := reply(c, f)
		if err == nil || f.calls.Load() != 1 || delivery.ClassOf(err) != delivery.Unknown || delivery.Undelivered(err) {
			t.Errorf("%s: reply = %v (%v) after %d calls; want one call, outcome unknown", tc.name, err, delivery.ClassOf(err), f.calls.Load())
		}
		f = newFakeAPI(t, tc.answer, status(200))
		c, _ = connectorFor(f, nil, nil)
		if _, err := c.Member(context.Background(), f.srv.URL, "19:c@thread.tacv2", "29:u"); err != nil || f.calls.Load() != 2 {
			t.Errorf("%s: member lookup = %v after %d calls; want it repeated", tc.name, err, f.calls.Load())
		}
	}
}

// TestConnectorRetriesWhatNeverLeft: a refused connection sent nothing, so
// even a reply is tried again, and one that never got through is reported
// as undelivered.
func TestConnectorRetriesWhatNeverLeft(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	f := newFakeAPI(t, status(200))
	c, waits := connectorFor(f, nil, nil)
	err = c.Reply(context.Background(), dead, "19:c@thread.tacv2", "1", Activity{Type: "message", Text: "hi"})
	if !delivery.Undelivered(err) || len(*waits) != maxAttempts-1 {
		t.Errorf("reply to a closed port = %v after %d waits; want undelivered after %d retries", err, len(*waits), maxAttempts-1)
	}
	f = newFakeAPI(t, status(403))
	c, _ = connectorFor(f, nil, nil)
	if err := reply(c, f); !delivery.Undelivered(err) || f.calls.Load() != 1 {
		t.Errorf("a 403 = %v after %d calls; want undelivered, not retried", err, f.calls.Load())
	}
}
