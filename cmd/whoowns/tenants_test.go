package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/redistest"
)

// TestTenantsAndPurge: whoowns tenants lists the stored tenants with their
// team count (text and --json); whoowns purge refuses without --yes and
// for an unknown tenant, deletes one tenant with --yes, and the purge log
// (tenants --purged) keeps the record.
func TestTenantsAndPurge(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	stamp := time.Now().UnixNano()
	gone, kept := fmt.Sprintf("slack:TGONE%d", stamp), fmt.Sprintf("slack:TKEPT%d", stamp)
	envv := map[string]string{"REDIS_URL": url}
	forgetTenants(t, url, gone, kept)
	file := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(file, []byte("teams:\n  - name: Billing\n    roles: {pm: {id: UBP, name: Bea}, po: {id: UBO, name: Ole}}\n  - name: Search\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []string{gone, kept} {
		if code, out, errs := runCmd(t, envv, "", "import", "--tenant", tn, file); code != 0 {
			t.Fatalf("import %s: %d\n%s%s", tn, code, out, errs)
		}
	}
	code, out, errs := runCmd(t, envv, "", "tenants")
	if code != 0 || !strings.Contains(out, "TENANT") {
		t.Fatalf("tenants: %d\n%s%s", code, out, errs)
	}
	for _, tn := range []string{gone, kept} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 3 && f[0] == tn {
				found = f[1] == "active" && f[2] == "2"
			}
		}
		if !found {
			t.Errorf("tenants lacks %s as active with 2 teams:\n%s", tn, out)
		}
	}
	var rows []tenantRow
	code, out, _ = runCmd(t, envv, "", "tenants", "--json")
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil {
		t.Fatalf("tenants --json: %d %v\n%s", code, err, out)
	}
	if i := slices.IndexFunc(rows, func(r tenantRow) bool { return string(r.Tenant) == gone }); i < 0 || rows[i].Teams != 2 || rows[i].State != "active" || rows[i].Platform != "slack" {
		t.Errorf("tenants --json: %+v", rows)
	}

	// Refusals change nothing.
	if code, _, errs := runCmd(t, envv, "", "purge", "--tenant", gone); code != 2 || !strings.Contains(errs, "--yes") || !strings.Contains(errs, "nothing was deleted") {
		t.Errorf("purge without --yes: %d\n%s", code, errs)
	}
	if code, _, errs := runCmd(t, envv, "", "purge", "--tenant", "slack:TNOSUCH", "--yes"); code != 1 || !strings.Contains(errs, "no tenant slack:TNOSUCH") {
		t.Errorf("purge of an unknown tenant: %d\n%s", code, errs)
	}
	if code, _, errs := runCmd(t, envv, "", "purge", "--yes"); code != 2 || !strings.Contains(errs, "--tenant") {
		t.Errorf("purge without a tenant: %d\n%s", code, errs)
	}
	if code, out, _ := runCmd(t, envv, "", "export", "--tenant", gone); code != 0 || !strings.Contains(out, "Billing") {
		t.Fatalf("data lost by a refused purge: %d\n%s", code, out)
	}

	code, out, errs = runCmd(t, envv, "", "purge", "--tenant", gone, "--yes", "--reason", "customer left")
	if code != 0 || !strings.Contains(out, "Deleted "+gone) {
		t.Fatalf("purge: %d\n%s%s", code, out, errs)
	}
	if _, out, errs := runCmd(t, envv, "", "export", "--tenant", gone); strings.Contains(out, "Billing") || !strings.Contains(errs, "no teams") {
		t.Errorf("purged tenant still exports:\n%s%s", out, errs)
	}
	if _, out, _ := runCmd(t, envv, "", "export", "--tenant", kept); !strings.Contains(out, "Billing") {
		t.Errorf("the other tenant lost its data:\n%s", out)
	}
	_, out, _ = runCmd(t, envv, "", "tenants")
	if strings.Contains(out, gone) || !strings.Contains(out, kept) {
		t.Errorf("tenants after the purge:\n%s", out)
	}
	_, out, _ = runCmd(t, envv, "", "tenants", "--purged")
	if !strings.Contains(out, gone) || !strings.Contains(out, "customer left") || !strings.Contains(out, "(command line)") {
		t.Errorf("purge log:\n%s", out)
	}
}
