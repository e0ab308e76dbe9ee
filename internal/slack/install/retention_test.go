package install

import (
	"context"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

type schedule struct{ due map[ownership.Job]time.Time }

func (s *schedule) ScheduleJob(_ context.Context, j ownership.Job, due time.Time, _ bool) error {
	s.due[j] = due
	return nil
}

func (s *schedule) CancelJob(_ context.Context, j ownership.Job) error {
	delete(s.due, j)
	return nil
}

// TestRetentionSchedulesChecksAndCallsOff: an uninstall schedules the
// deletion after the retention; the deletion waits until then, does
// nothing for a workspace reinstalled meanwhile, and a reinstall calls it
// off.
func TestRetentionSchedulesChecksAndCallsOff(t *testing.T) {
	ctx := context.Background()
	sealer, _ := NewSealer(key(t), nil)
	now := time.Unix(1_800_000_000, 0).UTC()
	sched := &schedule{due: map[ownership.Job]time.Time{}}
	st := NewStore(&refs{}, sealer).WithRetention(sched, 48*time.Hour)
	st.now = func() time.Time { return now }
	in := &Installation{TeamID: "T1", TeamName: "One", BotToken: "xoxb-one", InstalledAt: now}
	if err := st.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Revoke(ctx, "T1", ""); !ok || err != nil {
		t.Fatalf("Revoke = %v, %v", ok, err)
	}
	job := ownership.Job{Kind: PurgeJob, Tenant: "slack:T1"}
	if due := sched.due[job]; !due.Equal(now.Add(48 * time.Hour)) {
		t.Fatalf("deletion due %v, want %v", due, now.Add(48*time.Hour))
	}
	var purged []ownership.TenantID
	purge := func(_ context.Context, tn ownership.TenantID, p ownership.Purge) error {
		purged = append(purged, tn)
		if p.Actor != "retention" || p.Reason == "" {
			t.Errorf("purge record %+v", p)
		}
		return nil
	}
	// Early (a schedule moved by hand, a clock apart): not yet.
	next, err := st.Expire(ctx, "slack:T1", now.Add(time.Hour), purge)
	if err != nil || !next.Equal(now.Add(48*time.Hour)) || len(purged) != 0 {
		t.Fatalf("early Expire = %v, %v, purged %v", next, err, purged)
	}
	// Reinstalled: the deletion is called off, and if it runs all the same
	// it deletes nothing.
	if err := st.Save(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, ok := sched.due[job]; ok {
		t.Error("a reinstall left the deletion scheduled")
	}
	if next, err := st.Expire(ctx, "slack:T1", now.Add(72*time.Hour), purge); err != nil || !next.IsZero() || len(purged) != 0 {
		t.Fatalf("Expire after a reinstall = %v, %v, purged %v", next, err, purged)
	}
	// Uninstalled again and due: deleted.
	if _, err := st.Revoke(ctx, "T1", ""); err != nil {
		t.Fatal(err)
	}
	if next, err := st.Expire(ctx, "slack:T1", now.Add(49*time.Hour), purge); err != nil || !next.IsZero() || len(purged) != 1 {
		t.Fatalf("due Expire = %v, %v, purged %v", next, err, purged)
	}
	// A tenant with no installation record: nothing to do.
	if next, err := st.Expire(ctx, "slack:T9", now, purge); err != nil || !next.IsZero() || len(purged) != 1 {
		t.Fatalf("Expire of an unknown tenant = %v, %v, purged %v", next, err, purged)
	}
}
