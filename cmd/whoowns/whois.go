package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"text/tabwriter"

	"github.com/whoowns/whoowns/internal/slack"
)

// runWhois prints the Slack user ids of people by email address, for the
// directory file: users.lookupByEmail with SLACK_BOT_TOKEN (scope
// users:read.email). Teams has no such lookup for a bot (the Bot Connector
// knows members of its conversations, not addresses); README explains how
// to find Teams ids.
func runWhois(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "whois", "whois [--json] EMAIL...")
	asJSON := fs.Bool("json", false, "print JSON (one array: email, id, name, note)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("name at least one email address, e.g. whoowns whois jules@example.com")
	}
	for _, a := range pos {
		if addr, err := mail.ParseAddress(a); err != nil || addr.Address != a {
			return usagef("%q is not an email address", a)
		}
	}
	token := strings.TrimSpace(e.getenv("SLACK_BOT_TOKEN"))
	if token == "" {
		return usagef("SLACK_BOT_TOKEN is not set: whois asks Slack with the workspace's Bot User OAuth Token (xoxb-…)")
	}
	if !strings.HasPrefix(token, "xoxb-") {
		return usagef("SLACK_BOT_TOKEN is not a bot token: a bot token starts with xoxb-")
	}
	ws, err := slack.LookupEmails(ctx, token, strings.TrimSpace(e.getenv("SLACK_API_URL")), nil, pos)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ws); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tID\tNAME\tNOTE")
		for _, w := range ws {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.Email, dash(w.ID), dash(w.Name), w.Note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	missing := 0
	for _, w := range ws {
		if w.ID == "" {
			missing++
		}
	}
	if missing > 0 {
		return errors.New(plural(missing, "address has", "addresses have") + " no Slack user in this workspace")
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
