// Package memstore is the in-memory ownership.Store: it backs the embedded
// sample directory (no Redis needed to try the bot) and unit tests of the
// packages above the store. It keeps nothing across restarts and is shared
// by nothing but the process that holds it, so it has no use with replicas.
//
// It passes the same contract suite as the Redis store (internal/storetest),
// including its limits: the latest AuditCap changes and MaxUnanswered
// questions are kept per tenant.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Per-tenant limits, the same as the Redis store's so that behaviour does not
// change when a deployment moves from one to the other.
const (
	// AuditCap is how many audit entries a tenant keeps; older ones drop off.
	AuditCap = 10000
	// MaxUnanswered is how many unanswered questions a tenant keeps.
	MaxUnanswered = 500
)

// Store is an in-memory ownership.Store. One mutex guards everything: the
// store serves one process at chat speed, so contention is not a concern,
// and a single lock makes every Update trivially atomic.
type Store struct {
	// updateMu serialises Updates, so fn runs exactly once and never
	// conflicts, while mu stays free for reads: an fn may look at the store.
	updateMu sync.Mutex
	mu       sync.Mutex
	now      func() time.Time
	tenants  map[ownership.TenantID]*tenant
	claims   map[string]time.Time  // key → expiry
	jobs     map[string]*scheduled // the schedule, by job id
	purges   []ownership.Purge     // the purge log, oldest first
	// sweepAt is the map size at which expired claims are next
	// swept, so that a long-running process does not grow without bound
	// while sweeping stays amortised O(1).
	sweepAt int
}

type tenant struct {
	dir        *ownership.Directory
	audit      []ownership.Change     // oldest first
	lastMs     int64                  // last change id's millisecond part
	lastSeq    int64                  // and its sequence within that millisecond
	unanswered []ownership.Unanswered // oldest first
	feedback   map[string]ownership.FeedbackCount
	onboarded  map[string]bool
	refs       map[string][]byte
	// picks are the learning loop's candidates, by question key.
	picks map[string]*candidate
	// stats are the daily statistics, by the unix time of the day's
	// midnight (UTC).
	stats map[int64]*ownership.StatsCounts
	// requests are the recorded results of Updates made with a request
	// id, by id.
	requests map[string]request
}

