// Package teams is whoowns' Microsoft Teams transport: it authenticates Bot
// Framework requests, turns activities into the core's neutral messages,
// renders answers as Adaptive Cards and posts them back through the Bot
// Connector.
//
// It builds on msbotbuilder-go's schema types and fills the two seams of its
// core.BotFrameworkAdapter with hardened parts: Validator implements
// auth.TokenValidator and Connector implements client.Client (each comment
// says what the library's own gets wrong; tests plug both into the adapter).
// The adapter's ParseRequest/ProcessActivity are not on the request path
// because they read the body without a limit, drop mention details, answer
// every activity type with an empty reply, and reply to the wrong URL.
package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/metrics"
)

// Config configures the Teams transport.
type Config struct {
	// AppID and AppPassword are the bot's Microsoft app registration
	// (TEAMS_APP_ID, TEAMS_APP_PASSWORD). Both are required.
	AppID, AppPassword string
	// OpenIDMetadataURL is where the Bot Connector's signing keys are
	// published (TEAMS_OPENID_METADATA_URL); default DefaultOpenIDMetadataURL.
	OpenIDMetadataURL string
	// TokenURL is the OAuth endpoint for the bot's own tokens
	// (TEAMS_TOKEN_URL); default DefaultTokenURL.
	TokenURL string
	// AllowedTenants, when not empty, are the only Microsoft 365 tenant ids
	// whose activities are served (TEAMS_ALLOWED_TENANTS); empty means any.
	AllowedTenants []string
	// HTTPClient makes every outbound call; default one with timeouts.
	HTTPClient *http.Client
	// Workers is how many activities are handled at once (default 8).
	Workers int
	// DedupTTL is how long an activity id is remembered to drop
	// redeliveries (default 15m).
	DedupTTL time.Duration
	// DrainTimeout bounds how long Run waits for acknowledged activities at
	// shutdown (default 15s).
	DrainTimeout time.Duration
	// JobTimeout bounds the handling of one activity, calls included
	// (default 45s).
	JobTimeout time.Duration
	Logger     *slog.Logger
	Metrics    *metrics.Metrics
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

// Limits of the HTTP side.
const (
	// maxBody caps an inbound activity; Teams activities are a few KB.
	maxBody = 256 << 10
	// queuePerWorker sizes the queue between the HTTP handler and workers.
	queuePerWorker = 32
	// defaultJobTimeout bounds the handling of one activity, calls
	// included, when Config.JobTimeout is zero.
	defaultJobTimeout = 45 * time.Second
	// defaultDrainTimeout bounds how long Run waits for queued work at
	// shutdown when Config.DrainTimeout is zero.
	defaultDrainTimeout = 15 * time.Second
)

// Metric reasons for refused requests, the same as the Slack transport's.
const (
	rejectAuth       = "auth"
	rejectTooLarge   = "too_large"
	rejectBadRequest = "bad_request"
	rejectBusy       = "rate_limited"
	// rejectChannel: the activity is not from Microsoft Teams (Web Chat,
	// Direct Line and the other Bot Framework channels let the client
	// write from.id and channelData).
	rejectChannel = "channel"
	// rejectTenant: no conversation.tenantId, a channelData tenant that
	// disagrees with it, or a tenant outside TEAMS_ALLOWED_TENANTS.
	rejectTenant = "tenant"
	// rejectVote is a 👍/👎 naming no answer or an intent outside the
	// tenant's catalogue.
	rejectVote = "feedback"
)

// teamsChannel is the only Bot Framework channel whoowns serves.
const teamsChannel = "msteams"

// Adapter is the Teams transport. Register its route, then Run it.
type Adapter struct {
	svc       Core
	store     Store
	validator *Validator
	conn      *Connector
	log       *slog.Logger
	metrics   *metrics.Metrics
	now       func() time.Time
	// lastRefusalLog is when a refused request was last logged above debug.
	lastRefusalLog atomic.Int64
	dedupTTL       time.Duration
	drain          time.Duration
	jobTimeout     time.Duration
	workers        int
	// allowed are the tenants served; nil means any.
	allowed map[string]bool

	// pool is the queue and its workers.
	pool    *delivery.Pool
	running atomic.Bool
	// lastBusyLog and busyRefused limit the overload warning (see busy).
	lastBusyLog, busyRefused atomic.Int64

	// refs remembers which conversation references this replica already
	// stored, so a busy channel does not cost a store write per message.
	refsMu sync.Mutex
	refs   map[string]string

	// teamChans caches teams' channel lists for linking checks.
	teamsMu   sync.Mutex
	teamChans map[string]teamChannels
}

// New builds the transport. An empty AppID is refused: the library treats it
// as "authentication off", which must never happen here.
func New(cfg Config, svc Core, store Store) (*Adapter, error) {
	if cfg.AppID == "" {
		return nil, errors.New("teams: TEAMS_APP_ID is empty; without the app id Bot Framework requests cannot be authenticated")
	}
	if cfg.AppPassword == "" {
		return nil, errors.New("teams: TEAMS_APP_PASSWORD is empty; set it to the app registration's client secret")
	}
	if svc == nil || store == nil {
		return nil, errors.New("teams: a service and a store are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.DedupTTL <= 0 {
		cfg.DedupTTL = 15 * time.Minute
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = defaultDrainTimeout
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = defaultJobTimeout
	}
	v, err := NewValidator(cfg.AppID, cfg.OpenIDMetadataURL, cfg.HTTPClient, cfg.Now, cfg.Logger)
	if err != nil {
		return nil, err
	}
	var allowed map[string]bool
	for _, t := range cfg.AllowedTenants {
		if t = strings.TrimSpace(t); t != "" {
			if allowed == nil {
				allowed = map[string]bool{}
			}
			allowed[strings.ToLower(t)] = true
		}
	}
	a := &Adapter{
		allowed:    allowed,
		svc:        svc,
		store:      store,
		validator:  v,
		conn:       NewConnector(cfg.AppID, cfg.AppPassword, cfg.TokenURL, cfg.HTTPClient, cfg.Now, cfg.Logger, cfg.Metrics),
		log:        cfg.Logger,
		metrics:    cfg.Metrics,
		now:        cfg.Now,
		dedupTTL:   cfg.DedupTTL,
		drain:      cfg.DrainTimeout,
		jobTimeout: cfg.JobTimeout,
		workers:    cfg.Workers,
		refs:       map[string]string{},
		teamChans:  map[string]teamChannels{},
	}
	a.pool = delivery.NewPool(delivery.PoolConfig{Name: "teams", Workers: cfg.Workers, QueueSize: cfg.Workers * queuePerWorker,
		DrainTimeout: cfg.DrainTimeout, JobTimeout: cfg.JobTimeout, Claims: store, Logger: cfg.Logger})
	return a, nil
}

// Register adds the Bot Framework messaging endpoint, POST /api/messages.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/messages", a.serveMessages)
}

// Run handles queued activities on a fixed pool of workers until ctx is
// done, then stops taking new ones and finishes those already acknowledged
// within the drain timeout.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("teams: Run called twice")
	}
	return a.pool.Run(ctx)
}

