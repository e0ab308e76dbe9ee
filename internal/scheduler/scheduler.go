// Package scheduler runs due work (a review, a digest, the end of a cover)
// exactly once across any number of replicas. Every replica runs one
// Scheduler over the shared store's schedule (ownership.Jobs): each tick it
// claims the jobs that are due, with a lease, and runs them. A replica that
// dies holding a lease loses nothing: once the lease ends the job is due
// again and another replica claims it. A job that fails is left to its
// lease the same way, and tried again.
//
// A job that messages people names each delivery with Run.Once, so a job
// run again after a crash or a failure sends nothing twice to anyone.
package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Defaults.
const (
	// DefaultTick is how often a replica looks for due work.
	DefaultTick = time.Minute
	// DefaultBatch is how many jobs one claim takes at most.
	DefaultBatch = 20
	// deliveryTTL is how long a delivery of one occurrence is remembered:
	// far longer than any occurrence is retried.
	deliveryTTL = 35 * 24 * time.Hour
	// maxPerTick bounds the claims of one tick, so one replica does not
	// hog a burst of due work while the others idle.
	maxPerTick = 10
)

// Handler runs one due job and returns when it is next due; zero takes it
// off the schedule until something schedules it again. An error leaves the
// job to its lease: it runs again, as the same occurrence, once the lease
// ends.
type Handler func(ctx context.Context, r *Run) (next time.Time, err error)

// Observer is told what the scheduler did, for metrics; methods must be
// safe for concurrent use.
type Observer interface {
	// JobRan counts a job run: outcome is "ok", "failed" or "lost" (its
	// lease ran out before it finished).
	JobRan(kind, outcome string)
	// JobLag is how late a job started after it was due.
	JobLag(kind string, lag time.Duration)
}

type nopObserver struct{}

func (nopObserver) JobRan(string, string)        {}
func (nopObserver) JobLag(string, time.Duration) {}

// Config configures a Scheduler.
type Config struct {
	Store ownership.Store
	// Tick is how often the schedule is read (DefaultTick when zero).
	Tick time.Duration
	// Lease is how long a claimed job is this replica's before another
	// may take it over (default five ticks, at least 30s): longer than any
	// job takes.
	Lease time.Duration
	// Batch is how many jobs one claim takes (DefaultBatch when zero).
	Batch    int
	Now      func() time.Time
	Logger   *slog.Logger
	Observer Observer
}

// Scheduler is one replica's runner of due jobs.
type Scheduler struct {
	cfg Config

	mu       sync.RWMutex
	handlers map[string]Handler
	// kick wakes the loop before its tick, when work was scheduled for now.
	kick chan struct{}
}

// New returns a scheduler; register handlers with Handle before Run.
func New(cfg Config) *Scheduler {
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Lease <= 0 {
		cfg.Lease = max(5*cfg.Tick, 30*time.Second)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return &Scheduler{cfg: cfg, handlers: map[string]Handler{}, kick: make(chan struct{}, 1)}
}

// Handle runs h for jobs of kind.
func (s *Scheduler) Handle(kind string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[kind] = h
}

// Tick is the scheduler's tick.
func (s *Scheduler) Tick() time.Duration { return s.cfg.Tick }

// Run reads the schedule every tick until ctx ends. Jobs running then see
// ctx end too; what they did not finish their leases give to another
// replica.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	var running sync.WaitGroup
	defer running.Wait()
	for {
		s.Once(ctx, &running)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Wake makes Run look at the schedule now rather than at its next tick.
func (s *Scheduler) Wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Once claims what is due now and runs it, each job on its own goroutine
// tracked by running; it returns once the claims are made.
func (s *Scheduler) Once(ctx context.Context, running *sync.WaitGroup) {
	for range maxPerTick {
		if ctx.Err() != nil {
			return
		}
		now := s.cfg.Now()
		ls, err := s.cfg.Store.ClaimJobs(ctx, now, s.cfg.Lease, s.cfg.Batch)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("scheduler: cannot read the schedule; trying again next tick", "err", err)
			}
			return
		}
		for _, l := range ls {
			s.cfg.Observer.JobLag(l.Job.Kind, now.Sub(l.Due))
			running.Go(func() { s.run(ctx, l) })
		}
		if len(ls) < s.cfg.Batch {
			return
		}
	}
}

// run runs one leased job.
func (s *Scheduler) run(ctx context.Context, l ownership.Lease) {
	s.mu.RLock()
	h := s.handlers[l.Job.Kind]
	s.mu.RUnlock()
	log := s.cfg.Logger.With("job", l.Job.Kind, "tenant", l.Job.Tenant, "key", l.Job.Key, "due", l.Due)
	if h == nil {
		// A kind a newer replica knows (a rolling upgrade): its lease
		// gives it to one of those.
		log.Warn("scheduler: no handler for a due job; leaving it to its lease")
		s.cfg.Observer.JobRan(l.Job.Kind, "failed")
		return
	}
	// The job must end before its lease does, or another replica may run
	// it at the same time.
	jctx, cancel := context.WithTimeout(ctx, s.cfg.Lease-s.cfg.Lease/10)
	defer cancel()
	next, err := h(jctx, &Run{Lease: l, s: s})
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("scheduler: job failed; it runs again when its lease ends", "err", err, "lease_until", l.Until)
		}
		s.cfg.Observer.JobRan(l.Job.Kind, "failed")
		return
	}
	// Finishing must not be cut short by a shutdown that came after the
	// work was done.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer fcancel()
	ok, err := s.cfg.Store.FinishJob(fctx, l, next)
	switch {
	case err != nil:
		log.Warn("scheduler: could not finish a job; it runs again when its lease ends, sending nothing twice", "err", err)
		s.cfg.Observer.JobRan(l.Job.Kind, "failed")
	case !ok:
		log.Info("scheduler: a job's lease ended before it finished (or it was scheduled anew)")
		s.cfg.Observer.JobRan(l.Job.Kind, "lost")
	default:
		s.cfg.Observer.JobRan(l.Job.Kind, "ok")
	}
}

// Run is one run of a leased job.
type Run struct {
	Lease ownership.Lease
	s     *Scheduler
}

// Job is the job being run.
func (r *Run) Job() ownership.Job { return r.Lease.Job }

// Now is the scheduler's clock.
func (r *Run) Now() time.Time { return r.s.cfg.Now() }

// deliveryKey names one delivery of this occurrence of the job.
func (r *Run) deliveryKey(to string) string {
	return "sched:" + r.Lease.Job.ID() + "@" + strconv.FormatInt(r.Lease.Due.UnixMilli(), 10) + ">" + to
}

// Deliver sends one message of this occurrence to to (a person, a
// channel) with send, unless it was delivered before, by this replica or
// another: at most once per occurrence and recipient, even when the job
// runs again after a crash. A send that fails is given back, so the job's
// next run tries again; a replica that dies mid-send loses that one
// message rather than risk sending it twice. It reports whether send ran
// and succeeded.
func (r *Run) Deliver(ctx context.Context, to string, send func(context.Context) error) (bool, error) {
	key := r.deliveryKey(to)
	first, err := r.s.cfg.Store.Claim(ctx, key, deliveryTTL)
	if err != nil {
		return false, err
	}
	if !first {
		return false, nil
	}
	if err := send(ctx); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := r.s.cfg.Store.Release(rctx, key); rerr != nil {
			return false, errors.Join(err, rerr)
		}
		return false, err
	}
	return true, nil
}
