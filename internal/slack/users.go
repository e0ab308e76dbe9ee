package slack

import (
	"context"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// userCache remembers what users.info said about a person for a while:
// whether they are a workspace admin or owner (and so a lead), a bot, and
// their display name. It keeps users.info off the hot path of answers.
type userCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]userEntry
}

type userEntry struct {
	info    userInfo
	expires time.Time
}

// userInfo is the part of users.info the adapter uses.
type userInfo struct {
	Name  string
	Admin bool // workspace admin or owner
	Bot   bool
}

// maxCachedUsers bounds the cache; past it, expired entries are dropped and,
// if that is not enough, everything is, which only costs fresh look-ups.
const maxCachedUsers = 10000

func newUserCache(ttl time.Duration, now func() time.Time) *userCache {
	return &userCache{ttl: ttl, now: now, entries: map[string]userEntry{}}
}

func (c *userCache) get(key string) (userInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().After(e.expires) {
		return userInfo{}, false
	}
	return e.info, true
}

func (c *userCache) put(key string, u userInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedUsers {
		now := c.now()
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedUsers {
			c.entries = map[string]userEntry{}
		}
	}
	c.entries[key] = userEntry{info: u, expires: c.now().Add(c.ttl)}
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
	u := userInfo{Name: su.Name, Admin: su.IsAdmin || su.IsOwner || su.IsPrimaryOwner, Bot: su.IsBot || su.ID == "USLACKBOT"}
	if su.Profile.DisplayName != "" {
		u.Name = su.Profile.DisplayName
	}
	a.users.put(key, u)
	return u, nil
}

// person returns the ownership.Person for a user id, with the name from
// the cache when there is one; it never calls Slack.
func (a *Adapter) person(team, user, name string) ownership.Person {
	if name == "" {
		if u, ok := a.users.get(team + "/" + user); ok {
			name = u.Name
		}
	}
	return ownership.Person{ID: user, Name: name}
}
