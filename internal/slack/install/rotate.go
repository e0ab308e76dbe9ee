package install

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Token rotation (the app's token_rotation_enabled): oauth.v2.access then
// returns a bot token that expires (after 12 hours) with a refresh token.
// A token is refreshed when it is used within RefreshBefore of its expiry,
// and again when Slack answers token_expired; Slack revokes a refresh token
// once used, so each installation is refreshed by one replica at a time,
// under a lock in the shared store, and the others read the result.

// DefaultRefreshBefore is how long before its expiry a token is refreshed.
const DefaultRefreshBefore = 2 * time.Hour

// Lock timings: a refresh holds the lock for at most refreshLockTTL (well
// beyond the oauth.v2.access timeout); a replica that finds it held reads
// the store every refreshPoll until the token has changed, for at most
// refreshWait.
const (
	refreshLockTTL = 30 * time.Second
	refreshPoll    = 50 * time.Millisecond
	refreshWait    = 10 * time.Second
)

// Locker takes and gives back a lock shared by every replica: the store's
// Claim (SET NX with a TTL in Redis) and Release.
type Locker interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, keys ...string) error
}

// Refresher calls oauth.v2.access with grant_type=refresh_token.
type Refresher interface {
	Refresh(ctx context.Context, refreshToken string) (*Installation, error)
}

// ErrUninstalled means the installation was uninstalled while its token
// was being refreshed.
var ErrUninstalled = errors.New("install: the app was uninstalled from this workspace")

// WithRotation lets the store refresh expiring tokens with r, one replica
// at a time under locks taken in l; before is how long before its expiry a
// token is refreshed (0: DefaultRefreshBefore).
func (s *Store) WithRotation(r Refresher, l Locker, before time.Duration) *Store {
	if before <= 0 {
		before = DefaultRefreshBefore
	}
	s.refresher, s.locks, s.refreshBefore = r, l, before
	return s
}

// expiring reports whether in's token should be refreshed now.
func (s *Store) expiring(in *Installation) bool {
	return in.RefreshToken != "" && !in.ExpiresAt.IsZero() && !s.now().Before(in.ExpiresAt.Add(-s.refreshBefore))
}

// Fresh returns in, or, when its token expires within RefreshBefore and
// rotation is on, the installation with a refreshed token. It costs
// nothing while the token is far from its expiry.
func (s *Store) Fresh(ctx context.Context, in *Installation) (*Installation, error) {
	if in == nil || s.refresher == nil || !s.expiring(in) {
		return in, nil
	}
	return s.refresh(ctx, in, false)
}

// Renew refreshes in's token after Slack answered token_expired for it:
// the token stored now if another replica has refreshed it already, else
// a new one. It returns an error when there is no refresh token.
func (s *Store) Renew(ctx context.Context, in *Installation) (*Installation, error) {
	if in == nil || s.refresher == nil || in.RefreshToken == "" {
		return nil, errors.New("install: this installation's token cannot be refreshed (token rotation is off)")
	}
	return s.refresh(ctx, in, true)
}

func (s *Store) refresh(ctx context.Context, in *Installation, expired bool) (*Installation, error) {
	id := in.storeID()
	lock := "slack-token-refresh:" + in.Key()
	ctx, cancel := context.WithTimeout(ctx, refreshWait)
	defer cancel()
	tick := time.NewTicker(refreshPoll)
	defer tick.Stop()
	for {
		got, err := s.locks.Claim(ctx, lock, refreshLockTTL)
		if err != nil {
			return nil, fmt.Errorf("install: taking the refresh lock: %w", err)
		}
		if got {
			out, err := s.refreshLocked(ctx, id, in, expired)
			// Given back even when ctx has ended, so the next replica need
			// not wait; if that fails, the lock's TTL frees it.
			_ = s.locks.Release(context.WithoutCancel(ctx), lock)
			return out, err
		}
		// Another replica is refreshing: use its token once stored.
		cur, err := s.load(ctx, id)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, ErrUninstalled
		}
		if cur.BotToken != in.BotToken {
			s.forget(id)
			return cur, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("install: waiting for another replica to refresh the token: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// refreshLocked refreshes under the lock. The stored installation is read
// again first: if its token is no longer the one in hand (another replica
// refreshed it between our look-up and the lock) and not about to expire,
// it is used as it is.
func (s *Store) refreshLocked(ctx context.Context, id string, in *Installation, expired bool) (*Installation, error) {
	cur, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, ErrUninstalled
	}
	if (cur.BotToken != in.BotToken || !expired) && !s.expiring(cur) {
		s.forget(id)
		return cur, nil
	}
	if cur.RefreshToken == "" {
		return nil, errors.New("install: the stored installation has no refresh token")
	}
	got, err := s.refresher.Refresh(ctx, cur.RefreshToken)
	if err != nil {
		return nil, fmt.Errorf("install: refreshing the token of %s: %w", in.Key(), err)
	}
	next := *cur
	next.BotToken, next.RefreshToken, next.ExpiresAt = got.BotToken, got.RefreshToken, got.ExpiresAt
	if next.RefreshToken == "" {
		// Slack always sends a new one; without it the next refresh is
		// impossible, so keep the token and say so when it expires.
		next.RefreshToken = cur.RefreshToken
	}
	if err := s.Save(ctx, &next); err != nil {
		// The old refresh token is spent: this token must not be lost
		// silently; the caller can still use it for this delivery.
		return &next, fmt.Errorf("install: storing the refreshed token of %s: %w", in.Key(), err)
	}
	return &next, nil
}

// load reads and opens the installation kept under id, bypassing the
// cache; nil when there is none or it is uninstalled.
func (s *Store) load(ctx context.Context, id string) (*Installation, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.open(id, r)
}
