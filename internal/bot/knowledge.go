package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
)

// The two roles in a sentence each, used by onboarding and the knowledge
// answers. They paraphrase the usual agile split: the PM looks outward and
// ahead, the PO inward and at the next few sprints.
const (
	pmInShort = "The Product Manager owns the what and the why: vision, strategy, the roadmap, the market and competitors, customers' needs, the business case and launch. They look outward and months ahead."
	poInShort = "The Product Owner owns the how and the when of delivery: the backlog and its order, user stories and acceptance criteria, sprint goals, accepting finished work and answering the team's day-to-day product questions. They look inward and a few sprints ahead."
)

func knowledge(id string, in intent.Intent, f Format) string {
	switch id {
	case "help":
		return helpText(f)
	case "role_difference":
		if in.More != "" {
			return in.More
		}
		return pmInShort + "\n" + poInShort
	}
	if in.More != "" {
		return in.More
	}
	return in.Why
}

func helpText(f Format) string {
	p := f.CommandPrefix()
	ask := "mention me in a channel"
	return strings.Join([]string{
		"I answer \"who owns this?\" for product work: I tell you whether it is the Product Manager's or the Product Owner's call, and who that is on your team.",
		fmt.Sprintf("Ask in plain words: %s, or send me a direct message. For example: %s, %s, %s.", ask,
			f.Code("who writes the acceptance criteria for checkout?"), f.Code("who owns the roadmap?"), f.Code("who is the PO of payments?")),
		fmt.Sprintf("Name a team in the question, or ask in a channel linked to one. %s shows a team's roles; %s lists the teams.", f.Code(p+" show checkout"), f.Code(p+" teams")),
		fmt.Sprintf("Leads keep the answers current with %s (set and unset owners, link channels, temporary cover, overrides, history).", f.Code(p+" help")),
	}, "\n")
}

// Onboarding is the welcome a new member gets by direct message.
type Onboarding struct {
	User ownership.Person `json:"user"`
	// Team is the person's team, nil when unknown: then Teams lists the
	// choices for a picker.
	Team  *TeamRef  `json:"team,omitempty"`
	Teams []TeamRef `json:"teams,omitempty"`
	// PM and PO are the holders on Team; Empty() when nobody holds the role.
	PM         Holder `json:"pm"`
	PO         Holder `json:"po"`
	SamePerson bool   `json:"same_person,omitempty"`
	// Roles explains the two roles; HowToAsk says how to use the bot.
	Roles    []string `json:"roles"`
	HowToAsk string   `json:"how_to_ask"`
}

// Welcome prepares the onboarding message for user on team (team "" when
// unknown). send is false when the person was already welcomed for that team,
// so nobody is greeted twice, even across replicas.
func (s *Service) Welcome(ctx context.Context, m Message, teamID string) (o Onboarding, send bool, err error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Onboarding{}, false, err
	}
	var t *ownership.Team
	if teamID != "" {
		t = d.Team(teamID)
	}
	if t == nil {
		if mine := d.MemberTeams(m.User.ID); len(mine) == 1 {
			t = mine[0]
		}
	}
	key := ""
	if t != nil {
		key = t.ID
	}
	first, err := s.store.MarkOnboarded(ctx, m.Tenant, m.User.ID, key)
	if err != nil || !first {
		return Onboarding{}, false, err
	}
	return s.onboarding(d, m, t), true, nil
}

// JoinTeam records that the user belongs to team (their own choice in the
// onboarding picker) and returns the onboarding for it. Joining oneself needs
// no lead; it is audited like any change.
func (s *Service) JoinTeam(ctx context.Context, m Message, teamID string) (Onboarding, error) {
	var team *ownership.Team
	d, _, err := s.store.Update(ctx, m.Tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		t := d.Team(teamID)
		if t == nil {
			return nil, unknownTeam(d, teamID)
		}
		team = t
		if t.HasMember(m.User.ID) {
			return nil, nil
		}
		t.Members = append(t.Members, m.User)
		return []ownership.Change{{At: s.now().UTC(), Actor: m.User, Team: t.ID, Action: "member.add", New: m.User.ID,
			Summary: fmt.Sprintf("%s joined %s", m.User.Label(), t.Name)}}, nil
	})
	if err != nil {
		return Onboarding{}, err
	}
	if _, err := s.store.MarkOnboarded(ctx, m.Tenant, m.User.ID, team.ID); err != nil {
		s.log.Warn("could not record onboarding", "err", err)
	}
	return s.onboarding(d, m, d.Team(team.ID)), nil
}

func (s *Service) onboarding(d *ownership.Directory, m Message, t *ownership.Team) Onboarding {
	f := formatOf(m)
	o := Onboarding{User: m.User, Roles: []string{pmInShort, poInShort}}
	p := f.CommandPrefix()
	o.HowToAsk = fmt.Sprintf("Ask me \"who owns …?\" questions in plain words: mention me in a channel or write to me here. Try %s or %s. %s lists everything I can do.",
		f.Code("who writes the acceptance criteria?"), f.Code("who owns the roadmap?"), f.Code(p+" help"))
	if t == nil {
		for _, tt := range d.SortedTeams() {
			o.Teams = append(o.Teams, TeamRef{ID: tt.ID, Name: tt.Name})
		}
		return o
	}
	now := s.now()
	o.Team = &TeamRef{ID: t.ID, Name: t.Name}
	o.PM = holder(d, t, ownership.ProductManager, now)
	o.PO = holder(d, t, ownership.ProductOwner, now)
	o.SamePerson = !o.PM.Empty() && o.PM.Person.ID == o.PO.Person.ID
	return o
}

// Text renders the onboarding as plain lines in the given format, for
// transports without richer layouts and for the command line.
func (o Onboarding) Text(f Format) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Welcome, %s! I'm whoowns: I tell you who owns what in product work.\n", f.Mention(o.User))
	for _, r := range o.Roles {
		b.WriteString("• " + r + "\n")
	}
	if o.Team != nil {
		fmt.Fprintf(&b, "On %s:\n", f.Bold(o.Team.Name))
		if o.SamePerson {
			fmt.Fprintf(&b, "• %s is both Product Manager and Product Owner.\n", f.Mention(o.PM.Person))
		} else {
			for _, h := range []Holder{o.PM, o.PO} {
				b.WriteString("• " + holderLine(f, h) + "\n")
			}
		}
	} else if len(o.Teams) > 0 {
		b.WriteString("Which team are you on? Pick it and I'll show you who's who.\n")
	}
	b.WriteString(o.HowToAsk)
	return b.String()
}

func holderLine(f Format, h Holder) string {
	switch {
	case h.Empty():
		return fmt.Sprintf("%s: nobody yet", h.RoleName)
	case h.Covering():
		usual := ""
		if !h.Usual.IsZero() {
			usual = fmt.Sprintf(" for %s", f.Mention(h.Usual))
		}
		return fmt.Sprintf("%s: %s (covering%s until %s)", h.RoleName, f.Mention(h.Person), usual, when(h.CoverUntil))
	}
	return fmt.Sprintf("%s: %s", h.RoleName, f.Mention(h.Person))
}
