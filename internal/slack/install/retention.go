package install

import (
	"context"
	"fmt"
	"time"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Retention: an uninstalled workspace's (or org's) ownership data is kept
// for a while, so a reinstall finds it, then deleted. The uninstall
// schedules the deletion in the replicas' shared schedule; a reinstall
// cancels it, and the deletion checks again that the app is still
// uninstalled and the time has come.

// PurgeJob is the scheduled job that deletes an uninstalled tenant's data.
const PurgeJob = "slack-retention"

// DefaultRetention is how long data is kept after an uninstall
// (WHOOWNS_RETENTION_AFTER_UNINSTALL).
const DefaultRetention = 30 * 24 * time.Hour

// Schedule is the part of the shared schedule retention uses.
type Schedule interface {
	ScheduleJob(ctx context.Context, j ownership.Job, due time.Time, ifAbsent bool) error
	CancelJob(ctx context.Context, j ownership.Job) error
}

// WithRetention schedules the deletion of a tenant's data keep after its
// uninstall, in sched.
func (s *Store) WithRetention(sched Schedule, keep time.Duration) *Store {
	if keep <= 0 {
		keep = DefaultRetention
	}
	s.sched, s.retention = sched, keep
	return s
}

func purgeJob(t ownership.TenantID) ownership.Job { return ownership.Job{Kind: PurgeJob, Tenant: t} }

// Purger deletes a tenant's data, recording why (ownership.Store's
// PurgeTenant, with the team count filled in).
type Purger func(ctx context.Context, tenant ownership.TenantID, p ownership.Purge) error

// Expire is the scheduled deletion of tenant's data: it deletes the data
// if the app is still uninstalled and the retention has passed, and
// returns when to look again if not yet (zero: done, or reinstalled).
func (s *Store) Expire(ctx context.Context, tenant ownership.TenantID, now time.Time, purge Purger) (time.Time, error) {
	b, err := s.refs.Ref(ctx, tenant, refKey)
	if err != nil {
		return time.Time{}, err
	}
	if b == nil {
		return time.Time{}, nil // purged already, or never installed
	}
	r, err := decodeRecord(b)
	if err != nil {
		return time.Time{}, err
	}
	if r.UninstalledAt == nil {
		return time.Time{}, nil // reinstalled
	}
	due := r.UninstalledAt.Add(s.retention)
	if now.Before(due) {
		return due, nil
	}
	reason := fmt.Sprintf("uninstalled from Slack on %s; kept for %s after the uninstall", r.UninstalledAt.UTC().Format(time.RFC3339), s.retention)
	if err := purge(ctx, tenant, ownership.Purge{At: now.UTC(), Actor: "retention", Reason: reason}); err != nil {
		return time.Time{}, err
	}
	s.forget("")
	return time.Time{}, nil
}

// State is a tenant's Slack install state, for whoowns tenants.
type State struct {
	// Installed is false once the app was uninstalled (UninstalledAt).
	Installed     bool
	UninstalledAt time.Time
	// PurgeAt is when the data is deleted, once uninstalled.
	PurgeAt time.Time
	Name    string
}

// StateOf reads tenant's install state; ok is false when it has no Slack
// installation record (a SLACK_BOT_TOKEN workspace, Teams, the sample).
func StateOf(ctx context.Context, refs Refs, tenant ownership.TenantID, retention time.Duration) (State, bool, error) {
	b, err := refs.Ref(ctx, tenant, refKey)
	if err != nil || b == nil {
		return State{}, false, err
	}
	r, err := decodeRecord(b)
	if err != nil {
		return State{}, false, err
	}
	st := State{Installed: r.UninstalledAt == nil && r.BotToken != "", Name: r.TeamName}
	if r.EnterpriseInstall {
		st.Name = r.EnterpriseName
	}
	if r.UninstalledAt != nil {
		st.UninstalledAt = *r.UninstalledAt
		st.PurgeAt = r.UninstalledAt.Add(retention)
	}
	return st, true, nil
}
