package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/scheduler"
)

func TestDigestSchedule(t *testing.T) {
	t.Parallel()
	fri := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		next time.Time
		say  string
	}{
		{"mon 09:00", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), "Mondays at 09:00 UTC"},
		{"Friday 16:30", time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC), "Fridays at 16:30 UTC"},
		{"fri 10:00", time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "Fridays at 10:00 UTC"}, // strictly after
		{"daily 09:00", time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), "every day at 09:00 UTC"},
		{"daily 9:05", time.Date(2026, 11, 21, 9, 5, 0, 0, time.UTC), "every day at 09:05 UTC"},
	} {
		d, err := bot.ParseDigestSchedule(c.in)
		if err != nil || !d.On() {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := d.Next(fri); !got.Equal(c.next) {
			t.Errorf("%q: next after %v is %v, want %v", c.in, fri, got, c.next)
		}
		if d.String() != c.say {
			t.Errorf("%q reads %q, want %q", c.in, d.String(), c.say)
		}
	}
	if d, err := bot.ParseDigestSchedule("off"); err != nil || d.On() {
		t.Errorf("off: %v %v", d, err)
	}
	for _, bad := range []string{"", "mon", "monday 9", "noon 09:00", "mon 24:00", "mon 09:60", "mon 09:00 utc", "every monday"} {
		if _, err := bot.ParseDigestSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The digest job sends each lead the week's digest once, however often it
// runs, with every section that has something in it, and plans the next.
func TestDigestJob(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := now
	at := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	week, err := bot.ParseDigestSchedule("fri 10:00")
	if err != nil {
		t.Fatal(err)
	}
	s, st := newService(t, bot.WithClock(at), bot.WithDigest(week), bot.WithReviews(30*24*time.Hour))
	ctx := context.Background()
	if _, _, err := s.Store().Update(ctx, tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		c := d.Teams["checkout"]
		po := c.Roles[ownership.ProductOwner]
		po.AssignedAt = now.Add(-100 * 24 * time.Hour)
		c.Roles[ownership.ProductOwner] = po
		pm := c.Roles[ownership.ProductManager]
		c.Roles[ownership.ProductManager] = ownership.Assignment{Vacated: &ownership.Vacancy{Person: pm.Person, Since: now.Add(-15 * 24 * time.Hour)}}
		if c.Covers == nil {
			c.Covers = map[ownership.Role]ownership.Cover{}
		}
		c.Covers[ownership.ProductOwner] = ownership.Cover{Person: dev, Until: now.Add(9 * 24 * time.Hour)}
		return []ownership.Change{{At: now, Action: "test", Summary: "test data"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	job := ownership.Job{Tenant: tenant, Kind: ownership.JobDigest}
	due, ok, err := st.JobDue(ctx, job)
	if err != nil || !ok || !due.Equal(now.AddDate(0, 0, 7)) {
		t.Fatalf("digest planned at %v (%v, %v), want a week from now", due, ok, err)
	}
	out := &outboxRecorder{}
	sched := scheduler.New(scheduler.Config{Store: st, Tick: 10 * time.Millisecond, Now: at, Lease: time.Minute})
	for k, h := range s.Handlers(out) {
		sched.Handle(k, h)
	}
	mu.Lock()
	clock = now.AddDate(0, 0, 7)
	mu.Unlock()
	var running sync.WaitGroup
	for range 2 {
		sched.Once(ctx, &running)
		running.Wait()
	}
	got := out.tells[lead.ID]
	if len(got) != 1 {
		t.Fatalf("the lead got %d digests, want 1: %q", len(got), got)
	}
	for _, want := range []string{"Leads' digest · 20 Nov – 27 Nov 2026", "Empty roles", "Product Manager vacant for 3 weeks", "Past their review", "Product Owner, last confirmed 3 months ago",
		"Covers ending soon", "Jules Martin covers Product Owner until Sun 29 Nov 10:00 UTC"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("digest lacks %q:\n%s", want, got[0])
		}
	}
	if strings.Contains(got[0], "quiet") {
		t.Errorf("a busy week called quiet:\n%s", got[0])
	}
	if due, ok, err := st.JobDue(ctx, job); err != nil || !ok || !due.Equal(now.AddDate(0, 0, 14)) {
		t.Fatalf("next digest at %v (%v, %v), want two weeks from the start", due, ok, err)
	}
}
