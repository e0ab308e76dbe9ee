package dirfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

var known = Options{KnownIntent: func(id string) bool { return id == "roadmap" || id == "backlog" }}

const good = `tenant: slack:T1
leads:
  - {id: U0, name: Lead}
roles:
  - {id: designer, name: Designer, aliases: [ux]}
teams:
  - name: Checkout
    aliases: [cart]
    roles:
      pm: {id: U1, name: Alice}
      product_owner: {id: U2, name: Bob}
      ux: {id: U3, name: Cy}
    members: [{id: U1, name: Alice}]
    channels: [{id: C1, name: checkout}]
    routes: {roadmap: po}
    covers:
      - {role: po, person: {id: U4, name: Dee}, until: 2030-01-02T15:04:05Z}
  - name: Mobile Team
`

func TestParseGood(t *testing.T) {
	t.Parallel()
	d, err := Parse("good.yaml", []byte(good), "slack:T1", known)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Team("cart")
	if c == nil || c.ID != "checkout" {
		t.Fatalf("alias lookup failed: %+v", c)
	}
	if c.Roles[ownership.ProductManager].Person.ID != "U1" || c.Roles[ownership.ProductOwner].Person.ID != "U2" || c.Roles["designer"].Person.ID != "U3" {
		t.Errorf("roles = %+v", c.Roles)
	}
	if c.Routes["roadmap"] != ownership.ProductOwner {
		t.Errorf("routes = %+v", c.Routes)
	}
	if cv := c.Covers[ownership.ProductOwner]; cv.Person.ID != "U4" || !cv.Until.Equal(time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC)) {
		t.Errorf("cover = %+v", cv)
	}
	if d.Team("mobile team") == nil || d.Teams["mobile-team"] == nil {
		t.Errorf("multi-word team missing: %v", d.Teams)
	}
	if !d.IsLead("U0") {
		t.Error("lead missing")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	d, err := Parse("good.yaml", []byte(good), "slack:T1", known)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse("export.yaml", out, "slack:T1", known)
	if err != nil {
		t.Fatalf("re-import of export failed: %v\n%s", err, out)
	}
	out2, _ := Marshal(d2)
	if string(out) != string(out2) {
		t.Errorf("export is not stable:\n%s\n---\n%s", out, out2)
	}
}

func TestParseReportsEveryProblemWithLine(t *testing.T) {
	t.Parallel()
	bad := `teams:
  - name: Checkout
    roles:
      chief: {id: U1}
      po: {name: Nobody}
    channels: [{id: C1}]
    routes: {nosuch: pm, roadmap: wizard}
  - name: checkout
  - name: Other
    channels: [{id: C1}]
    members: [{name: x}]
`
	_, err := Parse("bad.yaml", []byte(bad), "t", known)
	var p *Problems
	if !errors.As(err, &p) {
		t.Fatalf("want *Problems, got %v", err)
	}
	want := []struct {
		line int
		sub  string
	}{
		{4, `unknown role "chief"`},
		{5, "has no id"},
		{7, `unknown intent "nosuch"`},
		{7, `unknown role "wizard"`},
		{8, "listed twice"},
		{10, "linked to both"},
		{11, "member 1 has no id"},
	}
	if len(p.List) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(p.List), len(want), err)
	}
	for i, w := range want {
		if p.List[i].Line != w.line || !strings.Contains(p.List[i].Message, w.sub) {
			t.Errorf("problem %d = line %d %q, want line %d containing %q", i, p.List[i].Line, p.List[i].Message, w.line, w.sub)
		}
	}
	if !strings.Contains(err.Error(), "bad.yaml:4:") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("message = %v", err)
	}
}

