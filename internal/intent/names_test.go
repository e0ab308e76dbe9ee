package intent

import "testing"

func TestMatchName(t *testing.T) {
	teams := [][]string{
		{"Payments", "pay", "billing"},
		{"Checkout"},
		{"Search & Discovery", "search"},
		{"Mobile App", "mobile"},
		{"Paywall"},
	}
	for _, tc := range []struct {
		span    string
		want    int // -1: no candidate
		certain bool
	}{
		{"payments", 0, true},
		{"the Payments team", 0, true},
		{"paymnts", 0, true},
		{"billing squad", 0, true},
		{"check out", 1, true},
		{"chekout", 1, true},
		{"search and discovery", 2, true},
		{"the mobile app team", 3, true},
		{"mobil", 3, true},
		{"the pay team", 0, true}, // an alias
		{"payw", 4, false},        // a prefix: ask
		{"disco", 2, false},
		{"logistics", -1, false},
		{"the team", -1, false},
		{"", -1, false},
	} {
		m := MatchName(tc.span, teams)
		switch {
		case tc.want < 0:
			if len(m.Candidates) != 0 || m.Certain {
				t.Errorf("%q: want no match, got %+v", tc.span, m)
			}
		case len(m.Candidates) == 0:
			t.Errorf("%q: no candidate, want %v", tc.span, teams[tc.want])
		case m.Candidates[0].Index != tc.want || m.Certain != tc.certain:
			t.Errorf("%q: got %+v, want %v certain=%v", tc.span, m, teams[tc.want], tc.certain)
		}
	}
	// two teams equally close: never certain
	m := MatchName("pay", [][]string{{"Payments"}, {"Payroll"}})
	if m.Certain || len(m.Candidates) != 2 {
		t.Errorf("ambiguous prefix: %+v", m)
	}
}
