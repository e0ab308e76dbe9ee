// Package stats counts, per tenant and UTC day, what the bot did: the
// questions it was asked and how it answered them, what people picked
// under its unsure answers, their 👍 and 👎, and the teams asked about.
//
// Counting costs an answer no store round trip: a Counter adds to counts
// in this replica's memory, and Run flushes them to the store in one
// pipelined call (ownership.Store.AddStats) every few seconds; the replica
// flushes once more on shutdown, after its transports drained. A replica
// that crashes loses at most the counts of one interval. A flush that
// fails keeps its counts for the next one, up to MaxPending tenant-days.
package stats

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// DefaultInterval is how often Run flushes: the most counts a crash loses.
const DefaultInterval = 5 * time.Second

// MaxPending bounds the tenant-days a Counter holds between flushes; while
// the store is unreachable, counts of new tenant-days beyond it are
// dropped (and reported to the Observer).
const MaxPending = 10000

// Sink is where counts go: the store's AddStats.
type Sink interface {
	AddStats(ctx context.Context, deltas []ownership.StatsDelta) error
}

// Observer is told about flushes, for metrics. Methods must be safe for
// concurrent use.
type Observer interface {
	// StatsFlushed reports a flush of deltas tenant-days and its error.
	StatsFlushed(deltas int, err error)
	// StatsDropped reports counts of n tenant-days dropped because
	// MaxPending were waiting for the store.
	StatsDropped(n int)
}

type nopObserver struct{}

func (nopObserver) StatsFlushed(int, error) {}
func (nopObserver) StatsDropped(int)        {}

// Outcome is how a question was answered.
type Outcome int

// Outcomes of a question.
const (
	// Answered: a person or an explanation.
	Answered Outcome = iota
	// Unknown: "I don't know".
	Unknown
	// Asked: neither yet, such as "which team do you mean?".
	Asked
)

// Counter adds counts in memory and flushes them to a Sink. A nil
// *Counter counts nothing. It is safe for concurrent use.
type Counter struct {
	sink Sink
	now  func() time.Time
	log  *slog.Logger
	obs  Observer

	// flushMu makes flushes one at a time, so a failed flush's counts are
	// put back before the next flush takes them.
	flushMu sync.Mutex
	mu      sync.Mutex
	pending map[dayKey]*ownership.StatsCounts
}

type dayKey struct {
	tenant ownership.TenantID
	day    int64 // days since the epoch, UTC
}

// Option configures a Counter.
type Option func(*Counter)

// WithClock replaces the clock that dates the counts, for tests.
func WithClock(now func() time.Time) Option { return func(c *Counter) { c.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Counter) { c.log = l } }

// WithObserver reports flushes to o.
func WithObserver(o Observer) Option { return func(c *Counter) { c.obs = o } }

// New returns a Counter flushing to sink.
func New(sink Sink, opts ...Option) *Counter {
	c := &Counter{sink: sink, now: time.Now, log: slog.Default(), obs: nopObserver{}, pending: map[dayKey]*ownership.StatsCounts{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// counts returns the counts of tenant's current day; callers hold c.mu.
// nil when MaxPending tenant-days are already waiting.
func (c *Counter) counts(tenant ownership.TenantID) *ownership.StatsCounts {
	k := dayKey{tenant, c.now().Unix() / 86400}
	p := c.pending[k]
	if p == nil {
		if len(c.pending) >= MaxPending {
			c.obs.StatsDropped(1)
			return nil
		}
		p = &ownership.StatsCounts{}
		c.pending[k] = p
	}
	return p
}

func inc(m *map[string]int64, k string) {
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[k]++
}

// Question counts a question and its outcome; fallback says the answer
// asked "I read this as …, is that right?"; team is the id of the team the
// answer is about, "" for none.
func (c *Counter) Question(tenant ownership.TenantID, o Outcome, fallback bool, team string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.counts(tenant)
	if p == nil {
		return
	}
	p.Questions++
	switch o {
	case Answered:
		p.Answered++
	case Unknown:
		p.Unknown++
	}
	if fallback {
		p.Fallback++
	}
	if team != "" {
		inc(&p.Teams, team)
	}
}

// Pick counts an intent picked from the buttons under an unsure answer
// or an "I don't know".
func (c *Counter) Pick(tenant ownership.TenantID, intent string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.counts(tenant); p != nil {
		inc(&p.Picks, intent)
	}
}

// Feedback counts a 👍 (helpful) or 👎 on an answer given as intent.
func (c *Counter) Feedback(tenant ownership.TenantID, intent string, helpful bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.counts(tenant)
	switch {
	case p == nil:
	case helpful:
		inc(&p.Helpful, intent)
	default:
		inc(&p.NotHelpful, intent)
	}
}

// Flush sends everything counted so far to the sink in one call. When the
// sink fails, the counts are kept for the next flush (new counts beyond
// MaxPending tenant-days are then dropped) and the error is returned.
func (c *Counter) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	taken := c.pending
	if len(taken) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.pending = make(map[dayKey]*ownership.StatsCounts, len(taken))
	c.mu.Unlock()
	deltas := make([]ownership.StatsDelta, 0, len(taken))
	for k, p := range taken {
		deltas = append(deltas, ownership.StatsDelta{Tenant: k.tenant, Day: time.Unix(k.day*86400, 0).UTC(), StatsCounts: *p})
	}
	err := c.sink.AddStats(ctx, deltas)
	c.obs.StatsFlushed(len(deltas), err)
	if err == nil {
		return nil
	}
	// Put the counts back, merged with what was counted meanwhile.
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, p := range taken {
		if q := c.pending[k]; q != nil {
			q.Add(*p)
			continue
		}
		if len(c.pending) >= MaxPending {
			c.obs.StatsDropped(1)
			continue
		}
		c.pending[k] = p
	}
	return err
}

// Run flushes every interval (DefaultInterval when <= 0) until ctx is
// done. It does not flush at the end: the replica calls Flush once its
// transports have drained, so their last answers are counted too.
func (c *Counter) Run(ctx context.Context, interval time.Duration) {
	if c == nil {
		return
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fctx, cancel := context.WithTimeout(ctx, interval)
			if err := c.Flush(fctx); err != nil {
				c.log.Warn("statistics not flushed; kept for the next flush", "err", err)
			}
			cancel()
		}
	}
}