func TestParseRejectsJunk(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":        "",
		"not yaml":     "teams: [",
		"unknown key":  "teams:\n  - name: A\n    owner: {id: U1}\n",
		"no teams":     "leads: []\n",
		"nameless":     "teams:\n  - roles: {pm: {id: U1}}\n",
		"cover no end": "teams:\n  - name: A\n    covers: [{role: pm, person: {id: U1}}]\n",
	} {
		if _, err := Parse(name, []byte(in), "t", known); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReplaceKeepsAssignmentProvenance(t *testing.T) {
	t.Parallel()
	old, _ := Parse("a", []byte("teams:\n  - name: A\n    roles: {pm: {id: U1, name: Al}, po: {id: U2}}\n"), "t", known)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	by := ownership.Person{ID: "L", Name: "Lead"}
	a := old.Teams["a"]
	a.Roles[ownership.ProductManager] = ownership.Assignment{Person: a.Roles[ownership.ProductManager].Person, AssignedBy: by, AssignedAt: at}
	next, _ := Parse("b", []byte("teams:\n  - name: A\n    roles: {pm: {id: U1}, po: {id: U3}}\n"), "t", known)
	now := at.Add(time.Hour)
	ch := Replace(old, next, ownership.Person{ID: "cli"}, now, "b.yaml")
	pm := old.Teams["a"].Roles[ownership.ProductManager]
	if pm.AssignedBy != by || !pm.AssignedAt.Equal(at) || pm.Person.Name != "Al" {
		t.Errorf("unchanged PM lost provenance: %+v", pm)
	}
	po := old.Teams["a"].Roles[ownership.ProductOwner]
	if po.Person.ID != "U3" || po.AssignedBy.ID != "cli" || !po.AssignedAt.Equal(now) {
		t.Errorf("new PO = %+v", po)
	}
	if len(ch) != 1 || ch[0].Action != "import" {
		t.Errorf("changes = %+v", ch)
	}
}

func TestCustomIntentsAndPhrasesRoundTrip(t *testing.T) {
	t.Parallel()
	in := `teams:
  - name: Checkout
    routes: {pricing: po}
intents:
  - {id: pricing, role: pm, why: The PM owns pricing., phrases: [who owns pricing]}
phrases:
  - {phrase: who signs off the price page, intent: pricing}
  - {phrase: who guards the gate, intent: acceptance_criteria_x}
`
	_, err := Parse("a.yaml", []byte(in), "t", known)
	if err == nil || !strings.Contains(err.Error(), `a.yaml:8: phrase "who guards the gate": unknown intent "acceptance_criteria_x"`) {
		t.Fatalf("unknown phrase intent: %v", err)
	}
	in = strings.Replace(in, "acceptance_criteria_x", "roadmap", 1)
	d, err := Parse("a.yaml", []byte(in), "local", known)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Intents) != 1 || d.Intents[0].Role != ownership.ProductManager || len(d.Phrases) != 2 || d.Teams["checkout"].Routes["pricing"] != ownership.ProductOwner {
		t.Fatalf("parsed %+v %+v", d.Intents, d.Phrases)
	}
	out, _ := Marshal(d)
	d2, err := Parse("b.yaml", out, "t", known)
	if err != nil || len(d2.Intents) != 1 || len(d2.Phrases) != 2 {
		t.Fatalf("round trip: %v\n%s", err, out)
	}
	if _, err := Parse("c.yaml", []byte("teams: [{name: A}]\nintents: [{id: roadmap, role: pm, why: x}]\n"), "t", known); err == nil || !strings.Contains(err.Error(), "built in") {
		t.Errorf("built-in id reused: %v", err)
	}
}

func TestCoverTimesAndShapeErrorsAreProblemsWithLines(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var notes []string
	opts := Options{KnownIntent: known.KnownIntent, Now: func() time.Time { return now }, Note: func(line int, msg string) { notes = append(notes, fmt.Sprint(line, " ", msg)) }}
	in := `teams:
  - name: A
    owner: {id: U1}
    covers:
      - {role: po, person: {id: U2}, until: "2026-12-24 17:00"}
      - {role: pm, person: {id: U3}, until: 2026-01-01}
  - name: B
    covers:
      - {role: pm, person: {id: U4}, until: someday}
`
	_, err := Parse("c.yaml", []byte(in), "t", opts)
	var p *Problems
	if !errors.As(err, &p) || len(p.List) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	// A cover that already ended is dropped with a note, not refused: an
	// export taken after a cover ran out imports again.
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "6 A: the product_manager cover by U3 ended at 2026-01-01T23:59:59Z") {
		t.Errorf("notes = %q", notes)
	}
	for i, want := range []struct {
		line int
		sub  string
	}{{3, "field owner not found"}, {9, `can't read "someday"`}} {
		if p.List[i].Line != want.line || !strings.Contains(p.List[i].Message, want.sub) {
			t.Errorf("problem %d = %d %q, want line %d with %q", i, p.List[i].Line, p.List[i].Message, want.line, want.sub)
		}
	}
	d, err := Parse("ok.yaml", []byte("teams:\n  - name: A\n    covers:\n      - {role: po, person: {id: U2}, until: \"2026-12-24 17:00\"}\n"), "t", opts)
	if err != nil || !d.Teams["a"].Covers[ownership.ProductOwner].Until.Equal(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("chat-style time: %v %+v", err, d)
	}
}

