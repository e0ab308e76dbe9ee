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
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rawsock"
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
	// and keeps a connection per worker alive. Posting a message (every
	// answer) and updating one go through fasthttp instead, with the
	// client's Timeout,
	// unless the client has a Transport of its own or no Timeout (see
	// newWebClient).
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
	// Installations, when set, serves the workspaces that installed the
	// app through the OAuth flow, each with its own token; BotToken is
	// then optional (see installs.go).
	Installations Installations
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
	svc        Core
	store      Claims
	api        *slackapi.Client
	httpClient *http.Client
	// postClient is httpClient without its Timeout, which post applies as
	// a deadline instead.
	postClient *http.Client
	// web makes chat.postMessage and chat.update when the HTTP client
	// is of net/http's default kind (see newWebClient); nil otherwise.
	web *webClient
	// methodURLs and postHeaders are the parts of Web API requests made
	// once (see postRequest): method → *url.URL; per content type (JSON,
	// form) the last header made.
	methodURLs  sync.Map
	postHeaders [2]atomic.Pointer[postHeader]
	log         *slog.Logger
	metrics     *metrics.Metrics
	retry       delivery.Retry
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	// busyLog limits the warning about a full queue (see busy).
	busyLog logLimiter

	// pool is the queue and its workers.
	pool *delivery.Pool

	users *userCache
	// ws is the workspace policy: whom the bot token serves.
	ws *workspacePolicy
}

// job is one unit of queued work.
type job struct {
	// id names the delivery in logs (event id, action id).
	id  string
	run func(ctx context.Context)
	// tags: run tags its context with the delivery id itself
	// (withDelivery), so the pool runs it as it is.
	tags bool
}

// New validates cfg and builds the adapter.
func New(cfg Config, svc Core, store Claims) (*Adapter, error) {
	var missing []string
	if cfg.BotToken == "" && cfg.Installations == nil {
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
	// A client of net/http's default kind, with its Timeout, for
	// webClient (see newWebClient); ours is one.
	webHC := hc
	if hc == nil {
		webHC = &http.Client{Timeout: DefaultHTTPTimeout}
		// slack-go has no timeout of its own: a hung connection would hold
		// a worker forever. Every worker may be mid-call to the one Web API
		// host, so keep that many connections alive between calls: the
		// default transport keeps 2 per host, and the others would be
		// opened and closed for every message.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// (net/http's default dialer, its sockets read and written raw)
		tr.DialContext = rawsock.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
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
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = slackapi.APIURL
	}
	web := newWebClient(apiURL, webHC, cfg.Workers)
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
		web:        web,
		log:        cfg.Logger,
		metrics:    cfg.Metrics,
		retry:      defaultRetry,
		now:        time.Now,
		sleep:      sleepCtx,
		users:      newUserCache(time.Now),
	}
	pc := *hc
	pc.Timeout = 0
	a.postClient = &pc
	a.pool = delivery.NewPool(delivery.PoolConfig{Name: "slack", Workers: cfg.Workers, QueueSize: cfg.QueueSize,
		DrainTimeout: cfg.DrainTimeout, JobTimeout: jobTimeout, Claims: store, Logger: cfg.Logger})
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
	var bg sync.WaitGroup
	defer bg.Wait()
	// Learns (and on token errors re-learns) the workspace served; it
	// stops with ctx, and a worker that still needs it asks itself.
	if a.cfg.BotToken != "" {
		bg.Go(func() { a.runIdentity(ctx) })
	}

	var socket sync.WaitGroup
	if a.cfg.AppToken != "" {
		socket.Go(func() { a.runSocketMode(ctx) })
	}
	// From ctx's end HTTP deliveries get 503 and Slack retries them
	// elsewhere; a Socket Mode hand-off waiting for room gives up on ctx.
	err := a.pool.Run(ctx)
	socket.Wait()
	return err
}

// enqueue hands a job to the pool without blocking; false means the queue
// is full or shut down, and the caller must make Slack retry. Jobs queued
// before Run starts wait for its workers.
func (a *Adapter) enqueue(j job) bool { return a.pool.TryEnqueue(j.delivery()) }

// enqueueWait hands a job to the pool, waiting for room until ctx ends. Socket
// Mode uses it after the ack: waiting there holds back the reader, which
// applies back-pressure to Slack instead of losing acknowledged events.
func (a *Adapter) enqueueWait(ctx context.Context, j job) bool {
	return a.pool.Enqueue(ctx, j.delivery())
}

// delivery is j as the pool runs it, its context tagged with its id.
func (j job) delivery() delivery.Job {
	if j.tags {
		return delivery.Job{ID: j.id, Run: j.run}
	}
	return delivery.Job{ID: j.id, Run: func(ctx context.Context) { j.run(withDelivery(ctx, j.id)) }}
}

// tenant is the store key of a Slack workspace.
func tenant(teamID string) ownership.TenantID { return ownership.TenantID("slack:" + teamID) }

// botUserID is the bot's own user id, from auth.test; "" while unknown.
func (a *Adapter) botUserID(ctx context.Context) string {
	if in := installationOf(ctx); in != nil {
		return in.BotUserID
	}
	if id := a.ws.cur.Load(); id != nil {
		return id.UserID
	}
	return ""
}