// request is an Update's recorded result.
type request struct {
	changes []ownership.Change
	expires time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock replaces time.Now, so tests can move claim expiry and audit
// timestamps without waiting.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithDirectory seeds the store with a copy of d, under d.Tenant and with
// d.Version as it is; no audit entry is written. It serves the embedded
// sample directory.
func WithDirectory(d *ownership.Directory) Option {
	return func(s *Store) {
		c := deepClone(d)
		if c.Teams == nil {
			c.Teams = map[string]*ownership.Team{}
		}
		s.tenant(c.Tenant).dir = c
	}
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:     time.Now,
		tenants: map[ownership.TenantID]*tenant{},
		claims:  map[string]time.Time{},
		sweepAt: 1024,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ ownership.Store = (*Store)(nil)

// tenant returns the tenant's data, creating it; callers hold s.mu.
func (s *Store) tenant(id ownership.TenantID) *tenant {
	t := s.tenants[id]
	if t == nil {
		t = &tenant{
			dir:       ownership.NewDirectory(id),
			feedback:  map[string]ownership.FeedbackCount{},
			onboarded: map[string]bool{},
			refs:      map[string][]byte{},
			picks:     map[string]*candidate{},
			requests:  map[string]request{},
		}
		s.tenants[id] = t
	}
	return t
}

// begin checks what every method checks before touching data: a context
// that is already done fails like a backend that did not answer in time, as
// the Redis store would, so callers see the same error either way.
func begin(ctx context.Context, id ownership.TenantID) error {
	if err := ctx.Err(); err != nil {
		return ownership.Unavailable(err)
	}
	return checkTenant(id)
}

// checkTenant rejects an empty tenant id: it is always a caller's bug, and
// the Redis store could not keep such a tenant's keys together on Cluster.
func checkTenant(id ownership.TenantID) error {
	if id == "" {
		return ownership.Errorf(ownership.ErrInvalid, "No workspace or tenant id was given.")
	}
	return nil
}

// Directory implements ownership.Store.
func (s *Store) Directory(ctx context.Context, id ownership.TenantID) (*ownership.Directory, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tenants[id]; t != nil {
		return deepClone(t.dir), nil
	}
	return ownership.NewDirectory(id), nil
}

// Update implements ownership.Store. Updates are serialised, so fn runs
// exactly once (never, for a request id already recorded); it may read the
// store but must not call Update.
func (s *Store) Update(ctx context.Context, id ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	if err := begin(ctx, id); err != nil {
		return nil, nil, err
	}
	reqID := ownership.ReadUpdateOptions(opts).RequestID
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	if reqID != "" {
		if done, ok := s.recorded(id, reqID); ok {
			cur, err := s.Directory(ctx, id)
			if err != nil {
				return nil, nil, err
			}
			return cur, done, nil
		}
	}
	cur, err := s.Directory(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	next := deepClone(cur)
	changes, err := fn(next)
	if err != nil {
		return nil, nil, err
	}
	if len(changes) == 0 {
		return cur, nil, nil
	}
	next = deepClone(next) // fn may still hold next; keep our copy apart
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenant(id)
	next.Tenant = id
	next.Version = t.dir.Version + 1
	if next.Teams == nil {
		next.Teams = map[string]*ownership.Team{}
	}
	now := s.now()
	out := make([]ownership.Change, len(changes))
	for i, c := range changes {
		if c.At.IsZero() {
			c.At = now
		}
		c.ID = t.nextID(now)
		out[i] = c
	}
	t.dir = next
	t.audit = append(t.audit, out...)
	if n := len(t.audit) - AuditCap; n > 0 {
		t.audit = append([]ownership.Change(nil), t.audit[n:]...)
	}
	if reqID != "" {
		t.record(reqID, out, now)
	}
	return deepClone(next), append([]ownership.Change(nil), out...), nil
}

// recorded returns a copy of the changes recorded under a request id.
func (s *Store) recorded(id ownership.TenantID, reqID string) ([]ownership.Change, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		return nil, false
	}
	r, ok := t.requests[reqID]
	if !ok || !s.now().Before(r.expires) {
		return nil, false
	}
	return append([]ownership.Change(nil), r.changes...), true
}

// record keeps an Update's result under its request id for
// ownership.RequestTTL, dropping expired ones; callers hold s.mu.
func (t *tenant) record(reqID string, out []ownership.Change, now time.Time) {
	for k, r := range t.requests {
		if !now.Before(r.expires) {
			delete(t.requests, k)
		}
	}
	t.requests[reqID] = request{changes: append([]ownership.Change(nil), out...), expires: now.Add(ownership.RequestTTL)}
}

// nextID returns an ordered id shaped like a Redis stream id
// ("<unix ms>-<seq>"), so ids look alike whichever store made them.
func (t *tenant) nextID(now time.Time) string {
	ms := now.UnixMilli()
	if ms <= t.lastMs {
		ms = t.lastMs
		t.lastSeq++
	} else {
		t.lastSeq = 0
	}
	t.lastMs = ms
	return fmt.Sprintf("%d-%d", ms, t.lastSeq)
}

// History implements ownership.Store.
func (s *Store) History(ctx context.Context, id ownership.TenantID, team string, limit int) ([]ownership.Change, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil || limit <= 0 {
		return nil, nil
	}
	var out []ownership.Change
	for i := len(t.audit) - 1; i >= 0 && len(out) < limit; i-- {
		if team == "" || t.audit[i].Team == team {
			out = append(out, t.audit[i])
		}
	}
	return out, nil
}

// AddUnanswered implements ownership.Store.
func (s *Store) AddUnanswered(ctx context.Context, id ownership.TenantID, q ownership.Unanswered) error {
	if err := begin(ctx, id); err != nil {
		return err
	}
	q.Closest = append([]string(nil), q.Closest...)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenant(id)
	t.unanswered = append(t.unanswered, q)
	if n := len(t.unanswered) - MaxUnanswered; n > 0 {
		t.unanswered = append([]ownership.Unanswered(nil), t.unanswered[n:]...)
	}
	return nil
}

// Unanswered implements ownership.Store.
func (s *Store) Unanswered(ctx context.Context, id ownership.TenantID, limit int) ([]ownership.Unanswered, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil || limit <= 0 {
		return nil, nil
	}
	var out []ownership.Unanswered
	for i := len(t.unanswered) - 1; i >= 0 && len(out) < limit; i-- {
		q := t.unanswered[i]
		q.Closest = append([]string(nil), q.Closest...)
		out = append(out, q)
	}
	return out, nil
}

// RemoveUnanswered implements ownership.Store.
func (s *Store) RemoveUnanswered(ctx context.Context, id ownership.TenantID, texts []string) ([]ownership.Unanswered, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	drop := make(map[string]bool, len(texts))
	for _, t := range texts {
		drop[t] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil || len(drop) == 0 {
		return nil, nil
	}
	var out []ownership.Unanswered
	kept := t.unanswered[:0:0]
	for _, q := range t.unanswered {
		if drop[q.Text] {
			out = append(out, q)
		} else {
			kept = append(kept, q)
		}
	}
	t.unanswered = kept
	slices.Reverse(out)
	return out, nil
}

// ClearUnanswered implements ownership.Store.
func (s *Store) ClearUnanswered(ctx context.Context, id ownership.TenantID) ([]ownership.Unanswered, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		return nil, nil
	}
	out := t.unanswered
	t.unanswered = nil
	slices.Reverse(out)
	return out, nil
}

// AddFeedback implements ownership.Store.
func (s *Store) AddFeedback(ctx context.Context, id ownership.TenantID, intent string, helpful bool) error {
	if err := begin(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenant(id)
	c := t.feedback[intent]
	if helpful {
		c.Helpful++
	} else {
		c.NotHelpful++
	}
	t.feedback[intent] = c
	return nil
}

// Feedback implements ownership.Store.
func (s *Store) Feedback(ctx context.Context, id ownership.TenantID) (map[string]ownership.FeedbackCount, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]ownership.FeedbackCount{}
	if t := s.tenants[id]; t != nil {
		for k, v := range t.feedback {
			out[k] = v
		}
	}
	return out, nil
}

// Claim implements ownership.Store. A ttl <= 0 is a caller's bug (the claim
// would never expire, or never hold) and is rejected.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, ownership.Unavailable(err)
	}
	if ttl <= 0 {
		return false, ownership.Errorf(ownership.ErrInvalid, "A claim needs a positive time to live.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if exp, ok := s.claims[key]; ok && now.Before(exp) {
		return false, nil
	}
	s.claims[key] = now.Add(ttl)
	return true, nil
}

// ClaimAll implements ownership.Store: under the one lock it checks every
// key, then claims them all, so it is all or nothing.
func (s *Store) ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, ownership.Unavailable(err)
	}
	if ttl <= 0 || len(keys) == 0 {
		return false, ownership.Errorf(ownership.ErrInvalid, "A claim needs at least one key and a positive time to live.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	for _, k := range keys {
		if exp, ok := s.claims[k]; ok && now.Before(exp) {
			return false, nil
		}
	}
	for _, k := range keys {
		s.claims[k] = now.Add(ttl)
	}
	return true, nil
}

