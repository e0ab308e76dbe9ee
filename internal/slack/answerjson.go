package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// An answer's Block Kit, written straight into chat.postMessage's JSON
// body: every answered question is one of these, so no slack-go block
// structs are built for it and no text is rendered twice. Each text is
// rendered as mrkdwn (appendSpan: the only markup writer, which escapes
// every span) into a scratch buffer, cut to Slack's limit for its field and
// quoted into the body. The blocks are those of the earlier struct-built
// renderer, which the tests keep as the reference
// (TestAnswerJSONMatchesBlocks, FuzzAnswerJSON).

// answerPost is an answer for postMessage to render into the body
// (appendAnswerPost) in place of a message's Text and Blocks.
type answerPost struct {
	answer bot.Answer
	asker  string
	set    bool
}

// answerPostMessage is answerMessage for chat.postMessage: the answer is
// rendered when the body is written. Only postMessage reads it; anything
// else takes answerMessage.
func answerPostMessage(a bot.Answer, asker string) message {
	return message{answer: answerPost{answer: a, asker: asker, set: true}}
}

// answerMessage is an answer with its notification fallback, as a message
// of slack-go blocks, for the calls that take those (a slash command's
// response, chat.update): the JSON answerPostMessage posts, read back.
func answerMessage(a bot.Answer, asker string) message {
	w := getAnswerWriter()
	defer putAnswerWriter(w)
	w.b = append(w.b, '{')
	w.answer(a, asker)
	w.b = append(w.b, '}')
	var out struct {
		Text   string          `json:"text"`
		Blocks slackapi.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(w.b, &out); err != nil {
		// The writer's own JSON; a failure is a bug in it.
		panic(fmt.Sprintf("slack: an answer's blocks do not decode: %v", err))
	}
	return message{Text: out.Text, Blocks: out.Blocks.BlockSet}
}

// appendAnswerPost appends chat.postMessage's body posting p to channel,
// in thread (if any): what appendPostMessage writes for
// answerMessage(p.answer, p.asker) with that channel and thread.
func appendAnswerPost(b []byte, channel, thread string, p *answerPost) []byte {
	w := getAnswerWriter()
	defer putAnswerWriter(w)
	b = append(b, `{"channel":`...)
	b = appendJSONString(b, channel)
	if thread != "" {
		b = append(b, `,"thread_ts":`...)
		b = appendJSONString(b, thread)
	}
	b = append(b, ',')
	w.b, b = b, w.b
	w.answer(p.answer, p.asker)
	w.b, b = b, w.b
	return append(b, '}')
}

// answerWriter writes one answer's "text" and "blocks" members.
type answerWriter struct {
	b []byte // the output
	s []byte // one text, before it is cut and quoted
	// blocks and elems count what the open list holds, for the commas.
	blocks, elems int
	id            []byte // an action id with its ":n"
}

var answerWriters = sync.Pool{New: func() any { return &answerWriter{s: make([]byte, 0, 1024)} }}

func getAnswerWriter() *answerWriter { return answerWriters.Get().(*answerWriter) }

// putAnswerWriter keeps w's scratch for the next answer unless it grew
// for an outsized one.
func putAnswerWriter(w *answerWriter) {
	w.b = nil
	if cap(w.s) > 64<<10 {
		w.s = nil
	}
	answerWriters.Put(w)
}

// answer writes `"text":…,"blocks":[…]`, the blocks member left out if
// there are none.
func (w *answerWriter) answer(a bot.Answer, asker string) {
	w.b = append(w.b, `"text":`...)
	w.s = w.s[:0]
	if !a.AsOf.IsZero() {
		w.s = append(w.s, "From ownership data as of "...)
		w.s = a.AsOf.UTC().AppendFormat(w.s, "15:04")
		w.s = append(w.s, " UTC; live data is briefly unavailable.\n"...)
	}
	w.s = appendMrkdwn(w.s, a.Text())
	w.b = appendCutMrkdwn(w.b, w.s, maxFallback)

	mark := len(w.b)
	w.b = append(w.b, `,"blocks":[`...)
	w.blocks = 0
	if !a.AsOf.IsZero() {
		// Kept data while the store is unreachable: say so first, with the
		// time in each reader's own zone (UTC where dates do not render).
		// The note is made of a time alone, so it needs no escaping.
		at := a.AsOf.UTC()
		w.s = append(w.s[:0], "From ownership data as of <!date^"...)
		w.s = strconv.AppendInt(w.s, at.Unix(), 10)
		w.s = append(w.s, "^{time}|"...)
		w.s = at.AppendFormat(w.s, "15:04")
		w.s = append(w.s, " UTC>; live data is briefly unavailable."...)
		w.contextScratch()
	}
	w.answerBlocks(a, asker)
	if w.blocks == 0 {
		w.b = w.b[:mark]
		return
	}
	w.b = append(w.b, ']')
}

// answerBlocks writes the blocks of an Answer to asker's question.
func (w *answerWriter) answerBlocks(a bot.Answer, asker string) {
	switch a.Kind {
	case bot.KindPerson:
		w.section(a.Headline())
		if a.Why != "" {
			w.whySection(a.Why)
		}
		w.personContext(a)
		if !a.FillHint.Empty() {
			w.hintSection(a.FillHint)
		}
	case bot.KindBoth:
		w.section(a.Headline())
		w.bothLines(a)
		if a.Why != "" {
			w.whySection(a.Why)
		}
		if a.Team != nil {
			w.s = w.teamLine(w.s[:0], a)
			w.contextScratch()
		}
		if !a.FillHint.Empty() {
			w.hintSection(a.FillHint)
		}
	case bot.KindKnowledge:
		w.s = appendSpan(w.s[:0], rich.Span{Kind: rich.KindStrong, Text: a.Title})
		w.sectionScratch()
		w.sections(a.Knowledge)
	case bot.KindUnknown:
		w.section(a.Headline())
		if choices := a.Choices(); len(choices) > 0 {
			w.s = appendEscaped(w.s[:0], "Closest things I can answer:")
			w.sectionScratch()
			w.choiceButtons(a, choices, asker)
		}
		if hint := a.KeptHint(); !hint.Empty() {
			w.context(hint)
		}
		return
	case bot.KindPickTeam:
		w.section(a.Headline())
		if len(a.Teams) == 0 {
			w.s = appendEscaped(w.s[:0], "A lead can create one with ")
			w.s = appendSpan(w.s, rich.Span{Kind: rich.KindCommand, Text: "team create <name>"})
			w.s = append(w.s, '.')
			w.contextScratch()
			return
		}
		w.teamPicker(a, asker)
		return
	default:
		w.sections(a.Text())
		return
	}
	switch {
	case a.Confirm:
		// Two-stage fallback: the answer as read, then whether that reading
		// was right, with the reading and its closest alternatives to pick.
		w.section(a.ConfirmLine())
		w.choiceButtons(a, a.Choices(), asker)
		if hint := a.TeachHint(); !hint.Empty() {
			w.context(hint)
		}
	case a.NearTie:
		if choices := a.Choices(); len(choices) > 0 {
			w.s = appendEscaped(w.s[:0], "Did you mean something else?")
			w.sectionScratch()
			w.choiceButtons(a, choices, asker)
		}
	}
	w.answerActions(a)
}

// whySection is "*Why:* " and the answer's one line of why.
func (w *answerWriter) whySection(why string) {
	w.s = appendSpan(w.s[:0], rich.Span{Kind: rich.KindStrong, Text: "Why:"})
	w.s = appendEscaped(append(w.s, ' '), why)
	w.sectionScratch()
}

// hintSection is a lead's hint after a light bulb.
func (w *answerWriter) hintSection(t rich.Text) {
	w.s = appendEscaped(w.s[:0], ":bulb: ")
	w.s = appendMrkdwn(w.s, t)
	w.sectionScratch()
}

func appendPerson(b []byte, p ownership.Person) []byte {
	return appendSpan(b, rich.Span{Kind: rich.KindMention, ID: p.ID, Text: p.Label()})
}

func appendStrong(b []byte, s string) []byte {
	return appendSpan(b, rich.Span{Kind: rich.KindStrong, Text: s})
}

// personContext is the line under a one-person answer: the counterpart,
// the team the question resolved to and a review note, joined by " · ".
func (w *answerWriter) personContext(a bot.Answer) {
	s := w.s[:0]
	parts := 0
	sep := func() {
		if parts > 0 {
			s = appendEscaped(s, " · ")
		}
		parts++
	}
	switch {
	case a.SamePerson && a.Holder != nil && !a.Holder.Empty():
		sep()
		s = appendPerson(s, a.Holder.Person)
		s = appendEscaped(s, " is both Product Manager and Product Owner here")
	case a.Counterpart != nil && a.Counterpart.Empty():
		sep()
		s = appendEscaped(s, "Counterpart: no ")
		s = appendEscaped(s, a.Counterpart.RoleName)
		s = appendEscaped(s, " yet")
	case a.Counterpart != nil:
		sep()
		s = appendEscaped(s, "Counterpart: ")
		s = appendPerson(s, a.Counterpart.Person)
		s = appendEscaped(s, ", the ")
		s = appendEscaped(s, a.Counterpart.RoleName)
	}
	if a.Team != nil {
		sep()
		s = w.teamLine(s, a)
	}
	if n := a.ReviewNote(); !n.Empty() {
		sep()
		s = appendMrkdwn(s, n)
	}
	w.s = s
	w.contextScratch()
}

// teamLine appends "Team: *name*" and how the team was found.
func (w *answerWriter) teamLine(s []byte, a bot.Answer) []byte {
	s = appendEscaped(s, "Team: ")
	s = appendStrong(s, a.Team.Name)
	if from := teamFrom[a.TeamFrom]; from != "" {
		s = appendEscaped(s, " (")
		s = appendEscaped(s, from)
		s = append(s, ')')
	}
	return s
}

// bothLines is the section naming both roles' holders.
func (w *answerWriter) bothLines(a bot.Answer) {
	s := w.s[:0]
	if a.SamePerson && len(a.Both) == 2 {
		s = appendPerson(s, a.Both[0].Person)
		s = appendEscaped(s, " holds both roles: they ")
		s = appendEscaped(s, a.Both[0].Decides)
		s = appendEscaped(s, ", and ")
		s = appendEscaped(s, a.Both[1].Decides)
		s = append(s, '.')
	} else {
		for i, h := range a.Both {
			if i > 0 {
				s = append(s, '\n')
			}
			s = appendEscaped(s, "• ")
			if h.Empty() {
				s = appendStrong(s, h.RoleName)
				s = appendEscaped(s, " (")
				s = appendMrkdwn(s, h.Vacancy())
				s = appendEscaped(s, ") ")
			} else {
				s = appendPerson(s, h.Person)
				s = appendEscaped(s, ", the ")
				s = appendStrong(s, h.RoleName)
				s = appendEscaped(s, ", ")
			}
			s = appendEscaped(s, h.Decides)
			s = append(s, '.')
		}
	}
	w.s = s
	w.sectionScratch()
}

// choiceButtons offers the alternative intents; choosing one answers in place.
func (w *answerWriter) choiceButtons(a bot.Answer, choices []bot.Choice, asker string) {
	w.openActions("choices")
	for i, c := range choices {
		v := choice{Intent: c.Intent, Question: a.Question, Asker: asker}
		if a.TeamFrom == "chosen" && a.Team != nil {
			v.Team = a.Team.ID
		}
		w.button(w.numbered(actionChoose, i), c.Title, v.encode(maxValue))
	}
	w.closeList()
}

// answerActions are the buttons under an answer: More, Why? and feedback.
func (w *answerWriter) answerActions(a bot.Answer) {
	w.openActions("answer_actions")
	if a.More != "" && a.Kind != bot.KindKnowledge {
		w.button(actionMore, "More", a.Intent)
	}
	// The reasoning travels in the button itself, so "Why?" explains exactly
	// the answer on screen, even after the directory has changed. It travels
	// as plain text and is escaped again when shown: a button value is never
	// trusted as markup.
	// (a.Reasoning()'s lines as plain text, one a line)
	s := a.AppendReasoning(w.s[:0])
	if w.s = s; len(s) > 0 {
		w.buttonScratch(actionWhy, "Why?", maxValue)
	}
	w.button(actionHelpful, "👍 Helpful", a.Intent)
	w.button(actionNotHelpful, "👎 Not helpful", a.Intent)
	if a.Lead && a.Team != nil && (a.Kind == bot.KindPerson || a.Kind == bot.KindBoth) {
		// For a lead who asked: the team's Edit team modal, one click away.
		// Whoever clicks is checked; a modal is private to them.
		w.button(actionManageTeam, "Manage team", bot.TeamKey(a.Team.ID))
	}
	w.closeList()
}

// teamPicker lets the asker say which team they mean: buttons for a few
// teams, a select for more.
func (w *answerWriter) teamPicker(a bot.Answer, asker string) {
	if len(a.Teams) <= maxTeamButtons {
		w.openActions("teams")
		for i, t := range a.Teams {
			v := choice{Intent: a.Intent, Team: t.ID, Question: a.Question, Asker: asker}
			w.button(w.numbered(actionPickTeam, i), t.Name, v.encode(maxValue))
		}
		w.closeList()
		return
	}
	v := choice{Intent: a.Intent, Question: a.Question, Asker: asker}
	w.openActions(pickTeamBlockPrefix + v.encode(maxBlockID-len(pickTeamBlockPrefix)))
	w.element()
	w.b = append(w.b, `{"type":"static_select","placeholder":`...)
	w.b = appendPlainObject(w.b, "Choose a team", maxButtonText)
	w.b = append(w.b, `,"action_id":"`+actionPickTeam+`"`...)
	n := 0
	for i, t := range a.Teams {
		if i == maxOptions || len(t.ID) > maxOptionValue {
			break
		}
		if n == 0 {
			w.b = append(w.b, `,"options":[`...)
		} else {
			w.b = append(w.b, ',')
		}
		n++
		w.b = append(w.b, `{"text":`...)
		w.b = appendPlainObject(w.b, t.Name, maxButtonText)
		w.b = append(w.b, `,"value":`...)
		w.b = appendJSONString(w.b, t.ID)
		w.b = append(w.b, '}')
	}
	if n > 0 {
		w.b = append(w.b, ']')
	}
	w.b = append(w.b, '}')
	w.closeList()
}

// numbered is an action id with its ":n" suffix.
func (w *answerWriter) numbered(action string, i int) string {
	w.id = strconv.AppendInt(append(append(w.id[:0], action...), ':'), int64(i), 10)
	return unsafe.String(unsafe.SliceData(w.id), len(w.id))
}

// block starts a block of the list.
func (w *answerWriter) block() {
	if w.blocks > 0 {
		w.b = append(w.b, ',')
	}
	w.blocks++
}

// section writes a section of t.
func (w *answerWriter) section(t rich.Text) {
	w.s = appendMrkdwn(w.s[:0], t)
	w.sectionScratch()
}

// sectionScratch writes a section of the mrkdwn in w.s.
func (w *answerWriter) sectionScratch() {
	w.block()
	w.b = append(w.b, `{"type":"section","text":{"type":"mrkdwn","text":`...)
	w.b = appendCutMrkdwn(w.b, w.s, maxSectionText)
	w.b = append(w.b, "}}"...)
}

// context writes a context block of t.
func (w *answerWriter) context(t rich.Text) {
	w.s = appendMrkdwn(w.s[:0], t)
	w.contextScratch()
}

// contextScratch writes a context block of the mrkdwn in w.s.
func (w *answerWriter) contextScratch() {
	w.block()
	w.b = append(w.b, `{"type":"context","elements":[{"type":"mrkdwn","text":`...)
	w.b = appendCutMrkdwn(w.b, w.s, maxSectionText)
	w.b = append(w.b, "}]}"...)
}

// sections writes long text as sections split at line breaks, since one
// section holds at most 3000 characters; each section's text is trimmed
// of white space at both ends, and one left empty is not written.
func (w *answerWriter) sections(t rich.Text) {
	s := w.s[:0]
	for _, line := range t.Split() {
		start := len(s)
		s = appendMrkdwn(s, line)
		if start > 0 && start+(len(s)-start)+1 > maxSectionText {
			// The line does not fit after the lines before it: they are a
			// section, and the line starts the next.
			w.s = s[:start]
			w.trimmedSection()
			s = append(w.s[:0], s[start:]...)
		}
		s = append(s, '\n')
	}
	w.s = s
	w.trimmedSection()
}

// trimmedSection writes w.s as a section without its white space at both
// ends, unless nothing is left.
func (w *answerWriter) trimmedSection() {
	s := bytes.TrimSpace(w.s)
	if len(s) == 0 {
		return
	}
	w.block()
	w.b = append(w.b, `{"type":"section","text":{"type":"mrkdwn","text":`...)
	w.b = appendCutMrkdwn(w.b, s, maxSectionText)
	w.b = append(w.b, "}}"...)
}

// openActions starts an actions block.
func (w *answerWriter) openActions(blockID string) {
	w.block()
	w.b = append(w.b, `{"type":"actions"`...)
	w.b = appendOptional(w.b, `,"block_id":`, blockID)
	w.b = append(w.b, `,"elements":`...)
	w.elems = 0
}

// closeList ends the open actions block's elements and the block.
func (w *answerWriter) closeList() {
	if w.elems == 0 {
		w.b = append(w.b, "null}"...)
		return
	}
	w.b = append(w.b, "]}"...)
}

func (w *answerWriter) element() {
	if w.elems == 0 {
		w.b = append(w.b, '[')
	} else {
		w.b = append(w.b, ',')
	}
	w.elems++
}

// button writes a button with a label cut to Slack's limit.
func (w *answerWriter) button(actionID, label, value string) {
	w.element()
	w.b = append(w.b, `{"type":"button","text":`...)
	w.b = appendPlainObject(w.b, label, maxButtonText)
	w.b = appendOptional(w.b, `,"action_id":`, actionID)
	w.b = appendOptional(w.b, `,"value":`, value)
	w.b = append(w.b, '}')
}

// buttonScratch writes a button whose value is w.s, cut to limit.
func (w *answerWriter) buttonScratch(actionID, label string, limit int) {
	w.element()
	w.b = append(w.b, `{"type":"button","text":`...)
	w.b = appendPlainObject(w.b, label, maxButtonText)
	w.b = appendOptional(w.b, `,"action_id":`, actionID)
	if len(w.s) > 0 {
		w.b = append(w.b, `,"value":`...)
		w.b = appendCut(w.b, w.s, limit)
	}
	w.b = append(w.b, '}')
}

// appendPlainObject appends a plain_text object of s cut to n characters:
// Slack shows it as it is, so it is not escaped.
func appendPlainObject(b []byte, s string, n int) []byte {
	b = append(b, `{"type":"plain_text","text":`...)
	b = appendCut(b, unsafe.Slice(unsafe.StringData(s), len(s)), n)
	return append(b, `,"emoji":true}`...)
}

// appendCutMrkdwn is appendCut for mrkdwn (truncateMrkdwn).
func appendCutMrkdwn(b, s []byte, n int) []byte {
	if len(s) > n && utf8.RuneCount(s) > n {
		return appendJSONString(b, truncateMrkdwn(string(s), n))
	}
	return appendJSONString(b, unsafe.String(unsafe.SliceData(s), len(s)))
}

// appendCut appends s cut to at most n characters (truncate) as a JSON
// string.
func appendCut(b, s []byte, n int) []byte {
	if len(s) > n && utf8.RuneCount(s) > n {
		return appendJSONString(b, truncate(string(s), n))
	}
	return appendJSONString(b, unsafe.String(unsafe.SliceData(s), len(s)))
}
