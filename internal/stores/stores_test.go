package stores

import (
	"context"
	"testing"

	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
)

func TestSampleStoreServesEveryNewTenant(t *testing.T) {
	t.Parallel()
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), redisstore.Config{}, cat)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tenant := range []ownership.TenantID{"local", "slack:T1", "teams:abc"} {
		d, err := st.Directory(ctx, tenant)
		if err != nil || d.Team("checkout") == nil || d.Tenant != tenant {
			t.Fatalf("%s: %v %+v", tenant, err, d)
		}
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
