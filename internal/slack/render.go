package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
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
	actionApprove     = "req_approve"   // a lead approves a handover or claim
	actionDecline     = "req_decline"   // a lead declines it
	actionFill        = "fill_role"     // a lead picks who fills a vacated role
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

// truncateMrkdwn is truncate for rendered mrkdwn: the cut never splits a
// mention, link or escaped character ("<@U1>", "&lt;"), which would leave
// a bare '<' or '&' that Slack reads as the start of markup.
func truncateMrkdwn(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i, j := lastRune(r, '<'), lastRune(r, '>'); i > j {
		r = r[:i]
	}
	if i, j := lastRune(r, '&'), lastRune(r, ';'); i > j {
		r = r[:i]
	}
	return string(r) + "…"
}

// lastRune is the index of the last c in r, -1 if none.
func lastRune(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}

// mrkdwn is a text object of rendered mrkdwn; only the renderer makes one.
func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, truncateMrkdwn(s, maxSectionText), false, false)
}

// plain is a plain_text object: Slack shows it as it is, so it is not
// escaped (that would show "&amp;").
func plain(s string, n int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, truncate(s, n), true, false)
}

func section(t rich.Text) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(mrkdwn(mrkdwnOf(t)), nil, nil)
}

func contextBlock(t rich.Text) *slackapi.ContextBlock {
	return slackapi.NewContextBlock("", mrkdwn(mrkdwnOf(t)))
}

func button(actionID, label, value string) *slackapi.ButtonBlockElement {
	return slackapi.NewButtonBlockElement(actionID, value, plain(label, maxButtonText))
}

// sections splits long text into sections at line breaks, since one section
// holds at most 3000 characters.
func sections(t rich.Text) []slackapi.Block {
	var out []slackapi.Block
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, slackapi.NewSectionBlock(mrkdwn(s), nil, nil))
		}
		cur.Reset()
	}
	for _, line := range t.Split() {
		l := mrkdwnOf(line)
		if cur.Len()+len(l)+1 > maxSectionText {
			flush()
		}
		cur.WriteString(l + "\n")
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

func personSpan(p ownership.Person) rich.Text { return rich.Mention(p.ID, p.Label()) }

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

// onboardingBlocks renders the welcome DM.
func onboardingBlocks(o bot.Onboarding) []slackapi.Block {
	out := []slackapi.Block{section(rich.Sprintf("Welcome, %s! I'm whoowns: I tell you who owns what in product work.", personSpan(o.User)))}
	var roles []rich.Text
	for _, r := range o.Roles {
		roles = append(roles, rich.Sprintf("• %s", r))
	}
	if len(roles) > 0 {
		out = append(out, section(rich.Lines(roles...)))
	}
	switch {
	case o.Team != nil:
		lines := []rich.Text{rich.Sprintf("On %s:", rich.Strong(o.Team.Name))}
		if o.SamePerson {
			lines = append(lines, rich.Sprintf("• %s is both Product Manager and Product Owner.", personSpan(o.PM.Person)))
		} else {
			lines = append(lines, rich.Sprintf("• %s", holderLine(o.PM)), rich.Sprintf("• %s", holderLine(o.PO)))
		}
		out = append(out, section(rich.Lines(lines...)))
	case len(o.Teams) > 0:
		sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, plain("Choose your team", maxButtonText), actionOnboardTeam, teamOptions(o.Teams)...)
		out = append(out, slackapi.NewSectionBlock(mrkdwn(mrkdwnOf(rich.Plain("Which team are you on? Pick it and I'll show you who's who."))), nil, slackapi.NewAccessory(sel)))
	}
	if lines := o.FirstLeadLines(); len(lines) > 0 {
		out = append(out, sections(rich.Lines(lines...))...)
	}
	return append(out, contextBlock(o.HowToAsk))
}

