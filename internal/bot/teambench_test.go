package bot

import (
	"testing"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/sample"
)

// BenchmarkTeamInText is the team resolution of every question that does
// not link a channel, over the catalogue's own phrases and the sample
// teams: a name as written (teamInText), then one with a typo or in part
// (fuzzyTeamInText), with the team index the service keeps.
func BenchmarkTeamInText(b *testing.B) {
	cat, err := intent.Default()
	if err != nil {
		b.Fatal(err)
	}
	d, err := sample.Directory(dirfile.Options{KnownIntent: func(id string) bool { _, ok := cat.Get(id); return ok }})
	if err != nil {
		b.Fatal(err)
	}
	var qs []string
	for _, in := range cat.Intents() {
		qs = append(qs, in.Phrases...)
	}
	b.Run("indexed", func(b *testing.B) {
		s := New(nil, cat)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			s.teamIndex(d).named(d, q)
			i++
		}
	})
	// the names read for every question, as before the index
	b.Run("unindexed", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			if teamInTextUnindexed(d, q) == nil {
				fuzzyTeamInTextUnindexed(d, q)
			}
			i++
		}
	})
}