func TestReplaceUnchangedRecordsNothing(t *testing.T) {
	t.Parallel()
	a, _ := Parse("a", []byte(good), "t", known)
	b, _ := Parse("a", []byte(good), "t", known)
	ch := Replace(a, b, ownership.Person{ID: "cli"}, time.Now(), "same.yaml")
	if len(ch) != 0 {
		t.Errorf("unchanged import recorded %+v", ch)
	}
}

func TestSeveralDocumentsAreRefused(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"teams:\n  - name: A\n---\nteams:\n  - name: B\n", "teams: [{name: A}]\n---\ntenant: local\n"} {
		_, err := Parse("m.yaml", []byte(in), "t", known)
		if err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
			t.Errorf("%q: %v", in, err)
		}
	}
	// A leading or trailing separator alone is one document.
	for _, in := range []string{"---\nteams: [{name: A}]\n", "teams: [{name: A}]\n---\n", "teams: [{name: A}]\n...\n"} {
		if _, err := Parse("one.yaml", []byte(in), "t", known); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestTenantNames(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"local", "slack:T0123ABC", "slack:E01ORG", "teams:72f988bf-86f1-41af-91ab-2d7cd011db47"} {
		if err := CheckTenant(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
		if _, err := Parse("t.yaml", []byte("tenant: "+ok+"\nteams: [{name: A}]\n"), "t", known); err != nil {
			t.Errorf("tenant: %s: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"slack:t0123": "not a Slack workspace", "slack:": "not a Slack workspace", "teams:contoso": "is a GUID",
		"T0123ABC": "not a tenant name", "Local": "not a tenant name", "slack:T01 ": "not a Slack workspace",
	} {
		if err := CheckTenant(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	_, err := Parse("t.yaml", []byte("tenant: slack:nope\nteams: [{name: A}]\n"), "t", known)
	if err == nil || !strings.Contains(err.Error(), "t.yaml:1:") {
		t.Errorf("bad tenant: field: %v", err)
	}
}

func TestEmptyTenantRoundTrips(t *testing.T) {
	t.Parallel()
	out, err := Marshal(ownership.NewDirectory("slack:T1"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse("empty.yaml", out, "slack:T1", known)
	if err != nil || len(d.Teams) != 0 {
		t.Fatalf("export of an empty tenant does not import: %v\n%s", err, out)
	}
	if _, err := Parse("none.yaml", []byte("tenant: local\n"), "t", known); err == nil || !strings.Contains(err.Error(), "there are no teams") {
		t.Errorf("a file without teams: %v", err)
	}
}

// TestLearnedPhrasesExportAndImportBack: a phrase learned from people's
// picks is exported as a taught phrase, and importing the export back keeps
// it learned (with its count), so leads can still unlearn it.
func TestLearnedPhrasesExportAndImportBack(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	d, err := Parse("a", []byte("teams:\n  - name: A\n"), "local", known)
	if err != nil {
		t.Fatal(err)
	}
	d.Phrases = []ownership.TaughtPhrase{
		{Phrase: "who signs off the copy", Intent: "backlog", At: at, People: 3},
		{Phrase: "who decides the order", Intent: "roadmap", By: ownership.Person{ID: "L1"}, At: at},
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "phrase: who signs off the copy") || !strings.Contains(string(out), "intent: backlog") {
		t.Fatalf("export lacks the learned phrase:\n%s", out)
	}
	back, err := Parse("b", out, "local", known)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Phrases) != 2 || back.Phrases[0].Phrase != "who signs off the copy" || back.Phrases[0].Intent != "backlog" {
		t.Fatalf("parsed back: %+v", back.Phrases)
	}
	if ch := Replace(d, back, ownership.Person{ID: "cli"}, at.Add(time.Hour), "b.yaml"); len(ch) != 0 {
		t.Errorf("importing the export back recorded %+v", ch)
	}
	if p := d.Phrases[0]; !p.Learned() || p.People != 3 || !p.At.Equal(at) {
		t.Errorf("learned phrase after import = %+v; want it still learned from 3 people", p)
	}
	if p := d.Phrases[1]; p.Learned() || p.By.ID != "L1" {
		t.Errorf("taught phrase after import = %+v", p)
	}
	// A file that changes a phrase's intent makes it a plain taught phrase.
	next, _ := Parse("c", []byte("teams:\n  - name: A\nphrases:\n  - {phrase: who signs off the copy, intent: roadmap}\n"), "local", known)
	Replace(d, next, ownership.Person{ID: "cli"}, at, "c.yaml")
	if len(d.Phrases) != 1 || d.Phrases[0].Learned() || d.Phrases[0].Intent != "roadmap" {
		t.Errorf("after an import that changed it: %+v", d.Phrases)
	}
}
