package slack

import (
	"strings"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
)

// Format renders bot output as Slack mrkdwn: real mentions that notify,
// channel links, and the /whoowns slash command as the command prefix.
type Format struct{}

var _ bot.Format = Format{}

// Mention renders <@U123>, which Slack shows as the person's name and which
// notifies them.
func (Format) Mention(p ownership.Person) string { return "<@" + p.ID + ">" }

// Channel renders <#C123>, a clickable channel link.
func (Format) Channel(c ownership.Channel) string { return "<#" + c.ID + ">" }

// Bold renders *s*; the text is escaped so a team named "<!here>" cannot
// ping a channel.
func (Format) Bold(s string) string { return "*" + escape(s) + "*" }

// Code renders `s`. Usage strings such as "<phrase>" must be escaped, or
// Slack would read them as links.
func (Format) Code(s string) string { return "`" + escape(s) + "`" }

// CommandPrefix is the slash command declared in app-manifest.yml.
func (Format) CommandPrefix() string { return "/whoowns" }

// escaper applies the three escapes Slack requires in mrkdwn text.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }
