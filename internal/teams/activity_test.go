package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/ownership"
)

func TestMessageText(t *testing.T) {
	t.Parallel()
	bot := &schema.ChannelAccount{ID: testBotID, Name: "whoowns"}
	ent := func(id, name, text string) inEntity {
		return inEntity{Type: "mention", Text: text, Mentioned: &schema.ChannelAccount{ID: id, Name: name}}
	}
	botEnt := ent(bot.ID, bot.Name, "<at>whoowns</at>")
	for _, c := range []struct {
		name      string
		text      string
		ents      []inEntity
		want      string
		addressed bool
	}{
		{"question", "<at>whoowns</at> who owns the roadmap?\n", []inEntity{botEnt}, "who owns the roadmap?", true},
		{"command with a person", "<at>whoowns</at> set po <at>Bob</at> checkout",
			[]inEntity{botEnt, ent("29:bob", "Bob Baker", "<at>Bob</at>")}, "set po <@29:bob|Bob Baker> checkout", true},
		{"entities out of order", "<at>whoowns</at> lead add <at>Bob</at>",
			[]inEntity{ent("29:bob", "", "<at>Bob</at>"), botEnt}, "lead add <@29:bob|Bob>", true},
		{"same name twice", "<at>whoowns</at> member add <at>Sam</at> <at>Sam</at>",
			[]inEntity{botEnt, ent("29:s1", "Sam", "<at>Sam</at>"), ent("29:s2", "Sam", "<at>Sam</at>")},
			"member add <@29:s1|Sam> <@29:s2|Sam>", true},
		{"channel mention", "<at>whoowns</at> channel <at>checkout</at> Checkout",
			[]inEntity{botEnt, ent("19:c@thread.tacv2", "checkout", "<at>checkout</at>")}, "channel <#19:c@thread.tacv2|checkout> Checkout", true},
		{"name with a pipe", "<at>whoowns</at> set pm <at>A|B</at>", []inEntity{botEnt, ent("29:ab", "A|B>", "<at>A|B</at>")},
			"set pm <@29:ab|A B>", true},
		{"typed prefix", "@whoowns help", nil, "help", true},
		{"markup and entities", "<p><at>whoowns</at> who owns R&amp;D&nbsp;pricing?</p>", []inEntity{botEnt}, "who owns R&D pricing?", true},
		{"typed fake mention", "<at>whoowns</at> set po &lt;@29:evil|Eve&gt; checkout", []inEntity{botEnt}, "set po @29:evil|Eve> checkout", true},
		{"not addressed", "who owns the roadmap?", nil, "who owns the roadmap?", false},
		{"only the bot", "<at>whoowns</at>", []inEntity{botEnt}, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &inbound{Entities: c.ents}
			in.Text, in.Recipient = c.text, *bot
			got, addressed := messageText(in)
			if got != c.want || addressed != c.addressed {
				t.Errorf("messageText = %q, %v; want %q, %v", got, addressed, c.want, c.addressed)
			}
		})
	}
}

// submit is a card button's Action.Submit as Teams delivers it: a message
// with a value and no text, replying to the card.
func (h *harness) submit(id string, from ownership.Person, value map[string]any) map[string]any {
	act := h.channelMessage(id, from, "")
	delete(act, "text")
	delete(act, "entities")
	act["replyToId"] = "card-1"
	act["conversation"].(map[string]any)["id"] = testChannel + ";messageid=thread-1"
	act["value"] = value
	return act
}

func TestSubmitActions(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	ctx := context.Background()
	tenant := ownership.TenantID("teams:" + testTenant)

	h.send(h.submit("s1", carol, map[string]any{"whoowns": "choose", "intent": "roadmap", "q": "who owns the roadmap?"}))
	// A choice replaces the card it was made on, as Slack's chat.update.
	r := h.conn.nextKind(t, "update")
	if c := r.card(t); !strings.Contains(c.Body[0].Text, "<at>Alice Archer</at>") || r.ActivityID != "card-1" || r.Conversation != testChannel+";messageid=thread-1" {
		t.Errorf("choose: %q updating %q in %q", c.Body[0].Text, r.ActivityID, r.Conversation)
	}

	h.send(h.submit("s2", carol, map[string]any{"whoowns": "more", "intent": "roadmap"}))
	if r := h.conn.nextKind(t, "reply"); !strings.HasPrefix(r.Text, "**Roadmap**") {
		t.Errorf("more: %q", r.Text)
	}

	// The same person voting twice on one answer counts once; thanks and
	// the second vote's reply go to the voter alone, nothing to the thread.
	for _, v := range []struct{ id, want string }{{"s3", feedbackThanks}, {"s4", feedbackAgain}} {
		id, want := v.id, v.want
		h.send(h.submit(id, carol, map[string]any{"whoowns": "feedback", "intent": "roadmap", "helpful": true}))
		if c := h.conn.nextKind(t, "create"); len(c.Members) != 1 || c.Members[0].ID != carol.ID {
			t.Errorf("vote %s: personal chat opened with %+v", id, c.Members)
		}
		if r := h.conn.nextKind(t, "send"); r.Text != want || r.Conversation != "a:personal-"+carol.ID {
			t.Errorf("vote %s answered %q in %q, want %q privately", id, r.Text, r.Conversation, want)
		}
	}
	h.send(h.submit("s5", bob, map[string]any{"whoowns": "feedback", "intent": "roadmap", "helpful": false}))
	h.conn.nextKind(t, "create")
	h.conn.nextKind(t, "send")
	fb, err := h.store.Feedback(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if got := fb["roadmap"]; got.Helpful != 1 || got.NotHelpful != 1 {
		t.Errorf("feedback %+v, want one each way", got)
	}

	h.send(h.submit("s6", carol, map[string]any{"whoowns": "join", "team": "payments"}))
	if c := h.conn.nextKind(t, "update").card(t); !strings.Contains(c.Body[0].Text, "Welcome, <at>Carol Chen</at>") {
		t.Errorf("join: %q", c.Body[0].Text)
	}
	d, _ := h.store.Directory(ctx, tenant)
	if !d.Teams["payments"].HasMember(carol.ID) {
		t.Error("join did not add Carol to Payments")
	}
	h.conn.none(t)
}

// TestInvokeAction: Action.Execute arrives as an adaptiveCard/action invoke,
// which must be answered in the HTTP response.
func TestInvokeAction(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	act := h.submit("i1", carol, nil)
	delete(act, "value")
	act["type"], act["name"] = "invoke", "adaptiveCard/action"
	act["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "choose",
		"data": map[string]any{"whoowns": "choose", "intent": "roadmap", "q": "who owns the roadmap?"}}}
	b, _ := json.Marshal(act)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+h.token())
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"statusCode":200`) {
		t.Fatalf("invoke answered HTTP %d %s", resp.StatusCode, body)
	}
	if c := h.conn.nextKind(t, "update").card(t); !strings.Contains(c.Body[0].Text, "Alice Archer") {
		t.Errorf("invoke reply %q", c.Body[0].Text)
	}

	act["name"] = "composeExtension/query"
	if code := h.post(act, "Bearer "+h.token()); code != http.StatusNotImplemented {
		t.Errorf("unknown invoke: HTTP %d, want 501", code)
	}
	h.conn.none(t)
}

// conversationUpdate is a membersAdded event in channel.
func (h *harness) conversationUpdate(id, channel string, members ...string) map[string]any {
	var added []map[string]any
	for _, m := range members {
		added = append(added, map[string]any{"id": m, "aadObjectId": "aad-" + m})
	}
	return map[string]any{
		"type": "conversationUpdate", "id": id, "channelId": "msteams", "serviceUrl": h.conn.serviceURL(),
		"recipient":    map[string]any{"id": testBotID, "name": "whoowns"},
		"from":         map[string]any{"id": "29:admin"},
		"conversation": map[string]any{"id": channel, "conversationType": "channel", "isGroup": true, "tenantId": testTenant},
		"channelData": map[string]any{"tenant": map[string]any{"id": testTenant}, "team": map[string]any{"id": channel},
			"eventType": "teamMemberAdded"},
		"membersAdded": added,
	}
}

// TestWelcomeOnce: a new member is welcomed by personal message exactly
// once, whether the event is redelivered or a second one comes.
func TestWelcomeOnce(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	h.send(h.conversationUpdate("f:1", testChannel, "29:dave"))
	if m := h.conn.nextKind(t, "member"); m.Conversation != testChannel {
		t.Errorf("member lookup in %q", m.Conversation)
	}
	c := h.conn.nextKind(t, "create")
	if len(c.Members) != 1 || c.Members[0].ID != "29:dave" || c.TenantID != testTenant {
		t.Errorf("conversation created with %+v in %q", c.Members, c.TenantID)
	}
	s := h.conn.nextKind(t, "send")
	card := s.card(t)
	if s.Conversation != "a:personal-29:dave" || !strings.Contains(card.Body[0].Text, "Welcome, <at>Dave Diaz</at>") {
		t.Errorf("welcome %q in %q", card.Body[0].Text, s.Conversation)
	}
	// The channel is linked to Checkout, so the welcome names its people.
	if !strings.Contains(fmt.Sprint(card.Body), "Alice Archer") {
		t.Errorf("welcome does not show Checkout's roles: %+v", card.Body)
	}

	h.send(h.conversationUpdate("f:1", testChannel, "29:dave")) // redelivery
	h.send(h.conversationUpdate("f:2", testChannel, "29:dave")) // a second event
	// One worker handles activities in order: once this message is answered,
	// both events before it were handled.
	h.send(h.channelMessage("after", alice, "who owns the roadmap?"))
	h.conn.nextKind(t, "reply")
	h.conn.none(t)
	if n := counter(t, h.metrics, "whoowns_redeliveries_deduplicated_total", "platform", "teams"); n != 1 {
		t.Errorf("redeliveries counted %v, want 1", n)
	}
}

// TestBotAddedThenAnnounce: when the bot joins a team it remembers the
// channel, so a lead's change to a team linked there is announced in it.
func TestBotAddedThenAnnounce(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	const general = "19:payments-general@thread.tacv2"
	h.send(h.conversationUpdate("f:bot", general, testBotID))
	// The lead links that channel to Payments from inside it (a channel of
	// another Microsoft Teams team could not be linked from Checkout's)…
	link := h.channelMessage("l1", lena, "channel here Payments")
	link["conversation"].(map[string]any)["id"] = general + ";messageid=l1"
	link["channelData"] = map[string]any{"tenant": map[string]any{"id": testTenant}, "team": map[string]any{"id": general},
		"channel": map[string]any{"id": general}}
	h.send(link)
	if r := h.conn.private(t, lena.ID, "l1"); !strings.Contains(r.Text, "Linked **#General** to **Payments**") {
		t.Fatalf("channel link reply %q", r.Text)
	}
	if a := h.conn.nextKind(t, "send"); a.Conversation != general {
		t.Fatalf("link announced in %q", a.Conversation)
	}
	// …then sets Payments' PM: the reply, and an announcement there.
	h.send(h.channelMessage("l2", lena, "set pm <at>Carol</at> Payments", mention(carol, "<at>Carol</at>")))
	r := h.conn.private(t, lena.ID, "l2")
	if !strings.Contains(r.Text, "<at>Carol Chen</at> is now Product Manager of **Payments**") || len(r.Entities) != 1 || r.Entities[0].Mentioned.ID != carol.ID {
		t.Errorf("reply %q with entities %+v", r.Text, r.Entities)
	}
	a := h.conn.nextKind(t, "send")
	if a.Conversation != general || !strings.Contains(a.Text, "made <at>Carol Chen</at> Product Manager of Payments") || len(a.Entities) != 2 {
		t.Errorf("announcement %q in %q with %d entities", a.Text, a.Conversation, len(a.Entities))
	}
	h.conn.none(t)
}

func TestNonLeadRefused(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	h.send(h.channelMessage("n1", alice, "set po <at>Carol</at> checkout", mention(carol, "<at>Carol</at>")))
	if r := h.conn.private(t, alice.ID, "n1"); !strings.Contains(r.Text, "Only leads") {
		t.Errorf("reply %q", r.Text)
	}
	d, _ := h.store.Directory(context.Background(), "teams:"+testTenant)
	if d.Teams["checkout"].Roles[ownership.ProductOwner].Person.ID != bob.ID {
		t.Error("a non-lead changed the PO")
	}
	if n := counter(t, h.metrics, "whoowns_commands_total", "outcome", "forbidden"); n != 1 {
		t.Errorf("forbidden commands counted %v", n)
	}
	h.conn.none(t)
}

func TestHomeAndHelpInPersonalChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.send(h.personalMessage("p1", alice, "home"))
	if c := h.conn.nextKind(t, "reply").card(t); c.Body[0].Text != "Who owns what" || c.Body[1].Text != "Your teams" {
		t.Errorf("home card starts %q", c.Body[0].Text)
	}
	h.send(h.personalMessage("p2", alice, "help"))
	if r := h.conn.nextKind(t, "reply"); !strings.Contains(r.Text, "`@whoowns help`") || r.Conversation != "a:personal-"+alice.ID {
		t.Errorf("help %q in %q", r.Text, r.Conversation)
	}
	h.conn.none(t)
}

// TestUnaddressedChannelMessagesIgnored: with resource-specific consent
// Teams sends every channel message; only those to the bot are answered.
func TestUnaddressedChannelMessagesIgnored(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	act := h.channelMessage("u1", alice, "")
	act["text"], act["entities"] = "lunch anyone?", nil
	h.send(act)
	h.send(h.channelMessage("u2", alice, "who owns the roadmap?"))
	if r := h.conn.nextKind(t, "reply"); r.ActivityID != "u2" {
		t.Errorf("replied to %q", r.ActivityID)
	}
	h.conn.none(t)
}

// TestReplyFailureCounted: a reply the connector keeps refusing is given up
// after the retries, logged and counted, and the worker moves on.
func TestReplyFailureCounted(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, 1)
	h.conn.status = func(kind string) int { return http.StatusServiceUnavailable }
	h.send(h.channelMessage("f1", alice, "who owns the roadmap?"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.conn.count.Load(); got != maxAttempts {
		t.Errorf("%d attempts, want %d", got, maxAttempts)
	}
	if n := counter(t, h.metrics, "whoowns_platform_api_errors_total", "method", "reply"); n != 1 {
		t.Errorf("failed replies counted %v, want 1", n)
	}
}

// TestShutdownDrains: activities acknowledged before shutdown are answered;
// after it, new ones are refused so the Bot Connector retries elsewhere.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, 2)
	for i := range 5 {
		h.send(h.channelMessage(fmt.Sprintf("d%d", i), alice, "who owns the roadmap?"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		h.conn.nextKind(t, "reply")
	}
	if code := h.post(h.channelMessage("late", alice, "who owns the roadmap?"), "Bearer "+h.token()); code != http.StatusServiceUnavailable {
		t.Errorf("after shutdown: HTTP %d, want 503", code)
	}
	if err := h.a.Run(context.Background()); err == nil {
		t.Error("a second Run was allowed")
	}
}

// TestQueueFull: when the workers fall behind, the request is refused with
// Retry-After instead of blocking the Bot Connector.
func TestQueueFull(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, 1)
	var logs strings.Builder
	h.a.log = slog.New(slog.NewJSONHandler(&logs, nil))
	for i := range queuePerWorker {
		h.send(h.channelMessage(fmt.Sprintf("q%d", i), alice, "hi"))
	}
	if code := h.post(h.channelMessage("over", alice, "hi"), "Bearer "+h.token()); code != http.StatusServiceUnavailable {
		t.Errorf("HTTP %d, want 503", code)
	}
	// Overload is visible in the log: platform and queue depth.
	if l := logs.String(); !strings.Contains(l, `"level":"WARN","msg":"teams: overloaded`) ||
		!strings.Contains(l, fmt.Sprintf(`"platform":"teams","queue_depth":%d,"queue_capacity":%d`, queuePerWorker, queuePerWorker)) {
		t.Errorf("no overload warning naming the platform and queue depth:\n%s", l)
	}
	if n := counter(t, h.metrics, "whoowns_requests_rejected_total", "reason", rejectBusy); n != 1 {
		t.Errorf("busy rejections counted %v", n)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, 1)
	act := h.channelMessage("big", alice, strings.Repeat("x", maxBody))
	if code := h.post(act, "Bearer "+h.token()); code != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP %d, want 413", code)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/messages", strings.NewReader("{not json"))
	req.Header.Set("Authorization", "Bearer x")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed body: HTTP %d, want 400", resp.StatusCode)
	}
}

// TestCommandErrorsAndAsk: a refused command naming someone still carries
// that mention's entity, and "ask …" is a question.
func TestCommandErrorsAndAsk(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	h.send(h.channelMessage("e1", lena, "member remove <at>Carol</at> Payments", mention(carol, "<at>Carol</at>")))
	r := h.conn.private(t, lena.ID, "e1")
	if !strings.Contains(r.Text, "<at>Carol Chen</at> is not a member of Payments") || len(r.Entities) != 1 || r.Entities[0].Mentioned.ID != carol.ID {
		t.Errorf("error reply %q with entities %+v", r.Text, r.Entities)
	}
	h.send(h.personalMessage("e2", carol, "ask who owns the roadmap?"))
	if c := h.conn.nextKind(t, "reply").card(t); !strings.Contains(c.Body[0].Text, "<at>Alice Archer</at>") {
		t.Errorf("ask: %q", c.Body[0].Text)
	}
	h.conn.none(t)
}

// Overlapping mention texts (found by FuzzActivity) never make two
// replacements cover the same bytes.
func TestMessageTextOverlappingMentions(t *testing.T) {
	t.Parallel()
	in := &inbound{}
	in.Text = "<at>Al</at>x<at>Bo</at>"
	in.Recipient.ID = "28:bot"
	// The second entity matches before the first and runs into its span.
	in.Entities = append(in.Entities,
		inEntity{Type: "mention", Text: "x<at>Bo</at>", Mentioned: &schema.ChannelAccount{ID: "29:b", Name: "Bo"}},
		inEntity{Type: "mention", Text: "<at>Al</at>x", Mentioned: &schema.ChannelAccount{ID: "29:a", Name: "Al"}},
	)
	text, _ := messageText(in)
	if !strings.Contains(text, "<@29:b|Bo>") || strings.Contains(text, "<@29:a|Al>") {
		t.Errorf("text = %q: want Bo's mention, and Al's overlapping one dropped", text)
	}
}

