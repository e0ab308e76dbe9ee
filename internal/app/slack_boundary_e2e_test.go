package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// End-to-end tests of the Slack boundaries: which workspace is served,
// which channels may be linked, where leads' replies go, how admin status
// and feedback are checked.

const tForeign = "T0FOREIGN"

// startLogged runs a replica like start, with its log kept in buf.
func (w *slackWorld) startLogged(appToken string, buf *logBuffer) *slackApp {
	w.t.Helper()
	a, err := New(Config{
		Slack:  &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, AppToken: appToken, APIURL: w.fake.APIURL(), Workers: 1},
		Store:  redisstore.New(w.client, redisstore.WithPrefix(w.prefix)),
		Logger: slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		if w.t.Failed() {
			w.t.Logf("replica log:\n%s", buf.String())
		}
	})
	return &slackApp{w: w, app: a, url: serveApp(w.t, a)}
}

// eventFrom is e2eEvent from another workspace (and org, if enterprise is set).
func eventFrom(team, enterprise, eventID string, inner map[string]any) []byte {
	env := map[string]any{
		"type": "event_callback", "team_id": team, "api_app_id": "A1", "event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []map[string]any{{"team_id": team, "enterprise_id": enterprise, "user_id": fakeslack.BotUserID, "is_bot": true}},
	}
	if enterprise != "" {
		env["enterprise_id"] = enterprise
	}
	b, _ := json.Marshal(env)
	return b
}

// commandFrom runs /whoowns as if from form's workspace and returns the
// status and raw body of the synchronous reply.
func (s *slackApp) commandFrom(form url.Values) (int, string) {
	s.w.t.Helper()
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, s.url+"/slack/commands", strings.NewReader(string(body)))
	for k, v := range slack.Sign(e2eSecret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := testClient.Do(req)
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

var triggers atomic.Int64

// lead runs /whoowns as the lead in the Checkout channel, with a trigger id
// of its own (a repeated trigger id is a redelivery), and returns the reply.
func (s *slackApp) lead(text string) string {
	s.w.t.Helper()
	code, body := s.commandFrom(url.Values{"team_id": {e2eTeam}, "channel_id": {chCheck}, "channel_name": {"checkout"}, "user_id": {pLead},
		"user_name": {"morgan"}, "command": {"/whoowns"}, "text": {text}, "response_url": {s.w.fake.ResponseURL("l")},
		"trigger_id": {fmt.Sprintf("trig%d", triggers.Add(1))}})
	var r struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || code != http.StatusOK || r.ResponseType != "ephemeral" {
		s.w.t.Fatalf("command %q: status %d, %s, %v", text, code, body, err)
	}
	return r.Text
}

// click sends a signed block_actions payload and expects a 200.
func (s *slackApp) click(payload map[string]any) {
	s.w.t.Helper()
	raw, _ := json.Marshal(payload)
	if code := s.send("/slack/interactivity", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(raw)}}.Encode()), time.Now(), e2eSecret, nil); code != http.StatusOK {
		s.w.t.Fatalf("click: status %d", code)
	}
}

