package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/whoowns/whoowns/internal/ownership"
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
		case r == '<':
			j := i + 1
			for j < len(rs) && rs[j] != '>' {
				j++
			}
			if j >= len(rs) {
				j = len(rs) - 1
			}
			out = append(out, escapeToken(string(rs[i:j+1])))
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '<' {
				j++
			}
			out = append(out, token{text: string(rs[i:j])})
			i = j
		}
	}
	return out, nil
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

// usage holds the grammar of every command, shown with errors and in help.
var usage = map[string]string{
	"ask":        "ask <question>",
	"show":       "show [team]",
	"teams":      "teams",
	"team":       "team create <team> | team rename <team> <new name> | team delete <team>",
	"set":        "set <role> @user [team]",
	"unset":      "unset <role> [team]",
	"channel":    "channel #channel <team> | channel here <team> | channel remove #channel",
	"member":     "member add @user <team> | member remove @user <team>",
	"cover":      "cover <role> @user until <date/time> [team] | cover <role> end [team]",
	"route":      "route <intent> <role> [team] | route <intent> default [team]",
	"lead":       "lead add @user | lead remove @user",
	"role":       "role add <id> \"<name>\"",
	"history":    "history [team]",
	"unanswered": "unanswered",
	"teach":      "teach \"<phrase>\" <intent>",
	"intent":     "intent add <id> <role> \"<why>\"",
	"onboard":    "onboard @user [team]",
	"help":       "help",
}

var verbOrder = []string{"ask", "show", "teams", "team", "set", "unset", "channel", "member", "cover", "route", "lead", "role", "history", "unanswered", "teach", "intent", "onboard", "help"}

// mutating lists the verbs that change data and so need a lead.
var mutating = map[string]bool{
	"team": true, "set": true, "unset": true, "channel": true, "member": true, "cover": true,
	"route": true, "lead": true, "role": true, "teach": true, "intent": true, "onboard": true,
}

func usageError(f Format, verb, problem string) error {
	return ownership.Errorf(ownership.ErrInvalid, "%s Usage: %s", problem, f.Code(f.CommandPrefix()+" "+usage[verb]))
}

// userArg requires a mention.
func userArg(f Format, verb string, t token) (ownership.Person, error) {
	if t.user != nil {
		return *t.user, nil
	}
	return ownership.Person{}, usageError(f, verb, fmt.Sprintf("%q is not a mention of a person. Type @ and pick them from the list so I get who they are.", t.text))
}

// unknownTeam names the closest teams and lists them all.
func unknownTeam(d *ownership.Directory, name string) error {
	teams := d.SortedTeams()
	if len(teams) == 0 {
		return ownership.Errorf(ownership.ErrNotFound, "There is no team called %q, and no teams exist yet. A lead can create one with `team create <name>`.", name)
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

var relative = regexp.MustCompile(`^\+?(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$`)

// parseUntil reads the end of a cover from the front of ts and returns the
// time and how many tokens it used. It takes the longest reading that works:
// "2026-12-01 17:00", "2026-12-01", "2026-12-01T17:00:00Z", "17:00" (today),
// "tomorrow", "friday", "friday 12:00", "3d", "in 2 weeks". A date without a
// time means the end of that day. Times are UTC.
func parseUntil(ts []token, now time.Time) (time.Time, int, error) {
	now = now.UTC()
	for n := min(3, len(ts)); n >= 1; n-- {
		if t, ok := parseTimeWords(joinTokens(ts[:n]), now); ok {
			return t, n, nil
		}
	}
	if len(ts) == 0 {
		return time.Time{}, 0, fmt.Errorf("a date or time is missing after \"until\"")
	}
	return time.Time{}, 0, fmt.Errorf("I can't read %q as a date or time", ts[0].text)
}

func parseTimeWords(s string, now time.Time) (time.Time, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "in ")
	endOfDay := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, time.UTC)
	}
	if m := relative.FindStringSubmatch(strings.ReplaceAll(s, " ", "")); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[m[2][0]]
		return now.Add(time.Duration(n) * unit), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, strings.ToUpper(s), time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return endOfDay(t), true
	}
	day, clock, hasClock := strings.Cut(s, " ")
	var base time.Time
	switch {
	case day == "today":
		base = now
	case day == "tomorrow":
		base = now.AddDate(0, 0, 1)
	default:
		if wd, ok := weekday(day); ok {
			delta := (int(wd) - int(now.Weekday()) + 7) % 7
			if delta == 0 {
				delta = 7
			}
			base = now.AddDate(0, 0, delta)
		} else if !hasClock {
			if c, err := time.Parse("15:04", s); err == nil {
				return time.Date(now.Year(), now.Month(), now.Day(), c.Hour(), c.Minute(), 0, 0, time.UTC), true
			}
			return time.Time{}, false
		} else {
			return time.Time{}, false
		}
	}
	if !hasClock {
		return endOfDay(base), true
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(base.Year(), base.Month(), base.Day(), c.Hour(), c.Minute(), 0, 0, time.UTC), true
}

func weekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || (len(s) >= 3 && strings.HasPrefix(name, s)) {
			return d, true
		}
	}
	return 0, false
}

// IsCommandVerb reports whether verb (lower case) names a command.
func IsCommandVerb(verb string) bool {
	_, ok := usage[verb]
	return ok
}

// LooksLikeCommand reports whether text typed to the bot (with the bot's own
// mention already removed) is one of the leads' commands rather than a
// question: it starts with a command verb and reads like an instruction.
// Teams has no slash commands, so commands arrive this way there; Slack
// direct messages accept them too.
func LooksLikeCommand(text string) bool {
	t := strings.TrimSpace(text)
	verb, rest, _ := strings.Cut(t, " ")
	verb = strings.ToLower(verb)
	if _, ok := usage[verb]; !ok || verb == "ask" {
		return false
	}
	if strings.ContainsAny(t, "?") {
		return false
	}
	lower := " " + strings.ToLower(rest) + " "
	for _, w := range []string{" who ", " what ", " me ", " the difference "} {
		if strings.Contains(lower, w) {
			return false
		}
	}
	return true
}
