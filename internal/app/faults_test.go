package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// Fault tests: Redis goes away in the middle of traffic and comes back, and
// the bot, never restarted, says so plainly while it is gone and answers
// again once it is back.
//
// The decision they pin down: while Redis is unreachable the bot answers
// from the ownership data the replica read last, clearly marked ("from
// ownership data as of 10:32; live data is briefly unavailable"), or, for
// data it never read, says the data is briefly unavailable; never silence
// under a first delivery, never an internal error, never a second reply;
// a change is refused plainly and changes nothing.

// unavailableText is in every reply that says Redis is out of reach.
const unavailableText = "briefly unavailable"

// degradedText marks an answer given from a replica's kept data.
const degradedText = "live data is briefly unavailable"

// internalText is what a user would see for an unexpected error; a fault
// the bot knows about must never show it.
var internalText = ownership.ErrorMessage(errors.New("x"))

// redisProcess is a private redis-server that a test can kill and start
// again on the same port. It keeps its data in an append-only file synced
// on every write, in its own directory, so that a restart after a kill -9
// comes back with every acknowledged write: a crash, not a data loss.
type redisProcess struct {
	t    *testing.T
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// startRedis starts redis-server on a free loopback port, or skips the test
// when redis-server is not installed. It is killed when the test ends.
func startRedis(t *testing.T) *redisProcess {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not on PATH, so Redis cannot be taken down and brought back; install it (apt-get install redis-server) to run the fault tests")
	}
	r := &redisProcess{t: t, port: redistest.FreePort(t), dir: t.TempDir()}
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(r.dir, "redis.log")); err == nil {
				t.Logf("redis-server log:\n%s", lastLogLines(b, 30))
			}
		}
	})
	r.start()
	return r
}

func (r *redisProcess) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs the server and returns once it answers PING.
func (r *redisProcess) start() {
	r.t.Helper()
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"),
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()

	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), DialTimeout: time.Second, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	deadline := time.NewTimer(e2eWait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		select {
		case <-done:
			r.t.Fatalf("redis-server on port %d exited at start-up (port taken?); last ping: %v", r.port, err)
		case <-deadline.C:
			r.t.Fatalf("redis-server on port %d never answered PING: %v", r.port, err)
		case <-tick.C:
		}
	}
}

// kill ends the server with SIGKILL, like a crash, and waits until it has
// exited, so the port is closed when kill returns.
func (r *redisProcess) kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

func lastLogLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logBuffer collects a replica's logs, shown only when the test fails.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func faultLogger(t *testing.T) *slog.Logger {
	t.Helper()
	buf := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replica log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// serveApp runs a on 127.0.0.1:0 until the test ends and returns its base URL.
func serveApp(t *testing.T, a *App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(e2eWait):
			t.Error("Serve did not return after cancel")
		}
	})
	return "http://" + ln.Addr().String()
}

// waitReady polls GET /readyz until it answers want.
func waitReady(t *testing.T, base string, want int) {
	t.Helper()
	deadline := time.NewTimer(e2eWait)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		resp, err := testClient.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-deadline.C:
			t.Fatalf("/readyz never answered %d; last: %s", want, last)
		case <-tick.C:
		}
	}
}

