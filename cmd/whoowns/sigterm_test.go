package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// TestServeDrainsOnSIGTERM runs the real binary, acknowledges a burst of
// Slack events whose replies the (fake) Web API is slow to take, sends
// SIGTERM at once, and checks the shutdown contract: the process exits 0
// within WHOOWNS_SHUTDOWN_TIMEOUT, every acknowledged event got its reply,
// and nothing new is accepted once shutdown has begun.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)

	const (
		events   = 24
		hold     = 200 * time.Millisecond // how long the fake Web API holds each reply
		workers  = 2                      // so draining takes a while: events*hold/workers ≈ 2.4s
		secret   = "sigterm-signing-secret"
		shutdown = 15 * time.Second
	)
	// A tenant of its own, so a shared REDIS_URL server is safe to use.
	id := randomID(t)
	team := "TSIG" + id
	api := newSlowSlack(hold, team)
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	redisURL := redistest.URL(t)
	seedSigterm(t, redisURL, team, id)

	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"WHOOWNS_ADDR=127.0.0.1:0",
		"WHOOWNS_LOG_FORMAT=json",
		"WHOOWNS_WORKERS=" + fmt.Sprint(workers),
		"WHOOWNS_SHUTDOWN_TIMEOUT=" + shutdown.String(),
		"REDIS_URL=" + redisURL,
		"SLACK_BOT_TOKEN=xoxb-sigterm",
		"SLACK_SIGNING_SECRET=" + secret,
		"SLACK_API_URL=" + apiSrv.URL + "/api/",
	}
	logs := watchLogs(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the process is gone; waitErr is then its status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a no-op once it has exited
		<-exited
		if t.Failed() {
			t.Logf("whoowns serve log:\n%s", logs.String())
		}
	})
	addr := logs.await(t, "whoowns serving", exited)["addr"].(string)
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second}

	// A burst of questions, each acknowledged before SIGTERM.
	var acked []string
	for i := range events {
		user := fmt.Sprintf("U%s%02d", id, i)
		if code, err := postEvent(client, base, secret, team, fmt.Sprintf("Ev%s%02d", id, i), user); err != nil || code != http.StatusOK {
			t.Fatalf("event %d: status %d, %v", i, code, err)
		}
		acked = append(acked, "D"+user)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// Once shutdown has begun, new deliveries are refused (connection
	// refused, or 503 so Slack retries elsewhere). A request racing the
	// listener's close may still be acknowledged; then it must be answered
	// like the others.
	logs.await(t, "shutting down", exited)
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("requests are still acknowledged after shutdown began")
		}
		user := fmt.Sprintf("U%sL%02d", id, i)
		code, err := postEvent(client, base, secret, team, fmt.Sprintf("Ev%sL%02d", id, i), user)
		if code == http.StatusOK {
			acked = append(acked, "D"+user)
			continue
		}
		if err != nil && !isRefused(err) {
			t.Fatalf("late request: want connection refused or 503, got %v", err)
		}
		if err == nil && code != http.StatusServiceUnavailable {
			t.Fatalf("late request: want connection refused or 503, got HTTP %d", code)
		}
		break
	}

	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("whoowns serve exited with %v after SIGTERM, want status 0", waitErr)
		}
	case <-time.After(shutdown + 5*time.Second):
		t.Fatalf("whoowns serve still running %v after SIGTERM (WHOOWNS_SHUTDOWN_TIMEOUT=%v)", shutdown+5*time.Second, shutdown)
	}

	// Every acknowledged event was answered, once, with the real answer.
	for _, ch := range acked {
		posts := api.postsTo(ch)
		if len(posts) != 1 {
			t.Errorf("acknowledged question in %s got %d replies, want 1", ch, len(posts))
			continue
		}
		if !strings.Contains(posts[0], "<@U01PRIYA>") {
			t.Errorf("reply in %s does not name the PM:\n%s", ch, posts[0])
		}
	}
	if logs.has("transports did not finish in time") || logs.has("not finished before the drain deadline") {
		t.Error("the drain gave up on acknowledged work")
	}
}

