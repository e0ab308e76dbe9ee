package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// answerIn asks q by mention in channel and returns the posted answer.
func (h *harness) answerIn(id, channel, q string) fakeslack.Call {
	h.t.Helper()
	ts := "1700000100." + id
	h.event("EvQ"+id, mention(uJules, channel, ts, q))
	return h.fake.WaitCall(h.t, "chat.postMessage", wait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == channel && c.Params["thread_ts"] == ts
	})
}

func TestChooseAnswersInPlace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// An "I don't know" offers the closest intents; choosing one answers
	// in place with chat.update.
	ans := h.answerIn("1", cCheck, "who fixes the coffee machine?")
	if !strings.Contains(ans.AllText(), "don't know") {
		t.Fatalf("expected an honest I don't know:\n%s", ans.AllText())
	}
	e, ok := ans.Element(actionChoose)
	if !ok {
		t.Fatalf("no closest-intent buttons in %+v", ans.Elements())
	}
	var v choice
	if err := json.Unmarshal([]byte(e.Value), &v); err != nil || v.Question != "who fixes the coffee machine?" || v.Asker != uJules {
		t.Fatalf("button value %q", e.Value)
	}
	// The message as Slack stores it: the ts the fake returned.
	posted := ans
	posted.Params["ts"] = "1700000000.000001"
	h.click(uPriya, posted, e, "", false)
	up := h.fake.WaitCalls(t, "chat.update", 1, wait)[0]
	if up.Params["ts"] != "1700000000.000001" || up.Params["channel"] != cCheck {
		t.Errorf("update of %s/%s, want the clicked message", up.Params["channel"], up.Params["ts"])
	}
	if strings.Contains(up.AllText(), "don't know") || !strings.Contains(up.AllText(), "Checkout") {
		t.Errorf("updated answer:\n%s", up.AllText())
	}

	// From an ephemeral reply (/whoowns ask) the answer is replaced through
	// response_url.
	r := h.command(uJules, "jules", cCheck, "ask who fixes the coffee machine?")
	eph := r.asCall(cCheck)
	e, ok = eph.Element(actionChoose)
	if !ok {
		t.Fatal("ephemeral ask reply has no buttons")
	}
	h.click(uJules, eph, e, "", true)
	resp := h.fake.WaitCalls(t, "response_url", 1, wait)[0]
	var body struct {
		Replace bool `json:"replace_original"`
		Type    string
	}
	_ = json.Unmarshal(resp.Body, &body)
	if !body.Replace || !strings.Contains(resp.AllText(), "Checkout") {
		t.Errorf("response_url body = %s", resp.Body)
	}
}

func TestPickTeam(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Nobody is on no team and asks outside a team channel: which team?
	h.event("EvPick", dm(uNobody, dmNobody, "1700000001.000001", "who owns the roadmap?"))
	ans := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == dmNobody })
	var payments fakeslack.Element
	for _, e := range ans.Elements() {
		if strings.HasPrefix(e.ActionID, actionPickTeam) && e.Text == "Payments" {
			payments = e
		}
	}
	if payments.ActionID == "" {
		t.Fatalf("no Payments button in %+v", ans.Elements())
	}
	ans.Params["ts"] = "1700000000.000009"
	h.click(uNobody, ans, payments, "", false)
	up := h.fake.WaitCalls(t, "chat.update", 1, wait)[0]
	// Payments routes the roadmap to its PO.
	if !strings.Contains(up.AllText(), "<@"+uLee+">") || !strings.Contains(up.AllText(), "Payments") {
		t.Errorf("answer for the chosen team:\n%s", up.AllText())
	}

	// The select form carries the question in its block id.
	sel := fakeslack.Element{Type: "static_select", ActionID: actionPickTeam, BlockID: pickTeamBlockPrefix + choice{Intent: "roadmap", Question: "who owns the roadmap?", Asker: uNobody}.encode(200)}
	h.click(uNobody, ans, sel, "checkout", false)
	up = h.fake.WaitCalls(t, "chat.update", 2, wait)[1]
	if !strings.Contains(up.AllText(), "<@"+uPriya+">") {
		t.Errorf("answer for the selected team:\n%s", up.AllText())
	}
}

func TestMoreWhyAndFeedback(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ans := h.answerIn("1", cCheck, "who writes the acceptance criteria?")
	ans.Params["ts"] = "1700000000.000077"

	why, _ := ans.Element(actionWhy)
	h.click(uPriya, ans, why, "", false)
	eph := h.fake.WaitCalls(t, "chat.postEphemeral", 1, wait)[0]
	if eph.Params["user"] != uPriya || !strings.Contains(eph.AllText(), "acceptance_criteria") || !strings.Contains(eph.AllText(), "Checkout") {
		t.Errorf("why = %s %q", eph.Params["user"], eph.AllText())
	}

	more, ok := ans.Element(actionMore)
	if !ok {
		t.Skip("the catalogue has no longer explanation for acceptance_criteria")
	}
	h.click(uPriya, ans, more, "", false)
	reply := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return strings.Contains(c.AllText(), "More on") })
	if reply.Params["thread_ts"] != ans.Params["thread_ts"] {
		t.Errorf("More went to thread %q, want %q", reply.Params["thread_ts"], ans.Params["thread_ts"])
	}

	up, _ := ans.Element(actionHelpful)
	down, _ := ans.Element(actionNotHelpful)
	h.click(uPriya, ans, up, "", false)
	h.click(uPriya, ans, up, "", false)   // a second vote by the same person
	h.click(uJules, ans, down, "", false) // another person disagrees
	h.fake.WaitCalls(t, "chat.postEphemeral", 4, wait)
	fb, err := h.store.Feedback(t.Context(), tenant(testTeam))
	if err != nil {
		t.Fatal(err)
	}
	if got := fb["acceptance_criteria"]; got.Helpful != 1 || got.NotHelpful != 1 {
		t.Errorf("feedback = %+v, want one of each", got)
	}
	texts := ""
	for _, c := range h.fake.Calls("chat.postEphemeral") {
		texts += c.AllText() + "\n"
	}
	if !strings.Contains(texts, "Thanks") || !strings.Contains(texts, "already voted") {
		t.Errorf("acknowledgements:\n%s", texts)
	}
}

