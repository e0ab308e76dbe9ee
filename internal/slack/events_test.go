package slack

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no token", Config{SigningSecret: "s"}, "SLACK_BOT_TOKEN"},
		{"no secret", Config{BotToken: "xoxb-1"}, "SLACK_SIGNING_SECRET"},
		{"nothing", Config{}, "SLACK_BOT_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.cfg, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %s", err, tc.want)
			}
		})
	}
	// Socket Mode needs no signing secret; the API URL gets its slash.
	h := newHarness(t, func(c *Config) {
		c.SigningSecret, c.AppToken, c.APIURL = "", "xapp-1", strings.TrimSuffix(c.APIURL, "/")
	})
	if !strings.HasSuffix(h.a.cfg.APIURL, "/") {
		t.Errorf("APIURL %q has no trailing slash", h.a.cfg.APIURL)
	}
}

func TestMentionAnsweredInThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.event("Ev1", mention(uJules, cCheck, "1700000001.000100", "who writes the acceptance criteria?"))
	c := h.fake.WaitCalls(t, "chat.postMessage", 1, wait)[0]
	if c.Params["channel"] != cCheck || c.Params["thread_ts"] != "1700000001.000100" {
		t.Errorf("posted to %s thread %q, want %s in the message's thread", c.Params["channel"], c.Params["thread_ts"], cCheck)
	}
	text := c.AllText()
	for _, want := range []string{"<@" + uMarco + ">", "Product Owner", "Checkout", "<@" + uPriya + ">", "Why"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, fakeslack.BotUserID) {
		t.Errorf("the bot's own mention leaked into the answer:\n%s", text)
	}
	for _, id := range []string{actionMore, actionWhy, actionHelpful, actionNotHelpful} {
		if _, ok := c.Element(id); !ok {
			t.Errorf("answer has no %s button", id)
		}
	}

	// A mention inside a thread is answered in that thread.
	ev := mention(uJules, cPay, "1700000002.000200", "who owns the roadmap?")
	ev["thread_ts"] = "1700000000.000050"
	h.event("Ev2", ev)
	c = h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == cPay })
	if c.Params["thread_ts"] != "1700000000.000050" {
		t.Errorf("thread_ts = %q, want the parent thread", c.Params["thread_ts"])
	}
	// Payments routes the roadmap to its PO.
	if !strings.Contains(c.AllText(), "<@"+uLee+">") {
		t.Errorf("payments roadmap answer should name the PO %s:\n%s", uLee, c.AllText())
	}
}

func TestDMAnsweredAndCommandsRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.event("Ev1", dm(uPriya, dmPriya, "1700000001.000001", "who accepts the story?"))
	c := h.fake.WaitCalls(t, "chat.postMessage", 1, wait)[0]
	if c.Params["channel"] != dmPriya || c.Params["thread_ts"] != "" {
		t.Errorf("DM answer went to %s thread %q; want the DM itself", c.Params["channel"], c.Params["thread_ts"])
	}
	if !strings.Contains(c.AllText(), "<@"+uMarco+">") {
		t.Errorf("answer should name the Checkout PO:\n%s", c.AllText())
	}

	// A non-lead's command is refused and changes nothing.
	h.event("Ev2", dm(uNobody, dmNobody, "1700000002.000001", "set po <@U03JULES> checkout"))
	c = h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == dmNobody })
	if !strings.Contains(c.AllText(), "Only leads") {
		t.Errorf("refusal missing:\n%s", c.AllText())
	}
	d, _ := h.store.Directory(t.Context(), tenant(testTeam))
	if got := d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID; got != uMarco {
		t.Fatalf("PO changed to %s by a non-lead", got)
	}

	// A lead's command runs, replies in the DM and is announced.
	h.event("Ev3", dm(uLead, "D0LEAD", "1700000003.000001", "set po <@U03JULES> checkout"))
	c = h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D0LEAD" })
	if !strings.Contains(c.AllText(), "Done") {
		t.Errorf("lead's reply:\n%s", c.AllText())
	}
	an := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == cCheck })
	if !strings.Contains(an.AllText(), "<@"+uJules+">") {
		t.Errorf("announcement:\n%s", an.AllText())
	}
	d, _ = h.store.Directory(t.Context(), tenant(testTeam))
	if got := d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID; got != uJules {
		t.Fatalf("PO = %s, want %s", got, uJules)
	}
}

