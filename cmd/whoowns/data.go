package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/stores"
)

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "import", "import [--tenant T] [--actor NAME] [--dry-run] FILE.yaml")
	tenant := fs.String("tenant", "", "tenant to load into (default: the file's tenant:, else WHOOWNS_TENANT, else local)")
	actorName := fs.String("actor", "", "who the history names for each change (default: your login name, \"(command line)\")")
	dry := fs.Bool("dry-run", false, "check the file and report problems without writing anything")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one file: whoowns import teams.yaml")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", pos[0], err)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	opts := stores.KnownIntents(cat)
	var notes []string
	opts.Note = func(line int, msg string) {
		notes = append(notes, fmt.Sprintf("note: %s:%d: %s", filepath.Base(pos[0]), line, msg))
	}
	d, err := dirfile.Parse(filepath.Base(pos[0]), data, "", opts)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(e.stderr, n)
	}
	if _, err := cat.Extend(d.Intents, d.Phrases); err != nil {
		return fmt.Errorf("%s: custom intents or phrases are not usable (%v); nothing was changed", filepath.Base(pos[0]), err)
	}
	t := *tenant
	if t == "" {
		t = peekTenant(data)
	}
	if t == "" {
		t = tenantFlag(e)
	}
	if err := dirfile.CheckTenant(t); err != nil {
		return usagef("%v", err)
	}
	d.Tenant = ownership.TenantID(t)
	if len(d.Teams) == 0 {
		fmt.Fprintf(e.stderr, "note: %s lists no teams: importing it removes every team of tenant %s\n", pos[0], t)
	}
	if *dry {
		fmt.Fprintf(e.stdout, "%s is valid: %d teams for tenant %s. Nothing was written (--dry-run).\n", pos[0], len(d.Teams), t)
		return nil
	}
	st, sampled, err := openStore(e, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	if sampled {
		return usagef("REDIS_URL is not set: import writes to Redis. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0), or use --dry-run to only check the file")
	}
	actor := cliActor()
	if *actorName != "" {
		actor.Name = *actorName
	}
	_, changes, err := st.Update(ctx, d.Tenant, func(dst *ownership.Directory) ([]ownership.Change, error) {
		return dirfile.Replace(dst, d.Clone(), actor, time.Now().UTC(), filepath.Base(pos[0])), nil
	})
	if err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	// The running replicas plan the tenant's reviews, cover ends, request
	// expiries and digest from the imported data on their next tick.
	if err := st.ScheduleJob(ctx, ownership.Job{Tenant: d.Tenant, Kind: ownership.JobPlan}, time.Now(), false); err != nil {
		fmt.Fprintf(e.stderr, "note: could not ask the replicas to plan the imported data (%s); they do within a day by themselves\n", ownership.ErrorMessage(err))
	}
	if len(changes) == 0 {
		fmt.Fprintf(e.stdout, "Tenant %s already matches %s: nothing changed.\n", t, pos[0])
		return nil
	}
	fmt.Fprintf(e.stdout, "Imported %d teams into tenant %s (%d changes recorded in history).\n", len(d.Teams), t, len(changes))
	return nil
}

// peekTenant reads the file's tenant: field, already validated by Parse.
func peekTenant(data []byte) string {
	var f struct {
		Tenant string `yaml:"tenant"`
	}
	_ = yamlUnmarshal(data, &f)
	return f.Tenant
}

func cliActor() ownership.Person {
	name := "command line"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username + " (command line)"
	}
	return ownership.Person{ID: "cli", Name: name}
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "export", "export [--tenant T] [-o FILE]")
	tenant := fs.String("tenant", tenantFlag(e), "tenant to export; env WHOOWNS_TENANT")
	out := fs.String("o", "", "write to FILE instead of standard output")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("export takes no arguments; got %q (use -o FILE to write a file)", pos)
	}
	if err := dirfile.CheckTenant(*tenant); err != nil {
		return usagef("%v", err)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	st, _, err := openStore(e, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Directory(ctx, ownership.TenantID(*tenant))
	if err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	if len(d.Teams) == 0 {
		fmt.Fprintf(e.stderr, "note: tenant %s has no teams yet\n", *tenant)
	}
	data, err := dirfile.Marshal(d)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(data)
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}
