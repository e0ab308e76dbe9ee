package teams

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// A channel can be linked to a team of the directory only if it belongs to
// the tenant: it must be a channel of the Microsoft Teams team the command is
// typed in, as the Bot Connector lists them. A channel id typed or mentioned
// anywhere else proves nothing: it may be another organisation's, and every
// announcement would then be posted there.

const (
	// teamOfChannelPrefix + channel id: the Microsoft Teams team a channel
	// belongs to, as a signed activity from that channel said.
	teamOfChannelPrefix = "teams:channelteam:"
	// teamChannelsTTL is how long a team's channel list is trusted.
	teamChannelsTTL = time.Minute
	// maxCachedTeams bounds the channel-list cache.
	maxCachedTeams = 1000
)

// teamChannels is one team's channel ids as listed at a moment.
type teamChannels struct {
	at  time.Time
	ids map[string]bool
}

// channelCheck returns the bot.Message.CheckChannel of an activity in tenant.
func (a *Adapter) channelCheck(tenant ownership.TenantID, in *inbound) func(context.Context, ownership.Channel) error {
	return func(ctx context.Context, ch ownership.Channel) error {
		team := in.channelData.Team.ID
		if in.Conversation.ConversationType != convPersonal && ch.ID == channelOf(in).ID {
			// "here": the conversation the signed activity came from.
			return nil
		}
		if team == "" {
			// A personal or group chat: the channel's team is known only if
			// a signed activity of this tenant came from the channel.
			b, err := a.store.Ref(ctx, tenant, teamOfChannelPrefix+ch.ID)
			if err != nil {
				return ownership.Errorf(ownership.ErrUnavailable, "I couldn't check which team that channel belongs to; nothing changed. Please try again in a minute.")
			}
			if team = string(b); team == "" {
				return ownership.Errorf(ownership.ErrInvalid, "I can't confirm that channel belongs to your organisation, so nothing changed. Type the command in a channel of that team, or \"channel here <team>\" in the channel itself.")
			}
		}
		ok, err := a.inTeam(ctx, tenant, in.ServiceURL, team, ch.ID)
		if err != nil {
			a.log.Warn("teams: listing a team's channels failed", "team", team, "err", err)
			return ownership.Errorf(ownership.ErrUnavailable, "I couldn't check that channel with Microsoft Teams; nothing changed. Please try again in a minute.")
		}
		if !ok {
			return ownership.Errorf(ownership.ErrInvalid, "That channel is not a channel of this team in Microsoft Teams, so I can't link it; nothing changed. Link a channel of the team you're typing in, or type \"channel here <team>\" in the channel itself.")
		}
		return nil
	}
}

// inTeam reports whether channelID is one of the team's channels, from a
// list at most teamChannelsTTL old. A list read records its names.
func (a *Adapter) inTeam(ctx context.Context, tenant ownership.TenantID, serviceURL, team, channelID string) (bool, error) {
	ids, err := a.channelsOf(ctx, tenant, serviceURL, team)
	return ids[channelID], err
}

// channelsOf returns the ids of the team's channels, from a list at most
// teamChannelsTTL old; none when the bot is not in the team. A list read
// records its names.
func (a *Adapter) channelsOf(ctx context.Context, tenant ownership.TenantID, serviceURL, team string) (map[string]bool, error) {
	a.teamsMu.Lock()
	tc, ok := a.teamChans[team]
	a.teamsMu.Unlock()
	if !ok || time.Since(tc.at) >= teamChannelsTTL {
		list, err := a.conn.TeamChannels(ctx, serviceURL, team)
		var apiErr *APIError
		if errors.As(err, &apiErr) && (apiErr.Status == http.StatusForbidden || apiErr.Status == http.StatusNotFound) {
			// The bot is not in that team (or it is gone): none of its
			// channels can be verified.
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		tc = a.cacheChannels(team, list)
		a.noteChannelList(ctx, tenant, team, list)
	}
	return tc.ids, nil
}

// cacheChannels keeps a team's channel list for linking checks.
func (a *Adapter) cacheChannels(team string, list []ChannelInfo) teamChannels {
	tc := teamChannels{at: time.Now(), ids: make(map[string]bool, len(list))}
	for _, c := range list {
		tc.ids[c.ID] = true
	}
	a.teamsMu.Lock()
	if len(a.teamChans) >= maxCachedTeams {
		clear(a.teamChans)
	}
	a.teamChans[team] = tc
	a.teamsMu.Unlock()
	return tc
}
