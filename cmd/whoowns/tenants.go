package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/sample"
	"github.com/whoowns/whoowns/internal/slack/install"
)

// tenantRow is one line of `whoowns tenants`.
type tenantRow struct {
	Tenant   ownership.TenantID `json:"tenant"`
	Platform string             `json:"platform"`
	// State: "installed" or "uninstalled" (a Slack installation made
	// through /slack/install), "sample" (the built-in teams), else
	// "active" (SLACK_BOT_TOKEN's workspace, a Teams tenant, an import).
	State         string     `json:"state"`
	Name          string     `json:"name,omitempty"`
	UninstalledAt *time.Time `json:"uninstalled_at,omitempty"`
	// DeleteAt is when the retention after the uninstall ends.
	DeleteAt *time.Time `json:"delete_at,omitempty"`
	Teams    int        `json:"teams"`
}

// retentionFromEnv is WHOOWNS_RETENTION_AFTER_UNINSTALL, as serve reads it.
func retentionFromEnv(e *env) (time.Duration, error) {
	v := strings.TrimSpace(e.getenv("WHOOWNS_RETENTION_AFTER_UNINSTALL"))
	if v == "" {
		return install.DefaultRetention, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && days > 0 && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, usagef("WHOOWNS_RETENTION_AFTER_UNINSTALL=%q: give a number of days such as 30d, or a duration such as 720h", v)
}

func tenantRows(ctx context.Context, st ownership.Store, retention time.Duration) ([]tenantRow, error) {
	ids, err := st.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	rows := make([]tenantRow, 0, len(ids))
	for _, id := range ids {
		r := tenantRow{Tenant: id, State: "active"}
		r.Platform, _, _ = strings.Cut(string(id), ":")
		d, err := st.Directory(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", id, ownership.ErrorMessage(err))
		}
		r.Teams = len(d.Teams)
		if id == sample.Tenant {
			r.State = "sample"
		}
		if s, ok, err := install.StateOf(ctx, st, id, retention); err != nil {
			return nil, fmt.Errorf("%s: %v", id, err)
		} else if ok {
			r.Name = s.Name
			r.State = "installed"
			if !s.Installed {
				r.State = "uninstalled"
			}
			if !s.UninstalledAt.IsZero() {
				u, del := s.UninstalledAt.UTC(), s.PurgeAt.UTC()
				r.UninstalledAt, r.DeleteAt = &u, &del
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func runTenants(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "tenants", "tenants [--json] [--purged]")
	asJSON := fs.Bool("json", false, "print JSON (one array of tenants; with --purged, the purge log)")
	purged := fs.Bool("purged", false, "list the tenants deleted (whoowns purge, or the retention after an uninstall) instead, newest first")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("tenants takes no arguments; got %q", pos)
	}
	retention, err := retentionFromEnv(e)
	if err != nil {
		return err
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	st, sampled, err := openStore(e, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	if sampled {
		fmt.Fprintln(e.stderr, "note: REDIS_URL is not set, so this is the built-in sample only")
	}
	if *purged {
		ps, err := st.Purges(ctx, ownership.MaxPurges)
		if err != nil {
			return fmt.Errorf("%s", ownership.ErrorMessage(err))
		}
		if *asJSON {
			return writeJSONTo(e, ps)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DELETED AT\tTENANT\tBY\tTEAMS\tWHY")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.At.UTC().Format(time.RFC3339), p.Tenant, p.Actor, p.Teams, p.Reason)
		}
		return tw.Flush()
	}
	rows, err := tenantRows(ctx, st, retention)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONTo(e, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSTATE\tTEAMS\tNAME")
	for _, r := range rows {
		state := r.State
		if r.UninstalledAt != nil {
			state = fmt.Sprintf("uninstalled since %s (data deleted after %s)", r.UninstalledAt.Format("2006-01-02 15:04 UTC"), r.DeleteAt.Format("2006-01-02 15:04 UTC"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Tenant, state, r.Teams, r.Name)
	}
	return tw.Flush()
}

func writeJSONTo(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runPurge(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "purge", "purge --tenant T --yes [--reason TEXT]")
	tenant := fs.String("tenant", "", "the tenant whose data to delete (see whoowns tenants)")
	yes := fs.Bool("yes", false, "really delete; without it nothing is deleted")
	reason := fs.String("reason", "", "why, for the purge log")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("purge takes no arguments; got %q (name the tenant with --tenant)", pos)
	}
	if *tenant == "" {
		return usagef("purge needs --tenant T (whoowns tenants lists them)")
	}
	if err := dirfile.CheckTenant(*tenant); err != nil {
		return usagef("%v", err)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	st, sampled, err := openStore(e, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	if sampled {
		return usagef("REDIS_URL is not set: there is no stored data to delete (the sample teams are built in)")
	}
	id := ownership.TenantID(*tenant)
	ids, err := st.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	d, err := st.Directory(ctx, id)
	if err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	if !slices.Contains(ids, id) && d.Version == 0 {
		return fmt.Errorf("no tenant %s is stored; whoowns tenants lists the tenants (ids look like slack:T…, slack:E… or teams:<tenant id>)", id)
	}
	installed := false
	if s, ok, err := install.StateOf(ctx, st, id, 0); err == nil && ok && s.Installed {
		installed = true
	}
	what := fmt.Sprintf("%s: %d teams, %d leads, its history, unanswered questions, feedback and learned phrases", id, len(d.Teams), len(d.Leads))
	if installed {
		what += ", and its Slack installation (the app stays installed in Slack but I will ignore the workspace until it is reinstalled)"
	}
	if !*yes {
		return usagef("this would delete everything stored for %s; nothing was deleted. Run again with --yes to delete it (export it first with: whoowns export --tenant %s -o backup.yaml)", what, id)
	}
	actor := cliActor()
	p := ownership.Purge{At: time.Now().UTC(), Actor: actor.Label(), Reason: *reason, Teams: len(d.Teams)}
	if p.Reason == "" {
		p.Reason = "whoowns purge"
	}
	if err := st.PurgeTenant(ctx, id, p); err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	fmt.Fprintf(e.stdout, "Deleted %s. The purge log keeps a record of it (whoowns tenants --purged).\n", what)
	return nil
}
