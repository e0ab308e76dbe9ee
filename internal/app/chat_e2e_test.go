package app

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// End-to-end tests of how whoowns talks in chat, on Slack and Teams alike,
// through the real serve wiring.

// A bare mention is answered with how to ask; its Why? claims no reading.
func TestSlackE2EBareMention(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	a.event("EvBare", e2eMention(pJules, chCheck, "1700000101.000001", ""))
	ans := w.answerIn(chCheck, "1700000101.000001")
	mustContain(t, "bare mention", ans.AllText(), "You mentioned me without a question.", "Ask in plain words")
	why, ok := ans.Element("why")
	if !ok {
		t.Fatalf("no Why? button:\n%s", ans.AllText())
	}
	if strings.Contains(why.Value, "confidence") || strings.Contains(why.Value, "%") || !strings.Contains(why.Value, "without a question") {
		t.Errorf("Why? of a bare mention: %q", why.Value)
	}
}

func TestTeamsE2EBareMention(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.say("bare1", e2eCarol, ""))
	r := w.next("reply")
	if r.activity != "bare1" || !strings.Contains(r.out.cardText(), "You mentioned me without a question.") {
		t.Fatalf("bare mention answered %q:\n%s", r.activity, r.out.cardText())
	}
	if strings.Contains(r.out.cardText(), "confidence") {
		t.Errorf("bare mention claims a confidence:\n%s", r.out.cardText())
	}
}

// Help typed in a channel gets a short public reply and, privately, the
// commands the asker can use: leads' commands only for leads.
func TestSlackE2EHelpByRole(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	for _, c := range []struct {
		user, ts string
		lead     bool
	}{{pJules, "1700000201.000001", false}, {pLead, "1700000202.000001", true}} {
		a.event("EvHelp"+c.user, e2eMention(c.user, chCheck, c.ts, "help"))
		pub := w.answerIn(chCheck, c.ts)
		if txt := pub.AllText(); !strings.Contains(txt, "I've sent you the commands you can use privately") || strings.Contains(txt, "/whoowns") {
			t.Errorf("public reply to help:\n%s", txt)
		}
		eph := w.fake.WaitCall(t, "chat.postEphemeral", e2eWait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == c.ts })
		txt := eph.AllText()
		if eph.Params["user"] != c.user || !strings.Contains(txt, "`/whoowns ask` `question`") {
			t.Errorf("private help to %s:\n%s", eph.Params["user"], txt)
		}
		if got := strings.Contains(txt, "`/whoowns set` `role` `@user` [`team`]"); got != c.lead {
			t.Errorf("lead=%v: help shows leads' commands: %v\n%s", c.lead, got, txt)
		}
	}
	// The slash command's reply is private already: the whole list.
	if txt := a.command(pJules, "jules", "help"); !strings.Contains(txt, "`/whoowns history` [`team`]") || strings.Contains(txt, "/whoowns set") {
		t.Errorf("/whoowns help for a member:\n%s", txt)
	}
}

func TestTeamsE2EHelpByRole(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	for _, c := range []struct {
		id   string
		who  ownership.Person
		lead bool
	}{{"help-carol", e2eCarol, false}, {"help-lead", e2eLead, true}} {
		w.post(w.say(c.id, c.who, "help"))
		pub := w.next("reply")
		if pub.activity != c.id || !strings.Contains(pub.out.Text, "I've sent you the commands you can use privately") || strings.Contains(pub.out.Text, "@whoowns") {
			t.Fatalf("public reply to help: %q", pub.out.Text)
		}
		if cr := w.next("create"); len(cr.out.Members) != 1 || cr.out.Members[0].ID != c.who.ID {
			t.Fatalf("personal chat opened with %+v", cr.out.Members)
		}
		s := w.next("send")
		if s.conversation != "a:personal-"+c.who.ID || !strings.Contains(s.out.Text, "`@whoowns ask` `question`") {
			t.Fatalf("private help in %q: %q", s.conversation, s.out.Text)
		}
		if strings.Contains(s.out.Text, "&lt;") || strings.Contains(s.out.Text, "<question>") {
			t.Errorf("help shows raw placeholders: %q", s.out.Text)
		}
		if got := strings.Contains(s.out.Text, "`@whoowns set` `role` `@user`"); got != c.lead {
			t.Errorf("lead=%v: help shows leads' commands: %v\n%s", c.lead, got, s.out.Text)
		}
	}
	w.quiet()
}

