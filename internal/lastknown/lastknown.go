// Package lastknown keeps a replica answering while its ownership store is
// unreachable (a Redis failover, a network cut): it decorates the store,
// remembers the directories it served recently and the deliveries it
// answered, and while the store fails it
//
//   - serves the last directory it read for the tenant, marked with the
//     time it was read (ownership.Directory.AsOf), so an answer can say
//     "from ownership data as of 10:32";
//   - lets nothing change: an Update fails with a message that says why;
//   - answers a delivery it has already answered with silence (a
//     duplicate), and a redelivery it cannot check (ownership.IsRedelivery)
//     also with silence rather than a second message under an answer that
//     was probably given;
//   - once the store answers again, writes the claims of the deliveries it
//     answered meanwhile, so no other replica answers them again.
//
// Both memories are bounded; the oldest entries go first.
package lastknown

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Defaults for the bounds.
const (
	// DefaultTenants is how many tenants' directories a replica keeps.
	DefaultTenants = 10000
	// DefaultDeliveries is how many answered delivery keys it keeps.
	DefaultDeliveries = 100000
	// DefaultMaxAge is the oldest directory it will still serve.
	DefaultMaxAge = 24 * time.Hour
	// maxPending bounds the claims waiting to be written back.
	maxPending = 10000
)

// Observer is told what the decorator did in place of the store; the
// replica's metrics implement it. Methods must be safe for concurrent use.
type Observer interface {
	// UncheckedRedelivery counts a redelivery dropped because the store
	// could not say whether it was answered.
	UncheckedRedelivery()
}

type nopObserver struct{}

func (nopObserver) UncheckedRedelivery() {}

// Option configures a Store.
type Option func(*Store)

// WithBounds sets how many tenants' directories and answered delivery keys
// are kept, and the oldest directory served (zero keeps a default).
func WithBounds(tenants, deliveries int, maxAge time.Duration) Option {
	return func(s *Store) {
		if tenants > 0 {
			s.maxTenants = tenants
		}
		if deliveries > 0 {
			s.maxDeliveries = deliveries
		}
		if maxAge > 0 {
			s.maxAge = maxAge
		}
	}
}

// WithClock replaces the clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithObserver reports to o.
func WithObserver(o Observer) Option { return func(s *Store) { s.obs = o } }

// Store is the decorator. It is an ownership.Store.
type Store struct {
	ownership.Store
	maxTenants, maxDeliveries int
	maxAge                    time.Duration
	now                       func() time.Time
	log                       *slog.Logger
	obs                       Observer

	mu       sync.Mutex
	dirs     map[ownership.TenantID]*list.Element // of *kept
	dirOrder *list.List                           // most recent first
	answered map[string]*list.Element             // of *delivery
	ansOrder *list.List
	owed     map[string]time.Time // keys answered while down, not yet claimed in the store; their claims' expiry

	lastGood atomic.Int64 // unix ns of the last store read that worked
	flushing atomic.Bool
}

type kept struct {
	tenant ownership.TenantID
	dir    *ownership.Directory // never handed out; clones are
	readAt time.Time
}

type delivery struct {
	key     string
	expires time.Time
}

var _ ownership.Store = (*Store)(nil)

