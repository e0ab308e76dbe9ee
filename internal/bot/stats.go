package bot

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Days a stats view covers: "stats" alone, and the most "stats <days>"
// takes (every day the stores keep).
const (
	DefaultStatsDays = 7
	MaxStatsDays     = ownership.StatsRetention
)

// statsTop is how many entries each ranked list of a stats view keeps.
const statsTop = 5

// StatsView is how the bot was used over a range of days, as leads read
// it: the stats command, the App Home section and the Teams card.
// Renderers show Lines; the fields are there for tests and richer views.
type StatsView struct {
	// From and To are the range's first and last UTC days.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Days holds each day's counts, oldest first.
	Days  []ownership.StatsDay  `json:"days"`
	Total ownership.StatsCounts `json:"total"`
	// Picks are the intents picked under unsure answers, most first.
	Picks []IntentCount `json:"picks,omitempty"`
	// Feedback is 👍/👎 per intent, most votes first.
	Feedback []IntentFeedback `json:"feedback,omitempty"`
	// Teams are the most-asked teams.
	Teams []TeamCount `json:"teams,omitempty"`
	// Unanswered are the questions of the range the bot could not
	// answer, grouped as "unanswered" groups them, most asked first.
	Unanswered []UnansweredCount `json:"unanswered,omitempty"`
	// Learned is how many phrases the bot learned from people's picks
	// and still knows; LearnedInRange how many of them in the range.
	Learned        int `json:"learned"`
	LearnedInRange int `json:"learned_in_range"`
}

// IntentCount is an intent with a count.
type IntentCount struct {
	Intent string `json:"intent"`
	Title  string `json:"title"`
	Count  int64  `json:"count"`
}

// IntentFeedback is an intent's 👍 and 👎.
type IntentFeedback struct {
	Intent     string `json:"intent"`
	Title      string `json:"title"`
	Helpful    int64  `json:"helpful"`
	NotHelpful int64  `json:"not_helpful"`
}

// TeamCount is a team with how many questions were answered for it.
type TeamCount struct {
	Team  TeamRef `json:"team"`
	Count int64   `json:"count"`
}

// UnansweredCount is a question asked Count times in the range.
type UnansweredCount struct {
	Question string `json:"question"`
	Count    int    `json:"count"`
}

// Stats builds the stats view of the last days (1..MaxStatsDays) up to
// today, for a lead. This replica's counts not yet flushed are flushed
// first, so they are in it; another replica's reach the store within its
// flush interval.
func (s *Service) Stats(ctx context.Context, m Message, days int) (StatsView, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return StatsView{}, err
	}
	if err := live(d, false); err != nil {
		return StatsView{}, err
	}
	if !s.isLead(d, m) {
		return StatsView{}, forbidden("stats")
	}
	return s.statsView(ctx, d, m.Tenant, days)
}

