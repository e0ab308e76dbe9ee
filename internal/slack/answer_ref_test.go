package slack

import (
	"fmt"
	"strconv"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/rich"
)

// The answer renderer as it was before answers were written straight into
// chat.postMessage's body (answerjson.go): slack-go blocks from typed
// text. It is the reference the direct writer is held to.

// refAnswerBlocks renders an Answer to asker's question.
func refAnswerBlocks(a bot.Answer, asker string) []slackapi.Block {
	var out []slackapi.Block
	switch a.Kind {
	case bot.KindPerson:
		out = append(out, section(a.Headline()))
		if a.Why != "" {
			out = append(out, section(rich.Textf("%s %s", rich.Strong("Why:"), a.Why)))
		}
		out = append(out, contextBlock(refPersonContext(a)))
		if !a.FillHint.Empty() {
			out = append(out, section(rich.Textf(":bulb: %s", a.FillHint)))
		}
	case bot.KindBoth:
		out = append(out, section(a.Headline()))
		out = append(out, section(refBothLines(a)))
		if a.Why != "" {
			out = append(out, section(rich.Textf("%s %s", rich.Strong("Why:"), a.Why)))
		}
		if a.Team != nil {
			out = append(out, contextBlock(refTeamLine(a)))
		}
		if !a.FillHint.Empty() {
			out = append(out, section(rich.Textf(":bulb: %s", a.FillHint)))
		}
	case bot.KindKnowledge:
		out = append(out, section(rich.Strong(a.Title)))
		out = append(out, sections(a.Knowledge)...)
	case bot.KindUnknown:
		out = append(out, section(a.Headline()))
		if len(a.Choices()) > 0 {
			out = append(out, section(rich.Plain("Closest things I can answer:")))
			out = append(out, refChoiceButtons(a, asker))
		}
		if hint := a.KeptHint(); !hint.Empty() {
			out = append(out, contextBlock(hint))
		}
		return out
	case bot.KindPickTeam:
		out = append(out, section(a.Headline()))
		if len(a.Teams) == 0 {
			out = append(out, contextBlock(rich.Textf("A lead can create one with %s.", rich.Command("team create <name>"))))
			return out
		}
		return append(out, refTeamPicker(a, asker))
	default:
		return append(out, sections(a.Text())...)
	}
	switch {
	case a.Confirm:
		// Two-stage fallback: the answer as read, then whether that reading
		// was right, with the reading and its closest alternatives to pick.
		out = append(out, section(a.ConfirmLine()), refChoiceButtons(a, asker))
		if hint := a.TeachHint(); !hint.Empty() {
			out = append(out, contextBlock(hint))
		}
	case a.NearTie && len(a.Choices()) > 0:
		out = append(out, section(rich.Plain("Did you mean something else?")), refChoiceButtons(a, asker))
	}
	return append(out, refAnswerActions(a))
}

// refPersonContext is the line under a one-person answer: the counterpart and
// the team the question resolved to.
func refPersonContext(a bot.Answer) rich.Text {
	var parts []rich.Text
	switch {
	case a.SamePerson && a.Holder != nil && !a.Holder.Empty():
		parts = append(parts, rich.Textf("%s is both Product Manager and Product Owner here", personSpan(a.Holder.Person)))
	case a.Counterpart != nil && a.Counterpart.Empty():
		parts = append(parts, rich.Textf("Counterpart: no %s yet", a.Counterpart.RoleName))
	case a.Counterpart != nil:
		parts = append(parts, rich.Textf("Counterpart: %s, the %s", personSpan(a.Counterpart.Person), a.Counterpart.RoleName))
	}
	if a.Team != nil {
		parts = append(parts, refTeamLine(a))
	}
	if n := a.ReviewNote(); !n.Empty() {
		parts = append(parts, n)
	}
	return rich.Join(parts, " · ")
}

func refTeamLine(a bot.Answer) rich.Text {
	s := rich.Textf("Team: %s", rich.Strong(a.Team.Name))
	if from := teamFrom[a.TeamFrom]; from != "" {
		s = append(s, rich.Textf(" (%s)", from)...)
	}
	return s
}

