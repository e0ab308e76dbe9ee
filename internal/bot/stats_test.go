package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/stats"
)

func TestSparkline(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   []int64
		want string
	}{
		{nil, ""},
		{[]int64{0, 0, 0}, "▁▁▁"},
		{[]int64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]int64{5}, "█"},
		{[]int64{1, 100}, "▂█"}, // any question at all shows above zero
		{[]int64{50, 100, 0}, "▅█▁"},
	} {
		if got := bot.Sparkline(c.in); got != c.want {
			t.Errorf("Sparkline(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestStatsCommand: questions, their outcomes, the fallback and what was
// picked under it, 👍/👎 and the teams asked about are counted as people
// use the bot, and "stats" shows them to a lead.
func TestStatsCommand(t *testing.T) {
	t.Parallel()
	var s *bot.Service
	var st ownership.Store
	s, mst := newService(t, bot.WithStats(stats.New(storeRef{&st}, stats.WithClock(func() time.Time { return now }))))
	st = mst
	ctx := context.Background()
	if got := commandText(t, s, lead, "stats"); !strings.Contains(got, "No questions were asked in these days.") || !strings.Contains(got, "Learned phrases: 0 known") {
		t.Errorf("stats before any question:\n%s", got)
	}
	ask(t, s, msg(dev, "C0CHECKOUT", "who owns the roadmap?"))
	ask(t, s, msg(dev, "C0CHECKOUT", "who writes the acceptance criteria?"))
	ask(t, s, msg(dev, "", "who fixes the coffee machine?"))
	ask(t, s, msg(stranger, "", "Who fixes the coffee machine"))
	q := mediumQuestion(t, s.Catalogue())
	a := ask(t, s, msg(dev, "C0CHECKOUT", q))
	if !a.Confirm {
		t.Fatal("the medium question did not confirm")
	}
	picked := a.Choices()[1]
	if _, err := s.Choose(ctx, msg(dev, "C0CHECKOUT", q), dev, picked.Intent, ""); err != nil {
		t.Fatal(err)
	}
	for _, h := range []bool{true, true, false} {
		if err := s.Feedback(ctx, msg(dev, "C0CHECKOUT", ""), "roadmap", h); err != nil {
			t.Fatal(err)
		}
	}
	roadmap, _ := s.Catalogue().Get("roadmap")
	got := commandText(t, s, lead, "stats")
	mustHave(t, got,
		"Usage, last 7 days (14 Nov – 20 Nov 2026, UTC)",
		"Questions per day: ▁▁▁▁▁▁█ · 5 in all, most on 20 Nov (5)",
		`answered 3 (60%), "I don't know" 2 (40%)`,
		"Two-stage fallback: 1 of 5 answers (20%) asked \"is that right?\"; people picked "+picked.Title+" ×1",
		"Feedback: "+roadmap.Title+" 👍 2 👎 1",
		"Most-asked teams: Checkout 3",
		"Top unanswered: \"Who fixes the coffee machine\" ×2 (`/ unanswered` lists them all)",
		"Learned phrases: 0 known (`/ learned` lists them)",
	)
	if got := commandText(t, s, lead, "stats 1"); !strings.Contains(got, "Usage, today (20 Nov – 20 Nov 2026, UTC)") {
		t.Errorf("stats 1:\n%s", got)
	}
	// 90 days, written "90d" too.
	if got := commandText(t, s, lead, "stats 90d"); !strings.Contains(got, "Usage, last 90 days (23 Aug – 20 Nov 2026, UTC)") {
		t.Errorf("stats 90d:\n%s", got)
	}
}

// storeRef lets the counter flush into a store made after it.
type storeRef struct{ st *ownership.Store }

func (r storeRef) AddStats(ctx context.Context, ds []ownership.StatsDelta) error {
	return (*r.st).AddStats(ctx, ds)
}

func mustHave(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}

// TestStatsDays: the days come from the store's daily counts, oldest
// first; the sparklines draw questions and the answered share per day.
func TestStatsDays(t *testing.T) {
	t.Parallel()
	s, st := newService(t)
	day := ownership.StatsDayOf(now)
	if err := st.AddStats(context.Background(), []ownership.StatsDelta{
		{Tenant: tenant, Day: day.AddDate(0, 0, -2), StatsCounts: ownership.StatsCounts{Questions: 8, Answered: 8, Teams: map[string]int64{"gone-team": 8}}},
		{Tenant: tenant, Day: day.AddDate(0, 0, -1), StatsCounts: ownership.StatsCounts{Questions: 4, Answered: 2, Unknown: 2}},
		{Tenant: tenant, Day: day.AddDate(0, 0, -5), StatsCounts: ownership.StatsCounts{Picks: map[string]int64{"no-such-intent": 2}}},
	}); err != nil {
		t.Fatal(err)
	}
	v, err := s.Stats(context.Background(), msg(lead, "", ""), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Days) != 3 || !v.From.Equal(day.AddDate(0, 0, -2)) || !v.To.Equal(day) || v.Total.Questions != 12 {
		t.Fatalf("view %+v", v)
	}
	got := statsText(v)
	mustHave(t, got,
		"Questions per day: █▅▁ · 12 in all, most on 18 Nov (8)",
		"Answered per day: █▅▁ · answered 10 (83%)",
		"Most-asked teams: gone-team 8", // a team deleted since shows its id
	)
	if strings.Contains(got, "no-such-intent") {
		t.Errorf("a day outside the range shows:\n%s", got)
	}
	if _, err := s.Stats(context.Background(), msg(dev, "", ""), 3); ownership.ErrorCode(err) != ownership.ErrForbidden {
		t.Errorf("a non-lead's stats: %v", err)
	}
}

func statsText(v bot.StatsView) string {
	var b strings.Builder
	for _, l := range v.Lines() {
		b.WriteString(l.Plain("/") + "\n")
	}
	return b.String()
}

// TestStatsUsage: stats takes one number of days, 1 to 90, and only from
// a lead; anything else says what was wrong and how to write it.
func TestStatsUsage(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	for _, c := range []struct{ text, want string }{
		{"stats 0", `"0" is not a number of days from 1 to 90.`},
		{"stats 91", `"91" is not a number of days from 1 to 90.`},
		{"stats week", `"week" is not a number of days from 1 to 90.`},
		{`stats "7"`, `"7" is not a number of days from 1 to 90.`},
		{"stats 7 8", "Give one number of days at most, from 1 to 90."},
	} {
		got := commandErr(t, s, lead, c.text, ownership.ErrInvalid)
		if !strings.Contains(got, c.want) || !strings.Contains(got, "`/ stats [days]`") {
			t.Errorf("%q: %s; want %q and the usage", c.text, got, c.want)
		}
	}
	commandErr(t, s, dev, "stats", ownership.ErrForbidden)
}

// TestStatsLooksLikeCommand: typed to the bot (Teams, Slack messages),
// "stats" with a number of days is the command; words after it make a
// question.
func TestStatsLooksLikeCommand(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"stats":                    true,
		"stats 30":                 true,
		"Stats 90d":                true,
		"stats for checkout":       false,
		"stats?":                   false,
		`stats "30"`:               false,
		"stats who owns them":      false,
		"stats dashboards owner":   false,
		"who owns the usage stats": false,
	} {
		if got := bot.LooksLikeCommand(text); got != want {
			t.Errorf("LooksLikeCommand(%q) = %v, want %v", text, got, want)
		}
	}
}
