package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/scheduler"
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
	// Retention is how long an uninstalled workspace's data is kept
	// before it is deleted (WHOOWNS_RETENTION_AFTER_UNINSTALL; default
	// install.DefaultRetention).
	Retention time.Duration
}

// parseRetention reads WHOOWNS_RETENTION_AFTER_UNINSTALL: a Go duration
// ("720h") or a number of days ("30d").
func parseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	var d time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3650 {
			return 0, fmt.Errorf("WHOOWNS_RETENTION_AFTER_UNINSTALL=%q: give a number of days such as 30d, or a duration such as 720h", v)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			return 0, fmt.Errorf("WHOOWNS_RETENTION_AFTER_UNINSTALL=%q: give a number of days such as 30d, or a duration such as 720h", v)
		}
	}
	return d, nil
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
	retention := install.DefaultRetention
	if v := strings.TrimSpace(getenv("WHOOWNS_RETENTION_AFTER_UNINSTALL")); v != "" {
		d, err := parseRetention(v)
		if err != nil {
			fail("%v", err)
		}
		retention = d
	}
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
	c := &SlackInstall{ClientID: strings.TrimSpace(getenv("SLACK_CLIENT_ID")), ClientSecret: strings.TrimSpace(getenv("SLACK_CLIENT_SECRET")), StateSecret: getenv("SLACK_STATE_SECRET"), Retention: retention}
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
	st := install.NewStore(a.store, sealer).WithRotation(client, a.store, 0).WithRetention(a.store, c.Retention)
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

// purgeTenant deletes a tenant's data, recording how many teams it had.
func (a *App) purgeTenant(ctx context.Context, tenant ownership.TenantID, p ownership.Purge) error {
	if d, err := a.store.Directory(ctx, tenant); err == nil {
		p.Teams = len(d.Teams)
	}
	if err := a.store.PurgeTenant(ctx, tenant, p); err != nil {
		return err
	}
	a.log.Info("deleted a tenant's data", "tenant", tenant, "actor", p.Actor, "reason", p.Reason, "teams", p.Teams)
	return nil
}

// handleRetention runs the deletion the uninstall of a Slack workspace
// scheduled.
func (a *App) handleRetention(st *install.Store) scheduler.Handler {
	return func(ctx context.Context, r *scheduler.Run) (time.Time, error) {
		return st.Expire(ctx, r.Job().Tenant, r.Now(), a.purgeTenant)
	}
}
