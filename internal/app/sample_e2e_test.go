package app

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/slack/fakeslack"
)

// startFromEnv runs a Slack replica configured from env as `whoowns serve`
// configures itself (ConfigFromEnv): without REDIS_* settings it is the
// in-memory store with the sample teams.
func startFromEnv(t *testing.T, fake *fakeslack.Server, env map[string]string) *slackApp {
	t.Helper()
	vars := map[string]string{"SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": e2eSecret, "SLACK_API_URL": fake.APIURL()}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := ConfigFromEnv(envOf(vars))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &slackApp{w: &slackWorld{t: t, fake: fake}, app: a, url: serveApp(t, a)}
}

// TestSlackE2ESampleTeamsAreReviewed: `serve` without Redis gives a
// workspace the sample teams the first time it is seen; they are planned
// like imported data, so their holders are asked to review their roles
// (WHOOWNS_REVIEW_AFTER) without anyone changing anything first.
func TestSlackE2ESampleTeamsAreReviewed(t *testing.T) {
	t.Parallel()
	fake := fakeslack.New(t)
	fake.AddWorkspace(fakeslack.Workspace{Token: "xoxb-e2e", TeamID: e2eTeam})
	a := startFromEnv(t, fake, map[string]string{"WHOOWNS_REVIEW_AFTER": "2s", "WHOOWNS_SCHEDULER_TICK": "1s"})
	a.event("EvFirst", e2eMention(pNobody, chCheck, "1700000100.000001", "who is the PO for checkout?"))
	mustContain(t, "the answer", a.w.answerIn(chCheck, "1700000100.000001").AllText(), "<@"+pMarco+">")
	q := fake.WaitCall(t, "chat.postMessage", e2eWait, func(c fakeslack.Call) bool {
		return c.Params["channel"] == "D"+pPriya && strings.Contains(c.AllText(), "Are you still the Product Manager of *Checkout*?")
	})
	if _, ok := q.Element("review_yes"); !ok {
		t.Fatalf("review without Yes: %s", q.AllText())
	}
}
