package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/slack/fakeslack"
	"github.com/whoowns/whoowns/internal/slack/install"
)

// End-to-end tests of installing the app in many workspaces through
// Slack's OAuth v2 flow, with no SLACK_BOT_TOKEN at all.

const (
	instClientID  = "1111.2222"
	instSecret    = "client-secret-e2e"
	instState     = "state-secret-e2e-0123456789abcdef0123456789"
	instPublicURL = "https://whoowns.test"
)

type installWorld struct {
	*slackWorld
	cfg SlackInstall
}

func newInstallWorld(t *testing.T) *installWorld {
	w := newSlackWorld(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	w.fake.SetOAuthApp(fakeslack.OAuthApp{ClientID: instClientID, ClientSecret: instSecret, RedirectURLs: []string{instPublicURL + "/slack/oauth_redirect"}})
	return &installWorld{slackWorld: w, cfg: SlackInstall{ClientID: instClientID, ClientSecret: instSecret, StateSecret: instState, PublicURL: instPublicURL, TokenKey: key}}
}

// startInstalls runs a replica that serves installed workspaces only.
func (w *installWorld) startInstalls() *slackApp { return w.startInstallsSocket("") }

// startInstallsSocket is startInstalls in Socket Mode when appToken is set.
func (w *installWorld) startInstallsSocket(appToken string) *slackApp {
	w.t.Helper()
	inst := w.cfg
	a, err := New(Config{
		Slack:        &slack.Config{SigningSecret: e2eSecret, AppToken: appToken, APIURL: w.fake.APIURL(), Workers: 1},
		SlackInstall: &inst,
		// Retention's sweep is due work: look for it often.
		SchedulerTick: 20 * time.Millisecond,
		Store:         redisstore.New(w.client, redisstore.WithPrefix(w.prefix)),
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return &slackApp{w: w.slackWorld, app: a, url: serveApp(w.t, a)}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// startInstall follows "Add to Slack" (?direct=1) and returns the state
// the authorize URL carries, after checking the rest of it.
func startInstall(t *testing.T, a *slackApp) string {
	t.Helper()
	code, hdr, _ := get(t, a.url+"/slack/install?direct=1")
	if code != http.StatusFound {
		t.Fatalf("/slack/install?direct=1: status %d, want 302", code)
	}
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil || u.Scheme+"://"+u.Host+u.Path != "https://slack.com/oauth/v2/authorize" {
		t.Fatalf("redirected to %q", hdr.Get("Location"))
	}
	q := u.Query()
	if q.Get("client_id") != instClientID || q.Get("redirect_uri") != instPublicURL+"/slack/oauth_redirect" || q.Get("scope") != strings.Join(install.BotScopes, ",") {
		t.Errorf("authorize query = %v", q)
	}
	if q.Get("state") == "" {
		t.Fatal("no state")
	}
	return q.Get("state")
}

// finish plays Slack sending the installer back with code.
func finish(t *testing.T, a *slackApp, code, state string) (int, string) {
	t.Helper()
	status, _, body := get(t, a.url+"/slack/oauth_redirect?"+url.Values{"code": {code}, "state": {state}}.Encode())
	return status, body
}

func (w *installWorld) grant(code string, ws fakeslack.Workspace, installer string) {
	w.fake.AddCode(code, fakeslack.Grant{Workspace: ws, InstallerUserID: installer, Scope: strings.Join(install.BotScopes, ","), RedirectURI: instPublicURL + "/slack/oauth_redirect"})
}

// TestSlackE2EInstallManyWorkspaces: two workspaces and an Enterprise org
// install the app; each is answered with its own token; the installer
// becomes the first lead; a workspace that has not installed is ignored;
// an uninstall deletes the tokens at once and later questions are
// ignored; a reinstall finds the workspace's data; Redis holds no token in
// plaintext; a second replica serves the installations from Redis.
func TestSlackE2EInstallManyWorkspaces(t *testing.T) {
	t.Parallel()
	w := newInstallWorld(t)
	a := w.startInstalls()

	// The page offers the button.
	if code, hdr, body := get(t, a.url+"/slack/install"); code != http.StatusOK || !strings.Contains(body, "Add to Slack") || !strings.Contains(body, "https://slack.com/oauth/v2/authorize?") || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("/slack/install: %d %v\n%s", code, hdr, body)
	}

	// Before any install, even the workspace of the seeded data is foreign.
	ask := func(team, ent, id, user, text string) {
		t.Helper()
		if code := a.send("/slack/events", "application/json", eventFrom(team, ent, id, e2eDM(user, "1700000200."+id[len(id)-6:], text)), time.Now(), e2eSecret, nil); code != http.StatusOK {
			t.Fatalf("event %s: %d", id, code)
		}
	}
	ask(e2eTeam, "", "EvBefore000001", pJules, "who owns the roadmap?")

	w.grant("code-a", fakeslack.Workspace{Token: "xoxb-alpha", TeamID: e2eTeam, TeamName: "Alpha & Co"}, pLead)
	w.grant("code-b", fakeslack.Workspace{Token: "xoxb-beta", TeamID: "T0BETA", TeamName: "Beta"}, "U0BETAINST")
	w.grant("code-e", fakeslack.Workspace{Token: "xoxb-org", TeamID: "", EnterpriseID: "E0ORG", EnterpriseInstall: true}, "W0ORGINST")
	for _, c := range []struct{ code, name string }{{"code-a", "Alpha &amp; Co"}, {"code-b", "Beta"}, {"code-e", "E0ORG"}} {
		status, body := finish(t, a, c.code, startInstall(t, a))
		if status != http.StatusOK || !strings.Contains(body, "installed in "+c.name) {
			t.Fatalf("install %s: %d\n%s", c.code, status, body)
		}
	}
	if n := len(w.fake.Calls("oauth.v2.access")); n != 3 {
		t.Errorf("oauth.v2.access called %d times, want 3", n)
	}

	// Alpha already had a lead: unchanged. Beta had none: its installer.
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	leads := func(tenant string) []ownership.Person {
		d, err := st.Directory(context.Background(), ownership.TenantID(tenant))
		if err != nil {
			t.Fatal(err)
		}
		return d.Leads
	}
	if l := leads("slack:" + e2eTeam); len(l) != 1 || l[0].ID != pLead {
		t.Errorf("Alpha's leads = %v, want only the existing lead", l)
	}
	if l := leads("slack:T0BETA"); len(l) != 1 || l[0].ID != "U0BETAINST" {
		t.Errorf("Beta's leads = %v, want its installer", l)
	}
	if h, _ := st.History(context.Background(), "slack:T0BETA", "", 10); len(h) != 1 || h[0].Action != "lead.add" || h[0].New != "U0BETAINST" {
		t.Errorf("Beta's history = %+v, want the installer made lead", h)
	}

	ask(e2eTeam, "", "EvAlpha000001", pJules, "who owns the roadmap?")
	ask("T0BETA", "", "EvBeta0000001", "U0BETAUSER", "who owns the roadmap?")
	ask("T0GRIDWS", "E0ORG", "EvGrid0000001", "W0GRIDUSER", "who owns the roadmap?")
	ask("T0NOTINST", "", "EvNone0000001", "U0NOONE", "who owns the roadmap?")
	for user, tok := range map[string]string{pJules: "xoxb-alpha", "U0BETAUSER": "xoxb-beta", "W0GRIDUSER": "xoxb-org"} {
		c := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "D"+user })
		if c.Token != tok || !c.Bearer {
			t.Errorf("answer to %s sent with %q (bearer %v), want %s", user, c.Token, c.Bearer, tok)
		}
	}
	// Uninstall Beta, then ask there again; Alpha's sentinel proves both
	// were handled (one worker, in order).
	if code := a.send("/slack/events", "application/json", eventFrom("T0BETA", "", "EvUninst00001", map[string]any{"type": "app_uninstalled"}), time.Now(), e2eSecret, nil); code != http.StatusOK {
		t.Fatalf("app_uninstalled: %d", code)
	}
	ask("T0BETA", "", "EvBeta0000002", "U0BETALATE", "who owns the roadmap?")
	ask(e2eTeam, "", "EvAlphaSent01", "U0SENTA", "who owns the roadmap?")
	w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "DU0SENTA" })
	for _, c := range w.fake.Calls("chat.postMessage") {
		switch c.Params["channel"] {
		case "D" + pJules:
			if c.Token != "xoxb-alpha" {
				t.Errorf("an answer in Alpha went out with %q", c.Token)
			}
		case "DU0NOONE", "DU0BETALATE":
			t.Errorf("answered %s, whose workspace has no installation", c.Params["channel"])
		}
	}
	for _, c := range w.fake.Calls("") {
		if c.Method == "oauth.v2.access" {
			continue
		}
		if !c.Bearer || !slices.Contains([]string{"xoxb-alpha", "xoxb-beta", "xoxb-beta2", "xoxb-org"}, c.Token) {
			t.Errorf("%s sent with token %q (bearer %v)", c.Method, c.Token, c.Bearer)
		}
	}

	// No token is readable in Redis; Beta's record is kept, tokenless.
	assertNoPlaintextTokens(t, w.slackWorld, "xoxb-", "xoxe")
	raw, err := st.Ref(context.Background(), "slack:T0BETA", "slack-installation")
	if err != nil || !strings.Contains(string(raw), `"uninstalled_at"`) || strings.Contains(string(raw), "bot_token") {
		t.Errorf("Beta's installation after uninstall: %s, %v", raw, err)
	}

	// A reinstall finds Beta's data: its lead stays, the new token answers.
	w.grant("code-b2", fakeslack.Workspace{Token: "xoxb-beta2", TeamID: "T0BETA", TeamName: "Beta"}, "U0SECOND")
	if status, body := finish(t, a, "code-b2", startInstall(t, a)); status != http.StatusOK || !strings.Contains(body, "Its leads are as before") {
		t.Fatalf("reinstall: %d\n%s", status, body)
	}
	if l := leads("slack:T0BETA"); len(l) != 1 || l[0].ID != "U0BETAINST" {
		t.Errorf("Beta's leads after a reinstall = %v, want the first installer only", l)
	}
	ask("T0BETA", "", "EvBeta0000003", "U0BETAAGAIN", "who owns the roadmap?")
	if c := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "DU0BETAAGAIN" }); c.Token != "xoxb-beta2" {
		t.Errorf("after the reinstall Beta was answered with %q, want the new token", c.Token)
	}

	// Another replica reads the installations from Redis.
	b := w.startInstalls()
	if code := b.send("/slack/events", "application/json", eventFrom(e2eTeam, "", "EvReplica0001", e2eDM("U0REPLICA", "1700000300.000001", "who owns the roadmap?")), time.Now(), e2eSecret, nil); code != http.StatusOK {
		t.Fatal(code)
	}
	if c := w.fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool { return c.Params["channel"] == "DU0REPLICA" }); c.Token != "xoxb-alpha" {
		t.Errorf("second replica answered with %q", c.Token)
	}
}