func (s *Service) statsView(ctx context.Context, d *ownership.Directory, tenant ownership.TenantID, days int) (StatsView, error) {
	if days < 1 || days > MaxStatsDays {
		return StatsView{}, ownership.Errorf(ownership.ErrInvalid, "Statistics cover 1 to %d days.", MaxStatsDays)
	}
	if err := s.stats.Flush(ctx); err != nil {
		s.log.Warn("statistics not flushed before a report; it lacks this replica's latest counts", "err", err)
	}
	to := ownership.StatsDayOf(s.now())
	from := to.AddDate(0, 0, -(days - 1))
	r, err := s.store.Stats(ctx, tenant, from, to)
	if err != nil {
		return StatsView{}, err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return StatsView{}, err
	}
	v := StatsView{From: from, To: to, Days: r.Days, Total: r.Total()}
	title := func(id string) string {
		if in, ok := cat.Summary(id); ok && in.Title != "" {
			return in.Title
		}
		return id
	}
	for id, n := range v.Total.Picks {
		v.Picks = append(v.Picks, IntentCount{Intent: id, Title: title(id), Count: n})
	}
	sort.Slice(v.Picks, func(i, j int) bool {
		if v.Picks[i].Count != v.Picks[j].Count {
			return v.Picks[i].Count > v.Picks[j].Count
		}
		return v.Picks[i].Intent < v.Picks[j].Intent
	})
	v.Picks = v.Picks[:min(len(v.Picks), statsTop)]
	for id, f := range v.Total.Feedback() {
		v.Feedback = append(v.Feedback, IntentFeedback{Intent: id, Title: title(id), Helpful: f.Helpful, NotHelpful: f.NotHelpful})
	}
	sort.Slice(v.Feedback, func(i, j int) bool {
		a, b := v.Feedback[i], v.Feedback[j]
		if a.Helpful+a.NotHelpful != b.Helpful+b.NotHelpful {
			return a.Helpful+a.NotHelpful > b.Helpful+b.NotHelpful
		}
		return a.Intent < b.Intent
	})
	v.Feedback = v.Feedback[:min(len(v.Feedback), statsTop)]
	for id, n := range v.Total.Teams {
		ref := TeamRef{ID: id, Name: id}
		if t := d.Teams[id]; t != nil {
			ref.Name = t.Name
		}
		v.Teams = append(v.Teams, TeamCount{Team: ref, Count: n})
	}
	sort.Slice(v.Teams, func(i, j int) bool {
		if v.Teams[i].Count != v.Teams[j].Count {
			return v.Teams[i].Count > v.Teams[j].Count
		}
		return v.Teams[i].Team.Name < v.Teams[j].Team.Name
	})
	v.Teams = v.Teams[:min(len(v.Teams), statsTop)]

	qs, err := s.store.Unanswered(ctx, tenant, unansweredRead)
	if err != nil {
		return StatsView{}, err
	}
	inRange := qs[:0:0]
	for _, q := range qs {
		if !q.At.Before(from) {
			inRange = append(inRange, q)
		}
	}
	groups := groupUnanswered(inRange, d)
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Count > groups[j].Count })
	for _, g := range groups[:min(len(groups), statsTop)] {
		v.Unanswered = append(v.Unanswered, UnansweredCount{Question: g.Latest.Text, Count: g.Count})
	}
	for _, p := range d.Phrases {
		if p.Learned() {
			v.Learned++
			if !p.At.Before(from) {
				v.LearnedInRange++
			}
		}
	}
	return v, nil
}

// sparkBlocks are the eight heights of a Unicode block sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as Unicode blocks, lowest ▁ to highest █; a
// value of zero is the lowest block, and all zeros are a flat line.
func Sparkline(values []int64) string {
	var top int64
	for _, v := range values {
		top = max(top, v)
	}
	return sparkline(values, top)
}

// sparkline draws values on a scale whose █ is top.
func sparkline(values []int64, top int64) string {
	var b strings.Builder
	for _, v := range values {
		i := 0
		if top > 0 && v > 0 {
			i = int(min((v*int64(len(sparkBlocks)-1)+top-1)/top, int64(len(sparkBlocks)-1)))
		}
		b.WriteRune(sparkBlocks[i])
	}
	return b.String()
}

// Questions returns the questions asked each day, oldest first.
func (v StatsView) Questions() []int64 {
	out := make([]int64, len(v.Days))
	for i, d := range v.Days {
		out[i] = d.Questions
	}
	return out
}

// AnsweredShare returns each day's answered questions in percent of its
// questions (0 for a day without questions), oldest first.
func (v StatsView) AnsweredShare() []int64 {
	out := make([]int64, len(v.Days))
	for i, d := range v.Days {
		if d.Questions > 0 {
			out[i] = d.Answered * 100 / d.Questions
		}
	}
	return out
}

// percent says n of total in whole percent.
func percent(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return strconv.FormatInt((n*100+total/2)/total, 10) + "%"
}

// Title is the view's heading: "Usage, last 7 days (30 Nov – 6 Dec 2026, UTC)".
func (v StatsView) Title() rich.Text {
	n := len(v.Days)
	span := "today"
	if n > 1 {
		span = "last " + strconv.Itoa(n) + " days"
	}
	return rich.Sprintf("%s (%s – %s, UTC)", rich.Strong("Usage, "+span), v.From.Format("2 Jan"), day(v.To))
}

// statsSummaryLines is how many of Lines Summary keeps: the heading,
// questions, answered and the fallback.
const statsSummaryLines = 4

// Summary is the head of Lines, for a view with little room (the Teams
// home card): the heading, questions and answers per day, the fallback,
// and where the rest is.
func (v StatsView) Summary() []rich.Text {
	ls := v.Lines()
	if len(ls) <= statsSummaryLines+1 {
		return ls
	}
	return append(ls[:statsSummaryLines:statsSummaryLines],
		rich.Sprintf("%s adds 👍/👎 per answer, the most-asked teams, the top unanswered questions and the learned phrases.", rich.Command("stats [days]")))
}