// metric reads one sample of the replica's /metrics, 0 if absent.
func (s *slackApp) metric(name string, labels ...string) float64 {
	s.w.t.Helper()
	resp, err := testClient.Get(s.url + "/metrics")
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(line, fmt.Sprintf("%s=%q", labels[i], labels[i+1])) {
				ok = false
			}
		}
		if ok {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

// keysMatching lists the world's Redis keys matching the glob.
func (w *slackWorld) keysMatching(glob string) []string {
	w.t.Helper()
	keys, err := w.client.Keys(context.Background(), w.prefix+glob).Result()
	if err != nil {
		w.t.Fatal(err)
	}
	return keys
}

// TestSlackE2EForeignWorkspaceIgnored: with one SLACK_BOT_TOKEN, signed
// events, slash commands and interactions from another workspace, over HTTP
// and Socket Mode, are acknowledged with 200 and otherwise ignored: nothing
// posted, nothing claimed or stored, nothing changed; each is counted, and
// the workspace is logged at warn once (rate-limited).
func TestSlackE2EForeignWorkspaceIgnored(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	buf := &logBuffer{}
	a := w.startLogged("xapp-e2e", buf)
	w.fake.WaitConnections(t, 1, e2eWait)
	before := len(w.fake.Calls(""))

	// Events API over HTTP: a mention and a DM, both of questions that
	// would be answered in the served workspace.
	for _, body := range [][]byte{
		eventFrom(tForeign, "", "EvForeign1", e2eMention(pJules, chCheck, "1700000101.000001", "who writes the acceptance criteria?")),
		eventFrom(tForeign, "", "EvForeign2", e2eDM(pLead, "1700000102.000001", "set po <@"+pJules+"> checkout")),
	} {
		if code := a.send("/slack/events", "application/json", body, time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("foreign event: status %d, want 200 so Slack does not retry", code)
		}
	}
	// The same over Socket Mode: acked.
	env := w.fake.Send(t, "events_api", json.RawMessage(eventFrom(tForeign, "", "EvForeign3", e2eMention(pJules, chCheck, "1700000103.000001", "who owns the roadmap?"))), 0)
	w.fake.WaitAck(t, env, e2eWait)

	// A slash command naming the served workspace's lead and channel.
	form := url.Values{"team_id": {tForeign}, "channel_id": {chCheck}, "channel_name": {"checkout"}, "user_id": {pLead}, "user_name": {"morgan"},
		"command": {"/whoowns"}, "text": {"set po <@" + pJules + "|jules> checkout"}, "response_url": {w.fake.ResponseURL("f")}, "trigger_id": {"tf"}}
	code, body := a.commandFrom(form)
	if code != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Errorf("foreign command: %d %q, want 200 with an empty body (nothing shown)", code, body)
	}
	// Over Socket Mode: acked with no payload.
	env = w.fake.Send(t, "slash_commands", map[string]any{"team_id": tForeign, "channel_id": chCheck, "user_id": pLead, "user_name": "morgan",
		"command": "/whoowns", "text": "show checkout", "response_url": w.fake.ResponseURL("fs"), "trigger_id": "tfs"}, 0)
	if ack := w.fake.WaitAck(t, env, e2eWait); len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		t.Errorf("foreign socket command acked with %s, want no payload", ack.Payload)
	}

	// Interactions: the workspace in team.id, and in user.team_id when
	// team is null.
	vote := func(team any, userTeam string) map[string]any {
		return map[string]any{
			"type": "block_actions", "team": team, "user": map[string]any{"id": pJules, "team_id": userTeam},
			"container":    map[string]any{"type": "message", "message_ts": "1700000104.000009", "channel_id": chCheck},
			"channel":      map[string]any{"id": chCheck},
			"message":      map[string]any{"ts": "1700000104.000009"},
			"response_url": w.fake.ResponseURL("fa"),
			"actions":      []any{map[string]any{"action_id": "helpful", "block_id": "b", "type": "button", "value": "acceptance_criteria", "action_ts": "1.1"}},
		}
	}
	a.click(vote(map[string]any{"id": tForeign}, tForeign))
	a.click(vote(nil, tForeign))

	// Everything before the sentinel has been handled (one worker, in order).
	a.sentinel("F")
	for _, c := range w.fake.Calls("")[before:] {
		if c.Method == "auth.test" || c.Method == "users.info" {
			continue
		}
		if c.Params["channel"] != "DU0SENTF" {
			t.Errorf("%s to %q for a foreign workspace:\n%s", c.Method, c.Params["channel"], c.AllText())
		}
	}
	for _, glob := range []string{"*" + tForeign + "*", "*EvForeign*", "*vote*"} {
		if keys := w.keysMatching(glob); len(keys) > 0 {
			t.Errorf("Redis keys written for a foreign workspace: %v", keys)
		}
	}
	if po := a.command(pNobody, "nobody", "show checkout"); !strings.Contains(po, "<@"+pMarco+">") {
		t.Errorf("a foreign command changed the PO:\n%s", po)
	}
	for kind, want := range map[string]float64{"event": 3, "command": 2, "interaction": 2} {
		if got := a.metric("whoowns_foreign_requests_ignored_total", "platform", "slack", "kind", kind); got != want {
			t.Errorf("foreign %s requests counted %v, want %v", kind, got, want)
		}
	}
	warned := regexp.MustCompile(`level=WARN[^\n]*team=`+tForeign).FindAllString(buf.String(), -1)
	if len(warned) != 1 {
		t.Errorf("foreign workspace logged at warn %d times, want once (rate-limited):\n%s", len(warned), strings.Join(warned, "\n"))
	}
	// Every Web API call carried the bot token in the Authorization header.
	for _, c := range w.fake.Calls("") {
		if c.Method != "response_url" && (!c.Bearer || (c.Token != "xoxb-e2e" && c.Token != "xapp-e2e")) {
			t.Errorf("%s sent with token %q (header: %v)", c.Method, c.Token, c.Bearer)
		}
	}
}

