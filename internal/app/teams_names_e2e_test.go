package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Channels of the Microsoft Teams team of the names test besides those the
// connector lists: a private channel (private channels are not in the
// team's channel list) and one no activity ever came from.
const (
	e2ePrivate = "19:private@thread.tacv2"
	e2eUnseen  = "19:unseen@thread.tacv2"
)

// sayUnnamed is a channel message to the bot from a channel of the team,
// as Teams sends messages: channelData names the channel by id only.
func (w *teamsWorld) sayUnnamed(id string, from ownership.Person, channelID, text string) map[string]any {
	act := w.say(id, from, text)
	act["conversation"].(map[string]any)["id"] = channelID + ";messageid=" + id
	act["channelData"].(map[string]any)["channel"] = map[string]any{"id": channelID}
	return act
}

// teamEvent is a conversationUpdate of the team's: a channel or the team
// itself changed (eventType channelRenamed, teamRenamed…).
func (w *teamsWorld) teamEvent(id, eventType string, channel, team map[string]any) map[string]any {
	cd := map[string]any{"tenant": map[string]any{"id": e2eTenant}, "eventType": eventType, "team": team}
	if channel != nil {
		cd["channel"] = channel
	}
	return map[string]any{
		"type": "conversationUpdate", "id": id, "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"from":         map[string]any{"id": e2eLead.ID, "aadObjectId": "aad-" + e2eLead.ID},
		"recipient":    map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": e2eMSTeam, "conversationType": "channel", "isGroup": true, "tenantId": e2eTenant},
		"channelData":  cd,
	}
}

// sent finds the messages among calls posted to conversation.
func sent(calls []teamsCall, conversation string) []teamsCall {
	var out []teamsCall
	for _, c := range calls {
		if (c.kind == "send" || c.kind == "reply" || c.kind == "update") && c.conversation == conversation {
			out = append(out, c)
		}
	}
	return out
}

// TestTeamsE2EChannelNames: whatever the bot says about a linked Teams
// channel names it. A channel linked from a message that carries only its
// id is named from the team's channel list, read once with the bot's token
// however often it is shown; a channelRenamed event renames it in show and
// history, and channelDeleted marks it until channelRestored; a channel
// nobody can name is "a channel of team X" (the Teams
// team's name when known, else the whoowns team's). No rendered text
// shows a 19: id (the fake connector fails the test on any).
func TestTeamsE2EChannelNames(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	tenant := ownership.TenantID("teams:" + e2eTenant)
	_, _, err := w.store.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments", Channels: []ownership.Channel{{ID: e2eUnseen}}}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "seeded payments"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Linked from the channel itself; the message names the channel by id.
	w.post(w.sayUnnamed("l1", e2eLead, e2eDesign, "channel here checkout"))
	calls := w.drain()
	if n := w.channelLists.Load(); n != 1 {
		t.Fatalf("the team's channel list was read %d times, want once", n)
	}
	priv := sent(calls, "a:personal-"+e2eLead.ID)
	if len(priv) != 1 || !strings.Contains(priv[0].out.Text, "Linked **#design** to **Checkout**") {
		t.Fatalf("lead's reply: %+v", priv)
	}
	for _, ch := range []string{e2eChannel, e2eDesign} {
		got := sent(calls, ch)
		if len(got) != 1 || !strings.Contains(got[0].out.Text, "<at>Lena Lead</at> linked **#design** to Checkout.") {
			t.Fatalf("announcement in %s: %+v", ch, got)
		}
	}

	// Renamed in Teams.
	w.post(w.teamEvent("e1", "channelRenamed", map[string]any{"id": e2eDesign, "name": "design-reviews"}, map[string]any{"id": e2eMSTeam}))
	w.post(w.say("s1", e2eLead, "show checkout"))
	show := w.next("reply")
	mustContain(t, "show after the rename", show.out.Text, "Channels: **#checkout**, **#design-reviews**")
	w.post(w.say("h1", e2eLead, "history checkout"))
	hist := w.private(e2eLead, "h1")
	mustContain(t, "history after the rename", hist.out.Text, "<at>Lena Lead</at> linked **#design-reviews** to Checkout")

	// A channel no list names: the Teams team's name once Teams said it,
	// else the whoowns team's.
	w.post(w.teamEvent("e2", "teamRenamed", nil, map[string]any{"id": e2eMSTeam, "name": "Product & Design"}))
	w.post(w.sayUnnamed("l2", e2eLead, e2ePrivate, "channel here payments"))
	calls = w.drain()
	priv = sent(calls, "a:personal-"+e2eLead.ID)
	if len(priv) != 1 || !strings.Contains(priv[0].out.Text, "Linked a channel of team **Product &amp; Design** to **Payments**") {
		t.Fatalf("lead's reply for a private channel: %+v", priv)
	}
	w.post(w.say("s2", e2eLead, "show payments"))
	mustContain(t, "show payments", w.next("reply").out.Text,
		"Channels: a channel of team **Payments**, a channel of team **Product &amp; Design**")
	// Deleted in Teams, then restored.
	w.post(w.teamEvent("e3", "channelDeleted", map[string]any{"id": e2eDesign, "name": "design-reviews"}, map[string]any{"id": e2eMSTeam}))
	w.post(w.say("s3", e2eLead, "show checkout"))
	mustContain(t, "show after the deletion", w.next("reply").out.Text, "Channels: **#checkout**, **#design-reviews** (deleted in Teams)")
	w.post(w.teamEvent("e4", "channelRestored", map[string]any{"id": e2eDesign, "name": "design-reviews"}, map[string]any{"id": e2eMSTeam}))
	w.post(w.say("s4", e2eLead, "show checkout"))
	if got := w.next("reply").out.Text; !strings.Contains(got, "**#design-reviews**") || strings.Contains(got, "deleted") {
		t.Errorf("show after the restore: %q", got)
	}
	if n := w.channelLists.Load(); n != 1 {
		t.Errorf("the team's channel list was read %d times within its TTL, want once", n)
	}
	w.quiet()
}
