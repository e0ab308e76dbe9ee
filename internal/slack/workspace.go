package slack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/ownership"
)

// The workspace policy. One SLACK_BOT_TOKEN belongs to one workspace, or,
// installed org-wide, to every workspace of one Enterprise Grid org. auth.test
// says which; the adapter serves that and nothing else. A signed event,
// command or interaction from any other workspace is acknowledged (Slack must
// not retry it), logged, counted, and otherwise ignored: nothing is claimed,
// stored or posted.

// identity is what auth.test says about the bot token.
type identity struct {
	TeamID, EnterpriseID string
	// EnterpriseInstall marks an org-wide token: every workspace of
	// EnterpriseID is served.
	EnterpriseInstall bool
	// UserID is the bot's own user id; BotID its bot id.
	UserID, BotID string
}

// origin is the workspace a payload says it comes from.
type origin struct {
	Team, Enterprise string
}

// key is the id the workspace's data is kept under: the team, else (a
// payload of an org-wide install that names no workspace) the org.
func (o origin) key() string {
	if o.Team != "" {
		return o.Team
	}
	return o.Enterprise
}

func (o origin) String() string {
	if o.Enterprise != "" {
		return o.Team + "@" + o.Enterprise
	}
	return o.Team
}

type originKey struct{}

// originOf is the workspace the payload being handled came from (admit
// records it); the zero origin when none was admitted.
func originOf(ctx context.Context) origin {
	switch o := ctx.Value(originKey{}).(type) {
	case origin:
		return o
	case *origin:
		return *o
	}
	return origin{}
}

// dataKey is the id the payload's data is kept under: for an org-wide
// installation, the org (one directory for every workspace of an
// Enterprise Grid org: its teams, channels and leads are shared, and its
// W… user ids are the same in every workspace); else the workspace, as
// with SLACK_BOT_TOKEN.
func dataKey(ctx context.Context, o origin) string {
	if in := installationOf(ctx); in != nil && in.EnterpriseInstall && in.EnterpriseID != "" {
		return in.EnterpriseID
	}
	return o.key()
}

// serves reports whether a token with this identity serves o.
func (id *identity) serves(o origin) bool {
	if o.Team != "" && o.Team == id.TeamID {
		return true
	}
	return id.EnterpriseInstall && id.EnterpriseID != "" && o.Enterprise == id.EnterpriseID
}

// Kinds of inbound payloads, as counted for foreign workspaces.
const (
	kindEvent       = "event"
	kindCommand     = "command"
	kindInteraction = "interaction"
)

// Backoff between auth.test attempts after a failure: events wait for the
// first answer, so the first retry comes soon (after 125–250 ms), and the
// wait doubles from there.
const (
	identityBackoffBase = 250 * time.Millisecond
	identityBackoffMax  = time.Minute
)

// errNoIdentity is returned while auth.test has never succeeded.
var errNoIdentity = errors.New("slack: the bot token's workspace is not known yet (auth.test has not succeeded)")

// workspacePolicy holds the token's identity and refreshes it.
type workspacePolicy struct {
	cur atomic.Pointer[identity]
	// ready is closed once cur is first set.
	ready     chan struct{}
	readyOnce sync.Once
	// refresh asks the refresher in Run to call auth.test again.
	refresh chan struct{}

	// mu serialises auth.test calls and guards the backoff state.
	mu       sync.Mutex
	failures int
	retryAt  time.Time

	// foreignMu guards foreignLogged: when each foreign workspace was last
	// logged, so a busy one cannot flood the log.
	foreignMu     sync.Mutex
	foreignLogged map[string]time.Time
}

func newWorkspacePolicy() *workspacePolicy {
	return &workspacePolicy{ready: make(chan struct{}), refresh: make(chan struct{}, 1), foreignLogged: map[string]time.Time{}}
}

// authTestReply is auth.test's answer.
type authTestReply struct {
	slackapi.SlackResponse
	TeamID              string `json:"team_id"`
	UserID              string `json:"user_id"`
	BotID               string `json:"bot_id"`
	EnterpriseID        string `json:"enterprise_id"`
	IsEnterpriseInstall bool   `json:"is_enterprise_install"`
}

