package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
}

var _ Installations = (*install.Store)(nil)

type installationKey struct{}

// withInstallation makes every Web API call made with ctx use in's token.
func withInstallation(ctx context.Context, in *install.Installation) context.Context {
	return context.WithValue(ctx, installationKey{}, in)
}

// installationOf is the installation a payload is being answered for; nil
// when it is SLACK_BOT_TOKEN's workspace.
func installationOf(ctx context.Context) *install.Installation {
	in, _ := ctx.Value(installationKey{}).(*install.Installation)
	return in
}

// carryInstallation runs fn, queued for later, with the installation of
// the payload that queued it.
func carryInstallation(ctx context.Context, fn func(context.Context)) func(context.Context) {
	in := installationOf(ctx)
	if in == nil {
		return fn
	}
	return func(ctx context.Context) { fn(withInstallation(ctx, in)) }
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
			a.log.Error("slack: could not delete the tokens of an uninstalled workspace; they no longer work at Slack", "team", in.TeamID, "enterprise", in.EnterpriseID, "event", env.inner.Type, "err", err)
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
