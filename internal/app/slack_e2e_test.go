package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// End-to-end tests of the Slack path: the real wiring (app.New + Serve on a
// loopback listener) with a fake Slack Web API and the Redis store (a real
// server when REDIS_URL is set, else miniredis).

const (
	e2eSecret = "e2e-signing-secret"
	e2eTeam   = "T0E2E"
	e2eWait   = 15 * time.Second

	pPriya  = "U01PRIYA" // PM of Checkout
	pMarco  = "U02MARCO" // PO of Checkout
	pJules  = "U03JULES"
	pLead   = "U0LEAD"
	pNobody = "U0NOBODY"
	chCheck = "C0CHECKOUT"
)

// slackWorld is a fake Slack and one shared Redis that apps are started on.
type slackWorld struct {
	t      *testing.T
	fake   *fakeslack.Server
	client redis.UniversalClient
	prefix string
	// tune, when set, adjusts each replica's configuration before it starts.
	tune func(*Config)
}

func newSlackWorld(t *testing.T) *slackWorld {
	t.Helper()
	client, prefix := redistest.Client(t)
	w := &slackWorld{t: t, fake: fakeslack.New(t), client: client, prefix: prefix}
	w.fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam})
	w.fake.AddUser(fakeslack.User{ID: pNobody, Name: "nobody"})
	w.fake.AddUser(fakeslack.User{ID: pJules, Name: "jules"})
	st := redisstore.New(client, redisstore.WithPrefix(prefix))
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
		d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments"}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "test teams loaded"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// slackApp is one running replica.
type slackApp struct {
	w   *slackWorld
	app *App
	url string
}

// start runs a replica with the Slack transport on 127.0.0.1:0; appToken
// switches it to Socket Mode.
func (w *slackWorld) start(appToken string) *slackApp {
	w.t.Helper()
	cfg := Config{
		Slack: &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, AppToken: appToken, APIURL: w.fake.APIURL(),
			// One worker keeps deliveries in order, so a sentinel's answer
			// proves that everything before it was handled.
			Workers: 1},
		Store:  redisstore.New(w.client, redisstore.WithPrefix(w.prefix)),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if w.tune != nil {
		w.tune(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	w.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				w.t.Errorf("Serve: %v", err)
			}
		case <-time.After(e2eWait):
			w.t.Error("Serve did not return after cancel")
		}
	})
	return &slackApp{w: w, app: a, url: "http://" + ln.Addr().String()}
}

// send posts a request signed at ts and returns the status.
func (s *slackApp) send(path, contentType string, body []byte, ts time.Time, secret string, hdr http.Header) int {
	s.w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(body))
	if err != nil {
		s.w.t.Fatal(err)
	}
	for k, v := range slack.Sign(secret, ts, body) {
		req.Header[k] = v
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := testClient.Do(req)
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func e2eEvent(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": e2eTeam, "api_app_id": "A1", "event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []map[string]any{{"team_id": e2eTeam, "user_id": fakeslack.BotUserID, "is_bot": true}},
	})
	return b
}

func (s *slackApp) event(eventID string, inner map[string]any) {
	s.w.t.Helper()
	if code := s.send("/slack/events", "application/json", e2eEvent(eventID, inner), time.Now(), e2eSecret, nil); code != http.StatusOK {
		s.w.t.Fatalf("event %s: status %d", eventID, code)
	}
}

func e2eMention(user, channel, ts, text string) map[string]any {
	return map[string]any{"type": "app_mention", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": "<@" + fakeslack.BotUserID + "> " + text}
}

func e2eDM(user, ts, text string) map[string]any {
	return map[string]any{"type": "message", "channel_type": "im", "user": user, "channel": "D" + user, "ts": ts, "event_ts": ts, "text": text}
}

// command runs /whoowns and returns the ephemeral reply's text.
func (s *slackApp) command(user, name, text string) string {
	s.w.t.Helper()
	form := url.Values{"team_id": {e2eTeam}, "channel_id": {chCheck}, "channel_name": {"checkout"}, "user_id": {user}, "user_name": {name},
		"command": {"/whoowns"}, "text": {text}, "response_url": {s.w.fake.ResponseURL("c")}, "trigger_id": {"t"}}
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, s.url+"/slack/commands", bytes.NewReader(body))
	for k, v := range slack.Sign(e2eSecret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := testClient.Do(req)
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 || r.ResponseType != "ephemeral" {
		s.w.t.Fatalf("command %q: status %d, %+v, %v", text, resp.StatusCode, r, err)
	}
	return r.Text
}

// sentinel asks a question in its own DM and waits for the answer.
func (s *slackApp) sentinel(id string) {
	s.w.t.Helper()
	user := "U0SENT" + id
	s.event("EvSentinel"+id, e2eDM(user, "1700009999.00000"+id, "who owns the roadmap?"))
	s.w.fake.WaitCall(s.w.t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+user })
}

