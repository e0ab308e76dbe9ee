package bot

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// token is one word of a command: a plain word, a quoted string, a user
// mention or a channel reference.
type token struct {
	text    string
	quoted  bool
	user    *ownership.Person
	channel *ownership.Channel
}

func (t token) String() string { return t.text }

// tokenize splits a command into tokens. Double quotes (straight or curly)
// group words; Slack escapes (<@U1|alice>, <#C1|general>) and the canonical
// mention form other transports produce stay one token each.
func tokenize(s string) ([]token, error) {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '“' || r == '”' || r == '„':
			j := i + 1
			for j < len(rs) && rs[j] != '"' && rs[j] != '”' && rs[j] != '“' {
				j++
			}
			if j >= len(rs) {
				return nil, ownership.Errorf(ownership.ErrInvalid, "A quote is not closed: %s. Put the phrase between two double quotes, like \"who signs off designs\".", strings.TrimSpace(string(rs[i:])))
			}
			out = append(out, token{text: string(rs[i+1 : j]), quoted: true})
			i = j + 1
		case r == '<' && closes(rs[i:]):
			j := i + 1
			for rs[j] != '>' {
				j++
			}
			out = append(out, escapeToken(string(rs[i:j+1])))
			i = j + 1
		default:
			j := i + 1
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '<' {
				j++
			}
			out = append(out, token{text: string(rs[i:j])})
			i = j
		}
	}
	return out, nil
}

// closes reports whether an escape starting at rs[0] ends with '>' before
// any white space outside its label; "<@U1 checkout" is a broken mention,
// read as plain words.
func closes(rs []rune) bool {
	inLabel := false
	for _, r := range rs[1:] {
		switch {
		case r == '>':
			return true
		case r == '|':
			inLabel = true
		case unicode.IsSpace(r) && !inLabel:
			return false
		}
	}
	return false
}

func escapeToken(raw string) token {
	t := token{text: raw}
	inner := strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
	id, label, _ := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(id, "@") && len(id) > 1:
		t.user = &ownership.Person{ID: id[1:], Name: label}
	case strings.HasPrefix(id, "#") && len(id) > 1:
		t.channel = &ownership.Channel{ID: id[1:], Name: label}
	}
	return t
}

func joinTokens(ts []token) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.text
	}
	return strings.Join(parts, " ")
}

func usageError(verb string, problem rich.Text) error {
	return ownership.Errorf(ownership.ErrInvalid, "%s Usage: %s", problem, rich.Command(verbByName[verb].usage))
}

// userArg requires a mention.
func userArg(verb string, t token) (ownership.Person, error) {
	if t.user != nil {
		return *t.user, nil
	}
	return ownership.Person{}, usageError(verb, rich.Sprintf("%q is not a mention of a person. Type @ and pick them from the list so I get who they are.", t.text))
}

// unknownTeam names the closest teams and lists them all.
func unknownTeam(d *ownership.Directory, name string) error {
	teams := d.SortedTeams()
	if len(teams) == 0 {
		return ownership.Errorf(ownership.ErrNotFound, "There is no team called %q, and no teams exist yet. A lead can create one with %s.", name, rich.Command("team create <name>"))
	}
	var close, all []string
	for _, t := range teams {
		all = append(all, t.Name)
		dist := levenshtein(strings.ToLower(name), strings.ToLower(t.Name))
		if dist <= 2 || (len(name) >= 3 && strings.Contains(strings.ToLower(t.Name), strings.ToLower(name))) {
			close = append(close, t.Name)
		}
	}
	msg := fmt.Sprintf("There is no team called %q.", name)
	if len(close) > 0 {
		msg += " Did you mean " + strings.Join(close, " or ") + "?"
	}
	return ownership.Errorf(ownership.ErrNotFound, "%s Teams: %s.", msg, strings.Join(all, ", "))
}

// unknownRole lists the roles there are.
func unknownRole(d *ownership.Directory, name string) error {
	var names []string
	for _, r := range d.RoleDefs() {
		n := fmt.Sprintf("%s (%s", r.Name, r.ID)
		if len(r.Aliases) > 0 {
			n += ", " + r.Aliases[0]
		}
		names = append(names, n+")")
	}
	return ownership.Errorf(ownership.ErrInvalid, "There is no role %q. Roles: %s.", name, strings.Join(names, ", "))
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// parseUntil reads the end of a cover from the front of ts and returns the
// time and how many tokens it used. It takes the longest reading that works:
// "2026-12-01 17:00", "2026-12-01", "2026-12-01T17:00:00Z", "17:00" (today),
// "tomorrow", "friday", "friday 12:00", "3d", "in 2 weeks". A date without a
// time means the end of that day. Times are UTC.
func parseUntil(ts []token, now time.Time) (time.Time, int, error) {
	now = now.UTC()
	for n := min(3, len(ts)); n >= 1; n-- {
		if t, ok := ownership.ParseUntil(joinTokens(ts[:n]), now); ok {
			return t, n, nil
		}
	}
	if len(ts) == 0 {
		return time.Time{}, 0, fmt.Errorf("a date or time is missing after \"until\"")
	}
	return time.Time{}, 0, fmt.Errorf("I can't read %q as a date or time", ts[0].text)
}

// PrivateOnly reports whether text is a command whose reply must reach only
// the person who typed it: every change, and the views that show leads-only
// information (the unanswered queue with askers, home, history). Typed in a
// channel, such a command is answered privately (Slack: ephemeral; Teams: the
// 1:1 chat with the bot); only a change's announcement is public.
func PrivateOnly(text string) bool {
	if !LooksLikeCommand(text) {
		return false
	}
	word, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	v, ok := lookupVerb(word)
	return ok && v.private
}

// ChangesData reports whether text is a command that changes ownership data
// or shows leads-only information (see PrivateOnly).
func ChangesData(text string) bool { return PrivateOnly(text) }

// IsCommandVerb reports whether verb (lower case) names a command.
func IsCommandVerb(verb string) bool {
	_, ok := verbByName[verb]
	return ok
}

// LooksLikeCommand reports whether text typed to the bot (with the bot's own
// mention already removed) is one of the leads' commands rather than a
// question. Teams has no slash commands, so commands arrive this way there;
// Slack direct messages accept them too. A command must have its verb's
// shape ("set <role> @user …", "team create …", "member add @user …"), so
// questions that merely start with such a word ("role of a product owner",
// "show me who owns checkout") stay questions.
func LooksLikeCommand(text string) bool {
	if strings.ContainsAny(text, "?") {
		return false
	}
	// Most messages are questions: one whose first word is no command
	// verb is not tokenized whole.
	if w, ok := plainFirstWord(text); ok && !IsCommandVerb(strings.ToLower(w)) {
		return false
	}
	return hasCommandShape(text)
}

// plainFirstWord is the first token tokenize would find in text, when it
// is a plain word (not quoted, not a mention or link): ok is false for
// those and for a blank text.
func plainFirstWord(text string) (word string, ok bool) {
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	r, _ := utf8.DecodeRuneInString(text)
	switch r {
	case utf8.RuneError, '"', '“', '”', '„', '<':
		// (a blank text, or one tokenize may read differently)
		return "", false
	}
	end := strings.IndexFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '<' })
	if end < 0 {
		end = len(text)
	}
	return text[:end], true
}

