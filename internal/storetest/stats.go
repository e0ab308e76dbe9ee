package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// statsDelta is a delta of tenant for the day n days before today.
func statsDelta(tenant ownership.TenantID, today time.Time, n int, c ownership.StatsCounts) ownership.StatsDelta {
	return ownership.StatsDelta{Tenant: tenant, Day: today.AddDate(0, 0, -n).Add(13 * time.Hour), StatsCounts: c}
}

// testStats: AddStats adds several tenants' and days' deltas at once, a
// day's deltas add up, another replica reads them per day (zero days
// included, oldest first), tenants stay apart, and the report sums 👍/👎
// per intent over the range.
func testStats(t *testing.T, open func(*testing.T) ownership.Store) {
	ctx := context.Background()
	s, other := open(t), open(t)
	today := ownership.StatsDayOf(time.Now())
	err := s.AddStats(ctx, []ownership.StatsDelta{
		statsDelta(tenantA, today, 2, ownership.StatsCounts{Questions: 3, Answered: 2, Unknown: 1, Fallback: 1,
			Picks: map[string]int64{"roadmap": 1}, Helpful: map[string]int64{"roadmap": 2}, NotHelpful: map[string]int64{"backlog": 1},
			Teams: map[string]int64{"payments": 2}}),
		statsDelta(tenantB, today, 2, ownership.StatsCounts{Questions: 7}),
		statsDelta(tenantA, today, 1, ownership.StatsCounts{Questions: 1, Answered: 1, Teams: map[string]int64{"odd:team+id": 1}}),
	})
	if err != nil {
		t.Fatalf("AddStats: %v", err)
	}
	// The same day again, from the other replica: it adds up.
	if err := other.AddStats(ctx, []ownership.StatsDelta{
		statsDelta(tenantA, today, 2, ownership.StatsCounts{Questions: 2, Answered: 2, Helpful: map[string]int64{"roadmap": 1, "backlog": 1}, Teams: map[string]int64{"payments": 1}}),
	}); err != nil {
		t.Fatalf("AddStats: %v", err)
	}
	r, err := other.Stats(ctx, tenantA, today.AddDate(0, 0, -3), today)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := []ownership.StatsDay{
		{Day: today.AddDate(0, 0, -3)},
		{Day: today.AddDate(0, 0, -2), StatsCounts: ownership.StatsCounts{Questions: 5, Answered: 4, Unknown: 1, Fallback: 1,
			Picks: map[string]int64{"roadmap": 1}, Helpful: map[string]int64{"roadmap": 3, "backlog": 1}, NotHelpful: map[string]int64{"backlog": 1},
			Teams: map[string]int64{"payments": 3}}},
		{Day: today.AddDate(0, 0, -1), StatsCounts: ownership.StatsCounts{Questions: 1, Answered: 1, Teams: map[string]int64{"odd:team+id": 1}}},
		{Day: today},
	}
	if !reflect.DeepEqual(r.Days, want) {
		t.Errorf("Stats days =\n%+v\nwant\n%+v", r.Days, want)
	}
	if got, want := r.Feedback(), map[string]ownership.FeedbackCount{"roadmap": {Helpful: 3}, "backlog": {Helpful: 1, NotHelpful: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Feedback over the range = %v, want %v", got, want)
	}
	if tot := r.Total(); tot.Questions != 6 || tot.Answered != 5 || tot.Teams["payments"] != 3 {
		t.Errorf("Total = %+v", tot)
	}
	// One day, asked with times inside it.
	r, err = s.Stats(ctx, tenantB, today.AddDate(0, 0, -2).Add(23*time.Hour), today.AddDate(0, 0, -2).Add(time.Minute))
	if err != nil || len(r.Days) != 1 || r.Days[0].Questions != 7 || r.Days[0].Answered != 0 {
		t.Errorf("tenant B's day = %+v, %v", r, err)
	}
	// A tenant with nothing counted reads as zero days.
	r, err = s.Stats(ctx, "slack:TNOSTATS", today.AddDate(0, 0, -1), today)
	if err != nil || len(r.Days) != 2 || !r.Total().IsZero() {
		t.Errorf("empty tenant = %+v, %v", r, err)
	}
}

// testStatsRange: ranges past StatsRetention days, or backwards, are
// invalid; a delta for a day no longer kept adds nothing; the oldest day
// kept is readable; a delta without a tenant adds nothing at all.
func testStatsRange(t *testing.T, open func(*testing.T) ownership.Store) {
	ctx := context.Background()
	s := open(t)
	today := ownership.StatsDayOf(time.Now())
	for _, c := range []struct{ from, to time.Time }{
		{today, today.AddDate(0, 0, -1)},
		{today.AddDate(0, 0, -ownership.StatsRetention), today},
	} {
		_, err := s.Stats(ctx, tenantA, c.from, c.to)
		wantCode(t, "Stats("+c.from.Format(time.DateOnly)+", "+c.to.Format(time.DateOnly)+")", err, ownership.ErrInvalid)
	}
	if r, err := s.Stats(ctx, tenantA, today.AddDate(0, 0, -(ownership.StatsRetention-1)), today); err != nil || len(r.Days) != ownership.StatsRetention {
		t.Errorf("Stats over %d days: %d days, %v", ownership.StatsRetention, len(r.Days), err)
	}
	err := s.AddStats(ctx, []ownership.StatsDelta{
		statsDelta(tenantA, today, 1, ownership.StatsCounts{Questions: 1}),
		{Day: today, StatsCounts: ownership.StatsCounts{Questions: 1}},
	})
	wantCode(t, "AddStats without a tenant", err, ownership.ErrInvalid)
	if err := s.AddStats(ctx, []ownership.StatsDelta{
		statsDelta(tenantA, today, ownership.StatsRetention+5, ownership.StatsCounts{Questions: 9}),
		statsDelta(tenantA, today, ownership.StatsRetention-2, ownership.StatsCounts{Questions: 4}),
	}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Stats(ctx, tenantA, today.AddDate(0, 0, -(ownership.StatsRetention-1)), today)
	if err != nil {
		t.Fatal(err)
	}
	if tot := r.Total(); tot.Questions != 4 {
		t.Errorf("questions kept = %d, want 4: only the day still kept (and nothing of the refused batch)", tot.Questions)
	}
	if got := r.Days[1]; got.Questions != 4 || !got.Day.Equal(today.AddDate(0, 0, -(ownership.StatsRetention-2))) {
		t.Errorf("day %s = %d questions", got.Day, got.Questions)
	}
	if err := s.AddStats(ctx, nil); err != nil {
		t.Errorf("AddStats of nothing: %v", err)
	}
}

// testStatsConcurrent: replicas flushing at once lose no count.
func testStatsConcurrent(t *testing.T, open func(*testing.T) ownership.Store) {
	ctx := context.Background()
	today := ownership.StatsDayOf(time.Now())
	const replicas, flushes = 4, 10
	stores := make([]ownership.Store, replicas)
	for i := range stores {
		stores[i] = open(t)
	}
	var wg sync.WaitGroup
	for _, st := range stores {
		wg.Go(func() {
			for range flushes {
				if err := st.AddStats(ctx, []ownership.StatsDelta{statsDelta(tenantA, today, 0, ownership.StatsCounts{
					Questions: 2, Helpful: map[string]int64{"roadmap": 1}})}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	r, err := stores[0].Stats(ctx, tenantA, today, today)
	if err != nil {
		t.Fatal(err)
	}
	if q, h := r.Days[0].Questions, r.Days[0].Helpful["roadmap"]; q != 2*replicas*flushes || h != replicas*flushes {
		t.Errorf("after concurrent flushes: %d questions, %d 👍; want %d, %d", q, h, 2*replicas*flushes, replicas*flushes)
	}
}
