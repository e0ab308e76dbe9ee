// Package ownership holds the domain of whoowns: tenants, teams, the roles
// people hold on them, temporary cover, per-team routing overrides, and the
// audit trail of every change. It imports nothing else of the project, so the
// stores, the answer engine and the chat transports all speak its language.
package ownership

import (
	"sort"
	"strings"
	"time"
)

// TenantID keys all data of one Slack workspace or one Teams tenant, so that
// one Redis can serve many of both side by side ("slack:T123",
// "teams:72f988bf-…", "local" for the embedded sample directory).
type TenantID string

// Role is a role id. The two built-in roles are ProductManager and
// ProductOwner; leads may add custom roles to a tenant.
type Role string

// Built-in roles and the pseudo-roles the intent catalogue uses.
const (
	ProductManager Role = "product_manager"
	ProductOwner   Role = "product_owner"
	// Both marks an intent that names both people (prioritization).
	Both Role = "both"
	// Info marks an intent answered with knowledge, not a person.
	Info Role = "info"
	// None marks an out-of-scope question.
	None Role = "none"
)

// Person is someone on a chat platform. ID is the platform's user id (Slack
// "U…", Teams "29:…"); Name is the display name last seen.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// IsZero reports whether no person is set.
func (p Person) IsZero() bool { return p.ID == "" }

// Label is the name to show where a platform mention is not possible.
func (p Person) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// Assignment records who holds a role on a team, who assigned them and
// when (set at, set by), when the holder last confirmed it, and whether it
// needs attention: a role whose holder left is kept as Vacated with Person
// zero, so that nothing can present a departed person as its owner.
type Assignment struct {
	Person     Person    `json:"person"`
	AssignedBy Person    `json:"assigned_by,omitempty"`
	AssignedAt time.Time `json:"assigned_at,omitempty"`
	// ConfirmedAt is when the holder last said they still hold the role;
	// zero means never since it was set (see LastConfirmed).
	ConfirmedAt time.Time `json:"confirmed_at,omitempty"`
	// Vacated is set, and Person zero, when the holder left: the role was
	// held by Vacated.Person until Vacated.Since.
	Vacated *Vacancy `json:"vacated,omitempty"`
	// Flagged is set when something suggests the holder may no longer
	// hold the role (they left the team's Microsoft Teams team); the
	// holder still answers for it until a lead or the holder acts.
	Flagged *Flag `json:"flagged,omitempty"`
}

