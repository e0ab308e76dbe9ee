package bot

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Forms: the changes leads make through Slack modals and Teams cards rather
// than typed commands. A form's edits run through the commands' own apply
// functions, inside one atomic update that checks the submitter is a lead
// on the data it commits to; they are audited and announced exactly as
// the commands are. A form names the field each edit came from, so a
// refusal comes back next to that field.

// Edit is one field of a submitted form: the commands it stands for, worked
// out against the directory inside the update (a desired list of members
// becomes the adds and removes it takes).
type Edit struct {
	// Field is the form field the edit came from; its errors are reported
	// there.
	Field string
	// channels the edit links, checked with the platform before the update.
	channels []ownership.Channel
	expand   func(d *ownership.Directory, now time.Time) ([]step, error)
}

// step is one command of an edit: a verb of the table and its arguments.
type step struct {
	verb string
	args []token
}

// FieldErrors maps a form's fields to what is wrong with them.
type FieldErrors map[string]rich.Text

// formError is a refused form: nothing was changed. A pointer, so that
// stores may compare errors.
type formError struct{ fields FieldErrors }

func (e *formError) Error() string {
	var parts []string
	for _, k := range sortedKeys(e.fields) {
		parts = append(parts, k+": "+e.fields[k].String())
	}
	return "form: " + strings.Join(parts, "; ")
}

// Fields returns the field errors of a refused form, or nil.
func Fields(err error) FieldErrors {
	var fe *formError
	if errors.As(err, &fe) {
		return fe.fields
	}
	return nil
}

func word(s string) token { return token{text: s, quoted: true} }

func userToken(p ownership.Person) token {
	return token{text: "<@" + p.ID + ">", user: &ownership.Person{ID: p.ID, Name: p.Name}}
}

func channelToken(c ownership.Channel) token {
	return token{text: "<#" + c.ID + ">", channel: &ownership.Channel{ID: c.ID, Name: c.Name}}
}

// formTeam finds the team a form is about, by TeamKey or, for a team the
// same form creates, by name.
func formTeam(d *ownership.Directory, team string) (*ownership.Team, error) {
	if t := teamByKey(d, team); t != nil {
		return t, nil
	}
	if t := d.Team(team); t != nil {
		return t, nil
	}
	return nil, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists; close the form and open it again.")
}

// EditCreateTeam creates a team called name.
func EditCreateTeam(field, name string) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, ownership.Errorf(ownership.ErrInvalid, "Give the team a name.")
		}
		return []step{{verb: "team", args: []token{word("create"), word(name)}}}, nil
	}}
}

// EditRenameTeam renames team (a TeamKey) to name, if that is a change.
func EditRenameTeam(field, team, name string) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, ownership.Errorf(ownership.ErrInvalid, "A team needs a name.")
		}
		if name == t.Name {
			return nil, nil
		}
		// The team is named by its id: the words of its name could be
		// read as part of the new name.
		return []step{{verb: "team", args: []token{word("rename"), word(t.ID), word(name)}}}, nil
	}}
}

// EditAliases makes aliases (as typed in a form: comma-separated) team's
// other names: the removes, then the adds, that takes. A name or alias of
// another team is refused, as the command refuses it.
func EditAliases(field, team, aliases string) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		same := func(a, b string) bool { return strings.EqualFold(a, b) || ownership.Slug(a) == ownership.Slug(b) }
		var want []string
		for _, a := range SplitAliases(aliases) {
			if !slices.ContainsFunc(want, func(w string) bool { return same(w, a) }) {
				want = append(want, a)
			}
		}
		var out []step
		for _, a := range t.Aliases {
			if !slices.ContainsFunc(want, func(w string) bool { return same(w, a) }) {
				out = append(out, step{verb: "team", args: []token{word("alias"), word("remove"), word(a), word(t.ID)}})
			}
		}
		for _, a := range want {
			if !slices.ContainsFunc(t.Aliases, func(h string) bool { return same(h, a) }) {
				out = append(out, step{verb: "team", args: []token{word("alias"), word("add"), word(a), word(t.ID)}})
			}
		}
		return out, nil
	}}
}

