package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/scheduler"
	"github.com/whoowns/whoowns/internal/slack"
	"github.com/whoowns/whoowns/internal/teams"
)

// Config is everything `whoowns serve` needs. ConfigFromEnv fills it from
// the environment; tests build it directly.
type Config struct {
	// Addr is the listen address (WHOOWNS_ADDR, default ":8080").
	Addr string
	// Slack and Teams are nil when that platform is not configured.
	Slack *slack.Config
	Teams *teams.Config
	// Redis selects the store; a zero value means the in-memory store
	// seeded with the sample teams.
	Redis redisstore.Config
	// Store, when set, is used instead of building one from Redis.
	Store ownership.Store
	// Admins are user ids that are leads from the start (WHOOWNS_ADMINS).
	Admins []string
	// Handover is how a holder's handover applies (WHOOWNS_HANDOVER):
	// "direct" at once; "" or "approve" as a request a lead approves.
	Handover string
	// Limits are per-user rate limits (WHOOWNS_RATE_QUESTIONS and
	// WHOOWNS_RATE_COMMANDS per minute; 0 turns a limit off).
	QuestionsPerMinute, CommandsPerMinute int
	// ShutdownTimeout bounds how long in-flight work may take after SIGTERM
	// (WHOOWNS_SHUTDOWN_TIMEOUT, default 20s).
	ShutdownTimeout time.Duration
	// Workers is the size of each transport's worker pool (WHOOWNS_WORKERS,
	// default 32): how many events one replica answers at once.
	Workers int
	// DedupTTL is how long a delivery's ids are remembered in Redis so that
	// a retry or a second subscription of the same message is answered once
	// (WHOOWNS_DEDUP_TTL, default 15m). Slack's last retry comes about six
	// minutes after the first attempt. Each answer keeps two small keys for
	// this long, so the TTL sets the Redis memory a busy workspace needs.
	DedupTTL time.Duration
	// DebugAddr, when set, serves Go's pprof profiles there
	// (WHOOWNS_DEBUG_ADDR). It must be a loopback address unless
	// WHOOWNS_DEBUG_ALLOW_REMOTE=1: profiles expose memory contents.
	DebugAddr string
	// MetricsAddr, when set, moves /metrics off the main listener onto its
	// own (WHOOWNS_METRICS_ADDR), for operators who don't want it public;
	// Go's pprof profiles are served there too when MetricsPprof is true.
	MetricsAddr string
	// MetricsPprof serves pprof on the metrics listener: ConfigFromEnv sets
	// it when WHOOWNS_METRICS_ADDR is a loopback address or
	// WHOOWNS_DEBUG_ALLOW_REMOTE=1 (profiles expose memory contents).
	MetricsPprof bool
	// MetricsListener, when set, is used instead of listening on
	// MetricsAddr (tests).
	MetricsListener net.Listener
	// PrivacyURL and TermsURL, when set, are where /privacy and /terms
	// redirect (WHOOWNS_PRIVACY_URL, WHOOWNS_TERMS_URL); unset, the bot
	// serves its own short pages there.
	PrivacyURL, TermsURL string
	// Learn is the learning loop: what the bot does with the answers
	// people pick under an unsure answer (WHOOWNS_LEARN: on, review or
	// off, default on) and after how many different people agreeing
	// (WHOOWNS_LEARN_AFTER, default 3).
	Learn bot.Learning
	// SlackInstall, when set, turns on Slack's OAuth install flow: any
	// number of workspaces install the app at /slack/install, and each is
	// served with its own token (see slackinstall.go).
	SlackInstall *SlackInstall
	// SchedulerTick is how often a replica looks for due work: reviews,
	// the end of covers, request expiry, retention (WHOOWNS_SCHEDULER_TICK, default 1m).
	SchedulerTick time.Duration
	// SchedulerLease, when set, is how long a claimed job is a replica's
	// before another may take it over (default five ticks, at least 30s);
	// tests shorten it.
	SchedulerLease time.Duration
	// ReviewAfter is how long an assignment may go unconfirmed before its
	// holder is asked whether it still stands (WHOOWNS_REVIEW_AFTER,
	// default 90 days; "off", or zero here, turns reviews off).
	ReviewAfter time.Duration
	// StatsInterval is how often the replica flushes the usage counts it
	// keeps in memory to the store (default stats.DefaultInterval, 5s): a
	// crash loses at most this long of counts. Tests shorten it.
	StatsInterval time.Duration
	// Digest is when each tenant's leads get their digest (WHOOWNS_DIGEST,
	// default Mondays at 09:00 UTC; the zero value, or "off", sends none).
	Digest bot.DigestSchedule
	// Clock, when set, replaces the wall clock of the service and the
	// scheduler (tests reach a digest's time without waiting for it).
	Clock  func() time.Time
	Logger *slog.Logger
}

