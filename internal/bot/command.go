package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// CommandResult is what a command produced: a reply for the person who typed
// it, and messages the transport delivers elsewhere.
type CommandResult struct {
	// Text is the reply to the issuer (ephemeral on Slack).
	Text rich.Text
	// Answer is set for "ask": transports render it like any answer.
	Answer *Answer
	// Announcements go to the channels linked to the changed team.
	Announcements []Announcement
	// Welcomes are onboarding messages to deliver by direct message.
	Welcomes []Onboarding
	// Private, when set, is for the author alone: Text is what may be
	// shown where the command was typed (a channel), and transports
	// deliver Private privately (Slack ephemeral, Teams personal chat),
	// or show it in place of Text where the reply is private anyway (a
	// slash command's response).
	Private rich.Text
	// Notices are private messages to other people (leads, a requester),
	// with the actions they offer.
	Notices []Notice
	// Changed is true when the command changed data.
	Changed bool
}

// Announcement is a message for one channel.
type Announcement struct {
	Team    TeamRef
	Channel ownership.Channel
	Text    rich.Text
}

// Command runs one command of the leads' grammar. m.Text holds the command
// without its prefix ("set po <@U1|alice> checkout"). A malformed command or
// a refusal comes back as an *ownership.Error whose message says what was
// wrong and how to do it right; nothing changes then.
func (s *Service) Command(ctx context.Context, m Message) (CommandResult, error) {
	ts, err := tokenize(m.Text)
	if err != nil {
		return CommandResult{}, err
	}
	if len(ts) == 0 {
		// The bare prefix ("/whoowns") asks for help.
		ts = []token{{text: "help"}}
	}
	v, ok := lookupVerb(ts[0].text)
	if !ok {
		return CommandResult{}, ownership.Errorf(ownership.ErrInvalid, "I don't know the command %q. %s lists them; to ask a question use %s.",
			ts[0].text, rich.Command("help"), rich.Command("ask <question>"))
	}
	if err := s.allow("c", s.limits.Commands, m); err != nil {
		return CommandResult{}, err
	}
	c := &cmd{s: s, m: m, args: ts[1:], verb: v.name, word: ts[0].text, now: s.now().UTC()}
	if v.needsNoDirectory {
		return v.view(c, ctx)
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return CommandResult{}, err
	}
	if v.name != "help" {
		if err := live(d, v.mutating); err != nil {
			return CommandResult{}, err
		}
	}
	c.d, c.lead = d, s.isLead(d, m)
	if v.lead && !c.lead {
		return CommandResult{}, forbidden(v.name)
	}
	if v.check != nil {
		if err := v.check(c, ctx); err != nil {
			return CommandResult{}, err
		}
	}
	if v.apply != nil {
		return c.change(ctx, v.apply)
	}
	return v.view(c, ctx)
}

// forbidden refuses a leads' command to someone who is not a lead.
func forbidden(verb string) error {
	return ownership.Errorf(ownership.ErrForbidden,
		"Only leads can use %s. Ask a lead to make the change, or to make you a lead with %s.",
		rich.Command(verb), rich.Command("lead add @you"))
}

// cmd carries one command's context through its handler.
type cmd struct {
	s    *Service
	m    Message
	d    *ownership.Directory
	args []token
	// verb is the command's name; word is how it was typed.
	verb string
	word string
	// lead is whether the issuer was a lead when the command arrived;
	// changes check again inside their update.
	lead bool
	now  time.Time
}

// usage refuses the command with a problem (formatted like rich.Sprintf)
// and the verb's usage.
func (c *cmd) usage(format string, args ...any) error {
	return usageError(c.verb, rich.Sprintf(format, args...))
}

// team resolves an optional team argument: named, else the channel's team,
// else the issuer's only team.
func (c *cmd) team(d *ownership.Directory, ts []token) (*ownership.Team, error) {
	if len(ts) > 0 {
		if len(ts) == 1 && ts[0].channel != nil {
			if t := d.ChannelTeam(ts[0].channel.ID); t != nil {
				return t, nil
			}
			return nil, ownership.Errorf(ownership.ErrNotFound, "%s is not linked to a team. Name the team instead.", channelLink(*ts[0].channel))
		}
		name := joinTokens(ts)
		if t := d.Team(name); t != nil {
			return t, nil
		}
		return nil, unknownTeam(d, name)
	}
	if t := d.ChannelTeam(c.m.Channel.ID); t != nil {
		return t, nil
	}
	if mine := d.MemberTeams(c.m.User.ID); len(mine) == 1 {
		return mine[0], nil
	}
	if len(d.Teams) == 1 {
		for _, t := range d.Teams {
			return t, nil
		}
	}
	var names []string
	for _, t := range d.SortedTeams() {
		names = append(names, t.Name)
	}
	if len(names) == 0 {
		return nil, ownership.Errorf(ownership.ErrNotFound, "No teams exist yet. Create one with %s.", rich.Command("team create <name>"))
	}
	return nil, c.usage("Which team? This channel isn't linked to one. Teams: %s.", strings.Join(names, ", "))
}

func (c *cmd) role(d *ownership.Directory, t token) (ownership.RoleDef, error) {
	if r, ok := d.LookupRole(t.text); ok {
		return r, nil
	}
	return ownership.RoleDef{}, unknownRole(d, t.text)
}

// splitRole reads a role that may span two words ("product owner") and
// returns it with the remaining tokens.
func (c *cmd) splitRole(d *ownership.Directory, ts []token) (ownership.RoleDef, []token, error) {
	if len(ts) == 0 {
		return ownership.RoleDef{}, nil, c.usage("The role is missing.")
	}
	if len(ts) >= 2 && !ts[0].quoted {
		if r, ok := d.LookupRole(ts[0].text + " " + ts[1].text); ok {
			return r, ts[2:], nil
		}
	}
	r, err := c.role(d, ts[0])
	return r, ts[1:], err
}

