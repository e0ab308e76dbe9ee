package app

import (
	"context"
	"fmt"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/teams"
)

// outbox sends what scheduled work produces through the transport of the
// tenant's platform.
type outbox struct {
	slack *slack.Adapter
	teams *teams.Adapter
}

var _ bot.Outbox = outbox{}

func (o outbox) route(tenant ownership.TenantID) (bot.Outbox, error) {
	switch {
	case slack.Serves(tenant) && o.slack != nil:
		return o.slack, nil
	case teams.Serves(tenant) && o.teams != nil:
		return o.teams, nil
	}
	return nil, fmt.Errorf("no transport serves %s on this replica", tenant)
}

// Post implements bot.Outbox.
func (o outbox) Post(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, text rich.Text) error {
	t, err := o.route(tenant)
	if err != nil {
		return err
	}
	return t.Post(ctx, tenant, ch, text)
}

// Tell implements bot.Outbox.
func (o outbox) Tell(ctx context.Context, tenant ownership.TenantID, to ownership.Person, n bot.Notice) error {
	t, err := o.route(tenant)
	if err != nil {
		return err
	}
	return t.Tell(ctx, tenant, to, n)
}

// Publish implements bot.Outbox.
func (o outbox) Publish(ctx context.Context, tenant ownership.TenantID, ch ownership.Channel, n bot.Notice) error {
	t, err := o.route(tenant)
	if err != nil {
		return err
	}
	return t.Publish(ctx, tenant, ch, n)
}
