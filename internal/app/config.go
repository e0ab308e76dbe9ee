package app

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
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
	// (WHOOWNS_DEBUG_ADDR; keep it on loopback).
	DebugAddr string
	Logger    *slog.Logger
}

// Dedup key lifetimes: see Config.DedupTTL.
const (
	DefaultDedupTTL = 15 * time.Minute
	MinDedupTTL     = 10 * time.Minute
)

// ConfigFromEnv reads the configuration. A missing or malformed setting is an
// error that names the variable and says how to fix it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Addr: ":8080", QuestionsPerMinute: 30, CommandsPerMinute: 30, ShutdownTimeout: 20 * time.Second, Workers: 32, DedupTTL: DefaultDedupTTL}
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
	if v := strings.TrimSpace(getenv("WHOOWNS_DEBUG_ADDR")); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			fail("WHOOWNS_DEBUG_ADDR=%q is not a listen address; use host:port such as 127.0.0.1:6060", v)
		}
		c.DebugAddr = v
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

	if r, err := redisstore.ConfigFromEnv(getenv); err != nil {
		fail("%v", err)
	} else {
		c.Redis = r
	}

	bot, secret, appTok, api := getenv("SLACK_BOT_TOKEN"), getenv("SLACK_SIGNING_SECRET"), getenv("SLACK_APP_TOKEN"), getenv("SLACK_API_URL")
	if bot != "" || secret != "" || appTok != "" || api != "" {
		switch {
		case bot == "":
			fail("SLACK_BOT_TOKEN is missing: set it to the app's Bot User OAuth Token (xoxb-…)")
		case !strings.HasPrefix(bot, "xoxb-"):
			fail("SLACK_BOT_TOKEN does not look like a bot token: it starts with xoxb-")
		}
		if secret == "" && appTok == "" {
			fail("SLACK_SIGNING_SECRET is missing: set it to the app's Signing Secret (Basic Information page)")
		}
		if appTok != "" && !strings.HasPrefix(appTok, "xapp-") {
			fail("SLACK_APP_TOKEN does not look like an app-level token: it starts with xapp- (needed only for Socket Mode)")
		}
		if api != "" && !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
			fail("SLACK_API_URL=%q must be an http(s) URL such as https://slack.com/api/", api)
		}
		c.Slack = &slack.Config{BotToken: bot, SigningSecret: secret, AppToken: appTok, APIURL: api}
	}

	appID, pw := getenv("TEAMS_APP_ID"), getenv("TEAMS_APP_PASSWORD")
	meta, tok := getenv("TEAMS_OPENID_METADATA_URL"), getenv("TEAMS_TOKEN_URL")
	if appID != "" || pw != "" || meta != "" || tok != "" {
		if appID == "" {
			fail("TEAMS_APP_ID is missing: Teams settings need the bot's Microsoft app id (without it Bot Framework authentication would be off)")
		}
		if pw == "" {
			fail("TEAMS_APP_PASSWORD is missing: set it to the app registration's client secret")
		}
		for name, v := range map[string]string{"TEAMS_OPENID_METADATA_URL": meta, "TEAMS_TOKEN_URL": tok} {
			if v != "" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				fail("%s=%q must be an http(s) URL", name, v)
			}
		}
		c.Teams = &teams.Config{AppID: appID, AppPassword: pw, OpenIDMetadataURL: meta, TokenURL: tok}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
