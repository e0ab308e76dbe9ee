package bot

import (
	"fmt"
	"slices"

	"github.com/whoowns/whoowns/internal/ownership"
)

// pickTeam makes u a member of t as picked in the welcome's team picker,
// inside an update of d. A pick replaces the person's previous pick: they
// leave the team they picked before (unless a lead has added them to it
// since), so picking again corrects a wrong pick instead of adding teams.
// Memberships a lead made are never touched. It returns the audit entries.
func (s *Service) pickTeam(d *ownership.Directory, u ownership.Person, t *ownership.Team) []ownership.Change {
	now := s.now().UTC()
	var changes []ownership.Change
	for _, o := range d.SortedTeams() {
		if o.ID == t.ID || !slices.Contains(o.Picked, u.ID) {
			continue
		}
		o.Picked = slices.DeleteFunc(o.Picked, func(id string) bool { return id == u.ID })
		if !o.HasMember(u.ID) {
			continue
		}
		o.Members = slices.DeleteFunc(o.Members, func(p ownership.Person) bool { return p.ID == u.ID })
		changes = append(changes, ownership.Change{At: now, Actor: u, Team: o.ID, Action: "member.remove", Old: u.ID,
			Summary: fmt.Sprintf("%s picked %s instead of %s", u.Label(), t.Name, o.Name)})
	}
	if !t.HasMember(u.ID) {
		t.Members = append(t.Members, u)
		t.Picked = append(t.Picked, u.ID)
		changes = append(changes, ownership.Change{At: now, Actor: u, Team: t.ID, Action: "member.add", New: u.ID,
			Summary: fmt.Sprintf("%s joined %s", u.Label(), t.Name)})
	}
	return changes
}

// unpick forgets that the person id picked t: a lead's own change to their
// membership of t makes it the lead's, which a later pick leaves alone. It
// reports whether they had picked it.
func unpick(t *ownership.Team, id string) bool {
	if !slices.Contains(t.Picked, id) {
		return false
	}
	t.Picked = slices.DeleteFunc(slices.Clone(t.Picked), func(p string) bool { return p == id })
	return true
}
