package app

import (
	"context"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
)

// personalSubmit is a card button's Action.Submit from user in their
// personal chat with the bot, clicked on the bot's message card.
func (w *teamsWorld) personalSubmit(id string, from ownership.Person, card string, value map[string]any) map[string]any {
	return map[string]any{
		"type": "message", "id": id, "channelId": "msteams", "serviceUrl": w.serviceURL(), "replyToId": card,
		"from":         map[string]any{"id": from.ID, "name": from.Name, "aadObjectId": "aad-" + from.ID},
		"recipient":    map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": "a:personal-" + from.ID, "conversationType": "personal", "tenantId": e2eTenant},
		"channelData":  map[string]any{"tenant": map[string]any{"id": e2eTenant}},
		"value":        value,
	}
}

// notice reads the opening of a personal chat with user and the card sent
// there.
func (w *teamsWorld) notice(user ownership.Person) teamsCall {
	w.t.Helper()
	c := w.next("create")
	if len(c.out.Members) != 1 || c.out.Members[0].ID != user.ID {
		w.t.Fatalf("personal chat opened with %+v, want %s", c.out.Members, user.ID)
	}
	s := w.next("send")
	if s.conversation != "a:personal-"+user.ID {
		w.t.Fatalf("notice for %s sent to %q", user.ID, s.conversation)
	}
	return s
}

func (w *teamsWorld) role(team string, r ownership.Role) ownership.Assignment {
	w.t.Helper()
	d, err := w.store.Directory(context.Background(), ownership.TenantID("teams:"+e2eTenant))
	if err != nil {
		w.t.Fatal(err)
	}
	return d.Teams[team].Roles[r]
}

// TestTeamsE2EHandoverApprovedAndMemberLeft: on Teams, the holder's
// handover reaches the lead as a card with Approve and Decline; a
// non-lead's forged Approve changes nothing; the lead's approval changes the
// role, is announced in the linked channel and told to both people. A
// member who leaves the Microsoft Teams team keeps their role, flagged for
// review, and the lead is told once.
func TestTeamsE2EHandoverApprovedAndMemberLeft(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)

	w.post(w.say("h1", e2eBob, "handover po <at>Carol</at> checkout", e2eCarol))
	if r := w.private(e2eBob, "h1"); !strings.Contains(r.out.Text, "asked the leads") {
		t.Fatalf("handover reply %q", r.out.Text)
	}
	n := w.notice(e2eLead)
	if !strings.Contains(n.out.cardText(), "<at>Bob Baker</at> wants to hand over the Product Owner role of **Checkout** to <at>Carol Chen</at>") {
		t.Fatalf("lead's card:\n%s", n.out.cardText())
	}
	acts := n.out.Attachments[0].Content.Actions
	if len(acts) != 2 || acts[0].Title != "Approve" || acts[0].Data["whoowns"] != "decide" || acts[0].Data["req"] == "" {
		t.Fatalf("lead's card actions %+v", acts)
	}
	approve := acts[0].Data

	w.post(w.personalSubmit("f1", e2eAlice, n.posted, approve)) // forged: Alice is no lead
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged approval answered %q", r.out.Text)
	}
	if po := w.role("checkout", ownership.ProductOwner); po.Person.ID != e2eBob.ID {
		t.Fatalf("a forged approval changed the PO to %v", po.Person)
	}

	w.post(w.personalSubmit("a1", e2eLead, n.posted, approve))
	if u := w.next("update"); u.activity != n.posted || !strings.Contains(u.out.Text, "Approved: <at>Carol Chen</at> is now Product Owner of **Checkout**") {
		t.Fatalf("approval shown as %q on %s", u.out.Text, u.activity)
	}
	if a := w.next("send"); a.conversation != e2eChannel || !strings.Contains(a.out.Text, "<at>Bob Baker</at> handed over the Product Owner role of Checkout to <at>Carol Chen</at> (approved by <at>Lena Lead</at>)") {
		t.Fatalf("announcement %q in %q", a.out.Text, a.conversation)
	}
	if r := w.notice(e2eBob); !strings.Contains(r.out.Text, "approved your request") {
		t.Fatalf("requester told %q", r.out.cardText())
	}
	if r := w.notice(e2eCarol); !strings.Contains(r.out.Text, "You are now the Product Owner of Checkout") {
		t.Fatalf("successor told %q", r.out.cardText())
	}
	if po := w.role("checkout", ownership.ProductOwner); po.Person.ID != e2eCarol.ID || po.AssignedBy.ID != e2eLead.ID {
		t.Fatalf("after approval the PO is %+v", po)
	}

	left := map[string]any{
		"type": "conversationUpdate", "id": "f:left-1", "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"recipient": map[string]any{"id": e2eBotID, "name": "whoowns"},
		// Teams tells of a member leaving in the team's General channel,
		// not in the channel linked to Checkout.
		"conversation":   map[string]any{"id": e2eMSTeam, "conversationType": "channel", "isGroup": true, "tenantId": e2eTenant},
		"channelData":    map[string]any{"tenant": map[string]any{"id": e2eTenant}, "eventType": "teamMemberRemoved", "team": map[string]any{"id": e2eMSTeam, "name": "Product"}},
		"membersRemoved": []map[string]any{{"id": e2eAlice.ID, "aadObjectId": "aad-alice"}},
	}
	w.post(left)
	w.post(left)
	w.next("channels") // the team's channels, to find the linked one
	if r := w.notice(e2eLead); !strings.Contains(r.out.cardText(), "Alice Archer left the Microsoft Teams team Product") || !strings.Contains(r.out.cardText(), "Product Manager of **Checkout**") {
		t.Fatalf("lead told %q", r.out.cardText())
	}
	pm := w.role("checkout", ownership.ProductManager)
	if pm.Person.ID != e2eAlice.ID || pm.Flagged == nil {
		t.Errorf("PM after Alice left the Teams team = %+v, want still Alice, flagged", pm)
	}
	if more := w.drain(); len(more) != 0 {
		t.Fatalf("after the lead's one notice the bot also made %d calls: %+v", len(more), more)
	}
}

