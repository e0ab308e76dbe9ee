package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// End-to-end tests of markup safety: names and questions people type reach
// Slack and Teams as text, never as a ping, a broadcast, a mention or a link.

// slackMarkup returns what Slack reads as mrkdwn in a call: its text
// parameter and every mrkdwn text object of its blocks (or view). plain_text
// objects are shown as typed and are left out.
func slackMarkup(c fakeslack.Call) []string {
	out := []string{c.Params["text"]}
	raw := c.Params["blocks"]
	if v := c.Params["view"]; v != "" {
		var view struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if json.Unmarshal([]byte(v), &view) == nil {
			raw = string(view.Blocks)
		}
	}
	var blocks any
	_ = json.Unmarshal([]byte(raw), &blocks)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				s, _ := x["text"].(string)
				out = append(out, s)
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(blocks)
	return out
}

// slackUnsafe reports markup in mrkdwn s that no typed value made: every
// "<" must open a mention of a user in users or a channel link.
func slackUnsafe(s string, users ...string) error {
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<!subteam^", "<http", "<!"} {
		if strings.Contains(s, bad) {
			return fmt.Errorf("contains %s", bad)
		}
	}
	rest := s
	for _, u := range users {
		rest = strings.ReplaceAll(rest, "<@"+u+">", "")
	}
	for {
		i := strings.Index(rest, "<#C")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 || strings.ContainsAny(rest[i+1:i+j], "|<") {
			return fmt.Errorf("a malformed channel link in %q", rest[i:])
		}
		rest = rest[:i] + rest[i+j+1:]
	}
	if i := strings.IndexAny(rest, "<>"); i >= 0 {
		return fmt.Errorf("a %q that is not a typed mention or channel link", rest[i])
	}
	return nil
}

