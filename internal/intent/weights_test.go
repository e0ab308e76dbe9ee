package intent

import (
	"bytes"
	"flag"
	"os"
	"runtime"
	"testing"
)

var writeWeights = flag.Bool("write-weights", false, "write weights.bin for the built-in catalogue (go generate)")

// TestWeightsFile checks that weights.bin holds exactly the weights that
// training gives on the built-in catalogue, so loading it is only a saving
// of time, never a different matcher; with -write-weights (go generate) it
// rewrites the file instead.
func TestWeightsFile(t *testing.T) {
	all, err := loadAll()
	if err != nil {
		t.Fatal(err)
	}
	saved := trained
	trained = nil // force training
	m := build(all)
	trained = saved
	if m.pretrained {
		t.Fatal("built with no weights file, yet pretrained")
	}
	want := m.encodeWeights(m.trainKey)
	if *writeWeights {
		if err := os.WriteFile("weights.bin", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if runtime.GOARCH != "amd64" {
		// weights.bin is generated on amd64; another architecture may round
		// the phrase vectors differently (fused multiply-add), and then it
		// trains at load, which gives the same matcher, only slower
		t.Skip("weights.bin is checked on amd64")
	}
	if !bytes.Equal(trained, want) {
		t.Fatal("weights.bin is not what training gives on intents/: run go generate ./internal/intent")
	}
	if !build(all).pretrained {
		t.Fatal("the built-in catalogue does not load weights.bin")
	}
}
