package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// changePeople returns the people a change names besides its actor, by the
// ids in its old and new values, as the directories before and after the
// change know them.
func changePeople(ch ownership.Change, dirs ...*ownership.Directory) []ownership.Person {
	var out []ownership.Person
	for _, v := range []string{ch.Old, ch.New} {
		id, _, _ := strings.Cut(v, " ") // a cover's value is "<id> until <time>"
		if id == "" || id == ch.Actor.ID {
			continue
		}
		for _, d := range dirs {
			if p, ok := personByID(d, id); ok {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// personByID finds the person with id among d's leads, role holders,
// covers and members.
func personByID(d *ownership.Directory, id string) (ownership.Person, bool) {
	if d == nil {
		return ownership.Person{}, false
	}
	for _, p := range d.Leads {
		if p.ID == id {
			return p, true
		}
	}
	for _, t := range d.Teams {
		for _, a := range t.Roles {
			if a.Person.ID == id {
				return a.Person, true
			}
		}
		for _, cv := range t.Covers {
			if cv.Person.ID == id {
				return cv.Person, true
			}
		}
		for _, p := range t.Members {
			if p.ID == id {
				return p, true
			}
		}
	}
	return ownership.Person{}, false
}

// summaryText is a change's summary with the people it names (the actor
// and Change.People) as mentions, which the platforms show with their
// current display names; the rest stays plain text.
func summaryText(ch ownership.Change) rich.Text {
	people := append([]ownership.Person{ch.Actor}, ch.People...)
	var out rich.Text
	rest := ch.Summary
	for rest != "" {
		at, n, who := -1, 0, ownership.Person{}
		for _, p := range people {
			if p.ID == "" {
				continue
			}
			label := p.Label()
			i := wordIndex(rest, label)
			if i >= 0 && (at < 0 || i < at || (i == at && len(label) > n)) {
				at, n, who = i, len(label), p
			}
		}
		if at < 0 {
			break
		}
		out = append(out, rich.Plain(rest[:at])...)
		out = append(out, mention(who)...)
		rest = rest[at+n:]
	}
	return append(out, rich.Plain(rest)...)
}

// wordIndex finds label in s where it stands as whole words.
func wordIndex(s, label string) int {
	if label == "" {
		return -1
	}
	for from := 0; from <= len(s)-len(label); {
		i := strings.Index(s[from:], label)
		if i < 0 {
			return -1
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(label):])
		if !wordRune(before) && !wordRune(after) {
			return i
		}
		from = i + 1
	}
	return -1
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
