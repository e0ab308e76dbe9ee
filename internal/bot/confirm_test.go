package bot_test

import (
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
)

// mediumQuestion returns a question the catalogue reads with medium
// confidence, so the two-stage fallback can be tested whatever the tuning.
func mediumQuestion(t *testing.T, cat *intent.Catalogue) string {
	t.Helper()
	for _, q := range []string{
		"devs keep pulling tickets that have no clear definition of what done looks like",
		"who writes the acceptance criteria or the definition of done",
		"who decides the release plan and the sprint goal",
		"who handles pricing and the roadmap",
		"who talks to customers and decides the backlog order",
		"who owns the backlog and the roadmap",
	} {
		if r := cat.Match(q); r.Confidence == intent.ConfidenceMedium && r.Role != ownership.Info {
			return q
		}
	}
	t.Fatal("no question of the list is read with medium confidence any more; add one")
	return ""
}

func TestMediumConfidenceAnswersAndConfirms(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	q := mediumQuestion(t, s.Catalogue())
	a := ask(t, s, msg(dev, "C0CHECKOUT", q))
	if !a.Confirm {
		t.Fatalf("medium-confidence answer does not confirm: %+v", a)
	}
	if a.Kind != bot.KindPerson && a.Kind != bot.KindBoth {
		t.Fatalf("kind %s, want an answer naming people", a.Kind)
	}
	ch := a.Choices()
	if len(ch) < 2 || ch[0].Intent != a.Intent || ch[0].Title != a.Title {
		t.Fatalf("choices %+v: want the intent read first, then alternatives", ch)
	}
	for _, c := range ch[1:] {
		if c.Intent == a.Intent || c.Title == "" {
			t.Fatalf("bad alternative %+v in %+v", c, ch)
		}
	}
	text := a.Text().Plain("/")
	if !strings.Contains(text, "I read this as "+a.Title+", is that right?") {
		t.Fatalf("no confirmation in %q", text)
	}
	if strings.Contains(text, "teach") || a.Lead {
		t.Fatalf("a non-lead is shown how to teach: %q", text)
	}
	// A lead sees the teach hint.
	la := ask(t, s, msg(lead, "C0CHECKOUT", q))
	if !la.Lead || !strings.Contains(la.Text().Plain("/"), `teach "<phrase>" <intent>`) {
		t.Fatalf("a lead is not shown the teach hint: %q", la.Text().Plain("/"))
	}
	// Picking a choice answers as that intent, without asking again.
	picked, err := s.AnswerFor(t.Context(), msg(dev, "C0CHECKOUT", q), ch[1].Intent, "")
	if err != nil {
		t.Fatal(err)
	}
	if picked.Intent != ch[1].Intent || picked.Confirm {
		t.Fatalf("picked %s: got %+v", ch[1].Intent, picked)
	}
}

func TestHighConfidenceDoesNotConfirm(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	a := ask(t, s, msg(dev, "C0CHECKOUT", "who writes the acceptance criteria?"))
	if a.Confirm || a.Kind != bot.KindPerson {
		t.Fatalf("high-confidence answer: %+v", a)
	}
}

func TestUnknownHidesIntentIDsAndTeachHintFromNonLeads(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	q := "where is the coffee machine on the third floor?"
	a := ask(t, s, msg(dev, "", q))
	if a.Kind != bot.KindUnknown {
		t.Fatalf("kind %s", a.Kind)
	}
	if len(a.Choices()) == 0 {
		t.Fatal("no closest topics offered")
	}
	text := a.Text().Plain("/")
	for _, c := range a.Choices() {
		if strings.Contains(text, "("+c.Intent+")") || strings.Contains(text, "`"+c.Intent+"`") {
			t.Fatalf("non-lead sees intent id %s: %q", c.Intent, text)
		}
	}
	if strings.Contains(text, "teach") {
		t.Fatalf("non-lead sees the teach hint: %q", text)
	}
	la := ask(t, s, msg(lead, "", q))
	if !strings.Contains(la.Text().Plain("/"), "teach") {
		t.Fatalf("lead does not see the teach hint: %q", la.Text().Plain("/"))
	}
}

func TestTeamNamesWithTyposAndPartialNames(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	for _, c := range []struct {
		name, channel, text string
		team                string   // a sure match
		pick                []string // or the teams offered
	}{
		{"typo", "", "who owns the roadmap for paymnts?", "payments", nil},
		{"typo beats channel", "C0SEARCH", "who owns the backlog for chekout", "checkout", nil},
		{"typo of a two-word alias", "", "who grooms the backlog for the mobil app", "mobile", nil},
		{"partial name is confirmed", "", "who owns the roadmap for the mob team?", "", []string{"mobile"}},
		{"uncertain match is not replaced by the channel's team", "C0CHECKOUT", "who owns the roadmap of the paym team?", "", []string{"payments"}},
		{"everyday word is no typo", "C0CHECKOUT", "whose job is filling in the acceptance criteria?", "checkout", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := ask(t, s, msg(stranger, c.channel, c.text))
			if c.team != "" {
				if a.Team == nil || a.Team.ID != c.team {
					t.Fatalf("team %+v (kind %s, teams %+v), want %s", a.Team, a.Kind, a.Teams, c.team)
				}
				return
			}
			if a.Kind != bot.KindPickTeam {
				t.Fatalf("kind %s team %+v, want the teams to pick from", a.Kind, a.Team)
			}
			var got []string
			for _, tr := range a.Teams {
				got = append(got, tr.ID)
			}
			if len(got) == 0 || got[0] != c.pick[0] {
				t.Fatalf("teams offered %v, want %v first", got, c.pick)
			}
			// Choosing the team answers for it.
			picked, err := s.AnswerFor(t.Context(), msg(stranger, c.channel, c.text), a.Intent, got[0])
			if err != nil || picked.Team == nil || picked.Team.ID != got[0] {
				t.Fatalf("chosen team: %+v, %v", picked.Team, err)
			}
		})
	}
}