// EnvVar is one environment variable whoowns reads.
type EnvVar struct {
	Name, Meaning string
}

// EnvVars is every environment variable whoowns reads, with its meaning in
// one line. `whoowns serve --help` prints it, and a test checks that the
// code names no variable that is missing here: add a variable here when the
// code starts reading it.
var EnvVars = []EnvVar{
	{"WHOOWNS_ADDR", "listen address (default :8080)"},
	{"WHOOWNS_ADMINS", "comma-separated user ids (Slack U…, Teams 29:…) that are leads from the start"},
	{"WHOOWNS_HANDOVER", "approve (default): a holder's handover waits for a lead's approval; direct: it applies at once"},
	{"REDIS_URL", "one Redis node: redis://[:password@]host:6379/0 (rediss:// for TLS); unset: in-memory sample data"},
	{"REDIS_SENTINEL_ADDRS", "Redis Sentinel: comma-separated host:port list (with REDIS_MASTER_NAME)"},
	{"REDIS_MASTER_NAME", "the master's name in Sentinel"},
	{"REDIS_CLUSTER_ADDRS", "Redis Cluster: comma-separated seed host:port list"},
	{"REDIS_PASSWORD", "password for Sentinel or Cluster"},
	{"SLACK_BOT_TOKEN", "Slack Bot User OAuth Token (xoxb-…)"},
	{"SLACK_SIGNING_SECRET", "Slack signing secret (Basic Information page); checks every HTTP request"},
	{"SLACK_APP_TOKEN", "Slack app-level token (xapp-…): receive over Socket Mode instead of HTTP"},
	{"SLACK_API_URL", "base URL of the Slack Web API (default Slack's; for proxies and tests)"},
	{"SLACK_CLIENT_ID", "installs in many workspaces: the app's Client ID (Basic Information); with the next four, SLACK_BOT_TOKEN is optional"},
	{"SLACK_CLIENT_SECRET", "installs: the app's Client Secret"},
	{"SLACK_STATE_SECRET", "installs: a random secret (at least 32 characters) that signs the OAuth state"},
	{"WHOOWNS_PUBLIC_URL", "installs: the https base URL Slack redirects installers to (…/slack/oauth_redirect)"},
	{"WHOOWNS_TOKEN_KEY", "installs: 32 random bytes in base64 (openssl rand -base64 32) that encrypt tokens at rest"},
	{"WHOOWNS_TOKEN_KEY_PREVIOUS", "installs: the previous WHOOWNS_TOKEN_KEY, still read while tokens are re-encrypted under the new one"},
	{"WHOOWNS_RETENTION_AFTER_UNINSTALL", "installs: how long an uninstalled Slack workspace's data is kept before it is deleted, so a reinstall finds it: 30d (default), any number of days, or a Go duration"},
	{"TEAMS_APP_ID", "the bot's Microsoft app id (a GUID)"},
	{"TEAMS_APP_PASSWORD", "the app registration's client secret"},
	{"TEAMS_OPENID_METADATA_URL", "Bot Framework OpenID metadata URL (default the public cloud's)"},
	{"TEAMS_TOKEN_URL", "Bot Framework token endpoint (default the multi-tenant public cloud's; single-tenant bots use their tenant's)"},
	{"TEAMS_ALLOWED_TENANTS", "comma-separated Microsoft 365 tenant ids served; activities of other tenants get 403 (unset: any tenant)"},
	{"WHOOWNS_RATE_QUESTIONS", "questions per user per minute and replica (default 30; 0 turns the limit off)"},
	{"WHOOWNS_RATE_COMMANDS", "commands per user per minute and replica (default 30; 0 turns the limit off)"},
	{"WHOOWNS_WORKERS", "answers one replica works on at once, per platform (default 32)"},
	{"WHOOWNS_DEDUP_TTL", "how long a delivery is remembered so a retry is answered once (default 15m, at least 10m)"},
	{"WHOOWNS_SHUTDOWN_TIMEOUT", "how long acknowledged work may finish after SIGTERM (default 20s)"},
	{"WHOOWNS_PRIVACY_URL", "where /privacy redirects (default: the bot serves its own privacy page)"},
	{"WHOOWNS_TERMS_URL", "where /terms redirects (default: the bot serves its own terms page)"},
	{"WHOOWNS_LOG_FORMAT", "json (default off a terminal) or text"},
	{"WHOOWNS_LOG_LEVEL", "debug, info (default), warn or error"},
	{"WHOOWNS_DEBUG_ADDR", "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (loopback only)"},
	{"WHOOWNS_METRICS_ADDR", "serve /metrics (and pprof, on a loopback address) on this address instead of the main one, e.g. 127.0.0.1:9090 or :9090"},
	{"WHOOWNS_DEBUG_ALLOW_REMOTE", "1 allows WHOOWNS_DEBUG_ADDR on a non-loopback address (profiles expose memory: firewall it)"},
	{"WHOOWNS_REVIEW_AFTER", "ask a role's holder whether it still stands when not confirmed for this long: 90d (default), 720h, … or off"},
	{"WHOOWNS_DIGEST", "when leads get their digest, in UTC: mon 09:00 (default), any day and HH:MM (fri 16:30), daily 09:00, or off"},
	{"WHOOWNS_SCHEDULER_TICK", "how often a replica looks for due work: reviews, ended covers, expired requests, retention (default 1m, at least 1s)"},
	{"WHOOWNS_TENANT", "the command line's default tenant: slack:T…, teams:<tenant id> or local (default local)"},
	{"WHOOWNS_LEARN", "on (default): a question becomes a taught phrase once enough people pick the same answer for it; review: it waits for a lead's `learned approve <n>`; off: picks are not recorded"},
	{"WHOOWNS_LEARN_AFTER", "how many different people must pick the same answer before a question is learned (default 3, 1 to 50)"},
}

