package dirfile

import (
	"testing"
)

// FuzzParse: any bytes give a directory or a list of problems, never a panic,
// and whatever parses exports and parses again.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("teams:\n  - name: A\n    roles: {pm: {id: U1}}\n"))
	f.Add([]byte("teams: [{name: x, channels: [{id: C}, {id: C}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.yaml", data, "local", known)
		if err != nil {
			return
		}
		out, err := Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := Parse("again.yaml", out, "local", known); err != nil {
			t.Fatalf("export does not parse again: %v\n%s", err, out)
		}
	})
}
