// Package metrics defines whoowns' Prometheus metrics in one place, so the
// core, the stores and both chat transports report into the same registry
// and the runbook in the README can describe every series.
package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// Metrics holds every series. A nil *Metrics is valid and records nothing,
// so packages can be used without metrics in tests.
type Metrics struct {
	Registry *prometheus.Registry

	questions    *prometheus.CounterVec
	unknown      *prometheus.CounterVec
	feedback     *prometheus.CounterVec
	answerTime   *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
	apiErrors    *prometheus.CounterVec
	apiRetries   *prometheus.CounterVec
	redeliveries *prometheus.CounterVec
	commands     *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	foreign      *prometheus.CounterVec
	degraded     *prometheus.CounterVec
	unchecked    prometheus.Counter
	sched        *schedMetrics
	vacated      *prometheus.CounterVec
	handovers    *prometheus.CounterVec
	statsFlushes *prometheus.CounterVec
	statsDropped prometheus.Counter
}

// New creates the metrics on a fresh registry (with Go and process collectors).
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c *prometheus.CounterVec) *prometheus.CounterVec { r.MustRegister(c); return c }
	m := &Metrics{Registry: r}
	m.questions = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_questions_total", Help: "Questions answered, by platform and matched intent (intent=\"none\" for unknown)."}, []string{"platform", "intent"}))
	m.unknown = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_unknown_questions_total", Help: "Questions answered with \"I don't know\" and queued for leads."}, []string{"platform"}))
	m.feedback = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_feedback_total", Help: "Helpful / not helpful votes on answers, by intent."}, []string{"platform", "intent", "helpful"}))
	m.answerTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "whoowns_answer_seconds", Help: "Time to compute an answer (matcher and store read), by platform.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}}, []string{"platform"})
	r.MustRegister(m.answerTime)
	m.storeErrors = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_store_errors_total", Help: "Ownership store (Redis) operations that failed, by operation."}, []string{"op"}))
	m.apiErrors = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_platform_api_errors_total", Help: "Slack Web API and Bot Connector calls that failed for good, by platform and method."}, []string{"platform", "method"}))
	m.apiRetries = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_platform_api_retries_total", Help: "Slack and Teams API calls retried (429 or transient errors), by platform and method."}, []string{"platform", "method"}))
	m.redeliveries = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_redeliveries_deduplicated_total", Help: "Deliveries dropped because another delivery of the same event was already handled."}, []string{"platform"}))
	m.commands = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_commands_total", Help: "Leads' commands, by platform, verb and outcome (ok, invalid, forbidden, error)."}, []string{"platform", "verb", "outcome"}))
	m.rejected = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_requests_rejected_total", Help: "Inbound requests refused, by platform and reason (signature, stale, auth, too_large, bad_request, rate_limited)."}, []string{"platform", "reason"}))
	m.foreign = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_foreign_requests_ignored_total", Help: "Signed requests from a workspace or tenant this deployment does not serve, acknowledged and ignored, by platform and kind (event, command, interaction)."}, []string{"platform", "kind"}))
	m.degraded = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_degraded_answers_total", Help: "Answers given from the ownership data a replica kept while the store was unreachable (marked with its time), by platform."}, []string{"platform"}))
	m.vacated = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_vacated_roles_total", Help: "Roles vacated because their holder's account was deactivated, by platform."}, []string{"platform"}))
	m.handovers = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_handovers_total", Help: "Handovers and claims, by platform and outcome (requested, approved, declined, direct)."}, []string{"platform", "outcome"}))
	m.statsFlushes = f(prometheus.NewCounterVec(prometheus.CounterOpts{Name: "whoowns_stats_flushes_total", Help: "Flushes of this replica's usage counts to the store, by result (ok, error; a failed flush's counts are kept for the next)."}, []string{"result"}))
	m.statsDropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "whoowns_stats_dropped_total", Help: "Usage counts of a tenant-day dropped because too many were waiting for an unreachable store."})
	r.MustRegister(m.statsDropped)
	m.unchecked = prometheus.NewCounter(prometheus.CounterOpts{Name: "whoowns_redeliveries_unchecked_total", Help: "Redeliveries dropped unanswered because the store was unreachable and could not say whether they were answered."})
	r.MustRegister(m.unchecked)
	m.sched = newSchedMetrics(r)
	return m
}

