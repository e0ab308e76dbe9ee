package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Home is what a person sees on the bot's home page (Slack's App Home, the
// Teams personal home card): what each role answers (once), the viewer's
// own teams, then every other team, and for leads the work that waits for
// them. Renderers page the teams: a workspace may have hundreds.
type Home struct {
	Viewer ownership.Person `json:"viewer"`
	Lead   bool             `json:"lead"`
	// Topics says what each role answers by default, listed once for all
	// teams; a team's own routing shows on the team as Overrides.
	Topics []RoleTopics `json:"topics,omitempty"`
	// Teams holds the viewer's own teams first (Mine), then the others by
	// name.
	Teams []HomeTeam `json:"teams"`
	// Mine is how many of Teams are the viewer's own.
	Mine int `json:"mine"`
	// For leads only.
	Summary *LeadSummary `json:"summary,omitempty"`
	// Unanswered holds the newest unanswered questions, each listed once
	// with how often it was asked.
	Unanswered []UnansweredQuestion `json:"unanswered,omitempty"`
	EmptyRoles []EmptyRole          `json:"empty_roles,omitempty"`
	// Focus is the id of the team the viewer came to manage (an answer's
	// Manage button), picked already in the home's team picker.
	Focus string `json:"focus,omitempty"`
	// Requests are the pending handovers and claims, oldest first, which
	// a lead approves or declines from the home.
	Requests []HomeRequest `json:"requests,omitempty"`
	// FirstSteps is set for a lead of a tenant with no teams yet (right
	// after an install): the home then explains what to do first.
	FirstSteps []rich.Text `json:"first_steps,omitempty"`
	// Stats is how the bot was used over the last DefaultStatsDays days,
	// for leads; nil when it could not be read (the home shows without).
	Stats *StatsView `json:"stats,omitempty"`
}

// OnNoTeam reports whether the viewer belongs to no team.
func (h Home) OnNoTeam() bool { return h.Mine == 0 }

// LeadSummary counts what needs a lead's attention, for the line at the
// top of a lead's home.
type LeadSummary struct {
	Teams int `json:"teams"`
	// EmptyRoles counts the PM and PO roles nobody holds, vacated ones
	// included.
	EmptyRoles int `json:"empty_roles"`
	// Vacated counts the roles (custom ones included) emptied because
	// their holder left, waiting for a lead to fill them.
	Vacated int `json:"vacated"`
	// Requests counts the handovers and claims waiting for a lead.
	Requests int `json:"requests"`
	// Covers is how many roles are held by a temporary cover now.
	Covers int `json:"covers"`
	// Unanswered counts the distinct unanswered questions (the same
	// words asked again count once).
	Unanswered int `json:"unanswered"`
}

// UnansweredQuestion is an unanswered question (its latest asking) and
// how often it was asked in the same words.
type UnansweredQuestion struct {
	ownership.Unanswered
	Times int `json:"times"`
}

// HomeRequest is a pending request as the home lists it: its id (the
// buttons' value) and what it asks, naming people without notifying them.
type HomeRequest struct {
	ID      string    `json:"id"`
	Text    string    `json:"text"`
	Expires time.Time `json:"expires"`
}

// homeRequests is how many pending requests a home lists with buttons;
// "requests" sends them all.
const homeRequests = 10

// RoleTopics is what a role answers by default.
type RoleTopics struct {
	Role     ownership.Role `json:"role"`
	RoleName string         `json:"role_name"`
	Answers  []string       `json:"answers"`
}

// HomeTeam is one team with each role's holder and where it routes a
// topic away from the default.
type HomeTeam struct {
	Team TeamRef `json:"team"`
	// Mine is true when the viewer is on the team.
	Mine      bool       `json:"mine,omitempty"`
	Roles     []HomeRole `json:"roles"`
	Overrides []Override `json:"overrides,omitempty"`
	Members   int        `json:"members"`
}

// HomeRole is a role's holder (with any cover).
type HomeRole struct {
	Holder Holder `json:"holder"`
}

// Override is a topic a team routes to another role than the default.
type Override struct {
	Topic    string `json:"topic"`
	RoleName string `json:"role_name"`
}

// EmptyRole is a team without a holder for a built-in role.
type EmptyRole struct {
	Team     TeamRef        `json:"team"`
	RoleName string         `json:"role_name"`
	Role     ownership.Role `json:"role"`
}

