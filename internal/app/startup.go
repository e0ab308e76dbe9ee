package app

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// platforms names what the replica serves, for the start-up log.
func (a *App) platforms() []string {
	var p []string
	if s := a.cfg.Slack; s != nil {
		if s.AppToken != "" {
			p = append(p, "slack (Socket Mode)")
		} else {
			p = append(p, "slack (HTTP: /slack/events, /slack/commands, /slack/interactivity)")
		}
	}
	if a.cfg.Teams != nil {
		p = append(p, "teams (HTTP: /api/messages)")
	}
	return p
}

// storeDescription says where the ownership data lives, without passwords.
func (a *App) storeDescription() (kind, where string) {
	r := a.cfg.Redis
	switch {
	case !a.ownStore:
		return "provided", ""
	case r.URL != "":
		if u, err := url.Parse(r.URL); err == nil {
			return "redis", u.Redacted()
		}
		return "redis", "(unparsable URL)"
	case len(r.SentinelAddrs) > 0:
		return "redis-sentinel", "master " + r.MasterName + " via " + strings.Join(r.SentinelAddrs, ",")
	case len(r.ClusterAddrs) > 0:
		return "redis-cluster", strings.Join(r.ClusterAddrs, ",")
	}
	return "memory", ""
}

// logStartup says what this replica serves and from which store, warns
// loudly when that is the in-memory sample data, and reports an
// unreachable Redis at error level (not only on /readyz).
func (a *App) logStartup(ctx context.Context, addr string) {
	kind, where := a.storeDescription()
	a.log.Info("whoowns serving", "addr", addr, "platforms", a.platforms(), "store", kind, "redis", where)
	if kind == "memory" {
		a.log.Warn("NO REDIS CONFIGURED: answering from in-memory sample teams; changes are lost on restart and replicas do not share them. Set REDIS_URL (or REDIS_SENTINEL_ADDRS / REDIS_CLUSTER_ADDRS) for real use",
			"store", kind)
		return
	}
	if kind == "provided" {
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if err := a.store.Ping(pctx); err != nil {
		a.log.Error("Redis is unreachable at start-up: questions get an 'unavailable' notice and /readyz answers 503 until it answers",
			"store", kind, "redis", where, "err", err)
	}
}
