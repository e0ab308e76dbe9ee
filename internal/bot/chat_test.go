package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// A mention with nothing typed says so and shows how to ask; its "Why?"
// claims no reading and no confidence, and nothing is queued.
func TestBareMentionShowsHowToAsk(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	for _, text := range []string{"", "   "} {
		a := ask(t, s, msg(dev, "C0CHECKOUT", text))
		if a.Kind != bot.KindKnowledge || !a.Bare || a.Score != 0 || a.Queued {
			t.Fatalf("%q: kind=%s bare=%v score=%v queued=%v", text, a.Kind, a.Bare, a.Score, a.Queued)
		}
		if txt := a.Text().String(); !strings.Contains(txt, "You mentioned me without a question.") || !strings.Contains(txt, "Ask in plain words") {
			t.Errorf("bare answer:\n%s", txt)
		}
		why := rich.Lines(a.Reasoning()...).String()
		if strings.Contains(why, "%") || strings.Contains(why, "confidence") || strings.Contains(why, "I read the question as") {
			t.Errorf("Why? of a bare mention claims a reading:\n%s", why)
		}
		if !strings.Contains(why, "without a question") || !strings.Contains(why, "who owns the roadmap for checkout?") {
			t.Errorf("Why? of a bare mention does not say what happened and how to ask:\n%s", why)
		}
	}
	dm := msg(dev, "D1", "")
	dm.DM = true
	if txt := ask(t, s, dm).Text().String(); !strings.Contains(txt, "Your message had no question in it.") {
		t.Errorf("bare DM:\n%s", txt)
	}
	if q, _ := st.Unanswered(context.Background(), tenant, 10); len(q) != 0 {
		t.Errorf("a bare mention was queued: %+v", q)
	}
	// Something typed is read as usual.
	if a := ask(t, s, msg(dev, "", "help")); a.Bare || a.Score == 0 {
		t.Errorf("help: bare=%v score=%v", a.Bare, a.Score)
	}
}

// An empty role is said once: the headline says the team has nobody in
// it, and the hint only says how to fill it.
func TestEmptyRoleSaidOnce(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	if _, err := s.Command(ctx, msg(lead, "", "unset po checkout")); err != nil {
		t.Fatal(err)
	}
	a := ask(t, s, msg(stranger, "", "who writes acceptance criteria for checkout?"))
	txt := a.Text().String()
	if n := strings.Count(txt, "no Product Owner"); n != 1 {
		t.Errorf("the empty role is said %d times:\n%s", n, txt)
	}
	if !strings.Contains(a.FillHint.String(), "/whoowns set po @person Checkout") {
		t.Errorf("fill hint: %s", a.FillHint)
	}
	both := ask(t, s, msg(stranger, "", "who decides priorities for checkout?"))
	if both.Kind != bot.KindBoth {
		t.Fatalf("kind %s", both.Kind)
	}
	if h := both.FillHint.String(); !strings.Contains(h, "Product Owner role") || strings.Contains(h, "has no") {
		t.Errorf("fill hint of a shared answer: %s", h)
	}
}

// Help lists what the asker can use, from the verb table: people who are
// not leads see the commands open to everyone, leads see the rest too.
// Typed in a channel, the reply there is short and the list is private.
// Placeholders are code spans of their own, never "<…>" text.
func TestHelpByRole(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	dm := func(u ownership.Person) bot.Message { m := msg(u, "D1", "help"); m.DM = true; return m }

	member := command(t, s, dm(dev))
	if !member.Private.Empty() {
		t.Errorf("help in a DM has a private part: %s", member.Private)
	}
	txt := member.Text.String()
	for _, want := range []string{"`/whoowns ask` `question`", "`/whoowns show` [`team`]", "`/whoowns teams`", "`/whoowns history` [`team`]", "`/whoowns help`", "Only leads can change"} {
		if !strings.Contains(txt, want) {
			t.Errorf("member help lacks %q:\n%s", want, txt)
		}
	}
	for _, lead := range []string{"set", "unanswered", "teach", "lead add", "intents", "team create"} {
		if strings.Contains(txt, "/whoowns "+lead) {
			t.Errorf("member help shows the lead command %q:\n%s", lead, txt)
		}
	}

	leadHelp := command(t, s, dm(lead)).Text
	ltxt := leadHelp.String()
	for _, want := range []string{"`/whoowns ask` `question`", "`/whoowns set` `role` `@user` [`team`]", "`/whoowns teach` `\"phrase\"` `intent`",
		"`/whoowns team create` `team` or `/whoowns team rename` `team` `new name`", "`/whoowns cover` `role` `@user` until `date/time` [`team`]"} {
		if !strings.Contains(ltxt, want) {
			t.Errorf("lead help lacks %q:\n%s", want, ltxt)
		}
	}
	if strings.Contains(ltxt, "Only leads can change") {
		t.Errorf("lead help tells a lead to ask a lead:\n%s", ltxt)
	}
	// No placeholder reaches a renderer as "<…>" text.
	for _, sp := range leadHelp {
		if strings.ContainsAny(sp.Text, "<>") {
			t.Errorf("help span %+v holds angle brackets", sp)
		}
	}
	// Every verb of the table is in a lead's help.
	for _, v := range []string{"ask", "show", "teams", "team", "set", "unset", "channel", "member", "cover", "route", "lead", "role", "history", "unanswered", "teach", "intents", "intent", "onboard", "help"} {
		if !strings.Contains(ltxt, "`/whoowns "+v) {
			t.Errorf("lead help lacks %s", v)
		}
	}

	// In a channel: a short reply there, the list privately.
	ch, err := s.Command(ctx, msg(dev, "C0CHECKOUT", "help"))
	if err != nil {
		t.Fatal(err)
	}
	if short := ch.Text.String(); len(ch.Text.Split()) != 1 || !strings.Contains(short, "privately") || strings.Contains(short, "/whoowns") {
		t.Errorf("channel reply to help: %s", short)
	}
	if ch.Private.String() != txt {
		t.Errorf("private help in a channel differs from the DM's:\n%s", ch.Private)
	}
	// The bare prefix is help.
	bareMsg := dm(lead)
	bareMsg.Text = ""
	if bare := command(t, s, bareMsg); bare.Text.String() != ltxt {
		t.Errorf("bare prefix: %s", bare.Text)
	}
}
