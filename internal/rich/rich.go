// Package rich is the typed text the core hands to the chat renderers. A
// message is a sequence of spans: plain text, strong text, code, a mention
// of a person, a link to a channel, a command line and line breaks. Only
// a renderer turns spans into platform markup, and it escapes every span's
// text for its platform, so words a person typed (a team name, a question,
// a display name) can never become a mention, a broadcast or a link.
//
// Messages are built with Sprintf, whose format is a constant written by
// us and whose arguments become escaped plain text unless they are already
// rich values:
//
//	rich.Sprintf("%s is now %s of %s.", rich.Mention(id, name), role, rich.Strong(team))
//
// The package imports only the standard library.
package rich

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Kind says what a span is.
type Kind uint8

// Span kinds.
const (
	// KindText is plain text. A '\n' in it is a line break.
	KindText Kind = iota
	// KindStrong is emphasised text.
	KindStrong
	// KindCode is a literal: an id, a usage string, an example question.
	KindCode
	// KindMention names a person so that the platform notifies them: ID is
	// the platform's user id, Text the display name.
	KindMention
	// KindChannel links a channel: ID is the channel id, Text its name.
	KindChannel
	// KindCommand is a command line of the bot ("set po @person checkout"),
	// rendered as code after the platform's prefix ("/whoowns" in Slack,
	// "@whoowns" in Teams).
	KindCommand
	// KindBreak ends a line.
	KindBreak
)

// Span is one typed piece of a message.
type Span struct {
	Kind Kind
	// Text is the span's words: the text, the command line after the
	// prefix, a mention's display name or a channel's name.
	Text string
	// ID is the user id of a mention or the channel id of a channel link.
	ID string
}

// Text is a message: a sequence of spans. The zero value is empty.
type Text []Span

// DefaultPrefix is the command prefix of plain text (String, logs and the
// command line, which runs no chat commands of its own): the slash command.
const DefaultPrefix = "/whoowns"

// Plain returns s as plain text.
func Plain(s string) Text {
	if s == "" {
		return nil
	}
	return Text{{Kind: KindText, Text: s}}
}

// Strong returns s emphasised.
func Strong(s string) Text { return Text{{Kind: KindStrong, Text: s}} }

// Code returns s as a literal.
func Code(s string) Text { return Text{{Kind: KindCode, Text: s}} }

// Mention returns a mention of the person with platform user id id and
// display name name. A mention without an id renders as the name.
func Mention(id, name string) Text { return Text{{Kind: KindMention, ID: id, Text: name}} }

// Channel returns a link to the channel with id id, called name.
func Channel(id, name string) Text { return Text{{Kind: KindChannel, ID: id, Text: name}} }

// Command returns a command line of the bot, without its prefix: args is
// what follows it ("help", "set po @person checkout"); empty for the bare
// prefix.
func Command(args string) Text { return Text{{Kind: KindCommand, Text: args}} }

// Break returns a line break.
func Break() Text { return Text{{Kind: KindBreak}} }

// Concat returns the texts one after the other.
func Concat(ts ...Text) Text {
	n := 0
	for _, t := range ts {
		n += len(t)
	}
	out := make(Text, 0, n)
	for _, t := range ts {
		out = append(out, t...)
	}
	return out
}

