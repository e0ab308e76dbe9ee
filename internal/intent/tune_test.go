package intent

import (
	"io/fs"

	"github.com/whoowns/whoowns/intents"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTune sweeps one knob at a time (TUNE=1) and prints accuracies on the
// dev and held-out sets; it is a tool for whoever retunes the matcher.
func TestTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip("set TUNE=1 to sweep the matcher's knobs")
	}
	dev := readEval(t, findDevSet())
	held := readEval(t, filepath.Join("testdata", "heldout.jsonl"))
	held = append(held, readEval(t, filepath.Join("testdata", "heldout2.jsonl"))...)
	all, err := loadAll()
	if err != nil {
		t.Fatal(err)
	}
	score := func() (float64, float64, int) {
		start := time.Now()
		c := newCatalogue(all)
		_ = time.Since(start)
		acc := func(ls []evalLine) (float64, int) {
			ok, leak := 0, 0
			for _, l := range ls {
				r := c.Match(l.Text)
				if r.Intent == l.Intent {
					ok++
				} else if l.Intent == NoneID {
					leak++
				}
			}
			return pct(ok, len(ls)), leak
		}
		a, l1 := acc(dev)
		b, l2 := acc(held)
		return a, b, l1 + l2
	}
	type knob struct {
		name string
		p    *float64
		vals []float64
	}
	f32 := func(p *float32) *float64 { v := float64(*p); return &v }
	_ = f32
	if os.Getenv("KNOB") == "tie" {
		c := newCatalogue(all)
		for _, mg := range []float64{0.04, 0.06, 0.08, 0.1, 0.12, 0.15} {
			nearTieMargin = mg
			flagged, errs, errFlagged := 0, 0, 0
			for _, l := range append(append([]evalLine{}, dev...), held...) {
				r := c.Match(l.Text)
				if r.NearTie {
					flagged++
				}
				if r.Intent != l.Intent {
					errs++
					if r.NearTie {
						errFlagged++
					}
				}
			}
			t.Logf("margin %.2f flagged %d errors %d flagged errors %d", mg, flagged, errs, errFlagged)
		}
		return
	}
	if k := os.Getenv("KNOB"); k == "epochs" {
		for _, e := range []int{10, 15, 20, 25, 30} {
			trainEpochs = e
			a, b, leak := score()
			t.Logf("epochs %d dev %.1f held %.1f leaks %d", e, a, b, leak)
		}
		return
	}
	knobs := []knob{
		{"bigramWeight", &bigramWeight, []float64{0.3, 0.45, 0.6, 0.8, 1}},
		{"maxWeight", &maxWeight, []float64{0.3, 0.45, 0.55, 0.7, 0.85}},
		{"unknownWeight", &unknownWeight, []float64{0.8, 1.2, 1.6, 2.0, 2.5}},
		{"threshold", &threshold, []float64{0.15, 0.18, 0.22, 0.26, 0.3}},
		{"noneScale", &noneScale, []float64{0.6, 0.7, 0.8, 0.9, 1}},
		{"probWeight", &probWeight, []float64{0, 0.25, 0.5, 0.75, 1}},
		{"trainRate", &trainRate, []float64{0.2, 0.4, 0.6, 1, 1.5}},
		{"trainL2", &trainL2, []float64{0, 1e-4, 2e-4, 5e-4, 1e-3}},
	}
	for _, k := range knobs {
		orig := *k.p
		for _, v := range k.vals {
			*k.p = v
			a, b, leak := score()
			t.Logf("%-14s %-7g dev %.1f held %.1f leaks %d", k.name, v, a, b, leak)
		}
		*k.p = orig
	}
}

func loadAll() ([]Intent, error) { return parse(intentsFS()) }

func intentsFS() fs.FS { return intents.FS }
