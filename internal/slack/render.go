package slack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
)

// Block Kit renderer: turns the core's neutral Answer, Onboarding and Home
// into blocks. It does no I/O, so golden files pin its output.

// Action ids of the buttons and selects the renderer creates. Slack wants
// action ids unique within a block, so buttons of one kind get a ":n" suffix
// and handlers dispatch on the part before the colon.
const (
	actionChoose      = "choose_intent" // did you mean / closest intents
	actionPickTeam    = "pick_team"     // which team a question is about
	actionMore        = "more"          // the longer explanation
	actionWhy         = "why"           // how the answer was reached
	actionHelpful     = "helpful"       // 👍
	actionNotHelpful  = "not_helpful"   // 👎
	actionOnboardTeam = "onboard_team"  // new member picks their team
)

// Slack's limits on the parts we fill.
const (
	maxValue       = 2000 // button value
	maxBlockID     = 255
	maxOptionValue = 150
	maxSectionText = 3000
	maxButtonText  = 75
	maxOptions     = 100
	maxFallback    = 3000 // the text fallback only feeds notifications
	// maxTeamButtons: more teams than this get a select, which scales to
	// 100 options and keeps the message short.
	maxTeamButtons = 5
	maxChoices     = 3
)

// choice is what a "did you mean", closest-intent or team button carries:
// enough to answer again without the original message.
type choice struct {
	Intent   string `json:"i"`
	Team     string `json:"t,omitempty"`
	Question string `json:"q,omitempty"`
	// Asker is whose question it was, so the team resolves as it did for
	// them even when someone else clicks.
	Asker string `json:"u,omitempty"`
}

// encode returns the JSON of c, shortening the question to the longest
// prefix that fits limit (JSON escaping makes the byte count hard to guess,
// hence the search).
func (c choice) encode(limit int) string {
	enc := func(q []rune) string {
		cc := c
		cc.Question = strings.TrimSpace(string(q))
		b, _ := json.Marshal(cc)
		return string(b)
	}
	q := []rune(c.Question)
	if s := enc(q); len(s) <= limit {
		return s
	}
	lo, hi := 0, len(q) // the longest fitting prefix is in [lo, hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if len(enc(q[:mid])) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	return enc(q[:lo])
}

func decodeChoice(s string) (choice, error) {
	var c choice
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.Intent == "" {
		return choice{}, fmt.Errorf("slack: bad choice value %q", s)
	}
	return c, nil
}

// pickTeamBlockPrefix marks the actions block of a team select: a select's
// option values hold only the team (150 chars), so the rest of the choice
// rides in the block id.
const pickTeamBlockPrefix = "pick_team|"

// truncate shortens s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, truncate(s, maxSectionText), false, false)
}

func plain(s string, n int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, truncate(s, n), true, false)
}

func section(s string) *slackapi.SectionBlock { return slackapi.NewSectionBlock(mrkdwn(s), nil, nil) }

func contextBlock(s string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock("", mrkdwn(s))
}

func button(actionID, label, value string) *slackapi.ButtonBlockElement {
	return slackapi.NewButtonBlockElement(actionID, value, plain(label, maxButtonText))
}

// sections splits long text into sections at line breaks, since one section
// holds at most 3000 characters.
func sections(text string) []slackapi.Block {
	var out []slackapi.Block
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, section(s))
		}
		cur.Reset()
	}
	for _, line := range strings.Split(text, "\n") {
		if cur.Len()+len(line)+1 > maxSectionText {
			flush()
		}
		cur.WriteString(line + "\n")
	}
	flush()
	return out
}

// teamFrom says in words how the team was chosen.
var teamFrom = map[string]string{
	"text":    "named in the question",
	"channel": "this channel's team",
	"member":  "your team",
	"only":    "the only team here",
	"chosen":  "the team you chose",
}