func refBothLines(a bot.Answer) rich.Text {
	if a.SamePerson && len(a.Both) == 2 {
		return rich.Textf("%s holds both roles: they %s, and %s.", personSpan(a.Both[0].Person), a.Both[0].Decides, a.Both[1].Decides)
	}
	var lines []rich.Text
	for _, h := range a.Both {
		if h.Empty() {
			lines = append(lines, rich.Textf("• %s (%s) %s.", rich.Strong(h.RoleName), h.Vacancy(), h.Decides))
		} else {
			lines = append(lines, rich.Textf("• %s, the %s, %s.", personSpan(h.Person), rich.Strong(h.RoleName), h.Decides))
		}
	}
	return rich.Lines(lines...)
}

// refChoiceButtons offers the alternative intents; choosing one answers in place.
func refChoiceButtons(a bot.Answer, asker string) *slackapi.ActionBlock {
	var els []slackapi.BlockElement
	for i, c := range a.Choices() {
		v := choice{Intent: c.Intent, Question: a.Question, Asker: asker}
		if a.TeamFrom == "chosen" && a.Team != nil {
			v.Team = a.Team.ID
		}
		els = append(els, button(actionChoose+":"+strconv.Itoa(i), c.Title, v.encode(maxValue)))
	}
	return slackapi.NewActionBlock("choices", els...)
}

// refAnswerActions are the buttons under an answer: More, Why? and feedback.
func refAnswerActions(a bot.Answer) *slackapi.ActionBlock {
	var els []slackapi.BlockElement
	if a.More != "" && a.Kind != bot.KindKnowledge {
		els = append(els, button(actionMore, "More", a.Intent))
	}
	// The reasoning travels in the button itself, so "Why?" explains exactly
	// the answer on screen, even after the directory has changed. It travels
	// as plain text and is escaped again when shown: a button value is never
	// trusted as markup.
	if why := rich.Lines(a.Reasoning()...).Plain(commandPrefix); why != "" {
		els = append(els, button(actionWhy, "Why?", truncate(why, maxValue)))
	}
	els = append(els, button(actionHelpful, "👍 Helpful", a.Intent), button(actionNotHelpful, "👎 Not helpful", a.Intent))
	if a.Lead && a.Team != nil && (a.Kind == bot.KindPerson || a.Kind == bot.KindBoth) {
		// For a lead who asked: the team's Edit team modal, one click away.
		// Whoever clicks is checked; a modal is private to them.
		els = append(els, button(actionManageTeam, "Manage team", bot.TeamKey(a.Team.ID)))
	}
	return slackapi.NewActionBlock("answer_actions", els...)
}

// refTeamPicker lets the asker say which team they mean: buttons for a few
// teams, a select for more.
func refTeamPicker(a bot.Answer, asker string) *slackapi.ActionBlock {
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

// refAnswerMessage is an answer with its notification fallback.
func refAnswerMessage(a bot.Answer, asker string) message {
	if !a.AsOf.IsZero() {
		// Kept data while the store is unreachable: say so first, with the
		// time in each reader's own zone (UTC where dates do not render).
		// The note is built from a time alone, so it needs no escaping.
		at := a.AsOf.UTC()
		note := fmt.Sprintf("From ownership data as of <!date^%d^{time}|%s UTC>; live data is briefly unavailable.", at.Unix(), at.Format("15:04"))
		text := fmt.Sprintf("From ownership data as of %s UTC; live data is briefly unavailable.\n", at.Format("15:04")) + mrkdwnOf(a.Text())
		return message{Text: truncateMrkdwn(text, maxFallback), Blocks: append([]slackapi.Block{slackapi.NewContextBlock("", mrkdwn(note))}, refAnswerBlocks(a, asker)...)}
	}
	return message{Text: truncateMrkdwn(mrkdwnOf(a.Text()), maxFallback), Blocks: refAnswerBlocks(a, asker)}
}

// answerBlocks are the blocks the direct writer posts for an answer.
func answerBlocks(a bot.Answer, asker string) []slackapi.Block {
	return answerMessage(a, asker).Blocks
}