// SplitAliases reads a form's aliases field: names separated by commas,
// spacing aside, empty ones dropped.
func SplitAliases(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.Join(strings.Fields(a), " "); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// EditDeleteTeam deletes team.
func EditDeleteTeam(field, team string) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		return []step{{verb: "team", args: []token{word("delete"), word(t.ID)}}}, nil
	}}
}

// EditHolder makes p the holder of role on team, or empties the role when
// p is zero; no change when that is already so.
func EditHolder(field, team string, role ownership.Role, p ownership.Person) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		cur := t.Roles[role]
		switch {
		case p.IsZero() && !cur.Held():
			return nil, nil
		case p.IsZero():
			return []step{{verb: "unset", args: []token{word(string(role)), word(t.ID)}}}, nil
		case cur.Person.ID == p.ID:
			return nil, nil
		}
		return []step{{verb: "set", args: []token{word(string(role)), userToken(p), word(t.ID)}}}, nil
	}}
}

// EditMembers makes people the team's members: the adds and removes that
// takes. Holders of a role stay members whatever the list says.
func EditMembers(field, team string, people []ownership.Person) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		var out []step
		for _, p := range people {
			want[p.ID] = true
			if !t.HasMember(p.ID) {
				out = append(out, step{verb: "member", args: []token{word("add"), userToken(p), word(t.ID)}})
			}
		}
		for _, p := range t.Members {
			if want[p.ID] || holds(t, p.ID) {
				continue
			}
			out = append(out, step{verb: "member", args: []token{word("remove"), userToken(p), word(t.ID)}})
		}
		return out, nil
	}}
}

// EditChannels makes channels the team's linked channels. A channel linked
// to another team is refused (the command moves it; a form says so).
func EditChannels(field, team string, channels []ownership.Channel) Edit {
	return Edit{Field: field, channels: channels, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		var out []step
		for _, c := range channels {
			want[c.ID] = true
			if t.HasChannel(c.ID) {
				continue
			}
			if o := d.ChannelTeam(c.ID); o != nil {
				return nil, ownership.Errorf(ownership.ErrInvalid, "#%s is linked to %s; unlink it there first.", nameOr(c.Name, c.ID), o.Name)
			}
			out = append(out, step{verb: "channel", args: []token{channelToken(c), word(t.ID)}})
		}
		for _, c := range t.Channels {
			if !want[c.ID] {
				out = append(out, step{verb: "channel", args: []token{word("remove"), channelToken(c)}})
			}
		}
		return out, nil
	}}
}

// EditCover asks p to cover role on team until until.
func EditCover(field, team string, role ownership.Role, p ownership.Person, until time.Time) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, now time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		if p.IsZero() {
			return nil, ownership.Errorf(ownership.ErrInvalid, "Pick who covers.")
		}
		if !until.After(now) {
			return nil, ownership.Errorf(ownership.ErrInvalid, "%s is in the past; a cover has to end in the future.", until.UTC().Format("2 Jan 2006 15:04 UTC"))
		}
		return []step{{verb: "cover", args: []token{word(string(role)), userToken(p), word("until"), word(until.UTC().Format("2006-01-02 15:04")), word(t.ID)}}}, nil
	}}
}

// EditEndCover ends the cover of role on team.
func EditEndCover(field, team string, role ownership.Role) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		return []step{{verb: "cover", args: []token{word(string(role)), word("end"), word(t.ID)}}}, nil
	}}
}

