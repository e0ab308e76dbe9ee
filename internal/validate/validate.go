// Package validate checks rendered Slack and Teams payloads against the
// platforms' own definitions: Slack's @slack/types (by type-checking with
// tsc) and Block Kit's limits, and Microsoft's adaptivecards library. The
// checks are a Node program, scripts/validate; this package runs it from
// tests, over the golden files (its own test) and over payloads a renderer
// test hands it (Check).
package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Root is the repository's root directory.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("validate: no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Required reports whether a missing Node or missing packages fail the
// test instead of skipping it: when CI is set (CI services set it, and
// .ci/run after npm ci).
func Required() bool { return os.Getenv("CI") != "" }

// validator returns the node binary and the script, or skips t when Node
// or the script's packages are missing (fails it when Required).
func validator(t testing.TB) (node, script string) {
	t.Helper()
	dir := filepath.Join(Root(t), "scripts", "validate")
	missing := func(what string) {
		msg := what + "; run `make validate` (or `cd scripts/validate && npm ci`) to check Slack and Teams payloads against @slack/types and adaptivecards"
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	for _, pkg := range []string{"@slack/types", "adaptivecards", "typescript"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			missing("scripts/validate/node_modules has no " + pkg)
		}
	}
	// go test caches a result by the files the test itself opens; node
	// reads the script, so read it here too: a changed check runs again.
	readAll(t, filepath.Join(dir, "*.js"), filepath.Join(dir, "package-lock.json"))
	return node, filepath.Join(dir, "validate.js")
}

// readAll reads every file the patterns match, so that go test's cache
// knows the result depends on them.
func readAll(t testing.TB, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if _, err := os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Run runs scripts/validate/validate.js with args and returns its output
// and exit code (0: valid, 1: problems found).
func Run(t testing.TB, args ...string) (string, int) {
	t.Helper()
	node, script := validator(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v\n%s", script, err, out.String())
	}
	return out.String(), 0
}

// Check validates payloads, each written as name.json: platform "slack"
// (a modal or home view, a message {text, blocks}, or a list of blocks:
// an App Home's when name starts with "home", else a message's) or "teams"
// (an Adaptive Card or an activity with card attachments). Every problem
// is a test error naming the payload.
func Check(t testing.TB, platform string, payloads map[string]any) {
	t.Helper()
	if platform != "slack" && platform != "teams" {
		t.Fatalf("validate: platform %q", platform)
	}
	validator(t) // skip before writing anything
	dir := t.TempDir()
	names := make([]string, 0, len(payloads))
	for name := range payloads {
		names = append(names, name)
	}
	sort.Strings(names)
	var args []string
	for _, name := range names {
		raw, err := json.MarshalIndent(payloads[name], "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--"+platform, path)
	}
	out, code := Run(t, args...)
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "FAIL "); ok {
			t.Error(p)
		}
	}
	if code != 0 {
		t.Errorf("validate.js exited %d:\n%s", code, out)
	}
}