// Lines are the view as text, one line per topic, heading first.
func (v StatsView) Lines() []rich.Text {
	t := v.Total
	lines := []rich.Text{v.Title()}
	if t.Questions == 0 {
		lines = append(lines, rich.Plain("No questions were asked in these days."))
	} else {
		busiest := v.Days[0]
		for _, d := range v.Days {
			if d.Questions > busiest.Questions {
				busiest = d
			}
		}
		lines = append(lines,
			rich.Sprintf("%s %s · %d in all, most on %s (%d)", rich.Strong("Questions per day:"), Sparkline(v.Questions()), t.Questions, busiest.Day.Format("2 Jan"), busiest.Questions),
			rich.Sprintf("%s %s · answered %d (%s), \"I don't know\" %d (%s)", rich.Strong("Answered per day:"), sparkline(v.AnsweredShare(), 100),
				t.Answered, percent(t.Answered, t.Questions), t.Unknown, percent(t.Unknown, t.Questions)))
		if other := t.Questions - t.Answered - t.Unknown; other > 0 {
			lines[len(lines)-1] = append(lines[len(lines)-1], rich.Sprintf(", asked back which team %d", other)...)
		}
		fb := rich.Sprintf("%s %d of %d answers (%s) asked \"is that right?\"", rich.Strong("Two-stage fallback:"), t.Fallback, t.Questions, percent(t.Fallback, t.Questions))
		if len(v.Picks) > 0 {
			picks := make([]rich.Text, len(v.Picks))
			for i, p := range v.Picks {
				picks[i] = rich.Sprintf("%s ×%d", p.Title, p.Count)
			}
			fb = rich.Concat(fb, rich.Plain("; people picked "), rich.Join(picks, ", "))
		}
		lines = append(lines, fb)
	}
	if len(v.Feedback) > 0 {
		fs := make([]rich.Text, len(v.Feedback))
		for i, f := range v.Feedback {
			fs[i] = rich.Sprintf("%s 👍 %d 👎 %d", f.Title, f.Helpful, f.NotHelpful)
		}
		lines = append(lines, rich.Concat(rich.Strong("Feedback:"), rich.Plain(" "), rich.Join(fs, " · ")))
	}
	if len(v.Teams) > 0 {
		ts := make([]rich.Text, len(v.Teams))
		for i, tc := range v.Teams {
			ts[i] = rich.Sprintf("%s %d", tc.Team.Name, tc.Count)
		}
		lines = append(lines, rich.Concat(rich.Strong("Most-asked teams:"), rich.Plain(" "), rich.Join(ts, " · ")))
	}
	if len(v.Unanswered) > 0 {
		us := make([]rich.Text, len(v.Unanswered))
		for i, u := range v.Unanswered {
			us[i] = rich.Sprintf("%q", clip(u.Question, maxStatsQuestion))
			if u.Count > 1 {
				us[i] = append(us[i], rich.Sprintf(" ×%d", u.Count)...)
			}
		}
		lines = append(lines, rich.Sprintf("%s %s (%s lists them all)", rich.Strong("Top unanswered:"), rich.Join(us, " · "), rich.Command("unanswered")))
	}
	learned := rich.Sprintf("%s %d known", rich.Strong("Learned phrases:"), v.Learned)
	if v.LearnedInRange > 0 {
		learned = append(learned, rich.Sprintf(", %d learned in these days", v.LearnedInRange)...)
	}
	lines = append(lines, rich.Sprintf("%s (%s lists them)", learned, rich.Command("learned")))
	return lines
}

// maxStatsQuestion is how much of an unanswered question a stats view
// quotes.
const maxStatsQuestion = 80

// clip shortens s to n characters, with an ellipsis when cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// stats runs "stats [days]".
func (c *cmd) stats(ctx context.Context) (CommandResult, error) {
	days := DefaultStatsDays
	switch len(c.args) {
	case 0:
	case 1:
		n, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(c.args[0].text), "d"))
		if err != nil || n < 1 || n > MaxStatsDays || c.args[0].quoted {
			return CommandResult{}, c.usage("%q is not a number of days from 1 to %d.", c.args[0].text, MaxStatsDays)
		}
		days = n
	default:
		return CommandResult{}, c.usage("Give one number of days at most, from 1 to %d.", MaxStatsDays)
	}
	v, err := c.s.statsView(ctx, c.d, c.m.Tenant, days)
	if err != nil {
		return CommandResult{}, err
	}
	return CommandResult{Text: rich.Lines(v.Lines()...)}, nil
}
