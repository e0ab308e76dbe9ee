package teams

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Channel names. A Teams channel id (19:…@thread.tacv2) means nothing to
// people, so whatever the bot says about a channel shows its name: the core
// hands the renderer a typed channel link (rich.Channel) and, before
// rendering, the adapter puts the channel's current name in it.
//
// Names come from what Teams says: channelData.channel.name and
// channelData.team.name on inbound activities (conversationUpdate's
// channelCreated, channelRenamed, channelDeleted, channelRestored and
// teamRenamed events carry them; messages mostly do not), and the team's
// channel list from the Bot Connector (GET /v3/teams/{id}/conversations,
// where the General channel has no name and the team's id). They are kept
// per tenant in the store. A name older than channelNamesTTL, or a channel
// with no name at all, makes one replica read its team's list again, at
// most once per team per channelNamesTTL across all replicas (a claim in
// the store). A channel whose name cannot be known is "a channel of team
// X", X the Microsoft Teams team's name if known, else the name of the
// whoowns team it is linked to: never its id.

const (
	// channelNamePrefix + channel id: a channelName.
	channelNamePrefix = "teams:chname:"
	// teamNamePrefix + Microsoft Teams team id: the team's name.
	teamNamePrefix = "teams:teamname:"
	// channelListClaim + tenant + "|" + team id: the claim of one read of
	// the team's channel list.
	channelListClaim = "teams:chlist:"
	// channelNamesTTL is how long a recorded name is trusted before the
	// team's channel list is read again.
	channelNamesTTL = time.Hour
	// generalChannel is the name Teams shows for the channel whose id is
	// the team's.
	generalChannel = "General"
)

// channelName is what the bot knows of a channel.
type channelName struct {
	Name string `json:"name,omitempty"`
	// Team is the Microsoft Teams team's id.
	Team    string    `json:"team,omitempty"`
	Deleted bool      `json:"deleted,omitempty"`
	At      time.Time `json:"at"`
}

// noteNames records the channel and team names an inbound activity
// carries. A name never gets overwritten by an absent one.
func (a *Adapter) noteNames(ctx context.Context, tenant ownership.TenantID, in *inbound) {
	cd := in.channelData
	if cd.Team.ID != "" && strings.TrimSpace(cd.Team.Name) != "" {
		a.putOnce(ctx, tenant, teamNamePrefix+cd.Team.ID, cd.Team.Name, []byte(cd.Team.Name))
	}
	if in.Conversation.ConversationType != convChannel {
		return
	}
	ch := channelOf(in)
	if ch.ID == "" || strings.TrimSpace(ch.Name) == "" {
		return
	}
	a.noteChannel(ctx, tenant, ch.ID, channelName{Name: ch.Name, Team: cd.Team.ID, Deleted: cd.EventType == "channelDeleted"})
}

// noteChannel stores a channel's name, unless this replica already stored
// the same one.
func (a *Adapter) noteChannel(ctx context.Context, tenant ownership.TenantID, id string, n channelName) {
	n.At = a.now().UTC()
	b, err := json.Marshal(n)
	if err != nil {
		return
	}
	sig := n.Name + "\x00" + n.Team
	if n.Deleted {
		sig += "\x00deleted"
	}
	a.putOnce(ctx, tenant, channelNamePrefix+id, sig, b)
}

// noteChannelList stores the names of a team's channel list.
func (a *Adapter) noteChannelList(ctx context.Context, tenant ownership.TenantID, team string, list []ChannelInfo) {
	for _, c := range list {
		name := c.Name
		if name == "" && c.ID == team {
			name = generalChannel
		}
		if c.ID == "" || name == "" {
			continue
		}
		n := channelName{Name: name, Team: team, At: a.now().UTC()}
		b, err := json.Marshal(n)
		if err != nil {
			continue
		}
		// Always written: the time says the list was read now.
		if err := a.store.PutRef(ctx, tenant, channelNamePrefix+c.ID, b); err != nil {
			a.log.Warn("teams: storing a channel's name", "channel", c.ID, "err", err)
			return
		}
		a.remember(tenant, channelNamePrefix+c.ID, name+"\x00"+team)
	}
}

// channelRecord reads what is known of a channel.
func (a *Adapter) channelRecord(ctx context.Context, tenant ownership.TenantID, id string) (channelName, bool) {
	b, err := a.store.Ref(ctx, tenant, channelNamePrefix+id)
	if err != nil {
		a.log.Warn("teams: reading a channel's name", "channel", id, "err", err)
		return channelName{}, false
	}
	var n channelName
	if b == nil || json.Unmarshal(b, &n) != nil {
		return channelName{}, false
	}
	return n, true
}

