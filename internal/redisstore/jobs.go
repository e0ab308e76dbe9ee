package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// The schedule is two keys shared by every tenant, in one hash slot so a
// script reaches both on a Cluster: a sorted set of job ids scored by when
// each is due in unix ms (while leased: when the lease ends), and a hash of
// the leased jobs' tokens. Replicas find due work with one ZRANGEBYSCORE.
func (s *Store) jobKeys() []string {
	return []string{s.prefix + ":{sched}:due", s.prefix + ":{sched}:lease"}
}

func checkJob(j ownership.Job) error {
	if j.Kind == "" {
		return ownership.Errorf(ownership.ErrInvalid, "A job needs a kind.")
	}
	return checkTenant(j.Tenant)
}

// scheduleJobScript sets job ARGV[1] due at ARGV[2] ms and ends any lease
// on it: the new time is a new occurrence.
var scheduleJobScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`)

// ScheduleJob implements ownership.Jobs: ZADD NX with ifAbsent, else a
// script that also ends a lease.
func (s *Store) ScheduleJob(ctx context.Context, j ownership.Job, due time.Time, ifAbsent bool) error {
	if err := checkJob(j); err != nil {
		return err
	}
	if ifAbsent {
		return fail(s.client.ZAddNX(ctx, s.jobKeys()[0], redis.Z{Score: float64(due.UnixMilli()), Member: j.ID()}).Err())
	}
	return fail(scheduleJobScript.Run(ctx, s.client, s.jobKeys(), j.ID(), due.UnixMilli()).Err())
}

// cancelJobScript removes a job and any lease on it.
var cancelJobScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`)

// CancelJob implements ownership.Jobs.
func (s *Store) CancelJob(ctx context.Context, j ownership.Job) error {
	if err := checkJob(j); err != nil {
		return err
	}
	return fail(cancelJobScript.Run(ctx, s.client, s.jobKeys(), j.ID()).Err())
}

// JobDue implements ownership.Jobs.
func (s *Store) JobDue(ctx context.Context, j ownership.Job) (time.Time, bool, error) {
	if err := checkJob(j); err != nil {
		return time.Time{}, false, err
	}
	sc, err := s.client.ZScore(ctx, s.jobKeys()[0], j.ID()).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	} else if err != nil {
		return time.Time{}, false, fail(err)
	}
	return time.UnixMilli(int64(sc)), true, nil
}

// claimJobsScript leases up to ARGV[3] jobs due at or before ARGV[1] (ms)
// until ARGV[1]+ARGV[2]: each one's score becomes the lease's end and its
// token goes into the lease hash. A token is "<due ms> <ARGV[4]>.<i>": a
// job whose lease ran out keeps the due time of its first claim, so the
// occurrence keeps its name (and its deliveries' keys) from replica to
// replica. It returns id, due, token triples.
var claimJobsScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local untl = tonumber(ARGV[1]) + tonumber(ARGV[2])
local out = {}
for i = 1, #due, 2 do
  local d = due[i + 1]
  local prev = redis.call('HGET', KEYS[2], due[i])
  if prev then d = string.match(prev, '^(%S+)') end
  local tok = d .. ' ' .. ARGV[4] .. '.' .. i
  redis.call('ZADD', KEYS[1], untl, due[i])
  redis.call('HSET', KEYS[2], due[i], tok)
  out[#out + 1] = due[i]
  out[#out + 1] = d
  out[#out + 1] = tok
end
return out
`)

// ClaimJobs implements ownership.Jobs in one script.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ownership.Lease, error) {
	if lease <= 0 || limit <= 0 {
		return nil, ownership.Errorf(ownership.ErrInvalid, "A job claim needs a positive lease and limit.")
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	nowMs, leaseMs := now.UnixMilli(), max(lease.Milliseconds(), 1)
	res, err := claimJobsScript.Run(ctx, s.client, s.jobKeys(), nowMs, leaseMs, limit, hex.EncodeToString(b[:])).StringSlice()
	if err != nil {
		return nil, fail(err)
	}
	if len(res)%3 != 0 {
		return nil, ownership.Unavailable(errors.New("redisstore: unexpected job claim reply"))
	}
	until := time.UnixMilli(nowMs + leaseMs)
	out := make([]ownership.Lease, 0, len(res)/3)
	for i := 0; i < len(res); i += 3 {
		j, ok := ownership.ParseJobID(res[i])
		due, err := strconv.ParseFloat(res[i+1], 64) // a score: may be "1.7e+12"
		if !ok || err != nil {
			// Not a job this version can read: drop it rather than claim
			// it forever.
			_ = s.client.ZRem(ctx, s.jobKeys()[0], res[i]).Err()
			continue
		}
		out = append(out, ownership.Lease{Job: j, Due: time.UnixMilli(int64(due)), Until: until, Token: res[i+2]})
	}
	return out, nil
}

// finishJobScript ends the lease with token ARGV[2] on job ARGV[1]: the
// job becomes due at ARGV[3] ms, or leaves the schedule when that is
// empty. It returns 0, changing nothing, when the lease is no longer this
// token's (it ran out and another replica claimed the job, or the job was
// scheduled anew).
var finishJobScript = redis.NewScript(`
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
end
return 1
`)

// FinishJob implements ownership.Jobs in one script.
func (s *Store) FinishJob(ctx context.Context, l ownership.Lease, next time.Time) (bool, error) {
	if err := checkJob(l.Job); err != nil {
		return false, err
	}
	nextArg := ""
	if !next.IsZero() {
		nextArg = strconv.FormatInt(next.UnixMilli(), 10)
	}
	n, err := finishJobScript.Run(ctx, s.client, s.jobKeys(), l.Job.ID(), l.Token, nextArg).Int64()
	if err != nil {
		return false, fail(err)
	}
	return n == 1, nil
}