// assertNoPlaintextTokens reads every key of the world's prefix.
func assertNoPlaintextTokens(t *testing.T, w *slackWorld, needles ...string) {
	t.Helper()
	ctx := context.Background()
	keys := w.keysMatching("*")
	if len(keys) == 0 {
		t.Fatal("no keys")
	}
	for _, k := range keys {
		var vals []string
		switch typ := w.client.Type(ctx, k).Val(); typ {
		case "none": // gone since listed (a lock given back)
		case "string":
			vals = []string{w.client.Get(ctx, k).Val()}
		case "hash":
			for f, v := range w.client.HGetAll(ctx, k).Val() {
				vals = append(vals, f, v)
			}
		case "list":
			vals = w.client.LRange(ctx, k, 0, -1).Val()
		case "set":
			vals = w.client.SMembers(ctx, k).Val()
		case "zset":
			vals = w.client.ZRange(ctx, k, 0, -1).Val()
		case "stream":
			for _, m := range w.client.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					vals = append(vals, f, v.(string))
				}
			}
		default:
			t.Errorf("key %s of type %s not inspected", k, typ)
		}
		for _, v := range vals {
			for _, n := range needles {
				if strings.Contains(v, n) {
					t.Errorf("key %s holds %q in plaintext: %.200s", k, n, v)
				}
			}
		}
	}
}

