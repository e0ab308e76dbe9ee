package slack

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/stats"
)

// BenchmarkEventCost is what one question costs a replica, from the HTTP
// delivery to the posted answer: verify, decode and queue (the ack), then
// the worker's part: claim the delivery and read the directory (Redis),
// match, render Block Kit, post to a Web API over keep-alive HTTP. It runs
// against the Redis store (REDIS_URL, else miniredis, whose allocations
// then count too) and reports Redis round trips and Web API calls per
// event. "redelivery" is a second delivery of an answered event: acked,
// claimed, dropped.
func BenchmarkEventCost(b *testing.B) {
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	client, prefix := redistest.Client(b)
	trips := &redistest.RoundTrips{}
	client.AddHook(trips)
	st := redisstore.New(client, redisstore.WithPrefix(prefix))
	ctx := context.Background()
	if _, _, err := st.Update(ctx, tenant(testTeam), func(d *ownership.Directory) ([]ownership.Change, error) {
		src := testDirectory()
		d.Teams, d.Leads = src.Teams, src.Leads
		return []ownership.Change{{Action: "seed"}}, nil
	}); err != nil {
		b.Fatal(err)
	}
	if os.Getenv(redistest.EnvURL) == "" {
		b.Log("Redis: in-process miniredis (set REDIS_URL for a real server; its allocations count here)")
	}
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0CHECKOUT","ts":"1700000000.000001"}`)
	}))
	defer api.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Usage is counted as serve counts it, in memory; the flush is a
	// replica's background work every few seconds, off the answer path,
	// so none happens here.
	svc := bot.New(st, cat, bot.WithLogger(quiet), bot.WithStats(stats.New(st)))
	a, err := New(Config{BotToken: "xoxb-bench", SigningSecret: testSecret, APIURL: api.URL + "/api/", Workers: 1, Logger: quiet, Metrics: metrics.New()}, svc, st)
	if err != nil {
		b.Fatal(err)
	}
	a.setIdentity(identity{TeamID: testTeam, UserID: fakeslack.BotUserID})

	// deliver sends body as Slack would and runs the job it queued.
	deliver := func(b *testing.B, body []byte, hdr http.Header) {
		req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
		req.Header = hdr
		rec := httptest.NewRecorder()
		a.handleEvents(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		j, _ := a.pool.Take(ctx)
		a.pool.Do(ctx, j)
	}
	questions := []string{
		"who writes the acceptance criteria for checkout?",
		"who owns the roadmap?",
		"who decides priorities?",
	}
	event := func(i int) []byte {
		ts := "1700000000." + strconv.Itoa(100000+i)
		return eventBody("EvCost"+strconv.Itoa(i), mention(uJules, cCheck, ts, questions[i%len(questions)]))
	}
	warm := event(int(time.Now().UnixNano() % 1e9))
	deliver(b, warm, Sign(testSecret, time.Now(), warm)) // warm the cache, scripts and connections

	for _, redelivery := range []bool{false, true} {
		name := "answer"
		if redelivery {
			name = "redelivery"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var nTrips, nCalls int64
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				body := event(int(time.Now().UnixNano()%1e9)*10 + i)
				if redelivery {
					deliver(b, body, Sign(testSecret, time.Now(), body))
				}
				hdr := Sign(testSecret, time.Now(), body)
				t0, c0, u0 := trips.Count(), calls.Load(), cpuTime()
				b.StartTimer()
				deliver(b, body, hdr)
				b.StopTimer()
				cpu += cpuTime() - u0
				nTrips += trips.Count() - t0
				nCalls += calls.Load() - c0
				b.StartTimer()
			}
			b.ReportMetric(float64(nTrips)/float64(b.N), "redis_trips/op")
			b.ReportMetric(float64(nCalls)/float64(b.N), "api_calls/op")
			// CPU time of the whole process (user + system, every thread)
			// per event: on a shared machine steadier than ns/op, which
			// also counts waiting for a core. The fake Web API and the
			// Redis client count; redis-server does not.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
