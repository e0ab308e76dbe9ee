package intent

import (
	"os"
	"strings"
	"testing"
)

// TestProbe matches "intent|question" lines from $PROBE and reports misses;
// a scratch tool for trying new wordings without editing the test sets.
func TestProbe(t *testing.T) {
	p := os.Getenv("PROBE")
	if p == "" {
		t.Skip("set PROBE to a file of intent|question lines")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	c := mustDefault(t)
	n, ok := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		want, q, _ := strings.Cut(line, "|")
		r := c.Match(q)
		n++
		if r.Intent == want {
			ok++
			continue
		}
		t.Logf("miss %-22s got %-22s %.2f %q alts=%v", want, r.Intent, r.Score, q, r.Alternatives)
	}
	t.Logf("%d/%d", ok, n)
}
