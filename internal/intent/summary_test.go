package intent

import (
	"reflect"
	"testing"
)

// TestSummary: Summary is Get without the phrases.
func TestSummary(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"roadmap", "acceptance_criteria", "no such intent"} {
		got, ok := c.Summary(id)
		want, wok := c.Get(id)
		want.Phrases = nil
		if ok != wok || !reflect.DeepEqual(got, want) {
			t.Errorf("Summary(%q) = %+v, %v; want %+v, %v", id, got, ok, want, wok)
		}
		if ok && got.Title == "" {
			t.Errorf("Summary(%q) has no title", id)
		}
	}
}