// holderLine says who holds a role, with any cover.
func holderLine(h bot.Holder) rich.Text {
	switch {
	case h.Empty():
		return rich.Sprintf("%s: %s", rich.Strong(h.RoleName), h.Vacancy())
	case h.Covering():
		var usual rich.Text
		if !h.Usual.IsZero() {
			usual = rich.Sprintf(" for %s", personSpan(h.Usual))
		}
		return rich.Sprintf("%s: %s (covering%s until %s)", rich.Strong(h.RoleName), personSpan(h.Person), usual, h.CoverUntil.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return rich.Sprintf("%s: %s", rich.Strong(h.RoleName), personSpan(h.Person))
}

func onboardingMessage(o bot.Onboarding) message {
	return message{Text: truncateMrkdwn(mrkdwnOf(o.Text()), maxFallback), Blocks: onboardingBlocks(o)}
}

// notice is a short reply: feedback thanks, errors, command output.
func notice(t rich.Text) message { return message{Text: truncateMrkdwn(mrkdwnOf(t), 39000)} }

// textMessage renders longer text as sections, for command output.
func textMessage(t rich.Text) message {
	return message{Text: truncateMrkdwn(mrkdwnOf(t), maxFallback), Blocks: sections(t)}
}

// digestBlocks renders the leads' digest: a header, one section per part
// with its title, a quiet week's one line, and the footer as context.
// Person-typed text (team names, questions) is escaped like every span.
func digestBlocks(g bot.Digest) []slackapi.Block {
	out := []slackapi.Block{slackapi.NewHeaderBlock(plain(g.Title, 150))}
	for _, sec := range g.Sections {
		lines := append([]rich.Text{rich.Strong(sec.Title)}, sec.Lines...)
		out = append(out, sections(rich.Lines(lines...))...)
	}
	if !g.Quiet.Empty() {
		out = append(out, section(g.Quiet))
	}
	if !g.Footer.Empty() {
		out = append(out, slackapi.NewDividerBlock(), contextBlock(g.Footer))
	}
	// Slack's limit is 50 blocks in a message; sections are capped well
	// below it, but a digest must never be refused.
	if len(out) > 50 {
		out = append(out[:49:49], contextBlock(rich.Plain("…the rest did not fit in one message.")))
	}
	return out
}

// requestButtons are Approve and Decline for the pending request id.
func requestButtons(id string) *slackapi.ActionBlock {
	approve := button(actionApprove+":"+id, "Approve", id)
	approve.Style = slackapi.StylePrimary
	decline := button(actionDecline+":"+id, "Decline", id)
	decline.Style = slackapi.StyleDanger
	return slackapi.NewActionBlock(truncate("request:"+id, maxBlockID), approve, decline)
}

// noticeMessage renders a private notice: its text, then Approve and
// Decline for a request (the value is the request id), a person picker that
// fills a vacated role (the action id carries the team and role), or a
// review's two buttons.
func noticeMessage(n bot.Notice) message {
	msg := textMessage(n.Text)
	switch {
	case n.Digest != nil:
		msg.Blocks = digestBlocks(*n.Digest)
	case n.Review != nil:
		yes := button(actionReviewYes, "Yes, still me", reviewKey(*n.Review))
		yes.Style = slackapi.StylePrimary
		msg.Blocks = append(msg.Blocks, slackapi.NewActionBlock(reviewBlockPrefix+"answer", yes, button(actionReviewNo, "No, hand over", reviewKey(*n.Review))))
	case n.Request != nil:
		msg.Blocks = append(msg.Blocks, requestButtons(n.Request.ID))
	case n.Fill != nil:
		sel := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, plain("Pick who takes over as "+n.Fill.RoleName, maxButtonText),
			truncate(actionFill+":"+n.Fill.Team.ID+":"+string(n.Fill.Role), maxBlockID))
		msg.Blocks = append(msg.Blocks, slackapi.NewActionBlock(truncate("fill:"+n.Fill.Team.ID+":"+string(n.Fill.Role), maxBlockID), sel))
	}
	return msg
}