// TestIgnoredEvents: bots, apps, Slackbot, the bot itself, edits, deletions, joins, other
// subtypes and plain channel messages get no answer.
func TestIgnoredEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	q := "who owns the roadmap?"
	for i, ev := range []map[string]any{
		with(dm(uPriya, dmPriya, "1.1", q), "bot_id", "B0OTHER"),
		with(dm(uPriya, dmPriya, "1.2", q), "subtype", "bot_message"),
		with(dm(uPriya, dmPriya, "1.3", q), "subtype", "message_changed", "message", map[string]any{"type": "message", "user": uPriya, "text": q, "ts": "1.0"}),
		with(dm(uPriya, dmPriya, "1.4", q), "subtype", "message_deleted"),
		with(dm(uPriya, dmPriya, "1.5", q), "subtype", "channel_join"),
		dm("USLACKBOT", dmPriya, "1.6", "You have been removed from #checkout by <@U0LEAD>"),
		with(dm(uPriya, dmPriya, "1.12", q), "app_id", "A0OTHER"),
		with(dm(uPriya, dmPriya, "1.13", q), "bot_profile", map[string]any{"id": "B0OTHER", "name": "otherbot"}),
		with(mention("USLACKBOT", cCheck, "1.14", q)),
		dm(fakeslack.BotUserID, dmPriya, "1.7", q),
		with(dm(uPriya, cCheck, "1.8", q), "channel_type", "channel"),
		with(mention(uPriya, cCheck, "1.9", q), "bot_id", "B0OTHER"),
		with(mention(uPriya, cCheck, "1.10", q), "edited", map[string]any{"user": uPriya, "ts": "1.11"}),
		{"type": "reaction_added", "user": uPriya},
	} {
		h.event("EvIgnored"+string(rune('a'+i)), ev)
	}
	h.sentinel("1")
	if n := len(h.fake.Calls("chat.postMessage")); n != 1 {
		for _, c := range h.fake.Calls("chat.postMessage") {
			t.Logf("posted to %s: %s", c.Params["channel"], c.AllText())
		}
		t.Fatalf("%d messages posted, want only the sentinel's", n)
	}
}

func TestDuplicateDeliveriesAnsweredOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := eventBody("EvDup", mention(uJules, cCheck, "1700000001.000001", "who owns the roadmap?"))
	for i := range 3 {
		hdr := http.Header{}
		if i > 0 {
			hdr.Set("X-Slack-Retry-Num", "1")
			hdr.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if resp := h.post("/slack/events", "application/json", body, time.Now(), hdr); resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: %d", i, resp.StatusCode)
		}
	}
	// The same DM as message.im and as app_mention: two event ids, one message.
	h.event("EvMsg", dm(uPriya, dmPriya, "1700000002.000001", "<@"+fakeslack.BotUserID+"> who accepts the story?"))
	h.event("EvMention", mention(uPriya, dmPriya, "1700000002.000001", "who accepts the story?"))
	h.sentinel("2")
	if n := len(h.postsTo(cCheck)); n != 1 {
		t.Errorf("retried event answered %d times, want once", n)
	}
	if n := len(h.postsTo(dmPriya)); n != 1 {
		t.Errorf("%d answers in the DM, want 1 (message and app_mention of one message)", n)
	}
	if got := h.counter("whoowns_redeliveries_deduplicated_total", "platform", "slack"); got != 3 {
		t.Errorf("redeliveries counted %v, want 3", got)
	}
}

func TestRequestsRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.MaxBodyBytes = 4096 })
	body := eventBody("EvBad", mention(uJules, cCheck, "1.1", "who owns the roadmap?"))
	bad := Sign("wrong-secret", time.Now(), body)
	for _, tc := range []struct {
		name   string
		path   string
		ts     time.Time
		header http.Header
		body   []byte
		want   int
		reason string
	}{
		{"bad signature", "/slack/events", time.Now(), bad, body, 401, "signature"},
		{"replayed old timestamp", "/slack/events", time.Now().Add(-6 * time.Minute), nil, body, 401, "stale"},
		{"timestamp from the future", "/slack/events", time.Now().Add(6 * time.Minute), nil, body, 401, "stale"},
		{"missing signature", "/slack/events", time.Now(), http.Header{"X-Slack-Signature": {""}}, body, 401, "signature"},
		{"bad command signature", "/slack/commands", time.Now(), bad, []byte("team_id=T1&user_id=U1&text=set+po+x"), 401, "signature"},
		{"bad interactivity signature", "/slack/interactivity", time.Now(), bad, []byte("payload=%7B%7D"), 401, "signature"},
		{"body too large", "/slack/events", time.Now(), nil, []byte(`{"type":"event_callback","x":"` + strings.Repeat("a", 5000) + `"}`), 413, "too_large"},
		{"not JSON", "/slack/events", time.Now(), nil, []byte("nope"), 400, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.post(tc.path, "application/json", tc.body, tc.ts, tc.header)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if got := h.counter("whoowns_requests_rejected_total", "reason", tc.reason); got == 0 {
				t.Errorf("no rejection counted with reason %s", tc.reason)
			}
		})
	}
	h.sentinel("3")
	if n := len(h.fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d messages posted; rejected requests must not be processed", n)
	}

	// url_verification is answered with its challenge.
	resp := h.post("/slack/events", "application/json", []byte(`{"type":"url_verification","challenge":"abc123","token":"x"}`), time.Now(), nil)
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	if resp.StatusCode != 200 || string(buf[:n]) != "abc123" {
		t.Errorf("url_verification: %d %q", resp.StatusCode, buf[:n])
	}
}

// TestQueueFullAndShutdown: a full queue answers 503 so Slack retries; on
// shutdown Run finishes what was acknowledged before returning.
func TestQueueFullAndShutdown(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-t", TeamID: testTeam})
	h := &harness{t: t, fake: fake}
	st := newHarness(t) // only for its service and store
	var logs syncBuffer
	a, err := New(Config{BotToken: "xoxb-t", SigningSecret: testSecret, APIURL: fake.APIURL(), QueueSize: 3, Workers: 2,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))}, st.svc, st.store)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	h.srv = newServer(t, mux)
	// Run has not started: deliveries queue up, the fourth finds it full.
	for i := range 4 {
		ts := "1700000001.00000" + string(rune('1'+i))
		resp := h.post("/slack/events", "application/json", eventBody("EvQ"+ts, dm(uPriya, dmPriya, ts, "who owns the roadmap?")), time.Now(), nil)
		want := http.StatusOK
		if i == 3 {
			want = http.StatusServiceUnavailable
		}
		if resp.StatusCode != want {
			t.Fatalf("delivery %d: status %d, want %d", i, resp.StatusCode, want)
		}
	}
	// Overload is visible in the log: platform and queue depth.
	if l := logs.String(); !strings.Contains(l, `"level":"WARN","msg":"slack: overloaded`) || !strings.Contains(l, `"platform":"slack","queue_depth":3,"queue_capacity":3`) {
		t.Errorf("no overload warning naming the platform and queue depth:\n%s", l)
	}
	// Run with a context that is already over: it must still drain the
	// three acknowledged events, then return.
	ctx, cancel := contextCancelled()
	defer cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Calls("chat.postMessage")); n != 3 {
		t.Fatalf("%d answers after drain, want 3", n)
	}
	resp := h.post("/slack/events", "application/json", eventBody("EvLate", dm(uPriya, dmPriya, "9.9", "who owns the roadmap?")), time.Now(), nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: status %d, want 503", resp.StatusCode)
	}
	if n := strings.Count(logs.String(), "overloaded"); n != 1 {
		t.Errorf("%d overload warnings; shutting down is not overload", n)
	}
}

// syncBuffer is a log sink for handlers running on other goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
