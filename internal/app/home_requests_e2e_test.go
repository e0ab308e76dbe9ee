package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// A lead's App Home lists the pending requests with Approve and Decline;
// a click decides it through the request messages' own handler (the lead
// checked from Slack's signed payload), shows the outcome in a modal and
// publishes the home again without the request. A non-lead's click
// changes nothing.
func TestSlackE2EHomeRequests(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	tenant := ownership.TenantID("slack:" + e2eTeam)
	mustContain(t, "claim", a.command(pNobody, "nobody", "claim po checkout"), "asked the leads")
	d, err := a.app.Store().Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 1 {
		t.Fatalf("requests %+v, %v", d.Requests, err)
	}
	id := d.Requests[0].ID

	a.event("EvHomeR1", homeOpened(pLead))
	blocks := w.homeView(pLead, 1)
	raw, _ := json.Marshal(blocks)
	mustContain(t, "lead's home", string(raw), "1 pending request", "Waiting for a lead's decision", "nobody says they are the new Product Owner of Checkout",
		`"action_id":"req_approve:`+id+`"`, `"action_id":"req_decline:`+id+`"`)
	click := func(user, action, ts string) {
		a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
			"container":  map[string]any{"type": "view", "view_id": "VH" + e2eTeam + user},
			"view":       map[string]any{"id": "VH" + e2eTeam + user, "type": "home"},
			"trigger_id": w.fake.Trigger(e2eTeam, user),
			"actions":    []map[string]any{{"action_id": action + ":" + id, "block_id": "request:" + id, "type": "button", "value": id, "action_ts": ts}}})
	}
	click(pNobody, "req_approve", "1.1")
	refused := w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return strings.Contains(c.Params["view"], "Only leads") })
	if refused.Params["view"] == "" {
		t.Fatal("no refusal")
	}
	click(pLead, "req_approve", "1.2")
	w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return strings.Contains(c.Params["view"], "Approved") })
	after := w.homeView(pLead, 2)
	raw, _ = json.Marshal(after)
	if strings.Contains(string(raw), "req_approve") {
		t.Errorf("the decided request is still on the home: %s", raw)
	}
	d, err = a.app.Store().Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 0 || d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID != pNobody {
		t.Fatalf("after approval: requests %+v, PO %+v, %v", d.Requests, d.Teams["checkout"].Roles[ownership.ProductOwner], err)
	}
}

// The Teams home card lists the pending requests with Approve and
// Decline; a lead's click decides it and the card shows the outcome over
// the home without the request.
func TestTeamsE2EHomeRequests(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	if _, _, err := ownership.CreateRequest(context.Background(), w.store, tenant,
		ownership.Request{Kind: ownership.ClaimRole, Team: "checkout", Role: ownership.ProductOwner, From: e2eCarol}, time.Now()); err != nil {
		t.Fatal(err)
	}
	d, err := w.store.Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 1 {
		t.Fatalf("requests %+v, %v", d.Requests, err)
	}
	id := d.Requests[0].ID
	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	mustContain(t, "lead's home card", cardText(home), "Waiting for a lead's decision", "Carol")
	var titles []string
	for _, e := range home.out.Attachments[0].Content.Body {
		for _, act := range e.Actions {
			if act.Data["req"] == id {
				titles = append(titles, act.Title)
			}
		}
	}
	if strings.Join(titles, "|") != "Approve|Decline" {
		t.Fatalf("request buttons %q", titles)
	}
	w.post(w.submitCard("h2", e2eLead, home, map[string]any{"whoowns": "decide", "req": id, "approve": false, "home": true}))
	u := w.next("update")
	if !strings.Contains(u.out.Text, "Declined") || strings.Contains(cardText(u), "Waiting for a lead's decision") || !strings.Contains(cardText(u), "Who owns what") {
		t.Fatalf("after the decision: %q\n%s", u.out.Text, cardText(u))
	}
	d, err = w.store.Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 0 {
		t.Fatalf("requests left %+v, %v", d.Requests, err)
	}
}