// Cover is a temporary stand-in for a role until a time; it ends by itself.
type Cover struct {
	Person Person    `json:"person"`
	Until  time.Time `json:"until"`
	By     Person    `json:"by,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

// Active reports whether the cover is still in force at now.
func (c Cover) Active(now time.Time) bool { return !c.Person.IsZero() && now.Before(c.Until) }

// Channel is a chat channel linked to a team.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Team is one product team in a tenant.
type Team struct {
	// ID is the team's stable key: the lower-case slug of its first name.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Aliases are other names the team is known by ("pay" for payments).
	Aliases  []string            `json:"aliases,omitempty"`
	Roles    map[Role]Assignment `json:"roles,omitempty"`
	Covers   map[Role]Cover      `json:"covers,omitempty"`
	Routes   map[string]Role     `json:"routes,omitempty"` // intent id → role, overriding the catalogue
	Members  []Person            `json:"members,omitempty"`
	Channels []Channel           `json:"channels,omitempty"`
	Extra    map[string]string   `json:"extra,omitempty"`
	// Picked are the ids of members who joined by picking the team in the
	// welcome's team picker: a later pick of another team replaces it.
	Picked []string `json:"picked,omitempty"`
}

// Holder returns who answers for role on the team at now: the active cover if
// there is one, else the assigned person. usual is the assigned person, set
// when a cover is in force and differs from them.
func (t *Team) Holder(role Role, now time.Time) (holder Person, usual Person, cover *Cover) {
	a := t.Roles[role]
	if c, ok := t.Covers[role]; ok && c.Active(now) {
		cc := c
		return c.Person, a.Person, &cc
	}
	return a.Person, Person{}, nil
}

// HasMember reports whether user id is a member of the team.
func (t *Team) HasMember(id string) bool {
	for _, m := range t.Members {
		if m.ID == id {
			return true
		}
	}
	return false
}

// HasChannel reports whether channel id is linked to the team.
func (t *Team) HasChannel(id string) bool {
	for _, c := range t.Channels {
		if c.ID == id {
			return true
		}
	}
	return false
}

// RoleDef describes a role: the built-ins and the custom roles leads add.
type RoleDef struct {
	ID      Role     `json:"id"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

// CustomIntent is an intent a lead added to a tenant at run time.
type CustomIntent struct {
	ID      string    `json:"id"`
	Role    Role      `json:"role"`
	Why     string    `json:"why"`
	Phrases []string  `json:"phrases,omitempty"`
	By      Person    `json:"by,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// TaughtPhrase is a phrase a lead taught the matcher for an intent, or one
// the bot learned from the choices people made (People > 0).
type TaughtPhrase struct {
	Phrase string    `json:"phrase"`
	Intent string    `json:"intent"`
	By     Person    `json:"by,omitempty"`
	At     time.Time `json:"at,omitempty"`
	// People is how many different people picked Intent for this phrase
	// when it was learned; 0 for a phrase a lead taught. By is the lead
	// who approved it (review mode), or nobody when it was learned by
	// itself.
	People int `json:"people,omitempty"`
}

// Learned reports whether the bot learned the phrase from people's picks.
func (p TaughtPhrase) Learned() bool { return p.People > 0 }

// Directory is everything a tenant knows: its teams, leads, custom roles and
// intents. Answering a question needs exactly one Directory read.
type Directory struct {
	Tenant  TenantID         `json:"tenant"`
	Version int64            `json:"version"`
	Teams   map[string]*Team `json:"teams"`
	Leads   []Person         `json:"leads,omitempty"`
	Roles   []RoleDef        `json:"roles,omitempty"` // custom roles only
	Intents []CustomIntent   `json:"intents,omitempty"`
	Phrases []TaughtPhrase   `json:"phrases,omitempty"`
	// Requests are the pending handover and claim requests, oldest first.
	// A decided or expired request leaves the list (its outcome is in the
	// audit log), so the list stays short.
	Requests []Request `json:"requests,omitempty"`
	// Digest is where the leads' weekly digest goes; nil: to every lead
	// privately.
	Digest *DigestSetting `json:"digest,omitempty"`
	// AsOf is set only on a directory a replica kept in memory and serves
	// while the store is unreachable: the time it was last read from the
	// store. Answers from it must say so. It is never stored.
	AsOf time.Time `json:"-"`
}

// DigestSetting is a lead's choice for the tenant's digest: Off stops it;
// a Channel sends it there instead of to every lead privately. By and At
// say who chose and when.
type DigestSetting struct {
	Off     bool      `json:"off,omitempty"`
	Channel Channel   `json:"channel,omitempty"`
	By      Person    `json:"by,omitempty"`
	At      time.Time `json:"at,omitempty"`
}

// DigestOn reports whether the tenant wants its digest.
func (d *Directory) DigestOn() bool { return d.Digest == nil || !d.Digest.Off }

// DigestChannel is the channel the digest goes to, or zero for the leads'
// private messages.
func (d *Directory) DigestChannel() Channel {
	if d.Digest == nil || d.Digest.Off {
		return Channel{}
	}
	return d.Digest.Channel
}

// NewDirectory returns an empty directory for tenant.
func NewDirectory(tenant TenantID) *Directory {
	return &Directory{Tenant: tenant, Teams: map[string]*Team{}}
}

// SortedTeams returns the teams ordered by name.
func (d *Directory) SortedTeams() []*Team {
	out := make([]*Team, 0, len(d.Teams))
	for _, t := range d.Teams {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Team returns the team with the given id, name or alias (case-insensitive).
func (d *Directory) Team(name string) *Team {
	if t := d.Teams[Slug(name)]; t != nil {
		return t
	}
	for _, t := range d.Teams {
		if strings.EqualFold(t.Name, name) {
			return t
		}
		for _, a := range t.Aliases {
			if strings.EqualFold(a, name) || Slug(a) == Slug(name) {
				return t
			}
		}
	}
	return nil
}

// ChannelTeam returns the team the channel is linked to, or nil.
func (d *Directory) ChannelTeam(channelID string) *Team {
	if channelID == "" {
		return nil
	}
	for _, t := range d.Teams {
		if t.HasChannel(channelID) {
			return t
		}
	}
	return nil
}

// MemberTeams returns the teams a user belongs to, ordered by name.
func (d *Directory) MemberTeams(userID string) []*Team {
	var out []*Team
	for _, t := range d.SortedTeams() {
		if t.HasMember(userID) {
			out = append(out, t)
		}
	}
	return out
}

// IsLead reports whether the user was made a lead in this tenant.
func (d *Directory) IsLead(userID string) bool {
	for _, l := range d.Leads {
		if l.ID == userID {
			return true
		}
	}
	return false
}

// RoleDefs returns the built-in roles followed by the tenant's custom roles.
func (d *Directory) RoleDefs() []RoleDef {
	return append(BuiltinRoles(), d.Roles...)
}

// BuiltinRoles returns the two roles every tenant has.
func BuiltinRoles() []RoleDef {
	return []RoleDef{
		{ID: ProductManager, Name: "Product Manager", Aliases: []string{"pm", "product manager", "product-manager", "prod manager"}},
		{ID: ProductOwner, Name: "Product Owner", Aliases: []string{"po", "product owner", "product-owner", "prod owner"}},
	}
}

// LookupRole resolves a role id, name or short form ("pm", "Product Owner").
func (d *Directory) LookupRole(s string) (RoleDef, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.ReplaceAll(k, "_", " ")
	for _, r := range d.RoleDefs() {
		if k == strings.ReplaceAll(string(r.ID), "_", " ") || k == strings.ToLower(r.Name) {
			return r, true
		}
		for _, a := range r.Aliases {
			if k == strings.ToLower(a) {
				return r, true
			}
		}
	}
	return RoleDef{}, false
}

// RoleName returns a role's display name.
func (d *Directory) RoleName(r Role) string {
	// The built-in roles first, as RoleDefs lists them, without copying
	// them: every answer names a role or two.
	for _, def := range builtinRoles {
		if def.ID == r {
			return def.Name
		}
	}
	if d != nil {
		for _, def := range d.Roles {
			if def.ID == r {
				return def.Name
			}
		}
	}
	return string(r)
}

// builtinRoles is BuiltinRoles for reading only.
var builtinRoles = BuiltinRoles()

// Clone returns a deep copy, so a mutation can be tried and thrown away.
func (d *Directory) Clone() *Directory {
	c := *d
	c.Teams = make(map[string]*Team, len(d.Teams))
	for k, t := range d.Teams {
		c.Teams[k] = t.clone()
	}
	c.Leads = append([]Person(nil), d.Leads...)
	c.Roles = append([]RoleDef(nil), d.Roles...)
	for i := range c.Roles {
		c.Roles[i].Aliases = append([]string(nil), c.Roles[i].Aliases...)
	}
	c.Intents = append([]CustomIntent(nil), d.Intents...)
	for i := range c.Intents {
		c.Intents[i].Phrases = append([]string(nil), c.Intents[i].Phrases...)
	}
	c.Phrases = append([]TaughtPhrase(nil), d.Phrases...)
	c.Requests = append([]Request(nil), d.Requests...)
	if d.Digest != nil {
		dg := *d.Digest
		c.Digest = &dg
	}
	return &c
}

func (t *Team) clone() *Team {
	c := *t
	c.Aliases = append([]string(nil), t.Aliases...)
	c.Members = append([]Person(nil), t.Members...)
	c.Channels = append([]Channel(nil), t.Channels...)
	c.Roles = cloneMap(t.Roles)
	for r, a := range c.Roles {
		if a.Vacated != nil || a.Flagged != nil {
			a.Vacated, a.Flagged = clonePtr(a.Vacated), clonePtr(a.Flagged)
			c.Roles[r] = a
		}
	}
	c.Covers = cloneMap(t.Covers)
	c.Routes = cloneMap(t.Routes)
	c.Extra = cloneMap(t.Extra)
	c.Picked = append([]string(nil), t.Picked...)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Slug turns a team name into its id: lower case, words joined by '-'.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r > 127:
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}

// Change is one audited change: who did what, when, with the old and new value.
type Change struct {
	ID     string    `json:"id,omitempty"` // store-assigned, ordered
	At     time.Time `json:"at"`
	Actor  Person    `json:"actor"`
	Team   string    `json:"team,omitempty"` // team id, empty for tenant-wide changes
	Action string    `json:"action"`         // "set", "unset", "cover", "route", "channel", "member.add", …
	Field  string    `json:"field,omitempty"`
	Old    string    `json:"old,omitempty"`
	New    string    `json:"new,omitempty"`
	// Summary is a ready sentence for history and announcements.
	Summary string `json:"summary"`
	// People are the people the summary names besides the actor, as they
	// were named then: history shows their names as mentions.
	People []Person `json:"people,omitempty"`
	// Channels are the channels the summary names ("#name", or "#id" when
	// the name was not known): history shows them as channel links, which
	// the platforms show with their current names.
	Channels []Channel `json:"channels,omitempty"`
}

// Unanswered is a question the bot could not answer, kept for leads.
type Unanswered struct {
	At       time.Time `json:"at"`
	Asker    Person    `json:"asker"`
	Channel  string    `json:"channel,omitempty"`
	Text     string    `json:"text"`
	Closest  []string  `json:"closest,omitempty"`
	Platform string    `json:"platform,omitempty"`
}

// FeedbackCount counts 👍 and 👎 for one intent.
type FeedbackCount struct {
	Helpful    int64 `json:"helpful"`
	NotHelpful int64 `json:"not_helpful"`
}
