package app

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/slack"
)

// TestServeReportsWorkCutShort: when the shutdown timeout ends the drain
// with an acknowledged event still unanswered, Serve must say so (and
// `whoowns serve` exit non-zero) rather than report a clean shutdown. The
// clean case is every other test's cleanup, which wants Serve to return nil.
func TestServeReportsWorkCutShort(t *testing.T) {
	t.Parallel()
	// A Web API whose chat.postMessage never answers until the test ends.
	posting := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
			once.Do(func() { close(posting) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true,"user_id":"U0BOT","team_id":"` + e2eTeam + `"}`))
	}))
	t.Cleanup(api.Close)
	t.Cleanup(func() { close(release) })

	a, err := New(Config{
		Store:           memstore.New(),
		Slack:           &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, APIURL: api.URL + "/api/", Workers: 1},
		ShutdownTimeout: 100 * time.Millisecond, // the post above never ends
		Logger:          faultLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	s := &slackApp{w: &slackWorld{t: t}, app: a, url: "http://" + ln.Addr().String()}
	s.event("EvStuck", e2eDM(pJules, "1700000001.000001", "who owns the roadmap?"))
	select {
	case <-posting:
	case <-done:
		t.Fatal("Serve returned before shutdown")
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "WHOOWNS_SHUTDOWN_TIMEOUT") {
		t.Fatalf("Serve returned %v, want an error naming WHOOWNS_SHUTDOWN_TIMEOUT", err)
	}
}
