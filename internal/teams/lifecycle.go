package teams

import (
	"context"
	"maps"
	"slices"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// leftTeam is the actor of the audit entries a member leaving writes.
const leftTeam = "Teams: left the team"

// onMembersRemoved flags the roles of people who left a Microsoft Teams
// team with a channel linked to a team of the directory. Leaving one team
// is not leaving the company: the roles stay, flagged for review, and the
// leads are told. The activity is claimed (firstDelivery) and flagging
// twice changes nothing, so leads hear of it once.
func (a *Adapter) onMembersRemoved(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	if len(in.MembersRemoved) == 0 || in.Conversation.ConversationType != convChannel {
		return
	}
	// Teams reports the removal in the team's General channel; a channel of
	// the directory may be any channel of that team, so every one of the
	// team's channels, as the Bot Connector lists them, is looked for.
	channels := []string{channelOf(in).ID}
	if id := in.channelData.Team.ID; id != "" {
		channels = append(channels, id)
		ids, err := a.channelsOf(ctx, tenant, in.ServiceURL, id)
		if err != nil {
			a.log.Warn("teams: listing the channels of a team someone left failed; only its General channel is looked for", "team", id, "activity", in.ID, "err", err)
		}
		for _, ch := range slices.Sorted(maps.Keys(ids)) {
			channels = append(channels, ch)
		}
	}
	reason := "left the Microsoft Teams team"
	if n := in.channelData.Team.Name; n != "" {
		reason += " " + n
	}
	for _, mem := range in.MembersRemoved {
		if mem.ID == in.Recipient.ID || !isUser(mem.ID) {
			continue
		}
		res, err := a.svc.FlagDeparted(ctx, tenant, channels, ownership.Person{ID: mem.ID, Name: mem.Name}, leftTeam, reason)
		if err != nil {
			a.log.Error("teams: flagging a departed member's roles failed", "user", mem.ID, "activity", in.ID, "err", err)
			continue
		}
		for _, n := range res.Notices {
			a.sendNotice(ctx, in, n)
		}
	}
}

// sendNotice delivers a notice in the person's personal chat with the bot.
func (a *Adapter) sendNotice(ctx context.Context, in *inbound, n bot.Notice) {
	conv, err := a.conn.CreatePersonal(ctx, in.ServiceURL, in.Recipient, schema.ChannelAccount{ID: n.To.ID}, tenantOf(in))
	if err == nil {
		_, err = a.conn.Send(ctx, in.ServiceURL, conv, noticeActivity(n, in.channelData.Team.ID))
	}
	if err != nil {
		a.log.Error("teams: private notice failed", "user", n.To.ID, "activity", in.ID, "err", err)
	}
}

// onDecide approves or declines a request from a card's button. The
// clicker is the activity's sender, as the Bot Connector's signed token
// vouches; the core checks inside its update that they lead this tenant.
func (a *Adapter) onDecide(ctx context.Context, in *inbound, m bot.Message, d submitData) {
	if d.Request == "" || d.Approve == nil {
		a.log.Debug("teams: malformed decision ignored", "activity", in.ID)
		return
	}
	res, err := a.svc.Decide(ctx, m, d.Request, *d.Approve)
	if err != nil {
		a.tell(ctx, in, a.errorActivity(ctx, in, m, "decide", err))
		return
	}
	out := a.textFor(ctx, m.Tenant, in.ServiceURL, res.Text)
	if d.Home {
		// The home card again, without the request, under the outcome.
		if h, herr := a.svc.Home(ctx, m); herr == nil {
			card := cardActivity(homeCard(h))
			card.Text, card.TextFormat, card.Entities = out.Text, out.TextFormat, out.Entities
			out = card
		}
	}
	a.replace(ctx, in, out)
	for _, an := range res.Announcements {
		a.announce(ctx, m.Tenant, an)
	}
	for _, n := range res.Notices {
		a.sendNotice(ctx, in, n)
	}
}