// postsTo counts chat.postMessage calls to channel (in thread, if given).
func (w *slackWorld) postsTo(channel, thread string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && (thread == "" || c.Params["thread_ts"] == thread) {
			out = append(out, c)
		}
	}
	return out
}

func (w *slackWorld) answerIn(channel, thread string) fakeslack.Call {
	w.t.Helper()
	return w.fake.WaitCall(w.t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == channel && c.Params["thread_ts"] == thread
	})
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func TestSlackE2EQuestions(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")

	// In a channel: a threaded answer naming the right person.
	a.event("EvCh", e2eMention(pJules, chCheck, "1700000001.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn(chCheck, "1700000001.000001")
	mustContain(t, "channel answer", ans.AllText(), "<@"+pMarco+">", "Product Owner", "Checkout", "<@"+pPriya+">")

	// In a DM.
	a.event("EvDM", e2eDM(pJules, "1700000002.000001", "who owns the roadmap?"))
	dm := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pJules })
	mustContain(t, "DM answer", dm.AllText(), "<@"+pPriya+">", "Product Manager")

	// An unknown question is kept for the leads.
	a.event("EvUnknown", e2eMention(pJules, chCheck, "1700000003.000001", "who fixes the coffee machine?"))
	mustContain(t, "unknown answer", w.answerIn(chCheck, "1700000003.000001").AllText(), "don't know")
	mustContain(t, "/whoowns unanswered", a.command(pLead, "morgan", "unanswered"), "coffee machine")
}

// A question read with medium confidence is answered and confirmed ("I read
// this as …, is that right?") with buttons for the reading and its closest
// alternatives; picking one answers as that topic in place.
func TestSlackE2ETwoStageFallback(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	// Find a question the matcher reads with medium confidence; which one
	// depends on the catalogue, so ask the running service.
	var q string
	var first bot.Answer
	// Questions naming two topics of different roles are ambiguous by nature.
	for _, cand := range []string{"who handles the backlog and the roadmap", "who talks to customers about the backlog",
		"who orders the backlog?", "who is responsible for sprint progress",
		"who talks to sales and marketing about the product direction", "who owns the sprint goal and the roadmap",
		"devs keep pulling tickets that have no clear definition of what done looks like"} {
		got, err := a.app.Service().Ask(context.Background(), bot.Message{Tenant: ownership.TenantID("slack:" + e2eTeam), Platform: bot.PlatformSlack,
			User: ownership.Person{ID: pJules}, Channel: ownership.Channel{ID: chCheck}, Text: cand})
		if err == nil && got.Confirm && len(got.Choices()) > 1 && (got.Kind == bot.KindPerson || got.Kind == bot.KindBoth) {
			q, first = cand, got
			break
		}
	}
	if q == "" {
		t.Fatal("none of the candidate questions is read with medium confidence any more; add one")
	}
	a.event("EvTie", e2eMention(pJules, chCheck, "1700000004.000001", q))
	ans := w.answerIn(chCheck, "1700000004.000001")
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	mustContain(t, "medium-confidence answer", ans.AllText(), "I read this as *"+esc.Replace(first.Title)+"*, is that right?")
	if strings.Contains(ans.AllText(), "teach") {
		t.Errorf("a non-lead is shown how to teach:\n%s", ans.AllText())
	}
	var choices []fakeslack.Element
	for _, e := range ans.Elements() {
		if strings.HasPrefix(e.ActionID, "choose_intent") {
			choices = append(choices, e)
		}
	}
	if len(choices) != len(first.Choices()) || len(choices) < 2 {
		t.Fatalf("choice buttons %+v, want %d", choices, len(first.Choices()))
	}
	if choices[0].Text != first.Title {
		t.Errorf("first choice %q, want the reading %q", choices[0].Text, first.Title)
	}
	alt := choices[1]
	if alt.Text != first.Alternatives[0].Title {
		t.Errorf("second choice %q, want %q", alt.Text, first.Alternatives[0].Title)
	}
	// Choosing it answers in place.
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pJules},
		"container":    map[string]any{"type": "message", "message_ts": "1700000004.000009", "channel_id": chCheck, "thread_ts": "1700000004.000001"},
		"channel":      map[string]any{"id": chCheck},
		"message":      map[string]any{"ts": "1700000004.000009", "thread_ts": "1700000004.000001"},
		"response_url": w.fake.ResponseURL("a"),
		"actions":      []any{map[string]any{"action_id": alt.ActionID, "block_id": alt.BlockID, "type": "button", "value": alt.Value, "action_ts": "1.1"}},
	})
	if code := a.send("/slack/interactivity", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(payload)}}.Encode()), time.Now(), e2eSecret, nil); code != 200 {
		t.Fatalf("click: %d", code)
	}
	up := w.fake.WaitCalls(t, "chat.update", 1, e2eWait)[0]
	if up.Params["ts"] != "1700000004.000009" || up.Params["channel"] != chCheck {
		t.Errorf("updated %s/%s, want the clicked message", up.Params["channel"], up.Params["ts"])
	}
	// Titles reach mrkdwn escaped ("Go-to-market &amp; launch"), as Slack requires.
	title := esc.Replace(first.Alternatives[0].Title)
	if !strings.Contains(up.AllText(), title) || strings.Contains(up.AllText(), "I read this as") {
		t.Errorf("the chosen answer:\n%s", up.AllText())
	}
}

