// Command whoowns answers "who owns this?" questions about product work in
// Slack and Microsoft Teams, and manages the ownership data behind them.
//
//	whoowns ask "who writes the acceptance criteria for checkout?"
//	whoowns classify --json < questions.txt
//	whoowns intents [--json]
//	whoowns eval [--json] labelled.jsonl
//	whoowns import teams.yaml      (REDIS_URL)
//	whoowns export > teams.yaml
//	whoowns whois jules@example.com   (SLACK_BOT_TOKEN)
//	whoowns serve                  (Slack and/or Teams, see README)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/whoowns/whoowns/internal/stores"
)

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// env is what a subcommand may touch: streams and the environment, so that
// tests run the real commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands []command

func init() {
	commands = []command{
		{"ask", "answer one question from the command line", runAsk},
		{"classify", "match questions (one per line on stdin) to intents; --json for machine output", runClassify},
		{"intents", "list the intents the bot answers; --json adds every training phrase", runIntents},
		{"eval", "measure the matcher on a labelled JSON-lines file: accuracy, out-of-scope precision/recall, confusions, per style", runEval},
		{"import", "load teams, roles, members and channels from a YAML file into Redis", runImport},
		{"export", "write a tenant's teams in the import format", runExport},
		{"tenants", "list the stored tenants with their install state and team count; --json, --purged", runTenants},
		{"purge", "delete one tenant's data now (--tenant T --yes), recorded in the purge log", runPurge},
		{"whois", "print the Slack user ids of email addresses, for the directory file (SLACK_BOT_TOKEN, scope users:read.email); --json", runWhois},
		{"serve", "run the Slack and/or Teams bot", runServe},
		{"health", "check a running serve on this host (/healthz, or /readyz with --ready); for container health checks", runHealth},
		{"load", "play Slack at a target rate against serve replicas and report latencies, lost and duplicate answers", runLoad},
		{"help", "show this help", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if log, err := newLogger(e); err == nil {
		stores.RouteRedisLogs(log)
	}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run executes a subcommand and returns the process exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		// A bare `whoowns` is a usage mistake: say what to type.
		printUsage(e.stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			// `whoowns help serve` is `whoowns serve -h`.
			return run(ctx, e, []string{args[1], "-h"})
		}
		printUsage(e.stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] && c.run != nil {
			err := c.run(ctx, e, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(e.stderr, "whoowns %s: %v\n", c.name, err)
			var ue usageError
			if errors.As(err, &ue) {
				return 2
			}
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "whoowns: unknown command %q\n\n", args[0])
	printUsage(e.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "whoowns answers \"who owns this?\" for product work: the Product Manager or the Product Owner, and who that is.")
	fmt.Fprintln(w, "\nUsage: whoowns <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'whoowns <command> -h' for a command's flags ('whoowns serve -h' also lists the environment variables). Without REDIS_URL, ask and export use the built-in sample teams.")
}

// parseFlags parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. Asked for help
// (-h), it prints the command's usage (fs.Usage) and returns flag.ErrHelp;
// a flag mistake is returned once, as a usage error, for run to print.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package would print the mistake and the whole usage itself
	// on every error; only -h shows the usage.
	help := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = help }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				help()
				return nil, err
			}
			return nil, usagef("%v (run 'whoowns %s -h' for its flags)", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet makes a command's flag set; its help (-h) goes to standard
// output.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: whoowns %s\n\nFlags:\n", usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// newLogger logs JSON in production and text in a terminal, unless
// WHOOWNS_LOG_FORMAT says otherwise.
func newLogger(e *env) (*slog.Logger, error) {
	level := slog.LevelInfo
	if v := e.getenv("WHOOWNS_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return nil, fmt.Errorf("WHOOWNS_LOG_LEVEL=%q: use debug, info, warn or error", v)
		}
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: readableDurations}
	format := strings.ToLower(e.getenv("WHOOWNS_LOG_FORMAT"))
	if format == "" {
		format = "json"
		if f, ok := e.stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("WHOOWNS_LOG_FORMAT=%q: use json or text", format)
}

// readableDurations logs durations as Go writes them ("20s", "1.5ms"), not
// as JSON's count of nanoseconds.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
