package bot

import (
	"bytes"
	"strings"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
)

// The team look-ups as they were written before the team names were read
// once per directory (teamIndex), for the tests to compare with.

// teamInText finds the team whose name or alias occurs in the question as
// whole words; the longest name wins, so "mobile payments" beats "mobile",
// and of names as long the team first by name. Both the question and the
// names are normalized into buffers of its own, not strings: it runs on
// every question, over every name of every team.
func teamInTextUnindexed(d *ownership.Directory, text string) *ownership.Team {
	var textBuf, nameBuf, dashBuf [256]byte
	norm := append(textBuf[:0], ' ')
	norm = append(intent.AppendNormalized(norm, text), ' ')
	var best *ownership.Team
	bestLen := 0
	for _, t := range d.Teams {
		for i := -2; i < len(t.Aliases); i++ {
			n := t.Name
			switch {
			case i == -1:
				n = t.ID
			case i >= 0:
				n = t.Aliases[i]
			}
			var nn []byte
			if strings.IndexByte(n, '-') < 0 {
				nn = intent.AppendNormalized(nameBuf[:0], n)
			} else { // hyphens are spaces here, as in the question's words
				dashed := append(dashBuf[:0], n...)
				for k, c := range dashed {
					if c == '-' {
						dashed[k] = ' '
					}
				}
				nn = intent.AppendNormalized(nameBuf[:0], string(dashed))
			}
			nn = bytes.TrimSpace(nn)
			if len(nn) == 0 || len(nn) < bestLen || isGenericWord(string(nn)) || !containsWords(norm, nn) {
				continue
			}
			if len(nn) > bestLen || t.Name < best.Name || t.Name == best.Name && t.ID < best.ID {
				best, bestLen = t, len(nn)
			}
		}
	}
	return best
}

// fuzzyTeamInText finds a team named with a typo or in part: the spans of
// up to three words after "for", "on", "of"… or before "team", "squad"…
// are matched against every team's name, id and aliases (intent.MatchName).
// It returns the team when the best match is sure, else the teams the
// question may mean, best first; nothing when no span is close to a team.
func fuzzyTeamInTextUnindexed(d *ownership.Directory, text string) (*ownership.Team, []TeamRef) {
	if len(d.Teams) == 0 {
		return nil, nil
	}
	words := strings.Fields(intent.Normalize(withoutChannelLinks(text)))
	var spans []string
	for i, w := range words {
		if teamSpanStart[w] {
			for k := 1; k <= 3 && i+k < len(words); k++ {
				spans = append(spans, strings.Join(words[i+1:i+1+k], " "))
			}
		}
		if teamSpanEnd[w] {
			for k := 1; k <= 3 && i-k >= 0; k++ {
				spans = append(spans, strings.Join(words[i-k:i+1], " "))
			}
		}
	}
	if len(spans) == 0 {
		return nil, nil
	}
	teams := d.SortedTeams()
	entries := make([][]string, len(teams))
	for i, t := range teams {
		names := []string{t.Name, strings.ReplaceAll(t.ID, "-", " ")}
		for _, a := range t.Aliases {
			if n := strings.TrimSpace(intent.Normalize(a)); n != "" && !isGenericWord(n) {
				names = append(names, a)
			}
		}
		entries[i] = names
	}
	// A word of a team's names is what it says; any other everyday word
	// ("filling", "module") is not a typo of one ("billing", "mobile").
	known := map[string]bool{}
	for _, names := range entries {
		for _, n := range names {
			for _, w := range strings.Fields(intent.Normalize(n)) {
				known[w] = true
			}
		}
	}
	everyday := func(sp string) bool {
		for _, w := range strings.Fields(sp) {
			if !known[w] && !teamSpanEnd[w] && intent.IsCommonWord(w) {
				return true
			}
		}
		return false
	}
	var best intent.NameMatch
	for _, sp := range spans {
		if isGenericWord(sp) || everyday(sp) {
			continue
		}
		nm := intent.MatchName(sp, entries)
		if len(nm.Candidates) == 0 {
			continue
		}
		if len(best.Candidates) == 0 || nm.Candidates[0].Score > best.Candidates[0].Score ||
			(nm.Candidates[0].Score == best.Candidates[0].Score && nm.Certain && !best.Certain) {
			best = nm
		}
	}
	if len(best.Candidates) == 0 {
		return nil, nil
	}
	if best.Certain {
		return teams[best.Candidates[0].Index], nil
	}
	refs := make([]TeamRef, 0, len(best.Candidates))
	for _, c := range best.Candidates {
		t := teams[c.Index]
		refs = append(refs, TeamRef{ID: t.ID, Name: t.Name})
	}
	return nil, refs
}
