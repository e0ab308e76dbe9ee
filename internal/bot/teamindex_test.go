package bot

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/sample"
)

func indexTestDirectories(t *testing.T, cat *intent.Catalogue) []*ownership.Directory {
	t.Helper()
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		t.Fatal(err)
	}
	other := ownership.NewDirectory("slack:T1")
	for _, tm := range []*ownership.Team{
		{ID: "mobile", Name: "Mobile"},
		{ID: "mobile-payments", Name: "Mobile Payments", Aliases: []string{"mpay"}},
		{ID: "pay", Name: "Payments", Aliases: []string{"Billing", "the team"}},
		{ID: "web", Name: "Web", Aliases: []string{"site"}},
		{ID: "site-two", Name: "Site", Aliases: []string{"web"}},
		{ID: "core", Name: "Core Platform", Aliases: []string{"product", "  "}},
		{ID: "caf", Name: "Café Crew"},
		{ID: "growth-squad", Name: "Growth", Aliases: []string{"acquisition", "grow-th"}},
	} {
		other.Teams[tm.ID] = tm
	}
	return []*ownership.Directory{d, other, ownership.NewDirectory("slack:T2")}
}

// TestTeamIndexFindsAsBefore: the team index finds the team the names
// read for every question found, for the catalogue's phrases with team
// names in all their forms (exact, typos, in part, channel links).
func TestTeamIndexFindsAsBefore(t *testing.T) {
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	suffixes := []string{"", " for checkout", " for paymnts", " on the pay team", " for the mobil app", " of the serch squad",
		" for <#C0PAYMENTS|payments>", " for the filling team", " for cart", " on mobile payments", " for the billing module",
		" for mpya", " at the groth squad", " of core platfrom", " in the web team", " for the site", " with the café crew",
		" about grow th", " from acquisiton", " is the mobile-payments team",
		strings.Repeat(" and then for the filling team", 12) + " on mobil payments"}
	var qs []string
	for i, in := range cat.Intents() {
		for j, p := range in.Phrases {
			if (i+j)%4 == 0 {
				for _, s := range suffixes {
					qs = append(qs, p+s)
				}
			}
		}
	}
	for _, d := range indexTestDirectories(t, cat) {
		x := newTeamIndex(d)
		if !x.fits(d) {
			t.Fatalf("%s: the index does not fit the directory it was read from", d.Tenant)
		}
		for _, q := range qs {
			if got, want := x.teamInText(d, q), teamInTextUnindexed(d, q); got != want {
				t.Fatalf("%s: teamInText(%q) = %v, want %v", d.Tenant, q, got, want)
			}
			got, gotRefs := x.fuzzyTeamInText(d, q)
			want, wantRefs := fuzzyTeamInTextUnindexed(d, q)
			if got != want || !reflect.DeepEqual(gotRefs, wantRefs) {
				t.Fatalf("%s: fuzzyTeamInText(%q) = %v %v, want %v %v", d.Tenant, q, got, gotRefs, want, wantRefs)
			}
			if exact := teamInTextUnindexed(d, q); exact != nil {
				want, wantRefs = exact, nil
			} else if want != nil {
				wantRefs = nil
			}
			if got, gotRefs := x.named(d, q); got != want || !reflect.DeepEqual(gotRefs, wantRefs) {
				t.Fatalf("%s: named(%q) = %v %v, want %v %v", d.Tenant, q, got, gotRefs, want, wantRefs)
			}
		}
	}
}