// authTest asks Slack who the bot token is, once.
func (a *Adapter) authTest(ctx context.Context) (*identity, error) {
	var r authTestReply
	form := url.Values{}
	if err := a.post(ctx, methodAuthTest, contentTypeForm, []byte(form.Encode()), &r); err != nil {
		return nil, err
	}
	if r.TeamID == "" && r.EnterpriseID == "" {
		return nil, errors.New("slack: auth.test named no team")
	}
	return &identity{TeamID: r.TeamID, EnterpriseID: r.EnterpriseID, EnterpriseInstall: r.IsEnterpriseInstall, UserID: r.UserID, BotID: r.BotID}, nil
}

// learnIdentity calls auth.test, unless the identity is known and force is
// false, or a recent failure says to wait. It returns the identity known
// afterwards (after a failed refresh, the previous one) and the error of
// this attempt, errNoIdentity when it had to wait.
func (a *Adapter) learnIdentity(ctx context.Context, force bool) (*identity, error) {
	p := a.ws
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cur.Load()
	if cur != nil && !force {
		return cur, nil
	}
	if a.now().Before(p.retryAt) {
		return cur, errNoIdentity
	}
	id, err := a.authTest(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return cur, err
		}
		p.failures++
		d := identityBackoffBase << min(p.failures-1, 10)
		d = min(d/2+time.Duration(rand.Int64N(int64(d/2)+1)), identityBackoffMax)
		p.retryAt = a.now().Add(d)
		if tokenError(err) {
			a.log.Error("slack: Slack refuses SLACK_BOT_TOKEN; reinstall the app or set a valid Bot User OAuth Token", "method", methodAuthTest, "err", err, "retry_in", d)
		} else {
			a.log.Warn("slack: cannot learn the bot token's workspace from auth.test; retrying", "err", err, "retry_in", d)
		}
		a.metrics.APIError(platform, methodAuthTest)
		return cur, err
	}
	p.failures, p.retryAt = 0, time.Time{}
	if cur == nil || *cur != *id {
		a.log.Info("slack: serving the bot token's workspace", "team", id.TeamID, "enterprise", id.EnterpriseID, "org_wide", id.EnterpriseInstall, "bot_user", id.UserID)
	}
	p.cur.Store(id)
	p.readyOnce.Do(func() { close(p.ready) })
	return id, nil
}

// setIdentity sets the identity without asking Slack (benchmarks).
func (a *Adapter) setIdentity(id identity) {
	a.ws.cur.Store(&id)
	a.ws.readyOnce.Do(func() { close(a.ws.ready) })
}

// retryWait is how long until the next auth.test attempt is allowed.
func (a *Adapter) retryWait() time.Duration {
	a.ws.mu.Lock()
	defer a.ws.mu.Unlock()
	return max(a.ws.retryAt.Sub(a.now()), 10*time.Millisecond)
}

