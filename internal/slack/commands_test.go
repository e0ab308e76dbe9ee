package slack

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

func poOf(t *testing.T, h *harness, team string) string {
	t.Helper()
	d, err := h.store.Directory(t.Context(), tenant(testTeam))
	if err != nil {
		t.Fatal(err)
	}
	return d.Teams[team].Roles[ownership.ProductOwner].Person.ID
}

func TestSlashCommandRights(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// A member who is no lead is refused; nothing changes, nothing is announced.
	r := h.command(uNobody, "nobody", cCheck, "set po <@U03JULES|jules> checkout")
	if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "Only leads") {
		t.Fatalf("refusal = %+v", r)
	}
	if got := poOf(t, h, "checkout"); got != uMarco {
		t.Fatalf("PO changed to %s", got)
	}

	// A workspace admin is a lead through Slack: users.info says so.
	r = h.command(uAdmin, "admin", cCheck, "set po <@U03JULES|jules> checkout")
	if r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "Done") {
		t.Fatalf("admin's set = %+v", r)
	}
	if got := poOf(t, h, "checkout"); got != uJules {
		t.Fatalf("PO = %s, want %s", got, uJules)
	}
	an := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == cCheck })
	if !strings.Contains(an.AllText(), "<@"+uJules+">") || !strings.Contains(an.AllText(), "<@"+uAdmin+">") {
		t.Errorf("announcement = %q", an.AllText())
	}
	hist := h.command(uAdmin, "admin", cCheck, "history checkout")
	if !strings.Contains(hist.Text, "<@"+uAdmin+"> made <@"+uJules+"> Product Owner of Checkout") {
		t.Errorf("history = %q", hist.Text)
	}
	// The admin check is cached: one users.info for all of that.
	infos := 0
	for _, c := range h.fake.Calls("users.info") {
		if c.Params["user"] == uAdmin {
			infos++
		}
	}
	if infos != 1 {
		t.Errorf("users.info for the admin called %d times, want 1 (cached)", infos)
	}
	// Reading needs no rights and no look-up.
	before := len(h.fake.Calls("users.info"))
	if r := h.command(uPriya, "priya", cCheck, "show checkout"); !strings.Contains(r.Text, "Checkout") {
		t.Errorf("show = %+v", r)
	}
	if len(h.fake.Calls("users.info")) != before {
		t.Error("show looked the user up; only refused commands should")
	}
	if got := h.counter("whoowns_commands_total", "verb", "set", "outcome", "forbidden"); got != 1 {
		t.Errorf("forbidden set commands counted %v, want 1", got)
	}
}

func TestSlashCommandReplies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		name, user, text string
		check            func(t *testing.T, r commandReply)
	}{
		{"ask renders an answer with buttons", uJules, "ask who writes the acceptance criteria?", func(t *testing.T, r commandReply) {
			if len(r.Blocks) == 0 || !strings.Contains(r.Text, "<@"+uMarco+">") {
				t.Errorf("ask reply = %+v", r)
			}
		}},
		{"help", uJules, "", func(t *testing.T, r commandReply) {
			if !strings.Contains(r.Text, "/whoowns") {
				t.Errorf("help = %q", r.Text)
			}
		}},
		{"bad command gets the core's message", uLead, "frobnicate everything", func(t *testing.T, r commandReply) {
			if !strings.Contains(r.Text, "frobnicate") || !strings.Contains(r.Text, "/whoowns help") {
				t.Errorf("error reply = %q", r.Text)
			}
		}},
		{"unknown team", uLead, "show nosuchteam", func(t *testing.T, r commandReply) {
			if r.ResponseType != "ephemeral" || r.Text == "" {
				t.Errorf("reply = %+v", r)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, h.command(tc.user, strings.ToLower(tc.user), cCheck, tc.text))
		})
	}
	// A lead's onboard is delivered by DM.
	r := h.command(uLead, "lead", cCheck, "onboard <@U03JULES|jules> checkout")
	if !strings.Contains(r.Text, "welcome") {
		t.Errorf("onboard reply = %q", r.Text)
	}
	c := h.fake.WaitCall(t, "chat.postMessage", wait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+uJules })
	if !strings.Contains(c.AllText(), "Welcome") || !strings.Contains(c.AllText(), "<@"+uMarco+">") {
		t.Errorf("welcome DM = %q", c.AllText())
	}
}
