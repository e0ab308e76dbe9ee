package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

var _ bot.Outbox = (*Adapter)(nil)

// Serves reports whether tenant is a Slack workspace's (the scheduler's
// outbox routes by it).
func Serves(tenant ownership.TenantID) bool { return strings.HasPrefix(string(tenant), "slack:") }

// workspaceContext makes the Web API calls of ctx use the token that
// serves tenant: an installation's, or SLACK_BOT_TOKEN's when that token's
// workspace (or org) is the tenant. Work the scheduler starts has no
// payload to admit, so this is its admission.
func (a *Adapter) workspaceContext(ctx context.Context, tenant ownership.TenantID) (context.Context, error) {
	if !Serves(tenant) {
		return nil, fmt.Errorf("slack: %s is not a Slack workspace", tenant)
	}
	key := strings.TrimPrefix(string(tenant), "slack:")
	// The key is a team id, or an org's for an org-wide install's
	// payloads that named no workspace.
	o := origin{Team: key, Enterprise: key}
	if a.cfg.Installations != nil {
		in, err := a.cfg.Installations.Find(ctx, key, key)
		if err != nil && a.cfg.BotToken == "" {
			return nil, err
		}
		if in != nil {
			return withInstallation(ctx, in), nil
		}
	}
	if a.cfg.BotToken == "" {
		return nil, fmt.Errorf("slack: workspace %s has no installation", key)
	}
	id, err := a.identity(ctx)
	if err != nil {
		return nil, err
	}
	if !id.serves(o) {
		return nil, fmt.Errorf("slack: the bot token does not serve workspace %s", key)
	}
	return ctx, nil
}

// Post implements bot.Outbox: a new message in the channel.
func (a *Adapter) Post(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, text rich.Text) error {
	ctx, err := a.workspaceContext(ctx, tenant)
	if err != nil {
		return err
	}
	_, err = a.postMessage(ctx, message{Channel: ch.ID, Text: mrkdwnOf(text)})
	return err
}

// Tell implements bot.Outbox: a direct message from the bot.
func (a *Adapter) Tell(ctx context.Context, tenant ownership.TenantID, to ownership.Person, n bot.Notice) error {
	ctx, err := a.workspaceContext(ctx, tenant)
	if err != nil {
		return err
	}
	dm, err := a.openDM(ctx, to.ID)
	if err != nil {
		return err
	}
	msg := noticeMessage(n)
	msg.Channel = dm
	_, err = a.postMessage(ctx, msg)
	return err
}

// Publish implements bot.Outbox: a notice (the leads' digest) as a new
// message in a channel.
func (a *Adapter) Publish(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, n bot.Notice) error {
	ctx, err := a.workspaceContext(ctx, tenant)
	if err != nil {
		return err
	}
	msg := noticeMessage(n)
	msg.Channel = ch.ID
	_, err = a.postMessage(ctx, msg)
	return err
}
