package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/whoowns/whoowns/internal/ownership"
)

func TestCommandLabelsStayBounded(t *testing.T) {
	t.Parallel()
	m := New()
	m.Command("slack", "set po <@U1> checkout", nil)
	m.Command("slack", "SET po", ownership.Errorf(ownership.ErrInvalid, "x"))
	m.Command("teams", "frobnicate all the things", ownership.Errorf(ownership.ErrInvalid, "x"))
	m.Command("teams", "", nil)
	m.Command("slack", "team create x", ownership.Errorf(ownership.ErrForbidden, "x"))
	want := `
# HELP whoowns_commands_total Leads' commands, by platform, verb and outcome (ok, invalid, forbidden, error).
# TYPE whoowns_commands_total counter
whoowns_commands_total{outcome="forbidden",platform="slack",verb="team"} 1
whoowns_commands_total{outcome="invalid",platform="slack",verb="set"} 1
whoowns_commands_total{outcome="invalid",platform="teams",verb="unknown"} 1
whoowns_commands_total{outcome="ok",platform="slack",verb="set"} 1
whoowns_commands_total{outcome="ok",platform="teams",verb="help"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "whoowns_commands_total"); err != nil {
		t.Fatal(err)
	}
	var nilM *Metrics
	nilM.Command("slack", "set", nil) // a nil *Metrics records nothing and does not panic
}
