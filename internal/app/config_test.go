package app

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	c, err := ConfigFromEnv(envOf(map[string]string{
		"WHOOWNS_ADDR": "127.0.0.1:9000", "WHOOWNS_ADMINS": "U1, U2 ,,29:abc",
		"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:1/api/",
		"TEAMS_APP_ID": " 8F1C2A3B-1d2e-4f50-9a6b-7c8d9e0f1a2b", "TEAMS_APP_PASSWORD": "pw", "REDIS_URL": "redis://127.0.0.1:6379/3",
		"WHOOWNS_RATE_QUESTIONS": "0", "WHOOWNS_SHUTDOWN_TIMEOUT": "5s", "WHOOWNS_DEDUP_TTL": "30m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || strings.Join(c.Admins, "|") != "U1|U2|29:abc" || c.Slack == nil || c.Slack.APIURL != "http://127.0.0.1:1/api/" ||
		c.Teams == nil || c.Teams.AppID != "8F1C2A3B-1d2e-4f50-9a6b-7c8d9e0f1a2b" || !c.Redis.Enabled() || c.QuestionsPerMinute != 0 || c.CommandsPerMinute != 30 || c.ShutdownTimeout != 5*time.Second || c.DedupTTL != 30*time.Minute {
		t.Errorf("config = %+v", c)
	}
	c, err = ConfigFromEnv(envOf(nil))
	if err != nil || c.Addr != ":8080" || c.Slack != nil || c.Teams != nil || c.Redis.Enabled() || c.DedupTTL != DefaultDedupTTL {
		t.Errorf("defaults = %+v, %v", c, err)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"WHOOWNS_ADDR":                 {"WHOOWNS_ADDR": "8080"},
		"SLACK_SIGNING_SECRET":         {"SLACK_BOT_TOKEN": "xoxb-1"},
		"SLACK_BOT_TOKEN":              {"SLACK_SIGNING_SECRET": "s"},
		"xoxb-":                        {"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_SIGNING_SECRET": "s"},
		"SLACK_APP_TOKEN":              {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "nope"},
		"SLACK_API_URL":                {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack.example"},
		"TEAMS_APP_ID":                 {"TEAMS_APP_PASSWORD": "pw"},
		"TEAMS_APP_PASSWORD":           {"TEAMS_APP_ID": "a"},
		"TEAMS_TOKEN_URL":              {"TEAMS_APP_ID": "a", "TEAMS_APP_PASSWORD": "p", "TEAMS_TOKEN_URL": "ftp://x"},
		"WHOOWNS_ADMINS":               {"WHOOWNS_ADMINS": "<@U1>"},
		"WHOOWNS_RATE_COMMANDS":        {"WHOOWNS_RATE_COMMANDS": "-1"},
		"WHOOWNS_SHUTDOWN_TIMEOUT":     {"WHOOWNS_SHUTDOWN_TIMEOUT": "soon"},
		"REDIS_URL":                    {"REDIS_URL": "http://x"},
		"WHOOWNS_DEDUP_TTL":            {"WHOOWNS_DEDUP_TTL": "2m"},
		"WHOOWNS_DEDUP_TTL=":           {"WHOOWNS_DEDUP_TTL": "forever"},
		"TEAMS_APP_ID=\"whoowns\"":     {"TEAMS_APP_ID": "whoowns", "TEAMS_APP_PASSWORD": "p"},
		"WHOOWNS_DEBUG_ALLOW_REMOTE=1": {"WHOOWNS_DEBUG_ADDR": ":6060"},
		"WHOOWNS_DEBUG_ADDR=\"0.0.0.0:6060\" is not a loopback": {"WHOOWNS_DEBUG_ADDR": "0.0.0.0:6060"},
		"WHOOWNS_DEBUG_ALLOW_REMOTE=\"yes\"":                    {"WHOOWNS_DEBUG_ALLOW_REMOTE": "yes"},
		"WHOOWNS_PRIVACY_URL":                                   {"WHOOWNS_PRIVACY_URL": "/privacy"},
		"WHOOWNS_TERMS_URL":                                     {"WHOOWNS_TERMS_URL": "ftp://x/terms"},
	}
	for name, env := range cases {
		if _, err := ConfigFromEnv(envOf(env)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v does not name %s", env, err, name)
		}
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	a, err := New(Config{Store: st, Slack: &slack.Config{BotToken: "xoxb-1", SigningSecret: "s", APIURL: "http://127.0.0.1:1/"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		resp, err := testClient.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz %d", code)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestNotReadyWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Redis: redisstore.Config{URL: "redis://127.0.0.1:1/0"}, Slack: &slack.Config{BotToken: "xoxb-1", SigningSecret: "s", APIURL: "http://127.0.0.1:1/"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "unreachable") {
		t.Errorf("readyz with Redis down: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz must not depend on Redis: %d", rec.Code)
	}
}

func TestPrivacyAndTermsPages(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/privacy": "What it stores", "/terms": "MIT licence"} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body.String())
		}
	}
	c, err := ConfigFromEnv(envOf(map[string]string{"WHOOWNS_PRIVACY_URL": "https://example.com/p", "WHOOWNS_TERMS_URL": "https://example.com/t"}))
	if err != nil {
		t.Fatal(err)
	}
	c.Store = memstore.New()
	a, err = New(c)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/privacy": "https://example.com/p", "/terms": "https://example.com/t"} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != want {
			t.Errorf("%s: %d to %q, want a redirect to %s", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
}

func TestDebugAddrOnLoopbackOrAllowed(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{"WHOOWNS_DEBUG_ADDR": "127.0.0.1:6060"},
		{"WHOOWNS_DEBUG_ADDR": "[::1]:6060"},
		{"WHOOWNS_DEBUG_ADDR": "localhost:6060"},
		{"WHOOWNS_DEBUG_ADDR": ":6060", "WHOOWNS_DEBUG_ALLOW_REMOTE": "1"},
	} {
		if c, err := ConfigFromEnv(envOf(env)); err != nil || c.DebugAddr != env["WHOOWNS_DEBUG_ADDR"] {
			t.Errorf("%v: %+v %v", env, c.DebugAddr, err)
		}
	}
}

func TestTokenMessagesSayWhatIsExpected(t *testing.T) {
	t.Parallel()
	_, err := ConfigFromEnv(envOf(map[string]string{"SLACK_BOT_TOKEN": "xoxp-123", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xoxb-9"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"SLACK_BOT_TOKEN is not a bot token: a bot token starts with xoxb-, and this one starts with xoxp- (a user token)",
		"SLACK_APP_TOKEN is not an app-level token: an app-level token starts with xapp-, and this one starts with xoxb- (a bot token)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestTeamsManifestLinksPagesTheBotServes: the Teams app manifest is at the
// current schema version and its privacy and terms links are pages this
// server answers.
func TestTeamsManifestLinksPagesTheBotServes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "teams", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Schema          string `json:"$schema"`
		ManifestVersion string `json:"manifestVersion"`
		Developer       struct {
			PrivacyURL string `json:"privacyUrl"`
			TermsURL   string `json:"termsOfUseUrl"`
		} `json:"developer"`
		ValidDomains []string `json:"validDomains"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	const current = "1.22"
	if m.ManifestVersion != current || m.Schema != "https://developer.microsoft.com/json-schemas/teams/v"+current+"/MicrosoftTeams.schema.json" {
		t.Errorf("manifest %s (%s), want the current schema %s", m.ManifestVersion, m.Schema, current)
	}
	a, err := New(Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{m.Developer.PrivacyURL, m.Developer.TermsURL} {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || len(m.ValidDomains) == 0 || u.Host != m.ValidDomains[0] {
			t.Errorf("%q must be https on the bot's host %v", link, m.ValidDomains)
			continue
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", u.Path, nil))
		if rec.Code != 200 {
			t.Errorf("the manifest links %s, which the bot answers %d", u.Path, rec.Code)
		}
	}
}

func TestLearnSettings(t *testing.T) {
	t.Parallel()
	c, err := ConfigFromEnv(envOf(nil))
	if err != nil || c.Learn != (bot.Learning{Mode: bot.LearnOn, After: 3}) {
		t.Fatalf("defaults: %+v, %v; want on after 3", c.Learn, err)
	}
	c, err = ConfigFromEnv(envOf(map[string]string{"WHOOWNS_LEARN": " Review ", "WHOOWNS_LEARN_AFTER": "5"}))
	if err != nil || c.Learn != (bot.Learning{Mode: bot.LearnReview, After: 5}) {
		t.Fatalf("review after 5: %+v, %v", c.Learn, err)
	}
	if c, err = ConfigFromEnv(envOf(map[string]string{"WHOOWNS_LEARN": "off"})); err != nil || c.Learn.Mode != bot.LearnOff {
		t.Fatalf("off: %+v, %v", c.Learn, err)
	}
	for env, want := range map[string]string{
		"WHOOWNS_LEARN=maybe":       `WHOOWNS_LEARN="maybe" must be on (learn by itself), review (wait for a lead's approval) or off (record nothing)`,
		"WHOOWNS_LEARN=yes":         `WHOOWNS_LEARN="yes" must be on`,
		"WHOOWNS_LEARN_AFTER=0":     `WHOOWNS_LEARN_AFTER="0" must be a whole number from 1 to 50`,
		"WHOOWNS_LEARN_AFTER=51":    `WHOOWNS_LEARN_AFTER="51" must be a whole number from 1 to 50`,
		"WHOOWNS_LEARN_AFTER=three": `WHOOWNS_LEARN_AFTER="three" must be a whole number from 1 to 50`,
	} {
		k, v, _ := strings.Cut(env, "=")
		if _, err := ConfigFromEnv(envOf(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", env, err, want)
		}
	}
}
