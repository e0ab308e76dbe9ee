package slack

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// In a channel, read-only commands answer in the thread like questions;
// changes and leads' views are answered to their author alone (ephemeral),
// and only a change's announcement is public.
func TestCommandsMentionedInAChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct{ id, ts, text, want, not string }{
		{"EvC1", "1700000101.000100", "help", "I've sent you the commands you can use privately", "/whoowns"},
		{"EvC2", "1700000102.000100", "teams", "Checkout", ""},
		{"EvC4", "1700000104.000100", "show checkout owners", "", "no team called"},
	}
	for _, c := range cases {
		h.event(c.id, mention(uLead, cCheck, c.ts, c.text))
		got := h.fake.WaitCall(t, "chat.postMessage", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == c.ts })
		text := got.AllText()
		if c.want != "" && !strings.Contains(text, c.want) {
			t.Errorf("%q: reply lacks %q:\n%s", c.text, c.want, text)
		}
		if c.not != "" && strings.Contains(text, c.not) {
			t.Errorf("%q: reply has %q:\n%s", c.text, c.not, text)
		}
	}

	// Help's full list is the lead's alone, under the short public reply.
	eph := h.fake.WaitCall(t, "chat.postEphemeral", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == "1700000101.000100" })
	if eph.Params["user"] != uLead || !strings.Contains(eph.AllText(), "`/whoowns set` `role` `@user` [`team`]") {
		t.Errorf("private help to %s:\n%s", eph.Params["user"], eph.AllText())
	}

	h.event("EvC3", mention(uLead, cCheck, "1700000103.000100", "set po <@"+uJules+"> checkout"))
	eph = h.fake.WaitCall(t, "chat.postEphemeral", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == "1700000103.000100" })
	if eph.Params["user"] != uLead || eph.Params["channel"] != cCheck || !strings.Contains(eph.AllText(), "Done") {
		t.Errorf("private reply to %s in %s:\n%s", eph.Params["user"], eph.Params["channel"], eph.AllText())
	}
	h.event("EvC6", mention(uNobody, cCheck, "1700000106.000100", "unanswered"))
	eph = h.fake.WaitCall(t, "chat.postEphemeral", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == "1700000106.000100" })
	if eph.Params["user"] != uNobody {
		t.Errorf("private reply to %s, want the author", eph.Params["user"])
	}
	h.event("EvC5", mention(uJules, cCheck, "1700000105.000100", "who writes the acceptance criteria?"))
	got := h.fake.WaitCall(t, "chat.postMessage", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == "1700000105.000100" })
	if !strings.Contains(got.AllText(), "<@"+uJules+">") {
		t.Errorf("the change typed in the channel was not made:\n%s", got.AllText())
	}
	for _, c := range h.postsTo(cCheck) {
		if ts := c.Params["thread_ts"]; ts == "1700000103.000100" || ts == "1700000106.000100" {
			t.Errorf("public reply in the thread of a private command:\n%s", c.AllText())
		}
		if c.Params["thread_ts"] == "" && !strings.Contains(c.AllText(), "Product Owner") {
			t.Errorf("public post that is not the announcement:\n%s", c.AllText())
		}
	}
}