func (c *cmd) show() (CommandResult, error) {
	t, err := c.team(c.d, c.args)
	if err != nil {
		return CommandResult{}, err
	}
	return CommandResult{Text: describeTeam(c.d, t, c.now)}, nil
}

func describeTeam(d *ownership.Directory, t *ownership.Team, now time.Time) rich.Text {
	lines := []rich.Text{rich.Strong(t.Name)}
	for _, r := range d.RoleDefs() {
		_, assigned := t.Roles[r.ID]
		_, covered := t.Covers[r.ID]
		if r.ID != ownership.ProductManager && r.ID != ownership.ProductOwner && !assigned && !covered {
			continue
		}
		lines = append(lines, rich.Sprintf("• %s", holderLine(holder(d, t, r.ID, now))))
	}
	if len(t.Routes) > 0 {
		var rs []string
		for _, k := range sortedKeys(t.Routes) {
			rs = append(rs, fmt.Sprintf("%s → %s", k, d.RoleName(t.Routes[k])))
		}
		lines = append(lines, rich.Sprintf("• Overrides: %s", strings.Join(rs, ", ")))
	}
	if len(t.Channels) > 0 {
		var cs []rich.Text
		for _, ch := range t.Channels {
			cs = append(cs, channelLink(ch))
		}
		lines = append(lines, rich.Sprintf("• Channels: %s", rich.Join(cs, ", ")))
	}
	if len(t.Aliases) > 0 {
		lines = append(lines, rich.Sprintf("• Also called: %s", strings.Join(t.Aliases, ", ")))
	}
	lines = append(lines, rich.Sprintf("• Members: %d", len(t.Members)))
	return rich.Lines(lines...)
}

func (c *cmd) teams() (CommandResult, error) {
	teams := c.d.SortedTeams()
	if len(teams) == 0 {
		return CommandResult{Text: rich.Sprintf("No teams yet. A lead can create one with %s.", rich.Command("team create <name>"))}, nil
	}
	lines := []rich.Text{rich.Sprintf("%d teams:", len(teams))}
	for _, t := range teams {
		pm := holder(c.d, t, ownership.ProductManager, c.now)
		po := holder(c.d, t, ownership.ProductOwner, c.now)
		lines = append(lines, rich.Sprintf("• %s: PM %s, PO %s", rich.Strong(t.Name), personOrNobody(pm), personOrNobody(po)))
	}
	return CommandResult{Text: rich.Lines(lines...)}, nil
}

func personOrNobody(h Holder) rich.Text {
	if h.Empty() {
		return h.Vacancy()
	}
	return mention(h.Person)
}

func (c *cmd) history(ctx context.Context) (CommandResult, error) {
	teamID := ""
	name := "this workspace"
	if len(c.args) > 0 {
		t, err := c.team(c.d, c.args)
		if err != nil {
			return CommandResult{}, err
		}
		teamID, name = t.ID, t.Name
	}
	var hs []ownership.Change
	var err error
	if t := c.d.ChannelTeam(c.m.Channel.ID); len(c.args) == 0 && t != nil && !c.m.DM {
		// In a linked channel, the channel's team's changes and those to
		// the whole workspace (leads, roles, what the bot learned).
		name = t.Name + " and the whole workspace"
		hs, err = c.s.store.History(ctx, c.m.Tenant, "", 200)
		hs = slices.DeleteFunc(hs, func(h ownership.Change) bool { return h.Team != "" && h.Team != t.ID })
		hs = hs[:min(len(hs), 20)]
	} else {
		hs, err = c.s.store.History(ctx, c.m.Tenant, teamID, 20)
	}
	if err != nil {
		return CommandResult{}, err
	}
	if len(hs) == 0 {
		return CommandResult{Text: rich.Sprintf("No changes recorded for %s yet.", name)}, nil
	}
	lines := []rich.Text{rich.Sprintf("Latest changes for %s:", name)}
	for _, h := range hs {
		lines = append(lines, rich.Sprintf("• %s · %s", h.At.UTC().Format("2006-01-02 15:04 UTC"), summaryText(h)))
	}
	return CommandResult{Text: rich.Lines(lines...)}, nil
}

func (c *cmd) onboard(ctx context.Context) (CommandResult, error) {
	if len(c.args) == 0 {
		return CommandResult{}, c.usage("Who should I welcome? Mention them.")
	}
	u, err := userArg(c.verb, c.args[0])
	if err != nil {
		return CommandResult{}, err
	}
	var t *ownership.Team
	if len(c.args) > 1 {
		if t, err = c.team(c.d, c.args[1:]); err != nil {
			return CommandResult{}, err
		}
	} else if mine := c.d.MemberTeams(u.ID); len(mine) == 1 {
		t = mine[0]
	}
	// A lead's explicit request is sent even if the person was welcomed before.
	key := ""
	if t != nil {
		key = t.ID
	}
	if _, err := c.s.store.MarkOnboarded(ctx, c.m.Tenant, u.ID, key); err != nil {
		return CommandResult{}, err
	}
	summary := fmt.Sprintf("%s sent %s the welcome message", c.m.User.Label(), u.Label())
	if t != nil {
		summary += " for " + t.Name
	}
	audit := ownership.Change{At: c.now, Actor: c.m.User, Team: key, Action: "onboard", New: u.ID, Summary: summary, People: []ownership.Person{u}}
	if _, _, err := updateOnce(ctx, c.s.store, c.m, func(d *ownership.Directory) ([]ownership.Change, error) {
		if !c.s.isLead(d, c.m) {
			return nil, forbidden(c.verb)
		}
		return []ownership.Change{audit}, nil
	}); err != nil {
		return CommandResult{}, err
	}
	um := c.m
	um.User = u
	o := c.s.onboarding(c.d, um, t)
	return CommandResult{Text: rich.Sprintf("I've sent %s the welcome message.", mention(u)), Welcomes: []Onboarding{o}}, nil
}

