package bot

import (
	"bytes"
	"slices"
	"sort"
	"strings"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
)

// teamIndex is what finding a team in a question needs of a directory's
// team names (names, ids and aliases, normalized as questions are), read
// once instead of for every question. It holds the names it was read
// from, and serves a directory only while that directory's teams have the
// same keys, ids, names and aliases (fits): a directory that changes, in
// place or as a new value (Update gives one), is read again. It is
// immutable and safe for concurrent use.
type teamIndex struct {
	teams []teamRec      // in SortedTeams order
	byKey map[string]int // d.Teams key → index in teams
	// names are the names teamInText looks for, each normalized and
	// trimmed; empty and generic names are left out.
	names []teamName
	// match holds each team's names for fuzzy matching (intent.MatchName):
	// its name, its id with spaces for hyphens and its aliases that are
	// not generic.
	match *intent.NameIndex
	// known are the words of those names.
	known map[string]bool
}

// teamRec is a team as the index read it.
type teamRec struct {
	key, id, name string
	aliases       []string
}

type teamName struct {
	team int
	norm []byte
}

// newTeamIndex reads the team names of d.
func newTeamIndex(d *ownership.Directory) *teamIndex {
	x := &teamIndex{byKey: make(map[string]int, len(d.Teams)), known: map[string]bool{}}
	for k, t := range d.Teams {
		x.teams = append(x.teams, teamRec{key: k, id: t.ID, name: t.Name, aliases: slices.Clone(t.Aliases)})
	}
	sort.Slice(x.teams, func(i, j int) bool { return x.teams[i].name < x.teams[j].name })
	entries := make([][]string, len(x.teams))
	for i, t := range x.teams {
		x.byKey[t.key] = i
		for a := -2; a < len(t.aliases); a++ {
			n := t.name
			switch {
			case a == -1:
				n = t.id
			case a >= 0:
				n = t.aliases[a]
			}
			// hyphens are spaces here, as in the question's words
			nn := bytes.TrimSpace(intent.AppendNormalized(nil, strings.ReplaceAll(n, "-", " ")))
			if len(nn) == 0 || isGenericWord(string(nn)) {
				continue
			}
			x.names = append(x.names, teamName{team: i, norm: nn})
		}
		names := []string{t.name, strings.ReplaceAll(t.id, "-", " ")}
		for _, a := range t.aliases {
			if n := strings.TrimSpace(intent.Normalize(a)); n != "" && !isGenericWord(n) {
				names = append(names, a)
			}
		}
		entries[i] = names
	}
	// A word of a team's names is what it says; any other everyday word
	// ("filling", "module") is not a typo of one ("billing", "mobile").
	for _, names := range entries {
		for _, n := range names {
			for _, w := range strings.Fields(intent.Normalize(n)) {
				x.known[w] = true
			}
		}
	}
	x.match = intent.NewNameIndex(entries)
	return x
}

// fits reports whether d's teams are the ones x was read from, by key, id,
// name and aliases.
func (x *teamIndex) fits(d *ownership.Directory) bool {
	if len(d.Teams) != len(x.teams) {
		return false
	}
	for k, t := range d.Teams {
		i, ok := x.byKey[k]
		if !ok || t == nil {
			return false
		}
		r := &x.teams[i]
		if t.ID != r.id || t.Name != r.name || !slices.Equal(t.Aliases, r.aliases) {
			return false
		}
	}
	return true
}

// memberTeams is d.MemberTeams(userID): the teams userID is a member of,
// in SortedTeams order. d must fit x.
func (x *teamIndex) memberTeams(d *ownership.Directory, userID string) []*ownership.Team {
	var out []*ownership.Team
	for i := range x.teams {
		if t := x.team(d, i); t.HasMember(userID) {
			out = append(out, t)
		}
	}
	return out
}

// refs lists the teams in SortedTeams order.
func (x *teamIndex) refs() []TeamRef {
	refs := make([]TeamRef, len(x.teams))
	for i, t := range x.teams {
		refs[i] = TeamRef{ID: t.id, Name: t.name}
	}
	return refs
}

// team is d's team i of the index; d must fit x.
func (x *teamIndex) team(d *ownership.Directory, i int) *ownership.Team {
	return d.Teams[x.teams[i].key]
}

// teamIndex returns the team index of d, read again only when d's team
// names are not the ones last read for the tenant.
func (s *Service) teamIndex(d *ownership.Directory) *teamIndex {
	if v, ok := s.teamNames.Load(d.Tenant); ok {
		if x := v.(*teamIndex); x.fits(d) {
			return x
		}
	}
	x := newTeamIndex(d)
	s.teamNames.Store(d.Tenant, x)
	return x
}