func TestOnboarding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	newcomer := map[string]any{"type": "team_join", "user": map[string]any{"id": "U09NEW", "name": "nell", "profile": map[string]any{"display_name": "Nell"}}}
	h.event("EvJoin", newcomer)
	h.event("EvJoin", newcomer)  // Slack's retry
	h.event("EvJoin2", newcomer) // a second delivery with a new id
	h.event("EvBotJoin", map[string]any{"type": "team_join", "user": map[string]any{"id": "U0BOTNEW", "is_bot": true}})
	h.sentinel("o1")
	opens := h.fake.Calls("conversations.open")
	if len(opens) != 1 || opens[0].Params["users"] != "U09NEW" {
		t.Fatalf("conversations.open calls = %+v, want one for U09NEW", opens)
	}
	welcome := h.postsTo("DU09NEW")
	if len(welcome) != 1 {
		t.Fatalf("%d welcome DMs, want 1", len(welcome))
	}
	sel, ok := welcome[0].Element(actionOnboardTeam)
	if !ok || len(sel.Options) != 2 {
		t.Fatalf("the welcome of someone without a team needs a team picker: %+v", welcome[0].Elements())
	}
	// Picking a team joins it and shows who's who, in place.
	welcome[0].Params["ts"] = "1700000000.000123"
	h.click("U09NEW", welcome[0], sel, "payments", false)
	up := h.fake.WaitCalls(t, "chat.update", 1, wait)[0]
	if up.Params["channel"] != "DU09NEW" || !strings.Contains(up.AllText(), "<@"+uDana+">") || !strings.Contains(up.AllText(), "<@"+uLee+">") {
		t.Errorf("after picking Payments:\n%s", up.AllText())
	}
	d, _ := h.store.Directory(t.Context(), tenant(testTeam))
	if !d.Teams["payments"].HasMember("U09NEW") {
		t.Error("the newcomer did not join Payments")
	}

	// Joining a team's channel welcomes for that team, once; other
	// channels and bots get nothing.
	join := func(id, user, channel string) {
		h.event(id, map[string]any{"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C", "team": testTeam})
	}
	join("EvCh1", uNobody, cCheck)
	join("EvCh2", uNobody, cCheck)
	join("EvCh3", uNobody, cRandom)
	join("EvCh4", "U0OTHERBOT", cCheck)
	join("EvCh5", fakeslack.BotUserID, cCheck)
	h.sentinel("o2")
	dms := h.postsTo("D" + uNobody)
	if len(dms) != 1 {
		t.Fatalf("%d welcome DMs for the channel join, want 1", len(dms))
	}
	if !strings.Contains(dms[0].AllText(), "Checkout") || !strings.Contains(dms[0].AllText(), "<@"+uMarco+">") {
		t.Errorf("welcome for Checkout:\n%s", dms[0].AllText())
	}
	if n := len(h.postsTo("DU0OTHERBOT")); n != 0 {
		t.Errorf("a bot got %d welcomes", n)
	}
}

func TestAppHome(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Leave something for the leads to see.
	h.answerIn("1", cCheck, "who fixes the coffee machine?")
	open := func(id, user string) fakeslack.Call {
		h.event(id, map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"})
		return h.fake.WaitCall(t, "views.publish", wait, func(c fakeslack.Call) bool { return c.Params["user_id"] == user })
	}
	member := open("EvHome1", uPriya)
	if !strings.Contains(member.AllText(), "Checkout") || !strings.Contains(member.AllText(), "<@"+uMarco+">") {
		t.Errorf("member's home:\n%s", member.AllText())
	}
	if strings.Contains(member.AllText(), "For leads") {
		t.Error("a member sees the leads' part")
	}
	lead := open("EvHome2", uAdmin)
	if !strings.Contains(lead.AllText(), "For leads") || !strings.Contains(lead.AllText(), "coffee machine") {
		t.Errorf("lead's home lacks the unanswered question:\n%s", lead.AllText())
	}
	// The messages tab is not the home tab.
	h.event("EvHome3", map[string]any{"type": "app_home_opened", "user": uJules, "tab": "messages"})
	h.sentinel("h")
	for _, c := range h.fake.Calls("views.publish") {
		if c.Params["user_id"] == uJules {
			t.Error("published a home view for the messages tab")
		}
	}
}
