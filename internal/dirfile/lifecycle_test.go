package dirfile

import (
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

const lifecycleFile = `tenant: slack:T1
teams:
  - name: Checkout
    roles:
      pm: {id: U1, name: Alice}
    last_confirmed: {pm: 2026-03-01T09:00:00Z}
    flagged:
      - {role: pm, since: 2026-03-02T09:00:00Z, reason: left the Microsoft Teams team}
    vacated:
      - {role: po, person: {id: U2, name: Bob}, since: 2026-03-03T09:00:00Z, reason: "Slack: account deactivated"}
requests:
  - id: r1
    kind: claim
    team: Checkout
    role: po
    from: {id: U5, name: Jules}
    created: 2026-03-04T09:00:00Z
    expires: 2026-03-18T09:00:00Z
  - id: r2
    kind: handover
    team: checkout
    role: pm
    from: {id: U1, name: Alice}
    successor: {id: U6, name: Sam}
    created: 2026-03-04T09:00:00Z
    expires: 2026-03-18T09:00:00Z
`

var march5 = Options{KnownIntent: known.KnownIntent, Now: func() time.Time { return time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC) }}

func TestLifecycleFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	d, err := Parse("l.yaml", []byte(lifecycleFile), "slack:T1", march5)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Teams["checkout"]
	pm, po := c.Roles[ownership.ProductManager], c.Roles[ownership.ProductOwner]
	if !pm.ConfirmedAt.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) || pm.Flagged == nil || pm.Flagged.Reason != "left the Microsoft Teams team" {
		t.Errorf("PM = %+v", pm)
	}
	if po.Held() || po.Vacated == nil || po.Vacated.Person.Name != "Bob" || po.Vacated.Reason != "Slack: account deactivated" {
		t.Errorf("PO = %+v, want vacated, held by Bob", po)
	}
	if len(d.Requests) != 2 || d.Requests[0].Successor.ID != "U5" || d.Requests[0].Team != "checkout" || d.Requests[1].Successor.ID != "U6" || d.Requests[1].State != ownership.Pending {
		t.Errorf("requests = %+v", d.Requests)
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"last_confirmed:", "vacated:", "flagged:", "requests:", "kind: claim", "successor:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	d2, err := Parse("export.yaml", out, "slack:T1", march5)
	if err != nil {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	if out2, _ := Marshal(d2); string(out2) != string(out) {
		t.Errorf("export is not stable:\n%s\n---\n%s", out, out2)
	}
	// Fifteen days later the requests have expired: the file still
	// imports, without them, and says so.
	var notes []string
	late := march5
	late.Now = func() time.Time { return time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC) }
	late.Note = func(_ int, msg string) { notes = append(notes, msg) }
	d3, err := Parse("l.yaml", []byte(lifecycleFile), "slack:T1", late)
	if err != nil || len(d3.Requests) != 0 || len(notes) != 2 {
		t.Errorf("late import: %v, requests %v, notes %q", err, d3.Requests, notes)
	}
}

func TestLifecycleProblemsHaveLines(t *testing.T) {
	t.Parallel()
	bad := `teams:
  - name: A
    roles: {pm: {id: U1}}
    last_confirmed: {po: 2026-03-01T09:00:00Z}
    vacated:
      - {role: pm, person: {id: U2}, since: 2026-03-03T09:00:00Z}
      - {role: po, person: {id: ""}, since: 2026-03-03T09:00:00Z}
requests:
  - {id: r1, kind: steal, team: A, role: pm, from: {id: U5}, created: 2026-03-04T09:00:00Z, expires: 2026-03-18T09:00:00Z}
  - {id: r2, kind: claim, team: Nope, role: pm, from: {id: U5}, created: 2026-03-04T09:00:00Z, expires: 2026-03-18T09:00:00Z}
  - {id: r3, kind: handover, team: A, role: pm, from: {id: U1}, created: 2026-03-04T09:00:00Z, expires: 2026-03-18T09:00:00Z}
`
	_, err := Parse("bad.yaml", []byte(bad), "t", march5)
	if err == nil {
		t.Fatal("bad lifecycle data was accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"bad.yaml:4: A: last_confirmed for the Product Owner, which the team's roles do not give",
		"bad.yaml:6: A: the Product Manager is both held (under roles) and vacated",
		"bad.yaml:7: A: the vacated Product Owner has no person id",
		"bad.yaml:9: request r1: kind \"steal\" is not handover or claim",
		"bad.yaml:10: request r2: unknown team \"Nope\"",
		"bad.yaml:11: request r3: a handover needs a successor with an id",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems lack %q:\n%s", want, msg)
		}
	}
}

// An import keeps the tenant's pending requests when the file has none,
// and the confirmation of an assignment it does not change.
func TestReplaceKeepsRequestsAndConfirmation(t *testing.T) {
	t.Parallel()
	cur, err := Parse("l.yaml", []byte(lifecycleFile), "slack:T1", march5)
	if err != nil {
		t.Fatal(err)
	}
	next, err := Parse("n.yaml", []byte("teams:\n  - name: Checkout\n    roles: {pm: {id: U1}}\n"), "slack:T1", march5)
	if err != nil {
		t.Fatal(err)
	}
	Replace(cur, next, ownership.Person{ID: "cli"}, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), "n.yaml")
	if len(cur.Requests) != 2 {
		t.Errorf("requests after an import without any = %v", cur.Requests)
	}
	if pm := cur.Teams["checkout"].Roles[ownership.ProductManager]; !pm.ConfirmedAt.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("PM after import = %+v, want its confirmation kept", pm)
	}
}
