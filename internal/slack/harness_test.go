package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	testTeam   = "T1"
	// wait bounds every wait for an effect; it is a deadline, not a sleep.
	wait = 10 * time.Second
)

// People and channels of the test workspace.
const (
	uPriya   = "U01PRIYA" // PM of Checkout
	uMarco   = "U02MARCO" // PO of Checkout
	uJules   = "U03JULES" // member of Checkout
	uDana    = "U04DANA"  // PM of Payments
	uLee     = "U05LEE"   // PO of Payments
	uLead    = "U0LEAD"   // a lead in the directory
	uAdmin   = "U0ADMIN"  // a workspace admin, lead through Slack
	uNobody  = "U0NOBODY" // on no team, no rights
	cCheck   = "C0CHECKOUT"
	cPay     = "C0PAYMENTS"
	cRandom  = "C0RANDOM"
	dmPriya  = "D01PRIYA"
	dmNobody = "D0NOBODY"
)

func testDirectory() *ownership.Directory {
	p := func(id, name string) ownership.Person { return ownership.Person{ID: id, Name: name} }
	d := ownership.NewDirectory(tenant(testTeam))
	d.Leads = []ownership.Person{p(uLead, "Morgan")}
	d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout",
		Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductManager: {Person: p(uPriya, "Priya")},
			ownership.ProductOwner:   {Person: p(uMarco, "Marco")},
		},
		Members:  []ownership.Person{p(uPriya, "Priya"), p(uMarco, "Marco"), p(uJules, "Jules")},
		Channels: []ownership.Channel{{ID: cCheck, Name: "checkout"}},
	}
	d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments",
		Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductManager: {Person: p(uDana, "Dana")},
			ownership.ProductOwner:   {Person: p(uLee, "Lee")},
		},
		Members:  []ownership.Person{p(uDana, "Dana"), p(uLee, "Lee")},
		Channels: []ownership.Channel{{ID: cPay, Name: "payments"}},
	}
	return d
}

// harness runs an Adapter against a fake Slack and an in-memory store.
type harness struct {
	t       *testing.T
	fake    *fakeslack.Server
	a       *Adapter
	store   *memstore.Store
	svc     *bot.Service
	metrics *metrics.Metrics
	srv     *httptest.Server
	stop    context.CancelFunc
	done    chan error

	mu     sync.Mutex
	sleeps []time.Duration
}

type option func(*Config)

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-test", TeamID: testTeam})
	fake.AddUser(fakeslack.User{ID: uAdmin, Name: "admin", IsAdmin: true})
	fake.AddUser(fakeslack.User{ID: uNobody, Name: "nobody"})
	fake.AddUser(fakeslack.User{ID: uPriya, Name: "Priya"})
	fake.AddUser(fakeslack.User{ID: uJules, Name: "Jules"})
	fake.AddUser(fakeslack.User{ID: "U0OTHERBOT", Name: "otherbot", IsBot: true})
	st := memstore.New(memstore.WithDirectory(testDirectory()))
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(st, cat, bot.WithLogger(testLogger(t)))
	m := metrics.New()
	cfg := Config{BotToken: "xoxb-test", SigningSecret: testSecret, APIURL: fake.APIURL(), Workers: 1, Metrics: m, Logger: testLogger(t)}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := New(cfg, svc, st)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, a: a, store: st, svc: svc, metrics: m, done: make(chan error, 1)}
	// Retries wait for real only in the retry tests that ask for it.
	a.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	mux := http.NewServeMux()
	a.Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(h.shutdown)
	return h
}

// shutdown stops Run and waits for it.
func (h *harness) shutdown() {
	h.stop()
	select {
	case <-h.done:
	case <-time.After(wait):
		h.t.Error("Run did not return after cancel")
	}
}

// testLogger sends logs to the test log, so failures show them.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// post sends a signed request to path.
func (h *harness) post(path, contentType string, body []byte, ts time.Time, extra http.Header) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range Sign(testSecret, ts, body) {
		req.Header[k] = v
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := testClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// commandReply is a decoded slash command response.
type commandReply struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
}