// guid is the shape of a Microsoft app id.
var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s is a GUID such as 8f1c2a3b-0000-4000-8000-00000000abcd.
func IsGUID(s string) bool { return guid.MatchString(s) }

// Dedup key lifetimes: see Config.DedupTTL.
const (
	DefaultDedupTTL = 15 * time.Minute
	MinDedupTTL     = 10 * time.Minute
)

// ConfigFromEnv reads the configuration. A missing or malformed setting is an
// error that names the variable and says how to fix it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Addr: ":8080", QuestionsPerMinute: 30, CommandsPerMinute: 30, ShutdownTimeout: 20 * time.Second, Workers: 32, DedupTTL: DefaultDedupTTL,
		SchedulerTick: scheduler.DefaultTick, ReviewAfter: DefaultReviewAfter, Digest: bot.DefaultDigest()}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	if v := strings.TrimSpace(getenv("WHOOWNS_ADDR")); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			fail("WHOOWNS_ADDR=%q is not a listen address; use host:port or :port, e.g. :8080", v)
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			fail("WHOOWNS_ADDR=%q has a bad port; use a number from 0 to 65535", v)
		}
		c.Addr = v
	}
	for _, id := range strings.Split(getenv("WHOOWNS_ADMINS"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			if strings.ContainsAny(id, " <>@") {
				fail("WHOOWNS_ADMINS has %q, which is not a user id; list ids such as U0123ABC or 29:1abc…, separated by commas", id)
				continue
			}
			c.Admins = append(c.Admins, id)
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("WHOOWNS_HANDOVER"))); v {
	case "", "approve":
	case "direct":
		c.Handover = v
	default:
		fail("WHOOWNS_HANDOVER=%q is not a handover mode; use approve (the default: a lead approves each handover) or direct", v)
	}
	intVar := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				fail("%s=%q must be a whole number ≥ 0 (0 turns the limit off)", name, v)
				return
			}
			*dst = n
		}
	}
	intVar("WHOOWNS_RATE_QUESTIONS", &c.QuestionsPerMinute)
	intVar("WHOOWNS_RATE_COMMANDS", &c.CommandsPerMinute)
	intVar("WHOOWNS_WORKERS", &c.Workers)
	c.Learn = bot.Learning{Mode: bot.LearnOn, After: bot.DefaultLearnAfter}
	if v := getenv("WHOOWNS_LEARN"); strings.TrimSpace(v) != "" {
		m, err := bot.ParseLearnMode(v)
		if err != nil {
			fail("WHOOWNS_LEARN=%q must be on (learn by itself), review (wait for a lead's approval) or off (record nothing)", strings.TrimSpace(v))
		}
		c.Learn.Mode = m
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_LEARN_AFTER")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > bot.MaxLearnAfter {
			fail("WHOOWNS_LEARN_AFTER=%q must be a whole number from 1 to %d: how many different people must pick the same answer (default %d)", v, bot.MaxLearnAfter, bot.DefaultLearnAfter)
		} else {
			c.Learn.After = n
		}
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_DEBUG_ADDR")); v != "" {
		allow := strings.TrimSpace(getenv("WHOOWNS_DEBUG_ALLOW_REMOTE"))
		if host, _, err := net.SplitHostPort(v); err != nil {
			fail("WHOOWNS_DEBUG_ADDR=%q is not a listen address; use host:port such as 127.0.0.1:6060", v)
		} else if !isLoopback(host) && allow != "1" {
			fail("WHOOWNS_DEBUG_ADDR=%q is not a loopback address: pprof profiles expose the process's memory, so serve them on 127.0.0.1:6060 (reach it with kubectl port-forward or ssh -L), or set WHOOWNS_DEBUG_ALLOW_REMOTE=1 if a firewall guards that address", v)
		}
		c.DebugAddr = v
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_METRICS_ADDR")); v != "" {
		host, port, err := net.SplitHostPort(v)
		if err != nil || port == "" {
			fail("WHOOWNS_METRICS_ADDR=%q is not a listen address; use host:port such as 127.0.0.1:9090, or :9090 for every interface", v)
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			fail("WHOOWNS_METRICS_ADDR=%q has a bad port; use a number from 0 to 65535", v)
		} else if v == c.Addr || (c.DebugAddr != "" && v == c.DebugAddr) {
			fail("WHOOWNS_METRICS_ADDR=%q is already WHOOWNS_ADDR or WHOOWNS_DEBUG_ADDR; give it an address of its own", v)
		}
		c.MetricsAddr = v
		c.MetricsPprof = isLoopback(host) || strings.TrimSpace(getenv("WHOOWNS_DEBUG_ALLOW_REMOTE")) == "1"
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_DEBUG_ALLOW_REMOTE")); v != "" && v != "1" && v != "0" {
		fail("WHOOWNS_DEBUG_ALLOW_REMOTE=%q: use 1 to allow a non-loopback WHOOWNS_DEBUG_ADDR, or leave it unset", v)
	}
	for _, u := range []struct {
		name string
		dst  *string
	}{{"WHOOWNS_PRIVACY_URL", &c.PrivacyURL}, {"WHOOWNS_TERMS_URL", &c.TermsURL}} {
		if v := strings.TrimSpace(getenv(u.name)); v != "" {
			if p, err := url.Parse(v); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
				fail("%s=%q must be an absolute http(s) URL such as https://example.com/whoowns/privacy", u.name, v)
			}
			*u.dst = v
		}
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_SHUTDOWN_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fail("WHOOWNS_SHUTDOWN_TIMEOUT=%q must be a positive duration such as 20s", v)
		}
		c.ShutdownTimeout = d
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_DEDUP_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			fail("WHOOWNS_DEDUP_TTL=%q is not a duration; use e.g. 15m or 1h", v)
		case d < MinDedupTTL:
			fail("WHOOWNS_DEDUP_TTL=%q is too short: Slack retries a delivery for about six minutes, so use at least %s (default %s)", v, MinDedupTTL, DefaultDedupTTL)
		}
		c.DedupTTL = d
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_SCHEDULER_TICK")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			fail("WHOOWNS_SCHEDULER_TICK=%q is not a duration; use e.g. 1m or 30s", v)
		case d < time.Second:
			fail("WHOOWNS_SCHEDULER_TICK=%q is too short: use at least 1s (default %s)", v, scheduler.DefaultTick)
		}
		c.SchedulerTick = d
	}

	if v := strings.TrimSpace(getenv("WHOOWNS_REVIEW_AFTER")); v != "" {
		d, err := ParseDays(v)
		if err != nil {
			fail("WHOOWNS_REVIEW_AFTER=%q %v; use a number of days such as 90d, a duration such as 720h, or off", v, err)
		}
		c.ReviewAfter = d
	}
	if v := strings.TrimSpace(getenv("WHOOWNS_DIGEST")); v != "" {
		d, err := bot.ParseDigestSchedule(v)
		if err != nil {
			fail("WHOOWNS_DIGEST=%q %v; use a day and a UTC time such as mon 09:00 or fri 16:30, daily 09:00, or off", v, err)
		}
		c.Digest = d
	}
	if r, err := redisstore.ConfigFromEnv(getenv); err != nil {
		fail("%v", err)
	} else {
		c.Redis = r
	}

	bot, secret, appTok, api := getenv("SLACK_BOT_TOKEN"), getenv("SLACK_SIGNING_SECRET"), getenv("SLACK_APP_TOKEN"), getenv("SLACK_API_URL")
	inst, instErrs := slackInstallFromEnv(getenv)
	errs = append(errs, instErrs...)
	if bot != "" || secret != "" || appTok != "" || api != "" || inst != nil {
		switch {
		case bot == "" && inst != nil:
			// Installed workspaces bring their own tokens.
		case bot == "":
			fail("SLACK_BOT_TOKEN is missing: set it to the app's Bot User OAuth Token (xoxb-…), or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, WHOOWNS_PUBLIC_URL and WHOOWNS_TOKEN_KEY to install the app in workspaces through /slack/install")
		case !strings.HasPrefix(bot, "xoxb-"):
			fail("SLACK_BOT_TOKEN is not a bot token: a bot token starts with xoxb-%s; use the Bot User OAuth Token from the app's OAuth & Permissions page", tokenKind(bot))
		}
		if secret == "" && appTok == "" {
			fail("SLACK_SIGNING_SECRET is missing: set it to the app's Signing Secret (Basic Information page)")
		}
		if appTok != "" && !strings.HasPrefix(appTok, "xapp-") {
			fail("SLACK_APP_TOKEN is not an app-level token: an app-level token starts with xapp-%s; create one with the connections:write scope on the app's Basic Information page (needed only for Socket Mode)", tokenKind(appTok))
		}
		if api != "" && !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
			fail("SLACK_API_URL=%q must be an http(s) URL such as https://slack.com/api/", api)
		}
		c.Slack = &slack.Config{BotToken: bot, SigningSecret: secret, AppToken: appTok, APIURL: api}
		c.SlackInstall = inst
	}

	appID, pw := getenv("TEAMS_APP_ID"), getenv("TEAMS_APP_PASSWORD")
	meta, tok := getenv("TEAMS_OPENID_METADATA_URL"), getenv("TEAMS_TOKEN_URL")
	tenants := strings.TrimSpace(getenv("TEAMS_ALLOWED_TENANTS"))
	if appID != "" || pw != "" || meta != "" || tok != "" || tenants != "" {
		if appID == "" {
			fail("TEAMS_APP_ID is missing: Teams settings need the bot's Microsoft app id (without it Bot Framework authentication would be off)")
		} else if !IsGUID(strings.TrimSpace(appID)) {
			fail("TEAMS_APP_ID=%q is not a Microsoft app id: use the Application (client) ID of the bot's app registration, a GUID such as 8f1c2a3b-1d2e-4f50-9a6b-7c8d9e0f1a2b", appID)
		}
		if pw == "" {
			fail("TEAMS_APP_PASSWORD is missing: set it to the app registration's client secret")
		}
		for name, v := range map[string]string{"TEAMS_OPENID_METADATA_URL": meta, "TEAMS_TOKEN_URL": tok} {
			if v != "" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				fail("%s=%q must be an http(s) URL", name, v)
			}
		}
		var allowed []string
		for _, t := range strings.Split(tenants, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if !IsGUID(t) {
				fail("TEAMS_ALLOWED_TENANTS has %q, which is not a tenant id; list Microsoft 365 tenant ids (GUIDs such as 72f988bf-86f1-41af-91ab-2d7cd011db47), separated by commas", t)
				continue
			}
			allowed = append(allowed, t)
		}
		if tenants != "" && len(allowed) == 0 && len(errs) == 0 {
			fail("TEAMS_ALLOWED_TENANTS=%q names no tenant; list tenant ids separated by commas, or unset it to serve any tenant", tenants)
		}
		c.Teams = &teams.Config{AppID: strings.TrimSpace(appID), AppPassword: pw, OpenIDMetadataURL: meta, TokenURL: tok, AllowedTenants: allowed}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// tokenKind says what a mistaken Slack token looks like instead, for the
// error message.
func tokenKind(tok string) string {
	for _, k := range []struct{ prefix, kind string }{
		{"xoxp-", "a user token"}, {"xapp-", "an app-level token"}, {"xoxb-", "a bot token"},
		{"xoxe", "a refresh or configuration token"}, {"xoxa-", "a workspace token"},
	} {
		if strings.HasPrefix(tok, k.prefix) {
			return ", and this one starts with " + k.prefix + " (" + k.kind + ")"
		}
	}
	return ""
}

// isLoopback reports whether a listen host only accepts local connections.
// An empty host listens on every interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DefaultReviewAfter is WHOOWNS_REVIEW_AFTER's default.
const DefaultReviewAfter = 90 * 24 * time.Hour

// ParseDays reads a period: "off" (zero), "<n>d" days, or a Go duration
// ("720h", "2s"); it must be positive.
func ParseDays(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "off" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3650 {
			return 0, fmt.Errorf("is not a number of days from 1 to 3650")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("is not a period")
	case d <= 0:
		return 0, fmt.Errorf("is not positive")
	}
	return d, nil
}