// TestChannelLinkNeedsTheTeamsList: a channel is linked from another channel
// only when the Bot Connector lists it in the team; when the list cannot be
// had, the link is refused with the reason and nothing changes.
func TestChannelLinkNeedsTheTeamsList(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	other := map[string]any{"type": "mention", "text": "<at>design</at>", "mentioned": map[string]any{"id": "19:design@thread.tacv2", "name": "design"}}
	for kind, want := range map[string]string{"404": "not a channel of this team", "503": "couldn't check that channel"} {
		status := http.StatusNotFound
		if kind == "503" {
			status = http.StatusServiceUnavailable
		}
		h.conn.status = func(k string) int {
			if k == "channels" {
				return status
			}
			return 0
		}
		id := "link-" + kind
		h.send(h.channelMessage(id, lena, "channel <at>design</at> Payments", other))
		if r := h.conn.private(t, lena.ID, id); !strings.Contains(r.Text, want) {
			t.Errorf("connector %s: reply %q, want %q", kind, r.Text, want)
		}
		h.conn.status = nil
		// A fresh list is asked for next time: failures are not cached.
		h.a.teamsMu.Lock()
		clear(h.a.teamChans)
		h.a.teamsMu.Unlock()
	}
	d, _ := h.store.Directory(context.Background(), "teams:"+testTenant)
	if t2 := d.ChannelTeam("19:design@thread.tacv2"); t2 != nil {
		t.Errorf("the channel was linked to %s", t2.ID)
	}
	h.conn.none(t)
}
