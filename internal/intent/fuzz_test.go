package intent

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/whoowns/whoowns/internal/ownership"
)

// FuzzMatch feeds arbitrary chat text to the normaliser and the matcher:
// no panic, a lower-case, valid UTF-8 normal form made of single-spaced
// words, a score in [0,1], and only ids and roles the catalogue knows.
func FuzzMatch(f *testing.F) {
	for _, q := range benchQuestions {
		f.Add(q)
	}
	for _, q := range []string{"", " ", "<@", "<#C1|", "<https://x|", ":", "::", "’s", "\xff\xfe", "AC PO PM UAT", "who's", "don't",
		"<at>whoowns</at> who owns it", strings.Repeat("roadmap ", 200), "ǅ İ ß ﬁ", "\u200b\u00a0x"} {
		f.Add(q)
	}
	c, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	roles := map[ownership.Role]bool{ownership.ProductManager: true, ownership.ProductOwner: true, ownership.Both: true,
		ownership.Info: true, ownership.None: true}
	f.Fuzz(func(t *testing.T, text string) {
		n := Normalize(text)
		if !utf8.ValidString(n) {
			t.Errorf("Normalize(%q) = %q: not valid UTF-8", text, n)
		}
		if n != strings.Join(strings.Fields(n), " ") {
			t.Errorf("Normalize(%q) = %q: not single-spaced words", text, n)
		}

		r := c.Match(text)
		if math.IsNaN(r.Score) || r.Score < 0 || r.Score > 1 {
			t.Errorf("Match(%q): score %v outside [0,1]", text, r.Score)
		}
		if _, ok := c.Get(r.Intent); !ok && r.Intent != NoneID {
			t.Errorf("Match(%q): unknown intent %q", text, r.Intent)
		}
		if !roles[r.Role] {
			t.Errorf("Match(%q): intent %q answers with role %q", text, r.Intent, r.Role)
		}
		if r.Intent == NoneID && r.Role != ownership.None {
			t.Errorf("Match(%q): none with role %q", text, r.Role)
		}
		if len(r.Alternatives) > 3 {
			t.Errorf("Match(%q): %d alternatives", text, len(r.Alternatives))
		}
		for _, a := range r.Alternatives {
			if _, ok := c.Get(a.Intent); !ok || a.Intent == r.Intent || a.Intent == NoneID {
				t.Errorf("Match(%q): alternative %q (answer %q)", text, a.Intent, r.Intent)
			}
			if math.IsNaN(a.Score) || a.Score < 0 || a.Score > 1 {
				t.Errorf("Match(%q): alternative %q scores %v", text, a.Intent, a.Score)
			}
		}
		if r.NearTie && len(r.Alternatives) == 0 {
			t.Errorf("Match(%q): near tie without an alternative", text)
		}
		// Deterministic, and the pooled scratch space leaks nothing
		// between calls.
		if again := c.Match(text); again.Intent != r.Intent || again.Score != r.Score {
			t.Errorf("Match(%q) not deterministic: %q %v, then %q %v", text, r.Intent, r.Score, again.Intent, again.Score)
		}
	})
}

// TestMatchLongTokens: a pasted token (a hash, a base64 blob, a run of one
// letter) is not spell-checked letter by letter. Typo correction used to
// hash every two-letter deletion of a word, O(n³): a 3,000-letter token took
// minutes, and this one would never finish.
func TestMatchLongTokens(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{strings.Repeat("n", 1<<16), "who owns the roadmap " + strings.Repeat("ab", 1<<15)} {
		if r := c.Match(q); r.Score < 0 || r.Score > 1 {
			t.Errorf("Match(%.20q…): score %v", q, r.Score)
		}
	}
}
