package bot

import (
	"context"
	"fmt"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// The two roles in a sentence each, used by onboarding and the knowledge
// answers. They paraphrase the usual agile split: the PM looks outward and
// ahead, the PO inward and at the next few sprints.
const (
	pmInShort = "The Product Manager owns the what and the why: vision, strategy, the roadmap, the market and competitors, customers' needs, the business case and launch. They look outward and months ahead."
	poInShort = "The Product Owner owns the how and the when of delivery: the backlog and its order, user stories and acceptance criteria, sprint goals, accepting finished work and answering the team's day-to-day product questions. They look inward and a few sprints ahead."
)

func knowledge(id string, in intent.Intent) rich.Text {
	switch id {
	case "help":
		return helpText()
	case "role_difference":
		if in.More != "" {
			return rich.Plain(in.More)
		}
		return rich.Lines(rich.Plain(pmInShort), rich.Plain(poInShort))
	}
	if in.More != "" {
		return rich.Plain(in.More)
	}
	return rich.Plain(in.Why)
}

func helpText() rich.Text {
	return rich.Lines(
		rich.Plain("I answer \"who owns this?\" for product work: I tell you whether it is the Product Manager's or the Product Owner's call, and who that is on your team."),
		rich.Sprintf("Ask in plain words: mention me in a channel, or send me a direct message. For example: %s, %s, %s.",
			rich.Code("who writes the acceptance criteria for checkout?"), rich.Code("who owns the roadmap?"), rich.Code("who is the PO of payments?")),
		rich.Sprintf("Name a team in the question, or ask in a channel linked to one. %s shows a team's roles; %s lists the teams.", rich.Command("show checkout"), rich.Command("teams")),
		rich.Sprintf("Leads keep the answers current with %s (set and unset owners, link channels, temporary cover, overrides, history).", rich.Command("help")),
	)
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
	Roles    []string  `json:"roles"`
	HowToAsk rich.Text `json:"how_to_ask"`
	// FirstLead is set in the welcome of the person who installed the app
	// and so became the tenant's first lead; FirstSteps then says what to
	// do first when the tenant has no teams yet.
	FirstLead  bool        `json:"first_lead,omitempty"`
	FirstSteps []rich.Text `json:"first_steps,omitempty"`
}

// FirstLeadLines are the lines of the welcome that tell the installer
// they are the first lead, with the first steps; none for anyone else.
func (o Onboarding) FirstLeadLines() []rich.Text {
	if !o.FirstLead {
		return nil
	}
	lines := []rich.Text{rich.Plain("You added me here, so you are my first lead: you keep who owns what up to date, and can make others leads too.")}
	for i, st := range o.FirstSteps {
		lines = append(lines, rich.Concat(rich.Plain(fmt.Sprintf("%d. ", i+1)), st))
	}
	return lines
}

// InstalledBy records the person who installed the app in m.Tenant as its
// first lead when it has none, audited; it reports whether they became
// the lead. m.ID names the install, so a redelivery changes nothing more.
// name, if m.User has none, is asked for the person's name only when they
// are about to become the lead (it may cost the transport a call).
func (s *Service) InstalledBy(ctx context.Context, m Message, name func(context.Context) string) (bool, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return false, err
	}
	if len(d.Leads) > 0 {
		return false, nil
	}
	if m.User.Name == "" && name != nil {
		m.User.Name = name(ctx)
	}
	_, changes, err := s.store.Update(ctx, m.Tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		if len(d.Leads) > 0 {
			return nil, nil
		}
		d.Leads = append(d.Leads, m.User)
		return []ownership.Change{{At: s.now().UTC(), Actor: m.User, Action: "lead.add", New: m.User.ID,
			Summary: fmt.Sprintf("%s installed whoowns and became its first lead", m.User.Label())}}, nil
	}, ownership.WithRequestID("install:"+m.ID))
	return err == nil && len(changes) > 0, err
}

// WelcomeInstaller is Welcome for the person who just installed the app.
// When they became the first lead the welcome says so (with the first
// steps if there are no teams yet), and is sent even if they were
// welcomed before.
func (s *Service) WelcomeInstaller(ctx context.Context, m Message, firstLead bool) (Onboarding, bool, error) {
	o, send, err := s.Welcome(ctx, m, "")
	if err != nil || !firstLead {
		return o, send, err
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Onboarding{}, false, err
	}
	if !send {
		o = s.onboarding(d, m, nil)
	}
	o.FirstLead = true
	if len(d.Teams) == 0 {
		o.FirstSteps = FirstSteps()
	}
	return o, true, nil
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
		return s.pickTeam(d, m.User, t), nil
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
	o := Onboarding{User: m.User, Roles: []string{pmInShort, poInShort}}
	o.HowToAsk = rich.Sprintf("Ask me \"who owns …?\" questions in plain words: mention me in a channel or write to me here. Try %s or %s. %s lists everything I can do.",
		rich.Code("who writes the acceptance criteria?"), rich.Code("who owns the roadmap?"), rich.Command("help"))
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

// Text is the onboarding as lines, for transports without richer layouts
// and for the command line.
func (o Onboarding) Text() rich.Text {
	lines := []rich.Text{rich.Sprintf("Welcome, %s! I'm whoowns: I tell you who owns what in product work.", mention(o.User))}
	for _, r := range o.Roles {
		lines = append(lines, rich.Sprintf("• %s", r))
	}
	if o.Team != nil {
		lines = append(lines, rich.Sprintf("On %s:", rich.Strong(o.Team.Name)))
		if o.SamePerson {
			lines = append(lines, rich.Sprintf("• %s is both Product Manager and Product Owner.", mention(o.PM.Person)))
		} else {
			for _, h := range []Holder{o.PM, o.PO} {
				lines = append(lines, rich.Sprintf("• %s", holderLine(h)))
			}
		}
	} else if len(o.Teams) > 0 {
		lines = append(lines, rich.Plain("Which team are you on? Pick it and I'll show you who's who."))
	}
	lines = append(lines, o.FirstLeadLines()...)
	lines = append(lines, o.HowToAsk)
	return rich.Lines(lines...)
}

func holderLine(h Holder) rich.Text {
	switch {
	case h.Vacated != nil && h.Empty():
		return rich.Sprintf("%s: vacant since %s (%s held it)", h.RoleName, day(h.Vacated.Since), h.Vacated.Person.Label())
	case h.Empty():
		return rich.Sprintf("%s: nobody yet", h.RoleName)
	case h.Covering():
		var usual rich.Text
		if !h.Usual.IsZero() {
			usual = rich.Sprintf(" for %s", mention(h.Usual))
		}
		return rich.Sprintf("%s: %s (covering%s until %s)", h.RoleName, mention(h.Person), usual, when(h.CoverUntil))
	}
	return rich.Sprintf("%s: %s", h.RoleName, mention(h.Person))
}
