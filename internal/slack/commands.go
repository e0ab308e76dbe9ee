package slack

import (
	"cmp"
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// slashResponse is the synchronous reply to a slash command (HTTP body, or
// Socket Mode ack payload).
type slashResponse struct {
	ResponseType string           `json:"response_type"`
	Text         string           `json:"text"`
	Blocks       []slackapi.Block `json:"blocks,omitempty"`
}

func ephemeral(m message) slashResponse {
	return slashResponse{ResponseType: slackapi.ResponseTypeEphemeral, Text: m.Text, Blocks: m.Blocks}
}

// runSlashCommand runs /whoowns and returns the issuer's private reply, nil
// for a command from a workspace the bot token does not serve (acknowledged
// with an empty body, so Slack shows nothing and does not retry).
// Announcements and welcomes go onto the queue.
func (a *Adapter) runSlashCommand(ctx context.Context, cmd slackapi.SlashCommand) *slashResponse {
	ctx = withDelivery(ctx, "command:"+cmd.TriggerID)
	o := origin{Team: cmd.TeamID, Enterprise: cmd.EnterpriseID}
	ctx, adm := a.admit(ctx, o, kindCommand)
	if adm != admitted {
		if adm == unknown {
			r := ephemeral(notice(rich.Plain("I can't reach Slack to confirm this workspace right now, so I did nothing. Please try again in a minute.")))
			return &r
		}
		return nil
	}
	r := a.slashCommand(ctx, dataKey(ctx, o), cmd)
	return &r
}

func (a *Adapter) slashCommand(ctx context.Context, team string, cmd slackapi.SlashCommand) slashResponse {
	m := bot.Message{
		Tenant:   tenant(team),
		Platform: platform,
		ID:       deliveryOf(ctx),
		User:     ownership.Person{ID: cmd.UserID, Name: cmd.UserName},
		Channel:  ownership.Channel{ID: cmd.ChannelID, Name: cmd.ChannelName},
		DM:       strings.HasPrefix(cmd.ChannelID, "D") || cmd.ChannelName == "directmessage",
		Text:     strings.TrimSpace(cmd.Text),
	}
	res, err := a.command(ctx, m)
	if err != nil {
		return ephemeral(notice(ownership.ErrorText(err)))
	}
	if len(res.Announcements) > 0 || len(res.Welcomes) > 0 || len(res.Notices) > 0 {
		id := m.ID
		if !a.enqueue(job{id: id, run: carryInstallation(ctx, func(ctx context.Context) { a.deliver(ctx, res) })}) {
			// The change itself is made; say plainly that the news is not out.
			a.metrics.APIError(platform, "queue")
			a.log.Error("slack: queue full; announcements and welcomes not sent", "delivery", id, "announcements", len(res.Announcements), "welcomes", len(res.Welcomes))
			res.Text = rich.Lines(res.Text, rich.Plain("(I'm overloaded and could not announce this change; please tell the team yourself.)"))
		}
	}
	if res.Answer != nil {
		return ephemeral(answerMessage(*res.Answer, cmd.UserID))
	}
	if !res.Private.Empty() {
		// The response is the issuer's alone: the full reply fits here.
		return ephemeral(textMessage(res.Private))
	}
	return ephemeral(textMessage(res.Text))
}

// commandMessage is the message that answers a command typed as a message:
// the refusal, the answer of "ask", or the command's text.
func commandMessage(res bot.CommandResult, err error, asker string) message {
	switch {
	case err != nil:
		return notice(ownership.ErrorText(err))
	case res.Answer != nil:
		return answerMessage(*res.Answer, asker)
	}
	return textMessage(res.Text)
}

// dmCommand runs a command typed in a direct message and replies there.
func (a *Adapter) dmCommand(ctx context.Context, m bot.Message, channel, thread string) {
	res, err := a.command(ctx, m)
	msg := commandMessage(res, err, m.User.ID)
	msg.Channel, msg.ThreadTS = channel, thread
	_, _ = a.postMessage(ctx, msg)
	if err == nil && !res.Private.Empty() {
		// The part for the author alone (help's full list in a channel).
		a.tellPrivately(ctx, m.User.ID, textMessage(res.Private), channel, thread)
	}
	if err == nil {
		a.deliver(ctx, res)
	}
}

// privateCommand runs a command typed in a channel whose reply must reach
// only its author: the reply is ephemeral in that channel (in the thread),
// or, if Slack cannot show it there, a direct message. Announcements go out
// as usual.
func (a *Adapter) privateCommand(ctx context.Context, m bot.Message, channel, thread string) {
	res, err := a.command(ctx, m)
	if err == nil && res.Answer == nil && !res.Private.Empty() {
		res.Text = res.Private
	}
	a.tellPrivately(ctx, m.User.ID, commandMessage(res, err, m.User.ID), channel, thread)
	if err == nil {
		a.deliver(ctx, res)
	}
}

// tellPrivately shows msg to user alone: ephemeral in the channel (in the
// thread), or, if Slack cannot show it there, by direct message.
func (a *Adapter) tellPrivately(ctx context.Context, user string, msg message, channel, thread string) {
	msg.Channel, msg.ThreadTS = channel, thread
	if perr := a.postEphemeral(ctx, user, msg); delivery.ClassOf(perr) == delivery.Refused {
		// Not in the channel any more, say: the reply still reaches them.
		if dm, derr := a.openDM(ctx, user); derr == nil {
			msg.Channel, msg.ThreadTS = dm, ""
			_, _ = a.postMessage(ctx, msg)
		}
	}
}

// command runs one command for m. Whether the user is a workspace admin
// (and so a lead) costs a users.info call, so it is asked only when it can
// matter: the core refused for lack of rights, or the name for the audit
// log is unknown. The answer is cached for a few minutes.
func (a *Adapter) command(ctx context.Context, m bot.Message) (bot.CommandResult, error) {
	team := strings.TrimPrefix(string(m.Tenant), "slack:")
	if m.CheckChannel == nil {
		// A channel is linked from the workspace the command came from,
		// even when the data is the org's.
		m.CheckChannel = a.checkChannel(cmp.Or(originOf(ctx).Team, team))
	}
	if m.CheckUser == nil {
		m.CheckUser = a.checkUser(team)
	}
	if m.User.Name == "" {
		if u, err := a.lookupUser(ctx, team, m.User.ID); err == nil {
			m.User.Name, m.PlatformAdmin = u.Name, u.Admin
		}
	}
	res, err := a.svc.Command(ctx, m)
	if ownership.ErrorCode(err) == ownership.ErrForbidden && !m.PlatformAdmin {
		if u, lerr := a.lookupUser(ctx, team, m.User.ID); lerr == nil && u.Admin {
			m.PlatformAdmin = true
			res, err = a.svc.Command(ctx, m)
		}
	}
	a.metrics.Command(platform, m.Text, err)
	if err != nil {
		a.logCoreError("command", m, err)
	}
	return res, err
}

// deliver posts a command's announcements to their channels and its
// welcomes by DM. Each is retried on its own; one failure does not stop
// the rest.
func (a *Adapter) deliver(ctx context.Context, res bot.CommandResult) {
	for _, an := range res.Announcements {
		_, _ = a.postMessage(ctx, message{Channel: an.Channel.ID, Text: mrkdwnOf(an.Text)})
	}
	for _, o := range res.Welcomes {
		_ = a.sendWelcome(ctx, o)
	}
	for _, n := range res.Notices {
		_ = a.sendNotice(ctx, n)
	}
}
