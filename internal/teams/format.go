package teams

import (
	"strings"
	"sync"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// Format renders the core's text for Teams markdown. Teams turns
// <at>Name</at> into a mention only when the activity (or card) carries a
// matching mention entity, so Format records everyone it mentions; the
// sender attaches, to each outgoing message, the entities of the mentions
// that made it into that message's text. Use one Format per activity handled.
type Format struct {
	// quiet renders people as bold names instead of mentions, for text
	// that should not notify them (explanations, the home card).
	quiet bool

	mu       sync.Mutex
	mentions []schema.Mention
}

// NewFormat returns a Format that mentions people.
func NewFormat() *Format { return &Format{} }

// quietFormat returns a Format that names people without notifying them.
func quietFormat() *Format { return &Format{quiet: true} }

var _ bot.Format = (*Format)(nil)

// Mention renders p as <at>Name</at> and records the mention entity.
func (f *Format) Mention(p ownership.Person) string {
	name := mentionName(p)
	if f.quiet || p.ID == "" {
		return f.Bold(name)
	}
	text := "<at>" + name + "</at>"
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.mentions {
		if m.Text == text && m.Mentioned.ID == p.ID {
			return text
		}
	}
	f.mentions = append(f.mentions, schema.Mention{Type: "mention", Text: text, Mentioned: schema.ChannelAccount{ID: p.ID, Name: name}})
	return text
}

// mentionName is the name inside <at>…</at>; angle brackets would end the tag.
func mentionName(p ownership.Person) string {
	return strings.NewReplacer("<", "", ">", "").Replace(p.Label())
}

// Channel names a channel. Teams has no inline channel link a bot can build
// from a channel id alone (a deep link needs the team's group id), so it is
// the channel's name in bold.
func (f *Format) Channel(c ownership.Channel) string {
	name := c.Name
	if name == "" {
		name = c.ID
	}
	return f.Bold("#" + name)
}

// Bold emphasises s.
func (f *Format) Bold(s string) string { return "**" + s + "**" }

// Code renders a literal command. Cards have no inline code; the card
// builder turns these spans into quotes (see cardText).
func (f *Format) Code(s string) string { return "`" + s + "`" }

// CommandPrefix is how Teams users address the bot: by mentioning it.
func (f *Format) CommandPrefix() string { return "@whoowns" }

// entitiesIn returns the recorded mentions whose text occurs in texts: Teams
// rejects a message whose mention entity is missing from its text.
func (f *Format) entitiesIn(texts ...string) []schema.Mention {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []schema.Mention
	for _, m := range f.mentions {
		for _, t := range texts {
			if strings.Contains(t, m.Text) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// cardText adapts markdown for Adaptive Cards, whose TextBlocks support
// bold, italics, lists and links but not inline code: `x` becomes “x”.
func cardText(s string) string {
	if !strings.Contains(s, "`") {
		return s
	}
	var b strings.Builder
	open := false
	for _, r := range s {
		if r == '`' {
			if open {
				b.WriteRune('”')
			} else {
				b.WriteRune('“')
			}
			open = !open
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
