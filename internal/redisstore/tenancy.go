package redisstore

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// The tenant index and the purge log are global keys, outside every
// tenant's hash slot:
//
//	<prefix>:tenants   set of the tenants whose directory or refs were written
//	<prefix>:purges    list of purge records (JSON), newest first, capped
func (s *Store) tenantsKey() string { return s.prefix + ":tenants" }
func (s *Store) purgesKey() string  { return s.prefix + ":purges" }

// tenantItems are a tenant's keys with fixed names; its refs are listed in
// its "refs" set, and its statistics are one key per day ("stats:<date>",
// see statsKeys). PurgeTenant deletes them all.
var tenantItems = []string{"dir", "audit", "unanswered", "feedback", "onboarded", "learn", "learn:recent", "refs"}

// legacyRefs are refs written before refs were listed in the "refs" set.
var legacyRefs = []string{"slack-installation", "teams:bot"}

// indexTenant adds id to the tenant index after a write of its data has
// landed (never before: a purge takes the tenant out of the index before
// it deletes the data, so data that outlives a purge is listed again).
// Once a Store has indexed a tenant, later writes skip the command unless
// fresh says the write may follow a purge by any replica (the tenant's
// first directory, or a ref name new to its list of refs). A failure is
// tried again at the next write.
func (s *Store) indexTenant(ctx context.Context, id ownership.TenantID, fresh bool) {
	if _, done := s.indexed.Load(id); done && !fresh {
		return
	}
	if s.client.SAdd(ctx, s.tenantsKey(), string(id)).Err() == nil {
		s.indexed.Store(id, true)
	} else {
		s.indexed.Delete(id)
	}
}

// Tenants implements ownership.Store.
func (s *Store) Tenants(ctx context.Context) ([]ownership.TenantID, error) {
	ids, err := s.client.SMembers(ctx, s.tenantsKey()).Result()
	if err != nil {
		return nil, fail(err)
	}
	out := make([]ownership.TenantID, 0, len(ids))
	for _, id := range ids {
		out = append(out, ownership.TenantID(id))
	}
	slices.Sort(out)
	return out, nil
}

// PurgeTenant implements ownership.Store: the tenant leaves the index,
// then its keys (all in its hash slot) go in one MULTI, then the purge log
// gains its record. Writes add a tenant to the index after its data, so a
// write racing the purge either is deleted with the rest or lands after
// the deletion and lists the tenant again; its data is never left
// unlisted.
func (s *Store) PurgeTenant(ctx context.Context, id ownership.TenantID, p ownership.Purge) error {
	if err := checkTenant(id); err != nil {
		return err
	}
	p.Tenant = id
	rec, err := json.Marshal(p)
	if err != nil {
		return err
	}
	refs, err := s.client.SMembers(ctx, s.key(id, "refs")).Result()
	if err != nil {
		return fail(err)
	}
	keys := make([]string, 0, len(tenantItems)+len(refs)+len(legacyRefs))
	for _, it := range tenantItems {
		keys = append(keys, s.key(id, it))
	}
	for _, r := range append(refs, legacyRefs...) {
		keys = append(keys, s.key(id, "ref:"+r))
	}
	keys = append(keys, s.statsKeys(id, time.Now())...)
	if err := s.client.SRem(ctx, s.tenantsKey(), string(id)).Err(); err != nil {
		return fail(err)
	}
	s.indexed.Delete(id)
	if _, err := s.client.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		for _, k := range keys {
			pl.Del(ctx, k)
		}
		return nil
	}); err != nil {
		// The data stays: so does its place in the index, if Redis
		// lets us put it back.
		s.indexTenant(ctx, id, true)
		return fail(err)
	}
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
	_, err = s.client.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.LPush(ctx, s.purgesKey(), rec)
		pl.LTrim(ctx, s.purgesKey(), 0, ownership.MaxPurges-1)
		return nil
	})
	return fail(err)
}

// Purges implements ownership.Store.
func (s *Store) Purges(ctx context.Context, limit int) ([]ownership.Purge, error) {
	if limit <= 0 {
		return nil, nil
	}
	raw, err := s.client.LRange(ctx, s.purgesKey(), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fail(err)
	}
	out := make([]ownership.Purge, 0, len(raw))
	for _, r := range raw {
		var p ownership.Purge
		if json.Unmarshal([]byte(r), &p) == nil {
			out = append(out, p)
		}
	}
	return out, nil
}
