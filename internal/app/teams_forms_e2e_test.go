package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// submitCard is an Action.Submit on the card the bot posted as c, in from's
// personal chat: the button's data with the card's inputs merged in.
func (w *teamsWorld) submitCard(id string, from ownership.Person, c teamsCall, value map[string]any) map[string]any {
	act := w.dm(id, from, "")
	delete(act, "text")
	delete(act, "entities")
	if c.posted != "" {
		act["replyToId"] = c.posted
	}
	act["value"] = value
	return act
}

func cardText(c teamsCall) string {
	var b strings.Builder
	b.WriteString(c.out.Text)
	for _, a := range c.out.Attachments {
		for _, e := range a.Content.Body {
			b.WriteString("\n" + e.Text)
		}
	}
	return b.String()
}

// TestTeamsE2ELeadEditsTeamInACardForm: in the personal chat a lead's home
// card has Manage; Edit team opens a form on the same card; submitting it
// with Carol picked as PO (the people picker's id, looked up with the Bot
// Connector) changes the PO, announces it in the team's channel like the
// command, and updates the card in place. An end in the past comes back on
// the same card; a non-lead's forged submission changes nothing.
func TestTeamsE2ELeadEditsTeamInACardForm(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)

	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	mustContain(t, "lead's home card", cardText(home), "For leads:", "Manage")

	w.post(w.submitCard("f1", e2eLead, home, map[string]any{"whoowns": "form", "form": "edit", "team": "checkout"}))
	form := w.next("update")
	mustContain(t, "edit form", cardText(form), "Edit team: Checkout")

	// A non-lead's forged save changes nothing.
	w.post(w.submitCard("x1", e2eCarol, form, map[string]any{"whoowns": "save", "form": "edit", "team": "checkout", "name": "Checkout", "role:product_owner": e2eCarol.ID}))
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged save answered %q", r.out.Text)
	}
	if po := w.checkoutPO(); po != e2eBob.ID {
		t.Fatalf("a non-lead's form made %s PO", po)
	}

	// A cover ending in the past comes back on the same card.
	w.post(w.submitCard("f2", e2eLead, form, map[string]any{"whoowns": "save", "form": "cover", "team": "checkout", "role": "product_owner",
		"person": e2eCarol.ID, "date": "2020-01-01", "time": "10:00"}))
	if c := w.next("member"); c.kind != "member" {
		t.Fatal(c.kind)
	}
	if u := w.next("update"); !strings.Contains(cardText(u), "in the past") {
		t.Fatalf("cover error card: %s", cardText(u))
	}

	w.post(w.submitCard("f3", e2eLead, form, map[string]any{"whoowns": "save", "form": "edit", "team": "checkout", "name": "Checkout", "role:product_owner": e2eCarol.ID}))
	w.next("member")
	done := w.next("update")
	mustContain(t, "updated card", done.out.Text, "Product Owner of")
	ann := w.next("send")
	if ann.conversation != e2eChannel || !strings.Contains(ann.out.Text, "Product Owner of Checkout") {
		t.Fatalf("announcement %q in %s", ann.out.Text, ann.conversation)
	}
	if po := w.checkoutPO(); po != e2eCarol.ID {
		t.Fatalf("PO is %s", po)
	}
}

// TestTeamsE2EMemberSuggestsAChange: a member's home card offers "Suggest a
// change"; the text goes to the lead in their personal chat.
func TestTeamsE2EMemberSuggestsAChange(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.dm("h1", e2eCarol, "home"))
	home := w.next("reply")
	mustContain(t, "member's home card", cardText(home), "Something out of date?")
	w.post(w.submitCard("s1", e2eCarol, home, map[string]any{"whoowns": "suggest", "team": "checkout", "what": "Bob moved to Payments"}))
	if c := w.next("create"); len(c.out.Members) != 1 || c.out.Members[0].ID != e2eLead.ID {
		t.Fatalf("personal chat opened with %+v", c.out.Members)
	}
	dm := w.next("send")
	mustContain(t, "lead's message", dm.out.Text, "Carol", "Checkout", "Bob moved to Payments")
	mustContain(t, "member's card", w.next("update").out.Text, "Sent to the leads (1)")
}

