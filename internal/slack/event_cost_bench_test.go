package slack

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/stats"
)

// costRig is the replica of the event-cost benchmarks: the Redis store with
// the test directory, and the core that answers.
type costRig struct {
	st    *redisstore.Store
	trips *redistest.RoundTrips
	svc   *bot.Service
	quiet *slog.Logger
}

func newCostRig(b *testing.B) *costRig {
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	// With a real server, the client is the one serve builds from
	// REDIS_URL (its pool, timeouts and hooks), as the replica's.
	var client redis.UniversalClient
	var prefix string
	if url := os.Getenv(redistest.EnvURL); url != "" {
		if client, err = (redisstore.Config{URL: url}).NewClient(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { client.Close() })
		prefix = redistest.Prefix(b)
	} else {
		client, prefix = redistest.Client(b)
	}
	trips := &redistest.RoundTrips{}
	client.AddHook(trips)
	st := redisstore.New(client, redisstore.WithPrefix(prefix))
	if _, _, err := st.Update(context.Background(), tenant(testTeam), func(d *ownership.Directory) ([]ownership.Change, error) {
		src := testDirectory()
		d.Teams, d.Leads = src.Teams, src.Leads
		return []ownership.Change{{Action: "seed"}}, nil
	}); err != nil {
		b.Fatal(err)
	}
	if os.Getenv(redistest.EnvURL) == "" {
		b.Log("Redis: in-process miniredis (set REDIS_URL for a real server; its allocations count here)")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Usage is counted as serve counts it, in memory; the flush is a
	// replica's background work every few seconds, off the answer path,
	// so none happens here.
	svc := bot.New(st, cat, bot.WithLogger(quiet), bot.WithStats(stats.New(st)))
	return &costRig{st: st, trips: trips, svc: svc, quiet: quiet}
}

// adapter is the Slack adapter of the replica, posting to apiURL.
func (r *costRig) adapter(b *testing.B, apiURL string) *Adapter {
	a, err := New(Config{BotToken: "xoxb-bench", SigningSecret: testSecret, APIURL: apiURL, Workers: 1, Logger: r.quiet, Metrics: metrics.New()}, r.svc, r.st)
	if err != nil {
		b.Fatal(err)
	}
	a.setIdentity(identity{TeamID: testTeam, UserID: fakeslack.BotUserID})
	return a
}

var costQuestions = []string{
	"who writes the acceptance criteria for checkout?",
	"who owns the roadmap?",
	"who decides priorities?",
}

// costEvent is the i-th question of the event-cost benchmarks.
func costEvent(i int) []byte {
	ts := "1700000000." + strconv.Itoa(100000+i)
	return eventBody("EvCost"+strconv.Itoa(i), mention(uJules, cCheck, ts, costQuestions[i%len(costQuestions)]))
}

// BenchmarkEventCost is what one question costs a replica, from the HTTP
// delivery to the posted answer: the replica's HTTP server reads the
// request, the handler verifies, decodes and queues it (the ack), then the
// worker's part: claim the delivery and read the directory (Redis), match,
// render Block Kit, post to a Web API over keep-alive HTTP. "redelivery"
// is a second delivery of an answered event: acked, claimed, dropped.
//
// Only the replica runs in this process: Slack's side, the client that
// sends the signed deliveries and the fake Web API that takes the posts,
// runs in a child process (this test binary again, TestEventCostPeer), so
// allocs/op and cpu-ns/op are the replica's alone, its HTTP server and
// Redis client included. With REDIS_URL unset the Redis is an in-process
// miniredis, whose allocations then count too.
// BenchmarkEventCostInProcess measures the same path the earlier way.
func BenchmarkEventCost(b *testing.B) {
	rig := newCostRig(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	peer := startCostPeer(b, "http://"+ln.Addr().String()+"/slack/events")
	a := rig.adapter(b, peer.apiURL)
	mux := http.NewServeMux()
	a.Register(mux)
	// As serve's server (internal/app), minus what the benchmark cannot reach.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })

	ctx := context.Background()
	// deliver has the peer send a delivery ('n' a new event, 'r' the last
	// one again, freshly signed), waits for its ack and runs the job the
	// handler queued, as a worker would.
	deliver := func(b *testing.B, what byte) {
		peer.send(b, what)
		j, ok := a.pool.TryTake()
		if !ok {
			b.Fatal("the acknowledged delivery queued no job")
		}
		a.pool.Do(ctx, j)
	}
	deliver(b, 'n') // warm the cache, scripts and connections

	for _, redelivery := range []bool{false, true} {
		name := "answer"
		if redelivery {
			name = "redelivery"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var nTrips, nCalls int64
			var cpu time.Duration
			if !redelivery {
				// The timer runs throughout, so whatever the replica's
				// goroutines allocate after an ack counts too.
				t0, c0, u0 := rig.trips.Count(), peer.calls(b), cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					deliver(b, 'n')
				}
				b.StopTimer()
				cpu, nTrips, nCalls = cpuTime()-u0, rig.trips.Count()-t0, peer.calls(b)-c0
			} else {
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					deliver(b, 'n')
					t0, c0, u0 := rig.trips.Count(), peer.calls(b), cpuTime()
					b.StartTimer()
					deliver(b, 'r')
					b.StopTimer()
					cpu += cpuTime() - u0
					nTrips += rig.trips.Count() - t0
					nCalls += peer.calls(b) - c0
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(nTrips)/float64(b.N), "redis_trips/op")
			b.ReportMetric(float64(nCalls)/float64(b.N), "api_calls/op")
			// CPU time of this process (user + system, every thread) per
			// event: the replica's, Redis client included; not the
			// peer's, not redis-server's. On a shared machine steadier
			// than ns/op, which also counts waiting for a core and the
			// peer's share of each round trip.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// costPeerEnv names, to the child process, the replica's events URL.
const costPeerEnv = "WHOOWNS_EVENT_COST_PEER"

// costPeer is the child process playing Slack for BenchmarkEventCost.
// Commands go to it one byte each on a pipe; it answers on another.
type costPeer struct {
	apiURL string
	cmd    io.Writer
	out    *bufio.Reader
	buf    [1]byte
}

// startCostPeer starts the child, which sends deliveries to eventsURL, and
// reads the URL of the Web API it serves.
func startCostPeer(b *testing.B, eventsURL string) *costPeer {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	c := exec.Command(os.Args[0], "-test.run=^TestEventCostPeer$", "-test.count=1")
	c.Env = append(os.Environ(), costPeerEnv+"="+eventsURL)
	c.ExtraFiles = []*os.File{cmdR, outW} // fd 3 and 4 in the child
	// The child's test output, shown if it fails.
	var log bytes.Buffer
	c.Stdout, c.Stderr = &log, &log
	if err := c.Start(); err != nil {
		b.Fatal(err)
	}
	_ = cmdR.Close()
	_ = outW.Close()
	b.Cleanup(func() {
		_ = cmdW.Close() // the peer ends when its command pipe closes
		if err := c.Wait(); err != nil {
			b.Errorf("event-cost peer: %v\n%s", err, log.String())
		}
		_ = outR.Close()
	})
	p := &costPeer{cmd: cmdW, out: bufio.NewReader(outR)}
	line, err := p.out.ReadString('\n')
	if err != nil {
		b.Fatalf("event-cost peer: %v", err)
	}
	p.apiURL = strings.TrimSpace(line)
	return p
}

// send has the peer deliver ('n' or 'r') and waits for the replica's ack.
func (p *costPeer) send(b *testing.B, what byte) {
	p.buf[0] = what
	if _, err := p.cmd.Write(p.buf[:]); err != nil {
		b.Fatalf("event-cost peer: %v", err)
	}
	if c, err := p.out.ReadByte(); err != nil || c != 'k' {
		msg, _ := p.out.ReadString('\n')
		b.Fatalf("event-cost peer: delivery not acknowledged: %v %s", err, msg)
	}
}

// calls is the number of Web API calls the peer has answered.
func (p *costPeer) calls(b *testing.B) int64 {
	p.buf[0] = 'c'
	if _, err := p.cmd.Write(p.buf[:]); err != nil {
		b.Fatalf("event-cost peer: %v", err)
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		b.Fatalf("event-cost peer: %v", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		b.Fatalf("event-cost peer: %q", line)
	}
	return n
}

// TestEventCostPeer is BenchmarkEventCost's child process, and does nothing
// unless started by it: it serves a fake Web API, writes its URL, then
// takes commands until its command pipe closes.
func TestEventCostPeer(t *testing.T) {
	eventsURL := os.Getenv(costPeerEnv)
	if eventsURL == "" {
		t.Skip("the child process of BenchmarkEventCost")
	}
	cmd, out := os.NewFile(3, "commands"), os.NewFile(4, "replies")
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0CHECKOUT","ts":"1700000000.000001"}`)
	}))
	defer api.Close()
	if _, err := fmt.Fprintln(out, api.URL+"/api/"); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(body []byte) error {
		req, err := http.NewRequest(http.MethodPost, eventsURL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header = Sign(testSecret, time.Now(), body)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	seq := int(time.Now().UnixNano()%1e9) * 10
	var body []byte
	in := bufio.NewReader(cmd)
	for {
		c, err := in.ReadByte()
		if err != nil {
			return // the benchmark is done
		}
		switch c {
		case 'n', 'r':
			if c == 'n' || body == nil {
				seq++
				body = costEvent(seq)
			}
			if err := post(body); err != nil {
				_, _ = fmt.Fprintf(out, "E%v\n", err)
				continue
			}
			_, _ = out.Write([]byte{'k'})
		case 'c':
			_, _ = fmt.Fprintln(out, calls.Load())
		}
	}
}

// BenchmarkEventCostInProcess is BenchmarkEventCost as it was measured up
// to the third round of work on the answer path, kept to compare with the
// figures of that time: everything runs in this one process, so the
// numbers include the fake Web API (an httptest server) and the
// httptest request and recorder that stand in for the replica's HTTP
// server, and the timer stops while each delivery is signed.
func BenchmarkEventCostInProcess(b *testing.B) {
	rig := newCostRig(b)
	ctx := context.Background()
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0CHECKOUT","ts":"1700000000.000001"}`)
	}))
	defer api.Close()
	a := rig.adapter(b, api.URL+"/api/")
	trips := rig.trips

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
	event := costEvent
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
			// per event. The fake Web API and the Redis client count;
			// redis-server does not.
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
