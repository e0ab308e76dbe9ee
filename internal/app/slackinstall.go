package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/slack/install"
)

// SlackInstall configures Slack's OAuth v2 install flow.
type SlackInstall struct {
	// ClientID and ClientSecret authenticate oauth.v2.access
	// (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET).
	ClientID, ClientSecret string
	// StateSecret signs the OAuth state (SLACK_STATE_SECRET).
	StateSecret string
	// PublicURL is the base URL Slack redirects installers to
	// (WHOOWNS_PUBLIC_URL), without a trailing slash.
	PublicURL string
	// TokenKey encrypts tokens at rest (WHOOWNS_TOKEN_KEY); PreviousKey,
	// when set, still decrypts (WHOOWNS_TOKEN_KEY_PREVIOUS).
	TokenKey, PreviousKey []byte
	// HTTPClient calls oauth.v2.access (default: 10s timeout).
	HTTPClient *http.Client
}

// minStateSecret is the shortest SLACK_STATE_SECRET accepted.
const minStateSecret = 32

var installVars = []string{"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET", "WHOOWNS_PUBLIC_URL", "WHOOWNS_TOKEN_KEY"}

// slackInstallFromEnv reads the install flow's settings: none of them set
// means no install flow; some set means all are needed.
func slackInstallFromEnv(getenv func(string) string) (*SlackInstall, []string) {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	var set, missing []string
	for _, v := range installVars {
		if strings.TrimSpace(getenv(v)) != "" {
			set = append(set, v)
		} else {
			missing = append(missing, v)
		}
	}
	prev := strings.TrimSpace(getenv("WHOOWNS_TOKEN_KEY_PREVIOUS"))
	if len(set) == 0 {
		if prev != "" {
			fail("WHOOWNS_TOKEN_KEY_PREVIOUS is set without WHOOWNS_TOKEN_KEY: it only decrypts tokens while they move to a new WHOOWNS_TOKEN_KEY")
		}
		return nil, errs
	}
	if len(missing) > 0 {
		fail("installing in workspaces needs %s too (set: %s); set all five, or none to serve the one workspace of SLACK_BOT_TOKEN", strings.Join(missing, ", "), strings.Join(set, ", "))
		return nil, errs
	}
	c := &SlackInstall{ClientID: strings.TrimSpace(getenv("SLACK_CLIENT_ID")), ClientSecret: strings.TrimSpace(getenv("SLACK_CLIENT_SECRET")), StateSecret: getenv("SLACK_STATE_SECRET")}
	if strings.ContainsAny(c.ClientID, " /?&#") {
		fail("SLACK_CLIENT_ID=%q is not a client id; copy the Client ID from the app's Basic Information page (digits and a dot)", c.ClientID)
	}
	if len(c.StateSecret) < minStateSecret {
		fail("SLACK_STATE_SECRET is %d characters; use at least %d random characters (e.g. openssl rand -hex 32)", len(c.StateSecret), minStateSecret)
	}
	if c.StateSecret == c.ClientSecret {
		fail("SLACK_STATE_SECRET must not be SLACK_CLIENT_SECRET; make a random one (openssl rand -hex 32)")
	}
	pub := strings.TrimRight(strings.TrimSpace(getenv("WHOOWNS_PUBLIC_URL")), "/")
	if u, err := url.Parse(pub); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		fail("WHOOWNS_PUBLIC_URL=%q must be the https base URL Slack reaches this bot at, such as https://whoowns.example.com (http only for localhost)", getenv("WHOOWNS_PUBLIC_URL"))
	}
	c.PublicURL = pub
	var err error
	if c.TokenKey, err = install.ParseKey("WHOOWNS_TOKEN_KEY", getenv("WHOOWNS_TOKEN_KEY")); err != nil {
		fail("%v", err)
	}
	if prev != "" {
		if c.PreviousKey, err = install.ParseKey("WHOOWNS_TOKEN_KEY_PREVIOUS", prev); err != nil {
			fail("%v", err)
		} else if string(c.PreviousKey) == string(c.TokenKey) {
			fail("WHOOWNS_TOKEN_KEY_PREVIOUS is the same key as WHOOWNS_TOKEN_KEY; set it to the old key, or unset it")
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// slackInstallFlow builds the installation store and the install flow's
// routes over the replica's store.
func (a *App) slackInstallFlow(c *SlackInstall, apiURL string) (*install.Store, *install.Flow, error) {
	sealer, err := install.NewSealer(c.TokenKey, c.PreviousKey)
	if err != nil {
		return nil, nil, err
	}
	if apiURL == "" {
		apiURL = "https://slack.com/api/"
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	client := &install.Client{APIURL: apiURL, ClientID: c.ClientID, Secret: c.ClientSecret, HTTP: hc}
	// Rotating tokens (token_rotation_enabled) are refreshed by one
	// replica at a time, under a lock in the shared store.
	st := install.NewStore(a.store, sealer).WithRotation(client, a.store, 0)
	f := &install.Flow{
		ClientID:  c.ClientID,
		PublicURL: c.PublicURL,
		States:    &install.States{Secret: []byte(c.StateSecret), Claims: a.store},
		Client:    client,
		Store:     st,
		Dirs:      a.store,
		Log:       a.log.With("platform", "slack"),
	}
	return st, f, nil
}