// directory reads the Teams tenant's directory.
func (w *teamsWorld) directory() *ownership.Directory {
	w.t.Helper()
	d, err := w.store.Directory(context.Background(), ownership.TenantID("teams:"+e2eTenant))
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// TestTeamsE2ELeadEditsAliases: the Edit team card's aliases field (comma-
// separated) sets the team's other names; another team's name comes back
// next to the field on the same card and changes nothing.
func TestTeamsE2ELeadEditsAliases(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	if _, _, err := w.store.Update(context.Background(), ownership.TenantID("teams:"+e2eTenant), func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments"}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "payments"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	w.post(w.submitCard("f1", e2eLead, home, map[string]any{"whoowns": "form", "form": "edit", "team": "checkout"}))
	form := w.next("update")
	w.post(w.submitCard("f2", e2eLead, form, map[string]any{"whoowns": "save", "form": "edit", "team": "checkout", "name": "Checkout", "aliases": "Cart, Payments"}))
	if u := w.next("update"); !strings.Contains(cardText(u), "already names the team Payments") {
		t.Fatalf("conflict card: %s", cardText(u))
	}
	if got := w.directory().Teams["checkout"].Aliases; len(got) != 0 {
		t.Fatalf("a refused form added %v", got)
	}
	w.post(w.submitCard("f3", e2eLead, form, map[string]any{"whoowns": "save", "form": "edit", "team": "checkout", "name": "Checkout", "aliases": "Cart, Basket"}))
	mustContain(t, "updated card", w.next("update").out.Text, "also known as")
	if got := w.directory().Teams["checkout"].Aliases; strings.Join(got, "|") != "Cart|Basket" {
		t.Fatalf("aliases %v", got)
	}
	if ann := w.next("send"); ann.conversation != e2eChannel || !strings.Contains(ann.out.Text, "added the alias") {
		t.Fatalf("announcement %q in %s", ann.out.Text, ann.conversation)
	}
}

// TestTeamsE2ELeadCreatesAndDeletesATeamAndEditsLeads: the home card's
// Manage has New team, Delete team and Leads. New team creates the team
// with its PO picked in the people picker (looked up with the Bot
// Connector), a name already taken comes back on the same card; Delete
// team asks first and deletes on Delete; Leads adds the person picked and
// removes a cleared box. A non-lead's forged save changes nothing.
func TestTeamsE2ELeadCreatesAndDeletesATeamAndEditsLeads(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	var titles []string
	for _, b := range home.out.Attachments[0].Content.Body {
		for _, a := range b.Actions {
			titles = append(titles, a.Title)
		}
	}
	mustContain(t, "Manage buttons", strings.Join(titles, "|"), "New team", "Delete team", "Leads")

	// New team.
	w.post(w.submitCard("n1", e2eLead, home, map[string]any{"whoowns": "form", "form": "new"}))
	form := w.next("update")
	mustContain(t, "new team form", cardText(form), "New team")
	w.post(w.submitCard("n2", e2eLead, form, map[string]any{"whoowns": "save", "form": "new", "name": "checkout"}))
	if u := w.next("update"); !strings.Contains(cardText(u), "already") {
		t.Fatalf("taken name card: %s", cardText(u))
	}
	w.post(w.submitCard("x1", e2eCarol, form, map[string]any{"whoowns": "save", "form": "new", "name": "Forged"}))
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged new team answered %q", r.out.Text)
	}
	w.post(w.submitCard("n3", e2eLead, form, map[string]any{"whoowns": "save", "form": "new", "name": "Mobile App", "aliases": "Apps",
		"role:product_owner": "aad-carol"}))
	if c := w.next("member"); c.kind != "member" {
		t.Fatal(c.kind)
	}
	mustContain(t, "created card", w.next("update").out.Text, "Mobile App")
	d := w.directory()
	mob := d.Team("Mobile App")
	if mob == nil || d.Team("Forged") != nil || mob.Roles[ownership.ProductOwner].Person.ID != "aad-carol" || strings.Join(mob.Aliases, ",") != "Apps" {
		t.Fatalf("teams after New team: %+v", d.Teams)
	}

	// Delete team asks first; Cancel keeps it, Delete deletes it.
	w.post(w.submitCard("d1", e2eLead, home, map[string]any{"whoowns": "form", "form": "delete", "team": mob.ID}))
	confirm := w.next("update")
	mustContain(t, "delete confirmation", cardText(confirm), "Delete **Mobile App**?", "history keeps a copy")
	w.post(w.submitCard("d2", e2eLead, confirm, map[string]any{"whoowns": "cancel", "form": "delete"}))
	mustContain(t, "cancelled", w.next("update").out.Text, "Nothing changed")
	if w.directory().Team("Mobile App") == nil {
		t.Fatal("Cancel deleted the team")
	}
	w.post(w.submitCard("x2", e2eCarol, confirm, map[string]any{"whoowns": "save", "form": "delete", "team": mob.ID}))
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged delete answered %q", r.out.Text)
	}
	w.post(w.submitCard("d3", e2eLead, confirm, map[string]any{"whoowns": "save", "form": "delete", "team": mob.ID}))
	mustContain(t, "deleted card", w.next("update").out.Text, "Mobile App")
	if w.directory().Team("Mobile App") != nil {
		t.Fatal("the team is still there")
	}

	// Leads: add Alice (picked by her Azure AD id), then clear her box.
	w.post(w.submitCard("l1", e2eLead, home, map[string]any{"whoowns": "form", "form": "leads"}))
	leads := w.next("update")
	mustContain(t, "leads form", cardText(leads), "Leads")
	w.post(w.submitCard("l2", e2eLead, leads, map[string]any{"whoowns": "save", "form": "leads", "add": "aad-alice"}))
	w.next("member")
	w.next("update")
	if got := w.directory().Leads; len(got) != 1 || got[0].ID != "aad-alice" {
		t.Fatalf("leads after adding: %+v", got)
	}
	w.post(w.submitCard("l3", e2eLead, leads, map[string]any{"whoowns": "save", "form": "leads", "leads": ""}))
	w.next("update")
	if got := w.directory().Leads; len(got) != 0 {
		t.Fatalf("leads after clearing the box: %+v", got)
	}
}

