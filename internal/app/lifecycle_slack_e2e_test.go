package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// dmsTo are the messages posted in the direct message with user.
func (w *slackWorld) dmsTo(user string) []fakeslack.Call { return w.postsTo("D"+user, "") }

func (w *slackWorld) role(team string, r ownership.Role) ownership.Assignment {
	w.t.Helper()
	d, err := w.app0Store().Directory(context.Background(), "slack:"+e2eTeam)
	if err != nil {
		w.t.Fatal(err)
	}
	return d.Teams[team].Roles[r]
}

func (w *slackWorld) app0Store() ownership.Store {
	return redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
}

// pick sends a lead's (or anyone's) choice in a users_select.
func (s *slackApp) pick(user, actionID, selected string) {
	s.w.t.Helper()
	s.click(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
		"container": map[string]any{"type": "message", "channel_id": "D" + user, "message_ts": "1700000800.000001"},
		"channel":   map[string]any{"id": "D" + user}, "response_url": s.w.fake.ResponseURL("p"),
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "fill", "type": "users_select", "selected_user": selected, "action_ts": fmt.Sprint(triggers.Add(1))}},
	})
}

// as runs /whoowns as user with a trigger id of its own and returns the
// reply's body.
func (s *slackApp) as(user, text string) string {
	s.w.t.Helper()
	code, body := s.commandFrom(url.Values{"team_id": {e2eTeam}, "channel_id": {chCheck}, "channel_name": {"checkout"}, "user_id": {user},
		"command": {"/whoowns"}, "text": {text}, "response_url": {s.w.fake.ResponseURL("a")}, "trigger_id": {fmt.Sprintf("trig%d", triggers.Add(1))}})
	if code != http.StatusOK {
		s.w.t.Fatalf("%q: status %d", text, code)
	}
	return body
}

// press sends a button click by user.
func (s *slackApp) press(user, actionID, value string) {
	s.w.t.Helper()
	s.click(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
		"container": map[string]any{"type": "message", "channel_id": "D" + user, "message_ts": "1700000900.000001"},
		"channel":   map[string]any{"id": "D" + user}, "response_url": s.w.fake.ResponseURL("b"),
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "request", "type": "button", "value": value, "action_ts": fmt.Sprint(triggers.Add(1))}},
	})
}

func deactivated(user, name string) map[string]any {
	return map[string]any{"type": "user_change", "user": map[string]any{"id": user, "team_id": e2eTeam, "name": name, "deleted": true,
		"profile": map[string]any{"display_name": name}}}
}