// Release implements ownership.Store.
func (s *Store) Release(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return ownership.Unavailable(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.claims, k)
	}
	return nil
}

// ClaimDirectory implements ownership.Store.
func (s *Store) ClaimDirectory(ctx context.Context, id ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	if err := begin(ctx, id); err != nil {
		return nil, false, err
	}
	first, err := s.ClaimAll(ctx, ttl, keys...)
	if err != nil || !first {
		return nil, false, err
	}
	d, err := s.Directory(ctx, id)
	if err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// MarkOnboarded implements ownership.Store.
func (s *Store) MarkOnboarded(ctx context.Context, id ownership.TenantID, user, team string) (bool, error) {
	if err := begin(ctx, id); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenant(id)
	k := team + ":" + user
	if t.onboarded[k] {
		return false, nil
	}
	t.onboarded[k] = true
	return true, nil
}

// PutRef implements ownership.Store.
func (s *Store) PutRef(ctx context.Context, id ownership.TenantID, key string, value []byte) error {
	if err := begin(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenant(id).refs[key] = append([]byte{}, value...)
	return nil
}

// Ref implements ownership.Store.
func (s *Store) Ref(ctx context.Context, id ownership.TenantID, key string) ([]byte, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		return nil, nil
	}
	v, ok := t.refs[key]
	if !ok {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

// candidate is a question's picks: one vote per person id.
type candidate struct {
	question    string
	votes       map[string]ownership.Vote
	first, last time.Time
}

func (c *candidate) export(key string) ownership.Candidate {
	out := ownership.Candidate{Key: key, Question: c.question, First: c.first, Last: c.last, Votes: make([]ownership.Vote, 0, len(c.votes))}
	for _, v := range c.votes {
		out.Votes = append(out.Votes, v)
	}
	ownership.SortVotes(out.Votes)
	return out
}

// RecordPick implements ownership.Store.
func (s *Store) RecordPick(ctx context.Context, id ownership.TenantID, p ownership.Pick) (ownership.Candidate, error) {
	if err := begin(ctx, id); err != nil {
		return ownership.Candidate{}, err
	}
	p, err := ownership.CheckPick(p)
	if err != nil {
		return ownership.Candidate{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenant(id)
	c := t.picks[p.Key]
	if c == nil {
		for len(t.picks) >= ownership.MaxCandidates {
			oldest := ""
			for k, o := range t.picks {
				if oldest == "" || o.last.Before(t.picks[oldest].last) || o.last.Equal(t.picks[oldest].last) && k < oldest {
					oldest = k
				}
			}
			delete(t.picks, oldest)
		}
		c = &candidate{question: p.Question, votes: map[string]ownership.Vote{}, first: p.At}
		t.picks[p.Key] = c
	}
	v, ok := c.votes[p.Person.ID]
	switch {
	case !ok && len(c.votes) >= ownership.MaxVotes:
		return c.export(p.Key), nil
	case !ok || v.Intent != p.Intent:
		c.votes[p.Person.ID] = ownership.Vote{Person: p.Person, Intent: p.Intent, At: p.At}
	}
	c.last = p.At
	return c.export(p.Key), nil
}

// Candidates implements ownership.Store.
func (s *Store) Candidates(ctx context.Context, id ownership.TenantID) ([]ownership.Candidate, error) {
	if err := begin(ctx, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		return nil, nil
	}
	out := make([]ownership.Candidate, 0, len(t.picks))
	for k, c := range t.picks {
		out = append(out, c.export(k))
	}
	ownership.SortCandidates(out)
	return out, nil
}

// DropCandidate implements ownership.Store.
func (s *Store) DropCandidate(ctx context.Context, id ownership.TenantID, key string) error {
	if err := begin(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tenants[id]; t != nil {
		delete(t.picks, key)
	}
	return nil
}

// sweep drops expired claims once the map has doubled since the last
// sweep; callers hold s.mu.
func (s *Store) sweep(now time.Time) {
	if len(s.claims) < s.sweepAt {
		return
	}
	for k, exp := range s.claims {
		if !now.Before(exp) {
			delete(s.claims, k)
		}
	}
	s.sweepAt = max(1024, 2*len(s.claims))
}

// Ping implements ownership.Store; memory is always reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return ownership.Unavailable(err)
	}
	return nil
}

// Close implements ownership.Store; there is nothing to release.
func (s *Store) Close() error { return nil }

// deepClone is Directory.Clone plus the nested slices Clone shares with the
// original (role aliases, intent phrases), so that no caller can reach the
// store's own copy through a value it was handed.
func deepClone(d *ownership.Directory) *ownership.Directory {
	c := d.Clone()
	for i := range c.Roles {
		c.Roles[i].Aliases = append([]string(nil), c.Roles[i].Aliases...)
	}
	for i := range c.Intents {
		c.Intents[i].Phrases = append([]string(nil), c.Intents[i].Phrases...)
	}
	return c
}
