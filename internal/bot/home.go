package bot

import (
	"context"
	"sort"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Home is what a person sees on the bot's home page (Slack's App Home, the
// Teams personal tab card): their teams' roles, and for leads the work that
// waits for them.
type Home struct {
	Viewer ownership.Person `json:"viewer"`
	Lead   bool             `json:"lead"`
	Teams  []HomeTeam       `json:"teams"`
	// AllTeams is true when the viewer belongs to no team and sees all.
	AllTeams bool `json:"all_teams,omitempty"`
	// For leads only.
	Unanswered []ownership.Unanswered `json:"unanswered,omitempty"`
	EmptyRoles []EmptyRole            `json:"empty_roles,omitempty"`
}

// HomeTeam is one team with each role's holder and what the role answers.
type HomeTeam struct {
	Team  TeamRef    `json:"team"`
	Roles []HomeRole `json:"roles"`
}

// HomeRole is a role's holder (with any cover) and the intents it answers.
type HomeRole struct {
	Holder  Holder   `json:"holder"`
	Answers []string `json:"answers"`
}

// EmptyRole is a team without a holder for a built-in role.
type EmptyRole struct {
	Team     TeamRef        `json:"team"`
	RoleName string         `json:"role_name"`
	Role     ownership.Role `json:"role"`
}

// Home builds the home view for m.User.
func (s *Service) Home(ctx context.Context, m Message) (Home, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Home{}, err
	}
	if err := live(d, false); err != nil {
		return Home{}, err
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return Home{}, err
	}
	now := s.now()
	h := Home{Viewer: m.User, Lead: s.isLead(d, m)}
	teams := d.MemberTeams(m.User.ID)
	if len(teams) == 0 {
		teams = d.SortedTeams()
		h.AllTeams = true
	}
	for _, t := range teams {
		ht := HomeTeam{Team: TeamRef{ID: t.ID, Name: t.Name}}
		for _, rd := range d.RoleDefs() {
			if _, ok := t.Roles[rd.ID]; !ok && rd.ID != ownership.ProductManager && rd.ID != ownership.ProductOwner {
				continue
			}
			hr := HomeRole{Holder: holder(d, t, rd.ID, now)}
			for _, in := range cat.Intents() {
				role := in.Role
				if r, ok := t.Routes[in.ID]; ok {
					role = r
				}
				if role == rd.ID {
					hr.Answers = append(hr.Answers, in.Title)
				}
			}
			ht.Roles = append(ht.Roles, hr)
		}
		h.Teams = append(h.Teams, ht)
	}
	if h.Lead {
		if h.Unanswered, err = s.store.Unanswered(ctx, m.Tenant, 10); err != nil {
			return Home{}, err
		}
		for _, t := range d.SortedTeams() {
			for _, r := range []ownership.Role{ownership.ProductManager, ownership.ProductOwner} {
				if p, _, _ := t.Holder(r, now); p.IsZero() {
					h.EmptyRoles = append(h.EmptyRoles, EmptyRole{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: r, RoleName: d.RoleName(r)})
				}
			}
		}
		sort.SliceStable(h.EmptyRoles, func(i, j int) bool { return h.EmptyRoles[i].Team.Name < h.EmptyRoles[j].Team.Name })
	}
	return h, nil
}
