package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Limits per tenant; memstore keeps the same so behaviour does not change
// between stores.
const (
	// AuditCap is the approximate length the audit stream is trimmed to
	// (MAXLEN ~, so Redis may keep a little more).
	AuditCap = 10000
	// MaxUnanswered is how many unanswered questions a tenant keeps.
	MaxUnanswered = 500
	// DefaultPrefix starts every key unless WithPrefix says otherwise.
	DefaultPrefix = "whoowns"
	// maxAttempts bounds the optimistic retries of one Update. Each lost
	// race means another writer won, so even 20 writers hammering one
	// tenant finish well inside it; past it the caller gets ErrConflict.
	maxAttempts = 64
)

// Store is the Redis ownership.Store. It is safe for concurrent use and
// meant to be shared by all requests of a replica, since it caches the last
// directory it read per tenant.
type Store struct {
	client redis.UniversalClient
	prefix string
	owned  bool // Close closes client: the store made it (Open)
	// release frees what an owned client needs besides itself.
	release func()

	mu    sync.RWMutex
	cache map[ownership.TenantID]cached
	// indexed holds the tenants this Store has added to the tenant index
	// (see indexTenant).
	indexed sync.Map
}

// cached is the last directory this Store read or wrote for a tenant, under
// the write stamp it was stored with. It is never changed once cached: a new
// version replaces it. Directory and Update hand out clones; ClaimDirectory
// hands out the cached copy itself, read-only.
type cached struct {
	tag string
	dir *ownership.Directory
}

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the first part of every key (default "whoowns"), so that
// several deployments or tests can share one Redis. It must not contain
// '{' or '}', which would change the keys' Cluster hash slots.
func WithPrefix(p string) Option {
	return func(s *Store) { s.prefix = p }
}

// New returns a store on client. The caller keeps ownership of client:
// Close does not close it, so several stores may share one client.
// It panics if the prefix contains a brace, a programming error that would
// otherwise surface only as CROSSSLOT errors on a Cluster.
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{client: client, prefix: DefaultPrefix, cache: map[ownership.TenantID]cached{}}
	for _, o := range opts {
		o(s)
	}
	if strings.ContainsAny(s.prefix, "{}") {
		panic("redisstore: key prefix " + strconv.Quote(s.prefix) + " must not contain '{' or '}'")
	}
	return s
}

// Open makes a client from cfg and returns a store that owns it: Close
// closes the client. It does not connect; call Ping or LoadScripts to check
// the connection at start-up.
func Open(cfg Config, opts ...Option) (*Store, error) {
	c, release, err := cfg.newClient()
	if err != nil {
		return nil, err
	}
	s := New(c, opts...)
	s.owned, s.release = true, release
	return s, nil
}

var _ ownership.Store = (*Store)(nil)

// Client returns the store's client, for health checks and tools.
func (s *Store) Client() redis.UniversalClient { return s.client }

// key returns the key of a tenant's item; see the schema in doc.go.
func (s *Store) key(t ownership.TenantID, item string) string {
	return s.prefix + ":{" + string(t) + "}:" + item
}

// fail maps a Redis error to the domain: anything the backend says, or a
// deadline it missed, is Unavailable; the cause stays wrapped for logs and
// errors.Is.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return ownership.Unavailable(err)
}

func checkTenant(id ownership.TenantID) error {
	if id == "" {
		return ownership.Errorf(ownership.ErrInvalid, "No workspace or tenant id was given.")
	}
	return nil
}

// LoadScripts loads the store's Lua scripts on every server (each master on
// a Cluster), so that even the first Directory costs one round trip. It is
// optional: without it each script is loaded on first use. It also serves
// as a start-up connectivity check.
func (s *Store) LoadScripts(ctx context.Context) error {
	for _, sc := range []*redis.Script{getDirScript, casDirScript, reqDirScript, claimAllScript, claimDirScript, recordPickScript, removeUnansweredScript} {
		if err := sc.Load(ctx, s.client).Err(); err != nil {
			return fail(err)
		}
	}
	return nil
}

