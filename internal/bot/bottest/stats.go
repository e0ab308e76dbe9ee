package bottest

import (
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// Stats is a stats view at the bot's limits (every day of
// bot.MaxStatsDays counted, each ranked list full) whose intent titles,
// team names and questions are hostile: markup, mentions and links of
// both platforms, and the longest words.
func Stats() bot.StatsView {
	to := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	v := bot.StatsView{From: to.AddDate(0, 0, -(bot.MaxStatsDays - 1)), To: to, Learned: 1000, LearnedInRange: 12}
	for i := range bot.MaxStatsDays {
		q := int64((i * 37) % 91)
		d := ownership.StatsDay{Day: v.From.AddDate(0, 0, i), StatsCounts: ownership.StatsCounts{Questions: q, Answered: q * 3 / 4, Unknown: q / 5, Fallback: q / 6}}
		v.Days = append(v.Days, d)
		v.Total.Add(d.StatsCounts)
	}
	hostile := []string{
		"<!channel> *bold* _it_ ~s~ `code`",
		"<https://evil.example|Re-verify your SSO>",
		"[SSO](https://evil.example) <at>Admin</at>",
		"&lt;script&gt; & <b>",
		strings.Repeat("W", 80),
	}
	for i, h := range hostile {
		id := "intent_" + string(rune('a'+i))
		v.Picks = append(v.Picks, bot.IntentCount{Intent: id, Title: h, Count: int64(900 - i)})
		v.Feedback = append(v.Feedback, bot.IntentFeedback{Intent: id, Title: h, Helpful: int64(1000 - i), NotHelpful: int64(i)})
		v.Teams = append(v.Teams, bot.TeamCount{Team: bot.TeamRef{ID: "team-" + id, Name: h}, Count: int64(5000 - i)})
		v.Unanswered = append(v.Unanswered, bot.UnansweredCount{Question: strings.Repeat(h+" ", 20), Count: 50 - i})
	}
	return v
}

// WeekStats is an ordinary week of a stats view, for golden files.
func WeekStats() bot.StatsView {
	to := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	v := bot.StatsView{From: to.AddDate(0, 0, -6), To: to, Learned: 3, LearnedInRange: 1,
		Picks:      []bot.IntentCount{{Intent: "roadmap", Title: "Roadmap", Count: 3}, {Intent: "backlog_order", Title: "Backlog order", Count: 1}},
		Feedback:   []bot.IntentFeedback{{Intent: "roadmap", Title: "Roadmap", Helpful: 5, NotHelpful: 1}, {Intent: "acceptance", Title: "Acceptance criteria", NotHelpful: 2}},
		Teams:      []bot.TeamCount{{Team: bot.TeamRef{ID: "checkout", Name: "Checkout"}, Count: 14}, {Team: bot.TeamRef{ID: "payments", Name: "Payments"}, Count: 6}},
		Unanswered: []bot.UnansweredCount{{Question: "who fixes the coffee machine?", Count: 3}, {Question: "where is the holiday calendar", Count: 1}},
	}
	for i, q := range []int64{2, 5, 9, 4, 0, 1, 7} {
		d := ownership.StatsDay{Day: v.From.AddDate(0, 0, i), StatsCounts: ownership.StatsCounts{Questions: q, Answered: q - q/4, Unknown: q / 4, Fallback: q / 3}}
		v.Days = append(v.Days, d)
		v.Total.Add(d.StatsCounts)
	}
	return v
}
