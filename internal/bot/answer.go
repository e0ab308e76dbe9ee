// Package bot is the platform-neutral heart of whoowns: it turns a question
// into an Answer, a lead's command into a CommandResult, and a new member into
// an Onboarding. Chat transports translate their platform's events into a
// Message and render what comes back; nothing here knows Slack or Teams, nor
// any markup: every reply is typed text (package rich) that the transports'
// renderers escape.
package bot

import (
	"context"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// Platform names, used for metrics, rate-limit keys and the unanswered queue.
const (
	PlatformSlack = "slack"
	PlatformTeams = "teams"
	PlatformCLI   = "cli"
)

// Message is one question or command as it arrived, in neutral terms.
type Message struct {
	Tenant   ownership.TenantID
	Platform string
	// ID identifies the delivery (event id, activity id) for logs.
	ID      string
	User    ownership.Person
	Channel ownership.Channel
	// DM is true for a direct (personal) conversation with the bot.
	DM   bool
	Text string
	// PlatformAdmin is true when the platform itself says the user is a
	// workspace admin or owner; such users are leads.
	PlatformAdmin bool
	// CheckChannel, when set, confirms that a channel a lead links belongs
	// to the tenant the command came from (Slack: conversations.info with the
	// workspace's token; Teams: a channel of the team the command is typed
	// in). A non-nil error refuses the link and its message is shown; nothing
	// changes. The transport sets it; the core calls it before the update.
	CheckChannel func(ctx context.Context, c ownership.Channel) error
	// CheckUser, when set, confirms that a person a command names can
	// hold a role: an active account, not a bot (Slack: users.info, cached).
	// A non-nil error refuses the command with its message; nothing
	// changes. The transport sets it; the core calls it before the update.
	CheckUser func(ctx context.Context, p ownership.Person) error
}

// Kind says what sort of answer an Answer is.
type Kind string

// Answer kinds.
const (
	// KindPerson names the holder of one role (possibly nobody: see Holder.Empty).
	KindPerson Kind = "person"
	// KindBoth names both people and who decides what (prioritization).
	KindBoth Kind = "both"
	// KindKnowledge answers with an explanation, not a person.
	KindKnowledge Kind = "knowledge"
	// KindUnknown is an honest "I don't know" with the closest intents.
	KindUnknown Kind = "unknown"
	// KindPickTeam asks which team the question is about.
	KindPickTeam Kind = "pick_team"
)

// TeamRef names a team.
type TeamRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Holder is who answers for a role on a team.
type Holder struct {
	Role     ownership.Role   `json:"role"`
	RoleName string           `json:"role_name"`
	Person   ownership.Person `json:"person"`
	// Usual is the assigned holder while Person covers for them.
	Usual      ownership.Person `json:"usual,omitempty"`
	CoverUntil time.Time        `json:"cover_until,omitempty"`
	// EndedCover is the role's last cover when it has ended and none is in
	// force, so the Why? can say the usual holder is back.
	EndedCover *ownership.Cover `json:"ended_cover,omitempty"`
	AssignedBy ownership.Person `json:"assigned_by,omitempty"`
	AssignedAt time.Time        `json:"assigned_at,omitempty"`
	// ConfirmedAt is when the holder last confirmed the role (reviews).
	ConfirmedAt time.Time `json:"confirmed_at,omitempty"`
	// Stale is set when the assignment is past its review date: "last
	// confirmed 4 months ago".
	Stale string `json:"stale,omitempty"`
	// Decides says what this holder decides, for answers naming both roles.
	Decides string `json:"decides,omitempty"`
	// Vacated is set when nobody holds the role because its holder left:
	// who held it, until when. They are never the answer.
	Vacated *ownership.Vacancy `json:"vacated,omitempty"`
}

// Empty reports whether nobody holds the role.
func (h Holder) Empty() bool { return h.Person.IsZero() }

// Vacancy says why an empty role is empty: "vacant since 6 Dec 2026
// (Marco held it)", naming the person who left in plain text, or "nobody
// yet".
func (h Holder) Vacancy() rich.Text {
	if h.Vacated != nil && h.Empty() {
		return rich.Textf("vacant since %s (%s held it)", day(h.Vacated.Since), h.Vacated.Person.Label())
	}
	return rich.Plain("nobody yet")
}

// Covering reports whether a temporary cover is in force.
func (h Holder) Covering() bool { return !h.CoverUntil.IsZero() }

// Choice is an intent offered as a button: "did you mean" or "closest".
type Choice struct {
	Intent string  `json:"intent"`
	Title  string  `json:"title"`
	Score  float64 `json:"score"`
}

// Answer is the typed reply to a question. Transports render it.
type Answer struct {
	Kind     Kind    `json:"kind"`
	Question string  `json:"question"`
	Intent   string  `json:"intent"`
	Title    string  `json:"title"`
	Score    float64 `json:"score"`
	// Custom is set when the intent is one a lead added to this tenant.
	Custom bool `json:"custom,omitempty"`
	// Role is the role that answers; for role_lookup the role asked for.
	Role ownership.Role `json:"role"`
	// Rule says how the role was chosen: RuleCatalogue or RuleOverride.
	Rule string `json:"rule,omitempty"`
	// Why is the one line of why; More the longer explanation.
	Why  string `json:"why,omitempty"`
	More string `json:"more,omitempty"`

	Team *TeamRef `json:"team,omitempty"`
	// TeamFrom says how the team was found: "text", "channel", "member", "only".
	TeamFrom    string  `json:"team_from,omitempty"`
	Holder      *Holder `json:"holder,omitempty"`
	Counterpart *Holder `json:"counterpart,omitempty"`
	// Both lists the PM and the PO for KindBoth.
	Both []Holder `json:"both,omitempty"`
	// SamePerson is set when one person holds both PM and PO on the team.
	SamePerson bool `json:"same_person,omitempty"`
	// FillHint tells a lead exactly how to fill an empty role.
	FillHint rich.Text `json:"fill_hint,omitempty"`

	// Knowledge is the text of a KindKnowledge answer.
	Knowledge rich.Text `json:"knowledge,omitempty"`

	NearTie      bool     `json:"near_tie,omitempty"`
	Alternatives []Choice `json:"alternatives,omitempty"`
	// Queued reports that a KindUnknown question was kept in the leads'
	// unanswered queue; only then may a reply say so.
	Queued bool `json:"queued,omitempty"`
	// Confirm is set when the matcher read the question with medium
	// confidence: the answer is given, and renderers ask "I read this as
	// <Title>, is that right?" offering Choices (the intent read and the
	// closest alternatives) to answer again as the right one.
	Confirm bool `json:"confirm,omitempty"`
	// Lead is set when the asker is a lead of the tenant: only leads are
	// shown intent ids and how to teach the bot a phrase.
	Lead bool `json:"lead,omitempty"`
	// Bare is set when the message held no question (a bare mention): the
	// answer shows how to ask, and nothing was read, so it claims no
	// reading or confidence.
	Bare bool `json:"bare,omitempty"`
	// Teams lists the choices for KindPickTeam.
	Teams []TeamRef `json:"teams,omitempty"`

	// AsOf is set when the answer comes from ownership data this replica
	// kept while the store is unreachable: when that data was read.
	// Renderers must show it ("from ownership data as of 10:32; live data
	// is briefly unavailable").
	AsOf time.Time `json:"as_of,omitzero"`
}

// maxChoices is how many intents a confirmation or an "I don't know" offers.
const maxChoices = 4

// Choices are the intents offered as buttons under the answer, best first:
// for a confirmation the intent read, then the closest alternatives; for an
// "I don't know" or a near tie the alternatives. Empty when nothing is
// offered.
func (a Answer) Choices() []Choice {
	var out []Choice
	switch {
	case a.Confirm:
		out = append(out, Choice{Intent: a.Intent, Title: a.Title, Score: a.Score})
	case a.Kind == KindUnknown, a.NearTie:
	default:
		return nil
	}
	for _, c := range a.Alternatives {
		if len(out) == maxChoices {
			break
		}
		if c.Intent == a.Intent || c.Intent == "" || c.Intent == "none" {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Rules that choose a role, for the "Why?" explanation.
const (
	RuleCatalogue = "catalogue"
	RuleOverride  = "team override"
)