// TestTeamsE2EDepartureFillInOneClick: when someone who holds a role
// leaves the Microsoft Teams team, the lead's notice is a card with Teams'
// people picker and a button, as Slack's deactivation notice has a user
// picker: the pick (an Azure AD object id, looked up in the team's roster)
// makes the person the holder, announced in the linked channel, and the
// card shows it in place. A non-lead's forged click changes nothing.
func TestTeamsE2EDepartureFillInOneClick(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(map[string]any{
		"type": "conversationUpdate", "id": "f:left-1", "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"recipient":      map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation":   map[string]any{"id": e2eChannel, "conversationType": "channel", "isGroup": true, "tenantId": e2eTenant},
		"channelData":    map[string]any{"tenant": map[string]any{"id": e2eTenant}, "eventType": "teamMemberRemoved", "team": map[string]any{"id": e2eMSTeam, "name": "Product"}},
		"membersRemoved": []map[string]any{{"id": e2eAlice.ID, "aadObjectId": "aad-" + e2eAlice.ID}},
	})
	w.next("channels")
	n := w.notice(e2eLead)
	mustContain(t, "lead's departure card", n.out.cardText(), "Alice Archer left the Microsoft Teams team Product", "Product Manager of **Checkout**",
		"pick who takes over", "“@whoowns set pm @person Checkout”")
	if len(n.out.Attachments) != 1 {
		t.Fatalf("departure notice without a card: %q", n.out.Text)
	}
	card := n.out.Attachments[0].Content
	var picker bool
	for _, b := range card.Body {
		if b.Type == "Input.ChoiceSet" && b.ID == "person" && b.ChoicesData != nil && b.ChoicesData.Type == "Data.Query" && b.ChoicesData.Dataset == "graph.microsoft.com/users" {
			picker = true
		}
	}
	if !picker || len(card.Actions) != 1 || card.Actions[0].Data["whoowns"] != "fill" || card.Actions[0].Title != "Make them Product Manager" {
		t.Fatalf("departure card: picker %v, actions %+v", picker, card.Actions)
	}
	click := func(id string, from ownership.Person, person string) map[string]any {
		v := map[string]any{"person": person}
		for k, x := range card.Actions[0].Data {
			v[k] = x
		}
		return w.personalSubmit(id, from, n.posted, v)
	}

	w.post(click("x1", e2eCarol, "aad-"+e2eCarol.ID)) // forged: Carol is no lead
	if c := w.next("member"); c.conversation != e2eMSTeam {
		t.Fatalf("the pick was looked up in %q, want the team's roster", c.conversation)
	}
	if r := w.next("reply"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("forged fill answered %q", r.out.Text)
	}
	if pm := w.role("checkout", ownership.ProductManager); pm.Person.ID != e2eAlice.ID {
		t.Fatalf("a forged fill made %v PM", pm.Person)
	}

	w.post(click("c1", e2eLead, "aad-"+e2eCarol.ID))
	w.next("member")
	if u := w.next("update"); u.activity != n.posted || !strings.Contains(u.out.Text, "Done: <at>Carol Chen</at> is now Product Manager of **Checkout**") {
		t.Fatalf("fill shown as %q on %s", u.out.Text, u.activity)
	}
	if a := w.next("send"); a.conversation != e2eChannel || !strings.Contains(a.out.Text, "<at>Lena Lead</at> made <at>Carol Chen</at> Product Manager of Checkout") {
		t.Fatalf("announcement %q in %q", a.out.Text, a.conversation)
	}
	if pm := w.role("checkout", ownership.ProductManager); pm.Person.ID != e2eCarol.ID || pm.Flagged != nil || pm.AssignedBy.ID != e2eLead.ID {
		t.Fatalf("after the fill the PM is %+v", pm)
	}
	if more := w.drain(); len(more) != 0 {
		t.Fatalf("after the fill the bot also made %d calls: %+v", len(more), more)
	}
}