// New decorates st.
func New(st ownership.Store, opts ...Option) *Store {
	s := &Store{
		Store:         st,
		maxTenants:    DefaultTenants,
		maxDeliveries: DefaultDeliveries,
		maxAge:        DefaultMaxAge,
		now:           time.Now,
		log:           slog.Default(),
		obs:           nopObserver{},
		dirs:          map[ownership.TenantID]*list.Element{},
		dirOrder:      list.New(),
		answered:      map[string]*list.Element{},
		ansOrder:      list.New(),
		owed:          map[string]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// unreachable reports whether err is the store's "cannot be reached".
func unreachable(err error) bool { return ownership.ErrorCode(err) == ownership.ErrUnavailable }

// good records a store read that worked and writes back pending claims.
func (s *Store) good() {
	s.lastGood.Store(s.now().UnixNano())
	s.mu.Lock()
	n := len(s.owed)
	s.mu.Unlock()
	if n > 0 && s.flushing.CompareAndSwap(false, true) {
		go s.flush()
	}
}

// remember keeps d (the caller's copy is not kept: d is cloned unless the
// version kept is the same, the common case, which only refreshes the
// time).
func (s *Store) remember(t ownership.TenantID, d *ownership.Directory) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.dirs[t]; ok {
		k := e.Value.(*kept)
		if k.dir.Version != d.Version {
			k.dir = d.Clone()
		}
		k.readAt = now
		s.dirOrder.MoveToFront(e)
		return
	}
	s.dirs[t] = s.dirOrder.PushFront(&kept{tenant: t, dir: d.Clone(), readAt: now})
	for s.dirOrder.Len() > s.maxTenants {
		last := s.dirOrder.Back()
		delete(s.dirs, last.Value.(*kept).tenant)
		s.dirOrder.Remove(last)
	}
}

// lastKnown returns a marked copy of the kept directory, or nil.
func (s *Store) lastKnown(t ownership.TenantID) *ownership.Directory {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.dirs[t]
	if !ok {
		return nil
	}
	k := e.Value.(*kept)
	if s.now().Sub(k.readAt) > s.maxAge {
		return nil
	}
	d := k.dir.Clone()
	d.AsOf = k.readAt
	return d
}

// unavailable is the store's error, reworded to say honestly what is known.
func (s *Store) unavailable(err error) error {
	msg := "Ownership data is briefly unavailable. Please try again shortly."
	if ns := s.lastGood.Load(); ns != 0 {
		msg = fmt.Sprintf("Ownership data is briefly unavailable (it was last read at %s UTC). Please try again shortly.", time.Unix(0, ns).UTC().Format("15:04"))
	}
	return &ownership.Error{Code: ownership.ErrUnavailable, Message: msg, Err: err}
}

// seen reports whether any of keys was answered here and is still fresh.
func (s *Store) seen(keys []string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if e, ok := s.answered[k]; ok {
			if now.Before(e.Value.(*delivery).expires) {
				return true
			}
			delete(s.answered, k)
			s.ansOrder.Remove(e)
		}
	}
	return false
}

// record remembers keys as answered here for ttl.
func (s *Store) record(ttl time.Duration, keys []string) {
	exp := s.now().Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if e, ok := s.answered[k]; ok {
			e.Value.(*delivery).expires = exp
			s.ansOrder.MoveToFront(e)
			continue
		}
		s.answered[k] = s.ansOrder.PushFront(&delivery{key: k, expires: exp})
	}
	for s.ansOrder.Len() > s.maxDeliveries {
		last := s.ansOrder.Back()
		delete(s.answered, last.Value.(*delivery).key)
		s.ansOrder.Remove(last)
	}
}

// owe queues claims to write once the store answers again. Until they
// are written, these keys are duplicates here even while the store
// answers, since it does not know them.
func (s *Store) owe(ttl time.Duration, keys []string) {
	exp := s.now().Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if len(s.owed) < maxPending {
			s.owed[k] = exp
		}
	}
}

// owes reports whether any of keys is owed to the store.
func (s *Store) owes(keys []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.owed) == 0 {
		return false
	}
	now := s.now()
	for _, k := range keys {
		if exp, ok := s.owed[k]; ok && now.Before(exp) {
			return true
		}
	}
	return false
}

// flush writes the claims owed, one key at a time (they may live on
// different Cluster nodes); a key is owed until its claim is written or
// has expired.
func (s *Store) flush() {
	defer s.flushing.Store(false)
	s.mu.Lock()
	todo := make(map[string]time.Time, len(s.owed))
	for k, exp := range s.owed {
		todo[k] = exp
	}
	s.mu.Unlock()
	written := 0
	for k, exp := range todo {
		ttl := exp.Sub(s.now())
		if ttl > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := s.Store.Claim(ctx, k, ttl)
			cancel()
			if err != nil {
				return // still unreachable: the next good read retries
			}
			written++
		}
		s.mu.Lock()
		delete(s.owed, k)
		s.mu.Unlock()
	}
	if written > 0 {
		s.log.Info("claims of deliveries answered while the store was unreachable written back", "keys", written)
	}
}

