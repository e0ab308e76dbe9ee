package bot

import (
	"sort"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
)

// teamInTextByStrings is teamInText as it was written before it compared
// in buffers: strings, the teams in name order, the first longest name.
func teamInTextByStrings(d *ownership.Directory, text string) *ownership.Team {
	norm := " " + intent.Normalize(text) + " "
	teams := make([]*ownership.Team, 0, len(d.Teams))
	for _, t := range d.Teams {
		teams = append(teams, t)
	}
	sort.Slice(teams, func(i, j int) bool { return teams[i].Name < teams[j].Name })
	var best *ownership.Team
	bestLen := 0
	for _, t := range teams {
		for _, n := range append([]string{t.Name, t.ID}, t.Aliases...) {
			nn := strings.TrimSpace(intent.Normalize(strings.ReplaceAll(n, "-", " ")))
			if nn == "" || isGenericWord(nn) {
				continue
			}
			if strings.Contains(norm, " "+nn+" ") && len(nn) > bestLen {
				best, bestLen = t, len(nn)
			}
		}
	}
	return best
}

func TestTeamInText(t *testing.T) {
	d := ownership.NewDirectory("slack:T1")
	for _, tm := range []*ownership.Team{
		{ID: "mobile", Name: "Mobile"},
		{ID: "mobile-payments", Name: "Mobile Payments", Aliases: []string{"mpay"}},
		{ID: "pay", Name: "Payments", Aliases: []string{"Billing", "the team"}},
		{ID: "web", Name: "Web", Aliases: []string{"site"}},
		{ID: "site-two", Name: "Site", Aliases: []string{"web"}}, // "web" and "site" named by both
		{ID: "core", Name: "Core Platform", Aliases: []string{"product", "  "}},
		{ID: "caf", Name: "Café Crew"},
	} {
		d.Teams[tm.ID] = tm
	}
	x := newTeamIndex(d)
	for _, q := range []string{
		"who owns the roadmap for mobile payments?",
		"who owns the roadmap for mobile?",
		"who decides for the MOBILE-PAYMENTS team",
		"who is the PO of mpay",
		"billing backlog?",
		"who owns the web roadmap",      // Site and Web both: Site first by name
		"roadmap for site",              // the same
		"who owns the product roadmap?", // a generic alias names nothing
		"the team",
		"core platform and payments", // the longer name
		"who runs the café crew?",
		"mobilepayments",
		"<@U1> roadmap for <#C1|web>",
		"",
		"who owns it?",
	} {
		want := teamInTextByStrings(d, q)
		if got := teamInTextUnindexed(d, q); got != want {
			t.Errorf("teamInTextUnindexed(%q) = %v, want %v", q, got, want)
		}
		got := x.teamInText(d, q)
		if got != want {
			t.Errorf("teamInText(%q) = %v, want %v", q, got, want)
		}
	}
	if got := x.teamInText(d, "who owns the web roadmap"); got == nil || got.ID != "site-two" {
		t.Errorf("of names as long, the team first by name should win; got %v", got)
	}
	allocs := testing.AllocsPerRun(100, func() { x.teamInText(d, "who owns the roadmap for mobile payments?") })
	if allocs != 0 {
		t.Errorf("teamInText allocates %v times per question, want 0", allocs)
	}
}
