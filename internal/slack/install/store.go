package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Refs is the part of ownership.Store installations are kept in: one small
// value per workspace (or org), under the tenant's own keys.
type Refs interface {
	PutRef(ctx context.Context, tenant ownership.TenantID, key string, value []byte) error
	Ref(ctx context.Context, tenant ownership.TenantID, key string) ([]byte, error)
}

// refKey is the ref an installation is kept under, in the tenant
// "slack:<team>", or "slack:<enterprise>" for an org-wide install.
const refKey = "slack-installation"

// Cache lifetimes of lookups: an installation found, and none found.
const (
	DefaultCacheTTL     = 30 * time.Second
	DefaultMissCacheTTL = 10 * time.Second
)

// record is an installation as stored: every token sealed, bound to the
// tenant it is stored under.
type record struct {
	TeamID            string     `json:"team_id,omitempty"`
	TeamName          string     `json:"team_name,omitempty"`
	EnterpriseID      string     `json:"enterprise_id,omitempty"`
	EnterpriseName    string     `json:"enterprise_name,omitempty"`
	EnterpriseInstall bool       `json:"is_enterprise_install,omitempty"`
	AppID             string     `json:"app_id,omitempty"`
	BotUserID         string     `json:"bot_user_id,omitempty"`
	BotToken          string     `json:"bot_token_sealed,omitempty"`
	RefreshToken      string     `json:"refresh_token_sealed,omitempty"`
	ExpiresAt         *time.Time `json:"expires_at,omitempty"`
	Scopes            []string   `json:"scopes,omitempty"`
	InstallerUserID   string     `json:"installer_user_id,omitempty"`
	InstalledAt       time.Time  `json:"installed_at"`
	UninstalledAt     *time.Time `json:"uninstalled_at,omitempty"`
}

// Store keeps installations in the ownership store, tokens sealed, and
// caches lookups in memory for a short time so the answer path costs no
// extra round trip.
type Store struct {
	refs    Refs
	sealer  *Sealer
	now     func() time.Time
	ttl     time.Duration
	missTTL time.Duration

	mu    sync.Mutex
	cache map[string]cached

	// Token rotation (see WithRotation); refresher nil: off.
	refresher     Refresher
	locks         Locker
	refreshBefore time.Duration

	// Retention (see WithRetention); sched nil: data is kept.
	sched     Schedule
	retention time.Duration
}

type cached struct {
	in    *Installation // nil: none
	until time.Time
}

// NewStore keeps installations in refs, sealed by sealer.
func NewStore(refs Refs, sealer *Sealer) *Store {
	return &Store{refs: refs, sealer: sealer, now: time.Now, ttl: DefaultCacheTTL, missTTL: DefaultMissCacheTTL, cache: map[string]cached{}}
}

func tenantOf(id string) ownership.TenantID { return ownership.TenantID("slack:" + id) }

// storeID is the id an installation is kept under.
func (in *Installation) storeID() string {
	if in.EnterpriseInstall {
		return in.EnterpriseID
	}
	return in.TeamID
}

// Save stores in, replacing an earlier installation of the same workspace
// or org.
func (s *Store) Save(ctx context.Context, in *Installation) error {
	id := in.storeID()
	if id == "" {
		return errors.New("install: an installation needs a team or an org")
	}
	t := tenantOf(id)
	r := record{TeamID: in.TeamID, TeamName: in.TeamName, EnterpriseID: in.EnterpriseID, EnterpriseName: in.EnterpriseName,
		EnterpriseInstall: in.EnterpriseInstall, AppID: in.AppID, BotUserID: in.BotUserID, Scopes: in.Scopes,
		InstallerUserID: in.InstallerUserID, InstalledAt: in.InstalledAt}
	var err error
	if r.BotToken, err = s.sealer.Seal(in.BotToken, string(t)+":bot"); err != nil {
		return err
	}
	if in.RefreshToken != "" {
		if r.RefreshToken, err = s.sealer.Seal(in.RefreshToken, string(t)+":refresh"); err != nil {
			return err
		}
	}
	if !in.ExpiresAt.IsZero() {
		at := in.ExpiresAt
		r.ExpiresAt = &at
	}
	if err := s.put(ctx, t, r); err != nil {
		return err
	}
	s.forget(id)
	if s.sched != nil {
		// A reinstall keeps the data: the deletion scheduled by the
		// uninstall is called off (and checks again when it runs).
		if err := s.sched.CancelJob(ctx, purgeJob(t)); err != nil {
			return fmt.Errorf("install: calling off the deletion of the data: %w", err)
		}
	}
	return nil
}