// TestSlackE2EInstallRefusesBadState: a state that is forged, expired or
// used already gets 400 and no token request; a code Slack refuses, a
// cancelled install, and a wrong redirect are explained.
func TestSlackE2EInstallRefusesBadState(t *testing.T) {
	t.Parallel()
	w := newInstallWorld(t)
	a := w.startInstalls()
	w.grant("code-a", fakeslack.Workspace{Token: "xoxb-alpha", TeamID: e2eTeam}, pLead)

	forged, _ := (&install.States{Secret: []byte("another-secret-0123456789abcdef0123")}).New()
	expired, _ := (&install.States{Secret: []byte(instState), Now: func() time.Time { return time.Now().Add(-11 * time.Minute) }}).New()
	for name, state := range map[string]string{"forged": forged, "expired": expired, "garbage": "abc.def", "empty": ""} {
		status, body := finish(t, a, "code-a", state)
		if status != http.StatusBadRequest || !strings.Contains(body, "Nothing was installed") {
			t.Errorf("%s state: %d\n%s", name, status, body)
		}
	}
	if n := len(w.fake.Calls("oauth.v2.access")); n != 0 {
		t.Fatalf("a bad state led to %d token requests", n)
	}
	state := startInstall(t, a)
	if status, body := finish(t, a, "code-a", state); status != http.StatusOK {
		t.Fatalf("good install: %d\n%s", status, body)
	}
	if status, body := finish(t, a, "code-a", state); status != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Errorf("replayed state: %d\n%s", status, body)
	}
	if n := len(w.fake.Calls("oauth.v2.access")); n != 1 {
		t.Errorf("token requests = %d, want 1 (the replay made none)", n)
	}
	// A code Slack does not know (here: already redeemed).
	if status, body := finish(t, a, "code-a", startInstall(t, a)); status != http.StatusBadRequest || !strings.Contains(body, "invalid_code") {
		t.Errorf("reused code: %d\n%s", status, body)
	}
	// The installer cancelled.
	if status, _, body := get(t, a.url+"/slack/oauth_redirect?error=access_denied&state=x"); status != http.StatusOK || !strings.Contains(body, "cancelled") {
		t.Errorf("access_denied: %d\n%s", status, body)
	}
	// Client credentials are checked: a replica with the wrong secret.
	w.cfg.ClientSecret = "wrong"
	bad := w.startInstalls()
	w.grant("code-c", fakeslack.Workspace{Token: "xoxb-gamma", TeamID: "T0GAMMA"}, "U0G")
	if status, body := finish(t, bad, "code-c", startInstall(t, bad)); status != http.StatusBadRequest || !strings.Contains(body, "bad_client_secret") {
		t.Errorf("wrong client secret: %d\n%s", status, body)
	}
}

