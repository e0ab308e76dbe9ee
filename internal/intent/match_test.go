package intent

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/intents"
)

// TestBestSum checks the branch-free nearest-phrase scan against the loop
// it stands for, negative sums and -0 included.
func TestBestSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), -1, 1e-30, -1e-30, 3.5, math.MaxFloat32, -math.MaxFloat32}
	for n := 0; n < 200; n++ {
		sums := make([]float32, rng.IntN(40))
		for i := range sums {
			switch rng.IntN(4) {
			case 0:
				sums[i] = special[rng.IntN(len(special))]
			case 1:
				sums[i] = -rng.Float32()
			default:
				sums[i] = rng.Float32() * 3
			}
		}
		var want float32
		for _, v := range sums {
			if v > want {
				want = v
			}
		}
		if got := bestSum(sums); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("bestSum(%v) = %v, want %v", sums, got, want)
		}
	}
}

// TestNearestPhraseKept checks that the nearest phrase of each intent kept
// while the sums are added is the one a look through every phrase finds:
// a catalogue whose matcher must look through them all (as it would with
// a negative weight) answers every question of the catalogue, its
// asking-sentence scores included, bit for bit alike.
func TestNearestPhraseKept(t *testing.T) {
	c := mustDefault(t)
	scanning, err := Load(intents.FS)
	if err != nil {
		t.Fatal(err)
	}
	scanning.m.nonNeg = false
	var qs []string
	for _, in := range c.Intents() {
		for _, p := range in.Phrases {
			qs = append(qs, p, "The release went out late again and nobody knows why. "+p)
		}
	}
	qs = append(qs, benchQuestions...)
	a, b := c.m.newScratch(), scanning.m.newScratch()
	scanned := 0
	for _, q := range qs {
		ra, rb := c.match(a, q), scanning.match(b, q)
		if a.scan {
			t.Fatalf("%q: the catalogue looked through every phrase", q)
		}
		if b.scan {
			scanned++
		}
		if !slices.Equal(ra.Alternatives, rb.Alternatives) || ra.Intent != rb.Intent || ra.Score != rb.Score ||
			ra.Confidence != rb.Confidence || ra.NearTie != rb.NearTie || ra.Role != rb.Role {
			t.Fatalf("%q: %v kept, %v scanned", q, ra, rb)
		}
		for i := range a.intent {
			if math.Float32bits(a.intent[i]) != math.Float32bits(b.intent[i]) || math.Float32bits(a.askScore[i]) != math.Float32bits(b.askScore[i]) {
				t.Fatalf("%q: intent %d scores %v/%v kept, %v/%v scanned", q, i, a.intent[i], a.askScore[i], b.intent[i], b.askScore[i])
			}
		}
	}
	if scanned < len(qs)/2 {
		t.Fatalf("only %d of %d questions were scored by looking through every phrase", scanned, len(qs))
	}
}

// TestConceptLookups: analysing a question looks up only the concept keys
// that can hit, and reads every question of the catalogue as it would
// looking up every key.
func TestConceptLookups(t *testing.T) {
	c := mustDefault(t)
	every, err := Load(intents.FS)
	if err != nil {
		t.Fatal(err)
	}
	every.m.conceptLen = nil
	if c.m.conceptLen == nil {
		t.Fatal("the catalogue looks up every concept key")
	}
	var qs []string
	for _, in := range c.Intents() {
		for _, p := range in.Phrases {
			qs = append(qs, p, "The release went out late again and nobody knows why. "+p)
		}
	}
	for _, con := range concepts {
		// each concept, with a word before it, and without its first word
		ws := strings.Fields(con[0])
		qs = append(qs, con[0], "our "+con[0]+" please", "backlog "+con[0], strings.Join(ws[1:], " "), "who "+strings.Join(ws[1:], " "))
	}
	qs = append(qs, benchQuestions...)
	a, b := c.m.newScratch(), every.m.newScratch()
	for _, q := range qs {
		ra, rb := c.match(a, q), every.match(b, q)
		if !slices.Equal(a.terms, b.terms) {
			t.Fatalf("%q: terms %v, looking up every key %v", q, a.terms, b.terms)
		}
		if fmt.Sprint(ra) != fmt.Sprint(rb) {
			t.Fatalf("%q: %v, looking up every key %v", q, ra, rb)
		}
	}
}