// answerBlocks renders an Answer to asker's question.
func answerBlocks(a bot.Answer, asker string) []slackapi.Block {
	f := Format{}
	var out []slackapi.Block
	switch a.Kind {
	case bot.KindPerson:
		out = append(out, section(a.Headline(f)))
		if a.Why != "" {
			out = append(out, section("*Why:* "+a.Why))
		}
		out = append(out, contextBlock(personContext(a)))
		if a.FillHint != "" {
			out = append(out, section(":bulb: "+a.FillHint))
		}
	case bot.KindBoth:
		out = append(out, section(a.Headline(f)))
		out = append(out, section(bothLines(a)))
		if a.Why != "" {
			out = append(out, section("*Why:* "+a.Why))
		}
		if a.Team != nil {
			out = append(out, contextBlock(teamLine(a)))
		}
		if a.FillHint != "" {
			out = append(out, section(":bulb: "+a.FillHint))
		}
	case bot.KindKnowledge:
		out = append(out, section("*"+escape(a.Title)+"*"))
		out = append(out, sections(a.Knowledge)...)
	case bot.KindUnknown:
		out = append(out, section(a.Headline(f)))
		if len(a.Alternatives) > 0 {
			out = append(out, section("Closest things I can answer:"))
			out = append(out, choiceButtons(a, asker))
		}
		out = append(out, contextBlock(fmt.Sprintf("I've kept your question for the leads; a lead can teach me with %s.",
			f.Code(f.CommandPrefix()+` teach "<phrase>" <intent>`))))
		return out
	case bot.KindPickTeam:
		out = append(out, section(a.Headline(f)))
		if len(a.Teams) == 0 {
			out = append(out, contextBlock(fmt.Sprintf("A lead can create one with %s.", f.Code(f.CommandPrefix()+" team create <name>"))))
			return out
		}
		return append(out, teamPicker(a, asker))
	default:
		return append(out, sections(a.Text(f))...)
	}
	if a.NearTie && len(a.Alternatives) > 0 {
		out = append(out, section("Did you mean something else?"), choiceButtons(a, asker))
	}
	return append(out, answerActions(a))
}

// personContext is the line under a one-person answer: the counterpart and
// the team the question resolved to.
func personContext(a bot.Answer) string {
	f := Format{}
	var parts []string
	switch {
	case a.SamePerson && a.Holder != nil && !a.Holder.Empty():
		parts = append(parts, fmt.Sprintf("%s is both Product Manager and Product Owner here", f.Mention(a.Holder.Person)))
	case a.Counterpart != nil && a.Counterpart.Empty():
		parts = append(parts, fmt.Sprintf("Counterpart: no %s yet", a.Counterpart.RoleName))
	case a.Counterpart != nil:
		parts = append(parts, fmt.Sprintf("Counterpart: %s, the %s", f.Mention(a.Counterpart.Person), a.Counterpart.RoleName))
	}
	if a.Team != nil {
		parts = append(parts, teamLine(a))
	}
	return strings.Join(parts, " · ")
}

func teamLine(a bot.Answer) string {
	s := "Team: " + Format{}.Bold(a.Team.Name)
	if from := teamFrom[a.TeamFrom]; from != "" {
		s += " (" + from + ")"
	}
	return s
}

func bothLines(a bot.Answer) string {
	f := Format{}
	if a.SamePerson && len(a.Both) == 2 {
		return fmt.Sprintf("%s holds both roles: they %s, and %s.", f.Mention(a.Both[0].Person), a.Both[0].Decides, a.Both[1].Decides)
	}
	var lines []string
	for _, h := range a.Both {
		if h.Empty() {
			lines = append(lines, fmt.Sprintf("• *%s* (nobody yet) %s.", h.RoleName, h.Decides))
		} else {
			lines = append(lines, fmt.Sprintf("• %s, the *%s*, %s.", f.Mention(h.Person), h.RoleName, h.Decides))
		}
	}
	return strings.Join(lines, "\n")
}

// choiceButtons offers the alternative intents; choosing one answers in place.
func choiceButtons(a bot.Answer, asker string) *slackapi.ActionBlock {
	var els []slackapi.BlockElement
	for i, c := range a.Alternatives {
		if i == maxChoices {
			break
		}
		v := choice{Intent: c.Intent, Question: a.Question, Asker: asker}
		if a.TeamFrom == "chosen" && a.Team != nil {
			v.Team = a.Team.ID
		}
		els = append(els, button(actionChoose+":"+strconv.Itoa(i), c.Title, v.encode(maxValue)))
	}
	return slackapi.NewActionBlock("choices", els...)
}