// asCall views the reply as a posted message, to find its buttons.
func (r commandReply) asCall(channel string) fakeslack.Call {
	return fakeslack.Call{Params: map[string]string{"blocks": string(r.Blocks), "text": r.Text, "channel": channel}}
}

// eventBody wraps an inner event in an event_callback.
func eventBody(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": testTeam, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": inner,
		"authorizations": []map[string]any{{"team_id": testTeam, "user_id": fakeslack.BotUserID, "is_bot": true}},
	})
	return b
}

// event delivers an event over HTTP and expects a 200.
func (h *harness) event(eventID string, inner map[string]any) {
	h.t.Helper()
	resp := h.post("/slack/events", "application/json", eventBody(eventID, inner), time.Now(), nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("event %s: status %d", eventID, resp.StatusCode)
	}
}

func mention(user, channel, ts, text string) map[string]any {
	return map[string]any{"type": "app_mention", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": "<@" + fakeslack.BotUserID + "> " + text}
}

func dm(user, channel, ts, text string) map[string]any {
	return map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": text}
}

// command runs /whoowns text as user in channel and decodes the reply.
func (h *harness) command(user, name, channel, text string) commandReply {
	h.t.Helper()
	form := url.Values{
		"token": {"legacy"}, "team_id": {testTeam}, "team_domain": {"test"}, "channel_id": {channel}, "channel_name": {"checkout"},
		"user_id": {user}, "user_name": {name}, "command": {"/whoowns"}, "text": {text},
		"response_url": {h.fake.ResponseURL("cmd")}, "trigger_id": {"trig-" + user}, "api_app_id": {"A1"},
	}
	resp := h.post("/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now(), nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("command %q: status %d", text, resp.StatusCode)
	}
	var out commandReply
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Fatalf("command reply %s: %v", raw, err)
	}
	return out
}

// click sends a block_actions payload for element e of a message posted by
// call, as user.
func (h *harness) click(user string, call fakeslack.Call, e fakeslack.Element, selected string, ephemeral bool) {
	h.t.Helper()
	act := map[string]any{"action_id": e.ActionID, "block_id": e.BlockID, "type": e.Type, "action_ts": "1700000999.000001"}
	if e.Type == "button" {
		act["value"] = e.Value
	} else {
		act["selected_option"] = map[string]any{"value": selected, "text": map[string]any{"type": "plain_text", "text": selected}}
	}
	ts := call.Params["ts"]
	if ts == "" {
		ts = "1700000500.000001"
	}
	channel := call.Params["channel"]
	payload := map[string]any{
		"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": user, "name": strings.ToLower(user)},
		"api_app_id": "A1", "trigger_id": "trig", "response_url": h.fake.ResponseURL("act"),
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral, "thread_ts": call.Params["thread_ts"]},
		"channel":   map[string]any{"id": channel},
		"message":   map[string]any{"ts": ts, "thread_ts": call.Params["thread_ts"]},
		"actions":   []any{act},
	}
	raw, _ := json.Marshal(payload)
	form := url.Values{"payload": {string(raw)}}
	resp := h.post("/slack/interactivity", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now(), nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("click %s: status %d", e.ActionID, resp.StatusCode)
	}
}

// sentinel posts a DM question and waits for its answer. With one worker,
// jobs run in order, so everything queued before has been handled.
func (h *harness) sentinel(id string) {
	h.t.Helper()
	ts := "1700009999." + id
	ch := "D0SENTINEL" + id
	h.event("Ev-sentinel-"+id, dm(uJules, ch, ts, "who owns the roadmap?"))
	h.fake.WaitCall(h.t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == ch })
}

// postsTo returns the chat.postMessage calls to channel.
func (h *harness) postsTo(channel string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range h.fake.Calls("chat.postMessage") {
		if c.Params["channel"] == channel {
			out = append(out, c)
		}
	}
	return out
}

func (h *harness) counter(name string, labels ...string) float64 {
	h.t.Helper()
	mfs, err := h.metrics.Registry.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
