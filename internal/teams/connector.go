package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"golang.org/x/sync/singleflight"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/delivery"
	"github.com/whoowns/whoowns/internal/metrics"
)

// DefaultTokenURL is the public cloud's token endpoint for bots of any
// tenant. The library still uses a deprecated one and ignores its settings.
const DefaultTokenURL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"

// tokenScope is the OAuth scope for calling the Bot Connector.
const tokenScope = "https://api.botframework.com/.default"

// Retry policy for Bot Connector calls.
const (
	maxAttempts   = 4
	maxRetryAfter = 30 * time.Second
	// tokenMargin renews a token this long before it expires, so a reply
	// never leaves with a token that dies in flight.
	tokenMargin = 5 * time.Minute
)

// Connector calls the Bot Connector REST API. It replaces the library's
// client.ConnectorClient, which keeps its token in an unsynchronised cache
// without an expiry margin (concurrent first replies each fetch a token),
// never checks the token response's status (a 401 is cached as an empty
// token), panics when the token endpoint is unreachable, and sends without a
// context or timeout. Here the token is cached under a mutex until shortly
// before it expires, fetched once for all concurrent callers, and every call
// has a context, a timeout and checked status codes; 429 and transient 5xx
// are retried within bounds.
type Connector struct {
	appID, password, tokenURL string
	client                    *http.Client
	now                       func() time.Time
	log                       *slog.Logger
	metrics                   *metrics.Metrics

	// backoff is the first retry delay; sleep waits (tests replace both).
	backoff time.Duration
	sleep   func(ctx context.Context, d time.Duration) error

	flight  singleflight.Group
	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewConnector returns a client authenticating as appID. An empty tokenURL
// means the public cloud's.
func NewConnector(appID, password, tokenURL string, client *http.Client, now func() time.Time, log *slog.Logger, m *metrics.Metrics) *Connector {
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
	}
	if client == nil {
		client = defaultHTTPClient()
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Connector{appID: appID, password: password, tokenURL: tokenURL, client: client, now: now, log: log, metrics: m,
		backoff: 500 * time.Millisecond, sleep: delivery.SleepCtx}
}

// APIError is a Bot Connector or token endpoint response that was not a
// success.
type APIError struct {
	Method string
	Status int
	// Body is the start of the response, for logs.
	Body string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("teams %s: HTTP %d: %s", e.Method, e.Status, e.Body)
}

// Activity is an outgoing activity. It is not the library's schema.Activity,
// which always marshals zero timestamps and empty nested structs, and whose
// Entity type carries only a type, so mentions would lose whom they name.
type Activity struct {
	Type         string                      `json:"type"`
	From         *schema.ChannelAccount      `json:"from,omitempty"`
	Recipient    *schema.ChannelAccount      `json:"recipient,omitempty"`
	Conversation *schema.ConversationAccount `json:"conversation,omitempty"`
	ReplyToID    string                      `json:"replyToId,omitempty"`
	Text         string                      `json:"text,omitempty"`
	TextFormat   schema.TextFormatTypes      `json:"textFormat,omitempty"`
	Summary      string                      `json:"summary,omitempty"`
	Attachments  []schema.Attachment         `json:"attachments,omitempty"`
	Entities     []schema.Mention            `json:"entities,omitempty"`
}

// conversationParams creates a conversation. The library's
// schema.ConversationParameters would always send an empty "activity".
type conversationParams struct {
	IsGroup     bool                    `json:"isGroup"`
	Bot         schema.ChannelAccount   `json:"bot"`
	Members     []schema.ChannelAccount `json:"members"`
	TenantID    string                  `json:"tenantId,omitempty"`
	ChannelData map[string]any          `json:"channelData,omitempty"`
}

// Reply posts a as a reply to activity replyToID in the conversation: the
// path names the activity replied to and replyToId is set, so it lands in
// the same thread. (The library's response.SendActivity uses the reply's own
// empty ID there, so its "replies" arrive as new messages.)
func (c *Connector) Reply(ctx context.Context, serviceURL, conversationID, replyToID string, a Activity) error {
	a.ReplyToID = replyToID
	u := endpoint(serviceURL, "v3", "conversations", conversationID, "activities", replyToID)
	return c.do(ctx, "reply", http.MethodPost, u, a, nil)
}

// Update replaces the message activityID of the conversation with a
// (updateActivity): a card whose choice was made shows the answer in place.
func (c *Connector) Update(ctx context.Context, serviceURL, conversationID, activityID string, a Activity) error {
	u := endpoint(serviceURL, "v3", "conversations", conversationID, "activities", activityID)
	return c.do(ctx, "update", http.MethodPut, u, a, nil)
}

// Send posts a as a new message in the conversation and returns its id.
func (c *Connector) Send(ctx context.Context, serviceURL, conversationID string, a Activity) (string, error) {
	var r schema.ResourceResponse
	u := endpoint(serviceURL, "v3", "conversations", conversationID, "activities")
	err := c.do(ctx, "send", http.MethodPost, u, a, &r)
	return r.ID, err
}

// CreatePersonal opens (or finds: Teams keeps one per user and bot) the
// personal conversation between the bot and user in tenant, and returns its id.
func (c *Connector) CreatePersonal(ctx context.Context, serviceURL string, bot, user schema.ChannelAccount, tenant string) (string, error) {
	p := conversationParams{Bot: bot, Members: []schema.ChannelAccount{{ID: user.ID}}, TenantID: tenant,
		ChannelData: map[string]any{"tenant": map[string]string{"id": tenant}}}
	var r schema.ConversationResourceResponse
	if err := c.do(ctx, "create_conversation", http.MethodPost, endpoint(serviceURL, "v3", "conversations"), p, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", errors.New("teams create_conversation: the response has no conversation id")
	}
	return r.ID, nil
}

// Member returns a conversation member's account, with the display name
// that conversationUpdate events leave out.
func (c *Connector) Member(ctx context.Context, serviceURL, conversationID, userID string) (schema.ChannelAccount, error) {
	var m schema.ChannelAccount
	err := c.do(ctx, "member", http.MethodGet, endpoint(serviceURL, "v3", "conversations", conversationID, "members", userID), nil, &m)
	return m, err
}

// endpoint joins the service URL and path-escaped segments: conversation ids
// hold ':', ';' and '@'.
func endpoint(serviceURL string, segs ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(serviceURL, "/"))
	for _, s := range segs {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends one call with the retries delivery.Retry allows (see
// classifyCall): 429 and 503 after their Retry-After or a backoff, a 401
// once more with a fresh token, a request that never left; a 500, 502 or
// 504, or a network failure after the request left, only for calls that
// can be repeated (reads, PUT, DELETE, opening a personal chat). A POSTed
// message whose outcome is unknown is not sent again: a duplicate answer is
// worse than a logged failure. Replies and messages note their outcome for
// the delivery, whose claim is released if none can have arrived.
func (c *Connector) do(ctx context.Context, method, verb, u string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	reauthed := false
	r := delivery.Retry{Attempts: maxAttempts, Base: c.backoff, MaxWait: maxRetryAfter, Sleep: c.sleep}
	err := r.Do(ctx, delivery.Call{
		Method:     method,
		Idempotent: verb != http.MethodPost || method == "create_conversation",
		Classify: func(err error, sent bool) delivery.Outcome {
			return classifyCall(err, sent, &reauthed, c.now())
		},
		OnRetry: func(attempt int, wait time.Duration, err error) {
			c.metrics.APIRetry(bot.PlatformTeams, method)
			c.log.Debug("teams: retrying", "method", method, "attempt", attempt, "wait", wait, "err", err)
		},
	}, func(ctx context.Context) error {
		return c.once(ctx, method, verb, u, payload, out)
	})
	switch method {
	case "reply", "send", "update", "library.post":
		delivery.Posted(ctx, err)
	}
	if err != nil {
		c.metrics.APIError(bot.PlatformTeams, method)
	}
	return err
}

// tokenFailure is a call that could not get a token: its request never
// left.
type tokenFailure struct{ err error }

func (e *tokenFailure) Error() string { return e.err.Error() }
func (e *tokenFailure) Unwrap() error { return e.err }

// statusFailure is an answer that was not a success, with its Retry-After.
type statusFailure struct {
	*APIError
	retryAfter time.Duration // -1: none
}

func (e *statusFailure) Unwrap() error { return e.APIError }

// classifyCall reads an attempt's error (see delivery.Class). reauthed
// records that a 401 was already answered with a fresh token.
func classifyCall(err error, sent bool, reauthed *bool, now time.Time) delivery.Outcome {
	var tf *tokenFailure
	if errors.As(err, &tf) {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests {
			return delivery.Outcome{Class: delivery.Refused} // bad credentials stay bad
		}
		return delivery.Outcome{Class: delivery.Transient}
	}
	var sf *statusFailure
	if !errors.As(err, &sf) {
		return delivery.NetworkOutcome(sent)
	}
	wait := max(sf.retryAfter, 0)
	switch st := sf.Status; {
	case st == http.StatusUnauthorized && !*reauthed:
		// The token may have been revoked early; once dropped, try once more.
		*reauthed = true
		return delivery.Outcome{Class: delivery.Transient}
	case st == http.StatusTooManyRequests, st == http.StatusServiceUnavailable:
		return delivery.Outcome{Class: delivery.Transient, Wait: wait}
	case st >= 500:
		return delivery.Outcome{Class: delivery.Unknown, Wait: wait}
	}
	return delivery.Outcome{Class: delivery.Refused}
}

// once makes one attempt.
func (c *Connector) once(ctx context.Context, method, verb, u string, payload []byte, out any) error {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return &tokenFailure{err: err}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, verb, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("teams %s: %w", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocBytes))
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes)).Decode(out); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("teams %s: decoding the response: %w", method, err)
		}
		return nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	apiErr := &APIError{Method: method, Status: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	if resp.StatusCode == http.StatusUnauthorized {
		c.dropToken(tok)
	}
	return &statusFailure{APIError: apiErr, retryAfter: retryAfter(resp.Header.Get("Retry-After"), c.now())}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped so
// a confused server cannot park a worker; absent or unreadable means -1.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return -1
	}
	var d time.Duration
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	} else {
		return -1
	}
	return min(max(d, 0), maxRetryAfter)
}

