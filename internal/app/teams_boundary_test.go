package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

// scrape returns the value of one series on a /metrics page ("" when the
// series is absent).
func scrape(t *testing.T, url, series string) string {
	t.Helper()
	resp, err := testClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// checkoutPO is who the store says is Checkout's Product Owner.
func (w *teamsWorld) checkoutPO() string {
	w.t.Helper()
	d, err := w.store.Directory(context.Background(), ownership.TenantID("teams:"+e2eTenant))
	if err != nil {
		w.t.Fatal(err)
	}
	return d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID
}

// TestTeamsInboundPolicy: only Microsoft Teams activities that name their
// tenant in conversation.tenantId get through; a Web Chat or Direct Line
// activity, signed with the very keys that sign Teams ones, where the client
// claims to be a lead and names the tenant only in channelData, is refused
// with 403 before anything is handled or stored.
func TestTeamsInboundPolicy(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	client, prefix := redistest.Client(t)
	w := newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	tenant := ownership.TenantID("teams:" + e2eTenant)

	webchat := w.say("wc1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol)
	webchat["channelId"] = "webchat"
	delete(webchat["conversation"].(map[string]any), "tenantId")
	webchat["conversation"].(map[string]any)["id"] = "dl-conversation-1"
	webchat["channelData"] = map[string]any{"tenant": map[string]any{"id": e2eTenant}}
	if code := w.postSigned("e2e-key", webchat); code != http.StatusForbidden {
		t.Fatalf("Web Chat activity: HTTP %d, want 403", code)
	}
	directline := w.say("dl1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol)
	directline["channelId"] = "directline"
	if code := w.postSigned("e2e-key", directline); code != http.StatusForbidden {
		t.Fatalf("Direct Line activity: HTTP %d, want 403", code)
	}

	// Teams' own channelId does not make up for a missing or disagreeing
	// tenant.
	noTenant := w.say("nt1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol)
	delete(noTenant["conversation"].(map[string]any), "tenantId")
	if code := w.postSigned("e2e-key", noTenant); code != http.StatusForbidden {
		t.Fatalf("activity without conversation.tenantId: HTTP %d, want 403", code)
	}
	mismatch := w.say("mm1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol)
	mismatch["conversation"].(map[string]any)["tenantId"] = "0badc0de-0000-0000-0000-000000000000"
	if code := w.postSigned("e2e-key", mismatch); code != http.StatusForbidden {
		t.Fatalf("activity whose tenants disagree: HTTP %d, want 403", code)
	}

	// The key must be endorsed for msteams: one endorsed for Web Chat only,
	// or for nothing, does not sign a Teams activity.
	for _, kid := range []string{"e2e-webchat", "e2e-unendorsed"} {
		if code := w.postSigned(kid, w.say("k-"+kid, e2eLead, "set po <at>Carol</at> checkout", e2eCarol)); code != http.StatusUnauthorized {
			t.Fatalf("activity signed with %s: HTTP %d, want 401", kid, code)
		}
	}

	// Nothing was handled, answered or stored.
	if po := w.checkoutPO(); po != e2eBob.ID {
		t.Fatalf("Checkout's PO is %s after refused activities, want Bob", po)
	}
	for _, key := range []string{"teams:bot", "teams:channel:" + e2eChannel} {
		if b, err := w.store.Ref(context.Background(), tenant, key); err != nil || b != nil {
			t.Fatalf("ref %s = %q, %v after refused activities; want none", key, b, err)
		}
	}
	w.quiet()
	series := func(reason string) string {
		return scrape(t, w.base+"/metrics", `whoowns_requests_rejected_total{platform="teams",reason="`+reason+`"}`)
	}
	if c, tn := series("channel"), series("tenant"); c != "2" || tn != "2" {
		t.Fatalf("rejected: channel=%q tenant=%q, want 2 and 2", c, tn)
	}
	// Logged, but not once per request: probes must not flood the log.
	var refusals []map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "teams: request refused" {
			refusals = append(refusals, l)
		}
	}
	if len(refusals) != 1 || refusals[0]["level"] != "WARN" || refusals[0]["reason"] != "channel" {
		t.Fatalf("refusals logged: %v, want one warning naming the first reason", refusals)
	}

	// A genuine Teams activity is answered, on the tenant named in
	// conversation.tenantId.
	w.post(w.say("ok1", e2eCarol, "who writes the acceptance criteria?"))
	if r := w.next("reply"); r.activity != "ok1" || !strings.Contains(r.out.cardText(), "Bob Baker") {
		t.Fatalf("answer to a Teams activity: %q", r.out.cardText())
	}
	w.quiet()
}

// TestTeamsAllowedTenants: with TEAMS_ALLOWED_TENANTS set, a tenant outside
// the list is refused with 403 and nothing of it is stored.
func TestTeamsAllowedTenants(t *testing.T) {
	t.Parallel()
	env := map[string]string{"TEAMS_APP_ID": e2eAppID, "TEAMS_APP_PASSWORD": "e2e-secret",
		"TEAMS_ALLOWED_TENANTS": " 0badc0de-0000-0000-0000-000000000000 , " + strings.ToUpper(e2eTenant)}
	envCfg, err := ConfigFromEnv(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	client, prefix := redistest.Client(t)
	w := newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), func(c *Config) {
		c.Teams.AllowedTenants = envCfg.Teams.AllowedTenants
	})
	w.post(w.say("q1", e2eCarol, "who writes the acceptance criteria?"))
	if r := w.next("reply"); !strings.Contains(r.out.cardText(), "Bob Baker") {
		t.Fatalf("answer in an allowed tenant: %q", r.out.cardText())
	}

	other := "33333333-4444-5555-6666-777777777777"
	act := w.say("q2", e2eCarol, "who writes the acceptance criteria?")
	act["conversation"].(map[string]any)["tenantId"] = other
	act["channelData"].(map[string]any)["tenant"] = map[string]any{"id": other}
	if code := w.postSigned("e2e-key", act); code != http.StatusForbidden {
		t.Fatalf("activity of a tenant not allowed: HTTP %d, want 403", code)
	}
	if b, err := w.store.Ref(context.Background(), ownership.TenantID("teams:"+other), "teams:bot"); err != nil || b != nil {
		t.Fatalf("the refused tenant's ref = %q, %v", b, err)
	}
	w.post(w.say("marker", e2eCarol, "teams"))
	if r := w.next("reply"); r.activity != "marker" {
		t.Fatalf("reply to %q, want the marker", r.activity)
	}
	w.quiet()
	if v := scrape(t, w.base+"/metrics", `whoowns_requests_rejected_total{platform="teams",reason="tenant"}`); v != "1" {
		t.Fatalf("rejected tenant = %q, want 1", v)
	}

	for _, bad := range []string{"not-a-tenant", " , "} {
		env["TEAMS_ALLOWED_TENANTS"] = bad
		if _, err := ConfigFromEnv(envOf(env)); err == nil || !strings.Contains(err.Error(), "TEAMS_ALLOWED_TENANTS") {
			t.Errorf("TEAMS_ALLOWED_TENANTS=%q: %v", bad, err)
		}
	}
}

// dm is a message in the person's personal chat with the bot.
func (w *teamsWorld) dm(id string, from ownership.Person, text string, mentioned ...ownership.Person) map[string]any {
	act := w.say(id, from, text, mentioned...)
	act["conversation"] = map[string]any{"id": "a:personal-" + from.ID, "conversationType": "personal", "tenantId": e2eTenant}
	act["channelData"] = map[string]any{"tenant": map[string]any{"id": e2eTenant}}
	return act
}

// inChannel moves a channel message to another channel of the same team.
func inChannel(act map[string]any, channelID, name string) map[string]any {
	act["conversation"].(map[string]any)["id"] = channelID + ";messageid=" + act["id"].(string)
	act["channelData"].(map[string]any)["channel"] = map[string]any{"id": channelID, "name": name}
	return act
}

// checkoutChannels lists the channel ids linked to Checkout.
func (w *teamsWorld) checkoutChannels() []string {
	w.t.Helper()
	d, err := w.store.Directory(context.Background(), ownership.TenantID("teams:"+e2eTenant))
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, c := range d.Teams["checkout"].Channels {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestTeamsChannelLinksStayInTheTeam: a lead can link only a channel of the
// Microsoft Teams team the command is typed in (as the Bot Connector lists
// them); another organisation's channel id is refused with the reason and
// nothing changes, so no announcement can ever be posted there.
func TestTeamsChannelLinksStayInTheTeam(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	intruders := ownership.Person{ID: "19:intruders@thread.tacv2", Name: "intruders"}
	general := ownership.Person{ID: e2eMSTeam, Name: "General"}
	design := ownership.Person{ID: e2eDesign, Name: "design"}

	w.post(w.say("x1", e2eLead, "channel <at>intruders</at> checkout", intruders))
	w.next("channels")
	if r := w.lead("x1"); !strings.Contains(r.out.Text, "not a channel of this team") {
		t.Fatalf("linking another team's channel answered %q", r.out.Text)
	}
	w.quiet()
	if got := strings.Join(w.checkoutChannels(), " "); got != e2eChannel {
		t.Fatalf("Checkout's channels after a refused link: %s", got)
	}

	// A channel of this team is linked; the team's channel list is cached.
	w.post(w.say("x2", e2eLead, "channel <at>General</at> checkout", general))
	if r := w.lead("x2"); strings.Contains(r.out.Text, "can't") || strings.Contains(r.out.Text, "not a channel") {
		t.Fatalf("linking the team's General channel answered %q", r.out.Text)
	}
	w.drain()
	if got := strings.Join(w.checkoutChannels(), " "); got != e2eChannel+" "+e2eMSTeam {
		t.Fatalf("Checkout's channels after linking General: %s", got)
	}

	// In a personal chat there is no team to check against: a channel the
	// bot has never seen in this tenant is refused; "here" is impossible.
	w.post(w.dm("p1", e2eLead, "channel <at>design</at> checkout", design))
	if r := w.next("reply"); r.activity != "p1" || !strings.Contains(r.out.Text, "can't confirm that channel belongs to your organisation") {
		t.Fatalf("linking an unseen channel from a personal chat answered %q", r.out.Text)
	}
	w.post(w.dm("p2", e2eLead, "channel here checkout"))
	if r := w.next("reply"); r.activity != "p2" || !strings.Contains(r.out.Text, "only inside a channel") {
		t.Fatalf("\"here\" in a personal chat answered %q", r.out.Text)
	}
	w.quiet()
	if got := strings.Join(w.checkoutChannels(), " "); got != e2eChannel+" "+e2eMSTeam {
		t.Fatalf("Checkout's channels after refused links: %s", got)
	}
	// Once a signed activity came from the channel, its team is known and
	// checked.
	w.post(inChannel(w.say("d1", e2eCarol, "who owns the roadmap?"), e2eDesign, "design"))
	w.next("reply")
	w.post(w.dm("p3", e2eLead, "channel <at>design</at> checkout", design))
	if r := w.lead("p3"); r.activity != "p3" || strings.Contains(r.out.Text, "can't") {
		t.Fatalf("linking a seen channel of the tenant from a personal chat answered %q", r.out.Text)
	}
	w.drain()
	if got := strings.Join(w.checkoutChannels(), " "); got != e2eChannel+" "+e2eMSTeam+" "+e2eDesign {
		t.Fatalf("Checkout's channels after linking design: %s", got)
	}
}

// lead returns the answer to a lead's command id: in the personal chat,
// where one typed in a channel is answered too. It skips the channel-list lookups the bot may make first (the
// list is cached for a while).
func (w *teamsWorld) lead(id string) teamsCall {
	w.t.Helper()
	for {
		select {
		case c := <-w.calls:
			if c.kind == "channels" {
				continue
			}
			if c.kind == "reply" && c.activity == id && strings.HasPrefix(c.conversation, "a:personal-") {
				return c // typed in the personal chat
			}
			return w.privateAfter(c, e2eLead, id)
		case <-time.After(10 * time.Second):
			w.t.Fatalf("timed out waiting for the answer to %s", id)
		}
	}
}

// drain lets the bot finish what it is doing (announcements, lookups): with
// one worker, the answer to a marker question comes after all of it.
func (w *teamsWorld) drain() []teamsCall {
	w.t.Helper()
	w.marks++
	id := fmt.Sprintf("drain-%d", w.marks)
	w.post(w.dm(id, e2eCarol, "help"))
	var seen []teamsCall
	for {
		select {
		case c := <-w.calls:
			if c.kind == "reply" && c.activity == id {
				return seen
			}
			seen = append(seen, c)
		case <-time.After(10 * time.Second):
			w.t.Fatalf("timed out waiting for the answer to %s", id)
		}
	}
}

// TestTeamsLeadViewsStayPrivate: the unanswered queue (askers and their
// questions), home, history and every change typed by a lead in a channel
// are answered in the lead's personal chat; the channel gets a note without
// any of it, and a change's announcement.
func TestTeamsLeadViewsStayPrivate(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	const question = "who feeds the office goldfish on weekends?"
	w.post(w.say("q1", e2eCarol, question))
	if r := w.next("reply"); r.activity != "q1" || !strings.Contains(r.out.cardText(), "don't know") {
		t.Fatalf("unknown question answered %q", r.out.cardText())
	}

	w.post(w.say("u1", e2eLead, "unanswered"))
	if r := w.private(e2eLead, "u1"); !strings.Contains(r.out.Text+r.out.cardText(), "goldfish") {
		t.Fatalf("the lead's private unanswered queue: %q", r.out.Text+r.out.cardText())
	}
	w.post(w.say("home1", e2eLead, "home"))
	if r := w.private(e2eLead, "home1"); len(r.out.Attachments) == 0 {
		t.Fatalf("home sent privately without its card: %q", r.out.Text)
	}
	w.post(w.say("h1", e2eLead, "history checkout"))
	if r := w.private(e2eLead, "h1"); !strings.Contains(r.out.Text, "Checkout") {
		t.Fatalf("history sent privately: %q", r.out.Text)
	}
	w.post(w.say("s1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol))
	if r := w.private(e2eLead, "s1"); !strings.Contains(r.out.Text, "is now Product Owner") {
		t.Fatalf("change confirmed privately: %q", r.out.Text)
	}
	if a := w.next("send"); a.conversation != e2eChannel || !strings.Contains(a.out.Text, "made <at>Carol Chen</at> Product Owner of Checkout") {
		t.Fatalf("announcement %q in %q", a.out.Text, a.conversation)
	}

	// When the personal chat cannot be opened, the reply is dropped rather
	// than posted in the channel; the note says what to do.
	w.refuseCreate.Store(true)
	w.post(w.say("u2", e2eLead, "unanswered"))
	if r := w.next("reply"); r.activity != "u2" || strings.Contains(r.out.Text, "goldfish") || !strings.Contains(r.out.Text, "couldn't reach you in a personal chat") {
		t.Fatalf("note when the personal chat is unreachable: %q", r.out.Text)
	}
	w.refuseCreate.Store(false)
	w.drain()
	w.quiet()
}

// vote is a 👍/👎 on the answer the bot posted as posted, sent as Teams sends
// an Action.Submit: a message with the button's data in value, replying to
// the card's message.
func (w *teamsWorld) vote(id string, from ownership.Person, answer teamsCall, data map[string]any) map[string]any {
	act := w.say(id, from, "")
	delete(act, "text")
	delete(act, "entities")
	act["conversation"].(map[string]any)["id"] = answer.conversation
	if answer.posted != "" {
		act["replyToId"] = answer.posted
	}
	act["value"] = data
	return act
}

// TestTeamsFeedbackOncePerAnswer: a vote counts once per person and answer
// (the card message it was cast on), a second one is told so, and a vote for
// an intent outside the tenant's catalogue is refused: no store field, no
// metric series of its own.
func TestTeamsFeedbackOncePerAnswer(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	w.post(w.say("q1", e2eCarol, "who writes the acceptance criteria?"))
	answer := w.next("reply")
	var up map[string]any
	for _, a := range answer.out.Attachments {
		for _, act := range a.Content.Actions {
			if act.Data["whoowns"] == "feedback" && act.Data["helpful"] == true {
				up = act.Data
			}
		}
	}
	if up == nil {
		t.Fatalf("the answer card has no 👍 button: %+v", answer.out.Attachments)
	}
	intentID, _ := up["intent"].(string)

	// Thanks and refusals go to the voter alone, nothing to the thread.
	voter := map[string]ownership.Person{"v1": e2eCarol, "v2": e2eCarol, "v3": e2eCarol, "v4": e2eAlice, "f1": e2eCarol, "f2": e2eBob}
	replyTo := func(id string) string {
		t.Helper()
		if c := w.next("create"); len(c.out.Members) != 1 || c.out.Members[0].ID != voter[id].ID {
			t.Fatalf("vote %s: personal chat opened with %+v, want %s", id, c.out.Members, voter[id].ID)
		}
		s := w.next("send")
		if s.conversation != "a:personal-"+voter[id].ID {
			t.Fatalf("vote %s answered in %q", id, s.conversation)
		}
		return s.out.Text
	}
	w.post(w.vote("v1", e2eCarol, answer, up))
	if got := replyTo("v1"); !strings.Contains(got, "Thanks for the feedback") {
		t.Fatalf("first vote answered %q", got)
	}
	w.post(w.vote("v2", e2eCarol, answer, up))
	if got := replyTo("v2"); !strings.Contains(got, "already rated this") {
		t.Fatalf("second vote on the same answer answered %q", got)
	}
	// The same vote as an Action.Execute invoke is the same person on the
	// same answer.
	inv := w.vote("v3", e2eCarol, answer, nil)
	delete(inv, "value")
	inv["type"], inv["name"] = "invoke", "adaptiveCard/action"
	inv["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "data": up}}
	if code := w.postSigned("e2e-key", inv); code != http.StatusOK {
		t.Fatalf("invoke: HTTP %d", code)
	}
	if got := replyTo("v3"); !strings.Contains(got, "already rated this") {
		t.Fatalf("the same vote as an invoke answered %q", got)
	}
	// Someone else's vote on that answer counts.
	w.post(w.vote("v4", e2eAlice, answer, up))
	if got := replyTo("v4"); !strings.Contains(got, "Thanks for the feedback") {
		t.Fatalf("another person's vote answered %q", got)
	}

	// A forged intent id is refused, whatever answer it claims to rate.
	const forged = "zz-forged-intent-4711"
	w.post(w.vote("f1", e2eCarol, teamsCall{conversation: answer.conversation, posted: "1999999999"}, map[string]any{"whoowns": "feedback", "intent": forged, "helpful": false}))
	if got := replyTo("f1"); !strings.Contains(got, "can't count that vote") || strings.Contains(got, forged) {
		t.Fatalf("forged intent answered %q", got)
	}
	// A vote that names no answer cannot be counted once per answer.
	w.post(w.vote("f2", e2eBob, teamsCall{conversation: answer.conversation}, up))
	if got := replyTo("f2"); !strings.Contains(got, "can't tell which answer") {
		t.Fatalf("vote without an answer answered %q", got)
	}
	w.quiet()

	fb, err := w.store.Feedback(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	if got := fb[intentID]; got.Helpful != 2 || got.NotHelpful != 0 || len(fb) != 1 {
		t.Fatalf("stored feedback %+v, want two 👍 for %s only", fb, intentID)
	}
	resp, err := testClient.Get(w.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), forged) {
		t.Fatal("the forged intent id became a metric label")
	}
	if v := scrape(t, w.base+"/metrics", `whoowns_requests_rejected_total{platform="teams",reason="feedback"}`); v != "2" {
		t.Errorf("refused votes counted %q, want 2", v)
	}
}