// getDirScript returns {} when the tenant has no directory, {v, tag} when
// tag equals the caller's cached stamp ARGV[1], else {v, tag, json}.
var getDirScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'v', 'tag')
if not r[1] then return {} end
if r[2] == ARGV[1] then return {r[1], r[2]} end
return {r[1], r[2], redis.call('HGET', KEYS[1], 'json')}
`)

// casDirScript stores a directory if the stored stamp is still ARGV[1]
// (empty: none yet) and appends each change to the audit stream in the same
// atomic step. It returns the new stream ids, or nil when another writer
// got there first.
//
// With a third key, the request key of an Update made with a request id, it
// first returns what that request recorded ({"req", id, change, ...}) if
// anything, and on success records the ids and changes there for ARGV[6]
// ms: a retry after a lost reply (go-redis's own or the caller's) finds the
// result instead of applying the change again.
//
// KEYS: dir, audit[, req]. ARGV: expected tag, new version, new tag, json,
// audit cap, request ttl ms, change JSON...
var casDirScript = redis.NewScript(`
if KEYS[3] then
  local done = redis.call('LRANGE', KEYS[3], 0, -1)
  if #done > 0 then table.insert(done, 1, 'req') return done end
end
local cur = redis.call('HGET', KEYS[1], 'tag')
if not cur then cur = '' end
if cur ~= ARGV[1] then return false end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'tag', ARGV[3], 'json', ARGV[4])
local ids = {}
for i = 7, #ARGV do
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'c', ARGV[i])
  ids[#ids + 1] = id
  if KEYS[3] then redis.call('RPUSH', KEYS[3], id, ARGV[i]) end
end
if KEYS[3] then redis.call('PEXPIRE', KEYS[3], ARGV[6]) end
return ids
`)

// reqDirScript is getDirScript on KEYS[1] for an Update with a request id,
// unless the request key KEYS[2] recorded a result: then that, as
// casDirScript returns it. One round trip either way.
var reqDirScript = redis.NewScript(`
local done = redis.call('LRANGE', KEYS[2], 0, -1)
if #done > 0 then table.insert(done, 1, 'req') return done end
local r = redis.call('HMGET', KEYS[1], 'v', 'tag')
if not r[1] then return {} end
if r[2] == ARGV[1] then return {r[1], r[2]} end
return {r[1], r[2], redis.call('HGET', KEYS[1], 'json')}
`)

// recordedTag starts a script reply that carries a request's recorded
// result rather than a directory or new ids.
const recordedTag = "req"

// recordedChanges decodes a recorded result: "req", then id and change JSON
// pairs.
func recordedChanges(res []string) ([]ownership.Change, error) {
	if len(res) == 0 || res[0] != recordedTag || len(res)%2 != 1 {
		return nil, ownership.Unavailable(errors.New("redisstore: unexpected recorded request reply"))
	}
	out := make([]ownership.Change, 0, len(res)/2)
	for i := 1; i < len(res); i += 2 {
		var c ownership.Change
		if err := json.Unmarshal([]byte(res[i+1]), &c); err != nil {
			return nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The stored history is damaged.", Err: err}
		}
		c.ID = res[i]
		out = append(out, c)
	}
	return out, nil
}

// load returns the tenant's current directory and its stamp in one round
// trip, from the cache when the stamp is unchanged. The directory is the
// cache's own: callers must clone before handing it out or changing it.
func (s *Store) load(ctx context.Context, id ownership.TenantID) (*ownership.Directory, string, error) {
	c, ok := s.cached(id)
	res, err := getDirScript.Run(ctx, s.client, []string{s.key(id, "dir")}, c.tag).StringSlice()
	if err != nil {
		return nil, "", fail(err)
	}
	return s.loaded(id, c, ok, res)
}

// cached returns the tenant's cache entry, whose tag getDirScript is sent.
func (s *Store) cached(id ownership.TenantID) (cached, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cache[id]
	return c, ok
}

// loaded interprets getDirScript's reply res to a request made with the
// cache entry c (ok: there was one), updating the cache.
func (s *Store) loaded(id ownership.TenantID, c cached, ok bool, res []string) (*ownership.Directory, string, error) {
	switch {
	case len(res) == 0:
		if ok { // the data was deleted behind our back (FLUSHDB, expiry)
			s.mu.Lock()
			delete(s.cache, id)
			s.mu.Unlock()
		}
		return ownership.NewDirectory(id), "", nil
	case len(res) == 2 && ok && res[1] == c.tag:
		return c.dir, c.tag, nil
	case len(res) == 3:
		d, err := s.decode(id, res[0], res[2])
		if err != nil {
			return nil, "", err
		}
		s.remember(id, res[1], d)
		return d, res[1], nil
	}
	return nil, "", ownership.Unavailable(errors.New("redisstore: unexpected directory script reply"))
}

func (s *Store) remember(id ownership.TenantID, tag string, d *ownership.Directory) {
	s.mu.Lock()
	s.cache[id] = cached{tag: tag, dir: d}
	s.mu.Unlock()
}

// decode parses a stored directory. The hash's version is authoritative and
// the tenant is the key's, whatever the JSON says.
func (s *Store) decode(id ownership.TenantID, version, data string) (*ownership.Directory, error) {
	v, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The stored directory is damaged.", Err: err}
	}
	d := ownership.NewDirectory(id)
	if err := json.Unmarshal([]byte(data), d); err != nil {
		return nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The stored directory is damaged.", Err: err}
	}
	if d.Teams == nil {
		d.Teams = map[string]*ownership.Team{}
	}
	d.Tenant, d.Version = id, v
	return d, nil
}

// Directory implements ownership.Store in one round trip; see doc.go.
func (s *Store) Directory(ctx context.Context, id ownership.TenantID) (*ownership.Directory, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	d, _, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return deepClone(d), nil
}

// Update implements ownership.Store with optimistic concurrency: read (one
// round trip, usually from cache), apply fn to a copy, then a script stores
// the result and the audit entries only if nobody wrote in between. A lost
// race re-reads and re-runs fn, after a short random pause so that many
// writers on one tenant do not collide in lockstep.
//
// With a request id the read also looks for the request's recorded result
// (still one round trip), and the write records it. A write whose reply was
// lost (a network error or timeout, not an error Redis answered) is then
// retried while ctx lasts: the retry finds the recorded result if the first
// write landed, and writes otherwise.
func (s *Store) Update(ctx context.Context, id ownership.TenantID, fn func(*ownership.Directory) ([]ownership.Change, error), opts ...ownership.UpdateOption) (*ownership.Directory, []ownership.Change, error) {
	if err := checkTenant(id); err != nil {
		return nil, nil, err
	}
	reqID := ownership.ReadUpdateOptions(opts).RequestID
	keys := []string{s.key(id, "dir"), s.key(id, "audit")}
	if reqID != "" {
		keys = append(keys, s.key(id, "req:"+reqID))
	}
	lost := 0 // writes whose reply was lost
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, nil, fail(err)
			}
		}
		cur, tag, done, err := s.loadFor(ctx, id, keys)
		if err != nil {
			return nil, nil, err
		}
		if done != nil {
			return s.recordedResult(ctx, id, done)
		}
		next := deepClone(cur)
		changes, err := fn(next)
		if err != nil {
			return nil, nil, err
		}
		if len(changes) == 0 {
			return deepClone(cur), nil, nil
		}
		next.Tenant = id
		next.Version = cur.Version + 1
		if next.Teams == nil {
			next.Teams = map[string]*ownership.Team{}
		}
		data, err := json.Marshal(next)
		if err != nil {
			return nil, nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The directory could not be saved.", Err: err}
		}
		now := time.Now()
		out := make([]ownership.Change, len(changes))
		args := make([]any, 0, 6+len(changes))
		newTag := strconv.FormatInt(next.Version, 10) + "." + strconv.FormatUint(rand.Uint64(), 36)
		version := strconv.FormatInt(next.Version, 10)
		args = append(args, tag, version, newTag, data, AuditCap, ownership.RequestTTL.Milliseconds())
		for i, c := range changes {
			if c.At.IsZero() {
				c.At = now
			}
			c.ID = "" // the stream assigns it
			b, err := json.Marshal(c)
			if err != nil {
				return nil, nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The change could not be saved.", Err: err}
			}
			out[i] = c
			args = append(args, b)
		}
		ids, err := casDirScript.Run(ctx, s.client, keys, args...).StringSlice()
		if errors.Is(err, redis.Nil) {
			continue // another writer won; re-read and retry
		} else if err != nil {
			if reqID != "" && replyLost(err) && ctx.Err() == nil && lost < maxLostReplies {
				lost++
				continue // the read finds the result if the write landed
			}
			return nil, nil, fail(err)
		}
		if len(ids) > 0 && ids[0] == recordedTag {
			return s.recordedResult(ctx, id, ids)
		}
		if len(ids) != len(out) {
			return nil, nil, ownership.Unavailable(errors.New("redisstore: unexpected update script reply"))
		}
		for i := range out {
			out[i].ID = ids[i]
		}
		// Cache what another replica would decode, not fn's value, so every
		// replica hands out the same shape (nil vs empty slices and maps).
		stored, err := s.decode(id, version, string(data))
		if err != nil {
			return nil, nil, err
		}
		s.remember(id, newTag, stored)
		if cur.Version == 0 {
			// The tenant's first directory (maybe after a purge by
			// another replica): it joins the tenant index.
			s.indexTenant(ctx, id, true)
		}
		return deepClone(stored), out, nil
	}
	return nil, nil, ownership.Errorf(ownership.ErrConflict, "Too many changes are being made at once; please try again.")
}

// maxLostReplies bounds how often one Update retries a write whose reply
// was lost before it reports the store unavailable.
const maxLostReplies = 3

// replyLost reports an error after which a script may or may not have run:
// the connection failed or timed out, as opposed to an error Redis itself
// answered, which means the script did not run to completion.
func replyLost(err error) bool {
	var re redis.Error
	return !errors.As(err, &re) && !errors.Is(err, context.Canceled)
}

// loadFor is load for Update: with a request key among keys it reads the
// directory with reqDirScript and returns the request's recorded result,
// if any, as done.
func (s *Store) loadFor(ctx context.Context, id ownership.TenantID, keys []string) (d *ownership.Directory, tag string, done []string, err error) {
	if len(keys) < 3 {
		d, tag, err = s.load(ctx, id)
		return d, tag, nil, err
	}
	c, ok := s.cached(id)
	res, err := reqDirScript.Run(ctx, s.client, []string{keys[0], keys[2]}, c.tag).StringSlice()
	if err != nil {
		return nil, "", nil, fail(err)
	}
	if len(res) > 0 && res[0] == recordedTag {
		return nil, "", res, nil
	}
	d, tag, err = s.loaded(id, c, ok, res)
	return d, tag, nil, err
}

// recordedResult is Update's answer for a request already applied: the
// current directory and the recorded changes.
func (s *Store) recordedResult(ctx context.Context, id ownership.TenantID, done []string) (*ownership.Directory, []ownership.Change, error) {
	changes, err := recordedChanges(done)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.Directory(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, changes, nil
}

// backoff waits a random 0–(2^attempt) ms, at most 50 ms, or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	limit := min(50, 1<<min(attempt, 6))
	t := time.NewTimer(time.Duration(rand.IntN(limit*1000)+1) * time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// History implements ownership.Store. With a team filter it pages back
// through the stream until it has limit entries or the stream ends.
func (s *Store) History(ctx context.Context, id ownership.TenantID, team string, limit int) ([]ownership.Change, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	key := s.key(id, "audit")
	count := int64(limit)
	if team != "" {
		count = max(count, 200) // fewer trips when most entries are filtered out
	}
	var out []ownership.Change
	end := "+"
	for len(out) < limit {
		msgs, err := s.client.XRevRangeN(ctx, key, end, "-", count).Result()
		if err != nil {
			return nil, fail(err)
		}
		for _, m := range msgs {
			raw, _ := m.Values["c"].(string)
			var c ownership.Change
			if err := json.Unmarshal([]byte(raw), &c); err != nil {
				return nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The stored history is damaged.", Err: err}
			}
			c.ID = m.ID
			if team == "" || c.Team == team {
				out = append(out, c)
				if len(out) == limit {
					break
				}
			}
		}
		if int64(len(msgs)) < count {
			break
		}
		prev, ok := prevID(msgs[len(msgs)-1].ID)
		if !ok {
			break
		}
		end = prev
	}
	return out, nil
}

// prevID returns the stream id just before id ("ms-seq"), so paging needs
// no exclusive-range syntax (Redis ≥ 6.2 only).
func prevID(id string) (string, bool) {
	msStr, seqStr, found := strings.Cut(id, "-")
	ms, err1 := strconv.ParseUint(msStr, 10, 64)
	seq, err2 := strconv.ParseUint(seqStr, 10, 64)
	if !found || err1 != nil || err2 != nil {
		return "", false
	}
	switch {
	case seq > 0:
		return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq-1, 10), true
	case ms > 0:
		return strconv.FormatUint(ms-1, 10) + "-18446744073709551615", true
	}
	return "", false
}

// AddUnanswered implements ownership.Store: LPUSH and LTRIM in one
// MULTI/EXEC, one round trip.
func (s *Store) AddUnanswered(ctx context.Context, id ownership.TenantID, q ownership.Unanswered) error {
	if err := checkTenant(id); err != nil {
		return err
	}
	b, err := json.Marshal(q)
	if err != nil {
		return &ownership.Error{Code: ownership.ErrInternal, Message: "The question could not be saved.", Err: err}
	}
	key := s.key(id, "unanswered")
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, key, b)
		p.LTrim(ctx, key, 0, MaxUnanswered-1)
		return nil
	})
	return fail(err)
}

// Unanswered implements ownership.Store.
func (s *Store) Unanswered(ctx context.Context, id ownership.TenantID, limit int) ([]ownership.Unanswered, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	raw, err := s.client.LRange(ctx, s.key(id, "unanswered"), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fail(err)
	}
	return decodeUnanswered(raw)
}

// removeUnansweredScript takes the queued questions whose text is one of
// ARGV off the list KEYS[1] and returns them (their JSON), newest first:
// one key, one atomic step, one round trip. An entry that does not decode
// stays.
var removeUnansweredScript = redis.NewScript(`
local drop = {}
for i = 1, #ARGV do drop[ARGV[i]] = true end
local out, gone = {}, {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, q = pcall(cjson.decode, raw)
  if ok and type(q) == 'table' and type(q.text) == 'string' and drop[q.text] then
    out[#out + 1] = raw
    gone[raw] = true
  end
end
for raw in pairs(gone) do redis.call('LREM', KEYS[1], 0, raw) end
return out
`)

// RemoveUnanswered implements ownership.Store with removeUnansweredScript.
func (s *Store) RemoveUnanswered(ctx context.Context, id ownership.TenantID, texts []string) ([]ownership.Unanswered, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, nil
	}
	args := make([]any, len(texts))
	for i, t := range texts {
		args[i] = t
	}
	raw, err := removeUnansweredScript.Run(ctx, s.client, []string{s.key(id, "unanswered")}, args...).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fail(err)
	}
	return decodeUnanswered(raw)
}

// ClearUnanswered implements ownership.Store: LRANGE and DEL in one
// MULTI/EXEC, one round trip.
func (s *Store) ClearUnanswered(ctx context.Context, id ownership.TenantID) ([]ownership.Unanswered, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	key := s.key(id, "unanswered")
	var all *redis.StringSliceCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.LRange(ctx, key, 0, -1)
		p.Del(ctx, key)
		return nil
	})
	if err != nil {
		return nil, fail(err)
	}
	return decodeUnanswered(all.Val())
}

func decodeUnanswered(raw []string) ([]ownership.Unanswered, error) {
	var out []ownership.Unanswered
	for _, r := range raw {
		var q ownership.Unanswered
		if err := json.Unmarshal([]byte(r), &q); err != nil {
			return nil, &ownership.Error{Code: ownership.ErrInternal, Message: "The stored questions are damaged.", Err: err}
		}
		out = append(out, q)
	}
	return out, nil
}

// AddFeedback implements ownership.Store.
func (s *Store) AddFeedback(ctx context.Context, id ownership.TenantID, intent string, helpful bool) error {
	if err := checkTenant(id); err != nil {
		return err
	}
	field := "-" + intent
	if helpful {
		field = "+" + intent
	}
	return fail(s.client.HIncrBy(ctx, s.key(id, "feedback"), field, 1).Err())
}

// Feedback implements ownership.Store.
func (s *Store) Feedback(ctx context.Context, id ownership.TenantID) (map[string]ownership.FeedbackCount, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	all, err := s.client.HGetAll(ctx, s.key(id, "feedback")).Result()
	if err != nil {
		return nil, fail(err)
	}
	out := make(map[string]ownership.FeedbackCount, len(all))
	for f, v := range all {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || f == "" {
			continue // not ours; counting on is better than failing the report
		}
		c := out[f[1:]]
		switch f[0] {
		case '+':
			c.Helpful = n
		case '-':
			c.NotHelpful = n
		default:
			continue
		}
		out[f[1:]] = c
	}
	return out, nil
}

// Claim implements ownership.Store with SET NX PX. A ttl <= 0 is rejected.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, ownership.Errorf(ownership.ErrInvalid, "A claim needs a positive time to live.")
	}
	// One key is one slot, so the script serves a Cluster too.
	n, err := claimAllScript.Run(ctx, s.client, []string{s.prefix + ":claim:" + key}, max(ttl.Milliseconds(), 1), newClaimToken()).Int64()
	if err != nil {
		return false, fail(err)
	}
	return n == 1, nil
}

// claimAllScript sets every key to this call's own value ARGV[2] (see
// claimDirScript) for ARGV[1] ms unless one of them holds another: all or
// nothing, in one atomic step (a key it set before meeting a taken one is
// deleted again, unseen by anyone). It returns 1 when it claimed.
var claimAllScript = redis.NewScript(`
for i = 1, #KEYS do
  if not redis.call('SET', KEYS[i], ARGV[2], 'NX', 'PX', ARGV[1]) and redis.call('GET', KEYS[i]) ~= ARGV[2] then
    for j = 1, i - 1 do redis.call('DEL', KEYS[j]) end
    return 0
  end
end
return 1
`)

// ClaimAll implements ownership.Store: one key is a SET NX PX, several are
// one script, so a delivery's claims cost one round trip. On a Cluster the
// claim keys carry no hash tag (see doc.go) and one script cannot reach
// them all, so they are claimed one by one in sorted order, stopping at the
// first that is taken; the fixed order keeps "exactly one wins".
func (s *Store) ClaimAll(ctx context.Context, ttl time.Duration, keys ...string) (bool, error) {
	if ttl <= 0 || len(keys) == 0 {
		return false, ownership.Errorf(ownership.ErrInvalid, "A claim needs at least one key and a positive time to live.")
	}
	if len(keys) == 1 {
		return s.Claim(ctx, keys[0], ttl)
	}
	if _, cluster := s.client.(*redis.ClusterClient); cluster {
		// The keys may live on different nodes, so no script can take them
		// together: claim them one by one and give back what this call took
		// if a later one is already claimed, or a retry would trip over its
		// own leftovers.
		var taken []string
		for _, k := range slices.Sorted(slices.Values(keys)) {
			ok, err := s.Claim(ctx, k, ttl)
			if ok && err == nil {
				taken = append(taken, k)
				continue
			}
			for _, t := range s.claimKeys(taken) { // one by one: other slots
				if derr := s.client.Del(ctx, t).Err(); derr != nil && err == nil {
					err = fail(derr)
				}
			}
			return false, err
		}
		return true, nil
	}
	n, err := claimAllScript.Run(ctx, s.client, s.claimKeys(keys), max(ttl.Milliseconds(), 1), newClaimToken()).Int64()
	if err != nil {
		return false, fail(err)
	}
	return n == 1, nil
}

func (s *Store) claimKeys(keys []string) []string {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.prefix + ":claim:" + k
	}
	return full
}

// Release implements ownership.Store: one DEL per key, in one pipeline
// (on a Cluster the untagged keys may live on different nodes, and go-redis
// splits the pipeline by node).
func (s *Store) Release(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if len(keys) == 1 {
		return fail(s.client.Del(ctx, s.prefix+":claim:"+keys[0]).Err())
	}
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range s.claimKeys(keys) {
			p.Del(ctx, k)
		}
		return nil
	})
	return fail(err)
}

// claimDirScript is claimAllScript on KEYS[2..] with ttl ARGV[2], then,
// if it claimed, getDirScript on KEYS[1] with the cached stamp ARGV[1]. It
// returns nil when a key was taken.
//
// Each call's claims hold a value of their own, ARGV[3] (see claimToken),
// and a key that already holds it counts as claimed: go-redis sends a
// command once more when its reply is lost (EOF, a read timeout), and a
// script that had run the first time would otherwise find its own claims
// and report the delivery as answered elsewhere, losing the answer.
var claimDirScript = redis.NewScript(claimDirSource)

const claimDirSource = `
for i = 2, #KEYS do
  if not redis.call('SET', KEYS[i], ARGV[3], 'NX', 'PX', ARGV[2]) and redis.call('GET', KEYS[i]) ~= ARGV[3] then
    for j = 2, i - 1 do redis.call('DEL', KEYS[j]) end
    return false
  end
end
local r = redis.call('HMGET', KEYS[1], 'v', 'tag')
if not r[1] then return {} end
if r[2] == ARGV[1] then return {r[1], r[2]} end
return {r[1], r[2], redis.call('HGET', KEYS[1], 'json')}
`

// ClaimDirectory implements ownership.Store with one script, so an answer
// costs one round trip and one command. On a Cluster the claim keys carry
// no hash tag and may live on other nodes than the tenant's directory, so
// the claims are made first, as ClaimAll makes them, and the read follows.
// The directory is the cache's own, not a clone: the answer path only
// reads it (see ownership.Store.ClaimDirectory), and a clone was a copy of
// every team per answer.
func (s *Store) ClaimDirectory(ctx context.Context, id ownership.TenantID, ttl time.Duration, keys ...string) (*ownership.Directory, bool, error) {
	if err := checkTenant(id); err != nil {
		return nil, false, err
	}
	if ttl <= 0 || len(keys) == 0 {
		return nil, false, ownership.Errorf(ownership.ErrInvalid, "A claim needs at least one key and a positive time to live.")
	}
	if _, cluster := s.client.(*redis.ClusterClient); cluster {
		first, err := s.ClaimAll(ctx, ttl, keys...)
		if err != nil || !first {
			return nil, false, err
		}
		d, _, err := s.load(ctx, id)
		if err != nil {
			return nil, false, err
		}
		return d, true, nil
	}
	c, ok := s.cached(id)
	res, err := s.runClaimDir(ctx, id, keys, c.tag, max(ttl.Milliseconds(), 1))
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fail(err)
	}
	d, _, err := s.loaded(id, c, ok, res)
	if err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// MarkOnboarded implements ownership.Store with SADD.
func (s *Store) MarkOnboarded(ctx context.Context, id ownership.TenantID, user, team string) (bool, error) {
	if err := checkTenant(id); err != nil {
		return false, err
	}
	n, err := s.client.SAdd(ctx, s.key(id, "onboarded"), team+":"+user).Result()
	if err != nil {
		return false, fail(err)
	}
	return n == 1, nil
}

// PutRef implements ownership.Store.
func (s *Store) PutRef(ctx context.Context, id ownership.TenantID, key string, value []byte) error {
	if err := checkTenant(id); err != nil {
		return err
	}
	// The ref's name joins the tenant's list of refs in the same round
	// trip, so a purge finds every ref without a scan.
	// A name new to the set is the tenant's first write of that ref,
	// perhaps after a purge by another replica: the tenant joins the
	// index (again).
	var added *redis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(id, "ref:"+key), value, 0)
		added = p.SAdd(ctx, s.key(id, "refs"), key)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	s.indexTenant(ctx, id, added.Val() > 0)
	return nil
}

// Ref implements ownership.Store.
func (s *Store) Ref(ctx context.Context, id ownership.TenantID, key string) ([]byte, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	b, err := s.client.Get(ctx, s.key(id, "ref:"+key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	} else if err != nil {
		return nil, fail(err)
	}
	if b == nil {
		b = []byte{} // stored but empty is not "none"
	}
	return b, nil
}

// Ping implements ownership.Store.
func (s *Store) Ping(ctx context.Context) error {
	return fail(s.client.Ping(ctx).Err())
}

// Close implements ownership.Store: it drops the cache and closes the
// client if the store made it (Open); a client passed to New is the
// caller's to close.
func (s *Store) Close() error {
	s.mu.Lock()
	s.cache = map[ownership.TenantID]cached{}
	s.mu.Unlock()
	if s.owned {
		s.release()
		return s.client.Close()
	}
	return nil
}

// deepClone is Directory.Clone plus the nested slices Clone shares with the
// original (role aliases, intent phrases), so that no caller can reach the
// cached copy through a value it was handed.
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