// change runs a mutating command inside one atomic store update.
func (c *cmd) change(ctx context.Context, apply applyFunc) (CommandResult, error) {
	var reply rich.Text
	var touched *ownership.Team
	var announce []rich.Text
	var team TeamRef
	var channels []ownership.Channel
	fn := func(d *ownership.Directory) ([]ownership.Change, error) {
		reply, touched, announce, channels = nil, nil, nil, nil
		// Authority is checked again on the directory the change commits
		// to: a lead removed since the first check changes nothing.
		if !c.s.isLead(d, c.m) {
			return nil, forbidden(c.verb)
		}
		ch, err := apply(c, d, &reply, &touched, &announce)
		if err != nil {
			return nil, err
		}
		for i := range ch {
			ch[i].At = c.now
			ch[i].Actor = c.m.User
			ch[i].People = changePeople(ch[i], d, c.d)
		}
		// Announce where the team is linked after the change, or, for a
		// team just deleted or a channel just unlinked, where it was.
		if touched != nil {
			team = TeamRef{ID: touched.ID, Name: touched.Name}
			channels = append([]ownership.Channel(nil), touched.Channels...)
		}
		return ch, nil
	}
	_, changes, err := updateOnce(ctx, c.s.store, c.m, fn)
	if err != nil {
		return CommandResult{}, err
	}
	if reply.Empty() && len(changes) > 0 {
		// Another delivery of this message made the change (fn did not run
		// here): say it stands.
		reply = rich.Plain("Done: that change was made when this message first arrived.")
	}
	res := CommandResult{Text: reply, Changed: len(changes) > 0}
	if res.Changed {
		for _, ch := range channels {
			for _, line := range announce {
				res.Announcements = append(res.Announcements, Announcement{Team: team, Channel: ch, Text: line})
			}
		}
	}
	return res, nil
}

// Caps on what leads may add. Every replica loads the whole directory, so
// it must stay small whatever is typed.
const (
	maxName          = 80   // team and role names
	maxPhrase        = 200  // a taught phrase
	maxWhy           = 300  // a custom intent's why
	maxTeams         = 1000 // teams per tenant
	maxCustomIntents = 100
	maxPhrases       = 2000 // taught phrases per tenant
	maxCustomRoles   = 50
)

func tooLong(what, s string, n int) error {
	if len([]rune(s)) <= n {
		return nil
	}
	return ownership.Errorf(ownership.ErrInvalid, "The %s is too long (%d characters); keep it under %d.", what, len([]rune(s)), n)
}

var intentID = regexp.MustCompile(`^[a-z][a-z0-9_]{1,40}$`)

// applyTeam runs "team" on d (see applyFunc).
func (c *cmd) applyTeam(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	if len(args) < 2 {
		return nil, c.usage("Say what to do with which team.")
	}
	switch strings.ToLower(args[0].text) {
	case "create":
		name := strings.TrimSpace(joinTokens(args[1:]))
		if err := tooLong("team name", name, maxName); err != nil {
			return nil, err
		}
		if len(d.Teams) >= maxTeams {
			return nil, ownership.Errorf(ownership.ErrInvalid, "This workspace already has %d teams, the most I keep; delete unused ones first.", len(d.Teams))
		}
		id := ownership.Slug(name)
		if id == "" {
			return nil, c.usage("%q is not a usable team name: use letters or digits.", name)
		}
		if t := d.Team(name); t != nil {
			return nil, ownership.Errorf(ownership.ErrInvalid, "A team called %s already exists.", t.Name)
		}
		if d.Teams[id] != nil {
			return nil, ownership.Errorf(ownership.ErrInvalid, "The team %s already uses the id %q; pick another name.", d.Teams[id].Name, id)
		}
		t := &ownership.Team{ID: id, Name: name}
		d.Teams[id] = t
		*reply = rich.Sprintf("Created the team %s. Next: %s and %s.", rich.Strong(name),
			rich.Command(fmt.Sprintf("set pm @person %s", teamArg(name))), rich.Command(fmt.Sprintf("channel #channel %s", teamArg(name))))
		return []ownership.Change{{Team: id, Action: "team.create", New: name, Summary: fmt.Sprintf("%s created the team %s", c.m.User.Label(), name)}}, nil
	case "rename":
		t, rest, err := c.leadingTeam(d, args[1:])
		if err != nil {
			return nil, err
		}
		newName := strings.TrimSpace(joinTokens(rest))
		if newName == "" || ownership.Slug(newName) == "" {
			return nil, c.usage("The new name is missing.")
		}
		if err := tooLong("team name", newName, maxName); err != nil {
			return nil, err
		}
		if o := d.Team(newName); o != nil && o.ID != t.ID {
			return nil, ownership.Errorf(ownership.ErrInvalid, "A team called %s already exists.", o.Name)
		}
		old := t.Name
		t.Name = newName
		*touched = t
		*reply = rich.Sprintf("Renamed %s to %s.", old, rich.Strong(newName))
		*announce = []rich.Text{rich.Sprintf("%s renamed the team %s to %s.", me, old, rich.Strong(newName))}
		return []ownership.Change{{Team: t.ID, Action: "team.rename", Old: old, New: newName, Summary: fmt.Sprintf("%s renamed %s to %s", c.m.User.Label(), old, newName)}}, nil
	case "alias":
		return c.applyTeamAlias(d, reply, touched, announce)
	case "delete":
		t, err := c.team(d, args[1:])
		if err != nil {
			return nil, err
		}
		delete(d.Teams, t.ID)
		*touched = t // still holds its channels, for the announcement
		*reply = rich.Sprintf("Deleted the team %s. Its channels are no longer linked.", t.Name)
		*announce = []rich.Text{rich.Sprintf("%s deleted the team %s; this channel is no longer linked to a team.", me, t.Name)}
		// The whole team is kept as the old value, enough to restore it.
		saved, err := json.Marshal(t)
		if err != nil {
			return nil, ownership.Errorf(ownership.ErrInternal, "The team could not be saved in the history; nothing changed.")
		}
		return []ownership.Change{{Team: t.ID, Action: "team.delete", Old: string(saved),
			Summary: fmt.Sprintf("%s deleted the team %s (%s)", c.m.User.Label(), t.Name, teamSummary(d, t, c.now))}}, nil
	}
	return nil, c.usage("%q is not a team action.", args[0].text)
}

