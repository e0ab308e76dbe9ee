package memstore

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// AddStats implements ownership.Store; days past ownership.StatsRetention
// (by the store's clock) are dropped as the Redis store's keys expire.
func (s *Store) AddStats(ctx context.Context, deltas []ownership.StatsDelta) error {
	if err := ctx.Err(); err != nil {
		return ownership.Unavailable(err)
	}
	for _, d := range deltas {
		if d.Tenant == "" {
			return ownership.Errorf(ownership.ErrInvalid, "No workspace or tenant id was given.")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, d := range deltas {
		if !ownership.StatsKept(d.Day, now) {
			continue
		}
		t := s.tenant(d.Tenant)
		if t.stats == nil {
			t.stats = map[int64]*ownership.StatsCounts{}
		}
		day := ownership.StatsDayOf(d.Day).Unix()
		c := t.stats[day]
		if c == nil {
			c = &ownership.StatsCounts{}
			t.stats[day] = c
		}
		c.Add(d.StatsCounts)
		for k := range t.stats {
			if !ownership.StatsKept(timeOfDay(k), now) {
				delete(t.stats, k)
			}
		}
	}
	return nil
}

// Stats implements ownership.Store.
func (s *Store) Stats(ctx context.Context, id ownership.TenantID, from, to time.Time) (ownership.StatsReport, error) {
	if err := begin(ctx, id); err != nil {
		return ownership.StatsReport{}, err
	}
	days, err := ownership.StatsDays(from, to)
	if err != nil {
		return ownership.StatsReport{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := ownership.StatsReport{Days: make([]ownership.StatsDay, len(days))}
	t := s.tenants[id]
	for i, day := range days {
		out.Days[i].Day = day
		if t == nil || !ownership.StatsKept(day, now) {
			continue
		}
		if c := t.stats[day.Unix()]; c != nil {
			out.Days[i].StatsCounts = c.Clone()
		}
	}
	return out, nil
}

func timeOfDay(unix int64) time.Time { return time.Unix(unix, 0).UTC() }