// EditRoute routes topic (an intent id) on team to role; "" or "default"
// returns it to the catalogue's role. No change when that is already so.
func EditRoute(field, team, topic string, role ownership.Role) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		t, err := formTeam(d, team)
		if err != nil {
			return nil, err
		}
		cur, routed := t.Routes[topic]
		if role == "" || role == "default" {
			if !routed {
				return nil, nil
			}
			return []step{{verb: "route", args: []token{word(topic), word("default"), word(t.ID)}}}, nil
		}
		if routed && cur == role {
			return nil, nil
		}
		return []step{{verb: "route", args: []token{word(topic), word(string(role)), word(t.ID)}}}, nil
	}}
}

// EditLeads makes people the tenant's leads (besides the WHOOWNS_ADMINS).
func EditLeads(field string, people []ownership.Person) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		want := map[string]bool{}
		var out []step
		for _, p := range people {
			want[p.ID] = true
			if !d.IsLead(p.ID) {
				out = append(out, step{verb: "lead", args: []token{word("add"), userToken(p)}})
			}
		}
		for _, p := range d.Leads {
			if !want[p.ID] {
				out = append(out, step{verb: "lead", args: []token{word("remove"), userToken(p)}})
			}
		}
		return out, nil
	}}
}

// EditTeach teaches phrase as intent.
func EditTeach(field, phrase, intentID string) Edit {
	return Edit{Field: field, expand: func(d *ownership.Directory, _ time.Time) ([]step, error) {
		if strings.TrimSpace(intentID) == "" {
			return nil, ownership.Errorf(ownership.ErrInvalid, "Pick the topic these words are about.")
		}
		return []step{{verb: "teach", args: []token{word(phrase), word(intentID)}}}, nil
	}}
}

// ApplyEdits applies a submitted form: every edit in one atomic update, as
// m.User, who must be a lead on the directory the update commits to. A
// refusal of any edit changes nothing and comes back as FieldErrors naming
// every field that was wrong. The result holds the replies of the commands
// the form stood for and their announcements.
func (s *Service) ApplyEdits(ctx context.Context, m Message, edits ...Edit) (CommandResult, error) {
	if err := s.allow("c", s.limits.Commands, m); err != nil {
		return CommandResult{}, err
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return CommandResult{}, err
	}
	if err := live(d, true); err != nil {
		return CommandResult{}, err
	}
	if !s.isLead(d, m) {
		return CommandResult{}, formForbidden()
	}
	// Channels of another workspace are refused before anything is written.
	pre := FieldErrors{}
	if m.CheckChannel != nil {
		for _, e := range edits {
			for _, ch := range e.channels {
				if d.ChannelTeam(ch.ID) != nil {
					continue
				}
				if err := m.CheckChannel(ctx, ch); err != nil {
					if ownership.ErrorCode(err) == ownership.ErrUnavailable {
						return CommandResult{}, err
					}
					pre[e.Field] = ownership.ErrorText(err)
					break
				}
			}
		}
	}
	if len(pre) > 0 {
		return CommandResult{}, &formError{pre}
	}
	now := s.now().UTC()
	type said struct {
		team     TeamRef
		channels []ownership.Channel
		lines    []rich.Text
	}
	var replies []rich.Text
	var ann []said
	fn := func(d *ownership.Directory) ([]ownership.Change, error) {
		replies, ann = nil, nil
		if !s.isLead(d, m) {
			return nil, formForbidden()
		}
		errs := FieldErrors{}
		var all []ownership.Change
		for _, e := range edits {
			steps, err := e.expand(d, now)
			if err != nil {
				errs[e.Field] = fieldText(err)
				continue
			}
			for _, st := range steps {
				v := verbByName[st.verb]
				c := &cmd{s: s, m: m, d: d, args: st.args, verb: v.name, word: v.name, lead: true, now: now}
				var reply rich.Text
				var touched *ownership.Team
				var lines []rich.Text
				ch, err := v.apply(c, d, &reply, &touched, &lines)
				if err != nil {
					errs[e.Field] = fieldText(err)
					break
				}
				for i := range ch {
					ch[i].At, ch[i].Actor = now, m.User
				}
				all = append(all, ch...)
				if !reply.Empty() && len(ch) > 0 {
					replies = append(replies, reply)
				}
				if touched != nil && len(ch) > 0 {
					ann = append(ann, said{team: TeamRef{ID: touched.ID, Name: touched.Name}, channels: append([]ownership.Channel(nil), touched.Channels...), lines: lines})
				}
			}
		}
		if len(errs) > 0 {
			return nil, &formError{errs}
		}
		return all, nil
	}
	_, changes, err := updateOnce(ctx, s.store, m, fn)
	if err != nil {
		return CommandResult{}, err
	}
	res := CommandResult{Changed: len(changes) > 0, Text: rich.Lines(replies...)}
	switch {
	case len(changes) > 0 && len(replies) == 0:
		res.Text = rich.Plain("Done: that change was made when the form was first submitted.")
	case len(changes) == 0:
		res.Text = rich.Plain("Nothing changed: the form matches what I have.")
	}
	if res.Changed {
		for _, a := range ann {
			for _, ch := range a.channels {
				for _, line := range a.lines {
					res.Announcements = append(res.Announcements, Announcement{Team: a.team, Channel: ch, Text: line})
				}
			}
		}
	}
	return res, nil
}

