package bot

import (
	"regexp"
	"strings"

	"github.com/whoowns/whoowns/internal/rich"
)

// help answers "help": the commands the asker can use, from the verb table.
// Typed in a channel, the reply there is short and the list goes to the
// asker privately (CommandResult.Private).
func (c *cmd) help() CommandResult {
	full := commandHelp(c.lead)
	if c.m.DM || c.m.Channel.ID == "" {
		return CommandResult{Text: full}
	}
	short := rich.Sprintf("Ask me in plain words who owns product work, for example %s. I've sent you the commands you can use privately.",
		rich.Code("who owns the roadmap for checkout?"))
	return CommandResult{Text: short, Private: full}
}

// commandHelp lists the commands from the verb table: everyone's, then, for
// a lead, the leads'. People who are not leads see only what they can use.
func commandHelp(lead bool) rich.Text {
	lines := []rich.Text{rich.Plain("Ask me who owns product work in plain words, or use these commands:")}
	for _, v := range verbs {
		if !v.lead {
			lines = append(lines, rich.Sprintf("• %s", usageText(v.usage)))
		}
	}
	if lead {
		lines = append(lines, rich.Plain("As a lead you keep ownership current with:"))
		for _, v := range verbs {
			if v.lead {
				lines = append(lines, rich.Sprintf("• %s", usageText(v.usage)))
			}
		}
		lines = append(lines, rich.Plain("Roles: pm (Product Manager), po (Product Owner) and any role a lead adds. Name people with @mentions and channels with #links; quote names with spaces."))
	} else {
		lines = append(lines, rich.Plain("Only leads can change who owns what; ask one if an answer is out of date."))
	}
	return rich.Lines(lines...)
}

// usageWord is one word of a usage line: a quoted placeholder ("<phrase>"),
// a placeholder (<team>, which may hold spaces), an optional part ([team])
// or a literal word.
var usageWord = regexp.MustCompile(`"<[^>]*>"|<[^>]*>|\[[^\]]*\]|\S+`)

// usageText renders a verb's usage ("set <role> @user [team] | …") as typed
// text: the command's leading words as a command, every placeholder as its
// own code span without angle brackets (a value to type, never text that
// reads as markup), optional parts in brackets, alternatives joined by "or".
func usageText(usage string) rich.Text {
	var alts []rich.Text
	for _, alt := range strings.Split(usage, " | ") {
		words := usageWord.FindAllString(strings.TrimSpace(alt), -1)
		n := 0
		for n < len(words) && literal(words[n]) {
			n++
		}
		out := rich.Command(strings.Join(words[:n], " "))
		for _, w := range words[n:] {
			out = append(out, rich.Plain(" ")...)
			out = append(out, usagePart(w)...)
		}
		alts = append(alts, out)
	}
	return rich.Join(alts, " or ")
}

// literal reports a word typed as it stands: not a placeholder, an optional
// part, a mention or a channel link to pick.
func literal(w string) bool {
	return !strings.ContainsAny(w[:1], `<["@#`)
}

// usagePart renders one word after the command's leading words.
func usagePart(w string) rich.Text {
	switch {
	case strings.HasPrefix(w, `"<`):
		return rich.Code(`"` + strings.Trim(w, `"<>`) + `"`)
	case strings.HasPrefix(w, "<"):
		return rich.Code(strings.Trim(w, "<>"))
	case strings.HasPrefix(w, "["):
		inner := strings.Trim(w, "[]")
		part := rich.Code(inner) // "[team]": a value to type, if wanted
		if !literal(inner) {
			part = usagePart(inner)
		}
		return rich.Concat(rich.Plain("["), part, rich.Plain("]"))
	case literal(w):
		return rich.Plain(w)
	}
	return rich.Code(w)
}