// answerActions are the buttons under an answer: More, Why? and feedback.
func answerActions(a bot.Answer) *slackapi.ActionBlock {
	var els []slackapi.BlockElement
	if a.More != "" && a.Kind != bot.KindKnowledge {
		els = append(els, button(actionMore, "More", a.Intent))
	}
	// The reasoning travels in the button itself, so "Why?" explains exactly
	// the answer on screen, even after the directory has changed.
	if why := strings.Join(a.Reasoning(Format{}), "\n"); why != "" {
		els = append(els, button(actionWhy, "Why?", truncate(why, maxValue)))
	}
	els = append(els, button(actionHelpful, "👍 Helpful", a.Intent), button(actionNotHelpful, "👎 Not helpful", a.Intent))
	return slackapi.NewActionBlock("answer_actions", els...)
}

// teamPicker lets the asker say which team they mean: buttons for a few
// teams, a select for more.
func teamPicker(a bot.Answer, asker string) *slackapi.ActionBlock {
	if len(a.Teams) <= maxTeamButtons {
		var els []slackapi.BlockElement
		for i, t := range a.Teams {
			v := choice{Intent: a.Intent, Team: t.ID, Question: a.Question, Asker: asker}
			els = append(els, button(actionPickTeam+":"+strconv.Itoa(i), t.Name, v.encode(maxValue)))
		}
		return slackapi.NewActionBlock("teams", els...)
	}
	v := choice{Intent: a.Intent, Question: a.Question, Asker: asker}
	blockID := pickTeamBlockPrefix + v.encode(maxBlockID-len(pickTeamBlockPrefix))
	sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Choose a team", maxButtonText), actionPickTeam, teamOptions(a.Teams)...)
	return slackapi.NewActionBlock(blockID, sel)
}

func teamOptions(teams []bot.TeamRef) []*slackapi.OptionBlockObject {
	var opts []*slackapi.OptionBlockObject
	for i, t := range teams {
		if i == maxOptions || len(t.ID) > maxOptionValue {
			break
		}
		opts = append(opts, slackapi.NewOptionBlockObject(t.ID, plain(t.Name, maxButtonText), nil))
	}
	return opts
}

// answerMessage is an answer with its notification fallback.
func answerMessage(a bot.Answer, asker string) message {
	return message{Text: truncate(a.Text(Format{}), maxFallback), Blocks: answerBlocks(a, asker)}
}

// onboardingBlocks renders the welcome DM.
func onboardingBlocks(o bot.Onboarding) []slackapi.Block {
	f := Format{}
	out := []slackapi.Block{section(fmt.Sprintf("Welcome, %s! I'm whoowns: I tell you who owns what in product work.", f.Mention(o.User)))}
	var roles []string
	for _, r := range o.Roles {
		roles = append(roles, "• "+r)
	}
	if len(roles) > 0 {
		out = append(out, section(strings.Join(roles, "\n")))
	}
	switch {
	case o.Team != nil:
		lines := []string{fmt.Sprintf("On %s:", f.Bold(o.Team.Name))}
		if o.SamePerson {
			lines = append(lines, fmt.Sprintf("• %s is both Product Manager and Product Owner.", f.Mention(o.PM.Person)))
		} else {
			lines = append(lines, "• "+holderLine(o.PM), "• "+holderLine(o.PO))
		}
		out = append(out, section(strings.Join(lines, "\n")))
	case len(o.Teams) > 0:
		sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Choose your team", maxButtonText), actionOnboardTeam, teamOptions(o.Teams)...)
		out = append(out, slackapi.NewSectionBlock(mrkdwn("Which team are you on? Pick it and I'll show you who's who."), nil, slackapi.NewAccessory(sel)))
	}
	return append(out, contextBlock(o.HowToAsk))
}

