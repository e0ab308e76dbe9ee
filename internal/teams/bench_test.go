package teams

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
)

// BenchmarkRenderAdaptiveCard renders an answer as the Adaptive Card reply
// the bot posts and encodes the activity to JSON, as the connector sends it.
func BenchmarkRenderAdaptiveCard(b *testing.B) {
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	svc := bot.New(memstore.New(memstore.WithDirectory(testDirectory())), cat)
	for _, q := range []struct{ name, text string }{
		{"person", "who writes the acceptance criteria for checkout?"},
		{"both", "who decides priorities for payments?"},
		{"unknown", "who fixes the coffee machine?"},
	} {
		a, err := svc.Ask(context.Background(), bot.Message{Tenant: "teams:" + testTenant, Platform: bot.PlatformTeams,
			User: carol, Text: q.text})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				act := cardActivity(answerCard(a))
				raw, err := json.Marshal(act)
				if err != nil {
					b.Fatal(err)
				}
				size = len(raw)
			}
			b.ReportMetric(float64(size), "bytes/msg")
		})
	}
}