// seedSlack gives the e2e Slack workspace its Checkout team on the store.
func seedSlack(t *testing.T, st ownership.Store) {
	t.Helper()
	_, _, err := st.Update(context.Background(), ownership.TenantID("slack:"+e2eTeam), func(d *ownership.Directory) ([]ownership.Change, error) {
		p := func(id, name string) ownership.Person { return ownership.Person{ID: id, Name: name} }
		d.Leads = []ownership.Person{p(pLead, "Morgan")}
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout",
			Roles: map[ownership.Role]ownership.Assignment{
				ownership.ProductManager: {Person: p(pPriya, "Priya")},
				ownership.ProductOwner:   {Person: p(pMarco, "Marco")},
			},
			Members:  []ownership.Person{p(pPriya, "Priya"), p(pMarco, "Marco"), p(pJules, "Jules")},
			Channels: []ownership.Channel{{ID: chCheck, Name: "checkout"}},
		}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "test teams loaded"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openStore is a store of the test's own on the private server, for seeding
// and for reading what the bot wrote.
func openStore(t *testing.T, url string) *redisstore.Store {
	t.Helper()
	st, err := redisstore.Open(redisstore.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSlackRedisDownAndBack kills Redis while questions are being answered
// over Slack, checks what users and the load balancer see while it is down,
// starts it again on the same port and checks that the same replica
// recovers by itself.
func TestSlackRedisDownAndBack(t *testing.T) {
	t.Parallel()
	rp := startRedis(t)
	st := openStore(t, rp.url())
	seedSlack(t, st)

	w := &slackWorld{t: t, fake: fakeslack.New(t)}
	w.fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam})
	a, err := New(Config{
		// The real wiring: the store is built from the URL, as in serve.
		Redis: redisstore.Config{URL: rp.url()},
		Slack: &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, APIURL: w.fake.APIURL(), Workers: 4},
		// Production's limits, so the limiter's own Redis calls fail too.
		QuestionsPerMinute: 30, CommandsPerMinute: 30,
		Logger: faultLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &slackApp{w: w, app: a, url: serveApp(t, a)}
	waitReady(t, s.url, http.StatusOK)

	const question = "who writes the acceptance criteria?"
	users := []string{pJules, pPriya, pMarco, pNobody}
	ask := func(n int) string {
		ts := fmt.Sprintf("1700001000.%06d", n)
		s.event(fmt.Sprintf("EvFault%d", n), e2eMention(users[n%len(users)], chCheck, ts, question))
		return ts
	}
	isAnswer := func(text string) bool { return strings.Contains(text, "<@"+pMarco+">, the Product Owner of") }
	reply := func(ts string) string {
		t.Helper()
		return w.answerIn(chCheck, ts).AllText()
	}

	// Healthy.
	if got := reply(ask(0)); !isAnswer(got) {
		t.Fatalf("answer before the fault:\n%s", got)
	}

	// Mid-traffic: questions are queued and being answered when Redis dies.
	var before, after []string
	for n := 1; n <= 8; n++ {
		before = append(before, ask(n))
	}
	rp.kill()
	for n := 9; n <= 16; n++ {
		after = append(after, ask(n))
	}
	for _, ts := range before {
		// Answered before the kill, or told the data is unavailable.
		if got := reply(ts); !isAnswer(got) && !strings.Contains(got, unavailableText) {
			t.Errorf("question %s asked as Redis died got neither the answer nor the unavailable notice:\n%s", ts, got)
		}
	}
	for _, ts := range after {
		// Answered from the data the replica read before, and marked.
		if got := reply(ts); !strings.Contains(got, degradedText) || !isAnswer(got) {
			t.Errorf("question %s asked while Redis is down: want the marked answer from kept data, got:\n%s", ts, got)
		}
	}
	// Slack retries two of them: the replica knows it answered them.
	// Another (never answered here) is retried too: nothing can check it,
	// so it gets silence rather than a possible second reply.
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	for n := 9; n <= 10; n++ {
		ts := fmt.Sprintf("1700001000.%06d", n)
		s.send("/slack/events", "application/json", e2eEvent(fmt.Sprintf("EvFault%d", n), e2eMention(users[n%len(users)], chCheck, ts, question)), time.Now(), e2eSecret, retry)
	}
	s.send("/slack/events", "application/json", e2eEvent("EvFaultElsewhere", e2eMention(pJules, chCheck, "1700001000.999999", question)), time.Now(), e2eSecret, retry)
	// Events are handled after the ack: wait until the unchecked one has
	// been dropped, or Redis could be back before it is looked at (and
	// then it is rightly answered).
	waitMetric(t, s.metrics, "whoowns_redeliveries_unchecked_total", 1)

	// Down: a lead's change is refused, plainly; the load balancer sees it.
	if got := s.command(pLead, "morgan", "set po <@"+pJules+"|jules> checkout"); !strings.Contains(got, "no change can be made") || strings.Contains(got, "Done") {
		t.Errorf("set while Redis is down answered:\n%s", got)
	}
	if got := s.command(pJules, "jules", "show checkout"); !strings.Contains(got, unavailableText) {
		t.Errorf("show while Redis is down answered:\n%s", got)
	}
	waitReady(t, s.url, http.StatusServiceUnavailable)

	// Back, on the same port with the same data; the replica is not restarted.
	rp.start()
	waitReady(t, s.url, http.StatusOK)
	if got := reply(ask(17)); !isAnswer(got) {
		t.Errorf("answer after Redis came back:\n%s", got)
	}
	// The refused change changed nothing.
	if po := productOwner(t, st, "slack:"+e2eTeam); po != pMarco {
		t.Errorf("after the outage the PO is %q, want %q: the refused change was made", po, pMarco)
	}
	if got := s.command(pNobody, "nobody", "history checkout"); strings.Contains(got, "jules") {
		t.Errorf("the refused change is in the history:\n%s", got)
	}
	// And changes work again.
	if got := s.command(pLead, "morgan", "set po <@"+pJules+"|jules> checkout"); !strings.Contains(got, "Done") {
		t.Errorf("set after Redis came back:\n%s", got)
	}
	if got := reply(ask(18)); !strings.Contains(got, "<@"+pJules+">, the Product Owner of") {
		t.Errorf("answer after the change:\n%s", got)
	}

	for _, c := range w.fake.Calls("chat.postMessage") {
		if text := c.AllText(); strings.Contains(text, internalText) {
			t.Errorf("a user saw the internal-error text:\n%s", text)
		}
	}
	// One reply per question: the dedup claims failed while Redis was down,
	// and the bot answered anyway rather than drop anything.
	for n := 0; n <= 18; n++ {
		ts := fmt.Sprintf("1700001000.%06d", n)
		if k := len(w.postsTo(chCheck, ts)); k != 1 {
			t.Errorf("question %s got %d replies, want 1", ts, k)
		}
	}
	if k := len(w.postsTo(chCheck, "1700001000.999999")); k != 0 {
		t.Errorf("an unchecked redelivery during the outage got %d replies, want silence", k)
	}
	metrics := s.metrics()
	if !strings.Contains(metrics, "whoowns_redeliveries_unchecked_total 1\n") {
		t.Errorf("want one unchecked redelivery counted; metrics:\n%s", grepLines(metrics, "whoowns_redeliveries"))
	}
	if n := metricValue(metrics, `whoowns_degraded_answers_total{platform="slack"}`); n < float64(len(after)) {
		t.Errorf("whoowns_degraded_answers_total = %v, want at least %d", n, len(after))
	}
	// The only announcement is the change made after the outage.
	var announcements int
	for _, c := range w.postsTo(chCheck, "") {
		if c.Params["thread_ts"] == "" {
			announcements++
		}
	}
	if k := announcements; k != 1 {
		t.Errorf("%d announcements in the channel, want 1 (the refused change must not announce)", k)
	}
}

// TestTeamsRedisDownAndBack is the same outage seen from Teams.
func TestTeamsRedisDownAndBack(t *testing.T) {
	t.Parallel()
	rp := startRedis(t)
	seed := openStore(t, rp.url())
	w := newTeamsWorldOn(t, seed, func(c *Config) {
		c.Store, c.Redis = nil, redisstore.Config{URL: rp.url()}
		c.Logger = faultLogger(t)
	})
	waitReady(t, w.base, http.StatusOK)

	answer := func(id string) string {
		t.Helper()
		w.post(w.say(id, e2eCarol, "who writes the acceptance criteria?"))
		r := w.next("reply")
		if r.activity != id {
			t.Fatalf("reply to %q, want %q", r.activity, id)
		}
		return r.out.cardText() + r.out.Text
	}
	if got := answer("before"); !strings.Contains(got, "<at>Bob Baker</at>, the Product Owner") {
		t.Fatalf("answer before the fault:\n%s", got)
	}

	rp.kill()
	if got := answer("down"); !strings.Contains(got, degradedText) || !strings.Contains(got, "<at>Bob Baker</at>, the Product Owner") {
		t.Errorf("question while Redis is down: want the marked answer from kept data, got:\n%s", got)
	}
	// The same activity again (the Bot Connector retries a slow
	// acknowledgement): this replica knows it answered it.
	w.post(w.say("down", e2eCarol, "who writes the acceptance criteria?"))
	w.post(w.say("set-down", e2eLead, "set po <at>Carol</at> checkout", e2eCarol))
	if r := w.private(e2eLead, "set-down"); !strings.Contains(r.out.Text, "no change can be made") || strings.Contains(r.out.Text, "Done") {
		t.Errorf("set while Redis is down answered %q", r.out.Text)
	}
	waitReady(t, w.base, http.StatusServiceUnavailable)

	rp.start()
	waitReady(t, w.base, http.StatusOK)
	if got := answer("after"); !strings.Contains(got, "<at>Bob Baker</at>, the Product Owner") {
		t.Errorf("answer after Redis came back (the refused change must not have happened):\n%s", got)
	}
	if po := productOwner(t, seed, ownership.TenantID("teams:"+e2eTenant)); po != e2eBob.ID {
		t.Errorf("after the outage the PO is %q, want %q", po, e2eBob.ID)
	}
	w.quiet() // no announcement of the refused change, nothing twice
}

// productOwner reads Checkout's PO straight from the store.
func productOwner(t *testing.T, st ownership.Store, tenant ownership.TenantID) string {
	t.Helper()
	d, err := st.Directory(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	tm := d.Team("checkout")
	if tm == nil {
		t.Fatal("team checkout is gone")
	}
	return tm.Roles[ownership.ProductOwner].Person.ID
}

// metrics returns the replica's /metrics page.
func (s *slackApp) metrics() string {
	s.w.t.Helper()
	resp, err := testClient.Get(s.url + "/metrics")
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// grepLines returns the lines of text that contain sub.
func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// waitMetric polls the replica's metrics until series reaches want.
func waitMetric(t *testing.T, metrics func() string, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		text := metrics()
		if metricValue(text, series) >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %v; metrics:\n%s", series, want, grepLines(text, series))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricValue returns the value of the series named exactly series (name
// and labels), 0 if absent.
func metricValue(text, series string) float64 {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}
