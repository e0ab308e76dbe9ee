package teams

import (
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/rich"
)

// The Teams renderer: the only code that writes Teams markdown, for message
// text and Adaptive Card TextBlocks. Every span's text is escaped: markdown
// characters get a backslash (no emphasis, list, heading or [link](url) can
// come from a name or a question) and &, < and > become entities, so no
// <at> tag appears except the ones rendered from typed mentions, each with
// its mention entity.

// commandPrefix is how Teams users address the bot: by mentioning it.
const commandPrefix = "@whoowns"

// renderer turns rich text into Teams markdown and records the mentions it
// renders: Teams makes <at>Name</at> a mention only when the activity (or
// card) carries a matching entity. Use one renderer per outgoing message.
type renderer struct {
	// quiet renders people as bold names instead of mentions, for text
	// that should not notify them (explanations, the home card).
	quiet bool
	// card renders for an Adaptive Card TextBlock, which has no inline
	// code: code becomes “quoted”.
	card bool

	mentions []schema.Mention
}

// newRenderer returns a renderer for message text that mentions people.
func newRenderer() *renderer { return &renderer{} }

// cardRenderer returns a renderer for card text; quiet names people
// without notifying them.
func cardRenderer(quiet bool) *renderer { return &renderer{card: true, quiet: quiet} }

// markdown renders t as message text. Teams markdown needs a blank line to
// break a line.
func (r *renderer) markdown(t rich.Text) string {
	lines := t.Split()
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, r.line(l))
	}
	return strings.Join(out, "\n\n")
}

// line renders one line (t holds no break).
func (r *renderer) line(t rich.Text) string {
	var b strings.Builder
	for _, s := range t {
		start := b.Len() == 0
		switch s.Kind {
		case rich.KindText:
			b.WriteString(escapeMarkdown(s.Text, start))
		case rich.KindStrong:
			if txt := oneLine(s.Text); strings.TrimSpace(txt) != "" {
				b.WriteString("**" + escapeMarkdown(txt, false) + "**")
			}
		case rich.KindCode:
			b.WriteString(r.code(s.Text))
		case rich.KindCommand:
			b.WriteString(r.code(rich.CommandLine(commandPrefix, s.Text)))
		case rich.KindMention:
			b.WriteString(r.mention(s.ID, s.Text))
		case rich.KindChannel:
			// Teams has no inline channel link a bot can build from a
			// channel id alone (a deep link needs the team's group id), and
			// the id means nothing to people: the name, which the adapter
			// resolves before rendering (see channelNames), or else words.
			if name := strings.TrimSpace(oneLine(s.Text)); name != "" {
				b.WriteString("**" + escapeMarkdown("#"+name, false) + "**")
			} else {
				b.WriteString("a channel")
			}
		case rich.KindBreak:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// code renders a literal. Message text keeps `code` when nothing in it
// could be markup anywhere (inside code no escape works, and a client that
// reads links there must not find one); otherwise, and always in cards, it
// is “quoted” escaped text.
func (r *renderer) code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	if !r.card && !strings.ContainsAny(s, "`<>&[]\\") {
		return "`" + s + "`"
	}
	return "“" + escapeMarkdown(s, false) + "”"
}

// mention renders <at>Name</at> and records its entity; without an id, or
// when quiet, the name in bold.
func (r *renderer) mention(id, name string) string {
	name = oneLine(nameOr(name, id))
	if r.quiet || id == "" {
		return "**" + escapeMarkdown(name, false) + "**"
	}
	text := "<at>" + mentionName(name) + "</at>"
	for _, m := range r.mentions {
		if m.Text == text && m.Mentioned.ID == id {
			return text
		}
	}
	r.mentions = append(r.mentions, schema.Mention{Type: "mention", Text: text, Mentioned: schema.ChannelAccount{ID: id, Name: name}})
	return text
}

// mentionName is the name inside <at>…</at>: angle brackets would end the
// tag, so they go, and markdown characters are escaped.
func mentionName(name string) string {
	return escapeMarkdown(strings.NewReplacer("<", "", ">", "").Replace(name), false)
}

// entitiesIn returns the recorded mentions whose text occurs in texts: Teams
// rejects a message whose mention entity is missing from its text.
func (r *renderer) entitiesIn(texts ...string) []schema.Mention {
	var out []schema.Mention
	for _, m := range r.mentions {
		for _, t := range texts {
			if strings.Contains(t, m.Text) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// escapeMarkdown escapes s for Teams markdown. atStart says s begins a
// line, where "-", "+", "=", "#", "1." and leading spaces also mean
// something.
func escapeMarkdown(s string, atStart bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	if atStart {
		s = strings.TrimLeft(s, " \t")
		switch {
		case s == "":
		case strings.IndexByte("-+=#", s[0]) >= 0:
			b.WriteByte('\\')
		default:
			// "1. text" or "1) text" would start a numbered list.
			i := 0
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
				b.WriteString(s[:i])
				b.WriteByte('\\')
				s = s[i:]
			}
		}
	}
	for _, c := range s {
		switch c {
		case '\\', '`', '*', '_', '~', '[', ']':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r', '\n':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
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