// Join returns the texts separated by the plain text sep.
func Join(ts []Text, sep string) Text {
	n := 0
	for _, t := range ts {
		n += len(t) + 1
	}
	if n == 0 {
		return nil
	}
	out := make(Text, 0, n)
	for i, t := range ts {
		if i > 0 && sep != "" {
			out = append(out, Span{Kind: KindText, Text: sep})
		}
		out = append(out, t...)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Lines returns the non-empty texts as lines.
func Lines(ts ...Text) Text {
	n := 0
	for _, t := range ts {
		if !t.Empty() {
			n += len(t) + 1
		}
	}
	if n == 0 {
		return nil
	}
	out := make(Text, 0, n)
	for _, t := range ts {
		if t.Empty() {
			continue
		}
		if len(out) > 0 {
			out = append(out, Span{Kind: KindBreak})
		}
		out = append(out, t...)
	}
	return out
}

// Empty reports whether t shows nothing.
func (t Text) Empty() bool {
	for _, s := range t {
		switch s.Kind {
		case KindBreak:
		case KindText, KindStrong, KindCode:
			if s.Text != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// Split returns t's lines: it cuts at breaks and at newlines inside text.
// Every line is non-nil; a text without breaks is one line.
func (t Text) Split() []Text {
	out := []Text{{}}
	for _, s := range t {
		if s.Kind == KindBreak {
			out = append(out, Text{})
			continue
		}
		if s.Kind != KindText || !strings.Contains(s.Text, "\n") {
			out[len(out)-1] = append(out[len(out)-1], s)
			continue
		}
		parts := strings.Split(s.Text, "\n")
		for i, p := range parts {
			if i > 0 {
				out = append(out, Text{})
			}
			if p != "" {
				out[len(out)-1] = append(out[len(out)-1], Span{Kind: KindText, Text: p})
			}
		}
	}
	return out
}

// TrimSpace removes white space and breaks at both ends of t.
func (t Text) TrimSpace() Text {
	for len(t) > 0 {
		s := t[0]
		if s.Kind == KindBreak {
			t = t[1:]
			continue
		}
		if s.Kind == KindText {
			if s.Text = strings.TrimLeft(s.Text, " \t\n"); s.Text == "" {
				t = t[1:]
				continue
			}
			t = append(Text{s}, t[1:]...)
		}
		break
	}
	for len(t) > 0 {
		s := t[len(t)-1]
		if s.Kind == KindBreak {
			t = t[:len(t)-1]
			continue
		}
		if s.Kind == KindText {
			if s.Text = strings.TrimRight(s.Text, " \t\n"); s.Text == "" {
				t = t[:len(t)-1]
				continue
			}
			t = append(t[:len(t)-1:len(t)-1], s)
		}
		break
	}
	return t
}

// Plain renders t as plain text with prefix before commands: mentions as
// "@Name", channels as "#name", code and commands in backticks.
func (t Text) Plain(prefix string) string {
	n := 0
	for _, s := range t {
		n += len(s.Text) + len(s.ID) + 2
		if s.Kind == KindCommand {
			n += len(prefix) + 1
		}
	}
	if n == 0 {
		return ""
	}
	return string(t.AppendPlain(make([]byte, 0, n), prefix))
}

// AppendPlain appends t rendered as Plain renders it.
func (t Text) AppendPlain(b []byte, prefix string) []byte {
	for _, s := range t {
		switch s.Kind {
		case KindText, KindStrong:
			b = append(b, s.Text...)
		case KindCode:
			b = append(b, '`')
			b = append(b, s.Text...)
			b = append(b, '`')
		case KindCommand:
			b = append(b, '`')
			b = append(b, prefix...)
			if s.Text != "" {
				b = append(b, ' ')
				b = append(b, s.Text...)
			}
			b = append(b, '`')
		case KindMention:
			b = append(b, '@')
			b = append(b, nameOr(s.Text, s.ID)...)
		case KindChannel:
			b = append(b, '#')
			b = append(b, nameOr(s.Text, s.ID)...)
		case KindBreak:
			b = append(b, '\n')
		}
	}
	return b
}

// String renders t as plain text with DefaultPrefix, for logs.
func (t Text) String() string { return t.Plain(DefaultPrefix) }

// CommandLine joins a prefix and a command's arguments.
func CommandLine(prefix, args string) string {
	if args == "" {
		return prefix
	}
	return prefix + " " + args
}

// MarshalJSON writes t as its plain text, for JSON output and logs.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// UnmarshalJSON reads a JSON string as plain text: what comes back from
// JSON is never markup.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Plain(s)
	return nil
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// Sprintf formats like fmt.Sprintf, but into a Text. format must be a
// constant written by us; a '\n' in it is a line break. An argument that is
// a Text or a Span (verb %s or %v) is inserted as it is; every other argument
// is formatted by fmt for its verb and becomes plain text, which the
// renderers escape: whatever a person typed stays words.
//
// Every answer is built from a few dozen of these, so it allocates little:
// the result once, and a string only where plain pieces (the format's own
// words, string arguments) must be joined into one span. Textf, for the
// arguments an answer is made of, does not even box them.
func Sprintf(format string, args ...any) Text {
	f := formatter{format: format}
	f.init(sprintfSpans(format, args))
	for {
		verb, ok := f.next()
		if !ok {
			break
		}
		if f.argi >= len(args) {
			f.run.add("%!" + verb[len(verb)-1:] + "(MISSING)")
			continue
		}
		a := args[f.argi]
		f.argi++
		if v := verb[len(verb)-1]; v == 's' || v == 'v' {
			switch r := a.(type) {
			case Text:
				f.text(r)
				continue
			case Span:
				f.span(r)
				continue
			case string:
				if len(verb) == 2 {
					// What fmt would print, without formatting a copy.
					f.run.add(r)
					continue
				}
			}
		}
		f.run.add(fmt.Sprintf(verb, a))
	}
	return f.finish(len(args))
}

// Textf is Sprintf for the arguments answers are made of: string, Text,
// Span, int and float64, which it formats exactly as Sprintf does. In
// exchange for taking nothing else, its arguments do not escape: the
// caller's boxes for them stay on its stack, and a call allocates its
// result and the joined plain text only. An argument of another type is
// not formatted: it shows as %!v(BADTYPE type), as a mistake does in fmt.
func Textf(format string, args ...any) Text {
	f := formatter{format: format}
	f.init(sprintfSpans(format, args))
	for {
		verb, ok := f.next()
		if !ok {
			break
		}
		if f.argi >= len(args) {
			f.run.add("%!" + verb[len(verb)-1:] + "(MISSING)")
			continue
		}
		a := args[f.argi]
		f.argi++
		sv := verb[len(verb)-1] == 's' || verb[len(verb)-1] == 'v'
		// Each case hands fmt a copy of the value, never a itself, which
		// would make every caller's boxes escape.
		switch r := a.(type) {
		case string:
			if sv && len(verb) == 2 {
				f.run.add(r)
			} else {
				f.run.add(fmt.Sprintf(verb, r))
			}
		case Text:
			if sv {
				f.text(r)
			} else {
				f.run.add(fmt.Sprintf(verb, r))
			}
		case Span:
			if sv {
				f.span(r)
			} else {
				f.run.add(fmt.Sprintf(verb, r))
			}
		case int:
			if verb == "%d" {
				f.run.add(strconv.Itoa(r))
			} else {
				f.run.add(fmt.Sprintf(verb, r))
			}
		case float64:
			f.run.add(fmt.Sprintf(verb, r))
		default:
			f.run.add("%!" + verb[len(verb)-1:] + "(BADTYPE " + reflect.TypeOf(a).String() + ")")
		}
	}
	return f.finish(len(args))
}

// formatter is the part of Sprintf and Textf that does not see the
// arguments: it walks the format, collects plain text and builds the
// result.
type formatter struct {
	format string
	i      int // next byte of format to read
	lit    int // start of the format's literal text not yet in run
	argi   int // next argument
	out    Text
	run    plainRun
}

func (f *formatter) init(spans int) {
	if spans > 0 {
		f.out = make(Text, 0, spans)
	}
}

// flush ends the plain run.
func (f *formatter) flush() {
	if s := f.run.take(); s != "" {
		f.out = appendPlain(f.out, s)
	}
}

// text and span insert rich arguments.
func (f *formatter) text(t Text) {
	f.flush()
	f.out = append(f.out, t...)
}

func (f *formatter) span(s Span) {
	f.flush()
	f.out = append(f.out, s)
}

// next reads the format up to its next verb that takes an argument, and
// returns it (flags, width and precision included); false at the end.
// Literal text, line breaks and %% go into the result on the way.
func (f *formatter) next() (string, bool) {
	format := f.format
	for f.i < len(format) {
		i := f.i
		c := format[i]
		if c != '\n' && c != '%' {
			f.i++
			continue
		}
		f.run.add(format[f.lit:i])
		if c == '\n' {
			f.flush()
			f.out = append(f.out, Span{Kind: KindBreak})
			f.i++
			f.lit = f.i
			continue
		}
		// A verb: flags, width and precision, then the verb letter.
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.') {
			j++
		}
		if j >= len(format) {
			f.lit = i
			f.i = len(format)
			break
		}
		verb := format[i : j+1]
		f.i = j + 1
		f.lit = f.i
		if verb == "%%" {
			f.run.add("%")
			continue
		}
		return verb, true
	}
	return "", false
}

// finish adds the format's last literal text and returns the result.
func (f *formatter) finish(nargs int) Text {
	f.run.add(f.format[f.lit:])
	if f.argi < nargs {
		f.run.add("%!(EXTRA)")
	}
	f.flush()
	if len(f.out) == 0 {
		return nil
	}
	return f.out
}

// sprintfSpans is at least how many spans Sprintf(format, args) makes: one
// per line break and plain run, and the spans of the rich arguments.
func sprintfSpans(format string, args []any) int {
	n := 1 + strings.Count(format, "\n")
	for _, a := range args {
		switch r := a.(type) {
		case Text:
			n += len(r) + 1
		case Span:
			n += 2
		}
	}
	return n
}

// plainRun collects the plain pieces between two rich spans. A run of one
// piece is that piece itself; only a run of several is copied into one.
type plainRun struct {
	one   string
	b     strings.Builder
	multi bool
}

func (r *plainRun) add(s string) {
	switch {
	case s == "":
	case r.multi:
		r.b.WriteString(s)
	case r.one == "":
		r.one = s
	default:
		r.b.Grow(len(r.one) + len(s) + 16)
		r.b.WriteString(r.one)
		r.b.WriteString(s)
		r.one, r.multi = "", true
	}
}

// take returns the run and empties it.
func (r *plainRun) take() string {
	if !r.multi {
		s := r.one
		r.one = ""
		return s
	}
	s := r.b.String()
	r.b = strings.Builder{}
	r.multi = false
	return s
}

// appendPlain appends s as plain text, merging with a plain span before it.
func appendPlain(t Text, s string) Text {
	if n := len(t); n > 0 && t[n-1].Kind == KindText {
		t[n-1].Text += s
		return t
	}
	return append(t, Span{Kind: KindText, Text: s})
}