// identity returns the token's identity, trying auth.test (with backoff
// between attempts) until it answers or ctx ends.
func (a *Adapter) identity(ctx context.Context) (*identity, error) {
	if id := a.ws.cur.Load(); id != nil {
		return id, nil
	}
	for {
		if id, _ := a.learnIdentity(ctx, false); id != nil {
			return id, nil
		}
		t := time.NewTimer(a.retryWait())
		select {
		case <-a.ws.ready:
			t.Stop()
			return a.ws.cur.Load(), nil
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: %w", errNoIdentity, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// runIdentity learns the identity at start-up, retrying with backoff while
// Slack is unreachable, and asks again whenever a call reports a token
// error, until ctx ends. Until a refresh succeeds the last identity known
// stays in force.
func (a *Adapter) runIdentity(ctx context.Context) {
	force := false
	for {
		if _, err := a.learnIdentity(ctx, force); err == nil {
			select {
			case <-ctx.Done():
				return
			case <-a.ws.refresh:
				force = true
				continue
			}
		}
		if sleepCtx(ctx, a.retryWait()) != nil {
			return
		}
	}
}

// tokenError reports Slack's answers that mean the token itself no longer
// works.
func tokenError(err error) bool {
	var se slackapi.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	switch se.Err {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
		return true
	}
	return false
}

// onTokenError asks the refresher to check the token again; for an
// installation's token, the next lookup reads the store again.
func (a *Adapter) onTokenError(ctx context.Context, method string, err error) {
	if in := installationOf(ctx); in != nil {
		a.log.Error("slack: Slack refused an installation's token", "method", method, "team", in.TeamID, "enterprise", in.EnterpriseID, "err", err)
		a.cfg.Installations.Forget()
		return
	}
	a.log.Error("slack: Slack refused the bot token; checking it again with auth.test", "method", method, "err", err)
	select {
	case a.ws.refresh <- struct{}{}:
	default:
	}
}

// admission is admit's verdict on a payload.
type admission int

const (
	// admitted: handle it, with the context admit returned.
	admitted admission = iota
	// foreign: a workspace this deployment does not serve; ignore it.
	foreign
	// unknown: it cannot be told now (Slack or the store unreachable).
	unknown
)

// admit decides whether a payload from o may be handled: a workspace (or
// org) that installed the app is served with its installation's token,
// which the returned context carries to every Web API call; else the
// SLACK_BOT_TOKEN's own workspace, once auth.test has said which (waiting
// for it until ctx ends). A payload from any other workspace is counted
// and logged (at most once a minute per workspace) and must be ignored.
func (a *Adapter) admit(ctx context.Context, o origin, kind string) (context.Context, admission) {
	return a.admitAs(ctx, o, o, kind)
}

// admitRef is admit recording a pointer to the origin, which the caller
// keeps unchanged for as long as ctx is used.
func (a *Adapter) admitRef(ctx context.Context, o *origin, kind string) (context.Context, admission) {
	return a.admitAs(ctx, *o, o, kind)
}

// admitAs is admit recording rec (o, or a pointer to it) in the context.
func (a *Adapter) admitAs(ctx context.Context, o origin, rec any, kind string) (context.Context, admission) {
	if a.cfg.Installations != nil {
		in, err := a.cfg.Installations.Find(ctx, o.Team, o.Enterprise)
		switch {
		case err != nil && a.cfg.BotToken == "":
			a.log.Error("slack: dropping a delivery: cannot read the workspace's installation", "kind", kind, "team", o.String(), "delivery", deliveryOf(ctx), "err", err)
			return ctx, unknown
		case err != nil:
			a.log.Warn("slack: cannot read installations; trying SLACK_BOT_TOKEN's workspace", "team", o.String(), "err", err)
		case in != nil:
			// A rotating token close to its expiry is refreshed first; if
			// that fails, the current one still works until it expires.
			if f, ferr := a.cfg.Installations.Fresh(ctx, in); ferr != nil {
				a.log.Warn("slack: could not refresh an expiring token; using it while it lasts", "team", o.String(), "expires_at", in.ExpiresAt, "err", ferr)
			} else if f != nil {
				in = f
			}
			return context.WithValue(withInstallation(ctx, in), originKey{}, rec), admitted
		}
		if a.cfg.BotToken == "" {
			a.metrics.ForeignIgnored(platform, kind)
			a.logForeign(o, kind)
			return ctx, foreign
		}
	}
	id, err := a.identity(ctx)
	if err != nil {
		a.log.Error("slack: dropping a delivery: the bot token's workspace is unknown (is Slack reachable?)", "kind", kind, "team", o.String(), "delivery", deliveryOf(ctx), "err", err)
		return ctx, unknown
	}
	if id.serves(o) {
		if ec, ok := ctx.(*eventCtx); ok && rec == any(&ec.env.origin) {
			ec.env.admitted = true // the context reads it from there
			return ctx, admitted
		}
		return context.WithValue(ctx, originKey{}, rec), admitted
	}
	a.metrics.ForeignIgnored(platform, kind)
	a.logForeign(o, kind)
	return ctx, foreign
}

// maxForeignLogged bounds the foreign workspaces remembered for log rate
// limiting; past it the memory is cleared.
const maxForeignLogged = 1000

func (a *Adapter) logForeign(o origin, kind string) {
	p := a.ws
	now := a.now()
	p.foreignMu.Lock()
	last, seen := p.foreignLogged[o.String()]
	if seen && now.Sub(last) < time.Minute {
		p.foreignMu.Unlock()
		return
	}
	if len(p.foreignLogged) >= maxForeignLogged {
		clear(p.foreignLogged)
	}
	p.foreignLogged[o.String()] = now
	p.foreignMu.Unlock()
	if id := a.ws.cur.Load(); id != nil {
		a.log.Warn("slack: ignoring a request from a workspace this bot token does not serve (logged once a minute per workspace)",
			"team", o.Team, "enterprise", o.Enterprise, "kind", kind, "served_team", id.TeamID, "served_enterprise", id.EnterpriseID)
		return
	}
	a.log.Warn("slack: ignoring a request from a workspace that has not installed the app (logged once a minute per workspace)",
		"team", o.Team, "enterprise", o.Enterprise, "kind", kind)
}

// bearerTransport puts the token in the Authorization header of Web API
// calls that slack-go sends with the token in the form only: Slack prefers
// the header, and nothing else (response_url calls) ever gets the token.
type bearerTransport struct {
	rt                 http.RoundTripper
	prefix             string
	botToken, appToken string
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.String(), t.prefix) {
		return t.rt.RoundTrip(r)
	}
	if in := installationOf(r.Context()); in != nil {
		return t.rt.RoundTrip(withInstallationToken(r, in.BotToken))
	}
	if r.Header.Get("Authorization") != "" {
		return t.rt.RoundTrip(r)
	}
	tok := t.botToken
	if strings.HasSuffix(r.URL.Path, "/"+methodOpenSocket) {
		tok = t.appToken
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return t.rt.RoundTrip(r)
}

// checkChannel is the Slack side of bot.Message.CheckChannel: a channel
// may be linked only if conversations.info, asked with this workspace's
// token, shows it and says it belongs to (or is shared with) the workspace
// the command came from.
func (a *Adapter) checkChannel(team string) func(ctx context.Context, c ownership.Channel) error {
	return func(ctx context.Context, c ownership.Channel) error {
		if c.ID == "" {
			return ownership.Errorf(ownership.ErrInvalid, "That is not a channel link. Type # and pick the channel.")
		}
		var ch *slackapi.Channel
		err := a.call(ctx, methodConversationInfo, func(ctx context.Context) error {
			var err error
			ch, err = a.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: c.ID})
			return err
		})
		var se slackapi.SlackErrorResponse
		switch {
		case errors.As(err, &se) && se.Err == "channel_not_found":
			return ownership.Errorf(ownership.ErrInvalid, "I can't link that channel: it is not a channel of this workspace that I can see. "+
				"Link a channel of this workspace; for a private channel, invite me to it first.")
		case err != nil:
			return ownership.Errorf(ownership.ErrUnavailable, "I couldn't check that channel with Slack just now, so nothing changed. Please try again in a minute.")
		}
		if ch.IsIM || ch.IsMpIM {
			return ownership.Errorf(ownership.ErrInvalid, "That is a direct message, not a channel; link a channel of this workspace.")
		}
		if ch.ContextTeamID == "" && len(ch.SharedTeamIDs) == 0 {
			// No owner named: a channel a single-workspace token can see is
			// that workspace's; an org-wide token sees every workspace's.
			if in := installationOf(ctx); in != nil {
				if in.EnterpriseInstall {
					return ownership.Errorf(ownership.ErrInvalid, "I can't tell which workspace that channel belongs to, so I won't link it. Link a channel of this workspace.")
				}
			} else if id := a.ws.cur.Load(); id == nil || id.EnterpriseInstall {
				return ownership.Errorf(ownership.ErrInvalid, "I can't tell which workspace that channel belongs to, so I won't link it. Link a channel of this workspace.")
			}
			return nil
		}
		if ch.ContextTeamID != team && !containsString(ch.SharedTeamIDs, team) {
			return ownership.Errorf(ownership.ErrInvalid, "I can't link that channel: it belongs to another workspace. Link a channel of this workspace.")
		}
		return nil
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
