package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// submit sends a signed view_submission and returns the status and body.
func (s *slackApp) submit(user string, view map[string]any) (int, string) {
	s.w.t.Helper()
	raw, _ := json.Marshal(map[string]any{"type": "view_submission", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user, "team_id": e2eTeam}, "view": view})
	body := []byte(url.Values{"payload": {string(raw)}}.Encode())
	req, _ := http.NewRequest(http.MethodPost, s.url+"/slack/interactivity", bytes.NewReader(body))
	for k, v := range slack.Sign(e2eSecret, time.Now(), body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := testClient.Do(req)
	if err != nil {
		s.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// editState is the state of a submitted Edit team form.
func editState(name, pm, po string, members []string, channels []string) map[string]any {
	f := func(v map[string]any) map[string]any { return map[string]any{"field": v} }
	return map[string]any{"values": map[string]any{
		"name":                 f(map[string]any{"type": "plain_text_input", "value": name}),
		"role:product_manager": f(map[string]any{"type": "users_select", "selected_user": pm}),
		"role:product_owner":   f(map[string]any{"type": "users_select", "selected_user": po}),
		"members":              f(map[string]any{"type": "multi_users_select", "selected_users": members}),
		"channels":             f(map[string]any{"type": "multi_conversations_select", "selected_conversations": channels}),
	}}
}

func (w *slackWorld) productOwner(team string) string {
	w.t.Helper()
	d, err := redisstore.New(w.client, redisstore.WithPrefix(w.prefix)).Directory(context.Background(), ownership.TenantID("slack:"+e2eTeam))
	if err != nil {
		w.t.Fatal(err)
	}
	return d.Teams[team].Roles[ownership.ProductOwner].Person.ID
}

// TestSlackE2ELeadEditsTeamInAModal: a lead opens App Home, picks Edit on
// Checkout, the modal opens with the click's trigger_id, and submitting it
// with Jules as PO changes the PO, audits and announces it like the
// command, and republishes the App Home. A field error keeps the modal
// open and changes nothing; a non-lead's forged submission changes
// nothing, and neither does a lead's stale one after they stopped being a
// lead.
func TestSlackE2ELeadEditsTeamInAModal(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddUser(fakeslack.User{ID: pLead, Name: "morgan"})
	w.fake.AddUser(fakeslack.User{ID: pPriya, Name: "priya"})
	w.fake.AddUser(fakeslack.User{ID: pMarco, Name: "marco"})
	w.fake.AddUser(fakeslack.User{ID: "U0GONE", Name: "gone", Deleted: true})
	w.fake.AddChannel(fakeslack.Channel{ID: chCheck, Name: "checkout", TeamID: e2eTeam})
	a := w.start("")

	a.event("EvHomeLead", homeOpened(pLead))
	home := w.homeView(pLead, 1)
	raw, _ := json.Marshal(home)
	mustContain(t, "lead's App Home", string(raw), "For leads:", "edit:checkout", "New team")

	trig := w.fake.Trigger(e2eTeam, pLead)
	a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pLead}, "trigger_id": trig,
		"container": map[string]any{"type": "view", "view_id": "VH" + e2eTeam + pLead},
		"view":      map[string]any{"id": "VH" + e2eTeam + pLead, "type": "home"},
		"actions": []map[string]any{{"action_id": "team_menu", "block_id": "team:checkout", "type": "overflow",
			"selected_option": map[string]any{"value": "edit:checkout"}, "action_ts": "1"}}})
	open := w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return c.Params["trigger_id"] == trig })
	var opened struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(open.Params["view"]), &opened); err != nil || opened.CallbackID != "edit" || opened.PrivateMetadata != "checkout" {
		t.Fatalf("opened %s", open.Params["view"])
	}
	mustContain(t, "edit modal", open.Params["view"], `"initial_user":"`+pMarco+`"`, `"multi_conversations_select"`)

	members := []string{pPriya, pMarco, pJules}
	// A person who left: the modal stays open with the error on the field.
	code, body := a.submit(pLead, map[string]any{"id": "VM1", "hash": "h1", "callback_id": "edit", "private_metadata": "checkout",
		"state": editState("Checkout", pPriya, "U0GONE", members, []string{chCheck})})
	if code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "role:product_owner") || !strings.Contains(body, "left the workspace") {
		t.Fatalf("left person: %d %s", code, body)
	}
	if po := w.productOwner("checkout"); po != pMarco {
		t.Fatalf("PO changed to %s by a refused form", po)
	}

	// A non-lead's forged submission of the same form.
	code, body = a.submit(pJules, map[string]any{"id": "VM1", "hash": "h2", "callback_id": "edit", "private_metadata": "checkout",
		"state": editState("Checkout", pPriya, pJules, members, []string{chCheck})})
	if code != 200 || !strings.Contains(body, "Only leads") {
		t.Fatalf("forged: %d %s", code, body)
	}
	if po := w.productOwner("checkout"); po != pMarco {
		t.Fatalf("a non-lead's form made %s PO", po)
	}

	// A cover ending in the past: the error is on the day field.
	f := func(v map[string]any) map[string]any { return map[string]any{"preview": v} }
	code, body = a.submit(pLead, map[string]any{"id": "VM2", "hash": "c1", "callback_id": "cover", "private_metadata": "checkout",
		"state": map[string]any{"values": map[string]any{
			"role":   f(map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "product_owner"}}),
			"person": f(map[string]any{"type": "users_select", "selected_user": pPriya}),
			"date":   f(map[string]any{"type": "datepicker", "selected_date": "2020-01-01"}),
			"time":   f(map[string]any{"type": "timepicker", "selected_time": "10:00"}),
		}}})
	if code != 200 || !strings.Contains(body, `"date":"`) || !strings.Contains(body, "in the past") {
		t.Fatalf("cover in the past: %d %s", code, body)
	}

	// The lead's valid submission.
	publishes := len(w.fake.Calls("views.publish"))
	code, body = a.submit(pLead, map[string]any{"id": "VM1", "hash": "h3", "callback_id": "edit", "private_metadata": "checkout",
		"state": editState("Checkout", pPriya, pJules, members, []string{chCheck})})
	if code != 200 || body != "" {
		t.Fatalf("valid: %d %s", code, body)
	}
	if po := w.productOwner("checkout"); po != pJules {
		t.Fatalf("PO is %s", po)
	}
	ann := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == chCheck })
	mustContain(t, "announcement", ann.AllText(), "<@"+pLead+">", "<@"+pJules+">", "Product Owner of Checkout", "was <@"+pMarco+">")
	w.fake.WaitCalls(t, "views.publish", publishes+1, e2eWait)
	if got := a.lead("history checkout"); !strings.Contains(got, "made jules Product Owner of Checkout (was Marco)") {
		t.Errorf("history: %s", got)
	}

	// The lead stops being one; their stale modal changes nothing.
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	if _, _, err := st.Update(context.Background(), ownership.TenantID("slack:"+e2eTeam), func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Leads = nil
		return []ownership.Change{{At: time.Now(), Action: "lead.remove", Old: pLead, Summary: "test"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	code, body = a.submit(pLead, map[string]any{"id": "VM1", "hash": "h4", "callback_id": "edit", "private_metadata": "checkout",
		"state": editState("Checkout", pPriya, pMarco, members, []string{chCheck})})
	if code != 200 || !strings.Contains(body, "Only leads") {
		t.Fatalf("stale: %d %s", code, body)
	}
	if po := w.productOwner("checkout"); po != pJules {
		t.Fatalf("a former lead's stale form made %s PO", po)
	}
}

// TestSlackE2EMemberSuggestsAChange: a member who is not a lead sees their
// team with "Suggest a change"; the modal's text reaches the lead by direct
// message, as typed words (no markup), and changes nothing.
func TestSlackE2EMemberSuggestsAChange(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	a.event("EvHomeJules", homeOpened(pJules))
	raw, _ := json.Marshal(w.homeView(pJules, 1))
	mustContain(t, "member's App Home", string(raw), `"action_id":"suggest"`)
	if strings.Contains(string(raw), "team_menu") {
		t.Error("a member got the leads' menu")
	}
	trig := w.fake.Trigger(e2eTeam, pJules)
	a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pJules}, "trigger_id": trig,
		"container": map[string]any{"type": "view", "view_id": "VH" + e2eTeam + pJules},
		"actions":   []map[string]any{{"action_id": "suggest", "block_id": "team:checkout", "type": "button", "value": "checkout", "action_ts": "1"}}})
	w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return c.Params["trigger_id"] == trig })
	code, body := a.submit(pJules, map[string]any{"id": "VMS", "hash": "s1", "callback_id": "suggest", "private_metadata": "checkout",
		"state": map[string]any{"values": map[string]any{"what": map[string]any{"field": map[string]any{"type": "plain_text_input", "value": "Marco moved to <!channel> Payments"}}}}})
	if code != 200 || !strings.Contains(body, "Sent to the leads (1)") {
		t.Fatalf("suggest: %d %s", code, body)
	}
	dm := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+pLead })
	mustContain(t, "lead's DM", dm.AllText(), "<@"+pJules+">", "Checkout", "&lt;!channel&gt; Payments")
	if po := w.productOwner("checkout"); po != pMarco {
		t.Errorf("a suggestion changed the PO to %s", po)
	}

	// The form also files a claim: a role picked is a request to the
	// leads with Approve and Decline, listed by "requests".
	opened := w.fake.OpenedWith(trig)
	if opened == nil || !strings.Contains(string(opened.JSON), `"block_id":"claim"`) || !strings.Contains(string(opened.JSON), "I am the new Product Owner") {
		t.Fatalf("the Suggest a change modal offers no claim: %+v", opened)
	}
	claim := func(hash, role string) (int, string) {
		return a.submit(pJules, map[string]any{"id": "VMS", "hash": hash, "callback_id": "suggest", "private_metadata": "checkout",
			"state": map[string]any{"values": map[string]any{
				"what":  map[string]any{"field": map[string]any{"type": "plain_text_input", "value": ""}},
				"claim": map[string]any{"field": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": role}}}}}})
	}
	if code, body := claim("s2", "product_owner"); code != 200 || !strings.Contains(body, "asked the leads to confirm that you are the new Product Owner") {
		t.Fatalf("claim from the form: %d %s", code, body)
	}
	req := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pLead && strings.Contains(c.AllText(), "says they are the new Product Owner of *Checkout*")
	})
	if _, ok := req.Element("req_approve:"); !ok {
		t.Fatalf("the claim reached the lead without Approve: %s", req.AllText())
	}
	mustContain(t, "requests", a.lead("requests"), "says they are the new Product Owner of Checkout")
	// The same claim again files nothing new; a role they hold already is
	// refused on its field.
	if code, body := claim("s3", "product_owner"); code != 200 || !strings.Contains(body, "already waiting for a lead") {
		t.Fatalf("a second claim: %d %s", code, body)
	}
	d, err := w.app0Store().Directory(context.Background(), "slack:"+e2eTeam)
	if err != nil || len(d.Requests) != 1 {
		t.Fatalf("requests after two claims: %+v %v", d.Requests, err)
	}
	if code, body := a.submit(pMarco, map[string]any{"id": "VMS", "hash": "s4", "callback_id": "suggest", "private_metadata": "checkout",
		"state": map[string]any{"values": map[string]any{"claim": map[string]any{"field": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "product_owner"}}}}}}); code != 200 || !strings.Contains(body, `"claim":"`) {
		t.Fatalf("a claim of a role one holds: %d %s", code, body)
	}
	if po := w.productOwner("checkout"); po != pMarco {
		t.Errorf("a claim changed the PO to %s before a lead approved", po)
	}
}

