package intent

import (
	"os"
	"strings"
	"testing"
)

// TestExplain shows how questions are analysed (EXPLAIN="q1;q2"): the
// canonical terms with their weights and the match, to see why a question
// went where it went.
func TestExplain(t *testing.T) {
	q := os.Getenv("EXPLAIN")
	if q == "" {
		t.Skip("set EXPLAIN to questions separated by ';'")
	}
	c := mustDefault(t)
	m := c.m
	for _, text := range strings.Split(q, ";") {
		s := m.newScratch()
		s.norm = appendNormalized(s.norm[:0], text)
		m.analyze(s, false)
		var parts []string
		for _, tm := range s.terms {
			if tm.id < 0 {
				parts = append(parts, "?")
				continue
			}
			parts = append(parts, m.stems[tm.id])
		}
		r := c.match(s, text)
		t.Logf("%q → %q terms=%v → %s %.2f %s tie=%v decided by %s (ask %+d, lead %v, topic %v) %v", text, s.norm, parts,
			r.Intent, r.Score, r.Confidence, r.NearTie, s.trace.path, s.trace.ask, s.trace.lead, s.trace.informative, r.Alternatives)
	}
}
