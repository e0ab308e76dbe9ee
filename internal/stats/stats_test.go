package stats_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/stats"
)

// sink records every AddStats call and fails while fail is set.
type sink struct {
	mu      sync.Mutex
	calls   [][]ownership.StatsDelta
	fail    error
	flushed chan struct{}
}

func (s *sink) AddStats(_ context.Context, ds []ownership.StatsDelta) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.calls = append(s.calls, ds)
	if s.flushed != nil {
		select {
		case s.flushed <- struct{}{}:
		default:
		}
	}
	return nil
}

func sorted(ds []ownership.StatsDelta) []ownership.StatsDelta {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Tenant != ds[j].Tenant {
			return ds[i].Tenant < ds[j].Tenant
		}
		return ds[i].Day.Before(ds[j].Day)
	})
	return ds
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var day1 = time.Date(2026, 12, 5, 23, 59, 0, 0, time.UTC)

// TestFlushOneCallPerFlush: counts of several tenants and days go out in
// one AddStats call, summed per tenant and day; nothing is sent twice.
func TestFlushOneCallPerFlush(t *testing.T) {
	sk := &sink{}
	clk := &clock{t: day1}
	c := stats.New(sk, stats.WithClock(clk.now))
	c.Question("slack:T1", stats.Answered, false, "payments")
	c.Question("slack:T1", stats.Answered, true, "payments")
	c.Question("slack:T1", stats.Unknown, false, "")
	c.Question("teams:X", stats.Asked, false, "")
	c.Pick("slack:T1", "roadmap")
	c.Feedback("slack:T1", "roadmap", true)
	c.Feedback("slack:T1", "backlog", false)
	clk.set(day1.Add(2 * time.Minute)) // the next UTC day
	c.Question("slack:T1", stats.Answered, false, "checkout")
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sk.calls) != 1 {
		t.Fatalf("%d AddStats calls, want 1", len(sk.calls))
	}
	d1, d2 := ownership.StatsDayOf(day1), ownership.StatsDayOf(day1).AddDate(0, 0, 1)
	want := []ownership.StatsDelta{
		{Tenant: "slack:T1", Day: d1, StatsCounts: ownership.StatsCounts{Questions: 3, Answered: 2, Unknown: 1, Fallback: 1,
			Picks: map[string]int64{"roadmap": 1}, Helpful: map[string]int64{"roadmap": 1}, NotHelpful: map[string]int64{"backlog": 1},
			Teams: map[string]int64{"payments": 2}}},
		{Tenant: "slack:T1", Day: d2, StatsCounts: ownership.StatsCounts{Questions: 1, Answered: 1, Teams: map[string]int64{"checkout": 1}}},
		{Tenant: "teams:X", Day: d1, StatsCounts: ownership.StatsCounts{Questions: 1}},
	}
	if got := sorted(sk.calls[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("flushed\n%+v\nwant\n%+v", got, want)
	}
	if err := c.Flush(context.Background()); err != nil || len(sk.calls) != 1 {
		t.Errorf("a flush with nothing counted: %v, %d calls", err, len(sk.calls))
	}
}

// TestFailedFlushKeepsCounts: a failed flush's counts go out, with those
// counted meanwhile, in the next flush that works.
func TestFailedFlushKeepsCounts(t *testing.T) {
	sk := &sink{fail: ownership.Unavailable(errors.New("down"))}
	c := stats.New(sk, stats.WithClock(func() time.Time { return day1 }))
	c.Question("slack:T1", stats.Answered, false, "payments")
	if err := c.Flush(context.Background()); ownership.ErrorCode(err) != ownership.ErrUnavailable {
		t.Fatalf("Flush = %v, want the sink's error", err)
	}
	c.Question("slack:T1", stats.Unknown, false, "")
	c.Feedback("slack:T1", "roadmap", false)
	sk.fail = nil
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []ownership.StatsDelta{{Tenant: "slack:T1", Day: ownership.StatsDayOf(day1), StatsCounts: ownership.StatsCounts{
		Questions: 2, Answered: 1, Unknown: 1, Teams: map[string]int64{"payments": 1}, NotHelpful: map[string]int64{"roadmap": 1}}}}
	if len(sk.calls) != 1 || !reflect.DeepEqual(sk.calls[0], want) {
		t.Errorf("calls = %+v, want one of %+v", sk.calls, want)
	}
}

type dropObserver struct {
	mu      sync.Mutex
	dropped int
	flushes int
	errs    int
}

func (o *dropObserver) StatsFlushed(_ int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushes++
	if err != nil {
		o.errs++
	}
}

func (o *dropObserver) StatsDropped(n int) { o.mu.Lock(); o.dropped += n; o.mu.Unlock() }

// TestPendingBounded: while the store is unreachable, at most MaxPending
// tenant-days wait; counts for more are dropped and reported.
func TestPendingBounded(t *testing.T) {
	sk := &sink{fail: ownership.Unavailable(errors.New("down"))}
	obs := &dropObserver{}
	c := stats.New(sk, stats.WithClock(func() time.Time { return day1 }), stats.WithObserver(obs))
	for i := range stats.MaxPending + 3 {
		c.Question(ownership.TenantID(fmt.Sprintf("slack:T%d", i)), stats.Answered, false, "")
	}
	if obs.dropped != 3 {
		t.Errorf("dropped %d, want 3", obs.dropped)
	}
	_ = c.Flush(context.Background())
	c.Question("slack:T0", stats.Answered, false, "") // an existing tenant-day still counts
	sk.fail = nil
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(sk.calls[0]); n != stats.MaxPending {
		t.Errorf("flushed %d tenant-days, want %d", n, stats.MaxPending)
	}
	for _, d := range sk.calls[0] {
		if d.Tenant == "slack:T0" && d.Questions != 2 {
			t.Errorf("slack:T0 counted %d questions, want 2", d.Questions)
		}
	}
	if obs.flushes != 2 || obs.errs != 1 {
		t.Errorf("observer saw %d flushes, %d failed; want 2, 1", obs.flushes, obs.errs)
	}
}

// TestRunFlushesUntilDone: Run flushes by itself and returns when its
// context ends; what is counted after that (the last answers of a
// draining replica) goes out with the final Flush, into the store.
func TestRunFlushesUntilDone(t *testing.T) {
	sk := &sink{flushed: make(chan struct{}, 1)}
	c := stats.New(sk)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, time.Millisecond); close(done) }()
	c.Question("slack:T1", stats.Answered, false, "")
	<-sk.flushed
	cancel()
	<-done
	sk.mu.Lock()
	if len(sk.calls) != 1 || sk.calls[0][0].Answered != 1 {
		t.Errorf("Run flushed %+v", sk.calls)
	}
	sk.mu.Unlock()

	st := memstore.New()
	c = stats.New(st)
	c.Question("slack:T1", stats.Unknown, false, "")
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := st.Stats(context.Background(), "slack:T1", time.Now(), time.Now())
	if err != nil || r.Days[0].Unknown != 1 || r.Days[0].Questions != 1 {
		t.Errorf("the final flush reached the store: %+v, %v", r, err)
	}
}

// TestNilCounter: a nil Counter counts nothing and never fails.
func TestNilCounter(t *testing.T) {
	var c *stats.Counter
	c.Question("slack:T1", stats.Answered, false, "x")
	c.Pick("slack:T1", "x")
	c.Feedback("slack:T1", "x", true)
	if err := c.Flush(context.Background()); err != nil {
		t.Error(err)
	}
}
