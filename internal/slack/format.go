package slack

import (
	"regexp"
	"strings"

	"github.com/whoowns/whoowns/internal/rich"
)

// The mrkdwn renderer: the only code that writes Slack markup. Every span's
// text is escaped (&, <, >), so a team called "<!channel>" or a question
// holding "<https://evil|SSO>" shows as those characters; mentions and
// channel links come only from typed spans with a well-formed id.

// commandPrefix is the slash command declared in app-manifest.yml.
const commandPrefix = "/whoowns"

// escaper applies the three escapes Slack requires in mrkdwn text.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }

// Ids Slack gives users (U…, W… in Enterprise Grid, B… for bots) and
// conversations (C…, G…, D…). Anything else is not rendered as markup.
var (
	userID    = regexp.MustCompile(`^[UWB][A-Z0-9]{1,30}$`)
	channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{1,30}$`)
)

// mrkdwnOf renders t as Slack mrkdwn, in one buffer: every answer renders
// a dozen of these.
func mrkdwnOf(t rich.Text) string {
	n := 0
	for _, s := range t {
		n += len(s.Text) + len(s.ID) + 4
	}
	var b strings.Builder
	b.Grow(n + n/8)
	for _, s := range t {
		writeSpan(&b, s)
	}
	return b.String()
}

func writeSpan(b *strings.Builder, s rich.Span) {
	switch s.Kind {
	case rich.KindText:
		writeEscaped(b, s.Text)
	case rich.KindStrong:
		if s.Text = oneLine(s.Text); s.Text != "" {
			b.WriteByte('*')
			writeEscaped(b, s.Text)
			b.WriteByte('*')
		}
	case rich.KindCode:
		b.WriteString(code(s.Text))
	case rich.KindCommand:
		b.WriteString(code(rich.CommandLine(commandPrefix, s.Text)))
	case rich.KindMention:
		if userID.MatchString(s.ID) {
			b.WriteString("<@")
			b.WriteString(s.ID)
			b.WriteByte('>')
		} else {
			b.WriteString(escape("@" + nameOr(s.Text, s.ID)))
		}
	case rich.KindChannel:
		if channelID.MatchString(s.ID) {
			b.WriteString("<#")
			b.WriteString(s.ID)
			b.WriteByte('>')
		} else {
			b.WriteString(escape("#" + nameOr(s.Text, s.ID)))
		}
	case rich.KindBreak:
		b.WriteByte('\n')
	}
}

// writeEscaped writes s with the escapes of escape, without a copy of s.
func writeEscaped(b *strings.Builder, s string) {
	for {
		i := strings.IndexAny(s, "&<>")
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		switch s[i] {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		}
		s = s[i+1:]
	}
}

// code renders s as inline code. mrkdwn has no escape for a backtick inside
// code, so one would end the span early; it becomes a quote.
func code(s string) string {
	s = strings.ReplaceAll(oneLine(s), "`", "'")
	if s == "" {
		return ""
	}
	return "`" + escape(s) + "`"
}

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
