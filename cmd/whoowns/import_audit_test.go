package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

// TestImportRecordsEachFieldInHistory: each field an import changes is one
// history entry naming the operator (--actor), with the old and new value.
func TestImportRecordsEachFieldInHistory(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	tenant := fmt.Sprintf("slack:TAUDIT%d", time.Now().UnixNano())
	envv := map[string]string{"REDIS_URL": url, "WHOOWNS_TENANT": tenant}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	forgetTenants(t, url, tenant)
	dir := t.TempDir()
	write := func(name, data string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	first := write("a.yaml", "teams:\n  - name: Billing\n    roles: {pm: {id: UBP, name: Bea}, po: {id: UBO, name: Ole}}\n")
	if code, out, errs := runCmd(t, envv, "", "import", first); code != 0 {
		t.Fatalf("import: %d\n%s%s", code, out, errs)
	}
	// The running replicas are asked to plan the imported data (reviews,
	// cover ends, expiries, the digest).
	plan := ownership.Job{Tenant: ownership.TenantID(tenant), Kind: ownership.JobPlan}
	if _, ok, err := redisstore.New(c).JobDue(context.Background(), plan); err != nil || !ok {
		t.Errorf("the import did not ask the replicas to plan its tenant (%v)", err)
	}
	second := write("b.yaml", "teams:\n  - name: Billing\n    roles: {pm: {id: UBP, name: Bea}, po: {id: UBX, name: Xia}}\n    channels: [{id: CBILL, name: billing}]\n")
	code, out, errs := runCmd(t, envv, "", "import", "--actor", "Ops Olga", second)
	if code != 0 || !strings.Contains(out, "2 changes recorded") {
		t.Fatalf("second import: %d\n%s%s", code, out, errs)
	}
	h, err := redisstore.New(c).History(context.Background(), ownership.TenantID(tenant), "billing", 10)
	if err != nil {
		t.Fatal(err)
	}
	byField := map[string]ownership.Change{} // the newest entry per field
	for _, e := range h {
		if _, ok := byField[e.Field]; !ok {
			byField[e.Field] = e
		}
	}
	po := byField["role product_owner"]
	if po.Old != "Ole <UBO>" || po.New != "Xia <UBX>" || po.Actor.Name != "Ops Olga" || po.At.IsZero() {
		t.Errorf("PO entry %+v, want Ole → Xia by Ops Olga", po)
	}
	if ch := byField["channels"]; ch.Old != "" || ch.New != "#billing <CBILL>" {
		t.Errorf("channels entry %+v", ch)
	}
	// The first import: the team and its two roles; the second: two fields.
	if len(h) != 5 {
		t.Errorf("%d history entries, want 5: %+v", len(h), h)
	}
}
