package slack

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/ownership"
)

// userCache remembers what users.info said about a person: whether they
// are a workspace admin or owner (and so a lead) for at most adminTTL, and
// their display name for longer. A user_change event replaces an entry at
// once. It keeps users.info off the hot path of answers.
type userCache struct {
	adminTTL, nameTTL time.Duration
	now               func() time.Time

	mu      sync.Mutex
	entries map[string]userEntry
}

type userEntry struct {
	info    userInfo
	fetched time.Time
}

// userInfo is the part of users.info the adapter uses.
type userInfo struct {
	Name  string
	Admin bool // workspace admin or owner, and not deactivated
	Bot   bool
	// Deleted marks a deactivated account: someone who left.
	Deleted bool
}

// How long what Slack said about a person is trusted: admin status (which
// makes a lead) briefly, since a demotion must take effect soon even on a
// replica that did not receive the user_change; names longer.
const (
	adminTTL = 60 * time.Second
	nameTTL  = 10 * time.Minute
)

// maxCachedUsers bounds the cache; past it, expired entries are dropped and,
// if that is not enough, everything is, which only costs fresh look-ups.
const maxCachedUsers = 10000

func newUserCache(now func() time.Time) *userCache {
	return &userCache{adminTTL: adminTTL, nameTTL: nameTTL, now: now, entries: map[string]userEntry{}}
}

// get returns the entry if its admin status is still fresh.
func (c *userCache) get(key string) (userInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().Sub(e.fetched) >= c.adminTTL {
		return userInfo{}, false
	}
	return e.info, true
}

// name returns the cached display name while it is fresh.
func (c *userCache) name(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().Sub(e.fetched) >= c.nameTTL {
		return ""
	}
	return e.info.Name
}

func (c *userCache) put(key string, u userInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxCachedUsers {
		for k, e := range c.entries {
			if now.Sub(e.fetched) >= c.nameTTL {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedUsers {
			c.entries = map[string]userEntry{}
		}
	}
	c.entries[key] = userEntry{info: u, fetched: now}
}

// userInfoOf reads what the adapter needs from Slack's user object. A
// deactivated account is nobody's admin.
func userInfoOf(su *slackapi.User) userInfo {
	u := userInfo{Name: su.Name, Admin: (su.IsAdmin || su.IsOwner || su.IsPrimaryOwner) && !su.Deleted, Bot: su.IsBot || su.ID == slackbot, Deleted: su.Deleted}
	if su.Profile.DisplayName != "" {
		u.Name = su.Profile.DisplayName
	}
	return u
}

// lookupUser returns what Slack says about user in team, from the cache when
// fresh.
func (a *Adapter) lookupUser(ctx context.Context, team, user string) (userInfo, error) {
	key := team + "/" + user
	if u, ok := a.users.get(key); ok {
		return u, nil
	}
	su, err := a.userInfo(ctx, user)
	if err != nil {
		return userInfo{}, err
	}
	u := userInfoOf(su)
	a.users.put(key, u)
	return u, nil
}

// person returns the ownership.Person for a user id, with the name from
// the cache when there is one; it never calls Slack.
func (a *Adapter) person(team, user, name string) ownership.Person {
	if name == "" {
		name = a.users.name(team + "/" + user)
	}
	return ownership.Person{ID: user, Name: name}
}

// onUserChange refreshes the cached entry of a person whose account
// changed (promoted, demoted, renamed, deactivated) at once, so the next
// command is judged on the new status. The event is Slack's signed word,
// so it needs no users.info call, and replaying it changes nothing.
func (a *Adapter) onUserChange(ctx context.Context, env *envelope) {
	var ev struct {
		User *slackapi.User `json:"user"`
	}
	if err := json.Unmarshal(env.Event, &ev); err != nil || ev.User == nil || ev.User.ID == "" {
		a.log.Warn("slack: malformed user_change", "event", env.EventID, "err", err)
		return
	}
	u := userInfoOf(ev.User)
	a.users.put(env.TeamID+"/"+ev.User.ID, u)
	a.log.Debug("slack: user changed", "user", ev.User.ID, "event", env.EventID)
	if u.Deleted && !u.Bot {
		a.depart(ctx, env.TeamID, ownership.Person{ID: ev.User.ID, Name: u.Name})
	}
}