// TestSlackE2EOrgWideToken: an org-wide token (auth.test's
// is_enterprise_install) serves every workspace of its Enterprise Grid org,
// and only those; a payload naming no workspace is placed by its
// enterprise.
func TestSlackE2EOrgWideToken(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam, EnterpriseID: "E0ORG", EnterpriseInstall: true})
	a := w.startLogged("", &logBuffer{})
	sister, other := "T0SISTER", "T0OTHERORG"

	ask := func(team, enterprise, id, user string) {
		t.Helper()
		if code := a.send("/slack/events", "application/json", eventFrom(team, enterprise, id, e2eDM(user, "1700000201.000001", "who owns the roadmap?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("%s: status %d", id, code)
		}
	}
	ask(other, "E0ELSE", "EvOrgOther", "U0OTHER") // another org: ignored
	ask(sister, "E0ORG", "EvOrgSister", "U0SISTER")
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "DU0SISTER" })
	ask(e2eTeam, "E0ORG", "EvOrgHome", pJules)
	mustContain(t, "answer in the token's own workspace", w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pJules
	}).AllText(), "<@"+pPriya+">")

	// An interaction of the org that names no workspace.
	a.click(map[string]any{
		"type": "block_actions", "team": nil, "enterprise": map[string]any{"id": "E0ORG"}, "is_enterprise_install": true,
		"user": map[string]any{"id": "W0ORGUSER"}, "container": map[string]any{"type": "message", "message_ts": "1700000202.000009", "channel_id": "C0ORG"},
		"channel": map[string]any{"id": "C0ORG"}, "message": map[string]any{"ts": "1700000202.000009"}, "response_url": w.fake.ResponseURL("o"),
		"actions": []any{map[string]any{"action_id": "more", "block_id": "b", "type": "button", "value": "acceptance_criteria", "action_ts": "1.1"}},
	})
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "C0ORG" })
	a.sentinel("O")
	if n := len(w.postsTo("DU0OTHER", "")); n != 0 {
		t.Errorf("answered a workspace of another org %d times", n)
	}
	if got := a.metric("whoowns_foreign_requests_ignored_total", "kind", "event"); got != 1 {
		t.Errorf("foreign events counted %v, want 1", got)
	}
}

