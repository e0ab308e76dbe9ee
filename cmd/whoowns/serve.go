package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/internal/app"
)

func yamlUnmarshal(data []byte, v any) error { return yaml.Unmarshal(data, v) }

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [--addr :8080]   (configured by environment variables)")
	addr := fs.String("addr", "", "listen address; overrides WHOOWNS_ADDR (default :8080)")
	flagsHelp := fs.Usage
	fs.Usage = func() {
		flagsHelp()
		printEnvVars(e.stdout)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments; got %q", pos)
	}
	log, err := newLogger(e)
	if err != nil {
		return usageError{err.Error()}
	}
	cfg, err := app.ConfigFromEnv(e.getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if cfg.Slack == nil && cfg.Teams == nil {
		return usageError{"nothing to serve: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, and/or TEAMS_APP_ID and TEAMS_APP_PASSWORD for Teams"}
	}
	cfg.Logger = log
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	if err := a.ListenAndServe(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// printEnvVars lists every environment variable whoowns reads, from the one
// table the configuration is checked against.
func printEnvVars(w io.Writer) {
	fmt.Fprintln(w, "\nEnvironment variables (Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN; Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range app.EnvVars {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, v.Meaning)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nWithout REDIS_URL (or REDIS_SENTINEL_ADDRS / REDIS_CLUSTER_ADDRS) serve answers from in-memory sample teams: nothing persists. Go's GOMEMLIMIT and GOMAXPROCS apply as usual.")
}
