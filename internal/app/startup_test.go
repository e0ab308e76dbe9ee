package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/teams"
)

// lockedBuffer is a log sink the server's goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// startupLog starts the replica and stops it at once, returning its log.
func startupLog(t *testing.T, cfg Config) []map[string]any {
	t.Helper()
	var buf lockedBuffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.Serve(ctx, ln)
	return buf.lines(t)
}

func find(lines []map[string]any, level, msgPart string) map[string]any {
	for _, l := range lines {
		if l["level"] == level && strings.Contains(l["msg"].(string), msgPart) {
			return l
		}
	}
	return nil
}

func TestStartupLogSaysWhatIsServedAndWarnsAboutMemory(t *testing.T) {
	t.Parallel()
	lines := startupLog(t, Config{
		Slack: &slack.Config{BotToken: "xoxb-1", SigningSecret: "s", APIURL: "http://127.0.0.1:1/"},
		Teams: &teams.Config{AppID: "8f1c2a3b-1d2e-4f50-9a6b-7c8d9e0f1a2b", AppPassword: "pw", OpenIDMetadataURL: "http://127.0.0.1:1/", TokenURL: "http://127.0.0.1:1/"},
	})
	l := find(lines, "INFO", "whoowns serving")
	if l == nil {
		t.Fatalf("no start-up line:\n%v", lines)
	}
	if p, _ := json.Marshal(l["platforms"]); !strings.Contains(string(p), "slack (HTTP") || !strings.Contains(string(p), "teams") || l["store"] != "memory" {
		t.Errorf("start-up line: %v", l)
	}
	if w := find(lines, "WARN", "NO REDIS CONFIGURED"); w == nil || !strings.Contains(w["msg"].(string), "REDIS_URL") {
		t.Errorf("no loud warning about in-memory data:\n%v", lines)
	}
}

func TestStartupLogsUnreachableRedisAsError(t *testing.T) {
	t.Parallel()
	lines := startupLog(t, Config{
		Redis: redisstore.Config{URL: "redis://:hunter2@127.0.0.1:1/0"},
		Slack: &slack.Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIURL: "http://127.0.0.1:1/"},
	})
	l := find(lines, "INFO", "whoowns serving")
	if l == nil || l["store"] != "redis" || !strings.Contains(l["redis"].(string), "127.0.0.1:1") || strings.Contains(l["redis"].(string), "hunter2") {
		t.Errorf("start-up line: %v", l)
	}
	if p, _ := json.Marshal(l["platforms"]); !strings.Contains(string(p), "Socket Mode") {
		t.Errorf("platforms: %s", p)
	}
	if find(lines, "ERROR", "Redis is unreachable at start-up") == nil {
		t.Errorf("unreachable Redis not logged at error:\n%v", lines)
	}
	if find(lines, "WARN", "NO REDIS") != nil {
		t.Error("warned about memory with Redis configured")
	}
}

// signalHandler passes records to next and closes found when one at level
// has a message containing want.
type signalHandler struct {
	slog.Handler
	level slog.Level
	want  string
	once  *sync.Once
	found chan struct{}
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == h.level && strings.Contains(r.Message, h.want) {
		h.once.Do(func() { close(h.found) })
	}
	return h.Handler.Handle(ctx, r)
}

func (h signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h.Handler = h.Handler.WithAttrs(as)
	return h
}

func (h signalHandler) WithGroup(g string) slog.Handler {
	h.Handler = h.Handler.WithGroup(g)
	return h
}

// TestStartupLogsARejectedSlackTokenAsError: a token Slack refuses is an
// error in the log at start-up, not only a failing /readyz or silence.
func TestStartupLogsARejectedSlackTokenAsError(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t) // knows no workspace for this token: invalid_auth
	var buf lockedBuffer
	found := make(chan struct{})
	log := slog.New(signalHandler{Handler: slog.NewJSONHandler(&buf, nil), level: slog.LevelError, want: "SLACK_BOT_TOKEN", once: &sync.Once{}, found: found})
	a, err := New(Config{Logger: log, Slack: &slack.Config{BotToken: "xoxb-revoked", SigningSecret: "s", APIURL: fake.APIURL()}})
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
	select {
	case <-found:
	case err := <-done:
		t.Fatalf("Serve returned %v before logging the rejected token:\n%s", err, buf.b.String())
	case <-time.After(20 * time.Second):
		buf.mu.Lock()
		defer buf.mu.Unlock()
		t.Fatalf("no error about the rejected token:\n%s", buf.b.String())
	}
	cancel()
	<-done
}
