package intent

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestDebugTerms(t *testing.T) {
	q := os.Getenv("Q")
	if q == "" {
		t.Skip()
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
			parts = append(parts, m.stems[tm.id]+"/"+ftoa(m.idf[tm.id]))
		}
		r := c.Match(text)
		t.Logf("%q → %q terms=%v → %s %.2f %v", text, s.norm, parts, r.Intent, r.Score, r.Alternatives)
	}
}

func ftoa(f float32) string { return strings.TrimRight(strings.TrimRight(fmtf(f), "0"), ".") }

func fmtf(f float32) string { return strconv.FormatFloat(float64(f), 'f', 2, 32) }
