package dirfile

import (
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// TestReplaceRecordsEachField: an import writes one audit entry per field
// it changed, with who, when, the old and the new value; a deleted team's
// entry holds the team in the file's form, enough to restore it.
func TestReplaceRecordsEachField(t *testing.T) {
	t.Parallel()
	old, err := Parse("a", []byte(`teams:
  - name: A
    roles: {pm: {id: U1, name: Al}, po: {id: U2, name: Bo}}
    members: [{id: U1}]
    channels: [{id: C1, name: alpha}]
  - name: B
    roles: {po: {id: U7}}
leads: [{id: L1}]
`), "t", known)
	if err != nil {
		t.Fatal(err)
	}
	next, err := Parse("b", []byte(`teams:
  - name: A
    aliases: [aa]
    roles: {pm: {id: U1}, po: {id: U3, name: Cy}}
    members: [{id: U1}, {id: U4}]
    channels: [{id: C1, name: alpha}]
  - name: C
leads: [{id: L1}, {id: L2}]
`), "t", known)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	actor := ownership.Person{ID: "cli", Name: "Ops Olga"}
	ch := Replace(old, next, actor, now, "b.yaml")
	type key struct{ team, field string }
	got := map[key]ownership.Change{}
	for _, c := range ch {
		if c.Action != "import" || c.Actor != actor || !c.At.Equal(now) || c.Summary == "" {
			t.Errorf("entry %+v lacks who, when or what", c)
		}
		got[key{c.Team, c.Field}] = c
	}
	for _, w := range []struct {
		team, field, old, new string
	}{
		{"a", "aliases", "", "aa"},
		{"a", "role product_owner", "Bo <U2>", "Cy <U3>"},
		{"a", "members", "U1", "U1, U4"},
		{"c", "team", "", "C"},
		{"", "leads", "L1", "L1, L2"},
	} {
		c, ok := got[key{w.team, w.field}]
		if !ok {
			t.Errorf("no entry for %s %s in %+v", w.team, w.field, ch)
			continue
		}
		if c.Old != w.old || c.New != w.new {
			t.Errorf("%s %s: %q → %q, want %q → %q", w.team, w.field, c.Old, c.New, w.old, w.new)
		}
	}
	if b := got[key{"b", "team"}]; b.New != "" || !strings.Contains(b.Old, "name: B") || !strings.Contains(b.Old, "U7") || strings.Contains(b.Summary, "\n") {
		t.Errorf("deleted team's entry %+v, want the team as it was", b)
	}
	// The unchanged PM (the file gives no name: the stored one is kept) and
	// channel are not listed.
	if c, ok := got[key{"a", "role product_manager"}]; ok {
		t.Errorf("unchanged PM recorded: %+v", c)
	}
	if len(ch) != 6 {
		t.Errorf("%d entries, want 6: %+v", len(ch), ch)
	}
}

// TestReplaceCapsEntries: a huge import lists MaxImportEntries-1 changes
// and counts the rest in one entry.
func TestReplaceCapsEntries(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("teams:\n")
	for i := range MaxImportEntries + 10 {
		b.WriteString("  - name: T" + strings.Repeat("x", i%3) + itoa(i) + "\n")
	}
	next, err := Parse("big", []byte(b.String()), "t", known)
	if err != nil {
		t.Fatal(err)
	}
	ch := Replace(ownership.NewDirectory("t"), next, ownership.Person{ID: "cli"}, time.Now(), "big.yaml")
	if len(ch) != MaxImportEntries || !strings.Contains(ch[len(ch)-1].Summary, "11 more changes") {
		t.Errorf("%d entries, last %q; want %d, the rest counted", len(ch), ch[len(ch)-1].Summary, MaxImportEntries)
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}
