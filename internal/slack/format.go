package slack

import (
	"strings"
	"unsafe"

	"github.com/whoowns/whoowns/internal/rich"
)

// The mrkdwn renderer: the only code that writes Slack markup. Every span's
// text is escaped (&, <, >), so a team called "<!channel>" or a question
// holding "<https://evil|SSO>" shows as those characters; mentions and
// channel links come only from typed spans with a well-formed id.

// commandPrefix is the slash command declared in app-manifest.yml.
const commandPrefix = "/whoowns"

// isSlackID reports whether id is one of Slack's ids that starts with one
// of first: an upper-case letter, then 1 to 30 upper-case letters or
// digits. Users are U…, W… (Enterprise Grid) and B… (bots); conversations
// C…, G… and D…. Anything else is not rendered as markup.
func isSlackID(id, first string) bool {
	if len(id) < 2 || len(id) > 31 || strings.IndexByte(first, id[0]) < 0 {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isUserID(id string) bool    { return isSlackID(id, "UWB") }
func isChannelID(id string) bool { return isSlackID(id, "CGD") }

// mrkdwnOf renders t as Slack mrkdwn, in one buffer: every answer renders
// a dozen of these.
func mrkdwnOf(t rich.Text) string {
	n := 0
	for _, s := range t {
		n += len(s.Text) + len(s.ID) + 4
	}
	if n == 0 {
		return ""
	}
	b := appendMrkdwn(make([]byte, 0, n+n/8), t)
	if len(b) == 0 {
		return ""
	}
	// b is not written again: the string is its only reference, as in
	// strings.Builder.String.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendMrkdwn appends t rendered as Slack mrkdwn.
func appendMrkdwn(b []byte, t rich.Text) []byte {
	for _, s := range t {
		b = appendSpan(b, s)
	}
	return b
}

func appendSpan(b []byte, s rich.Span) []byte {
	switch s.Kind {
	case rich.KindText:
		return appendEscaped(b, s.Text)
	case rich.KindStrong:
		if s.Text = oneLine(s.Text); s.Text != "" {
			b = append(b, '*')
			b = appendEscaped(b, s.Text)
			b = append(b, '*')
		}
	case rich.KindCode:
		return appendCode(b, "", s.Text)
	case rich.KindCommand:
		return appendCode(b, commandPrefix, s.Text)
	case rich.KindMention:
		if isUserID(s.ID) {
			b = append(b, "<@"...)
			b = append(b, s.ID...)
			return append(b, '>')
		}
		return appendEscaped(append(b, '@'), nameOr(s.Text, s.ID))
	case rich.KindChannel:
		if isChannelID(s.ID) {
			b = append(b, "<#"...)
			b = append(b, s.ID...)
			return append(b, '>')
		}
		return appendEscaped(append(b, '#'), nameOr(s.Text, s.ID))
	case rich.KindBreak:
		return append(b, '\n')
	}
	return b
}

// appendEscaped appends s with the three escapes Slack requires in mrkdwn
// text: &amp; &lt; &gt;.
func appendEscaped(b []byte, s string) []byte { return appendEscapedSet(b, s, "&<>") }

// appendEscapedSet appends s with Slack's escapes for the characters of
// set that are among & < >, and a backtick, if set has one, as a quote.
func appendEscapedSet(b []byte, s, set string) []byte {
	for {
		i := strings.IndexAny(s, set)
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		switch s[i] {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '`':
			b = append(b, '\'')
		}
		s = s[i+1:]
	}
}

// appendCode appends the command line of prefix and s (s alone without a
// prefix) as inline code: on one line, escaped. mrkdwn has no escape for a
// backtick inside code, so one would end the span early; it becomes a
// quote. Nothing is appended for a line without words.
func appendCode(b []byte, prefix, s string) []byte {
	if prefix != "" {
		if strings.ContainsAny(s, "\r\n") {
			// Rare: the whole line's white space is folded, as code does.
			s, prefix = rich.CommandLine(prefix, s), ""
		} else if s == "" {
			s, prefix = prefix, ""
		}
	}
	s = oneLine(s)
	if prefix == "" && s == "" {
		return b
	}
	b = append(b, '`')
	if prefix != "" {
		b = appendCodeText(b, prefix)
		b = append(b, ' ')
	}
	b = appendCodeText(b, s)
	return append(b, '`')
}

// appendCodeText appends s escaped, its backticks as quotes.
func appendCodeText(b []byte, s string) []byte { return appendEscapedSet(b, s, "&<>`") }

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}