// buildBinary builds cmd/whoowns once per test run (with -race when the
// tests run with it).
func buildBinary(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH; cannot build the binary")
	}
	bin := filepath.Join(t.TempDir(), "whoowns")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command(gobin, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func randomID(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// seedSigterm gives the tenant a team with a PM, and removes every key the
// test made from a shared server afterwards.
func seedSigterm(t *testing.T, redisURL, team, id string) {
	t.Helper()
	st, err := redisstore.Open(redisstore.Config{URL: redisURL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, _, err = st.Update(context.Background(), ownership.TenantID("slack:"+team), func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout", Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductManager: {Person: ownership.Person{ID: "U01PRIYA", Name: "Priya"}},
			ownership.ProductOwner:   {Person: ownership.Person{ID: "U02MARCO", Name: "Marco"}},
		}}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "seeded"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(redistest.EnvURL) == "" {
		return // a miniredis of this test's own
	}
	t.Cleanup(func() {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			return
		}
		c := redis.NewClient(opt)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, "whoowns:*"+id+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Unlink(ctx, iter.Val())
		}
	})
}

// postEvent delivers a signed DM question and returns the HTTP status.
func postEvent(c *http.Client, base, secret, team, eventID, user string) (int, error) {
	ts := "1700000000.000001"
	body, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": team, "api_app_id": "A1", "event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": "D" + user, "ts": ts, "event_ts": ts,
			"text": "who owns the roadmap?"},
		"authorizations": []map[string]any{{"team_id": team, "user_id": "U0BOT", "is_bot": true}},
	})
	req, err := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range slack.Sign(secret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// slowSlack is a Slack Web API that holds every chat.postMessage for a
// while, as Slack does under load. A reply counts only once the hold is
// over and the bot still waits for it: a post the bot gave up on is lost.
type slowSlack struct {
	hold time.Duration
	team string // the workspace auth.test names

	mu    sync.Mutex
	posts map[string][]string // channel → texts
}

func newSlowSlack(hold time.Duration, team string) *slowSlack {
	return &slowSlack{hold: hold, team: team, posts: map[string][]string{}}
}

func (s *slowSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = io.NopCloser(io.LimitReader(r.Body, 1<<20))
	params, _ := fakeslack.ReadParams(r)
	w.Header().Set("Content-Type", "application/json")
	switch strings.TrimPrefix(r.URL.Path, "/api/") {
	case "auth.test":
		fmt.Fprintf(w, `{"ok":true,"user_id":"U0BOT","bot_id":"B0BOT","team_id":%q}`, s.team)
	case "chat.postMessage":
		timer := time.NewTimer(s.hold)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return // the bot hung up: this reply never reached Slack
		}
		s.mu.Lock()
		ch := params["channel"]
		s.posts[ch] = append(s.posts[ch], params["text"]+"\n"+params["blocks"])
		n := len(s.posts)
		s.mu.Unlock()
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000001.%06d"}`, ch, n)
	default:
		io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

func (s *slowSlack) postsTo(channel string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts[channel]...)
}

// logWatch reads the process's JSON log lines from stderr and lets the test
// wait for a message.
type logWatch struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	lines   []map[string]any
	changed chan struct{}
}

func watchLogs(t *testing.T, cmd *exec.Cmd) *logWatch {
	t.Helper()
	l := &logWatch{changed: make(chan struct{})}
	r, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var m map[string]any
			_ = json.Unmarshal(sc.Bytes(), &m)
			l.mu.Lock()
			l.buf.Write(sc.Bytes())
			l.buf.WriteByte('\n')
			if m != nil {
				l.lines = append(l.lines, m)
			}
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *logWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logWatch) find(msg string) map[string]any {
	for _, m := range l.lines {
		if m["msg"] == msg {
			return m
		}
	}
	return nil
}

func (l *logWatch) has(substr string) bool { return strings.Contains(l.String(), substr) }

// await waits for a log line with msg and returns it; it fails the test if
// the process exits first or nothing comes within a deadline.
func (l *logWatch) await(t *testing.T, msg string, exited <-chan struct{}) map[string]any {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		m, ch := l.find(msg), l.changed
		l.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-ch:
		case <-exited:
			t.Fatalf("whoowns serve exited before logging %q", msg)
		case <-deadline.C:
			t.Fatalf("whoowns serve never logged %q", msg)
		}
	}
}
