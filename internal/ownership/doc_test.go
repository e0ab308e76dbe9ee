package ownership

import "testing"

func TestSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Checkout": "checkout", " Mobile Team ": "mobile-team", "#payments_squad": "payments-squad", "Ünïcode": "ünïcode"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
