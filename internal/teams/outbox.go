package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

var _ bot.Outbox = (*Adapter)(nil)

// Serves reports whether tenant is a Microsoft 365 tenant's (the
// scheduler's outbox routes by it).
func Serves(tenant ownership.TenantID) bool { return strings.HasPrefix(string(tenant), "teams:") }

// Post implements bot.Outbox: a new message in the channel, through the
// reference stored when the bot last heard from it (or the tenant's).
func (a *Adapter) Post(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, text rich.Text) error {
	ref, ok := a.channelRef(ctx, tenant, ch.ID)
	if !ok {
		return fmt.Errorf("teams: no conversation reference for channel %s of %s yet", ch.ID, tenant)
	}
	_, err := a.conn.Send(ctx, ref.ServiceURL, ref.Conversation.ID, a.textFor(ctx, tenant, ref.ServiceURL, text))
	return err
}

// Tell implements bot.Outbox: a message in the person's personal chat with
// the bot, opened proactively (Teams returns the existing one) with the
// service URL and bot account the tenant's activities carried.
func (a *Adapter) Tell(ctx context.Context, tenant ownership.TenantID, to ownership.Person, n bot.Notice) error {
	b, err := a.store.Ref(ctx, tenant, botRefKey)
	if err != nil {
		return err
	}
	var ref schema.ConversationReference
	if b == nil || json.Unmarshal(b, &ref) != nil || ref.ServiceURL == "" {
		return fmt.Errorf("teams: no conversation reference for %s yet: the bot has not heard from this tenant", tenant)
	}
	conv, err := a.conn.CreatePersonal(ctx, ref.ServiceURL, ref.Bot, schema.ChannelAccount{ID: to.ID}, strings.TrimPrefix(string(tenant), "teams:"))
	if err != nil {
		return err
	}
	act := noticeActivity(n, "")
	act.From = &ref.Bot
	_, err = a.conn.Send(ctx, ref.ServiceURL, conv, act)
	return err
}

// Publish implements bot.Outbox: a notice (the leads' digest) as a new
// message in a channel.
func (a *Adapter) Publish(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, n bot.Notice) error {
	ref, ok := a.channelRef(ctx, tenant, ch.ID)
	if !ok {
		return fmt.Errorf("teams: no conversation reference for channel %s of %s yet", ch.ID, tenant)
	}
	_, err := a.conn.Send(ctx, ref.ServiceURL, ref.Conversation.ID, noticeActivity(n, ""))
	return err
}
