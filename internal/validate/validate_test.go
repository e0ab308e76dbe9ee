package validate

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// root is the repository's root directory.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// validator returns the node binary and the script, or skips the test when
// Node or the script's packages are missing, unless CI (or
// WHOOWNS_VALIDATE=1, which .ci/run sets after npm ci) says they must be
// there.
func validator(t *testing.T) (node, script string) {
	t.Helper()
	dir := filepath.Join(root(t), "scripts", "validate")
	required := os.Getenv("CI") != "" || os.Getenv("WHOOWNS_VALIDATE") == "1"
	missing := func(what string) {
		msg := what + "; run `make validate` (or `cd scripts/validate && npm ci`) to check the golden files against @slack/types and adaptivecards"
		if required {
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
	return node, filepath.Join(dir, "validate.js")
}

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	node, script := validator(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out.String())
	}
	return out.String(), code
}

// TestGoldenFilesValidate: every Slack message, App Home and modal golden
// type-checks against @slack/types and keeps Block Kit's limits; every
// Teams card golden parses and validates with adaptivecards, at a version
// Teams renders.
func TestGoldenFilesValidate(t *testing.T) {
	t.Parallel()
	out, code := run(t, "--root", root(t))
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "FAIL ") {
			t.Error(strings.TrimPrefix(line, "FAIL "))
		}
	}
	if code != 0 {
		t.Errorf("validate.js exited %d:\n%s", code, out)
	}
	// Every golden file was read: the summary counts them.
	for _, dir := range []string{"slack", "teams"} {
		files, _ := filepath.Glob(filepath.Join(root(t), "internal", dir, "testdata", "*.golden.json"))
		if len(files) == 0 {
			t.Errorf("no %s golden files", dir)
		}
	}
	t.Log(strings.TrimSpace(out))
}

// TestValidatorRejects: payloads Slack or Teams would reject fail, each
// for its own reason, so a passing TestGoldenFilesValidate means something.
func TestValidatorRejects(t *testing.T) {
	t.Parallel()
	td := filepath.Join(root(t), "scripts", "validate", "testdata")
	cases := []struct {
		flag, file string
		want       []string
	}{
		{"--slack", "bad_modal.json", []string{
			`Type '"sectoin"' is not assignable`,
			"title: text of 29 characters > 24",
			"a modal with input blocks needs a submit button",
			"initial_value of 200 characters > max_length 150",
		}},
		{"--slack", "bad_message.json", []string{
			`Type '"mrkdwn"' is not assignable to type '"plain_text"'`,
			"11 fields > 10",
			"26 elements; an actions block takes 1 to 25",
			`block_id "dup" repeats`,
		}},
		{"--slack", "bad_button.json", []string{
			`'"colour"' does not exist in type 'Button'`,
		}},
		{"--slack", "home_bad.json", []string{
			"header) text: text of 151 characters > 150",
			"6 options; an overflow menu takes 1 to 5",
		}},
		{"--teams", "bad_card.json", []string{
			"version 1.6 is above 1.5",
			`Unknown element type "TextBlok"`,
			`property "colour" is unknown to TextBlock`,
			"Required inputs should have an error message",
			`Input.ChoiceSet "pick": An Input.ChoiceSet must have at least one choice defined`,
			`Duplicate Id "name"`,
			`data is "go"`,
		}},
		{"--teams", "bad_card_version.json", []string{
			"Table needs Adaptive Cards 1.5, the card declares 1.4",
			"style needs Adaptive Cards 1.5, the card declares 1.4",
		}},
	}
	// A card over Teams' recommended message size, written here rather
	// than kept in the repository.
	big := filepath.Join(t.TempDir(), "big_card.json")
	card := `{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","wrap":true,"text":"` + strings.Repeat("x", 42000) + `"}]}`
	if err := os.WriteFile(big, []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		flag, file string
		want       []string
	}{"--teams", big, []string{"bytes in UTF-16; Teams recommends a message within 81920"}})
	var args []string
	for _, tc := range cases {
		file := tc.file
		if !filepath.IsAbs(file) {
			file = filepath.Join(td, file)
		}
		args = append(args, tc.flag, file)
	}
	// One run for all: tsc type-checks the Slack files in one program.
	out, code := run(t, args...)
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	for _, tc := range cases {
		var mine []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "FAIL "+filepath.Base(tc.file)+":") {
				mine = append(mine, line)
			}
		}
		got := strings.Join(mine, "\n")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: no %q in\n%s", tc.file, w, got)
			}
		}
	}
}