// TestSlackE2EAuthTestAtStartAndOnTokenErrors: the workspace served is
// learned from auth.test at start-up, retried with backoff while Slack is
// unreachable (the first question is answered once it is), and asked again
// when Slack refuses the token.
func TestSlackE2EAuthTestAtStartAndOnTokenErrors(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.Fail("auth.test", fakeslack.Failure{Status: http.StatusServiceUnavailable}, fakeslack.Failure{Status: http.StatusBadGateway})
	buf := &logBuffer{}
	a := w.startLogged("", buf)
	a.event("EvEarly", e2eDM(pJules, "1700000301.000001", "who owns the roadmap?"))
	mustContain(t, "answer once auth.test worked", w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pJules
	}).AllText(), "<@"+pPriya+">")
	if n := len(w.fake.Calls("auth.test")); n < 3 {
		t.Errorf("auth.test called %d times, want the two failures and a success", n)
	}

	// The token is revoked: the failed post makes the bot check it again.
	calls := len(w.fake.Calls("auth.test"))
	w.fake.RevokeToken("xoxb-e2e")
	a.event("EvRevoked", e2eDM(pPriya, "1700000302.000001", "who owns the roadmap?"))
	w.fake.WaitCalls(t, "auth.test", calls+1, e2eWait)
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pPriya })
	// The refusal was logged as an error before auth.test was asked again.
	if !regexp.MustCompile(`level=ERROR[^\n]*token_revoked`).MatchString(buf.String()) {
		t.Error("no error logged for the revoked token")
	}
	// Meanwhile the workspace policy stays in force.
	if code := a.send("/slack/events", "application/json", eventFrom(tForeign, "", "EvForeignRevoked", e2eDM(pJules, "1700000303.000001", "who owns the roadmap?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	w.fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam})
	a.sentinel("R")
	if n := len(w.postsTo("D"+pJules, "")); n != 1 {
		t.Errorf("%d posts to %s, want only the first answer", n, pJules)
	}
}

// TestSlackE2EChannelLinksStayInTheWorkspace: a lead can link only a
// channel that conversations.info, asked with the workspace's token, shows
// as the workspace's own (or shared with it). Anything else is refused with
// the reason, changes nothing, and later announcements never go there.
func TestSlackE2EChannelLinksStayInTheWorkspace(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddChannel(fakeslack.Channel{ID: "C0INTRUDERS", Name: "intruders", TeamID: tForeign})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0SECRET", Name: "secret", TeamID: e2eTeam, Private: true})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0PAY", Name: "payments", TeamID: e2eTeam})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0CONNECT", Name: "connect", TeamID: tForeign, SharedTeamIDs: []string{tForeign, e2eTeam}})
	a := w.start("")

	for _, tc := range []struct{ link, want string }{
		{"<#C0INTRUDERS|intruders>", "not a channel of this workspace"},
		{"<#C0SECRET|secret>", "invite me"},
		{"<#C0NOSUCH>", "not a channel of this workspace"},
	} {
		mustContain(t, "refused link of "+tc.link, a.lead("channel "+tc.link+" payments"), tc.want)
	}
	// Slack cannot be asked: refused too, nothing changes.
	w.fake.Fail("conversations.info", fakeslack.Failure{Status: 500}, fakeslack.Failure{Status: 500}, fakeslack.Failure{Status: 500}, fakeslack.Failure{Status: 500})
	mustContain(t, "link while Slack fails", a.lead("channel <#C0PAY|payments> payments"), "couldn't check", "nothing changed")
	show := a.command(pNobody, "nobody", "show payments")
	for _, id := range []string{"C0INTRUDERS", "C0SECRET", "C0NOSUCH", "C0PAY"} {
		if strings.Contains(show, id) {
			t.Errorf("refused channel %s linked:\n%s", id, show)
		}
	}
	// The workspace's own channel, and a Slack Connect channel shared with it.
	mustContain(t, "link", a.lead("channel <#C0PAY|payments> payments"), "C0PAY")
	mustContain(t, "shared link", a.lead("channel <#C0CONNECT|connect> payments"), "C0CONNECT")
	for _, c := range w.fake.Calls("conversations.info") {
		if !c.Bearer || c.Token != "xoxb-e2e" {
			t.Errorf("conversations.info with token %q (header %v), want the workspace's", c.Token, c.Bearer)
		}
	}
	// A change to the team is announced in its channels only.
	a.lead("set po <@" + pJules + "|jules> payments")
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "C0PAY" })
	a.sentinel("L")
	for _, id := range []string{"C0INTRUDERS", "C0SECRET", "C0NOSUCH"} {
		if n := len(w.postsTo(id, "")); n != 0 {
			t.Errorf("%d posts to refused channel %s", n, id)
		}
	}
}

// TestSlackE2EOrgTokenLinksOnlyTheCommandsWorkspace: an org-wide token sees
// the channels of every workspace of the org, yet a lead of one workspace
// cannot link another workspace's channel (context_team_id).
func TestSlackE2EOrgTokenLinksOnlyTheCommandsWorkspace(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam, EnterpriseID: "E0ORG", EnterpriseInstall: true})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0SISTER", Name: "sister", TeamID: "T0SISTER", EnterpriseID: "E0ORG"})
	w.fake.AddChannel(fakeslack.Channel{ID: "C0HOME", Name: "home", TeamID: e2eTeam, EnterpriseID: "E0ORG"})
	a := w.start("")
	form := func(text string) url.Values {
		return url.Values{"team_id": {e2eTeam}, "enterprise_id": {"E0ORG"}, "channel_id": {chCheck}, "user_id": {pLead}, "user_name": {"morgan"},
			"command": {"/whoowns"}, "text": {text}, "response_url": {w.fake.ResponseURL("c")}, "trigger_id": {fmt.Sprintf("trig%d", triggers.Add(1))}}
	}
	_, body := a.commandFrom(form("channel <#C0SISTER|sister> payments"))
	mustContain(t, "link of a sister workspace's channel", body, "another workspace")
	_, body = a.commandFrom(form("channel <#C0HOME|home> payments"))
	mustContain(t, "link of the workspace's channel", body, "C0HOME")
	if show := a.command(pNobody, "nobody", "show payments"); strings.Contains(show, "C0SISTER") {
		t.Errorf("sister workspace's channel linked:\n%s", show)
	}
}

