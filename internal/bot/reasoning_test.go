package bot_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// reasoningPlain is Reasoning as plain text: its lines that show
// something, one a line.
func reasoningPlain(a bot.Answer) string {
	var b []byte
	for _, l := range a.Reasoning() {
		if l.Empty() {
			continue
		}
		if len(b) > 0 {
			b = append(b, '\n')
		}
		b = l.AppendPlain(b, rich.DefaultPrefix)
	}
	return string(b)
}

// TestAppendReasoning: AppendReasoning writes what Reasoning says, for
// every kind of line it has.
func TestAppendReasoning(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	t1 := t0.Add(50 * time.Hour)
	priya := ownership.Person{ID: "U01", Name: "Priya"}
	noName := ownership.Person{ID: "U02"}
	holders := []bot.Holder{
		{Role: ownership.ProductManager, RoleName: "Product Manager"},
		{Role: ownership.ProductOwner, RoleName: "Product Owner", Vacated: &ownership.Vacancy{Person: noName, Since: t0, Reason: "left"}},
		{RoleName: "PO", Person: priya, CoverUntil: t1, AssignedBy: noName, AssignedAt: t0},
		{RoleName: "PO", Person: priya, CoverUntil: t1},
		{RoleName: "PM", Person: noName, AssignedAt: t0, ConfirmedAt: t1, AssignedBy: priya},
		{RoleName: "PM", Person: priya, AssignedAt: t1, ConfirmedAt: t0},
		{RoleName: "PM", Person: priya, AssignedAt: t0},
		{RoleName: "PM", Person: priya, ConfirmedAt: t0},
		{RoleName: "PM", Person: priya},
		{RoleName: "Designer", Person: priya, EndedCover: &ownership.Cover{Person: noName, Until: t0}},
		{RoleName: "Designer", EndedCover: &ownership.Cover{Person: priya}},
	}
	var answers []bot.Answer
	answers = append(answers, bot.Answer{Bare: true}, bot.Answer{}, bot.Answer{Intent: "none", Score: 0.9})
	scores := []float64{0, 0.004, 0.005, 0.015, 0.125, 0.5, 0.995, 1, math.Copysign(0, -1), math.NaN(), math.Inf(1), -0.3}
	team := &bot.TeamRef{ID: "pay", Name: "Pay\nments 100%"}
	for i, sc := range scores {
		for _, from := range []string{"text", "chosen", "", "elsewhere"} {
			for _, rule := range []string{"", bot.RuleOverride, bot.RuleCatalogue} {
				a := bot.Answer{Intent: "roadmap", Title: "Roadmap %d", Score: sc, Role: ownership.Both, Rule: rule, TeamFrom: from}
				if rule != "" || i%2 == 0 {
					a.Team = team
				}
				if i%3 == 0 {
					a.Role = ownership.ProductOwner
				}
				answers = append(answers, a)
			}
		}
	}
	for i := range holders {
		h := holders[i]
		answers = append(answers,
			bot.Answer{Intent: "backlog", Title: "Backlog", Score: 0.8, Team: team, Rule: bot.RuleCatalogue, Role: ownership.ProductOwner, Holder: &h},
			bot.Answer{Intent: "x", Both: []bot.Holder{holders[i], holders[(i+1)%len(holders)]}},
			bot.Answer{Holder: &h})
	}
	// and the answers to real questions
	s, _ := newService(t)
	for _, q := range []string{"who writes the acceptance criteria for checkout?", "who decides priorities for payments?",
		"who owns the roadmap for mobile", "who is the designer for payments", "who owns the roadmap", "what's the difference between a PM and a PO?"} {
		a, err := s.Ask(context.Background(), msg(ownership.Person{ID: "U03JULES"}, "", q))
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, a)
	}
	for _, a := range answers {
		want := reasoningPlain(a)
		if got := string(a.AppendReasoning(nil)); got != want {
			t.Errorf("AppendReasoning(%+v) =\n%s\nwant\n%s", a, got, want)
		}
		if got := string(a.AppendReasoning([]byte("x"))); got != "x"+want {
			t.Errorf("AppendReasoning after text =\n%s\nwant\n%s", got, "x"+want)
		}
	}
}