// homeUnanswered is how many unanswered questions a lead's home lists;
// the summary counts every distinct one of the queue.
const homeUnanswered = 10

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
	byRole := map[ownership.Role]*RoleTopics{}
	for _, rd := range d.RoleDefs() {
		h.Topics = append(h.Topics, RoleTopics{Role: rd.ID, RoleName: rd.Name})
	}
	h.Topics = append(h.Topics, RoleTopics{Role: ownership.Both, RoleName: "Product Manager and Product Owner together"})
	for i := range h.Topics {
		byRole[h.Topics[i].Role] = &h.Topics[i]
	}
	titles := map[string]string{}
	for _, in := range cat.Intents() {
		titles[in.ID] = in.Title
		if rt := byRole[in.Role]; rt != nil {
			rt.Answers = append(rt.Answers, in.Title)
		}
	}
	topics := h.Topics[:0]
	for _, rt := range h.Topics {
		if len(rt.Answers) > 0 {
			topics = append(topics, rt)
		}
	}
	h.Topics = topics

	teams := d.SortedTeams()
	sort.SliceStable(teams, func(i, j int) bool { return teams[i].HasMember(m.User.ID) && !teams[j].HasMember(m.User.ID) })
	for _, t := range teams {
		ht := HomeTeam{Team: TeamRef{ID: t.ID, Name: t.Name}, Mine: t.HasMember(m.User.ID), Members: len(t.Members)}
		if ht.Mine {
			h.Mine++
		}
		for _, rd := range d.RoleDefs() {
			if _, ok := t.Roles[rd.ID]; !ok && rd.ID != ownership.ProductManager && rd.ID != ownership.ProductOwner {
				continue
			}
			ht.Roles = append(ht.Roles, HomeRole{Holder: holder(d, t, rd.ID, now)})
		}
		for _, id := range sortedKeys(t.Routes) {
			title := titles[id]
			if title == "" {
				title = id
			}
			name := d.RoleName(t.Routes[id])
			if t.Routes[id] == ownership.Both {
				name = roleTitle(ownership.Both)
			}
			ht.Overrides = append(ht.Overrides, Override{Topic: title, RoleName: name})
		}
		h.Teams = append(h.Teams, ht)
	}
	if h.Lead && len(d.Teams) == 0 {
		h.FirstSteps = FirstSteps()
	}
	if !h.Lead {
		return h, nil
	}
	qs, err := s.store.Unanswered(ctx, m.Tenant, unansweredRead)
	if err != nil {
		return Home{}, err
	}
	groups := groupUnanswered(qs, d)
	sum := &LeadSummary{Teams: len(d.Teams), Unanswered: len(groups), Requests: len(d.PendingRequests(now))}
	for _, g := range groups[:min(len(groups), homeUnanswered)] {
		h.Unanswered = append(h.Unanswered, UnansweredQuestion{Unanswered: g.Latest, Times: g.Count})
	}
	for _, t := range d.SortedTeams() {
		for _, a := range t.Roles {
			if a.Vacated != nil && !a.Held() {
				sum.Vacated++
			}
		}
		for _, r := range []ownership.Role{ownership.ProductManager, ownership.ProductOwner} {
			if p, _, _ := t.Holder(r, now); p.IsZero() {
				h.EmptyRoles = append(h.EmptyRoles, EmptyRole{Team: TeamRef{ID: t.ID, Name: t.Name}, Role: r, RoleName: d.RoleName(r)})
			}
		}
		for _, c := range t.Covers {
			if c.Active(now) {
				sum.Covers++
			}
		}
	}
	sum.EmptyRoles = len(h.EmptyRoles)
	pending := d.PendingRequests(now)
	for _, r := range pending[:min(len(pending), homeRequests)] {
		h.Requests = append(h.Requests, HomeRequest{ID: r.ID, Text: d.Describe(r), Expires: r.Expires})
	}
	h.Summary = sum
	if v, err := s.statsView(ctx, d, m.Tenant, DefaultStatsDays); err == nil {
		h.Stats = &v
	} else {
		s.log.Warn("home without usage statistics", "err", err, "tenant", m.Tenant)
	}
	return h, nil
}

// maxTeamKey is the longest team key: with a verb in front it fits Slack's
// 150-byte option values and Teams' card data alike.
const maxTeamKey = 100

// TeamKey names a team in a button, option or form value: its id when that
// is short, else a digest of it (an id may hold up to 80 multi-byte
// letters).
func TeamKey(id string) string {
	if len(id) <= maxTeamKey && !strings.HasPrefix(id, "~") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "~" + hex.EncodeToString(sum[:12])
}

// teamByKey finds the team a TeamKey names, or nil.
func teamByKey(d *ownership.Directory, key string) *ownership.Team {
	if !strings.HasPrefix(key, "~") {
		return d.Teams[key]
	}
	for _, t := range d.Teams {
		if TeamKey(t.ID) == key {
			return t
		}
	}
	return nil
}

// FirstSteps are a new tenant's next steps, for its leads: create the
// teams, name who holds the roles, link the teams' channels, or import
// everything from a file; then bring in other leads.
func FirstSteps() []rich.Text {
	return []rich.Text{
		rich.Sprintf("Create your teams: %s", rich.Command("team create <name>")),
		rich.Sprintf("Say who holds each role: %s and %s", rich.Command("set pm @person <team>"), rich.Command("set po @person <team>")),
		rich.Sprintf("Link each team's channel, so questions asked there are about that team: %s, or %s in the channel", rich.Command("channel #channel <team>"), rich.Command("channel here <team>")),
		rich.Sprintf("Many teams already written down? An operator can load them all at once from a file with %s.", rich.Code("whoowns import")),
		rich.Sprintf("Share the work: %s makes someone else a lead too.", rich.Command("lead add @person")),
	}
}

// FindTeams returns up to limit teams of m's tenant whose name, id or an
// alias contains query (case, spacing and punctuation aside): those it
// starts first, then by name. An empty query matches every team. It is
// what a searchable list of teams offers as its options; anyone may
// search, as anyone may list the teams.
func (s *Service) FindTeams(ctx context.Context, m Message, query string, limit int) ([]TeamRef, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return nil, err
	}
	q := ownership.Slug(query)
	type hit struct {
		t      *ownership.Team
		prefix bool
	}
	var hits []hit
	for _, t := range d.SortedTeams() {
		best := -1
		for _, name := range append([]string{t.Name, t.ID}, t.Aliases...) {
			i := strings.Index(ownership.Slug(name), q)
			if i >= 0 && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			hits = append(hits, hit{t: t, prefix: best == 0})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].prefix && !hits[j].prefix })
	var out []TeamRef
	for _, h := range hits[:min(len(hits), limit)] {
		out = append(out, TeamRef{ID: h.t.ID, Name: h.t.Name})
	}
	return out, nil
}
