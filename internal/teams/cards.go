package teams

import (
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/rich"
)

// Adaptive Card wire types, only the parts whoowns uses. Version 1.4 is what
// every Teams client (desktop, web, mobile) renders.
const (
	cardContentType = "application/vnd.microsoft.card.adaptive"
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion     = "1.4"
	// maxButtons is how many choices show as buttons; more become a list.
	maxButtons = 5
	// maxQuestion bounds the question carried in button data.
	maxQuestion = 500
)

type adaptiveCard struct {
	Schema  string     `json:"$schema,omitempty"`
	Type    string     `json:"type"`
	Version string     `json:"version,omitempty"`
	Body    []element  `json:"body"`
	Actions []action   `json:"actions,omitempty"`
	MSTeams *cardTeams `json:"msteams,omitempty"`
}

// cardTeams carries the mention entities that make <at>Name</at> in a
// TextBlock a real mention.
type cardTeams struct {
	Entities []schema.Mention `json:"entities,omitempty"`
}

type element struct {
	Type      string   `json:"type"`
	ID        string   `json:"id,omitempty"`
	Text      string   `json:"text,omitempty"`
	Wrap      bool     `json:"wrap,omitempty"`
	Weight    string   `json:"weight,omitempty"`
	Size      string   `json:"size,omitempty"`
	Color     string   `json:"color,omitempty"`
	IsSubtle  bool     `json:"isSubtle,omitempty"`
	Separator bool     `json:"separator,omitempty"`
	Spacing   string   `json:"spacing,omitempty"`
	Facts     []fact   `json:"facts,omitempty"`
	Actions   []action `json:"actions,omitempty"`
	Choices   []choice `json:"choices,omitempty"`
	Style     string   `json:"style,omitempty"`
	Label     string   `json:"label,omitempty"`
	// IsRequired makes Teams refuse a submit without a choice.
	IsRequired  bool `json:"isRequired,omitempty"`
	IsMultiline bool `json:"isMultiline,omitempty"`
	// IsMultiSelect lets a ChoiceSet take several choices (its value is
	// then their values, comma-separated).
	IsMultiSelect bool `json:"isMultiSelect,omitempty"`
	MaxLength     int  `json:"maxLength,omitempty"`
	// Inputs of the leads' forms.
	Value       string     `json:"value,omitempty"`
	Placeholder string     `json:"placeholder,omitempty"`
	ErrorMsg    string     `json:"errorMessage,omitempty"`
	ChoicesData *dataQuery `json:"choices.data,omitempty"`
}

