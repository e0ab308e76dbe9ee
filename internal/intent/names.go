package intent

import (
	"sort"
	"strings"
)

// NameCandidate is a name that a span of a question may mean.
type NameCandidate struct {
	// Index is the position of the entry in the list given to MatchName.
	Index int
	// Name is the name or alias of that entry that matched best.
	Name string
	// Score is the similarity in [0,1]: 1 for the same words, less for a
	// partial name ("pay" for "payments") or a typo ("paymnts").
	Score float64
}

// NameMatch is the outcome of MatchName.
type NameMatch struct {
	// Candidates are the entries the span may name, best first, at most 3;
	// empty when nothing is close.
	Candidates []NameCandidate
	// Certain is set when the best candidate is a sure match: the same
	// words, or close and well ahead of the runner-up. An uncertain match
	// must be confirmed with the person, never silently used.
	Certain bool
}

// Thresholds of MatchName.
const (
	nameMinScore  = 0.55 // least score of a candidate
	nameSureScore = 0.8  // least score of a certain match
	nameSureGap   = 0.15 // lead over the runner-up of a certain match
)

// nameFiller are words around a team name that are not part of it ("the
// pay team", "our payments squad").
var nameFiller = map[string]bool{
	"the": true, "our": true, "my": true, "team": true, "teams": true, "squad": true, "tribe": true, "crew": true,
	"pod": true, "group": true, "and": true, "for": true, "on": true, "in": true, "of": true, "at": true, "from": true, "a": true,
}

// MatchName matches a span of words from a question ("paymnts", "the pay
// team") against a list of entries, each a name and its aliases, and
// returns the entries it may name with how sure the match is. Comparison
// ignores case, punctuation and filler words ("the", "team", "squad"), and
// accepts a word that starts a name word ("pay" for "payments", at least 3
// letters) or is a typo of it.
func MatchName(span string, entries [][]string) NameMatch {
	return NewNameIndex(entries).Match(span)
}

// NameIndex is a list of entries for MatchName with their names already
// read, for matching many spans against the same entries. It is immutable
// and safe for concurrent use.
type NameIndex struct {
	entries [][]indexedName
}

// indexedName is a name as nameScore compares it.
type indexedName struct {
	name   string
	words  []string // nameWords(name)
	joined string   // the words joined without spaces
}

// NewNameIndex reads the names of entries (see MatchName).
func NewNameIndex(entries [][]string) *NameIndex {
	x := &NameIndex{entries: make([][]indexedName, len(entries))}
	for i, names := range entries {
		x.entries[i] = make([]indexedName, len(names))
		for j, n := range names {
			w := nameWords(n)
			x.entries[i][j] = indexedName{name: n, words: w, joined: strings.Join(w, "")}
		}
	}
	return x
}

// Match is MatchName(span, entries) for the entries of the index.
func (x *NameIndex) Match(span string) NameMatch {
	q := nameWords(span)
	if len(q) == 0 {
		return NameMatch{}
	}
	qj := strings.Join(q, "")
	var cands []NameCandidate
	for i, names := range x.entries {
		best := NameCandidate{Index: i, Score: -1}
		for _, n := range names {
			if len(n.words) == 0 {
				continue
			}
			if s := nameScore(q, qj, n.words, n.joined); s > best.Score {
				best.Name, best.Score = n.name, s
			}
		}
		if best.Score >= nameMinScore {
			cands = append(cands, best)
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].Score > cands[b].Score })
	if len(cands) > 3 {
		cands = cands[:3]
	}
	m := NameMatch{Candidates: cands}
	if len(cands) > 0 {
		top := cands[0].Score
		switch {
		case top == 1:
			m.Certain = len(cands) == 1 || cands[1].Score < 1
		case top >= nameSureScore:
			m.Certain = len(cands) == 1 || top-cands[1].Score >= nameSureGap
		}
	}
	return m
}

func nameWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(Normalize(s)) {
		if !nameFiller[w] {
			out = append(out, w)
		}
	}
	return out
}

// nameScore compares the words of a span with the words of a name: the
// mean of each span word's best match in the name, discounted when the name
// has words the span lacks; the joined strings (qj and nj, the words
// without spaces) are compared too, so "check out" meets "checkout".
func nameScore(q []string, qj string, n []string, nj string) float64 {
	var sum float64
	for _, a := range q {
		best := 0.0
		for _, b := range n {
			best = max(best, wordScore(a, b))
		}
		sum += best
	}
	s := sum / float64(len(q))
	if len(n) > len(q) {
		s *= 1 - 0.15*float64(len(n)-len(q))/float64(len(n))
	}
	return max(s, wordScore(qj, nj))
}

// wordScore is 1 for equal words, less for a prefix or a typo, 0 when
// they are unrelated.
func wordScore(a, b string) float64 {
	if a == b {
		return 1
	}
	s := 0.0
	if len(a) >= 3 && len(a) < len(b) && strings.HasPrefix(b, a) {
		// a prefix: "pay" for "payments"
		s = 0.6 + 0.3*float64(len(a))/float64(len(b))
	}
	limit := 1
	if len(a) >= 6 && len(b) >= 6 {
		limit = 2
	}
	if len(a) >= 4 && len(b) >= 4 {
		if d := osaDistance([]byte(a), b, limit); d <= limit {
			s = max(s, 1-float64(d)/float64(max(len(a), len(b)))-0.05)
		}
	}
	return s
}

// IsCommonWord reports whether w (lower case, as Normalize writes it) is a
// common English word of four letters or more: a word a person meant, not
// a typo or a part of a name.
func IsCommonWord(w string) bool { return isCommonWord([]byte(w)) }
