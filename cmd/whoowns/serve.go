package main

import (
	"context"
	"errors"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/internal/app"
)

func yamlUnmarshal(data []byte, v any) error { return yaml.Unmarshal(data, v) }

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve   (configured by environment variables; see README)")
	addr := fs.String("addr", "", "listen address; overrides WHOOWNS_ADDR (default :8080)")
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
