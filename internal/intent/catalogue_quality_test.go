package intent

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/intents"
)

// The built-in catalogue is training data: it teaches the matcher how people
// ask, so it must be varied (not one template with the topic swapped),
// free of near-copies (a copy adds weight, not knowledge, and a copy in
// another intent makes the two fight) and balanced (an intent with twice the
// phrases of its neighbour wins close calls for no good reason).
const (
	// a phrase pair whose content words overlap this much (Jaccard) is a
	// near-duplicate, when both have at least nearDupMinWords content words
	nearDupJaccard  = 0.8
	nearDupMinWords = 3
	// share of an intent's phrases that may open with "who"/"who's"/"whose"
	maxWhoShare = 0.75
	// share of an intent's phrases that may open with the same two words
	maxOpeningShare = 0.35
	// phrases per intent (the out-of-scope set "none" is checked apart: it
	// covers many unrelated topics, so it may hold up to noneMaxFactor times
	// the largest intent, but never fewer than it)
	minPhrases      = 60
	maxPhrases      = 210
	maxBalanceRatio = 1.5
	noneMaxFactor   = 3
)

// qualityStopWords carry no topic: two phrases that differ only in these read alike.
var qualityStopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an the to of for and or on in at is are be it this that " +
		"our we i you me my us do does did can could should would will " +
		"who whos whose what which where when how s") {
		qualityStopWords[w] = true
	}
}

