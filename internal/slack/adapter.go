// Package slack is whoowns' Slack transport: the Events API over HTTP and
// Socket Mode, the /whoowns slash command, interactivity (buttons and
// selects), onboarding DMs and the App Home, with the Block Kit renderer.
//
// One message's path: the request is verified and acknowledged at once, the
// raw payload goes onto a bounded queue, and a worker dedupes it, turns it
// into a bot.Message, asks the core and posts the rendered reply through the
// Web API with retries. HTTP and Socket Mode feed the same queue with the
// same raw payloads, so they behave identically.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
)

// platform labels metrics and the core's messages.
const platform = bot.PlatformSlack

// Config configures the adapter.
type Config struct {
	// BotToken (xoxb-…) calls the Web API; SigningSecret verifies HTTP
	// requests; AppToken (xapp-…), when set, turns on Socket Mode.
	BotToken, SigningSecret, AppToken string
	// APIURL is the Web API base URL, "https://slack.com/api/" by default;
	// a missing trailing slash is added.
	APIURL string
	// HTTPClient makes the Web API calls; the default has a 10s timeout
	// and keeps a connection per worker alive.
	HTTPClient *http.Client
	// Workers handle queued events (default 10); QueueSize bounds the queue
	// (default 1000): beyond it HTTP deliveries get 503 so Slack retries.
	Workers, QueueSize int
	// DedupTTL is how long an event id is remembered (default 15m; Slack's
	// last retry comes about six minutes after the first attempt).
	DedupTTL time.Duration
	// DrainTimeout bounds how long Run waits for queued work on shutdown
	// (default 15s).
	DrainTimeout time.Duration
	// MaxBodyBytes caps an inbound request body (default 1 MiB).
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Metrics may be nil.
	Metrics *metrics.Metrics
}

// Defaults for zero Config fields.
const (
	DefaultWorkers      = 10
	DefaultQueueSize    = 1000
	DefaultDedupTTL     = 15 * time.Minute
	DefaultDrainTimeout = 15 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	DefaultHTTPTimeout  = 10 * time.Second
	// jobTimeout bounds one queued job, retries included, so a stuck call
	// cannot hold a worker forever.
	jobTimeout = 2 * time.Minute
	// commandTimeout bounds a slash command: Slack shows an error after 3s.
	commandTimeout = 2500 * time.Millisecond
	// maxStaleness is Slack's replay window for signed requests.
	maxStaleness = 5 * time.Minute
)

// Adapter connects the bot service to one Slack app.
type Adapter struct {
	cfg        Config
	svc        *bot.Service
	store      ownership.Store
	api        *slackapi.Client
	httpClient *http.Client
	log        *slog.Logger
	metrics    *metrics.Metrics
	retry      retryPolicy
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	// busyLog limits the warning about a full queue (see busy).
	busyLog logLimiter

	// The queue. mu guards closed against a send racing the close.
	mu     sync.RWMutex
	closed bool
	jobs   chan job

	users *userCache
	// ws is the workspace policy: whom the bot token serves.
	ws *workspacePolicy
}

// job is one unit of queued work.
type job struct {
	// id names the delivery in logs (event id, action id).
	id  string
	run func(ctx context.Context)
}

