package ownership

import "testing"

func TestSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Checkout": "checkout", " Mobile Team ": "mobile-team", "#payments_squad": "payments-squad", "Ünïcode": "ünïcode"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	d := NewDirectory("t")
	d.Teams["a"] = &Team{ID: "a", Name: "A", Aliases: []string{"x"}, Roles: map[Role]Assignment{ProductOwner: {Person: Person{ID: "U1"}}},
		Members: []Person{{ID: "U1"}}, Channels: []Channel{{ID: "C1"}}, Routes: map[string]Role{"roadmap": ProductOwner}}
	d.Roles = []RoleDef{{ID: "designer", Aliases: []string{"ux"}}}
	d.Intents = []CustomIntent{{ID: "i", Phrases: []string{"p"}}}
	c := d.Clone()
	c.Teams["a"].Aliases[0] = "changed"
	c.Teams["a"].Roles[ProductOwner] = Assignment{Person: Person{ID: "U2"}}
	c.Teams["a"].Members[0].ID = "changed"
	c.Teams["a"].Channels[0].ID = "changed"
	c.Teams["a"].Routes["roadmap"] = ProductManager
	c.Roles[0].Aliases[0] = "changed"
	c.Intents[0].Phrases[0] = "changed"
	a := d.Teams["a"]
	if a.Aliases[0] != "x" || a.Roles[ProductOwner].Person.ID != "U1" || a.Members[0].ID != "U1" || a.Channels[0].ID != "C1" ||
		a.Routes["roadmap"] != ProductOwner || d.Roles[0].Aliases[0] != "ux" || d.Intents[0].Phrases[0] != "p" {
		t.Fatalf("clone shares memory with the original: %+v %+v %+v", a, d.Roles, d.Intents)
	}
}
