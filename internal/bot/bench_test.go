package bot_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/sample"
)

// sampleCatalogue is the default catalogue and the sample teams' directory.
func sampleCatalogue(b *testing.B) (*intent.Catalogue, *ownership.Directory) {
	b.Helper()
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		b.Fatal(err)
	}
	return cat, d
}

// BenchmarkAsk is the hot path of a question: rate limit, directory read,
// match, resolve the team and the people. "redis" runs against the Redis
// store (REDIS_URL when set, else miniredis) and reports its round trips
// per answer; "memory" is the same without a network, for comparison. With
// miniredis the server runs in the benchmark's process, so B/op and
// allocs/op include its own: set REDIS_URL (scripts/bench does when a Redis
// answers on 127.0.0.1:6379) to see the bot's alone.
func BenchmarkAsk(b *testing.B) {
	cat, d := sampleCatalogue(b)
	quiet := bot.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	questions := []struct{ name, text string }{
		{"person", "who writes the acceptance criteria for checkout?"},
		{"both", "who decides priorities for payments?"},
		{"unknown", "who fixes the coffee machine?"}, // also queues the question for leads
	}
	limits := []struct {
		name string
		opt  bot.Option
	}{
		{"nolimit", bot.WithLimits(bot.Limits{})},
		// Production's per-user limiter (counted in the replica), set high
		// enough never to refuse.
		{"ratelimited", bot.WithLimits(bot.Limits{Questions: 1 << 30, Window: time.Hour})},
	}

	b.Run("redis", func(b *testing.B) {
		client, prefix := redistest.Client(b)
		rt := &redistest.RoundTrips{}
		client.AddHook(rt)
		st := redisstore.New(client, redisstore.WithPrefix(prefix))
		seed(b, st, d)
		if u := os.Getenv(redistest.EnvURL); u != "" {
			b.Logf("Redis: %s", u)
		} else {
			b.Log("Redis: in-process miniredis (set REDIS_URL for a real server)")
		}
		for _, l := range limits {
			for _, q := range questions {
				b.Run(l.name+"/"+q.name, func(b *testing.B) {
					s := bot.New(st, cat, quiet, l.opt)
					m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, User: ownership.Person{ID: "U03JULES"}, Text: q.text}
					if _, err := s.Ask(context.Background(), m); err != nil { // warm the cache
						b.Fatal(err)
					}
					b.ReportAllocs()
					rt.Reset()
					for b.Loop() {
						if _, err := s.Ask(context.Background(), m); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(rt.Count())/float64(b.N), "roundtrips/op")
				})
			}
		}
	})

	b.Run("memory", func(b *testing.B) {
		for _, q := range questions {
			b.Run(q.name, func(b *testing.B) {
				s := bot.New(memstore.New(memstore.WithDirectory(d)), cat, quiet)
				m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, User: ownership.Person{ID: "U03JULES"}, Text: q.text}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Ask(context.Background(), m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

func seed(b *testing.B, st ownership.Store, d *ownership.Directory) {
	b.Helper()
	_, _, err := st.Update(context.Background(), sample.Tenant, func(dst *ownership.Directory) ([]ownership.Change, error) {
		return dirfile.Replace(dst, d, ownership.Person{ID: "bench"}, time.Now(), "sample"), nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAskCatalogue answers the catalogue's own phrases, as the load
// tool asks them, from a directory the store shares between answers (as
// the Redis store's ClaimDirectory does): the replica's work per answer
// before rendering, without a network.
func BenchmarkAskCatalogue(b *testing.B) {
	cat, d := sampleCatalogue(b)
	st := &sharedStore{Store: memstore.New(memstore.WithDirectory(d)), shared: d}
	s := bot.New(st, cat, bot.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	var qs []string
	for _, in := range cat.Intents() {
		qs = append(qs, in.Phrases...)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := bot.Message{Tenant: sample.Tenant, Platform: bot.PlatformSlack, User: ownership.Person{ID: "ULOAD0001"}, Channel: ownership.Channel{ID: "CLOAD"}, Text: qs[i%len(qs)]}
		if _, _, err := s.AskOnce(context.Background(), m, time.Minute, "Ev"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
