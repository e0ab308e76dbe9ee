package redisstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// storedCandidate is a candidate as the learn hash keeps it: the question,
// first and last pick (unix ms) and one vote per person id.
type storedCandidate struct {
	Question string                `json:"q"`
	First    int64                 `json:"f"`
	Last     int64                 `json:"l"`
	Votes    map[string]storedVote `json:"v"`
}

type storedVote struct {
	Intent string `json:"i"`
	Name   string `json:"n"`
	At     int64  `json:"t"`
}

func (c storedCandidate) export(key string) ownership.Candidate {
	out := ownership.Candidate{Key: key, Question: c.Question, First: time.UnixMilli(c.First).UTC(), Last: time.UnixMilli(c.Last).UTC(),
		Votes: make([]ownership.Vote, 0, len(c.Votes))}
	for id, v := range c.Votes {
		out.Votes = append(out.Votes, ownership.Vote{Person: ownership.Person{ID: id, Name: v.Name}, Intent: v.Intent, At: time.UnixMilli(v.At).UTC()})
	}
	ownership.SortVotes(out.Votes)
	return out
}

func decodeCandidate(key, raw string) (ownership.Candidate, error) {
	var c storedCandidate
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return ownership.Candidate{}, &ownership.Error{Code: ownership.ErrInternal, Message: "The recorded picks are damaged.", Err: err}
	}
	return c.export(key), nil
}

// recordPickScript records one person's pick of an intent for a question
// and returns the question's candidate JSON, in one atomic step: read the
// question's entry, make room (forget the question picked least recently)
// when it is new and the hash is full, set or move the person's vote
// unless they are new and the question has MaxVotes, store it back and
// note the time in the recency index.
//
// KEYS: learn hash, learn recency zset. ARGV: question key, question,
// person id, person name, intent, now ms, max candidates, max votes.
var recordPickScript = redis.NewScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local now = tonumber(ARGV[6])
local c
if raw then
  c = cjson.decode(raw)
else
  while redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[7]) do
    local old = redis.call('ZRANGE', KEYS[2], 0, 0)
    if #old == 0 then break end
    redis.call('HDEL', KEYS[1], old[1])
    redis.call('ZREM', KEYS[2], old[1])
  end
  c = {q = ARGV[2], f = now, l = now, v = {}}
end
local v = c.v[ARGV[3]]
if v == nil then
  local n = 0
  for _ in pairs(c.v) do n = n + 1 end
  if n >= tonumber(ARGV[8]) then return raw end
  c.v[ARGV[3]] = {i = ARGV[5], n = ARGV[4], t = now}
elseif v.i ~= ARGV[5] then
  c.v[ARGV[3]] = {i = ARGV[5], n = ARGV[4], t = now}
end
c.l = now
local out = cjson.encode(c)
redis.call('HSET', KEYS[1], ARGV[1], out)
redis.call('ZADD', KEYS[2], now, ARGV[1])
return out
`)

// RecordPick implements ownership.Store with one script: one round trip.
func (s *Store) RecordPick(ctx context.Context, id ownership.TenantID, p ownership.Pick) (ownership.Candidate, error) {
	if err := checkTenant(id); err != nil {
		return ownership.Candidate{}, err
	}
	p, err := ownership.CheckPick(p)
	if err != nil {
		return ownership.Candidate{}, err
	}
	raw, err := recordPickScript.Run(ctx, s.client, []string{s.key(id, "learn"), s.key(id, "learn:recent")},
		p.Key, p.Question, p.Person.ID, p.Person.Name, p.Intent, p.At.UnixMilli(), ownership.MaxCandidates, ownership.MaxVotes).Text()
	if err != nil {
		return ownership.Candidate{}, fail(err)
	}
	return decodeCandidate(p.Key, raw)
}

// Candidates implements ownership.Store with HGETALL.
func (s *Store) Candidates(ctx context.Context, id ownership.TenantID) ([]ownership.Candidate, error) {
	if err := checkTenant(id); err != nil {
		return nil, err
	}
	all, err := s.client.HGetAll(ctx, s.key(id, "learn")).Result()
	if err != nil {
		return nil, fail(err)
	}
	out := make([]ownership.Candidate, 0, len(all))
	for k, raw := range all {
		c, err := decodeCandidate(k, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	ownership.SortCandidates(out)
	return out, nil
}

// DropCandidate implements ownership.Store: HDEL and ZREM in one
// MULTI/EXEC, one round trip.
func (s *Store) DropCandidate(ctx context.Context, id ownership.TenantID, key string) error {
	if err := checkTenant(id); err != nil {
		return err
	}
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, s.key(id, "learn"), key)
		p.ZRem(ctx, s.key(id, "learn:recent"), key)
		return nil
	})
	return fail(err)
}
