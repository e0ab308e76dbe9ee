// Package delivery is what the Slack and Teams transports share between
// acknowledging a platform's request and the reply reaching the chat: a
// bounded worker pool that drains on shutdown, outbound calls retried only
// when that cannot post twice, and claims given back when a reply
// definitely failed, so the platform's redelivery is answered.
//
// # At least once, never twice
//
// Each delivery is claimed in the store before it is handled (see
// ownership.Store.ClaimAll), so redeliveries and other replicas drop it.
// Every outbound call ends in one of four outcomes (Class):
//
//   - Delivered.
//   - Transient: the platform did not act on it, and a later try may work
//     (the request never left: dial, DNS or TLS failure; 429 Too Many
//     Requests; 503, and the errors each platform documents as "nothing
//     happened, try again"). Every call is retried within bounds.
//   - Refused: the platform did not act on it and never will (another 4xx,
//     Slack's channel_not_found, not_in_channel, is_archived, ...). Not
//     retried.
//   - Unknown: it may have been acted on (a timeout or broken connection
//     after the request was written; a 500, 502 or 504; Slack's
//     internal_error). Idempotent calls (reads, chat.update, views.publish,
//     opening a DM) are retried; posts are not, because a second post could
//     show the reply twice.
//
// When a delivery's posts all ended Transient or Refused (nothing can have
// reached the chat), its claims are released so the platform's redelivery,
// or another replica, answers it. After an Unknown post the claim stays: a
// reply may be lost, but none is shown twice.
package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Releaser gives claims back; ownership.Store implements it.
type Releaser interface {
	Release(ctx context.Context, keys ...string) error
}

// PoolConfig configures a Pool.
type PoolConfig struct {
	// Name starts log lines and errors ("slack", "teams").
	Name string
	// Workers run jobs (at least 1); QueueSize bounds the jobs waiting.
	Workers, QueueSize int
	// DrainTimeout bounds how long Run waits for queued work at shutdown.
	DrainTimeout time.Duration
	// JobTimeout bounds one job, retries included.
	JobTimeout time.Duration
	// Claims releases a job's claims after its reply definitely failed;
	// nil releases nothing.
	Claims Releaser
	Logger *slog.Logger
}

// Job is one acknowledged delivery's work.
type Job struct {
	// ID names the delivery in logs (an event or activity id).
	ID  string
	Run func(ctx context.Context)
}

// Pool runs jobs on a fixed number of workers. Jobs queued before Run
// starts wait for its workers.
type Pool struct {
	cfg PoolConfig
	log *slog.Logger

	// mu guards closed against a send racing the close.
	mu     sync.RWMutex
	closed bool
	jobs   chan Job
}

// releaseTimeout bounds giving claims back after a job, whose own context
// may be spent.
const releaseTimeout = 5 * time.Second

// NewPool returns a pool; zero fields get small defaults.
func NewPool(cfg PoolConfig) *Pool {
	cfg.Workers = max(cfg.Workers, 1)
	cfg.QueueSize = max(cfg.QueueSize, 1)
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 15 * time.Second
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Pool{cfg: cfg, log: log, jobs: make(chan Job, cfg.QueueSize)}
}

// TryEnqueue hands j to the workers without blocking; false means the queue
// is full or shut down, and the caller must make the platform retry.
func (p *Pool) TryEnqueue(j Job) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- j:
		return true
	default:
		return false
	}
}

// Enqueue hands j to the workers, waiting for room until ctx ends: back
// pressure for a reader (Socket Mode) that must not lose what it already
// acknowledged. Run closes the queue only once ctx's cancellation has let
// such waits end, so the caller's ctx must end no later than Run's.
func (p *Pool) Enqueue(ctx context.Context, j Job) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// Len is how many jobs wait.
func (p *Pool) Len() int { return len(p.jobs) }

// Run serves the queue until ctx ends, then stops taking work and lets the
// workers finish what was already acknowledged within DrainTimeout. Work
// still running then is cancelled and reported as an error: the process
// must not exit as if nothing was lost.
func (p *Pool) Run(ctx context.Context) error {
	// Jobs outlive ctx so acknowledged work is finished on shutdown; the
	// drain deadline cancels them.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var wg sync.WaitGroup
	for range p.cfg.Workers {
		wg.Go(func() {
			for j := range p.jobs {
				p.run(work, j)
			}
		})
	}
	<-ctx.Done()
	p.mu.Lock()
	p.closed = true
	close(p.jobs)
	p.mu.Unlock()

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	timer := time.NewTimer(p.cfg.DrainTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		p.log.Error(p.cfg.Name+": queued work not finished before the drain deadline; cancelling it", "timeout", p.cfg.DrainTimeout, "left", len(p.jobs))
		cancelWork()
		<-done
		return fmt.Errorf("%s: shutdown: work still in progress after %s was cancelled", p.cfg.Name, p.cfg.DrainTimeout)
	}
}