// applySet runs "set" on d (see applyFunc).
func (c *cmd) applySet(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	r, rest, err := c.splitRole(d, args)
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 {
		return nil, c.usage("Who should hold the role? Mention them.")
	}
	u, err := userArg(c.verb, rest[0])
	if err != nil {
		return nil, err
	}
	t, err := c.team(d, rest[1:])
	if err != nil {
		return nil, err
	}
	if t.Roles == nil {
		t.Roles = map[ownership.Role]ownership.Assignment{}
	}
	old := t.Roles[r.ID].Person
	t0Vacancy := t.Roles[r.ID].Vacated
	if old.ID == u.ID {
		*reply = rich.Sprintf("%s is already %s of %s; nothing changed.", mention(u), r.Name, t.Name)
		return nil, nil
	}
	t.Roles[r.ID] = ownership.Assignment{Person: u, AssignedBy: c.m.User, AssignedAt: c.now, ConfirmedAt: c.now}
	if !t.HasMember(u.ID) {
		t.Members = append(t.Members, u)
	}
	var was rich.Text
	wasPlain := ""
	if !old.IsZero() {
		was, wasPlain = rich.Sprintf(" (was %s)", mention(old)), fmt.Sprintf(" (was %s)", old.Label())
	} else if v := t0Vacancy; v != nil {
		// A departed person is named in plain text, never notified.
		was, wasPlain = rich.Sprintf(" (vacant since %s; %s held it)", day(v.Since), v.Person.Label()), fmt.Sprintf(" (vacant since %s; %s held it)", day(v.Since), v.Person.Label())
	}
	*touched = t
	*reply = rich.Sprintf("Done: %s is now %s of %s%s.", mention(u), r.Name, rich.Strong(t.Name), was)
	*announce = []rich.Text{rich.Sprintf("%s made %s %s of %s%s.", me, mention(u), r.Name, t.Name, was)}
	return []ownership.Change{{Team: t.ID, Action: "set", Field: string(r.ID), Old: old.ID, New: u.ID,
		Summary: fmt.Sprintf("%s made %s %s of %s%s", c.m.User.Label(), u.Label(), r.Name, t.Name, wasPlain)}}, nil
}

// applyUnset runs "unset" on d (see applyFunc).
func (c *cmd) applyUnset(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	r, rest, err := c.splitRole(d, args)
	if err != nil {
		return nil, err
	}
	t, err := c.team(d, rest)
	if err != nil {
		return nil, err
	}
	old, ok := t.Roles[r.ID]
	if !ok {
		*reply = rich.Sprintf("%s has no %s; nothing changed.", t.Name, r.Name)
		return nil, nil
	}
	delete(t.Roles, r.ID)
	*touched = t
	if !old.Held() {
		was := ""
		if old.Vacated != nil {
			was = old.Vacated.Person.Label()
		}
		*reply = rich.Sprintf("Done: %s no longer lists a vacant %s.", rich.Strong(t.Name), r.Name)
		return []ownership.Change{{Team: t.ID, Action: "unset", Field: string(r.ID), Old: was,
			Summary: fmt.Sprintf("%s cleared the vacant %s of %s", c.m.User.Label(), r.Name, t.Name)}}, nil
	}
	*reply = rich.Sprintf("Done: %s no longer has a %s (was %s).", rich.Strong(t.Name), r.Name, mention(old.Person))
	*announce = []rich.Text{rich.Sprintf("%s removed %s as %s of %s.", me, mention(old.Person), r.Name, t.Name)}
	return []ownership.Change{{Team: t.ID, Action: "unset", Field: string(r.ID), Old: old.Person.ID,
		Summary: fmt.Sprintf("%s removed %s as %s of %s", c.m.User.Label(), old.Person.Label(), r.Name, t.Name)}}, nil
}