// enqueue hands an authenticated activity to the workers without blocking;
// false means the queue is full or closed.
func (a *Adapter) enqueue(in *inbound) bool {
	return a.pool.TryEnqueue(delivery.Job{ID: in.ID, Run: func(ctx context.Context) { a.handle(ctx, in) }})
}

// inbound is an activity as received. It embeds the library's schema but
// shadows three fields: schema.Entity keeps only an entity's type (a
// mention's text and target would be lost), schema's Value must be an object
// or the whole activity fails to decode, and ChannelData is read typed.
type inbound struct {
	schema.Activity
	Entities    []inEntity      `json:"entities,omitempty"`
	Value       json.RawMessage `json:"value,omitempty"`
	ChannelData json.RawMessage `json:"channelData,omitempty"`

	channelData channelData
}

// inEntity is an entity of an inbound activity; for mentions, Text is the
// "<at>Name</at>" in the message text and Mentioned whom it names.
type inEntity struct {
	Type      string                 `json:"type"`
	Text      string                 `json:"text,omitempty"`
	Mentioned *schema.ChannelAccount `json:"mentioned,omitempty"`
}

// channelData is the part of Teams' channelData whoowns reads.
type channelData struct {
	Tenant struct {
		ID string `json:"id"`
	} `json:"tenant"`
	Team struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"team"`
	Channel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	// EventType names a conversationUpdate's Teams event (channelRenamed,
	// teamRenamed, teamMemberRemoved…).
	EventType string `json:"eventType"`
}

// invokeResponse acknowledges an adaptiveCard/action invoke; the answer
// itself follows as a message, like for Action.Submit.
var invokeResponse = []byte(`{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Working on it…"}`)

func (a *Adapter) serveMessages(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		a.reject(w, rejectAuth, http.StatusUnauthorized, "missing Authorization header", nil)
		return
	}
	// The library decodes the body without a limit.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.reject(w, rejectTooLarge, http.StatusRequestEntityTooLarge, "body over the limit", nil)
			return
		}
		a.reject(w, rejectBadRequest, http.StatusBadRequest, "reading the body", err)
		return
	}
	in := &inbound{}
	if err := json.Unmarshal(body, in); err != nil {
		a.reject(w, rejectBadRequest, http.StatusBadRequest, "malformed activity", err)
		return
	}
	if len(in.ChannelData) > 0 {
		// channelData shapes vary by event; what does not fit is ignored.
		_ = json.Unmarshal(in.ChannelData, &in.channelData)
	}
	// The policy comes before anything else looks at the activity: what it
	// refuses is neither handled nor stored.
	if reason, detail := a.refuse(in); reason != "" {
		a.reject(w, reason, http.StatusForbidden, detail, nil)
		return
	}
	// The serviceUrl checked against the token is the one replies go to;
	// the signing key must be endorsed for the activity's channel.
	if _, err := a.validator.Authenticate(r.Context(), r.Header.Get("Authorization"), in.ServiceURL, in.ChannelID); err != nil {
		a.reject(w, rejectAuth, http.StatusUnauthorized, "authentication failed", err)
		return
	}
	invoke := in.Type == schema.Invoke
	switch {
	case in.Type == schema.Message, in.Type == schema.ConversationUpdate:
	case in.Type == schema.InstallationUpdate && installAdded(in):
	case invoke && in.Name == "adaptiveCard/action":
	case invoke:
		// Not one whoowns offers; 501 is what the Bot Framework SDKs answer.
		w.WriteHeader(http.StatusNotImplemented)
		return
	default:
		// Typing, reactions, uninstalls: nothing to do.
		w.WriteHeader(http.StatusOK)
		return
	}
	if !a.enqueue(in) {
		w.Header().Set("Retry-After", "5")
		a.warnBusy()
		a.reject(w, rejectBusy, http.StatusServiceUnavailable, "queue full", nil)
		return
	}
	if invoke {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(invokeResponse)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// refuse applies the inbound policy: only Microsoft Teams activities, each
// naming its tenant in conversation.tenantId (the tenant all data is kept
// under), agreeing with channelData.tenant.id where that is present too, and
// in TEAMS_ALLOWED_TENANTS when that is set. The Bot Framework's other
// channels (Web Chat, Direct Line…) are signed with the same keys, but there
// the client writes from.id and channelData, so a user id or tenant in them
// proves nothing. It returns the metric reason and a log detail, or "".
func (a *Adapter) refuse(in *inbound) (reason, detail string) {
	tenant, dataTenant := in.Conversation.TenantID, in.channelData.Tenant.ID
	switch {
	case in.ChannelID != teamsChannel:
		return rejectChannel, fmt.Sprintf("channelId %q is not %q", clip(in.ChannelID), teamsChannel)
	case tenant == "":
		return rejectTenant, "conversation.tenantId is missing"
	case dataTenant != "" && !strings.EqualFold(dataTenant, tenant):
		return rejectTenant, fmt.Sprintf("channelData.tenant.id %q differs from conversation.tenantId %q", clip(dataTenant), clip(tenant))
	case a.allowed != nil && !a.allowed[strings.ToLower(tenant)]:
		return rejectTenant, fmt.Sprintf("tenant %q is not in TEAMS_ALLOWED_TENANTS", clip(tenant))
	}
	return "", ""
}

// clip shortens a value from a request for a log line.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// warnBusy makes overload visible: at most every 10 s, a warning with the
// queue's depth and how many requests were refused since the last one.
// Refusals while shutting down are not overload.
func (a *Adapter) warnBusy() {
	a.busyRefused.Add(1)
	now, last := time.Now().UnixNano(), a.lastBusyLog.Load()
	if now-last < int64(10*time.Second) || !a.lastBusyLog.CompareAndSwap(last, now) {
		return
	}
	if a.pool.Closed() {
		return
	}
	a.log.Warn("teams: overloaded: the queue is full, answering 503 so the Bot Framework retries; add replicas or raise WHOOWNS_WORKERS",
		"platform", bot.PlatformTeams, "queue_depth", a.pool.Len(), "queue_capacity", a.pool.Cap(), "workers", a.workers, "refused", a.busyRefused.Swap(0))
}

func (a *Adapter) reject(w http.ResponseWriter, reason string, status int, msg string, err error) {
	a.metrics.Rejected(bot.PlatformTeams, reason)
	// Unauthenticated traffic must not flood the logs: the metric counts
	// every refusal, the log shows one a minute (enough to spot a wrong
	// app id) and the rest at debug level.
	level := slog.LevelDebug
	if now := time.Now().UnixNano(); now-a.lastRefusalLog.Load() > int64(time.Minute) {
		a.lastRefusalLog.Store(now)
		level = slog.LevelWarn
	}
	a.log.Log(context.Background(), level, "teams: request refused", "reason", reason, "detail", msg, "err", err)
	http.Error(w, http.StatusText(status), status)
}
