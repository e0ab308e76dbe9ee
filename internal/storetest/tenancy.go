package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// testPurgeTenant: Tenants lists the tenants written; PurgeTenant deletes
// everything of one tenant (directory, audit, unanswered, feedback,
// onboarding, refs) and nothing of another, leaves the index, and its
// record stays in the purge log, readable from another replica.
func testPurgeTenant(t *testing.T, open func(*testing.T) ownership.Store) {
	ctx := context.Background()
	s, other := open(t), open(t)
	gone, kept := ownership.TenantID("slack:TPURGE"), ownership.TenantID("slack:TKEEP")
	for _, id := range []ownership.TenantID{gone, kept} {
		seed(t, s, id)
		if err := s.AddUnanswered(ctx, id, ownership.Unanswered{At: time.Now(), Asker: ownership.Person{ID: "U1"}, Text: "who fixes the printer?"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddFeedback(ctx, id, "roadmap", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkOnboarded(ctx, id, "U1", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.AddStats(ctx, []ownership.StatsDelta{
			{Tenant: id, Day: time.Now(), StatsCounts: ownership.StatsCounts{Questions: 1}},
			{Tenant: id, Day: time.Now().AddDate(0, 0, -(ownership.StatsRetention - 1)), StatsCounts: ownership.StatsCounts{Questions: 1}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"slack-installation", "teams:channel:19:x"} {
			if err := s.PutRef(ctx, id, k, []byte("v")); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A tenant with refs only (an installation before any change).
	refOnly := ownership.TenantID("slack:TREFONLY")
	if err := s.PutRef(ctx, refOnly, "slack-installation", []byte("v")); err != nil {
		t.Fatal(err)
	}
	ts, err := other.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []ownership.TenantID{gone, kept, refOnly} {
		if !slices.Contains(ts, id) {
			t.Errorf("Tenants = %v, lacks %s", ts, id)
		}
	}
	if !slices.IsSorted(ts) {
		t.Errorf("Tenants not sorted: %v", ts)
	}
	at := time.Now().UTC().Truncate(time.Second)
	if err := s.PurgeTenant(ctx, gone, ownership.Purge{At: at, Actor: "ops", Reason: "test", Teams: 2}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []ownership.Store{s, other} {
		if d := mustDir(t, st, gone); d.Version != 0 || len(d.Teams) != 0 || len(d.Leads) != 0 {
			t.Errorf("purged tenant's directory: version %d, %d teams", d.Version, len(d.Teams))
		}
		if h := mustHistory(t, st, gone, "", 10); len(h) != 0 {
			t.Errorf("purged tenant's history: %v", h)
		}
		if u, _ := st.Unanswered(ctx, gone, 10); len(u) != 0 {
			t.Errorf("purged tenant's unanswered: %v", u)
		}
		if f, _ := st.Feedback(ctx, gone); len(f) != 0 {
			t.Errorf("purged tenant's feedback: %v", f)
		}
		last := time.Now()
		if r, err := st.Stats(ctx, gone, last.AddDate(0, 0, -(ownership.StatsRetention-1)), last); err != nil || !r.Total().IsZero() {
			t.Errorf("purged tenant's statistics: %+v, %v", r.Total(), err)
		}
		if r, _ := st.Stats(ctx, kept, last.AddDate(0, 0, -(ownership.StatsRetention-1)), last); r.Total().Questions != 2 {
			t.Errorf("the other tenant's statistics: %+v", r.Total())
		}
		for _, k := range []string{"slack-installation", "teams:channel:19:x"} {
			if v, _ := st.Ref(ctx, gone, k); v != nil {
				t.Errorf("purged tenant's ref %s: %q", k, v)
			}
			if v, _ := st.Ref(ctx, kept, k); string(v) != "v" {
				t.Errorf("the other tenant's ref %s: %q", k, v)
			}
		}
		if d := mustDir(t, st, kept); len(d.Teams) == 0 {
			t.Error("purging one tenant emptied another")
		}
	}
	if first, _ := s.MarkOnboarded(ctx, gone, "U1", ""); !first {
		t.Error("a purged tenant still remembers who was welcomed")
	}
	ts, _ = other.Tenants(ctx)
	if slices.Contains(ts, gone) || !slices.Contains(ts, kept) {
		t.Errorf("Tenants after the purge = %v", ts)
	}
	ps, err := other.Purges(ctx, 10)
	if err != nil || len(ps) != 1 || ps[0].Tenant != gone || ps[0].Actor != "ops" || ps[0].Teams != 2 || !ps[0].At.Equal(at) {
		t.Errorf("Purges = %+v, %v", ps, err)
	}
	if err := s.PurgeTenant(ctx, "", ownership.Purge{}); err == nil {
		t.Error("PurgeTenant of no tenant succeeded")
	}
}

// testWriteAfterPurge: a write that lands after a purge (a reinstall, or
// a late write of the tenant's own) keeps its data, and the data is listed
// again, whichever replica purged and whichever writes: data a purge
// cannot find is never deleted.
func testWriteAfterPurge(t *testing.T, open func(*testing.T) ownership.Store) {
	ctx := context.Background()
	s, other := open(t), open(t)
	byRef, byDir := ownership.TenantID("slack:TREWRITEREF"), ownership.TenantID("slack:TREWRITEDIR")
	for _, id := range []ownership.TenantID{byRef, byDir} {
		seed(t, s, id)
		if err := s.PutRef(ctx, id, "slack-installation", []byte("v1")); err != nil {
			t.Fatal(err)
		}
		if err := other.PurgeTenant(ctx, id, ownership.Purge{At: time.Now().UTC(), Actor: "ops", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	ts, _ := s.Tenants(ctx)
	if slices.Contains(ts, byRef) || slices.Contains(ts, byDir) {
		t.Fatalf("Tenants after the purges = %v", ts)
	}
	// The store that wrote before the purge writes again.
	if err := s.PutRef(ctx, byRef, "slack-installation", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	seed(t, s, byDir)
	for _, st := range []ownership.Store{s, other} {
		ts, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ts, byRef) {
			t.Errorf("a ref written after the purge is kept but its tenant is not listed: %v", ts)
		}
		if !slices.Contains(ts, byDir) {
			t.Errorf("a directory written after the purge is kept but its tenant is not listed: %v", ts)
		}
	}
	if v, _ := other.Ref(ctx, byRef, "slack-installation"); string(v) != "v2" {
		t.Errorf("the ref written after the purge: %q", v)
	}
	// Purged again, it is gone again, the rewritten ref too.
	if err := other.PurgeTenant(ctx, byRef, ownership.Purge{At: time.Now().UTC(), Actor: "ops", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Ref(ctx, byRef, "slack-installation"); v != nil {
		t.Errorf("the rewritten ref survived a second purge: %q", v)
	}
	if ts, _ := s.Tenants(ctx); slices.Contains(ts, byRef) {
		t.Errorf("Tenants after the second purge = %v", ts)
	}
}