// TestSlackE2ELeadEditsAliases: the Edit team modal's aliases field (comma-
// separated) adds and removes a team's other names through the alias
// command's own path; a name of another team comes back as an error on the
// field and changes nothing.
func TestSlackE2ELeadEditsAliases(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddUser(fakeslack.User{ID: pPriya, Name: "priya"})
	w.fake.AddUser(fakeslack.User{ID: pMarco, Name: "marco"})
	w.fake.AddChannel(fakeslack.Channel{ID: chCheck, Name: "checkout", TeamID: e2eTeam})
	a := w.start("")
	state := func(aliases string) map[string]any {
		s := editState("Checkout", pPriya, pMarco, []string{pPriya, pMarco}, []string{chCheck})
		s["values"].(map[string]any)["aliases"] = map[string]any{"field": map[string]any{"type": "plain_text_input", "value": aliases}}
		return s
	}
	code, body := a.submit(pLead, map[string]any{"id": "VMA", "hash": "a1", "callback_id": "edit", "private_metadata": "checkout", "state": state("Cart, payments")})
	if code != 200 || !strings.Contains(body, `"aliases":"`) || !strings.Contains(body, "already names the team Payments") {
		t.Fatalf("alias of another team: %d %s", code, body)
	}
	aliases := func() []string {
		d, err := redisstore.New(w.client, redisstore.WithPrefix(w.prefix)).Directory(context.Background(), ownership.TenantID("slack:"+e2eTeam))
		if err != nil {
			t.Fatal(err)
		}
		return d.Teams["checkout"].Aliases
	}
	if got := aliases(); len(got) != 0 {
		t.Fatalf("a refused form added aliases %v", got)
	}
	code, body = a.submit(pLead, map[string]any{"id": "VMA", "hash": "a2", "callback_id": "edit", "private_metadata": "checkout", "state": state(" Cart ,  Basket  , cart,")})
	if code != 200 || body != "" {
		t.Fatalf("valid: %d %s", code, body)
	}
	if got := aliases(); strings.Join(got, "|") != "Cart|Basket" {
		t.Fatalf("aliases %v", got)
	}
	ann := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == chCheck && strings.Contains(c.AllText(), "Basket")
	})
	mustContain(t, "announcement", ann.AllText(), "added the alias")
	code, body = a.submit(pLead, map[string]any{"id": "VMA", "hash": "a3", "callback_id": "edit", "private_metadata": "checkout", "state": state("Basket")})
	if code != 200 || body != "" {
		t.Fatalf("remove: %d %s", code, body)
	}
	if got := aliases(); strings.Join(got, "|") != "Basket" {
		t.Fatalf("after removing Cart: %v", got)
	}
	if got := a.lead("history checkout"); !strings.Contains(got, `removed the alias "Cart"`) {
		t.Errorf("history: %s", got)
	}
}

