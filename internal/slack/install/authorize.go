package install

import (
	"net/url"
	"strings"
)

// AuthorizeURL is Slack's OAuth v2 consent page.
const AuthorizeURL = "https://slack.com/oauth/v2/authorize"

// RedirectPath is where Slack sends the installer back, under
// WHOOWNS_PUBLIC_URL; the manifest's oauth_config.redirect_urls names it.
const RedirectPath = "/slack/oauth_redirect"

// InstallPath serves the "Add to Slack" page.
const InstallPath = "/slack/install"

// BotScopes are exactly the manifest's oauth_config.scopes.bot (a test
// keeps them in step with app-manifest.yml).
var BotScopes = []string{
	"app_mentions:read",
	"channels:read",
	"chat:write",
	"commands",
	"groups:read",
	"im:history",
	"im:write",
	"users:read",
	"users:read.email",
}

// RedirectURI is publicURL + RedirectPath.
func RedirectURI(publicURL string) string {
	return strings.TrimRight(publicURL, "/") + RedirectPath
}

// Authorize returns the authorize URL for clientID with the bot scopes,
// the redirect URI and state.
func Authorize(clientID, publicURL, state string) string {
	q := url.Values{}
	q.Set("client_id", clientID)
	q.Set("scope", strings.Join(BotScopes, ","))
	q.Set("redirect_uri", RedirectURI(publicURL))
	q.Set("state", state)
	return AuthorizeURL + "?" + q.Encode()
}
