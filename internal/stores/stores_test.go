package stores

import (
	"context"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
)

// openSample opens the store serve uses without Redis: the sample teams.
func openSample(t *testing.T) ownership.Store {
	t.Helper()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), redisstore.Config{}, cat)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSampleStoreServesEveryNewTenant(t *testing.T) {
	t.Parallel()
	st := openSample(t)
	ctx := context.Background()
	for _, tenant := range []ownership.TenantID{"local", "slack:T1", "teams:abc"} {
		d, err := st.Directory(ctx, tenant)
		if err != nil || d.Team("checkout") == nil || d.Tenant != tenant {
			t.Fatalf("%s: %v %+v", tenant, err, d)
		}
	}
	// The read an answer makes (with its delivery claim) sees them too.
	if d, first, err := st.ClaimDirectory(ctx, "slack:T2", time.Minute, "slack:event:Ev1"); err != nil || !first || d.Team("checkout") == nil {
		t.Fatalf("ClaimDirectory of a new tenant: %v %v %+v", err, first, d)
	}
	// A tenant's changes are its own.
	if _, _, err := st.Update(ctx, "slack:T1", func(d *ownership.Directory) ([]ownership.Change, error) {
		delete(d.Teams, "checkout")
		return []ownership.Change{{Action: "team.delete"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Directory(ctx, "slack:T1"); d.Team("checkout") != nil {
		t.Error("delete lost")
	}
	if d, _ := st.Directory(ctx, "teams:abc"); d.Team("checkout") == nil {
		t.Error("another tenant affected")
	}
}

// A tenant the sample is loaded into is planned like an imported one: a
// plan job is due at once, so its reviews and digest are scheduled.
func TestSampleStorePlansEveryNewTenant(t *testing.T) {
	t.Parallel()
	st := openSample(t)
	ctx := context.Background()
	plan := ownership.Job{Tenant: "slack:T1", Kind: ownership.JobPlan}
	if _, ok, err := st.JobDue(ctx, plan); err != nil || ok {
		t.Fatalf("planned before it was seen: %v %v", ok, err)
	}
	before := time.Now()
	if _, err := st.Directory(ctx, "slack:T1"); err != nil {
		t.Fatal(err)
	}
	due, ok, err := st.JobDue(ctx, plan)
	if err != nil || !ok || due.After(time.Now()) || due.Before(before.Add(-time.Second)) {
		t.Fatalf("plan job after the first read: due %v, %v, %v", due, ok, err)
	}
}
