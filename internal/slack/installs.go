package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/slack/install"
)

// Installations is what the transport asks of the installation store
// (*install.Store): the installation serving a workspace, found by team id
// and then by enterprise id for an org-wide install, cached in memory so
// the answer path keeps its single round trip; and the revocation that
// app_uninstalled and tokens_revoked trigger.
type Installations interface {
	Find(ctx context.Context, team, enterprise string) (*install.Installation, error)
	Revoke(ctx context.Context, team, enterprise string) (bool, error)
	Forget()
	// Fresh and Renew refresh a rotating token: Fresh when it is close
	// to its expiry (free otherwise), Renew after Slack said token_expired.
	Fresh(ctx context.Context, in *install.Installation) (*install.Installation, error)
	Renew(ctx context.Context, in *install.Installation) (*install.Installation, error)
}

var _ Installations = (*install.Store)(nil)

type installationKey struct{}

// installationRef is the installation a payload is answered for; a token
// refreshed while answering replaces it for the calls that follow.
type installationRef struct {
	p atomic.Pointer[install.Installation]
}

// withInstallation makes every Web API call made with ctx use in's token.
func withInstallation(ctx context.Context, in *install.Installation) context.Context {
	r := new(installationRef)
	r.p.Store(in)
	return context.WithValue(ctx, installationKey{}, r)
}

func installationRefOf(ctx context.Context) *installationRef {
	r, _ := ctx.Value(installationKey{}).(*installationRef)
	return r
}

// installationOf is the installation a payload is being answered for; nil
// when it is SLACK_BOT_TOKEN's workspace.
func installationOf(ctx context.Context) *install.Installation {
	if r := installationRefOf(ctx); r != nil {
		return r.p.Load()
	}
	return nil
}

// carryInstallation runs fn, queued for later, with the installation of
// the payload that queued it.
func carryInstallation(ctx context.Context, fn func(context.Context)) func(context.Context) {
	r := installationRefOf(ctx)
	if r == nil {
		return fn
	}
	return func(ctx context.Context) { fn(context.WithValue(ctx, installationKey{}, r)) }
}

// renewExpired handles Slack's token_expired for an installation's
// rotating token: the token is refreshed (once across replicas) and
// replaces the expired one for the rest of the delivery. It reports
// whether the call may be retried.
func (a *Adapter) renewExpired(ctx context.Context, method string) bool {
	r := installationRefOf(ctx)
	if r == nil || a.cfg.Installations == nil {
		return false
	}
	old := r.p.Load()
	in, err := a.cfg.Installations.Renew(ctx, old)
	if err != nil || in == nil {
		a.log.Error("slack: Slack says an installation's token expired and it could not be refreshed", "method", method, "team", old.TeamID, "enterprise", old.EnterpriseID, "err", err)
		return false
	}
	r.p.CompareAndSwap(old, in)
	a.log.Info("slack: refreshed an expired token; calling again once", "method", method, "team", in.TeamID, "enterprise", in.EnterpriseID)
	return true
}

// expiredToken reports Slack's answer to a call made with a rotating token
// past its expiry.
func expiredToken(err error) bool {
	if err == nil {
		return false
	}
	var se slackapi.SlackErrorResponse
	return errors.As(err, &se) && se.Err == "token_expired"
}

// botToken is the token the Web API calls of ctx use.
func (a *Adapter) botToken(ctx context.Context) string {
	if in := installationOf(ctx); in != nil {
		return in.BotToken
	}
	return a.cfg.BotToken
}

// withInstallationToken returns r sent with tok alone: in the
// Authorization header, with any token slack-go put in a form body or the
// query (its client's own) removed.
func withInstallationToken(r *http.Request, tok string) *http.Request {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	if q := r.URL.Query(); q.Has("token") {
		q.Del("token")
		r.URL.RawQuery = q.Encode()
	}
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err == nil {
			if form, perr := url.ParseQuery(string(b)); perr == nil && form.Has("token") {
				form.Del("token")
				b = []byte(form.Encode())
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return r
}

// onUninstalled handles app_uninstalled and tokens_revoked: the
// installation's tokens are deleted at once; the workspace's ownership
// data is kept, so a reinstall finds it.
func (a *Adapter) onUninstalled(ctx context.Context, env *envelope) {
	team := env.TeamID
	if in := installationOf(ctx); in != nil {
		if env.inner.Type == "tokens_revoked" && !revokesBot(env) {
			return
		}
		ok, err := a.cfg.Installations.Revoke(ctx, in.TeamID, in.EnterpriseID)
		if err != nil {
			a.log.Error("slack: uninstall not fully recorded (tokens no longer work at Slack)", "team", in.TeamID, "enterprise", in.EnterpriseID, "event", env.inner.Type, "tokens_deleted", ok, "err", err)
			return
		}
		a.log.Info("slack: uninstalled; tokens deleted, the workspace's data kept", "team", in.TeamID, "enterprise", in.EnterpriseID, "event", env.inner.Type, "revoked", ok)
		return
	}
	if env.inner.Type == "tokens_revoked" && !revokesBot(env) {
		return
	}
	a.log.Error("slack: the app was uninstalled or SLACK_BOT_TOKEN revoked; this workspace is no longer served until the app is reinstalled and the new token set", "team", team, "event", env.inner.Type)
	select {
	case a.ws.refresh <- struct{}{}:
	default:
	}
}

// revokesBot reports whether a tokens_revoked event names bot tokens
// (it may name only user tokens, which the bot does not hold).
func revokesBot(env *envelope) bool {
	var ev struct {
		Tokens struct {
			Bot []string `json:"bot"`
		} `json:"tokens"`
	}
	return json.Unmarshal(env.Event, &ev) == nil && len(ev.Tokens.Bot) > 0
}