// accessToken returns a cached token or fetches one; concurrent callers
// share one fetch and each waits only as long as its own ctx allows.
func (c *Connector) accessToken(ctx context.Context) (string, error) {
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	ch := c.flight.DoChan("token", func() (any, error) {
		if tok, ok := c.cached(); ok {
			return tok, nil
		}
		// Shared by every waiting caller, so none of one caller's context
		// (its deadline, its delivery's trace of what was sent) applies.
		fctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		tok, ttl, err := c.fetchToken(fctx)
		if err != nil {
			c.metrics.APIError(bot.PlatformTeams, "token")
			return "", err
		}
		margin := tokenMargin
		if ttl <= 2*tokenMargin {
			margin = ttl / 2
		}
		c.mu.Lock()
		c.token, c.expires = tok, c.now().Add(ttl-margin)
		c.mu.Unlock()
		return tok, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Connector) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.token != "" && c.now().Before(c.expires)
}

func (c *Connector) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

func (c *Connector) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.appID},
		"client_secret": {c.password},
		"scope":         {tokenScope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("teams token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The body names the AAD error (bad secret, wrong tenant) but
		// never echoes the secret.
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", 0, &APIError{Method: "token", Status: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	}
	var t struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes)).Decode(&t); err != nil {
		return "", 0, fmt.Errorf("teams token: decoding the response: %w", err)
	}
	// expires_in is a number in v2 responses but a string in some v1 ones.
	secs, err := strconv.Atoi(strings.Trim(string(t.ExpiresIn), `"`))
	if t.AccessToken == "" || err != nil || secs <= 0 {
		return "", 0, errors.New("teams token: the response has no usable access_token and expires_in")
	}
	return t.AccessToken, time.Duration(secs) * time.Second, nil
}

// TeamChannels lists the channels of a Microsoft Teams team the bot is
// installed in (GET /v3/teams/{teamId}/conversations). The General channel's
// id is the team's.
func (c *Connector) TeamChannels(ctx context.Context, serviceURL, teamID string) ([]ChannelInfo, error) {
	var r struct {
		Conversations []ChannelInfo `json:"conversations"`
	}
	err := c.do(ctx, "team_channels", http.MethodGet, endpoint(serviceURL, "v3", "teams", teamID, "conversations"), nil, &r)
	return r.Conversations, err
}

// ChannelInfo is a channel in a team's channel list.
type ChannelInfo struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}