// run runs one job with its timeout and its record of claims and posts,
// then gives the claims back if nothing it posted can have arrived.
func (p *Pool) run(ctx context.Context, j Job) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.JobTimeout)
	defer cancel()
	ctx, rec := Track(ctx)
	defer p.settle(ctx, j, rec)
	defer func() {
		// One bad payload must not take a worker, and with it the pool, down.
		if r := recover(); r != nil {
			p.log.Error(p.cfg.Name+": job panicked", "delivery", j.ID, "panic", r)
		}
	}()
	j.Run(ctx)
}

func (p *Pool) settle(ctx context.Context, j Job, rec *Record) {
	keys, ok := rec.releasable()
	if !ok || p.cfg.Claims == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := p.cfg.Claims.Release(rctx, keys...); err != nil {
		p.log.Error(p.cfg.Name+": could not release the claim of a delivery whose reply failed; a redelivery will be dropped", "delivery", j.ID, "err", err)
		return
	}
	p.log.Info(p.cfg.Name+": reply failed before reaching the chat; claim released so a redelivery is answered", "delivery", j.ID)
}

// Record is what one job claimed and how its posts ended.
type Record struct {
	mu        sync.Mutex
	keys      []string
	failed    bool // a post definitely did not arrive
	delivered bool // a post arrived or may have
}

type recordKey struct{}

// Track returns ctx carrying a fresh Record; Pool runs every job with one.
func Track(ctx context.Context) (context.Context, *Record) {
	t := &tracked{Context: ctx}
	return t, &t.rec
}

// tracked is a context carrying a Record, made in one allocation where
// context.WithValue and the Record took two.
type tracked struct {
	context.Context
	rec Record
}

// Value implements context.Context.
func (t *tracked) Value(key any) any {
	if key == (recordKey{}) {
		return &t.rec
	}
	return t.Context.Value(key)
}

// String names the context as context.WithValue's would.
func (t *tracked) String() string { return fmt.Sprint(t.Context) + ".WithValue(delivery.Record)" }

func recordOf(ctx context.Context) *Record {
	r, _ := ctx.Value(recordKey{}).(*Record)
	return r
}

// Claimed notes keys claimed for the delivery ctx belongs to, so that they
// can be released if its reply definitely fails. The record may keep keys
// itself: the caller must not change it afterwards.
func Claimed(ctx context.Context, keys ...string) {
	if r := recordOf(ctx); r != nil {
		r.mu.Lock()
		if len(r.keys) == 0 {
			r.keys = keys[:len(keys):len(keys)] // a later append copies
		} else {
			r.keys = append(r.keys, keys...)
		}
		r.mu.Unlock()
	}
}

// Posted notes how a post made for the delivery ctx belongs to ended
// (err nil: delivered).
func Posted(ctx context.Context, err error) {
	r := recordOf(ctx)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if Undelivered(err) {
		r.failed = true
	} else {
		r.delivered = true
	}
}

// releasable returns the claims to give back: some post definitely
// failed and none can have arrived.
func (r *Record) releasable() ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys, len(r.keys) > 0 && r.failed && !r.delivered
}

// Released reports whether the job's claims are to be released; for tests.
func (r *Record) Released() bool {
	_, ok := r.releasable()
	return ok
}

// Take returns the next queued job without running it, waiting until ctx
// ends or the queue closes; for tests and benchmarks that work the queue
// themselves instead of calling Run.
func (p *Pool) Take(ctx context.Context) (Job, bool) {
	select {
	case j, ok := <-p.jobs:
		return j, ok
	case <-ctx.Done():
		return Job{}, false
	}
}

// TryTake is Take without waiting.
func (p *Pool) TryTake() (Job, bool) {
	select {
	case j, ok := <-p.jobs:
		return j, ok
	default:
		return Job{}, false
	}
}

// Do runs j now on the caller's goroutine as a worker would: with its
// timeout, its record, and its claims released if its reply failed.
func (p *Pool) Do(ctx context.Context, j Job) { p.run(ctx, j) }

// Cap is how many jobs may wait.
func (p *Pool) Cap() int { return cap(p.jobs) }

// Closed reports whether shutdown has begun: refusals are then expected.
func (p *Pool) Closed() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.closed
}