func (s *Store) put(ctx context.Context, t ownership.TenantID, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := s.refs.PutRef(ctx, t, refKey, b); err != nil {
		return fmt.Errorf("install: storing the installation: %w", err)
	}
	return nil
}

// get reads the record kept under id; nil when there is none.
func (s *Store) get(ctx context.Context, id string) (*record, error) {
	b, err := s.refs.Ref(ctx, tenantOf(id), refKey)
	if err != nil || b == nil {
		return nil, err
	}
	r, err := decodeRecord(b)
	if err != nil {
		return nil, fmt.Errorf("install: unreadable installation of %s: %w", id, err)
	}
	return r, nil
}

func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// open turns a stored record into an installation with its tokens; nil
// when it is uninstalled.
func (s *Store) open(id string, r *record) (*Installation, error) {
	if r == nil || r.BotToken == "" || r.UninstalledAt != nil {
		return nil, nil
	}
	t := tenantOf(id)
	bot, _, err := s.sealer.Open(r.BotToken, string(t)+":bot")
	if err != nil {
		return nil, fmt.Errorf("install: the bot token of %s: %w", id, err)
	}
	in := &Installation{TeamID: r.TeamID, TeamName: r.TeamName, EnterpriseID: r.EnterpriseID, EnterpriseName: r.EnterpriseName,
		EnterpriseInstall: r.EnterpriseInstall, AppID: r.AppID, BotUserID: r.BotUserID, BotToken: bot, Scopes: r.Scopes,
		InstallerUserID: r.InstallerUserID, InstalledAt: r.InstalledAt}
	if r.RefreshToken != "" {
		if in.RefreshToken, _, err = s.sealer.Open(r.RefreshToken, string(t)+":refresh"); err != nil {
			return nil, fmt.Errorf("install: the refresh token of %s: %w", id, err)
		}
	}
	if r.ExpiresAt != nil {
		in.ExpiresAt = *r.ExpiresAt
	}
	return in, nil
}

// Find returns the installation that serves a payload from team (of org
// enterprise): the workspace's own, else the org-wide one. nil means the
// workspace has none (never installed, or uninstalled). Answers are
// cached for a short time.
func (s *Store) Find(ctx context.Context, team, enterprise string) (*Installation, error) {
	key := team + "@" + enterprise
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.in, nil
	}
	in, err := s.find(ctx, team, enterprise)
	if err != nil {
		return nil, err
	}
	ttl := s.ttl
	if in == nil {
		ttl = s.missTTL
	}
	s.mu.Lock()
	if len(s.cache) >= 10000 {
		clear(s.cache)
	}
	s.cache[key] = cached{in: in, until: now.Add(ttl)}
	s.mu.Unlock()
	return in, nil
}

func (s *Store) find(ctx context.Context, team, enterprise string) (*Installation, error) {
	if team != "" {
		r, err := s.get(ctx, team)
		if err != nil {
			return nil, err
		}
		if in, err := s.open(team, r); in != nil || err != nil {
			return in, err
		}
	}
	if enterprise != "" {
		r, err := s.get(ctx, enterprise)
		if err != nil {
			return nil, err
		}
		if r != nil && r.EnterpriseInstall {
			return s.open(enterprise, r)
		}
	}
	return nil, nil
}

// forget drops every cached lookup: installs and uninstalls are rare, and
// one may change the answer for several keys (an org and its workspaces).
func (s *Store) forget(string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.cache)
}

// Forget drops what is cached, so the next lookup reads the store (after
// Slack refused a cached token).
func (s *Store) Forget() { s.forget("") }

// Revoke deletes the tokens of the installation serving team (or the
// org-wide one of enterprise), keeping the record and the workspace's
// data: the app was uninstalled or its tokens revoked. It reports whether
// there was one to revoke.
func (s *Store) Revoke(ctx context.Context, team, enterprise string) (bool, error) {
	for _, id := range []string{team, enterprise} {
		if id == "" {
			continue
		}
		r, err := s.get(ctx, id)
		if err != nil {
			return false, err
		}
		if r == nil || r.BotToken == "" || (id == enterprise && id != team && !r.EnterpriseInstall) {
			continue
		}
		at := s.now().UTC()
		r.BotToken, r.RefreshToken, r.ExpiresAt, r.UninstalledAt = "", "", nil, &at
		if err := s.put(ctx, tenantOf(id), *r); err != nil {
			return false, err
		}
		s.forget(id)
		if s.sched != nil {
			if err := s.sched.ScheduleJob(ctx, purgeJob(tenantOf(id)), at.Add(s.retention), false); err != nil {
				return true, fmt.Errorf("install: tokens deleted, but the deletion of the data after %s could not be scheduled: %w", s.retention, err)
			}
		}
		return true, nil
	}
	return false, nil
}