// TestTeamIndexSeesChanges: a directory whose team names changed, in place
// or as a new value, is read again; one whose other data changed is not.
func TestTeamIndexSeesChanges(t *testing.T) {
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d := indexTestDirectories(t, cat)[0]
	s := New(memstore.New(), cat)
	x := s.teamIndex(d)
	if s.teamIndex(d) != x {
		t.Fatal("the index was read again for the same directory")
	}
	c := d.Clone()
	if s.teamIndex(c) != x {
		t.Fatal("the index was read again for a copy of the directory")
	}
	c.Teams["payments"].Members = nil
	c.Leads = nil
	if s.teamIndex(c) != x {
		t.Fatal("the index was read again for a change that names no team")
	}
	const q = "who owns the roadmap for the bankng team"
	if tm := x.teamInText(d, q); tm != nil {
		t.Fatalf("%q names %s before any team is called so", q, tm.ID)
	}
	changes := []struct {
		name   string
		change func(d *ownership.Directory)
	}{
		{"alias added in place", func(d *ownership.Directory) {
			d.Teams["payments"].Aliases = append(d.Teams["payments"].Aliases, "banking")
		}},
		{"alias changed in place", func(d *ownership.Directory) { d.Teams["payments"].Aliases[0] = "banking" }},
		{"renamed", func(d *ownership.Directory) { d.Teams["search"].Name = "Banking" }},
		{"added", func(d *ownership.Directory) {
			d.Teams["banking"] = &ownership.Team{ID: "banking", Name: "Banking"}
		}},
		{"replaced", func(d *ownership.Directory) {
			delete(d.Teams, "search")
			d.Teams["banking"] = &ownership.Team{ID: "banking", Name: "Banking"}
		}},
		{"id changed", func(d *ownership.Directory) {
			d.Teams["search"].ID = "banking"
		}},
	}
	for _, ch := range changes {
		for _, inPlace := range []bool{true, false} {
			s := New(memstore.New(), cat)
			d := d.Clone()
			x := s.teamIndex(d)
			e := d
			if !inPlace {
				e = d.Clone()
			}
			ch.change(e)
			y := s.teamIndex(e)
			if y == x {
				t.Fatalf("%s (in place %v): the index was not read again", ch.name, inPlace)
			}
			got, _ := y.fuzzyTeamInText(e, q)
			if tm := y.teamInText(e, q); tm != nil {
				got = tm
			}
			want, _ := fuzzyTeamInTextUnindexed(e, q)
			if tm := teamInTextUnindexed(e, q); tm != nil {
				want = tm
			}
			if got != want {
				t.Fatalf("%s (in place %v): %q names %v, want %v", ch.name, inPlace, q, got, want)
			}
			if strings.HasPrefix(ch.name, "alias") || ch.name == "added" || ch.name == "replaced" || ch.name == "renamed" {
				if got == nil || (got.Name != "Banking" && got.ID != "payments") {
					t.Fatalf("%s (in place %v): %q names %v, want the banking team", ch.name, inPlace, q, got)
				}
			}
		}
	}
}

// TestAskSeesTeamUpdate: a team added by an update is found in the next
// question that names it, with a typo too.
func TestAskSeesTeamUpdate(t *testing.T) {
	ctx := context.Background()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	d := indexTestDirectories(t, cat)[0]
	st := memstore.New(memstore.WithDirectory(d))
	s := New(st, cat)
	m := Message{Tenant: d.Tenant, Platform: PlatformCLI, User: ownership.Person{ID: "UNOBODY"}, Text: "who writes the acceptance criteria for the bankng team?"}
	a, err := s.Ask(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if a.Team != nil {
		t.Fatalf("before the update the question names %v", a.Team)
	}
	if _, _, err := st.Update(ctx, d.Tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["payments"].Aliases = append(d.Teams["payments"].Aliases, "banking")
		return []ownership.Change{{Action: "test.alias"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"who writes the acceptance criteria for the bankng team?", "who writes the acceptance criteria for banking?"} {
		m.Text = text
		a, err = s.Ask(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if a.Team == nil || a.Team.ID != "payments" {
			t.Fatalf("after the update %q names %v, want payments", text, a.Team)
		}
	}
}

// TestTeamIndexLists: the teams the index lists, and a person's teams, are
// the directory's in SortedTeams order.
func TestTeamIndexLists(t *testing.T) {
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range indexTestDirectories(t, cat) {
		x := newTeamIndex(d)
		var want []TeamRef
		for _, tm := range d.SortedTeams() {
			want = append(want, TeamRef{ID: tm.ID, Name: tm.Name})
		}
		if got := x.refs(); len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: refs %v, want %v", d.Tenant, got, want)
		}
		users := []string{"", "UNOBODY"}
		for _, tm := range d.Teams {
			for _, p := range tm.Members {
				users = append(users, p.ID)
			}
		}
		for _, u := range users {
			if got, want := x.memberTeams(d, u), d.MemberTeams(u); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: memberTeams(%q) = %v, want %v", d.Tenant, u, got, want)
			}
		}
	}
}
