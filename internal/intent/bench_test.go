package intent

import (
	"testing"

	"github.com/whoowns/whoowns/intents"
	"github.com/whoowns/whoowns/internal/ownership"
)

// benchQuestions are realistic chat messages, markup and typos included.
var benchQuestions = []string{
	"<@U024BE7LH> who owns the roadmap for checkout?",
	"who writes the acceptance criteria",
	"who's the PO for <#C024BE91L|payments>?",
	"who decides what we pick up next sprint",
	"who tracks velocty on the mobile team",
	"what's the difference between a PM and a PO?",
	"who is on call tonight? :fire:",
	"can someone tell me who signs off stories once they're done",
	"hi",
	"who owns the go-to-market plan for v2 https://docs.example.com/gtm",
	"who decides priorities?",
	"who keeps execs updated on the product direction",
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	done := reportCPU(b)
	for b.Loop() {
		if _, err := Load(intents.FS); err != nil {
			b.Fatal(err)
		}
	}
	done()
}

func BenchmarkMatch(b *testing.B) {
	c := mustDefault(b)
	b.ReportAllocs()
	done := reportCPU(b)
	i := 0
	for b.Loop() {
		c.Match(benchQuestions[i%len(benchQuestions)])
		i++
	}
	done()
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Normalize(benchQuestions[i%len(benchQuestions)])
		i++
	}
}

func BenchmarkExtend(b *testing.B) {
	c := mustDefault(b)
	custom := []ownership.CustomIntent{{ID: "security_review", Role: ownership.ProductOwner, Phrases: []string{"who books the security review"}}}
	taught := []ownership.TaughtPhrase{{Phrase: "who looks after pricing", Intent: "business_case"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Extend(custom, taught); err != nil {
			b.Fatal(err)
		}
	}
}

// catalogueQuestions are the catalogue's own phrases as the load tool asks
// them: after the bot's mention.
func catalogueQuestions(c *Catalogue) []string {
	var qs []string
	for _, in := range c.Intents() {
		for _, p := range in.Phrases {
			qs = append(qs, "<@UBOT> "+p)
		}
	}
	return qs
}

// BenchmarkMatchCatalogue matches the catalogue's own phrases as the load
// tool asks them (after the bot's mention), the out-of-scope examples
// included: the question mix whose CPU per answer the project measures.
func BenchmarkMatchCatalogue(b *testing.B) {
	c := mustDefault(b)
	qs := catalogueQuestions(c)
	b.ReportAllocs()
	done := reportCPU(b)
	i := 0
	for b.Loop() {
		c.Match(qs[i%len(qs)])
		i++
	}
	done()
}

// coldCache is written over between matches in BenchmarkMatchColdCache.
var coldCache = make([]byte, 8<<20)

// BenchmarkMatchColdCache is BenchmarkMatchCatalogue with the CPU caches
// emptied of the matcher's tables before every match (the time to empty
// them is not counted), as a replica's other work per answer (HTTP, Redis,
// JSON) leaves them: there a match waits mostly for memory.
func BenchmarkMatchColdCache(b *testing.B) {
	c := mustDefault(b)
	qs := catalogueQuestions(c)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := 0; j < len(coldCache); j += 64 {
			coldCache[j]++
		}
		b.StartTimer()
		c.Match(qs[i%len(qs)])
	}
}
