package slack

import (
	"context"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
)

// benchAnswers are answers of the common kinds, as the core returns them
// for the test workspace.
func benchAnswers(b *testing.B) []struct {
	name string
	a    bot.Answer
} {
	b.Helper()
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	svc := bot.New(memstore.New(memstore.WithDirectory(testDirectory())), cat)
	var out []struct {
		name string
		a    bot.Answer
	}
	for _, q := range []struct{ name, text string }{
		{"person", "who writes the acceptance criteria for checkout?"},
		{"both", "who decides priorities for payments?"},
		{"unknown", "who fixes the coffee machine?"},
	} {
		a, err := svc.Ask(context.Background(), bot.Message{Tenant: tenant(testTeam), Platform: platform,
			User: ownership.Person{ID: uJules}, Channel: ownership.Channel{ID: cCheck}, Text: q.text})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, struct {
			name string
			a    bot.Answer
		}{q.name, a})
	}
	return out
}

// BenchmarkRenderBlockKit renders an answer as the Block Kit message the
// bot posts, into chat.postMessage's JSON body.
func BenchmarkRenderBlockKit(b *testing.B) {
	for _, c := range benchAnswers(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var body []byte
			for b.Loop() {
				m := answerPostMessage(c.a, uJules)
				m.Channel = cCheck
				var err error
				if body, err = appendPostMessage(body[:0], m); err != nil {
					b.Fatal(err)
				}
			}
			size := len(body)
			b.ReportMetric(float64(size), "bytes/msg")
		})
	}
}
