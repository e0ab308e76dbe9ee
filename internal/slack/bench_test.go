package slack

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
)

// BenchmarkEventAck measures the HTTP ack of an event: read, verify, parse
// the outer envelope, queue. Slack wants it well under 3s; the target is
// under 10ms.
func BenchmarkEventAck(b *testing.B) {
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	st := memstore.New()
	a, err := New(Config{BotToken: "xoxb-b", SigningSecret: testSecret}, bot.New(st, cat), st)
	if err != nil {
		b.Fatal(err)
	}
	drain, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for { // the workers' part is not measured
			if _, ok := a.pool.Take(drain); !ok {
				return
			}
		}
	}()
	body := eventBody("EvBench", mention(uJules, cCheck, "1.1", "who owns the roadmap?"))
	hdr := Sign(testSecret, time.Now(), body)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
		req.Header = hdr.Clone()
		rec := httptest.NewRecorder()
		a.handleEvents(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