func TestSlackE2ELeadsChangeOwnership(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")

	// A non-lead is refused and nothing changes.
	mustContain(t, "refusal", a.command(pNobody, "nobody", "set po <@U03JULES|jules> checkout"), "Only leads")
	// A lead sets the PO.
	mustContain(t, "set reply", a.command(pLead, "morgan", "set po <@U03JULES|jules> checkout"), "Done", "<@"+pJules+">")
	an := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == chCheck && c.Params["thread_ts"] == "" })
	mustContain(t, "announcement", an.AllText(), "<@"+pJules+">", "Product Owner")
	if n := len(w.postsTo(chCheck, "")); n != 1 {
		t.Errorf("%d announcements, want 1 (the refused command must not announce)", n)
	}
	mustContain(t, "history", a.command(pNobody, "nobody", "history checkout"), "<@"+pLead+"> made <@"+pJules+"> Product Owner of Checkout (was <@"+pMarco+">)")
	if strings.Contains(a.command(pNobody, "nobody", "history checkout"), "nobody made") {
		t.Error("the refused change is in the history")
	}
	// The next answer names the new PO.
	a.event("EvAfter", e2eMention(pPriya, chCheck, "1700000005.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn(chCheck, "1700000005.000001")
	mustContain(t, "answer after the change", ans.AllText(), "<@"+pJules+">")
	if strings.Contains(ans.AllText(), "<@"+pMarco+">, the Product Owner") {
		t.Errorf("still names the old PO:\n%s", ans.AllText())
	}
}

func TestSlackE2ERejectsForgedAndReplayed(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	body := e2eEvent("EvForged", e2eMention(pJules, chCheck, "1700000006.000001", "who owns the roadmap?"))
	if code := a.send("/slack/events", "application/json", body, time.Now(), "not-the-secret", nil); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	if code := a.send("/slack/events", "application/json", body, time.Now().Add(-10*time.Minute), e2eSecret, nil); code != http.StatusUnauthorized {
		t.Errorf("replayed old request: %d, want 401", code)
	}
	cmd := []byte(url.Values{"team_id": {e2eTeam}, "user_id": {pLead}, "text": {"set po <@U03JULES> checkout"}}.Encode())
	if code := a.send("/slack/commands", "application/x-www-form-urlencoded", cmd, time.Now(), "not-the-secret", nil); code != http.StatusUnauthorized {
		t.Errorf("forged command: %d, want 401", code)
	}
	a.sentinel("1")
	if n := len(w.postsTo(chCheck, "")); n != 0 {
		t.Errorf("%d messages posted for refused requests", n)
	}
	if po := a.command(pNobody, "nobody", "show checkout"); !strings.Contains(po, "<@"+pMarco+">") {
		t.Errorf("forged command changed the PO:\n%s", po)
	}
}

func TestSlackE2EAnsweredOnce(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a, b := w.start(""), w.start("")

	// Slack retries the delivery to the same replica.
	body := e2eEvent("EvRetry", e2eMention(pJules, chCheck, "1700000007.000001", "who owns the roadmap?"))
	for i := range 3 {
		hdr := http.Header{}
		if i > 0 {
			hdr.Set("X-Slack-Retry-Num", "1")
		}
		if code := a.send("/slack/events", "application/json", body, time.Now(), e2eSecret, hdr); code != 200 {
			t.Fatalf("delivery %d: %d", i, code)
		}
	}
	// The same event reaches two replicas sharing one Redis.
	body = e2eEvent("EvTwoReplicas", e2eMention(pJules, chCheck, "1700000008.000001", "who owns the roadmap?"))
	for _, r := range []*slackApp{a, b} {
		if code := r.send("/slack/events", "application/json", body, time.Now(), e2eSecret, nil); code != 200 {
			t.Fatalf("delivery: %d", code)
		}
	}
	// A new member's team_join, delivered twice and to both replicas.
	join := map[string]any{"type": "team_join", "user": map[string]any{"id": "U09NEW", "name": "nell"}}
	a.event("EvJoin", join)
	b.event("EvJoin", join)
	b.event("EvJoinAgain", join)
	a.sentinel("2")
	b.sentinel("3")
	if n := len(w.postsTo(chCheck, "1700000007.000001")); n != 1 {
		t.Errorf("retried event answered %d times, want once", n)
	}
	if n := len(w.postsTo(chCheck, "1700000008.000001")); n != 1 {
		t.Errorf("event sent to two replicas answered %d times, want once", n)
	}
	if n := len(w.postsTo("DU09NEW", "")); n != 1 {
		t.Errorf("%d onboarding DMs, want exactly 1", n)
	}
	if dms := w.postsTo("DU09NEW", ""); len(dms) == 1 {
		mustContain(t, "welcome", dms[0].AllText(), "Welcome", "Product Manager", "Product Owner")
	}
	// Deliveries are remembered for the default dedup TTL, long enough for
	// Slack's last retry and no longer.
	keys, err := w.client.Keys(context.Background(), w.prefix+":claim:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("claim keys: %v %v", keys, err)
	}
	for _, k := range keys {
		if ttl := w.client.TTL(context.Background(), k).Val(); ttl <= 14*time.Minute || ttl > DefaultDedupTTL {
			t.Errorf("%s lives %s, want the default %s", k, ttl, DefaultDedupTTL)
		}
	}
}

func TestSlackE2ESocketMode(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.start("xapp-e2e")
	w.fake.WaitConnections(t, 1, e2eWait)
	env := w.fake.Send(t, "events_api", json.RawMessage(e2eEvent("EvSock", e2eMention(pJules, chCheck, "1700000009.000001", "who writes the acceptance criteria?"))), 0)
	w.fake.WaitAck(t, env, e2eWait)
	ans := w.answerIn(chCheck, "1700000009.000001")
	mustContain(t, "socket answer", ans.AllText(), "<@"+pMarco+">", "Product Owner", "Checkout")

	env = w.fake.Send(t, "slash_commands", map[string]any{"team_id": e2eTeam, "channel_id": chCheck, "user_id": pJules, "user_name": "jules",
		"command": "/whoowns", "text": "show checkout", "response_url": w.fake.ResponseURL("s"), "trigger_id": "t"}, 0)
	ack := w.fake.WaitAck(t, env, e2eWait)
	mustContain(t, "command ack", string(ack.Payload), "ephemeral", "Checkout")
}
