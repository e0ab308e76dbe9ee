// Package app wires whoowns together in one visible place: configuration →
// store → answer engine → chat transports → one HTTP server with health and
// metrics. `whoowns serve` and the end-to-end tests both start it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/lastknown"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rawsock"
	"github.com/whoowns/whoowns/internal/scheduler"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/install"
	"github.com/whoowns/whoowns/internal/stats"
	"github.com/whoowns/whoowns/internal/stores"
	"github.com/whoowns/whoowns/internal/teams"
)

// transport is a chat platform adapter.
type transport interface {
	Register(mux *http.ServeMux)
	Run(ctx context.Context) error
}

// App is one running bot replica.
type App struct {
	cfg     Config
	log     *slog.Logger
	store   ownership.Store
	svc     *bot.Service
	metrics *metrics.Metrics
	mux     *http.ServeMux
	// opsMux serves /metrics (and pprof) on WHOOWNS_METRICS_ADDR; nil
	// when /metrics is on the main listener.
	opsMux     *http.ServeMux
	transports []transport
	ownStore   bool
	// sched runs due work (reviews, digests, ended covers) once across
	// replicas.
	sched *scheduler.Scheduler
	// installs are the Slack installations, when the install flow is on.
	installs *install.Store
	// stats counts usage in memory and is flushed to the store every
	// cfg.StatsInterval and once more after the transports drain.
	stats *stats.Counter
}

// New builds the replica: store, catalogue, service, transports, routes.
func New(cfg Config) (*App, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	a := &App{cfg: cfg, log: log, metrics: metrics.New(), mux: http.NewServeMux()}
	var out outbox
	cat, err := intent.Default()
	if err != nil {
		return nil, fmt.Errorf("intent catalogue: %w", err)
	}
	store := cfg.Store
	if store == nil {
		store, err = stores.Open(context.Background(), cfg.Redis, cat)
		if err != nil {
			return nil, err
		}
		a.ownStore = true
	}
	// Failures are counted as the store reports them; lastknown then keeps
	// the replica answering, marked, while the store is unreachable.
	a.store = lastknown.New(instrument(store, a.metrics), lastknown.WithLogger(log), lastknown.WithObserver(a.metrics))
	a.stats = stats.New(a.store, stats.WithLogger(log.With("component", "stats")), stats.WithObserver(a.metrics))
	opts := []bot.Option{
		bot.WithStats(a.stats),
		bot.WithAdmins(cfg.Admins...),
		bot.WithHandover(cfg.Handover),
		bot.WithLogger(log),
		bot.WithObserver(a.metrics),
		bot.WithReviews(cfg.ReviewAfter),
		bot.WithLimits(bot.Limits{Questions: cfg.QuestionsPerMinute, Commands: cfg.CommandsPerMinute, Window: time.Minute}),
		bot.WithLearning(cfg.Learn),
		bot.WithDigest(cfg.Digest),
	}
	if cfg.Clock != nil {
		opts = append(opts, bot.WithClock(cfg.Clock))
	}
	a.svc = bot.New(a.store, cat, opts...)
	if cfg.Slack != nil {
		sc := *cfg.Slack
		sc.Logger, sc.Metrics = log.With("platform", "slack"), a.metrics
		cfg.fillTransport(&sc.Workers, &sc.DedupTTL, &sc.DrainTimeout)
		if cfg.SlackInstall != nil {
			st, flow, err := a.slackInstallFlow(cfg.SlackInstall, sc.APIURL)
			if err != nil {
				return nil, err
			}
			sc.Installations = st
			a.installs = st
			flow.Register(a.mux)
		}
		s, err := slack.New(sc, a.svc, a.store)
		if err != nil {
			return nil, err
		}
		a.transports = append(a.transports, s)
		out.slack = s
	}
	if cfg.Teams != nil {
		tc := *cfg.Teams
		tc.Logger, tc.Metrics = log.With("platform", "teams"), a.metrics
		cfg.fillTransport(&tc.Workers, &tc.DedupTTL, &tc.DrainTimeout)
		t, err := teams.New(tc, a.svc, a.store)
		if err != nil {
			return nil, err
		}
		a.transports = append(a.transports, t)
		out.teams = t
	}
	for _, t := range a.transports {
		t.Register(a.mux)
	}
	a.sched = scheduler.New(scheduler.Config{Store: a.store, Tick: cfg.SchedulerTick, Lease: cfg.SchedulerLease,
		Now: cfg.Clock, Logger: log.With("component", "scheduler"), Observer: a.metrics})
	for kind, h := range a.svc.Handlers(out) {
		a.sched.Handle(kind, h)
	}
	if a.installs != nil {
		a.sched.Handle(install.PurgeJob, a.handleRetention(a.installs))
	}
	ops := a.mux
	if cfg.MetricsAddr != "" || cfg.MetricsListener != nil {
		// WHOOWNS_METRICS_ADDR: the main listener no longer serves it.
		a.opsMux = http.NewServeMux()
		ops = a.opsMux
		if cfg.MetricsPprof {
			registerPprof(a.opsMux)
		}
	}
	ops.Handle("GET /metrics", a.metrics.Handler())
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.HandleFunc("GET /privacy", servePage(privacyPage, cfg.PrivacyURL))
	a.mux.HandleFunc("GET /terms", servePage(termsPage, cfg.TermsURL))
	return a, nil
}

// fillTransport gives a transport's unset settings the replica's: its
// workers, its dedup TTL, and the whole shutdown budget for finishing
// acknowledged work (rather than the adapter's own default).
func (cfg Config) fillTransport(workers *int, dedupTTL, drain *time.Duration) {
	if *workers == 0 {
		*workers = cfg.Workers
	}
	if *dedupTTL == 0 {
		*dedupTTL = cfg.DedupTTL
	}
	if *drain == 0 {
		*drain = cfg.ShutdownTimeout
	}
}

