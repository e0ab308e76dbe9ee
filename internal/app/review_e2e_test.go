package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// fastReviews runs the scheduler every second and reviews assignments two
// seconds after they were set or confirmed.
func fastReviews(c *Config) { c.SchedulerTick, c.ReviewAfter = time.Second, 2*time.Second }

// A role set in chat is reviewed once its review period has passed: its
// holder gets one private question across two replicas; "Yes, still me"
// confirms it (audited, no announcement); at the next review "No, hand
// over" asks for the successor with a user picker and opens a handover
// request for a lead.
func TestSlackE2EReview(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.tune = fastReviews
	a := w.start("")
	w.start("")
	tenant := ownership.TenantID("slack:" + e2eTeam)
	mustContain(t, "set reply", a.command(pLead, "morgan", "set po <@"+pJules+"|jules> checkout"), "Done")
	isReview := func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pJules && strings.Contains(c.AllText(), "Are you still the Product Owner of *Checkout*?")
	}
	q := w.fake.WaitCall(t, "chat.postMessage", e2eWait, isReview)
	yes, ok1 := q.Element("review_yes")
	no, ok2 := q.Element("review_no")
	if !ok1 || !ok2 || yes.Text != "Yes, still me" || no.Text != "No, hand over" || yes.Value != "checkout/product_owner" {
		t.Fatalf("review buttons %+v %+v in %s", yes, no, q.AllText())
	}
	review := ownership.Job{Tenant: tenant, Kind: ownership.JobReview, Key: "checkout/product_owner"}
	pollUntil(t, "the review to be done", func() bool {
		_, ok, err := a.app.Store().JobDue(context.Background(), review)
		return err == nil && !ok
	})
	a.sentinel("R")
	count := func() int {
		n := 0
		for _, c := range w.fake.Calls("chat.postMessage") {
			if isReview(c) {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d review questions sent across two replicas, want 1", n)
	}
	// Past its review date, an answer says when the role was last
	// confirmed, and its Why? who set it, when, and the last confirmation.
	a.event("EvStale", e2eDM(pNobody, "1700000600.000001", "who is the PO for checkout?"))
	stale := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pNobody })
	mustContain(t, "the answer past its review", stale.AllText(), "Due for review: last confirmed ", " seconds ago")
	why, ok := stale.Element("why")
	if !ok {
		t.Fatalf("no Why? on %s", stale.AllText())
	}
	mustContain(t, "Why?", why.Value, "was made Product Owner by @morgan on ", "; last confirmed then, when it was set.")
	click := func(user string, act map[string]any, ts string) {
		act["action_ts"] = ts
		a.click(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
			"container": map[string]any{"type": "message", "message_ts": "1700000500.000001", "channel_id": "D" + user}, "channel": map[string]any{"id": "D" + user},
			"message": map[string]any{"ts": "1700000500.000001"}, "response_url": w.fake.ResponseURL("r"), "actions": []any{act},
		})
	}
	// Someone else's click changes nothing and says why.
	click(pNobody, map[string]any{"action_id": "review_yes", "block_id": yes.BlockID, "type": "button", "value": yes.Value}, "2.0")
	refused := w.fake.WaitCall(t, "chat.postEphemeral", e2eWait, func(c fakeslack.Call) bool { return c.Params["user"] == pNobody })
	mustContain(t, "refusal", refused.AllText(), "You are not the Product Owner of Checkout")
	click(pJules, map[string]any{"action_id": "review_yes", "block_id": yes.BlockID, "type": "button", "value": yes.Value}, "2.1")
	upd := w.fake.WaitCall(t, "chat.update", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pJules })
	mustContain(t, "confirmation", upd.AllText(), "still the Product Owner of *Checkout*")
	mustContain(t, "history", a.command(pLead, "morgan", "history checkout"), "confirmed they are still Product Owner of Checkout", "whether they are still Product Owner of Checkout")
	d, err := a.app.Store().Directory(context.Background(), tenant)
	if err != nil || d.Teams["checkout"].Roles[ownership.ProductOwner].ConfirmedAt.IsZero() {
		t.Fatalf("confirmation not recorded: %v", err)
	}
	if n := len(w.postsTo(chCheck, "")); n != 1 { // the set's announcement only
		t.Errorf("%d posts in the team's channel, want only the set's announcement", n)
	}

	// The confirmation starts a new period: at the next review, No.
	pollUntil(t, "the next review", func() bool { return count() == 2 })
	click(pJules, map[string]any{"action_id": "review_no", "block_id": no.BlockID, "type": "button", "value": no.Value}, "3.1")
	pick := w.fake.WaitCall(t, "chat.update", e2eWait, func(c fakeslack.Call) bool { return strings.Contains(c.AllText(), "Who takes over as Product Owner") })
	sel, ok := pick.Element("review_successor")
	if !ok || sel.Type != "users_select" {
		t.Fatalf("no user picker in %s", pick.AllText())
	}
	click(pJules, map[string]any{"action_id": "review_successor", "block_id": sel.BlockID, "type": "users_select", "selected_user": pNobody}, "3.2")
	w.fake.WaitCall(t, "chat.update", e2eWait, func(c fakeslack.Call) bool { return strings.Contains(c.AllText(), "asked the leads to approve") })
	// The leads get the request with Approve and Decline, as for the
	// handover command.
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { _, ok := c.Element("req_approve"); return ok })
	d, err = a.app.Store().Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 1 || d.Requests[0].Kind != ownership.Handover || d.Requests[0].Successor.ID != pNobody || d.Requests[0].From.ID != pJules {
		t.Fatalf("handover request %+v, %v", d.Requests, err)
	}
}

// On Teams the question is an Adaptive Card in the holder's personal chat,
// opened proactively with the tenant's stored service URL; Yes confirms in
// place; No offers the team's members and opens the handover.
func TestTeamsE2EReview(t *testing.T) {
	t.Parallel()
	w := newTeamsWorldOnRedis(t, fastReviews)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	w.post(w.say("l1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol))
	w.private(e2eLead, "l1")
	if a := w.next("send"); a.conversation != e2eChannel {
		t.Fatalf("announcement in %q", a.conversation)
	}
	question := func() teamsCall {
		t.Helper()
		c := w.next("create")
		if len(c.out.Members) != 1 || c.out.Members[0].ID != e2eCarol.ID || c.out.TenantID != e2eTenant {
			t.Fatalf("personal chat opened with %+v in %q", c.out.Members, c.out.TenantID)
		}
		q := w.next("send")
		if q.conversation != "a:personal-"+e2eCarol.ID || !strings.Contains(q.out.cardText(), "Are you still the Product Owner of **Checkout**?") {
			t.Fatalf("review %q in %q", q.out.cardText(), q.conversation)
		}
		var titles []string
		for _, a := range q.out.Attachments[0].Content.Body {
			for _, act := range a.Actions {
				titles = append(titles, act.Title)
			}
		}
		if strings.Join(titles, "|") != "Yes, still me|No, hand over" {
			t.Fatalf("review buttons %q", titles)
		}
		return q
	}
	click := func(id string, q teamsCall, data map[string]any) {
		act := w.vote(id, e2eCarol, q, data)
		conv := act["conversation"].(map[string]any)
		conv["conversationType"], conv["isGroup"] = "personal", false
		w.post(act)
	}
	q := question()
	click("y1", q, map[string]any{"whoowns": "review_yes", "team": "checkout", "role": "product_owner"})
	if u := w.next("update"); u.activity != q.posted || !strings.Contains(u.out.Text, "still the Product Owner of **Checkout**") {
		t.Fatalf("confirmation %q on %q", u.out.Text, u.activity)
	}
	d, err := w.store.Directory(context.Background(), tenant)
	if err != nil || d.Teams["checkout"].Roles[ownership.ProductOwner].ConfirmedAt.IsZero() {
		t.Fatalf("confirmation not recorded: %v", err)
	}

	q = question() // the next period's review
	click("n1", q, map[string]any{"whoowns": "review_no", "team": "checkout", "role": "product_owner"})
	pick := w.next("update")
	if !strings.Contains(pick.out.cardText(), "Who takes over as Product Owner of **Checkout**?") {
		t.Fatalf("successor card %q", pick.out.cardText())
	}
	click("n2", q, map[string]any{"whoowns": "review_to", "team": "checkout", "role": "product_owner", "successor": e2eAlice.ID})
	if u := w.next("update"); !strings.Contains(u.out.Text, "asked the leads to approve") {
		t.Fatalf("handover reply %q", u.out.Text)
	}
	d, err = w.store.Directory(context.Background(), tenant)
	if err != nil || len(d.Requests) != 1 || d.Requests[0].Successor.ID != e2eAlice.ID || d.Requests[0].Successor.Name != e2eAlice.Name {
		t.Fatalf("handover request %+v, %v", d.Requests, err)
	}
}