// UncheckedRedelivery implements lastknown.Observer.
func (m *Metrics) UncheckedRedelivery() {
	if m != nil {
		m.unchecked.Inc()
	}
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Answered implements bot.Observer.
func (m *Metrics) Answered(platform string, a bot.Answer, elapsed time.Duration) {
	if m == nil {
		return
	}
	label := a.Intent
	if a.Custom {
		// Leads name custom intents; one label for all keeps the series bounded.
		label = "custom"
	}
	m.questions.WithLabelValues(platform, label).Inc()
	if a.Kind == bot.KindUnknown {
		m.unknown.WithLabelValues(platform).Inc()
	}
	m.answerTime.WithLabelValues(platform).Observe(elapsed.Seconds())
	if !a.AsOf.IsZero() {
		m.degraded.WithLabelValues(platform).Inc()
	}
}

// Feedback implements bot.Observer.
func (m *Metrics) Feedback(platform, intent string, helpful bool) {
	if m == nil {
		return
	}
	h := "false"
	if helpful {
		h = "true"
	}
	m.feedback.WithLabelValues(platform, intent, h).Inc()
}

// StoreError counts a failed store operation.
func (m *Metrics) StoreError(op string) {
	if m != nil {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}

// APIError counts a platform API call that finally failed.
func (m *Metrics) APIError(platform, method string) {
	if m != nil {
		m.apiErrors.WithLabelValues(platform, method).Inc()
	}
}

// APIRetry counts one retry of a platform API call.
func (m *Metrics) APIRetry(platform, method string) {
	if m != nil {
		m.apiRetries.WithLabelValues(platform, method).Inc()
	}
}

// Redelivery counts a deduplicated redelivery.
func (m *Metrics) Redelivery(platform string) {
	if m != nil {
		m.redeliveries.WithLabelValues(platform).Inc()
	}
}

// Command counts a leads' command (its text as typed, without the prefix)
// and the error it ended with, if any. Labels stay bounded: an unknown verb
// is counted as "unknown".
func (m *Metrics) Command(platform, text string, err error) {
	if m == nil {
		return
	}
	verb, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	verb = strings.ToLower(verb)
	switch {
	case verb == "":
		verb = "help"
	case !bot.IsCommandVerb(verb):
		verb = "unknown"
	}
	outcome := "error"
	switch ownership.ErrorCode(err) {
	case "":
		outcome = "ok"
	case ownership.ErrInvalid, ownership.ErrNotFound:
		outcome = "invalid"
	case ownership.ErrForbidden:
		outcome = "forbidden"
	case ownership.ErrRateLimited:
		outcome = "rate_limited"
	}
	m.commands.WithLabelValues(platform, verb, outcome).Inc()
}

// Rejected counts a refused inbound request.
func (m *Metrics) Rejected(platform, reason string) {
	if m != nil {
		m.rejected.WithLabelValues(platform, reason).Inc()
	}
}

// ForeignIgnored counts a request from a workspace or tenant that is not
// served. kind is one of a few fixed words.
func (m *Metrics) ForeignIgnored(platform, kind string) {
	if m != nil {
		m.foreign.WithLabelValues(platform, kind).Inc()
	}
}

var (
	_ bot.Observer          = (*Metrics)(nil)
	_ bot.LifecycleObserver = (*Metrics)(nil)
)

// Vacated counts roles vacated by a departure.
func (m *Metrics) Vacated(platform string, roles int) {
	if m == nil || roles <= 0 {
		return
	}
	m.vacated.WithLabelValues(platform).Add(float64(roles))
}

// Handover counts a handover or claim by outcome.
func (m *Metrics) Handover(platform, outcome string) {
	if m == nil {
		return
	}
	m.handovers.WithLabelValues(platform, outcome).Inc()
}

// StatsFlushed implements stats.Observer.
func (m *Metrics) StatsFlushed(_ int, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.statsFlushes.WithLabelValues(result).Inc()
}

// StatsDropped implements stats.Observer.
func (m *Metrics) StatsDropped(n int) {
	if m != nil {
		m.statsDropped.Add(float64(n))
	}
}