// TestSlackE2EDeactivationVacatesOnce: a deactivated account's roles are
// vacated and announced once, with one private message to the lead,
// however many replicas and deliveries see the event; answers then name
// the person in plain text; a lead fills the role with one pick, which a
// non-lead's forged pick cannot do; a deactivated user cannot be set.
func TestSlackE2EDeactivationVacatesOnce(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	r1, r2 := w.start(""), w.start("")
	r1.event("EvGone", deactivated(pMarco, "marco"))
	r2.event("EvGone", deactivated(pMarco, "marco"))  // the same delivery on the other replica
	r2.event("EvGone2", deactivated(pMarco, "marco")) // and a second event for the same change
	r1.sentinel("1")
	r2.sentinel("2")

	po := w.role("checkout", ownership.ProductOwner)
	if po.Held() || po.Vacated == nil || po.Vacated.Person.ID != pMarco || po.Vacated.Reason != "Slack: account deactivated" {
		t.Fatalf("PO after the deactivation = %+v", po)
	}
	var news int
	for _, c := range w.postsTo(chCheck, "") {
		if strings.Contains(c.AllText(), "has left") {
			news++
			if strings.Contains(c.AllText(), "<@"+pMarco+">") {
				t.Errorf("the announcement mentions the departed person: %s", c.AllText())
			}
		}
	}
	if news != 1 {
		t.Errorf("%d announcements in the team's channel, want 1", news)
	}
	dms := w.dmsTo(pLead)
	if len(dms) != 1 {
		t.Fatalf("%d private messages to the lead, want 1", len(dms))
	}
	fill, ok := dms[0].Element("fill_role:")
	if !ok || fill.Type != "users_select" {
		t.Fatalf("the lead's message has no person picker: %+v", dms[0].Elements())
	}
	if got := r1.metric("whoowns_vacated_roles_total") + r2.metric("whoowns_vacated_roles_total"); got != 1 {
		t.Errorf("whoowns_vacated_roles_total = %v across replicas, want 1", got)
	}
	h, err := w.app0Store().History(context.Background(), "slack:"+e2eTeam, "checkout", 5)
	if err != nil || len(h) == 0 || h[0].Actor.Name != "Slack: account deactivated" || h[0].Action != "vacate" {
		t.Errorf("history = %+v, %v", h, err)
	}

	r1.event("EvAsk", e2eMention(pJules, chCheck, "1700000700.000001", "who is the PO for checkout?"))
	ans := w.answerIn(chCheck, "1700000700.000001").AllText()
	mustContain(t, "the answer", ans, "vacant since", "Marco held it until then", "Meanwhile, ask <@"+pPriya+">")
	if strings.Contains(ans, "<@"+pMarco+">") || strings.Contains(ans, "set po") {
		t.Errorf("the answer presents the departed person or tells a non-lead how to fill it:\n%s", ans)
	}

	r2.pick(pNobody, fill.ActionID, pJules) // forged: not a lead
	r2.sentinel("3")
	if po := w.role("checkout", ownership.ProductOwner); po.Held() {
		t.Fatalf("a non-lead's pick filled the role: %+v", po)
	}
	r2.pick(pLead, fill.ActionID, pJules)
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && strings.Contains(c.AllText(), "made <@"+pJules+">")
	})
	if po := w.role("checkout", ownership.ProductOwner); po.Person.ID != pJules || po.AssignedBy.ID != pLead {
		t.Errorf("after the lead's pick the PO is %+v", po)
	}

	w.fake.AddUser(fakeslack.User{ID: pMarco, Name: "marco", Deleted: true})
	mustContain(t, "set of a deactivated user", r1.lead("set pm <@"+pMarco+"|marco> payments"), "deactivated")
	const robot = "U0ROBOT"
	w.fake.AddUser(fakeslack.User{ID: robot, Name: "robot", IsBot: true})
	mustContain(t, "member add of a bot", r1.lead("member add <@"+robot+"|robot> payments"), "is a bot")
}

// TestSlackE2EHandoverClaimAndDecline: the holder's handover goes to the
// lead with buttons; a non-lead's forged approval changes nothing; the
// lead's approval changes the role, audits and announces it. A claim is
// declined and the claimant told.
func TestSlackE2EHandoverClaimAndDecline(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	mustContain(t, "handover", a.as(pMarco, "handover po <@"+pJules+"|jules> checkout"), "asked the leads")
	dm := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pLead })
	approve, ok := dm.Element("req_approve:")
	if !ok || approve.Value == "" {
		t.Fatalf("the lead's message has no Approve: %+v", dm.Elements())
	}
	mustContain(t, "the lead's message", dm.AllText(), "wants to hand over the Product Owner role of *Checkout* to <@"+pJules+">")

	a.press(pNobody, approve.ActionID, approve.Value) // forged
	a.sentinel("F")
	if po := w.role("checkout", ownership.ProductOwner); po.Person.ID != pMarco {
		t.Fatalf("a non-lead's approval changed the PO to %v", po.Person)
	}
	a.press(pLead, approve.ActionID, approve.Value)
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && strings.Contains(c.AllText(), "handed over the Product Owner role of Checkout to <@"+pJules+">")
	})
	if po := w.role("checkout", ownership.ProductOwner); po.Person.ID != pJules || po.AssignedBy.ID != pLead {
		t.Errorf("after approval the PO is %+v", po)
	}
	mustContain(t, "history", a.as(pNobody, "history checkout"), "approved")
	if got := a.metric("whoowns_handovers_total", "outcome", "approved"); got != 1 {
		t.Errorf("whoowns_handovers_total{outcome=approved} = %v", got)
	}

	mustContain(t, "claim", a.as(pNobody, "claim pm checkout"), "asked the leads")
	claim := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pLead && strings.Contains(c.AllText(), "says they are the new Product Manager of *Checkout*")
	})
	decline, ok := claim.Element("req_decline:")
	if !ok {
		t.Fatalf("no Decline: %+v", claim.Elements())
	}
	mustContain(t, "requests", a.lead("requests"), "says they are the new Product Manager of Checkout")
	a.press(pLead, decline.ActionID, decline.Value)
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pNobody && strings.Contains(c.AllText(), "declined your request")
	})
	if pm := w.role("checkout", ownership.ProductManager); pm.Person.ID != pPriya {
		t.Errorf("a declined claim changed the PM to %v", pm.Person)
	}
}