// hasCommandShape is LooksLikeCommand's reading of the whole message.
func hasCommandShape(text string) bool {
	ts, err := tokenize(strings.TrimSpace(text))
	if err != nil || len(ts) == 0 {
		return false
	}
	verb := strings.ToLower(ts[0].text)
	args := ts[1:]
	plain := func(from int) bool { // no question words among the bare words
		for _, t := range args[min(from, len(args)):] {
			if !t.quoted && t.user == nil && t.channel == nil && questionWords[strings.ToLower(t.text)] {
				return false
			}
		}
		return true
	}
	word := func(i int, ws ...string) bool {
		if i >= len(args) || args[i].quoted {
			return false
		}
		for _, w := range ws {
			if strings.EqualFold(args[i].text, w) {
				return true
			}
		}
		return false
	}
	hasUser := func() bool {
		for _, t := range args {
			if t.user != nil {
				return true
			}
		}
		return false
	}
	switch verb {
	case "help", "teams", "unanswered", "intents", "requests":
		return len(args) == 0
	case "handover":
		// "handover po @sam checkout"
		return hasUser() && len(args) >= 2 && plain(0)
	case "claim":
		// "claim po checkout"; "claim the roadmap" stays a question
		return len(args) >= 1 && len(args) <= 4 && plain(0) && isRoleWord(args)
	case "show", "history":
		return len(args) <= 3 && plain(0)
	case "set", "onboard":
		return hasUser() && plain(0)
	case "unset":
		return len(args) >= 1 && len(args) <= 4 && plain(0)
	case "cover":
		// "cover po @jules until friday", "cover product owner end checkout"
		until := word(1, "until") || word(2, "until") || word(3, "until")
		end := word(1, "end", "off") || word(2, "end", "off")
		return hasUser() && until || end && plain(0)
	case "team":
		return word(0, "create", "rename", "delete") && len(args) >= 2
	case "member", "lead":
		return word(0, "add", "remove") && len(args) >= 2 && args[1].user != nil
	case "role", "intent":
		return word(0, "add") && len(args) >= 2
	case "teach":
		return len(args) == 2 && args[0].quoted
	case "learned":
		return len(args) == 0 || word(0, "approve") && len(args) <= 2
	case "unlearn":
		return len(args) == 1 && plain(0)
	case "stats":
		// "stats", "stats 30", "stats 30d"; "stats for checkout" stays a question
		return len(args) == 0 || len(args) == 1 && !args[0].quoted && statsDays.MatchString(args[0].text)
	case "digest":
		// "digest", "digest here", "digest off"; "digest of the week"
		// stays a question
		return len(args) == 0 || len(args) == 1 && word(0, "here", "private", "on", "off", "now", "preview")
	case "channel":
		return len(args) >= 1 && (args[0].channel != nil || word(0, "here", "remove", "unlink"))
	case "route":
		return len(args) >= 2 && len(args) <= 5 && plain(0)
	}
	return false
}

// statsDays is the shape of stats' argument; its range is checked when
// the command runs.
var statsDays = regexp.MustCompile(`^[0-9]+[dD]?$`)

// isRoleWord reports whether a claim's arguments start with a role: a
// built-in role's short form or name, or a word that could be a custom
// role's id.
func isRoleWord(args []token) bool {
	d := ownership.NewDirectory("")
	if _, ok := d.LookupRole(args[0].text); ok {
		return true
	}
	if len(args) >= 2 {
		if _, ok := d.LookupRole(args[0].text + " " + args[1].text); ok {
			return true
		}
	}
	return intentID.MatchString(strings.ToLower(args[0].text)) && !args[0].quoted
}

// questionWords mark a question even when it starts with a command verb.
var questionWords = map[string]bool{
	"who": true, "whom": true, "whose": true, "what": true, "which": true, "why": true, "how": true, "when": true,
	"where": true, "me": true, "my": true, "our": true, "owns": true, "own": true, "owner": true, "owners": true,
	"responsible": true, "decides": true, "does": true, "do": true, "is": true, "are": true, "of": true, "a": true,
	"an": true, "i": true, "should": true, "can": true,
}