// TestSlackE2ELeadsCommandsInAChannelArePrivate: changes and leads' views
// typed as a mention in a channel are answered to their author alone
// (chat.postEphemeral in the thread; a DM when Slack cannot show it there);
// the only public post is a change's announcement.
func TestSlackE2ELeadsCommandsInAChannelArePrivate(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	// A question nobody can answer, so the leads' queue has an asker.
	a.event("EvQ", e2eMention(pJules, chCheck, "1700000400.000001", "who fixes the coffee machine?"))
	w.answerIn(chCheck, "1700000400.000001")

	private := func(id, user, ts, text string, wants ...string) {
		t.Helper()
		a.event(id, e2eMention(user, chCheck, ts, text))
		eph := w.fake.WaitCall(t, "chat.postEphemeral", e2eWait, func(c fakeslack.Call) bool { return c.Params["thread_ts"] == ts })
		if eph.Params["user"] != user || eph.Params["channel"] != chCheck {
			t.Errorf("%q: private reply to %s in %s, want %s in %s", text, eph.Params["user"], eph.Params["channel"], user, chCheck)
		}
		mustContain(t, text, eph.AllText(), wants...)
	}
	private("EvP1", pNobody, "1700000401.000001", "set po <@"+pJules+"|jules> checkout", "Only leads")
	private("EvP2", pLead, "1700000402.000001", "unanswered", "coffee machine")
	private("EvP3", pLead, "1700000403.000001", "set po <@"+pJules+"|jules> checkout", "Done")
	private("EvP4", pNobody, "1700000404.000001", "history checkout", "made <@"+pJules+"> Product Owner")
	// Slack cannot show it in the channel: the lead gets it by DM.
	w.fake.Fail("chat.postEphemeral", fakeslack.Failure{Error: "user_not_in_channel"})
	a.event("EvP5", e2eMention(pLead, chCheck, "1700000405.000001", "set pm <@"+pJules+"|jules> checkout"))
	mustContain(t, "DM fallback", w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pLead
	}).AllText(), "Done")
	a.sentinel("P")

	var announcements int
	for _, c := range w.postsTo(chCheck, "") {
		switch ts := c.Params["thread_ts"]; {
		case ts == "":
			announcements++
			mustContain(t, "announcement", c.AllText(), "<@"+pJules+">")
		case ts != "1700000400.000001":
			t.Errorf("public reply in thread %s:\n%s", ts, c.AllText())
		}
	}
	if announcements != 2 {
		t.Errorf("%d announcements, want 2 (the PO and the PM change)", announcements)
	}
}

// TestSlackE2EUserChangeDemotesAtOnce: a workspace admin is a lead; when
// Slack says (user_change) they are no longer an admin, their next command
// is refused, although their admin status was cached moments before.
func TestSlackE2EUserChangeDemotesAtOnce(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	const admin = "U0ADMIN"
	w.fake.AddUser(fakeslack.User{ID: admin, Name: "ada", IsAdmin: true})
	a := w.start("")
	run := func(text string) string {
		t.Helper()
		code, body := a.commandFrom(url.Values{"team_id": {e2eTeam}, "channel_id": {chCheck}, "user_id": {admin}, "user_name": {"ada"},
			"command": {"/whoowns"}, "text": {text}, "response_url": {w.fake.ResponseURL("a")}, "trigger_id": {fmt.Sprintf("trig%d", triggers.Add(1))}})
		if code != http.StatusOK {
			t.Fatalf("%q: status %d", text, code)
		}
		return body
	}
	mustContain(t, "the admin's change", run("set po <@"+pJules+"|jules> checkout"), "Done")

	w.fake.AddUser(fakeslack.User{ID: admin, Name: "ada"})
	a.event("EvUserChange", map[string]any{"type": "user_change", "user": map[string]any{"id": admin, "team_id": e2eTeam, "name": "ada",
		"is_admin": false, "is_owner": false, "deleted": false, "profile": map[string]any{"display_name": "ada"}}})
	a.sentinel("D")
	mustContain(t, "the demoted admin's change", run("set po <@"+pPriya+"|priya> checkout"), "Only leads")
	if show := a.command(pNobody, "nobody", "show checkout"); strings.Contains(show, "<@"+pPriya+">, Product Owner") || !strings.Contains(show, "<@"+pJules+">") {
		t.Errorf("the demoted admin's change was made:\n%s", show)
	}
}