// Directory implements ownership.Store: the store's, else the last known.
func (s *Store) Directory(ctx context.Context, t ownership.TenantID) (*ownership.Directory, error) {
	d, err := s.Store.Directory(ctx, t)
	if err == nil {
		s.remember(t, d)
		s.good()
		return d, nil
	}
	if !unreachable(err) || ctx.Err() != nil {
		return nil, err
	}
	if k := s.lastKnown(t); k != nil {
		return k, nil
	}
	return nil, s.unavailable(err)
}

// ClaimDirectory implements ownership.Store. While the store is
// unreachable (and the caller has not given up), a delivery answered here
// before is a duplicate, a redelivery is dropped (false, no error:
// silence), and a first delivery is answered from the last known
// directory. While it answers, the store decides, except for deliveries
// answered here while it was unreachable whose claims are not written
// back yet: those are duplicates.
func (s *Store) ClaimDirectory(ctx context.Context, t ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	if s.owes(keys) {
		return nil, false, nil
	}
	d, first, err := s.Store.ClaimDirectory(ctx, t, ttl, keys...)
	if err == nil {
		if first {
			s.remember(t, d)
			s.record(ttl, keys)
		}
		s.good()
		return d, first, nil
	}
	if !unreachable(err) || ctx.Err() != nil || ttl <= 0 || len(keys) == 0 {
		return nil, false, err
	}
	if s.seen(keys) {
		return nil, false, nil
	}
	if ownership.IsRedelivery(ctx) {
		s.silence(keys, err)
		return nil, false, nil
	}
	// Whatever follows (an answer or a notice) is this delivery's reply.
	s.record(ttl, keys)
	k := s.lastKnown(t)
	if k == nil {
		return nil, false, s.unavailable(err)
	}
	s.owe(ttl, keys)
	return k, true, nil
}

func (s *Store) silence(keys []string, err error) {
	s.obs.UncheckedRedelivery()
	s.log.Info("redelivery dropped: the store cannot say whether it was answered, and a second reply is worse than none", "keys", keys, "err", err)
}

// ClaimAll implements ownership.Store, as ClaimDirectory does for claims.
func (s *Store) ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error) {
	if s.owes(keys) {
		return false, nil
	}
	first, err := s.Store.ClaimAll(ctx, ttl, keys...)
	return s.claimed(ctx, ttl, keys, first, err)
}

// Claim implements ownership.Store, as ClaimAll.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.owes([]string{key}) {
		return false, nil
	}
	first, err := s.Store.Claim(ctx, key, ttl)
	return s.claimed(ctx, ttl, []string{key}, first, err)
}

// claimed finishes ClaimAll and Claim. While the store is unreachable a
// redelivery is dropped; any other delivery keeps the store's error (the
// callers handle the delivery anyway, a rare duplicate beating a lost
// reply) and is remembered as handled here.
func (s *Store) claimed(ctx context.Context, ttl time.Duration, keys []string, first bool, err error) (bool, error) {
	if err == nil {
		if first {
			s.record(ttl, keys)
		}
		return first, nil
	}
	if !unreachable(err) || ctx.Err() != nil || ttl <= 0 || len(keys) == 0 {
		return false, err
	}
	if s.seen(keys) {
		return false, nil
	}
	if ownership.IsRedelivery(ctx) {
		s.silence(keys, err)
		return false, nil
	}
	s.record(ttl, keys)
	s.owe(ttl, keys)
	return false, err
}

// Release implements ownership.Store: the keys are forgotten here too, so
// the next delivery is answered.
func (s *Store) Release(ctx context.Context, keys ...string) error {
	s.mu.Lock()
	for _, k := range keys {
		if e, ok := s.answered[k]; ok {
			delete(s.answered, k)
			s.ansOrder.Remove(e)
		}
	}
	for _, k := range keys {
		delete(s.owed, k)
	}
	s.mu.Unlock()
	return s.Store.Release(ctx, keys...)
}

