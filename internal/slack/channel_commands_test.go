package slack

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// In a channel, read-only commands answer in the thread like questions;
// commands that change ownership are pointed to the private ways and run
// nowhere.
func TestCommandsMentionedInAChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct{ id, ts, text, want, not string }{
		{"EvC1", "1700000101.000100", "help", "set &lt;role&gt; @user [team]", ""},
		{"EvC2", "1700000102.000100", "teams", "Checkout", ""},
		{"EvC3", "1700000103.000100", "set po <@" + uJules + "> checkout", "changes ownership", "Done"},
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
	// The redirected change was not made.
	h.event("EvC5", mention(uJules, cCheck, "1700000105.000100", "who writes the acceptance criteria?"))
	got := h.fake.WaitCall(t, "chat.postMessage", wait, func(x fakeslack.Call) bool { return x.Params["thread_ts"] == "1700000105.000100" })
	if !strings.Contains(got.AllText(), "<@"+uMarco+">") {
		t.Errorf("the PO changed through a channel mention:\n%s", got.AllText())
	}
}