// queued reads the Slack workspace's unanswered queue, as texts.
func (w *slackWorld) queued() []string {
	w.t.Helper()
	qs, err := redisstore.New(w.client, redisstore.WithPrefix(w.prefix)).Unanswered(context.Background(), ownership.TenantID("slack:"+e2eTeam), 100)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, q := range qs {
		out = append(out, q.Text)
	}
	return out
}

// TestSlackE2ELeadDismissesUnansweredInModal: the lead's App Home opens the
// Unanswered modal, which lists a question asked twice once, with Dismiss.
// A non-lead's forged click changes nothing; the lead's click takes both
// asks off the queue, updates the modal in place (views.update) and is in
// the history; a second click on the stale button says it is gone; Clear
// the queue empties it.
func TestSlackE2ELeadDismissesUnansweredInModal(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddUser(fakeslack.User{ID: pLead, Name: "morgan"})
	a := w.start("")
	for i, q := range []string{"who waters the office plants?", "who fixes the coffee machine?", "Who fixes the coffee machine"} {
		ts := fmt.Sprintf("1700000%03d.000001", 100+i)
		a.event(fmt.Sprintf("EvQ%d", i), e2eMention(pJules, chCheck, ts, q))
		mustContain(t, "unknown answer", w.answerIn(chCheck, ts).AllText(), "don't know")
	}

	a.event("EvHomeQ", homeOpened(pLead))
	w.homeView(pLead, 1)
	homeID := "VH" + e2eTeam + pLead
	trig := w.fake.Trigger(e2eTeam, pLead)
	a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": pLead}, "trigger_id": trig,
		"container": map[string]any{"type": "view", "view_id": homeID}, "view": map[string]any{"id": homeID, "type": "home"},
		"actions": []map[string]any{{"action_id": "unanswered", "block_id": "lead", "type": "button", "value": "unanswered", "action_ts": "1"}}})
	w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return c.Params["trigger_id"] == trig })
	// The fake records a call before it stores the view it opens.
	var modal *fakeslack.View
	poll(t, "the unanswered modal opened with the click's trigger_id", func() bool {
		modal = w.fake.OpenedWith(trig)
		return modal != nil
	})
	mustContain(t, "unanswered modal", string(modal.JSON), "coffee machine", "asked 2 times", "office plants", `"Dismiss"`)
	var view struct {
		Blocks []struct {
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(modal.JSON, &view); err != nil {
		t.Fatal(err)
	}
	var dismiss string // the coffee machine's Dismiss button
	for _, b := range view.Blocks {
		for _, e := range b.Elements {
			if strings.HasPrefix(e.ActionID, "dismiss_q:") && dismiss == "" {
				dismiss = e.Value
			}
		}
	}
	if dismiss == "" {
		t.Fatalf("no Dismiss button in %s", modal.JSON)
	}
	inModal := func(user, actionID, value, ts string) {
		a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user}, "trigger_id": w.fake.Trigger(e2eTeam, user),
			"container": map[string]any{"type": "view", "view_id": modal.ID},
			"view":      map[string]any{"id": modal.ID, "type": "modal", "callback_id": "unanswered", "hash": modal.Hash},
			"actions":   []map[string]any{{"action_id": actionID, "block_id": "q:" + value, "type": "button", "value": value, "action_ts": ts}}})
	}
	updated := func(n int) string {
		t.Helper()
		w.fake.WaitCalls(t, "views.update", n, e2eWait)
		c := w.fake.Calls("views.update")[n-1]
		if c.Params["view_id"] != modal.ID {
			t.Fatalf("views.update of %s, want the modal %s", c.Params["view_id"], modal.ID)
		}
		return c.Params["view"]
	}

	// Someone who is not a lead forges the click: nothing changes.
	inModal(pJules, "dismiss_q:0", dismiss, "2")
	mustContain(t, "forged dismiss", updated(1), "Only leads")
	if q := w.queued(); len(q) != 3 {
		t.Fatalf("queue after a non-lead's dismiss: %q", q)
	}

	publishes := len(w.fake.Calls("views.publish"))
	inModal(pLead, "dismiss_q:0", dismiss, "3")
	after := updated(2)
	mustContain(t, "modal after dismiss", after, "Dismissed", "coffee machine", "asked 2 times", "office plants")
	if strings.Count(after, "coffee machine") != 1 {
		t.Errorf("the dismissed question is still listed:\n%s", after)
	}
	if q := w.queued(); len(q) != 1 || q[0] != "who waters the office plants?" {
		t.Errorf("queue after dismiss = %q, want the plants question alone", q)
	}
	w.fake.WaitCalls(t, "views.publish", publishes+1, e2eWait)
	mustContain(t, "history", a.lead("history"), "dismissed the unanswered question “Who fixes the coffee machine” (asked 2 times)")

	// The same (now stale) button again: it says so and changes nothing.
	inModal(pLead, "dismiss_q:0", dismiss, "4")
	mustContain(t, "stale dismiss", updated(3), "no longer in the queue", "office plants")
	if q := w.queued(); len(q) != 1 {
		t.Errorf("queue after a stale dismiss = %q", q)
	}

	inModal(pLead, "clear_q", "clear", "5")
	mustContain(t, "modal after clear", updated(4), "Cleared the queue: took off 1 question.", "No unanswered questions")
	if q := w.queued(); len(q) != 0 {
		t.Errorf("queue after clear = %q", q)
	}
	mustContain(t, "history", a.lead("history"), "cleared the unanswered queue: 1 question")
}

