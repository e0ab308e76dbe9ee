package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// schedMetrics are the scheduler's series and those of the work it runs.
type schedMetrics struct {
	jobs    *prometheus.CounterVec
	lag     *prometheus.HistogramVec
	reviews *prometheus.CounterVec
	digests *prometheus.CounterVec
	notes   *prometheus.CounterVec
}

func newSchedMetrics(r *prometheus.Registry) *schedMetrics {
	m := &schedMetrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_scheduler_jobs_total",
			Help: "Scheduled jobs run by this replica, by kind and outcome (ok, failed: tried again after its lease, lost: its lease ran out first)."}, []string{"kind", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "whoowns_scheduler_lag_seconds",
			Help:    "How late a scheduled job started after it was due, by kind.",
			Buckets: []float64{.1, .5, 1, 5, 15, 30, 60, 120, 300, 900, 3600}}, []string{"kind"}),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_reviews_total",
			Help: "Assignment reviews, by outcome (sent, confirmed, handed_over, lapsed: unanswered and the leads told)."}, []string{"outcome"}),
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_digest_deliveries_total",
			Help: "Weekly digests delivered, by destination (lead: a private message, channel)."}, []string{"to"}),
		notes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_cover_end_notes_total",
			Help: "Notes posted in a team's linked channel when a cover ended."}, []string{"platform"}),
	}
	r.MustRegister(m.jobs, m.lag, m.reviews, m.digests, m.notes)
	return m
}

// JobRan implements scheduler.Observer.
func (m *Metrics) JobRan(kind, outcome string) {
	if m != nil {
		m.sched.jobs.WithLabelValues(kind, outcome).Inc()
	}
}

// JobLag implements scheduler.Observer.
func (m *Metrics) JobLag(kind string, lag time.Duration) {
	if m != nil {
		m.sched.lag.WithLabelValues(kind).Observe(max(lag, 0).Seconds())
	}
}

// Review counts a review step: sent, confirmed, handed_over or lapsed.
func (m *Metrics) Review(outcome string) {
	if m != nil {
		m.sched.reviews.WithLabelValues(outcome).Inc()
	}
}

// DigestDelivered counts a digest sent to a lead or a channel.
func (m *Metrics) DigestDelivered(to string) {
	if m != nil {
		m.sched.digests.WithLabelValues(to).Inc()
	}
}

// CoverEndNote counts a cover-end note posted in a channel.
func (m *Metrics) CoverEndNote(platform string) {
	if m != nil {
		m.sched.notes.WithLabelValues(platform).Inc()
	}
}
