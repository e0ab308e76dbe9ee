package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenFilesValidate: every Slack message, App Home and modal golden
// type-checks against @slack/types and keeps Block Kit's limits; every
// Teams card golden parses and validates with adaptivecards, at a version
// Teams renders.
func TestGoldenFilesValidate(t *testing.T) {
	t.Parallel()
	// The golden files are read by node; reading them here makes go test's
	// cache run this again when one changes.
	readAll(t, filepath.Join(Root(t), "internal", "*", "testdata", "*.golden.json"))
	out, code := Run(t, "--root", Root(t))
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
		files, _ := filepath.Glob(filepath.Join(Root(t), "internal", dir, "testdata", "*.golden.json"))
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
	td := filepath.Join(Root(t), "scripts", "validate", "testdata")
	readAll(t, filepath.Join(td, "*.json"))
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
		{"--slack", "bad_suggestion.json", []string{
			`Type '"mrkdwn"' is not assignable to type '"plain_text"'`,
		}},
		{"--slack", "bad_submission_errors.json", []string{
			`error for "x" is empty`,
		}},
		{"--teams", "bad_mentions.json", []string{
			"<at>Ann</at> has no mention entity",
			`mention entity "<at>Bob</at>" is not in the card's text`,
		}},
		{"--teams", "bad_invoke_response.json", []string{
			`unknown element type "TextBlok"`,
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
	out, code := Run(t, args...)
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	for _, tc := range cases {
		var mine []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "FAIL "+filepath.Base(tc.file)) {
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