// queueItems maps each question of an Unanswered card to its Dismiss
// button's item.
func queueItems(c teamsCall) map[string]string {
	out := map[string]string{}
	last := ""
	for _, a := range c.out.Attachments {
		for _, e := range a.Content.Body {
			if strings.HasPrefix(e.Text, "“") {
				last = e.Text
			}
			for _, act := range e.Actions {
				if act.Data["whoowns"] == "dismiss" {
					out[last], _ = act.Data["item"].(string)
				}
			}
		}
	}
	return out
}

func (w *teamsWorld) queued() []string {
	w.t.Helper()
	qs, err := w.store.Unanswered(context.Background(), ownership.TenantID("teams:"+e2eTenant), 100)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, q := range qs {
		out = append(out, q.Text)
	}
	return out
}

// TestTeamsE2ELeadWorksTheUnansweredCard: the lead's home card opens the
// Unanswered card in place, where a question asked twice is listed once.
// A non-lead's forged Dismiss changes nothing; the lead's takes both asks
// off the queue and updates the card in place; Teach… opens a card with
// the question prefilled and a missing topic comes back on it; Clear
// empties the queue; dismissals and clears are in the history.
func TestTeamsE2ELeadWorksTheUnansweredCard(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	for i, q := range []string{"who feeds the office goldfish on weekends?", "Who feeds the office goldfish on weekends", "who waters the office plants?"} {
		id := fmt.Sprintf("q%d", i)
		w.post(w.say(id, e2eCarol, q))
		if r := w.next("reply"); r.activity != id || !strings.Contains(r.out.cardText(), "don't know") {
			t.Fatalf("%q answered %q", q, r.out.cardText())
		}
	}

	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	opens := false
	for _, e := range home.out.Attachments[0].Content.Body {
		for _, a := range e.Actions {
			opens = opens || (a.Title == "Unanswered questions" && a.Data["form"] == "unanswered")
		}
	}
	if !opens {
		t.Fatalf("the lead's home card has no Unanswered questions button: %s", cardText(home))
	}
	w.post(w.submitCard("f1", e2eLead, home, map[string]any{"whoowns": "form", "form": "unanswered"}))
	list := w.next("update")
	mustContain(t, "unanswered card", cardText(list), "Unanswered questions", "goldfish", "asked 2 times", "office plants")
	items := queueItems(list)
	goldfish, plants := items["“Who feeds the office goldfish on weekends”"], items["“who waters the office plants?”"]
	if goldfish == "" || plants == "" {
		t.Fatalf("Dismiss buttons %v", items)
	}

	w.post(w.submitCard("x1", e2eCarol, home, map[string]any{"whoowns": "dismiss", "item": goldfish}))
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged dismiss answered %q", r.out.Text)
	}
	if q := w.queued(); len(q) != 3 {
		t.Fatalf("queue after a non-lead's dismiss: %q", q)
	}

	w.post(w.submitCard("d1", e2eLead, home, map[string]any{"whoowns": "dismiss", "item": goldfish}))
	after := cardText(w.next("update"))
	mustContain(t, "card after dismiss", after, "Dismissed “Who feeds the office goldfish on weekends” (asked 2 times)", "office plants")
	if strings.Count(after, "goldfish") != 1 {
		t.Errorf("the dismissed question is still listed:\n%s", after)
	}
	if q := w.queued(); len(q) != 1 {
		t.Errorf("queue after dismiss = %q", q)
	}
	w.post(w.submitCard("d2", e2eLead, home, map[string]any{"whoowns": "dismiss", "item": goldfish}))
	mustContain(t, "stale dismiss", cardText(w.next("update")), "no longer in the queue", "office plants")

	w.post(w.submitCard("t1", e2eLead, home, map[string]any{"whoowns": "form", "form": "teach", "item": plants}))
	mustContain(t, "teach card", cardText(w.next("update")), "Teach me a question", "who waters the office plants?")
	w.post(w.submitCard("t2", e2eLead, home, map[string]any{"whoowns": "save", "form": "teach", "item": plants, "phrase": "who waters the office plants?", "topic": ""}))
	mustContain(t, "teach without a topic", cardText(w.next("update")), "Teach me a question", "Pick a topic.")
	if q := w.queued(); len(q) != 1 {
		t.Errorf("queue after a refused teach = %q", q)
	}

	w.post(w.say("q9", e2eCarol, "who tunes the office piano?"))
	w.next("reply")
	w.post(w.submitCard("c1", e2eLead, home, map[string]any{"whoowns": "clear"}))
	mustContain(t, "card after clear", cardText(w.next("update")), "Cleared the queue: took off 2 questions.", "No unanswered questions")
	if q := w.queued(); len(q) != 0 {
		t.Errorf("queue after clear = %q", q)
	}

	w.post(w.dm("hist", e2eLead, "history"))
	mustContain(t, "history", w.next("reply").out.Text, "dismissed the unanswered question “Who feeds the office goldfish on weekends” (asked 2 times)",
		"cleared the unanswered queue: 2 questions")
}