// Update implements ownership.Store; while the store is unreachable the
// refusal says why.
func (s *Store) Update(ctx context.Context, t ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	var fnErr error
	d, ch, err := s.Store.Update(ctx, t, func(d *ownership.Directory) ([]ownership.Change, error) {
		c, err := fn(d)
		fnErr = err
		return c, err
	}, opts...)
	if err == nil {
		s.remember(t, d)
		s.good()
		return d, ch, nil
	}
	if unreachable(err) && err != fnErr {
		return nil, nil, &ownership.Error{Code: ownership.ErrUnavailable,
			Message: "Ownership data is briefly unavailable, so no change can be made right now. Please try again shortly.", Err: err}
	}
	return nil, nil, err
}

// Ready passes the store's readiness check through (Ping for a store
// without one): a replica answering from memory is not ready.
func (s *Store) Ready(ctx context.Context) error {
	if r, ok := s.Store.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	return s.Store.Ping(ctx)
}

// RecordPick implements ownership.Store: the store's. A pick is never
// recorded from memory; while the store is unreachable the error says so.
func (s *Store) RecordPick(ctx context.Context, t ownership.TenantID, p ownership.Pick) (ownership.Candidate, error) {
	v, err := s.Store.RecordPick(ctx, t, p)
	return passedWith(ctx, s, v, err)
}

// Candidates implements ownership.Store: the store's; they are not kept
// in memory, so while the store is unreachable the error says so.
func (s *Store) Candidates(ctx context.Context, t ownership.TenantID) ([]ownership.Candidate, error) {
	v, err := s.Store.Candidates(ctx, t)
	return passedWith(ctx, s, v, err)
}

// DropCandidate implements ownership.Store: the store's.
func (s *Store) DropCandidate(ctx context.Context, t ownership.TenantID, key string) error {
	return s.passed(ctx, s.Store.DropCandidate(ctx, t, key))
}

// AddStats implements ownership.Store: the store's. Counts are not kept
// here; while the store is unreachable the error says so, and the caller
// (the replica's counter) keeps them for its next flush.
func (s *Store) AddStats(ctx context.Context, deltas []ownership.StatsDelta) error {
	return s.passed(ctx, s.Store.AddStats(ctx, deltas))
}

// Stats implements ownership.Store: the store's; statistics are not kept
// in memory, so while the store is unreachable the error says so.
func (s *Store) Stats(ctx context.Context, t ownership.TenantID, from, to time.Time) (ownership.StatsReport, error) {
	v, err := s.Store.Stats(ctx, t, from, to)
	return passedWith(ctx, s, v, err)
}

// RemoveUnanswered implements ownership.Store: the store's; the queue is
// not kept in memory, so while the store is unreachable the error says so.
func (s *Store) RemoveUnanswered(ctx context.Context, t ownership.TenantID, texts []string) ([]ownership.Unanswered, error) {
	v, err := s.Store.RemoveUnanswered(ctx, t, texts)
	return passedWith(ctx, s, v, err)
}

// ClearUnanswered implements ownership.Store: the store's, as
// RemoveUnanswered.
func (s *Store) ClearUnanswered(ctx context.Context, t ownership.TenantID) ([]ownership.Unanswered, error) {
	v, err := s.Store.ClearUnanswered(ctx, t)
	return passedWith(ctx, s, v, err)
}

// passed notes a store call that worked, and turns an unreachable store's
// error into one that says so.
func (s *Store) passed(ctx context.Context, err error) error {
	if err == nil {
		s.good()
		return nil
	}
	if unreachable(err) && ctx.Err() == nil {
		return s.unavailable(err)
	}
	return err
}

// passedWith is passed for a call that returns a value, which is dropped
// (the zero value returned) when the call failed.
func passedWith[T any](ctx context.Context, s *Store, v T, err error) (T, error) {
	if err = s.passed(ctx, err); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
