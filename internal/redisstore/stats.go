package redisstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
)

// A tenant's statistics are one hash per UTC day,
//
//	<prefix>:{<tenant>}:stats:<YYYY-MM-DD>
//
// expiring StatsRetention days after the day. Its fields: q (questions),
// a (answered), u ("I don't know"), f (fallbacks shown), p:<intent>
// (picks), y:<intent> and n:<intent> (👍 and 👎), t:<team id> (questions
// per team).
func (s *Store) statsKey(id ownership.TenantID, day time.Time) string {
	return s.key(id, "stats:"+day.Format(time.DateOnly))
}

// statsExpiry is when a day's hash expires: StatsRetention days after the
// day began.
func statsExpiry(day time.Time) time.Time {
	return ownership.StatsDayOf(day).AddDate(0, 0, ownership.StatsRetention)
}

// AddStats implements ownership.Store: HINCRBY per counter and EXPIREAT
// per day, all deltas in one pipeline.
func (s *Store) AddStats(ctx context.Context, deltas []ownership.StatsDelta) error {
	for _, d := range deltas {
		if err := checkTenant(d.Tenant); err != nil {
			return err
		}
	}
	now := time.Now()
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, d := range deltas {
			if !ownership.StatsKept(d.Day, now) || d.IsZero() {
				continue
			}
			key := s.statsKey(d.Tenant, ownership.StatsDayOf(d.Day))
			incr := func(field string, n int64) {
				if n != 0 {
					p.HIncrBy(ctx, key, field, n)
				}
			}
			incr("q", d.Questions)
			incr("a", d.Answered)
			incr("u", d.Unknown)
			incr("f", d.Fallback)
			for prefix, m := range map[string]map[string]int64{"p:": d.Picks, "y:": d.Helpful, "n:": d.NotHelpful, "t:": d.Teams} {
				for k, n := range m {
					incr(prefix+k, n)
				}
			}
			p.ExpireAt(ctx, key, statsExpiry(d.Day))
		}
		return nil
	})
	return fail(err)
}

// Stats implements ownership.Store: one HGETALL per day, pipelined; the
// days share the tenant's hash slot.
func (s *Store) Stats(ctx context.Context, id ownership.TenantID, from, to time.Time) (ownership.StatsReport, error) {
	if err := checkTenant(id); err != nil {
		return ownership.StatsReport{}, err
	}
	days, err := ownership.StatsDays(from, to)
	if err != nil {
		return ownership.StatsReport{}, err
	}
	cmds := make([]*redis.MapStringStringCmd, len(days))
	if _, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, day := range days {
			cmds[i] = p.HGetAll(ctx, s.statsKey(id, day))
		}
		return nil
	}); err != nil {
		return ownership.StatsReport{}, fail(err)
	}
	out := ownership.StatsReport{Days: make([]ownership.StatsDay, len(days))}
	for i, day := range days {
		out.Days[i].Day = day
		c := &out.Days[i].StatsCounts
		for field, raw := range cmds[i].Val() {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				continue
			}
			switch field {
			case "q":
				c.Questions = n
			case "a":
				c.Answered = n
			case "u":
				c.Unknown = n
			case "f":
				c.Fallback = n
			default:
				kind, name, ok := strings.Cut(field, ":")
				if !ok {
					continue
				}
				var m *map[string]int64
				switch kind {
				case "p":
					m = &c.Picks
				case "y":
					m = &c.Helpful
				case "n":
					m = &c.NotHelpful
				case "t":
					m = &c.Teams
				default:
					continue
				}
				if *m == nil {
					*m = map[string]int64{}
				}
				(*m)[name] = n
			}
		}
	}
	return out, nil
}

// statsKeys are the tenant's statistics keys that may exist at now: the
// days kept, and a day either side for clocks that disagree. PurgeTenant
// deletes them by name, never by a scan.
func (s *Store) statsKeys(id ownership.TenantID, now time.Time) []string {
	today := ownership.StatsDayOf(now)
	out := make([]string, 0, ownership.StatsRetention+2)
	for i := -1; i <= ownership.StatsRetention; i++ {
		out = append(out, s.statsKey(id, today.AddDate(0, 0, -i)))
	}
	return out
}