// applyChannel runs "channel" on d (see applyFunc).
func (c *cmd) applyChannel(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	if len(args) == 0 {
		return nil, c.usage("Name the channel and the team.")
	}
	if strings.EqualFold(args[0].text, "remove") || strings.EqualFold(args[0].text, "unlink") {
		if len(args) != 2 {
			return nil, c.usage("Name the channel to unlink.")
		}
		ch, err := c.channelArg(args[1])
		if err != nil {
			return nil, err
		}
		t := d.ChannelTeam(ch.ID)
		if t == nil {
			return nil, ownership.Errorf(ownership.ErrNotFound, "%s isn't linked to any team; nothing changed.", channelLink(ch))
		}
		*touched = &ownership.Team{ID: t.ID, Name: t.Name, Channels: []ownership.Channel{ch}}
		t.Channels = removeChannel(t.Channels, ch.ID)
		*reply = rich.Sprintf("Unlinked %s from %s.", channelLink(ch), t.Name)
		*announce = []rich.Text{rich.Sprintf("%s unlinked this channel from %s.", me, t.Name)}
		return []ownership.Change{{Team: t.ID, Action: "channel.remove", Old: ch.ID, Summary: fmt.Sprintf("%s unlinked #%s from %s", c.m.User.Label(), nameOr(ch.Name, ch.ID), t.Name), Channels: []ownership.Channel{ch}}}, nil
	}
	ch, err := c.channelArg(args[0])
	if err != nil {
		return nil, err
	}
	if len(args) < 2 {
		return nil, c.usage("Which team should the channel belong to?")
	}
	t, err := c.team(d, args[1:])
	if err != nil {
		return nil, err
	}
	if t.HasChannel(ch.ID) {
		*reply = rich.Sprintf("%s is already linked to %s; nothing changed.", channelLink(ch), t.Name)
		return nil, nil
	}
	moved := ""
	var ch0 []ownership.Change
	if prev := d.ChannelTeam(ch.ID); prev != nil {
		prev.Channels = removeChannel(prev.Channels, ch.ID)
		moved = fmt.Sprintf(" (moved from %s)", prev.Name)
		ch0 = append(ch0, ownership.Change{Team: prev.ID, Action: "channel.remove", Old: ch.ID, Summary: fmt.Sprintf("%s moved #%s from %s to %s", c.m.User.Label(), nameOr(ch.Name, ch.ID), prev.Name, t.Name),
			Channels: []ownership.Channel{ch}})
	}
	t.Channels = append(t.Channels, ch)
	*touched = t
	*reply = rich.Sprintf("Linked %s to %s%s. Questions asked there now default to %s, and changes to the team are announced there (invite me to the channel if I'm not in it yet).", channelLink(ch), rich.Strong(t.Name), moved, t.Name)
	*announce = []rich.Text{rich.Sprintf("%s linked %s to %s.", me, channelLink(ch), t.Name)}
	return append(ch0, ownership.Change{Team: t.ID, Action: "channel.add", New: ch.ID, Summary: fmt.Sprintf("%s linked #%s to %s", c.m.User.Label(), nameOr(ch.Name, ch.ID), t.Name),
		Channels: []ownership.Channel{ch}}), nil
}

// applyMember runs "member" on d (see applyFunc).
func (c *cmd) applyMember(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	if len(args) < 2 {
		return nil, c.usage("Say add or remove, and whom.")
	}
	op := strings.ToLower(args[0].text)
	if op != "add" && op != "remove" {
		return nil, c.usage("%q is not add or remove.", args[0].text)
	}
	u, err := userArg(c.verb, args[1])
	if err != nil {
		return nil, err
	}
	t, err := c.team(d, args[2:])
	if err != nil {
		return nil, err
	}
	// The membership is the lead's from now on: a later pick in the
	// welcome leaves it alone.
	picked := unpick(t, u.ID)
	if op == "add" {
		if t.HasMember(u.ID) && picked {
			*reply = rich.Sprintf("%s had picked %s in the welcome; they now stay on it whatever they pick later.", mention(u), t.Name)
			return []ownership.Change{{Team: t.ID, Action: "member.add", New: u.ID, Summary: fmt.Sprintf("%s kept %s on %s", c.m.User.Label(), u.Label(), t.Name)}}, nil
		}
		if t.HasMember(u.ID) {
			*reply = rich.Sprintf("%s is already on %s; nothing changed.", mention(u), t.Name)
			return nil, nil
		}
		t.Members = append(t.Members, u)
		*touched = t
		*reply = rich.Sprintf("Added %s to %s.", mention(u), rich.Strong(t.Name))
		*announce = []rich.Text{rich.Sprintf("%s added %s to %s.", me, mention(u), t.Name)}
		return []ownership.Change{{Team: t.ID, Action: "member.add", New: u.ID, Summary: fmt.Sprintf("%s added %s to %s", c.m.User.Label(), u.Label(), t.Name)}}, nil
	}
	if !t.HasMember(u.ID) {
		return nil, ownership.Errorf(ownership.ErrNotFound, "%s is not a member of %s; nothing changed.", mention(u), t.Name)
	}
	var keep []ownership.Person
	for _, p := range t.Members {
		if p.ID != u.ID {
			keep = append(keep, p)
		}
	}
	t.Members = keep
	*touched = t
	*reply = rich.Sprintf("Removed %s from %s.", mention(u), rich.Strong(t.Name))
	*announce = []rich.Text{rich.Sprintf("%s removed %s from %s.", me, mention(u), t.Name)}
	return []ownership.Change{{Team: t.ID, Action: "member.remove", Old: u.ID, Summary: fmt.Sprintf("%s removed %s from %s", c.m.User.Label(), u.Label(), t.Name)}}, nil
}

