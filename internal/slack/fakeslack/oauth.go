package fakeslack

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// OAuthApp is the app oauth.v2.access authenticates: its client id and
// secret and the redirect URLs its manifest allows.
type OAuthApp struct {
	ClientID, ClientSecret string
	RedirectURLs           []string
	// AppID defaults to "A0WHOOWNS".
	AppID string
	// TokenRotation is the app's token_rotation_enabled: bot tokens then
	// expire after TokenLifetime (default 12 hours, as Slack's do) and
	// come with a refresh token that renews them once.
	TokenRotation bool
	TokenLifetime time.Duration
}

// Grant is what an authorization code installs: the workspace (its Token
// becomes the bot token) and who approved it.
type Grant struct {
	Workspace Workspace
	// InstallerUserID is the authed user.
	InstallerUserID string
	// Scopes granted, comma-separated as Slack sends them.
	Scope string
	// RedirectURI is the redirect_uri the authorize request used; the
	// exchange must send the same one (empty: none was sent).
	RedirectURI string
}

// SetOAuthApp configures the app oauth.v2.access authenticates.
func (s *Server) SetOAuthApp(app OAuthApp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if app.AppID == "" {
		app.AppID = "A0WHOOWNS"
	}
	s.oauthApp = &app
}

// AddCode makes code redeemable once for g, as Slack issues a code when an
// installer approves the app.
func (s *Server) AddCode(code string, g Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]Grant{}
	}
	s.codes[code] = g
}

// oauthAccess is oauth.v2.access: client credentials by HTTP Basic or in
// the form (never a bearer token), a single-use code, the redirect_uri of
// the authorize request. A granted code adds the workspace, so its bot
// token then authenticates.
func (s *Server) oauthAccess(w http.ResponseWriter, r *http.Request, c Call) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = c.Params["client_id"], c.Params["client_secret"]
	}
	s.mu.Lock()
	app := s.oauthApp
	s.mu.Unlock()
	switch {
	case app == nil || id == "":
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	case id != app.ClientID:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	case secret != app.ClientSecret:
		writeJSON(w, map[string]any{"ok": false, "error": "bad_client_secret"})
		return
	}
	if c.Params["grant_type"] == "refresh_token" {
		s.refreshAccess(w, app, c)
		return
	}
	code := c.Params["code"]
	if code == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	s.mu.Lock()
	g, ok := s.codes[code]
	delete(s.codes, code) // a code is redeemed at most once, even on error
	s.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	}
	ru := c.Params["redirect_uri"]
	if ru != g.RedirectURI || (ru != "" && !allowedRedirect(app.RedirectURLs, ru)) {
		writeJSON(w, map[string]any{"ok": false, "error": "bad_redirect_uri"})
		return
	}
	ws := g.Workspace
	s.AddWorkspace(ws)
	ws = s.workspaceOf(ws.Token)
	writeJSON(w, s.accessAnswer(app, ws, g.Scope, g.InstallerUserID))
}

// accessAnswer is oauth.v2.access's answer installing ws; with token
// rotation, ws.Token expires and a refresh token comes with it.
func (s *Server) accessAnswer(app *OAuthApp, ws Workspace, scope, installer string) map[string]any {
	out := map[string]any{"ok": true, "app_id": app.AppID, "access_token": ws.Token, "token_type": "bot", "scope": scope,
		"bot_user_id": ws.BotUserID, "is_enterprise_install": ws.EnterpriseInstall,
		"authed_user": map[string]any{"id": installer}}
	if app.TokenRotation {
		life := app.TokenLifetime
		if life <= 0 {
			life = 12 * time.Hour
		}
		s.mu.Lock()
		s.seq++
		rt := fmt.Sprintf("xoxe-1-refresh-%d", s.seq)
		s.refresh[rt] = refreshGrant{token: ws.Token, scope: scope}
		s.expiry[ws.Token] = time.Now().Add(life)
		s.mu.Unlock()
		out["refresh_token"], out["expires_in"] = rt, int64(life/time.Second)
	}
	if ws.EnterpriseInstall {
		out["team"] = nil
	} else {
		out["team"] = map[string]any{"id": ws.TeamID, "name": ws.TeamName}
	}
	if ws.EnterpriseID != "" {
		out["enterprise"] = map[string]any{"id": ws.EnterpriseID, "name": ws.EnterpriseID}
	} else {
		out["enterprise"] = nil
	}
	return out
}

// refreshAccess is oauth.v2.access with grant_type=refresh_token: the
// refresh token must be one issued and not yet used (Slack revokes it once
// used); the answer is a new bot token of the same installation and a new
// refresh token. The old bot token works until it expires.
func (s *Server) refreshAccess(w http.ResponseWriter, app *OAuthApp, c Call) {
	if !app.TokenRotation {
		writeJSON(w, map[string]any{"ok": false, "error": "token_rotation_not_enabled"})
		return
	}
	rt := c.Params["refresh_token"]
	s.mu.Lock()
	g, ok := s.refresh[rt]
	delete(s.refresh, rt)
	ws, installed := s.workspaces[g.token]
	s.seq++
	n := s.seq
	s.mu.Unlock()
	if rt == "" || !ok || !installed {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_refresh_token"})
		return
	}
	ws.Token = fmt.Sprintf("xoxe.xoxb-1-rotated-%d", n)
	s.AddWorkspace(ws)
	writeJSON(w, s.accessAnswer(app, s.workspaceOf(ws.Token), g.scope, ""))
}

type refreshGrant struct{ token, scope string }

// ExpireToken makes a rotating bot token expired from now on (token_expired).
func (s *Server) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiry[token] = time.Now().Add(-time.Second)
}

// SetTokenLifetime sets how long the rotating tokens issued from now on
// last.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauthApp != nil {
		app := *s.oauthApp // answers under way keep the one they read
		app.TokenLifetime = d
		s.oauthApp = &app
	}
}

// Refreshes are the oauth.v2.access calls that refreshed a token.
func (s *Server) Refreshes() []Call {
	var out []Call
	for _, c := range s.Calls("oauth.v2.access") {
		if c.Params["grant_type"] == "refresh_token" {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) workspaceOf(token string) Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.workspaces[token]
}

// allowedRedirect reports whether ru is one of the app's redirect URLs or
// under one (Slack allows a subdirectory of a listed URL).
func allowedRedirect(allowed []string, ru string) bool {
	u, err := url.Parse(ru)
	if err != nil {
		return false
	}
	for _, a := range allowed {
		if ru == a || strings.HasPrefix(u.Scheme+"://"+u.Host+u.Path, strings.TrimRight(a, "/")+"/") {
			return true
		}
	}
	return false
}