// qualityWords is the sorted set of a phrase's topic words: normalised,
// apostrophes dropped, a plural "s" cut from longer words, stop words out.
func qualityWords(p string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ReplaceAll(Normalize(p), "'", "")) {
		w = strings.Trim(w, ".,;:!?\"()")
		if len(w) > 3 {
			w = strings.TrimSuffix(w, "s")
		}
		if w == "" || qualityStopWords[w] {
			continue
		}
		out = append(out, w)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// qualityJaccard of two sorted sets.
func qualityJaccard(a, b []string) float64 {
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			both++
			i++
			j++
		case -1:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - both
	if union == 0 {
		return 1
	}
	return float64(both) / float64(union)
}

func qualityCatalogue(t *testing.T) []Intent {
	t.Helper()
	c, err := Load(intents.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c.Intents()
}

func TestCatalogueHasNoNearDuplicates(t *testing.T) {
	type phrase struct {
		intent, text, norm string
		words              []string
	}
	var all []phrase
	for _, in := range qualityCatalogue(t) {
		for _, p := range in.Phrases {
			all = append(all, phrase{in.ID, p, Normalize(p), qualityWords(p)})
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			a, b := all[i], all[j]
			switch {
			case a.norm == b.norm:
				t.Errorf("%s %q and %s %q are the same phrase", a.intent, a.text, b.intent, b.text)
			case a.intent != b.intent && len(a.words) > 0 && slices.Equal(a.words, b.words):
				t.Errorf("%s %q and %s %q use the same words for two intents", a.intent, a.text, b.intent, b.text)
			case len(a.words) >= nearDupMinWords && len(b.words) >= nearDupMinWords &&
				qualityJaccard(a.words, b.words) >= nearDupJaccard:
				t.Errorf("%s %q and %s %q are near-duplicates (%.2f)", a.intent, a.text, b.intent, b.text, qualityJaccard(a.words, b.words))
			}
		}
	}
}

// qualityWhoOpening reports whether a phrase opens with the "who …" template.
func qualityWhoOpening(p string) bool {
	f := strings.Fields(strings.ToLower(Normalize(p)))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "who", "who's", "whos", "whose":
		return true
	}
	return false
}

func TestCatalogueIsNotOneTemplate(t *testing.T) {
	for _, in := range qualityCatalogue(t) {
		n := float64(len(in.Phrases))
		who := 0
		openings := map[string]int{}
		for _, p := range in.Phrases {
			if qualityWhoOpening(p) {
				who++
			}
			f := strings.Fields(strings.ToLower(Normalize(p)))
			if len(f) >= 2 {
				openings[f[0]+" "+f[1]]++
			}
		}
		if share := float64(who) / n; share > maxWhoShare {
			t.Errorf("%s: %.0f%% of %d phrases open with \"who\" (at most %.0f%%): write situations, requests and statements too",
				in.ID, 100*share, len(in.Phrases), 100*maxWhoShare)
		}
		for o, k := range openings {
			if share := float64(k) / n; share > maxOpeningShare {
				t.Errorf("%s: %.0f%% of phrases open with %q (at most %.0f%%)", in.ID, 100*share, o, 100*maxOpeningShare)
			}
		}
	}
}

func TestCatalogueIsBalanced(t *testing.T) {
	var none int
	lo, hi := -1, 0
	var counts []string
	for _, in := range qualityCatalogue(t) {
		n := len(in.Phrases)
		counts = append(counts, fmt.Sprintf("%s=%d", in.ID, n))
		if in.ID == "none" {
			none = n
			continue
		}
		if n < minPhrases || n > maxPhrases {
			t.Errorf("%s has %d phrases, want %d to %d", in.ID, n, minPhrases, maxPhrases)
		}
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	if lo > 0 && float64(hi)/float64(lo) > maxBalanceRatio {
		t.Errorf("the largest intent has %.2f times the phrases of the smallest (at most %.2f): %s",
			float64(hi)/float64(lo), maxBalanceRatio, strings.Join(counts, " "))
	}
	if none < hi || none > noneMaxFactor*hi {
		t.Errorf("none has %d phrases, want %d to %d (it spans many unrelated topics)", none, hi, noneMaxFactor*hi)
	}
}

// The checks must be able to fail: they see what they are meant to see.
func TestCatalogueQualityChecks(t *testing.T) {
	if got := qualityWords("Who owns the Roadmaps?"); !slices.Equal(got, []string{"owns", "roadmap"}) &&
		!slices.Equal(got, []string{"own", "roadmap"}) {
		t.Errorf("qualityWords = %v", got)
	}
	a := qualityWords("who writes the monthly product update")
	b := qualityWords("who writes the monthly product update for the company")
	if j := qualityJaccard(a, b); j < nearDupJaccard {
		t.Errorf("a phrase with one word added should be a near-duplicate, qualityJaccard %.2f", j)
	}
	c := qualityWords("the devs keep asking what a ticket means")
	if j := qualityJaccard(a, c); j >= nearDupJaccard {
		t.Errorf("unrelated phrases read as near-duplicates, qualityJaccard %.2f", j)
	}
	if !qualityWhoOpening("Who's our PO?") || !qualityWhoOpening("whose call is it") || qualityWhoOpening("the backlog is a mess, who cleans it") {
		t.Error("qualityWhoOpening misreads the opening word")
	}
}

// TestCatalogueHoldsNoMeasuringLine: the labelled sets measure the matcher;
// a catalogue phrase that is one of their lines, or nearly, would make the
// measure say nothing. Checked against the shared sets (when at hand) and
// every set in testdata.
func TestCatalogueHoldsNoMeasuringLine(t *testing.T) {
	var sets []string
	if p := findDevSet(); p != "" {
		sets = append(sets, p, filepath.Join(filepath.Dir(p), "dev2.jsonl"))
	}
	more, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sets = append(sets, more...)
	type line struct {
		set, text, norm string
		words           []string
	}
	var lines []line
	for _, s := range sets {
		if _, err := os.Stat(s); err != nil {
			continue
		}
		for _, l := range readEval(t, s) {
			lines = append(lines, line{filepath.Base(s), l.Text, Normalize(l.Text), qualityWords(l.Text)})
		}
	}
	if len(lines) == 0 {
		t.Fatal("no labelled set found")
	}
	for _, in := range qualityCatalogue(t) {
		for _, p := range in.Phrases {
			norm, words := Normalize(p), qualityWords(p)
			for _, l := range lines {
				if norm == l.norm || (len(words) > nearDupMinWords && len(l.words) > nearDupMinWords &&
					qualityJaccard(words, l.words) >= nearDupJaccard) {
					t.Errorf("%s phrase %q copies %s line %q", in.ID, p, l.set, l.text)
				}
			}
		}
	}
}
