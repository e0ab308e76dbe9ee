package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
)

// TestServeFlushesStatsOnShutdown: usage counted in a replica's memory is
// flushed to Redis when it shuts down, after its transports drained, even
// long before the next periodic flush.
func TestServeFlushesStatsOnShutdown(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	a, err := New(Config{
		Slack:         &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, APIURL: w.fake.APIURL(), Workers: 1},
		Store:         st,
		StatsInterval: time.Hour, // no periodic flush during the test
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	s := &slackApp{w: w, app: a, url: "http://" + ln.Addr().String()}
	s.event("EvStats1", e2eDM(pJules, "1700000001.000001", "who owns the roadmap?"))
	s.event("EvStats2", e2eDM(pNobody, "1700000001.000002", "who fixes the coffee machine?"))
	w.answerIn("D"+pJules, "")
	w.answerIn("D"+pNobody, "")
	tenant := ownership.TenantID("slack:" + e2eTeam)
	if r, err := st.Stats(context.Background(), tenant, time.Now(), time.Now()); err != nil || !r.Total().IsZero() {
		t.Fatalf("before shutdown the store has %+v, %v; want nothing yet", r.Total(), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r, err := st.Stats(context.Background(), tenant, time.Now(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Total(); got.Questions != 2 || got.Answered != 1 || got.Unknown != 1 || got.Teams["checkout"] != 1 {
		t.Errorf("after shutdown the store has %+v; want 2 questions, 1 answered for checkout, 1 unknown", got)
	}
}
