package ownership

import (
	"encoding/json"
	"testing"
	"time"
)

// A directory stored before assignments had confirmations, vacancies,
// flags and requests still loads, with none of them set.
func TestDirectoryJSONFromBeforeLifecycle(t *testing.T) {
	old := `{"tenant":"slack:T1","version":3,"teams":{"checkout":{"id":"checkout","name":"Checkout",
		"roles":{"product_owner":{"person":{"id":"U1","name":"Alice"},"assigned_by":{"id":"U9"},"assigned_at":"2025-01-02T03:04:05Z"}}}}}`
	var d Directory
	if err := json.Unmarshal([]byte(old), &d); err != nil {
		t.Fatal(err)
	}
	a := d.Teams["checkout"].Roles[ProductOwner]
	if !a.Held() || a.Vacated != nil || a.Flagged != nil || len(d.Requests) != 0 {
		t.Fatalf("old assignment read as %+v, requests %v", a, d.Requests)
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC); !a.LastConfirmed().Equal(want) {
		t.Errorf("LastConfirmed = %v, want the set time %v", a.LastConfirmed(), want)
	}
}

func TestConfirmClearsFlag(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Assignment{Person: Person{ID: "U1"}, AssignedAt: t0, Flagged: &Flag{Since: t0}}
	a.Confirm(t0.Add(time.Hour))
	if a.Flagged != nil || !a.LastConfirmed().Equal(t0.Add(time.Hour)) {
		t.Errorf("after Confirm: %+v", a)
	}
}

// A departure empties the role (no holder) but keeps who held it, and a
// set afterwards replaces the vacancy.
func TestVacateThenAssign(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	alice := Person{ID: "U1", Name: "Alice"}
	d := NewDirectory("slack:T1")
	d.Teams["checkout"] = &Team{ID: "checkout", Name: "Checkout", Roles: map[Role]Assignment{ProductOwner: {Person: alice}, ProductManager: {Person: Person{ID: "U2"}}}}
	gone, ch := d.Vacate(Person{ID: "U1"}, now, Person{Name: "Slack: account deactivated"}, "Slack: account deactivated")
	if len(gone) != 1 || len(ch) != 1 || ch[0].Summary != "Alice left (Slack: account deactivated): Product Owner of Checkout is vacant" {
		t.Fatalf("Vacate = %+v, %+v", gone, ch)
	}
	if g, c := d.Vacate(Person{ID: "U1"}, now, Person{}, ""); g != nil || c != nil {
		t.Errorf("second Vacate = %v, %v; want nothing", g, c)
	}
	c := d.Clone()
	c.Teams["checkout"].Roles[ProductOwner].Vacated.Person.Name = "X"
	if d.Teams["checkout"].Roles[ProductOwner].Vacated.Person.Name != "Alice" {
		t.Error("Clone shares the vacancy")
	}
	d.Assign(d.Teams["checkout"], ProductOwner, Person{ID: "U3"}, Person{ID: "U9"}, now)
	if a := d.Teams["checkout"].Roles[ProductOwner]; a.Vacated != nil || a.Person.ID != "U3" {
		t.Errorf("after Assign: %+v", a)
	}
}