// TestTeamsE2EManageOnALeadsAnswer: an answer to a lead's question in a
// channel carries Manage; a lead's click sends their home card, with
// Manage and the answer's team picked, to their personal chat, and leaves
// the answer as it is; anyone else who clicks it is told privately that
// it is for leads.
func TestTeamsE2EManageOnALeadsAnswer(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.say("q1", e2eLead, "who writes the acceptance criteria?"))
	ans := w.next("reply")
	var manage map[string]any
	for _, a := range ans.out.Attachments[0].Content.Actions {
		if a.Title == "Manage" {
			manage = a.Data
		}
	}
	if manage == nil || manage["team"] != "checkout" {
		t.Fatalf("a lead's answer has no Manage: %+v", ans.out.Attachments[0].Content.Actions)
	}
	w.post(w.say("q2", e2eCarol, "who writes the acceptance criteria?"))
	for _, a := range w.next("reply").out.Attachments[0].Content.Actions {
		if a.Title == "Manage" {
			t.Fatal("a member's answer has Manage")
		}
	}
	click := func(id string, from ownership.Person) map[string]any {
		act := w.say(id, from, "")
		delete(act, "text")
		delete(act, "entities")
		act["replyToId"] = ans.posted
		act["value"] = manage
		return act
	}
	// Told in the personal chat, without a note in the channel.
	told := func(user ownership.Person) teamsCall {
		t.Helper()
		if c := w.next("create"); len(c.out.Members) != 1 || c.out.Members[0].ID != user.ID {
			t.Fatalf("personal chat opened with %+v, want %s", c.out.Members, user.ID)
		}
		s := w.next("send")
		if s.conversation != "a:personal-"+user.ID {
			t.Fatalf("sent to %s", s.conversation)
		}
		return s
	}
	w.post(click("c1", e2eCarol))
	mustContain(t, "non-lead's note", told(e2eCarol).out.Text, "Manage is for leads")
	w.post(click("c2", e2eLead))
	home := told(e2eLead)
	mustContain(t, "lead's home card", cardText(home), "For leads:", "Manage")
	var picked bool
	for _, b := range home.out.Attachments[0].Content.Body {
		picked = picked || (b.ID == "team" && b.Value == "checkout")
	}
	if !picked {
		t.Errorf("the answer's team is not picked in Manage: %s", cardText(home))
	}
	w.quiet()
}