// fieldText is a refusal as shown next to a form field: without the
// command usage a typed command's error ends with.
func fieldText(err error) rich.Text {
	t := ownership.ErrorText(err)
	s := t.String()
	if i := strings.Index(s, " Usage: "); i > 0 {
		return rich.Plain(s[:i])
	}
	return t
}

// formForbidden refuses a form to someone who is not a lead (or no longer
// is one).
func formForbidden() error {
	return ownership.Errorf(ownership.ErrForbidden, "Only leads can make changes here, and you are not a lead (any more); nothing changed.")
}

// LeadView is what a lead's forms are filled with: the team they are
// about (nil for a new team), the roles, the topics that can be routed,
// the leads and the unanswered questions.
type LeadView struct {
	Team   *TeamView           `json:"team,omitempty"`
	Roles  []ownership.RoleDef `json:"roles"`
	Topics []TopicView         `json:"topics"`
	Leads  []ownership.Person  `json:"leads"`
	// Unanswered are the newest grouped questions of the queue (at most
	// 20), of Queued in all.
	Unanswered []UnansweredGroup `json:"unanswered,omitempty"`
	Queued     int               `json:"queued,omitempty"`
	Now        time.Time         `json:"now"`
}

// TeamView is a team as a form shows it.
type TeamView struct {
	Key      string                              `json:"key"`
	ID       string                              `json:"id"`
	Name     string                              `json:"name"`
	Aliases  []string                            `json:"aliases,omitempty"`
	Holders  map[ownership.Role]ownership.Person `json:"holders"`
	Covers   map[ownership.Role]ownership.Cover  `json:"covers,omitempty"`
	Members  []ownership.Person                  `json:"members,omitempty"`
	Channels []ownership.Channel                 `json:"channels,omitempty"`
	Routes   map[string]ownership.Role           `json:"routes,omitempty"`
}

// TopicView is an intent a team can route to a role.
type TopicView struct {
	ID    string         `json:"id"`
	Title string         `json:"title"`
	Role  ownership.Role `json:"role"` // the catalogue's default
	// Custom marks an intent added in this tenant.
	Custom bool `json:"custom,omitempty"`
}

