package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// deactivated is the actor of the audit entries a deactivation writes.
const deactivated = "Slack: account deactivated"

// depart vacates what a deactivated user held in the workspace (or
// Enterprise org) team. The store update is idempotent: of all the
// replicas and redeliveries that see the event, exactly one gets news to
// send, and it sends it.
func (a *Adapter) depart(ctx context.Context, team string, p ownership.Person) {
	res, err := a.svc.Depart(ctx, tenant(team), platform, p, deactivated)
	if err != nil {
		a.logCoreError("departure", bot.Message{Tenant: tenant(team), Platform: platform, User: p}, err)
		return
	}
	a.deliver(ctx, res)
}

// checkUser refuses a person who cannot hold a role: a deactivated account
// or a bot, as users.info (cached) says. A look-up that fails refuses
// nothing: Slack's word is needed to refuse.
func (a *Adapter) checkUser(team string) func(context.Context, ownership.Person) error {
	return func(ctx context.Context, p ownership.Person) error {
		u, err := a.lookupUser(ctx, team, p.ID)
		if err != nil {
			a.log.Debug("slack: users.info failed; the person is not checked", "user", p.ID, "err", err)
			return nil
		}
		name := rich.Mention(p.ID, p.Label())
		switch {
		case u.Deleted:
			return ownership.Errorf(ownership.ErrInvalid, "%s's Slack account is deactivated, so they can't hold a role or be on a team. Pick someone who is still here; nothing changed.", plainName(p, u))
		case u.Bot:
			return ownership.Errorf(ownership.ErrInvalid, "%s is a bot, not a person, so it can't hold a role or be on a team. Pick a person; nothing changed.", name)
		}
		return nil
	}
}

// plainName names a departed person without a mention.
func plainName(p ownership.Person, u userInfo) string {
	if u.Name != "" {
		return u.Name
	}
	return p.Label()
}

// sendNotice opens the DM and posts a notice with its buttons.
func (a *Adapter) sendNotice(ctx context.Context, n bot.Notice) error {
	ch, err := a.openDM(ctx, n.To.ID)
	if err != nil {
		return err
	}
	msg := noticeMessage(n)
	msg.Channel = ch
	_, err = a.postMessage(ctx, msg)
	return err
}

// onDecide approves or declines a request. Who clicked is the signed
// payload's user; the core checks inside its update that they lead this
// workspace, so a forged or stale button changes nothing.
func (a *Adapter) onDecide(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	name, id, _ := strings.Cut(act.ActionID, ":")
	if id == "" || id != act.Value {
		a.log.Warn("slack: malformed request action", "action", act.ActionID)
		return
	}
	m := in.message(ctx, a, "")
	m.ID = "action:" + act.ActionTs
	res, err := a.svc.Decide(ctx, m, id, name == actionApprove)
	if in.cb.View.Type == slackapi.VTHomeTab {
		// From App Home: the outcome in a modal, and the home without
		// the request.
		text := res.Text
		if err != nil {
			a.logCoreError("decide", m, err)
			text = ownership.ErrorText(err)
		} else {
			a.deliver(ctx, res)
		}
		if err := a.openView(ctx, in.cb.TriggerID, false, noticeView(text)); err != nil {
			a.log.Warn("slack: could not show a decision's outcome", "err", err)
		}
		_ = a.showHome(ctx, in.team, in.cb.User.ID, 0)
		return
	}
	a.finishAction(ctx, in, m, "decide", res, err)
}

// onFill fills a vacated role with the person picked: the action id
// carries the team and the role; the core checks the lead again.
func (a *Adapter) onFill(ctx context.Context, in *interaction, act *slackapi.BlockAction) {
	parts := strings.SplitN(act.ActionID, ":", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" || act.SelectedUser == "" {
		a.log.Warn("slack: malformed fill action", "action", act.ActionID)
		return
	}
	m := in.message(ctx, a, "")
	m.ID = "action:" + act.ActionTs
	m.CheckUser = a.checkUser(strings.TrimPrefix(string(m.Tenant), "slack:"))
	p := a.person(strings.TrimPrefix(string(m.Tenant), "slack:"), act.SelectedUser, "")
	res, err := a.svc.Fill(ctx, m, parts[1], ownership.Role(parts[2]), p)
	a.finishAction(ctx, in, m, "fill", res, err)
}

// finishAction shows the outcome of a lead's click in place of the message
// clicked (a refusal only to the clicker, the message kept), then delivers
// the announcements and notices.
func (a *Adapter) finishAction(ctx context.Context, in *interaction, m bot.Message, op string, res bot.CommandResult, err error) {
	if err != nil {
		a.logCoreError(op, m, err)
		_ = a.tell(ctx, in, notice(ownership.ErrorText(err)))
		return
	}
	_ = a.replace(ctx, in, textMessage(res.Text))
	a.deliver(ctx, res)
}