// applyCover runs "cover" on d (see applyFunc).
func (c *cmd) applyCover(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	r, rest, err := c.splitRole(d, args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 && (strings.EqualFold(rest[0].text, "end") || strings.EqualFold(rest[0].text, "off")) {
		t, err := c.team(d, rest[1:])
		if err != nil {
			return nil, err
		}
		cv, ok := t.Covers[r.ID]
		if !ok || !cv.Active(c.now) {
			return nil, ownership.Errorf(ownership.ErrNotFound, "Nobody is covering %s on %s; nothing changed.", r.Name, t.Name)
		}
		delete(t.Covers, r.ID)
		*touched = t
		*reply = rich.Sprintf("Ended %s's cover as %s of %s.", mention(cv.Person), r.Name, t.Name)
		*announce = []rich.Text{rich.Sprintf("%s ended %s's cover as %s of %s.", me, mention(cv.Person), r.Name, t.Name)}
		return []ownership.Change{{Team: t.ID, Action: "cover.end", Field: string(r.ID), Old: cv.Person.ID, Summary: fmt.Sprintf("%s ended %s's cover as %s of %s", c.m.User.Label(), cv.Person.Label(), r.Name, t.Name)}}, nil
	}
	if len(rest) < 3 {
		return nil, c.usage("Say who covers and until when.")
	}
	u, err := userArg(c.verb, rest[0])
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(rest[1].text, "until") {
		return nil, c.usage("Expected \"until\" after the person, got %q.", rest[1].text)
	}
	until, n, perr := parseUntil(rest[2:], c.now)
	if perr != nil {
		return nil, c.usage(perr.Error() + ". Try 2026-12-24, \"2026-12-24 17:00\", tomorrow, friday or 3d (times are UTC).")
	}
	if !until.After(c.now) {
		return nil, c.usage("%s is in the past; a cover has to end in the future.", until.Format("2 Jan 2006 15:04 UTC"))
	}
	t, err := c.team(d, rest[2+n:])
	if err != nil {
		return nil, err
	}
	if t.Covers == nil {
		t.Covers = map[ownership.Role]ownership.Cover{}
	}
	oldCover := ""
	if prev, ok := t.Covers[r.ID]; ok && prev.Active(c.now) {
		oldCover = prev.Person.ID + " until " + prev.Until.Format(time.RFC3339)
	}
	t.Covers[r.ID] = ownership.Cover{Person: u, Until: until, By: c.m.User, At: c.now}
	usual := t.Roles[r.ID].Person
	var forWhom rich.Text
	if !usual.IsZero() {
		forWhom = rich.Sprintf(" for %s", mention(usual))
	}
	*touched = t
	*reply = rich.Sprintf("Done: %s covers as %s of %s%s until %s. It ends by itself.", mention(u), r.Name, rich.Strong(t.Name), forWhom, when(until))
	*announce = []rich.Text{rich.Sprintf("%s asked %s to cover as %s of %s%s until %s.", me, mention(u), r.Name, t.Name, forWhom, when(until))}
	return []ownership.Change{{Team: t.ID, Action: "cover", Field: string(r.ID), Old: oldCover, New: u.ID + " until " + until.Format(time.RFC3339),
		Summary: fmt.Sprintf("%s asked %s to cover as %s of %s until %s", c.m.User.Label(), u.Label(), r.Name, t.Name, when(until))}}, nil
}

// applyRoute runs "route" on d (see applyFunc).
func (c *cmd) applyRoute(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	me := mention(c.m.User)
	args := c.args
	if len(args) < 2 {
		return nil, c.usage("Name the intent and the role.")
	}
	cat, err := c.s.catalogueFor(d)
	if err != nil {
		return nil, err
	}
	in, ok := cat.Get(strings.ToLower(args[0].text))
	if !ok {
		return nil, ownership.Errorf(ownership.ErrNotFound, "There is no intent %q. %s lists them.", args[0].text, rich.Command("intents"))
	}
	if in.Role == ownership.Info || in.Role == ownership.None || in.Role == intent.RoleLookup {
		return nil, ownership.Errorf(ownership.ErrInvalid, "%s is not answered by a role, so it can't be routed. Route an ownership intent such as roadmap or backlog.", in.ID)
	}
	if strings.EqualFold(args[1].text, "default") {
		t, err := c.team(d, args[2:])
		if err != nil {
			return nil, err
		}
		old, ok := t.Routes[in.ID]
		if !ok {
			return nil, ownership.Errorf(ownership.ErrNotFound, "%s has no override for %s; nothing changed.", t.Name, in.ID)
		}
		delete(t.Routes, in.ID)
		*touched = t
		*reply = rich.Sprintf("%s on %s goes back to the default, the %s.", in.Title, t.Name, roleTitle(in.Role))
		*announce = []rich.Text{rich.Sprintf("%s reset %s on %s to the default.", me, in.ID, t.Name)}
		return []ownership.Change{{Team: t.ID, Action: "route.reset", Field: in.ID, Old: string(old), Summary: fmt.Sprintf("%s reset %s on %s to the default (%s)", c.m.User.Label(), in.ID, t.Name, roleTitle(in.Role))}}, nil
	}
	var role ownership.Role
	rest := args[2:]
	if strings.EqualFold(args[1].text, "both") {
		role = ownership.Both
	} else {
		r, rr, err := c.splitRole(d, args[1:])
		if err != nil {
			return nil, err
		}
		role, rest = r.ID, rr
	}
	t, err := c.team(d, rest)
	if err != nil {
		return nil, err
	}
	if t.Routes == nil {
		t.Routes = map[string]ownership.Role{}
	}
	old := t.Routes[in.ID]
	t.Routes[in.ID] = role
	*touched = t
	*reply = rich.Sprintf("On %s, %s now goes to the %s (default: the %s).", rich.Strong(t.Name), in.Title, roleTitle(role), roleTitle(in.Role))
	*announce = []rich.Text{rich.Sprintf("%s routed %s on %s to the %s.", me, in.Title, t.Name, roleTitle(role))}
	return []ownership.Change{{Team: t.ID, Action: "route", Field: in.ID, Old: string(old), New: string(role), Summary: fmt.Sprintf("%s routed %s on %s to the %s", c.m.User.Label(), in.ID, t.Name, roleTitle(role))}}, nil
}

// applyLead runs "lead" on d (see applyFunc).
func (c *cmd) applyLead(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	args := c.args
	if len(args) != 2 {
		return nil, c.usage("Say add or remove, and whom.")
	}
	u, err := userArg(c.verb, args[1])
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(args[0].text) {
	case "add":
		if d.IsLead(u.ID) || c.s.admins[u.ID] {
			*reply = rich.Sprintf("%s is already a lead; nothing changed.", mention(u))
			return nil, nil
		}
		d.Leads = append(d.Leads, u)
		*reply = rich.Sprintf("%s is now a lead and can change ownership here.", mention(u))
		return []ownership.Change{{Action: "lead.add", New: u.ID, Summary: fmt.Sprintf("%s made %s a lead", c.m.User.Label(), u.Label())}}, nil
	case "remove":
		if c.s.admins[u.ID] && !d.IsLead(u.ID) {
			return nil, ownership.Errorf(ownership.ErrInvalid, "%s is a lead through the WHOOWNS_ADMINS setting; remove them there.", mention(u))
		}
		if !d.IsLead(u.ID) {
			return nil, ownership.Errorf(ownership.ErrNotFound, "%s is not a lead; nothing changed.", mention(u))
		}
		var keep []ownership.Person
		for _, l := range d.Leads {
			if l.ID != u.ID {
				keep = append(keep, l)
			}
		}
		d.Leads = keep
		*reply = rich.Sprintf("%s is no longer a lead.", mention(u))
		return []ownership.Change{{Action: "lead.remove", Old: u.ID, Summary: fmt.Sprintf("%s removed %s as a lead", c.m.User.Label(), u.Label())}}, nil
	}
	return nil, c.usage("%q is not add or remove.", args[0].text)
}

// applyRole runs "role" on d (see applyFunc).
func (c *cmd) applyRole(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	args := c.args
	if len(args) < 2 || !strings.EqualFold(args[0].text, "add") {
		return nil, c.usage("Give the new role an id and a name.")
	}
	id := strings.ToLower(args[1].text)
	if !intentID.MatchString(id) {
		return nil, c.usage("%q is not a valid role id: use lower-case letters, digits and _, starting with a letter.", args[1].text)
	}
	if _, ok := d.LookupRole(id); ok || id == string(ownership.Both) || id == string(ownership.Info) || id == string(ownership.None) {
		return nil, ownership.Errorf(ownership.ErrInvalid, "The role %q already exists or is reserved.", id)
	}
	name := strings.TrimSpace(joinTokens(args[2:]))
	if name == "" {
		name = strings.ReplaceAll(id, "_", " ")
	}
	if err := tooLong("role name", name, maxName); err != nil {
		return nil, err
	}
	if len(d.Roles) >= maxCustomRoles {
		return nil, ownership.Errorf(ownership.ErrInvalid, "This workspace already has %d custom roles, the most I keep.", len(d.Roles))
	}
	d.Roles = append(d.Roles, ownership.RoleDef{ID: ownership.Role(id), Name: name})
	*reply = rich.Sprintf("Added the role %s (%s). Assign it with %s.", rich.Strong(name), id, rich.Command(fmt.Sprintf("set %s @person <team>", id)))
	return []ownership.Change{{Action: "role.add", New: id, Summary: fmt.Sprintf("%s added the role %s", c.m.User.Label(), name)}}, nil
}

// applyTeach runs "teach" on d (see applyFunc).
func (c *cmd) applyTeach(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	args := c.args
	if len(args) != 2 || !args[0].quoted {
		return nil, c.usage("Put the phrase in double quotes, then the intent id.")
	}
	phrase := strings.TrimSpace(args[0].text)
	if intent.Normalize(phrase) == "" {
		return nil, c.usage("The phrase is empty; give the words people use.")
	}
	if err := tooLong("phrase", phrase, maxPhrase); err != nil {
		return nil, err
	}
	if len(d.Phrases) >= maxPhrases {
		return nil, ownership.Errorf(ownership.ErrInvalid, "I already know %d taught phrases, the most I keep per workspace.", len(d.Phrases))
	}
	cat, err := c.s.catalogueFor(d)
	if err != nil {
		return nil, err
	}
	id := strings.ToLower(args[1].text)
	in, ok := cat.Get(id)
	if !ok {
		return nil, ownership.Errorf(ownership.ErrNotFound, "There is no intent %q. Use an id from the catalogue (for example acceptance_criteria or roadmap) or add one with %s.", args[1].text, rich.Command(`intent add <id> <role> "<why>"`))
	}
	for _, p := range d.Phrases {
		if strings.EqualFold(p.Phrase, phrase) && p.Intent == id {
			*reply = rich.Sprintf("I already know %q as %s; nothing changed.", phrase, in.Title)
			return nil, nil
		}
	}
	d.Phrases = append(d.Phrases, ownership.TaughtPhrase{Phrase: phrase, Intent: id, By: c.m.User, At: c.now})
	if _, err := c.s.catalogue.Extend(d.Intents, d.Phrases); err != nil {
		c.s.log.Warn("teach rejected by the catalogue", "err", err)
		return nil, ownership.Errorf(ownership.ErrInvalid, "I can't learn %q: use words people would ask with, for an intent that exists.", phrase)
	}
	*reply = rich.Sprintf("Learned: questions like %q now go to %s (%s). It works from the next question on.", phrase, rich.Strong(in.Title), in.ID)
	return []ownership.Change{{Action: "teach", Field: id, New: phrase, Summary: fmt.Sprintf("%s taught %q as %s", c.m.User.Label(), phrase, id)}}, nil
}

// applyIntent runs "intent" on d (see applyFunc).
func (c *cmd) applyIntent(d *ownership.Directory, reply *rich.Text, touched **ownership.Team, announce *[]rich.Text) ([]ownership.Change, error) {
	args := c.args
	if len(args) != 4 || !strings.EqualFold(args[0].text, "add") || !args[3].quoted {
		return nil, c.usage("Give an id, the role that owns it and a one-line why in double quotes.")
	}
	id := strings.ToLower(args[1].text)
	if !intentID.MatchString(id) {
		return nil, c.usage("%q is not a valid intent id: use lower-case letters, digits and _, starting with a letter.", args[1].text)
	}
	if _, ok := c.s.catalogue.Get(id); ok {
		return nil, ownership.Errorf(ownership.ErrInvalid, "%s is a built-in intent; custom intents need an id of their own.", id)
	}
	for _, ci := range d.Intents {
		if ci.ID == id {
			return nil, ownership.Errorf(ownership.ErrInvalid, "The custom intent %s already exists; teach it phrases with %s.", id, rich.Command(fmt.Sprintf(`teach "<phrase>" %s`, id)))
		}
	}
	var role ownership.Role
	if strings.EqualFold(args[2].text, "both") {
		role = ownership.Both
	} else {
		r, err := c.role(d, args[2])
		if err != nil {
			return nil, err
		}
		role = r.ID
	}
	why := strings.TrimSpace(args[3].text)
	if why == "" {
		return nil, c.usage("The why is empty: say in one line why that role owns it.")
	}
	if err := tooLong("why", why, maxWhy); err != nil {
		return nil, err
	}
	if len(d.Intents) >= maxCustomIntents {
		return nil, ownership.Errorf(ownership.ErrInvalid, "This workspace already has %d custom intents, the most I keep.", len(d.Intents))
	}
	words := strings.ReplaceAll(id, "_", " ")
	d.Intents = append(d.Intents, ownership.CustomIntent{ID: id, Role: role, Why: why, Phrases: []string{"who owns " + words, "who is responsible for " + words}, By: c.m.User, At: c.now})
	if _, err := c.s.catalogue.Extend(d.Intents, d.Phrases); err != nil {
		c.s.log.Warn("intent rejected by the catalogue", "err", err)
		return nil, ownership.Errorf(ownership.ErrInvalid, "I can't add the intent %s; check the id and the role.", id)
	}
	*reply = rich.Sprintf("Added the intent %s, owned by the %s. Teach it the words people use with %s.", rich.Strong(id), roleTitle(role), rich.Command(fmt.Sprintf(`teach "<phrase>" %s`, id)))
	return []ownership.Change{{Action: "intent.add", Field: id, New: string(role), Summary: fmt.Sprintf("%s added the intent %s for the %s", c.m.User.Label(), id, roleTitle(role))}}, nil
}

// leadingTeam reads a team name from the front of ts: a quoted name, or the
// longest run of words that names a team.
func (c *cmd) leadingTeam(d *ownership.Directory, ts []token) (*ownership.Team, []token, error) {
	if len(ts) == 0 {
		return nil, nil, c.usage("The team is missing.")
	}
	for n := len(ts); n >= 1; n-- {
		if t := d.Team(joinTokens(ts[:n])); t != nil {
			return t, ts[n:], nil
		}
	}
	return nil, nil, unknownTeam(d, ts[0].text)
}

// checkUsers asks the transport whether the people a set, cover or member
// add names can hold a role (an active account, not a bot), before
// anything is written.
func (c *cmd) checkUsers(ctx context.Context) error {
	if c.m.CheckUser == nil || len(c.args) == 0 {
		return nil
	}
	switch w := strings.ToLower(c.args[0].text); {
	case c.verb == "member" && w != "add":
		return nil
	case c.verb == "cover" && len(c.args) > 1 && (strings.EqualFold(c.args[1].text, "end") || strings.EqualFold(c.args[1].text, "off")):
		return nil
	}
	for _, t := range c.args {
		if t.user != nil {
			if err := c.m.CheckUser(ctx, *t.user); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkChannel asks the transport whether the channel a "channel" command
// links belongs to this tenant, before anything is written. Unlinking needs
// no check: only channels already linked here can be unlinked.
func (c *cmd) checkChannel(ctx context.Context) error {
	if c.m.CheckChannel == nil || len(c.args) == 0 {
		return nil
	}
	if w := strings.ToLower(c.args[0].text); w == "remove" || w == "unlink" {
		return nil
	}
	ch, err := c.channelArg(c.args[0])
	if err != nil {
		return err
	}
	return c.m.CheckChannel(ctx, ch)
}

func (c *cmd) channelArg(t token) (ownership.Channel, error) {
	if t.channel != nil {
		return *t.channel, nil
	}
	if strings.EqualFold(t.text, "here") {
		if c.m.Channel.ID == "" || c.m.DM {
			return ownership.Channel{}, c.usage("\"here\" works only inside a channel.")
		}
		return c.m.Channel, nil
	}
	return ownership.Channel{}, c.usage("%q is not a channel link. Type # and pick the channel, or use \"here\" inside it.", t.text)
}

func removeChannel(cs []ownership.Channel, id string) []ownership.Channel {
	var keep []ownership.Channel
	for _, c := range cs {
		if c.ID != id {
			keep = append(keep, c)
		}
	}
	return keep
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// teamSummary says what a team held, for the history of its deletion.
func teamSummary(d *ownership.Directory, t *ownership.Team, now time.Time) string {
	var parts []string
	for _, r := range d.RoleDefs() {
		if p, _, _ := t.Holder(r.ID, now); !p.IsZero() {
			parts = append(parts, fmt.Sprintf("%s %s", r.Name, p.Label()))
		}
	}
	parts = append(parts, fmt.Sprintf("%d members", len(t.Members)))
	if len(t.Channels) > 0 {
		var cs []string
		for _, ch := range t.Channels {
			cs = append(cs, "#"+nameOr(ch.Name, ch.ID))
		}
		parts = append(parts, "channels "+strings.Join(cs, ", "))
	}
	return strings.Join(parts, "; ")
}