// TestSlackE2EFeedbackIsChecked: a 👍/👎 must name an intent of the
// tenant's catalogue and the answer it was cast on; forged ones are refused
// privately, stored nowhere, and counted under one fixed label however many
// ids they make up. Each person votes once per answer, whatever the payload
// claims the intent is.
func TestSlackE2EFeedbackIsChecked(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	a.event("EvFb", e2eMention(pJules, chCheck, "1700000500.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn(chCheck, "1700000500.000001")
	up, ok := ans.Element("helpful")
	if !ok || up.Value == "" {
		t.Fatalf("answer has no 👍: %+v", ans.Elements())
	}
	const answerTS = "1700000500.000009"
	vote := func(user, action, value, ts string) {
		t.Helper()
		container := map[string]any{"type": "message", "channel_id": chCheck, "thread_ts": "1700000500.000001"}
		message := map[string]any{"thread_ts": "1700000500.000001"}
		if ts != "" {
			container["message_ts"], message["ts"] = ts, ts
		}
		a.click(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
			"container": container, "channel": map[string]any{"id": chCheck}, "message": message, "response_url": w.fake.ResponseURL("v"),
			"actions": []any{map[string]any{"action_id": action, "block_id": "fb", "type": "button", "value": value, "action_ts": fmt.Sprint(triggers.Add(1))}},
		})
	}
	for i := range 5 {
		vote(pNobody, "helpful", fmt.Sprintf("forged-intent-%d", i), answerTS)
	}
	vote(pNobody, "not_helpful", up.Value, "") // names no answer
	vote(pJules, "helpful", up.Value, answerTS)
	vote(pJules, "not_helpful", "roadmap", answerTS) // a second vote on the same answer, another intent
	vote(pPriya, "not_helpful", up.Value, answerTS)
	vote(pNobody, "helpful", up.Value, answerTS) // the forger's own first real vote still counts
	w.fake.WaitCalls(t, "chat.postEphemeral", 10, e2eWait)
	a.sentinel("V")

	fb, err := a.app.Store().Feedback(context.Background(), "slack:"+e2eTeam)
	if err != nil {
		t.Fatal(err)
	}
	if got := fb[up.Value]; got.Helpful != 2 || got.NotHelpful != 1 || len(fb) != 1 {
		t.Errorf("feedback = %+v, want %s 👍2 👎1 and nothing else", fb, up.Value)
	}
	if got := a.metric("whoowns_requests_rejected_total", "platform", "slack", "reason", "feedback"); got != 6 {
		t.Errorf("refused votes counted %v, want 6", got)
	}
	if got := a.metric("whoowns_feedback_total", "intent", "forged-intent-0"); got != 0 {
		t.Errorf("a forged intent has a feedback series")
	}
	texts := ""
	for _, c := range w.fake.Calls("chat.postEphemeral") {
		texts += c.AllText() + "\n"
	}
	mustContain(t, "private replies", texts, "didn't count", "already voted", "Thanks")
	for _, c := range w.postsTo(chCheck, "") {
		if c.Params["thread_ts"] == "" {
			t.Errorf("public post after votes:\n%s", c.AllText())
		}
	}
	if n := len(w.postsTo(chCheck, "1700000500.000001")); n != 1 {
		t.Errorf("%d public posts in the answer's thread, want the answer only", n)
	}
}