func TestSlackInstallConfig(t *testing.T) {
	t.Parallel()
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	base := map[string]string{
		"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "cs",
		"SLACK_STATE_SECRET": strings.Repeat("x", 32), "WHOOWNS_PUBLIC_URL": "https://bot.example.com/", "WHOOWNS_TOKEN_KEY": key,
	}
	env := func(over map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return base[k]
		}
	}
	c, err := ConfigFromEnv(env(nil))
	if err != nil || c.Slack == nil || c.Slack.BotToken != "" || c.SlackInstall == nil || c.SlackInstall.PublicURL != "https://bot.example.com" {
		t.Fatalf("installs without SLACK_BOT_TOKEN: %+v, %v", c.SlackInstall, err)
	}
	for name, tc := range map[string]struct {
		over map[string]string
		want string
	}{
		"missing one":     {map[string]string{"WHOOWNS_TOKEN_KEY": ""}, "needs WHOOWNS_TOKEN_KEY too"},
		"short key":       {map[string]string{"WHOOWNS_TOKEN_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))}, "WHOOWNS_TOKEN_KEY is 16 bytes"},
		"short state":     {map[string]string{"SLACK_STATE_SECRET": "abc"}, "SLACK_STATE_SECRET is 3 characters"},
		"http public":     {map[string]string{"WHOOWNS_PUBLIC_URL": "http://bot.example.com"}, "WHOOWNS_PUBLIC_URL"},
		"previous alone":  {map[string]string{"SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "", "SLACK_STATE_SECRET": "", "WHOOWNS_PUBLIC_URL": "", "WHOOWNS_TOKEN_KEY": "", "WHOOWNS_TOKEN_KEY_PREVIOUS": key}, "WHOOWNS_TOKEN_KEY_PREVIOUS is set without"},
		"previous = cur":  {map[string]string{"WHOOWNS_TOKEN_KEY_PREVIOUS": key}, "same key"},
		"no bot, no flow": {map[string]string{"SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "", "SLACK_STATE_SECRET": "", "WHOOWNS_PUBLIC_URL": "", "WHOOWNS_TOKEN_KEY": ""}, "SLACK_BOT_TOKEN is missing"},
	} {
		if _, err := ConfigFromEnv(env(tc.over)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	// With only SLACK_BOT_TOKEN, as before: no install flow.
	c, err = ConfigFromEnv(func(k string) string {
		return map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}[k]
	})
	if err != nil || c.SlackInstall != nil || c.Slack.BotToken != "xoxb-1" {
		t.Errorf("single token: %+v %v", c.SlackInstall, err)
	}
}