// named finds the team the question names: by a name or alias as written
// (teamInText), else with a typo or in part (fuzzyTeamInText), when that
// is sure; maybe are the teams an unsure match may mean. d must fit x.
func (x *teamIndex) named(d *ownership.Directory, text string) (t *ownership.Team, maybe []TeamRef) {
	var textBuf [256]byte
	norm := appendSpaced(textBuf[:0], text)
	if t := x.teamInNormalized(d, norm); t != nil {
		return t, nil
	}
	if strings.Contains(text, "<#") {
		return x.fuzzyTeamInText(d, text) // channel links are no names
	}
	return x.fuzzyInNormalized(d, string(norm[1:len(norm)-1]))
}

// teamInText finds the team whose name or alias occurs in the question as
// whole words; the longest name wins, so "mobile payments" beats "mobile",
// and of names as long the team first by name (then by id). d must fit x.
func (x *teamIndex) teamInText(d *ownership.Directory, text string) *ownership.Team {
	var textBuf [256]byte
	return x.teamInNormalized(d, appendSpaced(textBuf[:0], text))
}

// appendSpaced appends the question normalized (intent.Normalize) with a
// space before and after it, as teamInNormalized reads it.
func appendSpaced(b []byte, text string) []byte {
	b = append(b, ' ')
	return append(intent.AppendNormalized(b, text), ' ')
}

// teamInNormalized is teamInText of the question norm, normalized with a
// space before and after it (appendSpaced).
func (x *teamIndex) teamInNormalized(d *ownership.Directory, norm []byte) *ownership.Team {
	best, bestLen := -1, 0
	for _, n := range x.names {
		if len(n.norm) < bestLen || !containsWords(norm, n.norm) {
			continue
		}
		t := &x.teams[n.team]
		if best < 0 || len(n.norm) > bestLen {
			best, bestLen = n.team, len(n.norm)
			continue
		}
		if b := &x.teams[best]; t.name < b.name || t.name == b.name && t.id < b.id {
			best = n.team
		}
	}
	if best < 0 {
		return nil
	}
	return x.team(d, best)
}

// fuzzyTeamInText finds a team named with a typo or in part: the spans of
// up to three words after "for", "on", "of"… or before "team", "squad"…
// are matched against every team's name, id and aliases (intent.MatchName).
// It returns the team when the best match is sure, else the teams the
// question may mean, best first; nothing when no span is close to a team.
// d must fit x.
func (x *teamIndex) fuzzyTeamInText(d *ownership.Directory, text string) (*ownership.Team, []TeamRef) {
	return x.fuzzyInNormalized(d, intent.Normalize(withoutChannelLinks(text)))
}

// fuzzyInNormalized is fuzzyTeamInText of the question without its channel
// links, normalized (intent.Normalize: words with one space between them).
func (x *teamIndex) fuzzyInNormalized(d *ownership.Directory, norm string) (*ownership.Team, []TeamRef) {
	if len(x.teams) == 0 || norm == "" {
		return nil, nil
	}
	var wordBuf [48]string
	words := wordBuf[:0]
	for w := range strings.SplitSeq(norm, " ") {
		words = append(words, w)
	}
	// everyday: whether each word is an everyday word (0: not yet known,
	// 1: it is, 2: it is not), which no team's name has a typo of: a span
	// with one ("filling", "module") names no team ("billing", "mobile")
	var everydayBuf [48]uint8
	everyday := everydayBuf[:]
	if len(words) > len(everyday) {
		everyday = make([]uint8, len(words))
	}
	isEveryday := func(i int) bool {
		if everyday[i] == 0 {
			w := words[i]
			everyday[i] = 2
			if !x.known[w] && !teamSpanEnd[w] && intent.IsCommonWord(w) {
				everyday[i] = 1
			}
		}
		return everyday[i] == 1
	}
	var best intent.NameMatch
	// try matches the span words[i:j]
	try := func(i, j int) {
		if j-i == 1 && isGenericWord(words[i]) {
			return
		}
		for k := i; k < j; k++ {
			if isEveryday(k) {
				return
			}
		}
		nm := x.match.Match(strings.Join(words[i:j], " "))
		if len(nm.Candidates) == 0 {
			return
		}
		if len(best.Candidates) == 0 || nm.Candidates[0].Score > best.Candidates[0].Score ||
			(nm.Candidates[0].Score == best.Candidates[0].Score && nm.Certain && !best.Certain) {
			best = nm
		}
	}
	for i, w := range words {
		if teamSpanStart[w] {
			for k := 1; k <= 3 && i+k < len(words); k++ {
				try(i+1, i+1+k)
			}
		}
		if teamSpanEnd[w] {
			for k := 1; k <= 3 && i-k >= 0; k++ {
				try(i-k, i+1)
			}
		}
	}
	if len(best.Candidates) == 0 {
		return nil, nil
	}
	if best.Certain {
		return x.team(d, best.Candidates[0].Index), nil
	}
	refs := make([]TeamRef, 0, len(best.Candidates))
	for _, c := range best.Candidates {
		t := &x.teams[c.Index]
		refs = append(refs, TeamRef{ID: t.id, Name: t.name})
	}
	return nil, refs
}