// refString reads a ref as a string ("" when absent or unreadable).
func (a *Adapter) refString(ctx context.Context, tenant ownership.TenantID, key string) string {
	b, err := a.store.Ref(ctx, tenant, key)
	if err != nil {
		a.log.Warn("teams: reading a stored value", "key", key, "err", err)
		return ""
	}
	return string(b)
}

// hasChannel reports whether t links a channel.
func hasChannel(t rich.Text) bool {
	for _, s := range t {
		if s.Kind == rich.KindChannel {
			return true
		}
	}
	return false
}

// channelNames returns t with every channel link named for Teams: the
// channel's current name, or words that say whose channel it is. A text
// without channel links is returned as it is, at no cost. serviceURL is
// where the Bot Connector is reached ("" for the tenant's stored one).
func (a *Adapter) channelNames(ctx context.Context, tenant ownership.TenantID, serviceURL string, t rich.Text) rich.Text {
	if !hasChannel(t) {
		return t
	}
	shown := map[string]rich.Text{}
	out := make(rich.Text, 0, len(t)+2)
	for _, s := range t {
		if s.Kind != rich.KindChannel {
			out = append(out, s)
			continue
		}
		r, ok := shown[s.ID]
		if !ok {
			r = a.channelShown(ctx, tenant, serviceURL, s)
			shown[s.ID] = r
		}
		out = append(out, r...)
	}
	return out
}

// channelShown is how a channel link reads: its name as recorded (read
// again from the team's list when stale or unknown; a channel Teams said
// was deleted says so), else the name the core had for it, else "a channel
// of team X".
func (a *Adapter) channelShown(ctx context.Context, tenant ownership.TenantID, serviceURL string, s rich.Span) rich.Text {
	if s.ID == "" {
		return rich.Text{s}
	}
	rec, ok := a.channelRecord(ctx, tenant, s.ID)
	team := rec.Team
	if team == "" {
		team = a.refString(ctx, tenant, teamOfChannelPrefix+s.ID)
	}
	stale := ok && a.now().Sub(rec.At) >= channelNamesTTL
	unknown := rec.Name == "" && strings.TrimSpace(s.Text) == ""
	if (stale || unknown) && team != "" && a.readChannelList(ctx, tenant, serviceURL, team) {
		if r, found := a.channelRecord(ctx, tenant, s.ID); found {
			rec = r
		}
	}
	if rec.Deleted && rec.Name != "" {
		return rich.Concat(rich.Channel(s.ID, rec.Name), rich.Plain(" (deleted in Teams)"))
	}
	name := rec.Name
	if name == "" && a.refString(ctx, tenant, teamNamePrefix+s.ID) != "" {
		// The channel whose id is a team's is its General channel.
		name = generalChannel
	}
	if name == "" {
		name = strings.TrimSpace(s.Text)
	}
	if name != "" {
		return rich.Channel(s.ID, name)
	}
	owner := ""
	if team != "" {
		owner = a.refString(ctx, tenant, teamNamePrefix+team)
	}
	if owner == "" {
		if t, linked, err := a.svc.TeamForChannel(ctx, tenant, s.ID); err == nil && linked {
			owner = t.Name
		}
	}
	if owner == "" {
		return rich.Plain("a channel")
	}
	return rich.Sprintf("a channel of team %s", rich.Strong(owner))
}

// readChannelList reads a team's channel list from the Bot Connector and
// records its names, unless a replica claimed that within
// channelNamesTTL; it reports whether it read the list.
func (a *Adapter) readChannelList(ctx context.Context, tenant ownership.TenantID, serviceURL, team string) bool {
	first, err := a.store.Claim(ctx, channelListClaim+string(tenant)+"|"+team, channelNamesTTL)
	if err != nil || !first {
		return false
	}
	if serviceURL == "" {
		b, err := a.store.Ref(ctx, tenant, botRefKey)
		var ref schema.ConversationReference
		if err != nil || b == nil || json.Unmarshal(b, &ref) != nil || ref.ServiceURL == "" {
			return false
		}
		serviceURL = ref.ServiceURL
	}
	list, err := a.conn.TeamChannels(ctx, serviceURL, team)
	if err != nil {
		// Not read again before the claim ends: a team the bot left
		// answers 403 every time.
		a.log.Warn("teams: listing a team's channels for their names failed", "team", team, "err", err)
		return false
	}
	a.cacheChannels(team, list)
	a.noteChannelList(ctx, tenant, team, list)
	return true
}

// textFor renders core text as a message, its channels named.
func (a *Adapter) textFor(ctx context.Context, tenant ownership.TenantID, serviceURL string, t rich.Text) Activity {
	return textActivity(a.channelNames(ctx, tenant, serviceURL, t))
}