// TestSlackE2EManageTeamOnALeadsAnswer: an answer to a lead's question in
// a channel carries Manage team; a lead's click opens Edit team for the
// answer's team with the click's trigger_id, and anyone else's opens a
// modal, private to them, saying it is for leads, with nothing to submit.
func TestSlackE2EManageTeamOnALeadsAnswer(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	w.fake.AddUser(fakeslack.User{ID: pLead, Name: "morgan"})
	a := w.start("")
	a.event("EvManageQ1", e2eMention(pLead, chCheck, "1700000201.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn(chCheck, "1700000201.000001")
	manage, ok := ans.Element("manage_team")
	if !ok || manage.Value != "checkout" {
		t.Fatalf("a lead's answer has no Manage team:\n%s", ans.AllText())
	}
	a.event("EvManageQ2", e2eMention(pJules, chCheck, "1700000202.000001", "who writes the acceptance criteria?"))
	if _, ok := w.answerIn(chCheck, "1700000202.000001").Element("manage_team"); ok {
		t.Fatal("a member's answer has Manage team")
	}
	click := func(user, ts string) map[string]any {
		trig := w.fake.Trigger(e2eTeam, user)
		a.click(map[string]any{"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user}, "trigger_id": trig,
			"channel": map[string]any{"id": chCheck}, "container": map[string]any{"type": "message", "channel_id": chCheck, "message_ts": ans.Params["ts"]},
			"actions": []map[string]any{{"action_id": "manage_team", "block_id": "answer_actions", "type": "button", "value": manage.Value, "action_ts": ts}}})
		var v map[string]any
		open := w.fake.WaitCall(t, "views.open", e2eWait, func(c fakeslack.Call) bool { return c.Params["trigger_id"] == trig })
		if err := json.Unmarshal([]byte(open.Params["view"]), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := click(pJules, "1"); v["callback_id"] != "notice" || v["submit"] != nil || !strings.Contains(fmt.Sprint(v["blocks"]), "Only leads") {
		t.Fatalf("a member's click opened %v", v)
	}
	if v := click(pLead, "2"); v["callback_id"] != "edit" || v["private_metadata"] != "checkout" {
		t.Fatalf("a lead's click opened %v", v)
	}
	if po := w.productOwner("checkout"); po != pMarco {
		t.Fatalf("a click changed the PO to %s", po)
	}
}
