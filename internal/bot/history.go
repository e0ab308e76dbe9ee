package bot

import (
	"encoding/json"
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
// current display names, and the channels it names as channel links; the
// rest stays plain text.
func summaryText(ch ownership.Change) rich.Text {
	type ref struct {
		label string
		text  rich.Text
	}
	var refs []ref
	for _, p := range append([]ownership.Person{ch.Actor}, ch.People...) {
		if p.ID != "" {
			refs = append(refs, ref{p.Label(), mention(p)})
		}
	}
	for _, c := range changeChannels(ch) {
		refs = append(refs, ref{"#" + nameOr(c.Name, c.ID), channelLink(c)})
		if c.Name != "" {
			// Written when the name was not known yet.
			refs = append(refs, ref{"#" + c.ID, channelLink(c)})
		}
	}
	var out rich.Text
	rest := ch.Summary
	for rest != "" {
		at, n, what := -1, 0, rich.Text(nil)
		for _, r := range refs {
			i := wordIndex(rest, r.label)
			if i >= 0 && (at < 0 || i < at || (i == at && len(r.label) > n)) {
				at, n, what = i, len(r.label), r.text
			}
		}
		if at < 0 {
			break
		}
		out = append(out, rich.Plain(rest[:at])...)
		out = append(out, what...)
		rest = rest[at+n:]
	}
	return append(out, rich.Plain(rest)...)
}

// changeChannels are the channels a change's summary names: those it
// lists, or for entries written before changes listed them, the channel a
// link or unlink names by id, and the channels of a deleted team.
func changeChannels(ch ownership.Change) []ownership.Channel {
	if len(ch.Channels) > 0 {
		return ch.Channels
	}
	switch ch.Action {
	case "channel.add":
		return []ownership.Channel{{ID: ch.New}}
	case "channel.remove":
		return []ownership.Channel{{ID: ch.Old}}
	case "team.delete":
		var t ownership.Team
		if json.Unmarshal([]byte(ch.Old), &t) == nil {
			return t.Channels
		}
	}
	return nil
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
