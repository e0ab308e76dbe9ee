package app

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
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
