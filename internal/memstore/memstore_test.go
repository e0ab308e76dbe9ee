package memstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/storetest"
)

func TestContract(t *testing.T) {
	t.Parallel()
	// One process has one memory: "another replica" is the same store.
	storetest.Run(t, storetest.PerTest(func(*testing.T) func() ownership.Store {
		s := memstore.New()
		return func() ownership.Store { return s }
	}))
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestClockDrivesClaims(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := memstore.New(memstore.WithClock(clock.Now))
	ctx := context.Background()
	type step struct {
		advance time.Duration
		want    bool
	}
	for i, st := range []step{
		{0, true},
		{9 * time.Second, false}, // ttl 10s
		{time.Second, true},
	} {
		clock.Add(st.advance)
		got, err := s.Claim(ctx, "k", 10*time.Second)
		if err != nil || got != st.want {
			t.Errorf("step %d (claim after +%v) = %v, %v; want %v", i, st.advance, got, err, st.want)
		}
	}
}

func TestChangeTimesAndIDsFromClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := memstore.New(memstore.WithClock(func() time.Time { return now }))
	_, ch, err := s.Update(context.Background(), "local", func(*ownership.Directory) ([]ownership.Change, error) {
		return []ownership.Change{{Action: "a"}, {Action: "b"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Same millisecond: the sequence part keeps the ids ordered and distinct.
	want := []string{"1735732800000-0", "1735732800000-1"}
	for i, c := range ch {
		if !c.At.Equal(now) || c.ID != want[i] {
			t.Errorf("change %d: At %v ID %q, want %v %q", i, c.At, c.ID, now, want[i])
		}
	}
}

func TestWithDirectorySeedsACopy(t *testing.T) {
	t.Parallel()
	d := ownership.NewDirectory("local")
	d.Version = 7
	d.Teams["core"] = &ownership.Team{ID: "core", Name: "Core"}
	s := memstore.New(memstore.WithDirectory(d))
	d.Teams["core"].Name = "changed after seeding"
	got, err := s.Directory(context.Background(), "local")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || got.Teams["core"].Name != "Core" {
		t.Errorf("seeded directory = v%d %q, want v7 Core", got.Version, got.Teams["core"].Name)
	}
	if h, _ := s.History(context.Background(), "local", "", 10); len(h) != 0 {
		t.Errorf("seeding wrote history: %v", h)
	}
}

func TestFnMayReadTheStore(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, _, err := s.Update(ctx, "local", func(d *ownership.Directory) ([]ownership.Change, error) {
			// A read from inside fn must not deadlock.
			if _, err := s.Directory(ctx, "other"); err != nil {
				return nil, err
			}
			return []ownership.Change{{Action: "x"}}, nil
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Update whose fn reads the store deadlocked")
	}
}

func TestAuditCapped(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	ctx := context.Background()
	many := make([]ownership.Change, memstore.AuditCap+5)
	for i := range many {
		many[i] = ownership.Change{Action: "x"}
	}
	if _, _, err := s.Update(ctx, "local", func(*ownership.Directory) ([]ownership.Change, error) { return many, nil }); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, "local", "", 2*memstore.AuditCap); len(h) != memstore.AuditCap {
		t.Errorf("History kept %d entries, want %d", len(h), memstore.AuditCap)
	}
}