// TestSlackE2EHostileNamesStayText: a lead creates a team called
// "<!channel>" (what Slack sends for a typed @channel) with a slash command,
// links a channel, names an owner whose display name is "@everyone"; a
// question holding a labelled link lands in the unanswered queue. Every
// later answer, announcement, command reply and the App Home carry those
// as escaped text: no broadcast, no link.
func TestSlackE2EHostileNamesStayText(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddChannel(fakeslack.Channel{ID: "C0HOSTILE", Name: "hostile", TeamID: e2eTeam})
	w.fake.AddChannel(fakeslack.Channel{ID: chCheck, Name: "checkout", TeamID: e2eTeam})
	w.fake.AddUser(fakeslack.User{ID: "U0EVIL", Name: "<!here>"})
	a := w.start("")

	mustContain(t, "create", a.lead("team create <!channel>"), "Created the team *&lt;!channel&gt;*")
	mustContain(t, "link", a.lead("channel <#C0HOSTILE|hostile> <!channel>"), "Linked <#C0HOSTILE> to *&lt;!channel&gt;*")
	mustContain(t, "set", a.lead("set po <@U0EVIL|@everyone> <!channel>"), "<@U0EVIL>")
	set := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "C0HOSTILE" && strings.Contains(c.Params["text"], "Product Owner")
	})
	mustContain(t, "announcement", set.Params["text"], "Product Owner of &lt;!channel&gt;")

	a.event("EvHostileQ", e2eMention(pJules, "C0HOSTILE", "1700000100.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn("C0HOSTILE", "1700000100.000001")
	mustContain(t, "answer", ans.AllText(), "<@U0EVIL>", "*&lt;!channel&gt;*")

	a.event("EvHostileU", e2eMention(pJules, chCheck, "1700000101.000001", "who fixes the <https://evil.example|Re-verify your SSO> coffee machine"))
	unk := w.answerIn(chCheck, "1700000101.000001")
	mustContain(t, "unknown", unk.AllText(), "I don't know")
	mustContain(t, "unanswered", a.lead("unanswered"), "&lt;https://evil.example|Re-verify your SSO&gt;")
	mustContain(t, "teams", a.lead("teams"), "&lt;!channel&gt;")
	mustContain(t, "history", a.lead("history <!channel>"), "created the team &lt;!channel&gt;")
	a.event("EvHome", map[string]any{"type": "app_home_opened", "user": pLead, "channel": "D0LEAD", "tab": "home", "event_ts": "1700000102.000001"})
	home := w.fake.WaitCall(t, "views.publish", e2eWait, func(c fakeslack.Call) bool { return c.Params["user_id"] == pLead })
	mustContain(t, "home", strings.Join(slackMarkup(home), "\n"), "&lt;https://evil.example|Re-verify your SSO&gt;", "&lt;!channel&gt;")

	// Deleting the team announces in its channel, still as text.
	a.lead("team delete <!channel>")
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "C0HOSTILE" && strings.Contains(c.Params["text"], "deleted")
	})
	a.sentinel("H")

	users := []string{pPriya, pMarco, pJules, pLead, "U0EVIL", fakeslack.BotUserID, "U0SENTH"}
	seen := 0
	for _, m := range []string{"chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish"} {
		for _, c := range w.fake.Calls(m) {
			for _, s := range slackMarkup(c) {
				seen++
				if err := slackUnsafe(s, users...); err != nil {
					t.Errorf("%s to %s: %v in %q", m, c.Params["channel"], err, s)
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("only %d texts checked", seen)
	}
}

// teamsUnsafe reports markdown that no typed value made: an <at> without a
// matching entity of a known person, any other "<" or ">", or an unescaped
// "[" or "]" (a link).
func teamsUnsafe(s string, ents []schema.Mention, people map[string]bool) error {
	rest := s
	for _, e := range ents {
		if !people[e.Mentioned.ID] {
			return fmt.Errorf("a mention of %q", e.Mentioned.ID)
		}
		rest = strings.ReplaceAll(rest, e.Text, "")
	}
	if i := strings.IndexAny(rest, "<>"); i >= 0 {
		return fmt.Errorf("a %q that is not a typed mention", rest[i])
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '[' && s[i] != ']' {
			continue
		}
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return fmt.Errorf("an unescaped %q", s[i])
		}
	}
	return nil
}

// TestTeamsE2EHostileNamesStayText: a lead creates a team whose name holds
// an <at> tag, a markdown link and @channel (typed, so Teams sends them
// HTML-escaped), links the channel to it and names an owner; every reply,
// announcement and answer card shows the name as text, and the only <at>
// tags are real mentions with their entities.
func TestTeamsE2EHostileNamesStayText(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	people := map[string]bool{e2eAlice.ID: true, e2eBob.ID: true, e2eCarol.ID: true, e2eLead.ID: true}
	var checked int
	check := func(what string, c teamsCall) {
		t.Helper()
		texts := []string{c.out.Text}
		for _, a := range c.out.Attachments {
			for _, b := range a.Content.Body {
				texts = append(texts, b.Text)
			}
		}
		ents := append(append([]schema.Mention(nil), c.out.Entities...), c.out.cardMentions()...)
		for _, s := range texts {
			checked++
			if err := teamsUnsafe(s, ents, people); err != nil {
				t.Errorf("%s: %v in %q", what, err, s)
			}
		}
	}
	const name = `&lt;at&gt;Boss&lt;/at&gt; [SSO](https://evil.example) @channel`
	w.post(w.say("x1", e2eLead, "team create "+name))
	r := w.private(e2eLead, "x1")
	check("create", r)
	if !strings.Contains(r.out.Text, `Created the team **&lt;at&gt; Boss &lt;/at&gt; \[SSO\](https://evil.example) @channel**`) {
		t.Fatalf("create reply %q", r.out.Text)
	}
	w.post(w.say("x2", e2eLead, "channel here "+name))
	check("link", w.private(e2eLead, "x2"))
	check("link announcement", w.next("send"))
	w.post(w.say("x3", e2eLead, "set po <at>Carol</at> "+name, e2eCarol))
	check("set", w.private(e2eLead, "x3"))
	an := w.next("send")
	check("set announcement", an)
	if !strings.Contains(an.out.Text, `Product Owner of &lt;at&gt; Boss &lt;/at&gt; \[SSO\](https://evil.example) @channel`) {
		t.Fatalf("announcement %q", an.out.Text)
	}
	w.post(w.say("x4", e2eAlice, "who writes the acceptance criteria?"))
	ans := w.next("reply")
	check("answer", ans)
	if !strings.Contains(ans.out.cardText(), "<at>Carol Chen</at>, the Product Owner of **&lt;at&gt; Boss") {
		t.Fatalf("answer card:\n%s", ans.out.cardText())
	}
	w.post(w.say("x5", e2eAlice, "teams"))
	check("teams", w.next("reply"))
	if checked < 10 {
		t.Fatalf("only %d texts checked", checked)
	}
}