// LeadView returns what m.User's forms need, for team (a TeamKey; "" for
// none). It refuses anyone who is not a lead.
func (s *Service) LeadView(ctx context.Context, m Message, team string) (LeadView, error) {
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return LeadView{}, err
	}
	if err := live(d, false); err != nil {
		return LeadView{}, err
	}
	if !s.isLead(d, m) {
		return LeadView{}, formForbidden()
	}
	now := s.now().UTC()
	v := LeadView{Roles: d.RoleDefs(), Leads: append([]ownership.Person(nil), d.Leads...), Now: now}
	if team != "" {
		t := teamByKey(d, team)
		if t == nil {
			return LeadView{}, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists.")
		}
		tv := &TeamView{Key: TeamKey(t.ID), ID: t.ID, Name: t.Name, Aliases: t.Aliases, Holders: map[ownership.Role]ownership.Person{},
			Covers: map[ownership.Role]ownership.Cover{}, Members: t.Members, Channels: t.Channels, Routes: t.Routes}
		for r, a := range t.Roles {
			if a.Held() {
				tv.Holders[r] = a.Person
			}
		}
		for r, c := range t.Covers {
			if c.Active(now) {
				tv.Covers[r] = c
			}
		}
		v.Team = tv
	}
	cat, err := s.catalogueFor(d)
	if err != nil {
		return LeadView{}, err
	}
	for _, in := range cat.Intents() {
		if in.Role == ownership.Info || in.Role == ownership.None || in.Role == intent.RoleLookup {
			continue
		}
		v.Topics = append(v.Topics, TopicView{ID: in.ID, Title: in.Title, Role: in.Role, Custom: in.Custom})
	}
	sort.SliceStable(v.Topics, func(i, j int) bool { return !v.Topics[i].Custom && v.Topics[j].Custom })
	groups, err := s.unansweredGroups(ctx, m.Tenant, d)
	if err != nil {
		return LeadView{}, err
	}
	v.Unanswered, v.Queued = groups[:min(len(groups), maxListed)], len(groups)
	return v, nil
}

// CoverPreview says in one line what a cover would do, for a form to show
// before it is submitted.
func CoverPreview(teamName, roleName string, p ownership.Person, until time.Time) rich.Text {
	return rich.Sprintf("%s would answer as %s of %s until %s; then it ends by itself.", mention(p), roleName, teamName, when(until))
}

// holds reports whether user holds a role on t.
func holds(t *ownership.Team, user string) bool {
	for _, a := range t.Roles {
		if a.Person.ID == user {
			return true
		}
	}
	return false
}

// maxSuggestion bounds a suggested change's text.
const maxSuggestion = 500

// Suggestion is a change someone who is not a lead asks the leads for: a
// private message to each lead of the tenant.
type Suggestion struct {
	Team  TeamRef            `json:"team"`
	From  ownership.Person   `json:"from"`
	Leads []ownership.Person `json:"leads"`
	Text  rich.Text          `json:"text"`
}

// Suggest files m.User's suggested change to team (a TeamKey) with the
// leads: the transport sends Text to each of Leads privately. It changes
// no data; it is rate-limited like a command.
func (s *Service) Suggest(ctx context.Context, m Message, team, text string) (Suggestion, error) {
	if err := s.allow("c", s.limits.Commands, m); err != nil {
		return Suggestion{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Suggestion{}, ownership.Errorf(ownership.ErrInvalid, "Say what should change.")
	}
	if err := tooLong("suggestion", text, maxSuggestion); err != nil {
		return Suggestion{}, err
	}
	d, err := s.store.Directory(ctx, m.Tenant)
	if err != nil {
		return Suggestion{}, err
	}
	t := teamByKey(d, team)
	if t == nil {
		return Suggestion{}, ownership.Errorf(ownership.ErrNotFound, "That team no longer exists.")
	}
	if d.Tenant == "" {
		d.Tenant = m.Tenant
	}
	leads := s.leadsOf(d)
	if len(leads) == 0 {
		return Suggestion{}, ownership.Errorf(ownership.ErrNotFound, "No leads are named here yet, so there is nobody to send this to; ask a workspace admin.")
	}
	return Suggestion{Team: TeamRef{ID: t.ID, Name: t.Name}, From: m.User, Leads: leads,
		Text: rich.Lines(rich.Sprintf("%s suggests a change to %s:", mention(m.User), rich.Strong(t.Name)), rich.Plain("“"+text+"”"),
			rich.Sprintf("If it is right, make it from App Home or with the commands (%s lists them).", rich.Command("help")))}, nil
}