// New validates cfg and builds the adapter.
func New(cfg Config, svc *bot.Service, store ownership.Store) (*Adapter, error) {
	var missing []string
	if cfg.BotToken == "" {
		missing = append(missing, "SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…)")
	}
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		missing = append(missing, "SLACK_SIGNING_SECRET (Basic Information → Signing Secret), or SLACK_APP_TOKEN for Socket Mode")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("slack: missing %s", strings.Join(missing, " and "))
	}
	if svc == nil || store == nil {
		return nil, errors.New("slack: a bot service and a store are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.DedupTTL <= 0 {
		cfg.DedupTTL = DefaultDedupTTL
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// slack-go has no timeout of its own: a hung connection would hold
		// a worker forever. Every worker may be mid-call to the one Web API
		// host, so keep that many connections alive between calls: the
		// default transport keeps 2 per host, and the others would be
		// opened and closed for every message.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Workers + 2
		tr.MaxIdleConns = max(tr.MaxIdleConns, 2*tr.MaxIdleConnsPerHost)
		hc = &http.Client{Timeout: DefaultHTTPTimeout, Transport: tr}
	}
	hc = capResponses(hc, maxResponseBytes)
	opts := []slackapi.Option{slackapi.OptionHTTPClient(hc)}
	if cfg.APIURL != "" {
		// slack-go appends the method name to the URL as is.
		if !strings.HasSuffix(cfg.APIURL, "/") {
			cfg.APIURL += "/"
		}
		opts = append(opts, slackapi.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	// slack-go sends form calls with the token in the body only; Slack
	// prefers the Authorization header, so every Web API call carries it.
	apiHC := *hc
	apiHC.Transport = bearerTransport{rt: hc.Transport, prefix: cfg.APIURL, botToken: cfg.BotToken, appToken: cfg.AppToken}
	if cfg.APIURL == "" {
		apiHC.Transport = bearerTransport{rt: hc.Transport, prefix: slackapi.APIURL, botToken: cfg.BotToken, appToken: cfg.AppToken}
	}
	opts[0] = slackapi.OptionHTTPClient(&apiHC)
	a := &Adapter{
		cfg:        cfg,
		svc:        svc,
		store:      store,
		api:        slackapi.New(cfg.BotToken, opts...),
		ws:         newWorkspacePolicy(),
		httpClient: hc,
		log:        cfg.Logger,
		metrics:    cfg.Metrics,
		retry:      defaultRetry,
		now:        time.Now,
		sleep:      sleepCtx,
		jobs:       make(chan job, cfg.QueueSize),
		users:      newUserCache(10*time.Minute, time.Now),
	}
	return a, nil
}

// Register mounts the HTTP endpoints Slack calls.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/events", a.handleEvents)
	mux.HandleFunc("POST /slack/commands", a.handleCommand)
	mux.HandleFunc("POST /slack/interactivity", a.handleInteractivity)
}

// Run serves the queue with the worker pool, and Socket Mode when an app
// token is configured, until ctx ends. Then it stops taking new work, lets
// the workers finish what was already acknowledged within DrainTimeout, and
// returns.
func (a *Adapter) Run(ctx context.Context) error {
	// Jobs outlive ctx so that acknowledged work is finished on shutdown;
	// the drain deadline cancels them.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var workers sync.WaitGroup
	for range a.cfg.Workers {
		workers.Go(func() {
			for j := range a.jobs {
				a.runJob(jobCtx, j)
			}
		})
	}
	var bg sync.WaitGroup
	defer bg.Wait()
	// Learns (and on token errors re-learns) the workspace served; it
	// stops with ctx, and a worker that still needs it asks itself.
	bg.Go(func() { a.runIdentity(ctx) })

	var socket sync.WaitGroup
	if a.cfg.AppToken != "" {
		socket.Go(func() { a.runSocketMode(ctx) })
	}
	<-ctx.Done()
	// Stop taking work: from here HTTP deliveries get 503 and Slack retries
	// them elsewhere. A Socket Mode hand-off waiting for room gives up on
	// ctx, so the lock is free shortly.
	a.mu.Lock()
	a.closed = true
	close(a.jobs)
	a.mu.Unlock()
	socket.Wait()

	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	timer := time.NewTimer(a.cfg.DrainTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		a.log.Error("slack: queued work not finished before the drain deadline; cancelling it", "timeout", a.cfg.DrainTimeout, "left", len(a.jobs))
		cancelJobs()
		<-done
		// Say so: the process must not exit as if nothing was lost.
		return fmt.Errorf("slack: shutdown: events still in progress after %s were cancelled", a.cfg.DrainTimeout)
	}
	return nil
}

// enqueue hands a job to the pool without blocking; false means the queue
// is full or shut down, and the caller must make Slack retry. Jobs queued
// before Run starts wait for its workers.
func (a *Adapter) enqueue(j job) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return false
	}
	select {
	case a.jobs <- j:
		return true
	default:
		return false
	}
}

// enqueueWait hands a job to the pool, waiting for room until ctx ends. Socket
// Mode uses it after the ack: waiting there holds back the reader, which
// applies back-pressure to Slack instead of losing acknowledged events. Only
// the Socket Mode loop calls it, and Run closes the queue only after that
// loop has returned, so holding the read lock while waiting is safe.
func (a *Adapter) enqueueWait(ctx context.Context, j job) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return false
	}
	select {
	case a.jobs <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

func (a *Adapter) runJob(ctx context.Context, j job) {
	ctx, cancel := context.WithTimeout(withDelivery(ctx, j.id), jobTimeout)
	defer cancel()
	defer func() {
		// One bad payload must not take a worker, and with it the pool, down.
		if r := recover(); r != nil {
			a.log.Error("slack: job panicked", "delivery", j.id, "panic", r)
		}
	}()
	j.run(ctx)
}

// tenant is the store key of a Slack workspace.
func tenant(teamID string) ownership.TenantID { return ownership.TenantID("slack:" + teamID) }

// botUserID is the bot's own user id, from auth.test; "" while unknown.
func (a *Adapter) botUserID() string {
	if id := a.ws.cur.Load(); id != nil {
		return id.UserID
	}
	return ""
}