// holderLine says who holds a role, with any cover.
func holderLine(h bot.Holder) string {
	f := Format{}
	switch {
	case h.Empty():
		return fmt.Sprintf("*%s*: nobody yet", h.RoleName)
	case h.Covering():
		usual := ""
		if !h.Usual.IsZero() {
			usual = " for " + f.Mention(h.Usual)
		}
		return fmt.Sprintf("*%s*: %s (covering%s until %s)", h.RoleName, f.Mention(h.Person), usual, h.CoverUntil.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return fmt.Sprintf("*%s*: %s", h.RoleName, f.Mention(h.Person))
}

func onboardingMessage(o bot.Onboarding) message {
	return message{Text: truncate(o.Text(Format{}), maxFallback), Blocks: onboardingBlocks(o)}
}

// maxHomeBlocks is Slack's limit for a view.
const maxHomeBlocks = 100

// homeBlocks renders the App Home tab.
func homeBlocks(h bot.Home) []slackapi.Block {
	f := Format{}
	out := []slackapi.Block{slackapi.NewHeaderBlock(plain("Who owns what", 150))}
	switch {
	case len(h.Teams) == 0:
		out = append(out, section(fmt.Sprintf("No teams are set up yet. A lead can create one with %s.", f.Code(f.CommandPrefix()+" team create <name>"))))
	case h.AllTeams:
		out = append(out, contextBlock("You're not on a team yet, so here are all of them. Ask a lead to add you to yours, or pick it when I welcome you."))
	}
	// Leave room for the leads' part, which matters more than the tenth team.
	teamBudget := maxHomeBlocks - 1
	if h.Lead {
		teamBudget = maxHomeBlocks - 8
	}
	for _, t := range h.Teams {
		need := 2 + len(t.Roles)
		if len(out)+need > teamBudget {
			out = append(out, contextBlock("More teams are not shown; "+f.Code(f.CommandPrefix()+" teams")+" lists them all."))
			break
		}
		out = append(out, slackapi.NewDividerBlock(), section(f.Bold(t.Team.Name)))
		for _, r := range t.Roles {
			s := holderLine(r.Holder)
			if len(r.Answers) > 0 {
				s += "\nAnswers: " + strings.Join(r.Answers, ", ")
			}
			out = append(out, section(s))
		}
	}
	if !h.Lead {
		return append(out, slackapi.NewDividerBlock(), contextBlock(fmt.Sprintf("Ask me in any channel by mentioning me, or write to me in Messages. %s lists what I can do.", f.Code(f.CommandPrefix()+" help"))))
	}
	out = append(out, slackapi.NewDividerBlock(), slackapi.NewHeaderBlock(plain("For leads", 150)))
	if len(h.Unanswered) == 0 {
		out = append(out, section("*Unanswered questions*\nNone. 🎉"))
	} else {
		lines := []string{fmt.Sprintf("*Unanswered questions* (teach me with %s)", f.Code(f.CommandPrefix()+` teach "<phrase>" <intent>`))}
		for _, q := range h.Unanswered {
			lines = append(lines, fmt.Sprintf("• %s %s asked “%s”", q.At.UTC().Format("2 Jan 15:04"), f.Mention(q.Asker), q.Text))
		}
		out = append(out, sections(strings.Join(lines, "\n"))...)
	}
	if len(h.EmptyRoles) == 0 {
		out = append(out, section("*Teams with empty roles*\nNone: every team has both roles filled."))
	} else {
		lines := []string{"*Teams with empty roles*"}
		for _, e := range h.EmptyRoles {
			lines = append(lines, fmt.Sprintf("• %s has no %s: %s", escape(e.Team.Name), e.RoleName,
				bot.FillCommand(f, e.Role, e.Team.Name)))
		}
		out = append(out, sections(strings.Join(lines, "\n"))...)
	}
	if len(out) > maxHomeBlocks {
		out = out[:maxHomeBlocks]
	}
	return out
}

// notice is a short plain reply: feedback thanks, errors, command output.
func notice(text string) message { return message{Text: truncate(text, 39000)} }

// textMessage renders longer mrkdwn text as sections, for command output.
func textMessage(text string) message {
	return message{Text: truncate(text, maxFallback), Blocks: sections(text)}
}

// homeErrorBlocks is the App Home when the directory cannot be read.
func homeErrorBlocks(msg string) []slackapi.Block {
	return []slackapi.Block{slackapi.NewHeaderBlock(plain("Who owns what", 150)), section(msg)}
}
