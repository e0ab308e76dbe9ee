package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/slack"
)

// TestServeFlushesStatsOnShutdown: usage counted in a replica's memory is
// flushed to Redis when it shuts down, after its transports drained, even
// long before the next periodic flush.
func TestServeFlushesStatsOnShutdown(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	st := redisstore.New(w.client, redisstore.WithPrefix(w.prefix))
	a, err := New(Config{
		Slack:         &slack.Config{BotToken: "xoxb-e2e", SigningSecret: e2eSecret, APIURL: w.fake.APIURL(), Workers: 1},
		Store:         st,
		StatsInterval: time.Hour, // no periodic flush during the test
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	s := &slackApp{w: w, app: a, url: "http://" + ln.Addr().String()}
	s.event("EvStats1", e2eDM(pJules, "1700000001.000001", "who owns the roadmap?"))
	s.event("EvStats2", e2eDM(pNobody, "1700000001.000002", "who fixes the coffee machine?"))
	w.answerIn("D"+pJules, "")
	w.answerIn("D"+pNobody, "")
	tenant := ownership.TenantID("slack:" + e2eTeam)
	if r, err := st.Stats(context.Background(), tenant, time.Now(), time.Now()); err != nil || !r.Total().IsZero() {
		t.Fatalf("before shutdown the store has %+v, %v; want nothing yet", r.Total(), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r, err := st.Stats(context.Background(), tenant, time.Now(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Total(); got.Questions != 2 || got.Answered != 1 || got.Unknown != 1 || got.Teams["checkout"] != 1 {
		t.Errorf("after shutdown the store has %+v; want 2 questions, 1 answered for checkout, 1 unknown", got)
	}
}

// TestSlackE2EStats: questions asked and 👍/👎 given through the real
// wiring show in a lead's /whoowns stats and App Home: how many, how they
// were answered, the feedback per intent, the team asked about and the
// question the bot could not answer.
func TestSlackE2EStats(t *testing.T) {
	t.Parallel()
	w := newSlackWorld(t)
	a := w.start("")
	a.event("EvSt1", e2eMention(pJules, chCheck, "1700000600.000001", "who writes the acceptance criteria?"))
	ans := w.answerIn(chCheck, "1700000600.000001")
	up, ok := ans.Element("helpful")
	if !ok || up.Value == "" {
		t.Fatalf("answer has no 👍: %+v", ans.Elements())
	}
	a.event("EvSt2", e2eDM(pNobody, "1700000600.000002", "who fixes the <coffee> machine?"))
	w.answerIn("D"+pNobody, "")
	vote := func(user, action string) {
		t.Helper()
		a.click(map[string]any{
			"type": "block_actions", "team": map[string]any{"id": e2eTeam}, "user": map[string]any{"id": user},
			"container": map[string]any{"type": "message", "channel_id": chCheck, "thread_ts": "1700000600.000001", "message_ts": "1700000600.000009"},
			"channel":   map[string]any{"id": chCheck}, "message": map[string]any{"thread_ts": "1700000600.000001", "ts": "1700000600.000009"},
			"response_url": w.fake.ResponseURL("v"),
			"actions":      []any{map[string]any{"action_id": action, "block_id": "fb", "type": "button", "value": up.Value, "action_ts": fmt.Sprint(triggers.Add(1))}},
		})
	}
	vote(pJules, "helpful")
	vote(pPriya, "not_helpful")
	w.fake.WaitCalls(t, "chat.postEphemeral", 2, e2eWait)
	a.sentinel("S") // a third question, from someone on no team: asked back which team

	text := a.command(pLead, "morgan", "stats")
	mustContain(t, "stats", text,
		"*Usage, last 7 days*",
		"*Questions per day:* ▁▁▁▁▁▁█ · 3 in all",
		`answered 1 (33%), "I don't know" 1 (33%), asked back which team 1`,
		"👍 1 👎 1",
		"*Most-asked teams:* Checkout 1",
		`*Top unanswered:* "who fixes the &lt;coffee&gt; machine?"`,
		"*Learned phrases:* 0 known",
	)
	if got := a.command(pJules, "jules", "stats"); !strings.Contains(got, "Only leads") {
		t.Errorf("a non-lead's stats: %q", got)
	}
	if got := a.command(pLead, "morgan", "stats 365"); !strings.Contains(got, `"365" is not a number of days from 1 to 90.`) {
		t.Errorf("stats 365: %q", got)
	}

	a.event("EvStHome", homeOpened(pLead))
	raw, _ := json.Marshal(w.homeView(pLead, 1))
	mustContain(t, "lead's App Home", string(raw), "*Usage, last 7 days*", "3 in all", "👍 1 👎 1")
}

// TestTeamsE2EStats: the same on Teams: questions in a channel and a 👍
// on the answer card show in a lead's "stats" and on the home card.
func TestTeamsE2EStats(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)
	w.post(w.say("q1", e2eCarol, "who writes the acceptance criteria?"))
	answer := w.next("reply")
	var up map[string]any
	for _, a := range answer.out.Attachments {
		for _, act := range a.Content.Actions {
			if act.Data["whoowns"] == "feedback" && act.Data["helpful"] == true {
				up = act.Data
			}
		}
	}
	if up == nil {
		t.Fatalf("the answer card has no 👍 button: %+v", answer.out.Attachments)
	}
	w.post(w.say("q2", e2eAlice, "who fixes the coffee machine?"))
	w.next("reply")
	w.post(w.vote("v1", e2eCarol, answer, up))
	w.next("create")
	if s := w.next("send"); !strings.Contains(s.out.Text, "Thanks for the feedback") {
		t.Fatalf("vote answered %q", s.out.Text)
	}

	w.post(w.dm("s1", e2eLead, "stats"))
	r := w.next("reply")
	text := r.out.Text + cardText(r)
	mustContain(t, "stats", text,
		"**Usage, last 7 days**",
		"▁▁▁▁▁▁█ · 2 in all",
		`answered 1 (50%), "I don't know" 1 (50%)`,
		"👍 1 👎 0",
		"**Most-asked teams:** Checkout 1",
		`"who fixes the coffee machine?"`,
	)
	w.post(w.dm("h1", e2eLead, "home"))
	home := w.next("reply")
	mustContain(t, "lead's home card", cardText(home), "**Usage, last 7 days**", "2 in all", `answered 1 (50%)`)
}
