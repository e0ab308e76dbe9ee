package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// fuzzPaths are the endpoints FuzzInbound picks from.
var fuzzPaths = []string{"/slack/events", "/slack/interactivity", "/slack/commands"}

// FuzzInbound sends arbitrary bodies to the three HTTP endpoints, once with
// the fuzzer's own signature headers and once correctly signed, and then
// handles whatever was queued as a worker would. Unsigned requests must get
// 401 and nothing else; signed ones anything but 401 and 5xx other than
// "busy"; and nothing may panic or hang. Every outbound call goes to a fake
// Slack, whatever URL a payload names.
func FuzzInbound(f *testing.F) {
	for _, s := range genInboundSeeds() {
		f.Add(s.path, s.body, "v0=00", "1700000000")
	}

	fake := fakeslack.New(f)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-fuzz", TeamID: testTeam})
	fake.AddUser(fakeslack.User{ID: uJules, Name: "Jules"})
	fakeURL, _ := url.Parse(fake.APIURL())
	cat, err := intent.Default()
	if err != nil {
		f.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := memstore.New(memstore.WithDirectory(testDirectory()))
	// Claims lapse at once, so a repeated event id is handled again, not
	// dropped as a redelivery: more of the code is reached.
	a, err := New(Config{BotToken: "xoxb-fuzz", SigningSecret: testSecret, APIURL: fake.APIURL(), Logger: quiet, DedupTTL: time.Nanosecond,
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: toHost{fakeURL.Host}}}, bot.New(st, cat, bot.WithLogger(quiet)), st)
	if err != nil {
		f.Fatal(err)
	}
	a.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() } // no retry waits

	f.Fuzz(func(t *testing.T, path byte, body []byte, sig, ts string) {
		p := fuzzPaths[int(path)%len(fuzzPaths)]
		ctype := "application/x-www-form-urlencoded"
		if p == "/slack/events" {
			ctype = "application/json"
		}
		send := func(hdr http.Header) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader(body))
			req.Header = hdr
			req.Header.Set("Content-Type", ctype)
			rec := httptest.NewRecorder()
			mux := http.NewServeMux()
			a.Register(mux)
			mux.ServeHTTP(rec, req)
			return rec
		}

		forged := http.Header{}
		forged.Set("X-Slack-Signature", sig)
		forged.Set("X-Slack-Request-Timestamp", ts)
		if rec := send(forged); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s with signature %q at %q: HTTP %d, want 401", p, sig, ts, rec.Code)
		}

		rec := send(Sign(testSecret, time.Now(), body))
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("%s signed: HTTP %d, want 200 or 400\n%s", p, rec.Code, rec.Body)
		}
		if p == "/slack/commands" && rec.Code == http.StatusOK {
			var r commandReply
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.ResponseType != "ephemeral" || r.Text == "" {
				t.Fatalf("command reply %s: %v", rec.Body, err)
			}
			if strings.Contains(r.Text, "Something went wrong") {
				t.Fatalf("command %q: internal error shown: %s", body, r.Text)
			}
		}
		// Work the queue as a worker would, but with panics left to surface.
		for {
			j, ok := a.pool.TryTake()
			if !ok {
				break
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			j.Run(ctx)
			cancel()
		}
	})
}

// inboundSeed is a request: an index into fuzzPaths and the body.
type inboundSeed struct {
	path byte
	body []byte
}

// genInboundSeeds are requests of every kind the endpoints take (also in
// testdata/fuzz/FuzzInbound).
func genInboundSeeds() []inboundSeed {
	n := 0
	event := func(inner map[string]any) []byte { n++; return eventBody(fmt.Sprintf("EvFuzz%d", n), inner) }
	interaction, _ := json.Marshal(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": uJules},
		"container":    map[string]any{"type": "message", "message_ts": "1.2", "channel_id": cCheck, "is_ephemeral": true},
		"response_url": "https://hooks.slack.com/actions/T1/1/x",
		"actions":      []any{map[string]any{"action_id": "choose_intent:0", "block_id": "b", "type": "button", "value": `{"i":"roadmap","q":"who owns the roadmap?"}`, "action_ts": "1.3"}},
	})
	command := url.Values{"team_id": {testTeam}, "channel_id": {cCheck}, "user_id": {uLead}, "user_name": {"morgan"},
		"command": {"/whoowns"}, "text": {"set po <@U03JULES|jules> checkout"}, "response_url": {"https://hooks.slack.com/commands/1"}, "trigger_id": {"t"}}
	return []inboundSeed{
		{0, event(mention(uJules, cCheck, "1700000001.000001", "who writes the acceptance criteria?"))},
		{0, event(dm(uJules, dmPriya, "1700000002.000001", "set po <@U03JULES> checkout"))},
		{0, event(map[string]any{"type": "team_join", "user": map[string]any{"id": "U09NEW", "name": "nell"}})},
		{0, event(map[string]any{"type": "member_joined_channel", "user": uJules, "channel": cCheck})},
		{0, event(map[string]any{"type": "app_home_opened", "user": uJules, "tab": "home"})},
		{0, []byte(`{"type":"url_verification","challenge":"c"}`)},
		{0, []byte(`{"type":"event_callback","event":{"type":"app_mention","user":7}}`)},
		{1, []byte(url.Values{"payload": {string(interaction)}}.Encode())},
		{1, []byte("payload=%7B")},
		{2, []byte(command.Encode())},
		{2, []byte("text=%zz")},
	}
}

// toHost sends every request to host, whatever URL it was made for, so a
// fuzzed response_url cannot reach the network.
type toHost struct{ host string }

func (h toHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", h.host, h.host
	return http.DefaultTransport.RoundTrip(r)
}