// dataQuery fills a ChoiceSet from a dataset as the user types: Teams'
// people picker is the dataset graph.microsoft.com/users.
type dataQuery struct {
	Type    string `json:"type"`
	Dataset string `json:"dataset"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type choice struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type action struct {
	Type  string        `json:"type"`
	Title string        `json:"title"`
	Data  *submitData   `json:"data,omitempty"`
	Card  *adaptiveCard `json:"card,omitempty"`
	Style string        `json:"style,omitempty"`
	// AssociatedInputs "none" sends (and checks) none of the card's
	// inputs with an Action.Submit.
	AssociatedInputs string `json:"associatedInputs,omitempty"`
}

// submitData is what an Action.Submit sends back in the activity's value.
// The verb sits under "whoowns" so it cannot clash with Teams' own "msteams"
// key or with input ids.
type submitData struct {
	Action string `json:"whoowns"`
	// Form is the leads' form a button opens or submits.
	Form     string `json:"form,omitempty"`
	Intent   string `json:"intent,omitempty"`
	Team     string `json:"team,omitempty"`
	Question string `json:"q,omitempty"`
	Helpful  *bool  `json:"helpful,omitempty"`
	// Pick marks an intent picked from the choices under an answer the
	// bot was unsure about (not a team picked): it teaches the bot.
	Pick bool `json:"pick,omitempty"`
	// Role is the role a review card asks about; Successor the person
	// picked to take it over (the picker's input).
	Role      string `json:"role,omitempty"`
	Successor string `json:"successor,omitempty"`
	// Request and Approve are a lead's decision on a pending request.
	Request string `json:"req,omitempty"`
	Approve *bool  `json:"approve,omitempty"`
	// Roster is the conversation whose members a people picker's choice
	// is looked up in: the Microsoft Teams team a fill is about.
	Roster string `json:"roster,omitempty"`
	// Item is a question of the unanswered queue (its group's id).
	Item string `json:"item,omitempty"`
	// Home marks a decision made on the home card, which is shown again
	// without the request.
	Home bool `json:"home,omitempty"`
}

// Submit verbs.
const (
	actChoose   = "choose"   // an intent (and maybe team) picked for a question
	actMore     = "more"     // the longer explanation of an intent
	actFeedback = "feedback" // 👍 / 👎
	actJoin     = "join"     // the team picked in the onboarding message
	actForm     = "form"     // a lead opens a form (Form, team in the "team" input or Team)
	actSave     = "save"     // a lead submits a form
	actSuggest  = "suggest"  // a member suggests a change to the leads
	actDecide   = "decide"   // a lead approves or declines a request
	actFill     = "fill"     // a lead picks who fills a role (Team, Role; the "person" input)
	actCancel   = "cancel"   // a lead closes a form without saving it
	actDismiss  = "dismiss"  // a lead takes a question (Item) off the unanswered queue
	actClear    = "clear"    // a lead empties the unanswered queue
	actManage   = "manage"   // Manage on an answer: the home card, privately (Team)
)

// card builds one Adaptive Card; every text is rendered by the card's
// renderer and remembered, so only mentions that appear get entities.
type card struct {
	r       *renderer
	body    []element
	actions []action
	texts   []string
}

func newCard(r *renderer) *card { return &card{r: r} }

// text adds t as one TextBlock per line.
func (c *card) text(t rich.Text, style ...func(*element)) {
	for _, l := range t.Split() {
		c.line(l, style...)
	}
}

// line adds one line of text as a TextBlock.
func (c *card) line(t rich.Text, style ...func(*element)) {
	s := c.r.line(t)
	if strings.TrimSpace(s) == "" {
		return
	}
	e := element{Type: "TextBlock", Text: s, Wrap: true}
	for _, st := range style {
		st(&e)
	}
	c.texts = append(c.texts, e.Text)
	c.body = append(c.body, e)
}

func heading(e *element) { e.Weight, e.Size = "Bolder", "Medium" }
func subtle(e *element)  { e.IsSubtle = true }
func spaced(e *element)  { e.Spacing = "Medium" }

// facts adds a FactSet; values are plain text, escaped like any text.
func (c *card) facts(fs ...fact) {
	var keep []fact
	for _, f := range fs {
		if f.Value != "" {
			f.Value = c.r.line(rich.Plain(f.Value))
			c.texts = append(c.texts, f.Value)
			keep = append(keep, f)
		}
	}
	if len(keep) > 0 {
		c.body = append(c.body, element{Type: "FactSet", Facts: keep})
	}
}

// picker offers choices as buttons, or as a list with one submit button
// when there are too many for a row; the input's id is the data field it
// fills ("team"). The list is required, and says so when left empty.
func (c *card) picker(label string, field string, opts []choice, data submitData) {
	if len(opts) == 0 {
		return
	}
	if len(opts) <= maxButtons {
		acts := make([]action, 0, len(opts))
		for _, o := range opts {
			d := data
			setField(&d, field, o.Value)
			acts = append(acts, submit(o.Title, d))
		}
		c.body = append(c.body, element{Type: "ActionSet", Actions: acts})
		return
	}
	c.body = append(c.body,
		element{Type: "Input.ChoiceSet", ID: field, Style: "compact", Label: label, Choices: opts, IsRequired: true, ErrorMsg: "Pick one from the list."},
		element{Type: "ActionSet", Actions: []action{submit("Show me", data)}})
}

func setField(d *submitData, field, v string) {
	switch field {
	case "team":
		d.Team = v
	case "intent":
		d.Intent = v
	}
}

func submit(title string, d submitData) action {
	dd := d
	return action{Type: "Action.Submit", Title: title, Data: &dd}
}

func (c *card) attachment() schema.Attachment {
	ac := adaptiveCard{Schema: cardSchema, Type: "AdaptiveCard", Version: cardVersion, Body: c.body, Actions: c.actions}
	if ents := c.r.entitiesIn(c.texts...); len(ents) > 0 {
		ac.MSTeams = &cardTeams{Entities: ents}
	}
	return schema.Attachment{ContentType: cardContentType, Content: ac}
}

// answerCard renders an answer with what Slack's blocks carry: the headline
// naming the person (a real mention), role and team, why, the counterpart,
// "did you mean" and closest-intent choices, a team picker, and the Why?,
// More and feedback actions.
func answerCard(a bot.Answer) schema.Attachment {
	c := newCard(cardRenderer(false))
	if !a.AsOf.IsZero() {
		// Kept data while the store is unreachable: say so first; Teams
		// shows TIME() in the reader's own zone. Built from a time alone,
		// the line needs no escaping.
		note := fmt.Sprintf("From ownership data as of {{TIME(%s)}}; live data is briefly unavailable.", a.AsOf.UTC().Format("2006-01-02T15:04:05Z"))
		c.texts = append(c.texts, note)
		c.body = append(c.body, element{Type: "TextBlock", Text: note, Wrap: true, IsSubtle: true})
	}
	lines := a.Text().Split()
	if a.Kind == bot.KindKnowledge {
		c.line(rich.Plain(a.Title), heading)
	} else {
		c.line(lines[0], heading)
		lines = lines[1:]
	}
	if a.Kind == bot.KindPerson && a.Holder != nil && a.Team != nil {
		c.facts(fact{Title: "Role", Value: a.Holder.RoleName}, fact{Title: "Team", Value: a.Team.Name})
	}
	for _, l := range lines {
		c.line(l)
	}
	if n := a.ReviewNote(); !n.Empty() {
		c.line(n)
	}
	q := truncate(a.Question, maxQuestion)
	team := ""
	if a.Team != nil {
		team = a.Team.ID
	}
	switch {
	case a.Kind == bot.KindPickTeam:
		opts := make([]choice, 0, len(a.Teams))
		for _, t := range a.Teams {
			opts = append(opts, choice{Title: t.Name, Value: t.ID})
		}
		c.picker("Team", "team", opts, submitData{Action: actChoose, Intent: a.Intent, Question: q})
	case len(a.Choices()) > 0:
		// One button per row: whole titles, never cut to fit beside each
		// other.
		for _, ch := range a.Choices() {
			c.body = append(c.body, element{Type: "ActionSet", Actions: []action{
				submit(ch.Title, submitData{Action: actChoose, Intent: ch.Intent, Team: team, Question: q, Pick: true})}})
		}
	}
	if a.Kind == bot.KindPerson || a.Kind == bot.KindBoth {
		// Why? opens in place: the reasoning is exact for this answer (a
		// round trip would re-match and lose the score), costs no call,
		// and names people without notifying them again.
		why := newCard(cardRenderer(true))
		for _, l := range a.Reasoning() {
			why.text(l)
		}
		c.actions = append(c.actions, action{Type: "Action.ShowCard", Title: "Why?", Card: &adaptiveCard{Type: "AdaptiveCard", Body: why.body}})
		if a.More != "" {
			c.actions = append(c.actions, submit("More", submitData{Action: actMore, Intent: a.Intent}))
		}
	}
	if a.Kind == bot.KindPerson || a.Kind == bot.KindBoth || a.Kind == bot.KindKnowledge {
		yes, no := true, false
		c.actions = append(c.actions,
			submit("👍 Helpful", submitData{Action: actFeedback, Intent: a.Intent, Helpful: &yes}),
			submit("👎 Not helpful", submitData{Action: actFeedback, Intent: a.Intent, Helpful: &no}))
	}
	if a.Lead && a.Team != nil && (a.Kind == bot.KindPerson || a.Kind == bot.KindBoth) {
		// For a lead who asked: the home card with Manage, sent to the
		// clicker's personal chat with this team picked. Whoever clicks
		// is checked; the answer itself stays as it is.
		m := submit("Manage", submitData{Action: actManage, Team: bot.TeamKey(a.Team.ID)})
		m.AssociatedInputs = "none"
		c.actions = append(c.actions, m)
	}
	return c.attachment()
}

// onboardingCard renders the welcome: the two roles, who holds them on the
// person's team, and how to ask; without a known team, a team picker.
func onboardingCard(o bot.Onboarding) schema.Attachment {
	c := newCard(cardRenderer(false))
	// The text ends with how to ask; the team picker goes just before it,
	// under the question it answers.
	lines := o.Text().Split()
	c.line(lines[0], heading)
	for _, l := range lines[1 : len(lines)-1] {
		c.line(l)
	}
	if o.Team == nil {
		opts := make([]choice, 0, len(o.Teams))
		for _, t := range o.Teams {
			opts = append(opts, choice{Title: t.Name, Value: t.ID})
		}
		c.picker("Your team", "team", opts, submitData{Action: actJoin})
	}
	if len(lines) > 1 {
		c.line(lines[len(lines)-1], spaced)
	}
	return c.attachment()
}

// The home card lists at most maxOwnTeams of the viewer's teams and
// maxHomeTeams others ("teams" lists all), maxHomeLines empty roles, and
// each unanswered question to maxHomeQuestion characters: Teams refuses a
// message of about 100 KB, and a lead on 150 teams made a home card of
// almost 200 KB.
const (
	maxHomeTeams    = 30
	maxOwnTeams     = 10
	maxHomeLines    = 10
	maxHomeQuestion = 200
)

// homeCard renders the personal home view: for leads a summary line, then
// the viewer's own teams, what each role answers (once), and the other
// teams. People are named, not mentioned: looking at one's home should not
// notify a dozen colleagues.
func homeCard(h bot.Home) schema.Attachment {
	c := newCard(cardRenderer(true))
	c.text(rich.Plain("Who owns what"), heading)
	if h.Lead && h.Summary != nil {
		c.text(leadSummary(*h.Summary))
	}
	switch {
	case len(h.FirstSteps) > 0:
		c.text(rich.Plain("Getting started"), heading, spaced)
		c.text(rich.Plain("No teams are set up yet. As a lead, you can:"))
		for i, st := range h.FirstSteps {
			c.text(rich.Concat(rich.Plain(fmt.Sprintf("%d. ", i+1)), st))
		}
	case len(h.Teams) == 0:
		c.text(rich.Sprintf("No teams are set up yet. A lead can create one with %s.", rich.Command("team create <name>")))
	}
	own, others := h.Teams[:h.Mine], h.Teams[h.Mine:]
	switch {
	case len(own) > 0:
		c.text(rich.Plain("Your teams"), heading, spaced)
		for i, t := range own {
			if i == maxOwnTeams {
				c.text(rich.Sprintf("…and %d more of yours; %s lists them all.", len(own)-maxOwnTeams, rich.Command("teams")), subtle)
				break
			}
			homeTeam(c, t)
		}
	case len(h.Teams) > 0 && h.Lead:
		c.text(rich.Plain("You're not on a team yourself; every team is below."), subtle)
	case len(h.Teams) > 0:
		c.text(rich.Sprintf("You're not on a team yet, so here are all of them. A lead can add you with %s.", rich.Command("member add @you <team>")), subtle)
	}
	if len(h.Topics) > 0 {
		c.text(rich.Plain("What each role answers"), heading, spaced)
		for _, rt := range h.Topics {
			c.text(rich.Sprintf("%s: %s", rich.Strong(rt.RoleName), strings.Join(rt.Answers, ", ")), subtle)
		}
	}
	if len(others) > 0 {
		title := "All teams"
		if len(own) > 0 {
			title = "Other teams"
		}
		c.text(rich.Plain(title), heading, spaced)
		for i, t := range others {
			if i == maxHomeTeams {
				c.text(rich.Sprintf("…and %d more; %s lists them all.", len(others)-maxHomeTeams, rich.Command("teams")), subtle)
				break
			}
			homeTeam(c, t)
		}
	}
	if h.Lead && (len(h.EmptyRoles) > 0 || len(h.Unanswered) > 0) {
		c.text(rich.Plain("Waiting for a lead"), heading, spaced)
		for i, e := range h.EmptyRoles {
			if i == maxHomeLines {
				c.text(rich.Sprintf("…and %d more empty roles.", len(h.EmptyRoles)-maxHomeLines), subtle)
				break
			}
			c.text(rich.Sprintf("%s has no %s. Fill it with %s.", e.Team.Name, e.RoleName, bot.FillCommand(e.Role, e.Team.Name)))
		}
		for _, q := range h.Unanswered {
			when := q.At.UTC().Format("2 Jan")
			if q.Times > 1 {
				when += fmt.Sprintf(", asked %d times", q.Times)
			}
			c.text(rich.Sprintf("Unanswered: “%s” (%s, %s)", truncate(q.Text, maxHomeQuestion), rich.Mention(q.Asker.ID, q.Asker.Label()), when), subtle)
		}
	}
	if h.Lead && h.Stats != nil {
		// The head of the view: the card is near the size Teams accepts.
		for i, l := range h.Stats.Summary() {
			if i == 0 {
				c.text(l, spaced)
				continue
			}
			c.text(l, subtle)
		}
	}
	if h.Lead && len(h.Requests) > 0 {
		c.text(rich.Plain("Waiting for a lead's decision"), heading, spaced)
		yes, no := true, false
		for _, r := range h.Requests {
			c.text(rich.Sprintf("%s (expires %s)", r.Text, r.Expires.UTC().Format("2 Jan 2006")))
			c.body = append(c.body, element{Type: "ActionSet", Actions: []action{
				submit("Approve", submitData{Action: actDecide, Request: r.ID, Approve: &yes, Home: true}),
				submit("Decline", submitData{Action: actDecide, Request: r.ID, Approve: &no, Home: true}),
			}})
		}
		if h.Summary != nil && h.Summary.Requests > len(h.Requests) {
			c.text(rich.Sprintf("…and %d more: %s sends you each one.", h.Summary.Requests-len(h.Requests), rich.Command("requests")), subtle)
		}
	}
	manage(c, h)
	suggest(c, h)
	c.text(rich.Sprintf("Ask me anything about who owns what, or type %s for the commands.", rich.Command("help")), subtle, spaced)
	return c.attachment()
}

// leadSummary is the line at the top of a lead's home card.
func leadSummary(s bot.LeadSummary) rich.Text {
	n := func(k int, one, many string) string {
		if k == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", k, many)
	}
	parts := []string{n(s.Teams, "team", "teams"), n(s.EmptyRoles, "empty role", "empty roles"), n(s.Vacated, "role vacated", "roles vacated"),
		n(s.Requests, "pending request", "pending requests"), n(s.Covers, "cover in force", "covers in force"), n(s.Unanswered, "unanswered question", "unanswered questions")}
	return rich.Sprintf("%s %s", rich.Strong("For leads:"), strings.Join(parts, " · "))
}

// homeTeam adds one team: its name, who holds each role, its routing.
func homeTeam(c *card, t bot.HomeTeam) {
	c.text(rich.Strong(t.Team.Name), spaced)
	for _, r := range t.Roles {
		hd := r.Holder
		who := hd.Vacancy()
		if !hd.Empty() {
			who = rich.Mention(hd.Person.ID, hd.Person.Label())
			if hd.Covering() {
				who = append(who, rich.Sprintf(" (covering until %s)", hd.CoverUntil.UTC().Format("2 Jan 2006"))...)
			}
		}
		c.text(rich.Sprintf("%s: %s", hd.RoleName, who))
	}
	if len(t.Overrides) > 0 {
		var os []string
		for _, o := range t.Overrides {
			os = append(os, fmt.Sprintf("%s → %s", o.Topic, o.RoleName))
		}
		c.text(rich.Sprintf("Routed here: %s", strings.Join(os, ", ")), subtle)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// noticeCard renders a private notice: its text and, for a request,
// Approve and Decline (Action.Submit; who clicked is the activity's
// sender, checked again by the core).
func noticeCard(n bot.Notice) schema.Attachment {
	c := newCard(cardRenderer(false))
	for _, l := range n.Text.Split() {
		c.line(l)
	}
	if n.Request != nil {
		yes, no := true, false
		c.actions = append(c.actions,
			submit("Approve", submitData{Action: actDecide, Request: n.Request.ID, Approve: &yes}),
			submit("Decline", submitData{Action: actDecide, Request: n.Request.ID, Approve: &no}))
	}
	return c.attachment()
}