// The welcome's team picker: a second pick replaces the first instead of
// adding another team.
func TestSlackE2EWelcomeRepickReplaces(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	const nell = "U0NELL"
	pick := func(team, ts string) {
		a.click(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": nell},
			"container": map[string]any{"type": "message", "message_ts": "1700000300.000001", "channel_id": "D" + nell},
			"channel":   map[string]any{"id": "D" + nell}, "message": map[string]any{"ts": "1700000300.000001"},
			"response_url": w.fake.ResponseURL("p"),
			"actions": []any{map[string]any{"action_id": "onboard_team", "block_id": "welcome", "type": "static_select",
				"selected_option": map[string]any{"value": team, "text": map[string]any{"type": "plain_text", "text": team}}, "action_ts": ts}},
		})
	}
	pick("payments", "1700000300.100001")
	w.fake.WaitCalls(t, "chat.update", 1, e2eWait)
	pick("checkout", "1700000300.200001")
	up := w.fake.WaitCalls(t, "chat.update", 2, e2eWait)[1]
	mustContain(t, "the re-pick's welcome", up.AllText(), "Checkout", "<@"+pMarco+">")
	d, err := redisstore.New(w.client, redisstore.WithPrefix(w.prefix)).Directory(t.Context(), ownership.TenantID("slack:"+e2eTeam))
	if err != nil {
		t.Fatal(err)
	}
	if d.Teams["payments"].HasMember(nell) || !d.Teams["checkout"].HasMember(nell) {
		t.Errorf("after a re-pick: payments %v, checkout %v; want checkout only", d.Teams["payments"].HasMember(nell), d.Teams["checkout"].HasMember(nell))
	}
}

func TestTeamsE2EWelcomeRepickReplaces(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	if _, _, err := w.store.Update(t.Context(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments"}
		return []ownership.Change{{Action: "import", Summary: "payments"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	dave := ownership.Person{ID: "29:dave", Name: "Dave Diaz"}
	pick := func(id, team string) {
		act := w.say(id, dave, "")
		delete(act, "text")
		delete(act, "entities")
		act["conversation"] = map[string]any{"id": "a:personal-" + dave.ID, "conversationType": "personal", "tenantId": e2eTenant}
		delete(act["channelData"].(map[string]any), "team")
		delete(act["channelData"].(map[string]any), "channel")
		delete(act["channelData"].(map[string]any), "teamsTeamId")
		act["replyToId"] = "welcome-card"
		act["value"] = map[string]any{"whoowns": "join", "team": team}
		w.post(act)
	}
	pick("pick1", "payments")
	if u := w.next("update"); u.activity != "welcome-card" || !strings.Contains(u.out.cardText(), "Payments") {
		t.Fatalf("first pick updated %q:\n%s", u.activity, u.out.cardText())
	}
	pick("pick2", "checkout")
	if u := w.next("update"); u.activity != "welcome-card" || !strings.Contains(u.out.cardText(), "Checkout") {
		t.Fatalf("re-pick updated %q:\n%s", u.activity, u.out.cardText())
	}
	d, err := w.store.Directory(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	if d.Teams["payments"].HasMember(dave.ID) || !d.Teams["checkout"].HasMember(dave.ID) {
		t.Errorf("after a re-pick: payments %v, checkout %v; want checkout only", d.Teams["payments"].HasMember(dave.ID), d.Teams["checkout"].HasMember(dave.ID))
	}
}
