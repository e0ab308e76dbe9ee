package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/scheduler"
)

// backends returns, per store, a function opening another replica's view
// of the same schedule.
func backends(t *testing.T) map[string]func() ownership.Store {
	mem := memstore.New()
	c, prefix := redistest.Client(t)
	return map[string]func() ownership.Store{
		"memstore": func() ownership.Store { return mem },
		"redis":    func() ownership.Store { return redisstore.New(c, redisstore.WithPrefix(prefix)) },
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// replica starts a scheduler on st until the returned cancel is called.
func replica(t *testing.T, st ownership.Store, lease time.Duration, kind string, h scheduler.Handler) (cancel func(), done <-chan struct{}) {
	t.Helper()
	s := scheduler.New(scheduler.Config{Store: st, Tick: 10 * time.Millisecond, Lease: lease, Logger: quiet()})
	s.Handle(kind, h)
	ctx, stop := context.WithCancel(context.Background())
	ch := make(chan struct{})
	go func() { _ = s.Run(ctx); close(ch) }()
	t.Cleanup(func() { stop(); <-ch })
	return stop, ch
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func scheduled(t *testing.T, st ownership.Store, j ownership.Job) bool {
	_, ok, err := st.JobDue(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestTwoReplicasRunEachJobOnce: jobs due now are run once each, whichever
// replica claims them, and delivered once per recipient.
func TestTwoReplicasRunEachJobOnce(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			const n = 30
			var mu sync.Mutex
			runs := map[string]int{}
			sends := map[string]int{}
			h := func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
				mu.Lock()
				runs[r.Job().Key]++
				mu.Unlock()
				for _, p := range []string{"U1", "U2"} {
					if _, err := r.Deliver(ctx, p, func(context.Context) error {
						mu.Lock()
						sends[r.Job().Key+">"+p]++
						mu.Unlock()
						return nil
					}); err != nil {
						return time.Time{}, err
					}
				}
				return time.Time{}, nil
			}
			a, b := open(), open()
			var jobs []ownership.Job
			for i := range n {
				j := ownership.Job{Tenant: "slack:T1", Kind: "test.once", Key: fmt.Sprint(i)}
				jobs = append(jobs, j)
				if err := a.ScheduleJob(context.Background(), j, time.Now(), false); err != nil {
					t.Fatal(err)
				}
			}
			replica(t, a, time.Minute, "test.once", h)
			replica(t, b, time.Minute, "test.once", h)
			poll(t, "every job finished", func() bool {
				for _, j := range jobs {
					if scheduled(t, a, j) {
						return false
					}
				}
				return true
			})
			mu.Lock()
			defer mu.Unlock()
			if len(runs) != n || len(sends) != 2*n {
				t.Fatalf("%d jobs ran, %d deliveries; want %d and %d", len(runs), len(sends), n, 2*n)
			}
			for k, c := range runs {
				if c != 1 {
					t.Errorf("job %s ran %d times", k, c)
				}
			}
			for k, c := range sends {
				if c != 1 {
					t.Errorf("delivery %s made %d times", k, c)
				}
			}
		})
	}
}

// TestKilledReplicaLeaseIsTakenOver: a replica stops (its context is
// cancelled) while it holds a job it has half done; once the lease ends
// another replica runs the job, and what the first one delivered is not
// delivered again.
func TestKilledReplicaLeaseIsTakenOver(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			const lease = time.Second
			j := ownership.Job{Tenant: "teams:x", Kind: "test.crash", Key: "k"}
			var mu sync.Mutex
			var sent []string
			var secondDue time.Time
			firstDue := make(chan time.Time, 1)
			holding := make(chan struct{})
			send := func(who string) func(context.Context) error {
				return func(context.Context) error { mu.Lock(); sent = append(sent, who); mu.Unlock(); return nil }
			}
			dying := func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
				if _, err := r.Deliver(ctx, "U1", send("U1 by the first replica")); err != nil {
					return time.Time{}, err
				}
				firstDue <- r.Lease.Due
				close(holding)
				<-ctx.Done() // killed before it reaches U2
				return time.Time{}, ctx.Err()
			}
			st := open()
			if err := st.ScheduleJob(context.Background(), j, time.Now(), false); err != nil {
				t.Fatal(err)
			}
			kill, dead := replica(t, st, lease, "test.crash", dying)
			<-holding
			kill()
			<-dead
			if !scheduled(t, st, j) {
				t.Fatal("the job left the schedule although it never finished")
			}
			finished := make(chan struct{})
			var finishOnce sync.Once
			replica(t, open(), lease, "test.crash", func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
				for _, p := range []string{"U1", "U2"} {
					if _, err := r.Deliver(ctx, p, send(p+" by the second replica")); err != nil {
						return time.Time{}, err
					}
				}
				mu.Lock()
				secondDue = r.Lease.Due
				mu.Unlock()
				// A run that outlasts its lease on a loaded machine is run
				// again; its deliveries are not (the check below).
				finishOnce.Do(func() { close(finished) })
				return time.Time{}, nil
			})
			<-finished
			poll(t, "the job to finish", func() bool { return !scheduled(t, st, j) })
			mu.Lock()
			defer mu.Unlock()
			want := []string{"U1 by the first replica", "U2 by the second replica"}
			if fmt.Sprint(sent) != fmt.Sprint(want) {
				t.Errorf("deliveries %q; want %q", sent, want)
			}
			if d := <-firstDue; !d.Equal(secondDue) {
				t.Errorf("the job taken over is a new occurrence (due %v, first %v)", secondDue, d)
			}
		})
	}
}

// TestFailedDeliveryIsRetried: a send that fails is given back, and the
// job's next run (after its lease) sends it.
func TestFailedDeliveryIsRetried(t *testing.T) {
	st := memstore.New()
	j := ownership.Job{Tenant: "slack:T1", Kind: "test.retry", Key: "k"}
	if err := st.ScheduleJob(context.Background(), j, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	tries, sent := 0, 0
	replica(t, st, 100*time.Millisecond, "test.retry", func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
		_, err := r.Deliver(ctx, "U1", func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			tries++
			if tries == 1 {
				return fmt.Errorf("platform down")
			}
			sent++
			return nil
		})
		return time.Time{}, err
	})
	poll(t, "the job to finish", func() bool { return !scheduled(t, st, j) })
	mu.Lock()
	defer mu.Unlock()
	if tries != 2 || sent != 1 {
		t.Errorf("%d tries, %d sent; want 2 and 1", tries, sent)
	}
}

// TestNextTimeReschedules: a handler's next time puts the job back.
func TestNextTimeReschedules(t *testing.T) {
	st := memstore.New()
	j := ownership.Job{Tenant: "slack:T1", Kind: "test.next", Key: "k"}
	if err := st.ScheduleJob(context.Background(), j, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	ran := make(chan struct{}, 1)
	replica(t, st, time.Minute, "test.next", func(context.Context, *scheduler.Run) (time.Time, error) {
		ran <- struct{}{}
		return next, nil
	})
	<-ran
	poll(t, "the job to be due at its next time", func() bool {
		due, ok, _ := st.JobDue(context.Background(), j)
		return ok && due.Equal(next)
	})
}