// Service returns the answer engine, for tests and subcommands.
func (a *App) Service() *bot.Service { return a.svc }

// Store returns the store as the replica uses it (instrumented, and
// answering from memory while the backend is unreachable).
func (a *App) Store() ownership.Store { return a.store }

// Handler returns the HTTP routes.
func (a *App) Handler() http.Handler { return a.mux }

// readier is a store that can tell whether answers can be read now, which
// a Ping cannot on a Redis Cluster (any live node answers it).
type readier interface {
	Ready(ctx context.Context) error
}

// ready is /readyz: 503 while the store cannot serve the keyed read an
// answer makes, so an orchestrator sees what users see.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	check := a.store.Ping
	if rd, ok := a.store.(readier); ok {
		check = rd.Ready
	}
	if err := check(ctx); err != nil {
		a.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: the ownership store is unreachable or cannot serve the reads answers need")
		return
	}
	fmt.Fprintln(w, "ready")
}

// Serve runs the replica on ln until ctx is done, then shuts down
// gracefully: it stops accepting requests, lets the transports finish what
// they acknowledged within the shutdown timeout, and closes the store. It
// returns nil only when everything acknowledged was finished: if the
// timeout cut the drain short, or a transport failed, it says so.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if a.opsMux != nil {
		oln := a.cfg.MetricsListener
		if oln == nil {
			var err error
			if oln, err = net.Listen("tcp", a.cfg.MetricsAddr); err != nil {
				ln.Close()
				if a.ownStore {
					a.store.Close()
				}
				return fmt.Errorf("listen on %s (WHOOWNS_METRICS_ADDR): %w", a.cfg.MetricsAddr, err)
			}
		}
		ops := &http.Server{Handler: a.opsMux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
		go func() {
			if err := ops.Serve(oln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Warn("metrics listener", "addr", oln.Addr().String(), "err", err)
			}
		}()
		// Metrics stay up while the transports drain.
		defer ops.Close()
		a.log.Info("metrics served on their own listener", "addr", oln.Addr().String(), "pprof", a.cfg.MetricsPprof)
	}
	srv := &http.Server{
		Handler:           a.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	runCtx, stopTransports := context.WithCancel(context.WithoutCancel(ctx))
	defer stopTransports()
	var wg sync.WaitGroup
	errc := make(chan error, len(a.transports)+1)
	for _, t := range a.transports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- err
			}
		}()
	}
	// Due work stops with the transports: a job cut short is left to its
	// lease, and another replica takes it over.
	// Every tenant is planned once a day (the first time soon after the
	// first replica starts), so data written around the service (an
	// install, data older than its jobs) gets its reviews, cover ends,
	// expiries and digest; whoowns import plans its tenant at once.
	now := time.Now
	if a.cfg.Clock != nil {
		now = a.cfg.Clock
	}
	if err := a.store.ScheduleJob(ctx, bot.PlanSweep, now().Add(bot.PlanSweepDelay), true); err != nil {
		a.log.Warn("could not schedule the daily planning of every tenant; another replica or the next start will", "err", err)
	}
	wg.Go(func() { _ = a.sched.Run(runCtx) })
	wg.Go(func() { a.stats.Run(runCtx, a.cfg.StatsInterval) })
	go func() {
		// Requests are read and acks written with raw socket calls
		// (package rawsock): cheaper for a replica that idles between
		// events.
		if err := srv.Serve(rawsock.Listener(ln)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	if a.cfg.DebugAddr != "" {
		go a.serveDebug(ctx)
	}
	a.logStartup(ctx, ln.Addr().String())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	// First stop taking requests (in-flight handlers only enqueue), then let
	// the transports drain their queues.
	if err := srv.Shutdown(shutCtx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	stopTransports()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		// A transport that failed while draining has reported it.
		select {
		case err := <-errc:
			if runErr == nil {
				runErr = fmt.Errorf("%w; some acknowledged events may be unanswered (WHOOWNS_SHUTDOWN_TIMEOUT is %s)", err, a.cfg.ShutdownTimeout)
			}
		default:
		}
	case <-shutCtx.Done():
		a.log.Error("transports did not finish in time", "timeout", a.cfg.ShutdownTimeout)
		if runErr == nil {
			runErr = fmt.Errorf("shutdown: acknowledged events were still in progress after %s (WHOOWNS_SHUTDOWN_TIMEOUT); some may be unanswered", a.cfg.ShutdownTimeout)
		}
	}
	// The transports' last answers are counted: flush them before the
	// store closes.
	if err := a.stats.Flush(shutCtx); err != nil {
		a.log.Warn("usage statistics of the last interval were not saved", "err", err)
	}
	if a.ownStore {
		if err := a.store.Close(); err != nil {
			a.log.Warn("closing store", "err", err)
		}
	}
	return runErr
}

// ListenAndServe listens on the configured address and serves.
func (a *App) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (WHOOWNS_ADDR): %w", a.cfg.Addr, err)
	}
	return a.Serve(ctx, ln)
}

// serveDebug serves pprof for profiling a replica under load.
func (a *App) serveDebug(ctx context.Context) {
	mux := http.NewServeMux()
	registerPprof(mux)
	srv := &http.Server{Addr: a.cfg.DebugAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Warn("debug listener", "addr", a.cfg.DebugAddr, "err", err)
	}
}

// registerPprof adds Go's pprof handlers under /debug/pprof/.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
}
