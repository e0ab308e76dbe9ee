package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redistest"
)

// forgetTenants removes, when the test ends, what the command line wrote
// for tenants under the default key prefix of a shared Redis: their keys,
// their place in the tenant index and their scheduled jobs, so that runs
// do not pile up in the server's database (and in whoowns tenants).
func forgetTenants(t *testing.T, url string, tenants ...string) {
	t.Cleanup(func() {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return
		}
		c := redis.NewClient(opt)
		defer c.Close()
		ctx := context.Background()
		due, lease := "whoowns:{sched}:due", "whoowns:{sched}:lease"
		jobs, _ := c.ZRange(ctx, due, 0, -1).Result()
		for _, tn := range tenants {
			keys, _ := c.Keys(ctx, "whoowns:{"+tn+"}*").Result()
			if len(keys) > 0 {
				c.Del(ctx, keys...)
			}
			c.SRem(ctx, "whoowns:tenants", tn)
			for _, id := range jobs {
				if j, ok := ownership.ParseJobID(id); ok && string(j.Tenant) == tn {
					c.ZRem(ctx, due, id)
					c.HDel(ctx, lease, id)
				}
			}
		}
	})
}

// runCmd runs whoowns in-process with the given environment and stdin.
func runCmd(t *testing.T, envv map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return envv[k] }}
	// No deadline of its own: a command builds the matcher before it
	// reaches Redis, which under the race detector on a loaded machine
	// can take longer than any fixed budget; go test's -timeout stops a
	// command that hangs.
	code = run(t.Context(), e, args)
	return code, out.String(), errb.String()
}

func TestAskFromSampleTeams(t *testing.T) {
	t.Parallel()
	code, out, errs := runCmd(t, nil, "", "ask", "who writes the acceptance criteria for checkout?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Marco Rossi", "Product Owner", "Checkout", "Why:", "Counterpart: @Priya Shah is the Product Manager"} {
		if !strings.Contains(out, want) {
			t.Errorf("answer lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd(t, nil, "", "ask", "--json", "--user", "U03JULES", "who grooms the backlog?")
	var a struct {
		Kind   string `json:"kind"`
		Intent string `json:"intent"`
		Holder struct {
			Person struct{ ID string } `json:"person"`
		} `json:"holder"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.Intent != "backlog" || a.Holder.Person.ID != "U02MARCO" {
		t.Fatalf("ask --json: exit %d %+v\n%s", code, a, out)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"ask"}, {"frobnicate"}, {"classify", "extra"}, {"ask", "--nosuchflag", "q"}, {"import"}, {"export", "x"},
		{"load", "--replicas", "1", "--warmup", "1500ms"}, {"load", "--replicas", "1", "--warmup", "-1s"}, {"load", "--rate", "0"}} {
		code, _, errs := runCmd(t, nil, "", args...)
		if code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if code, out, _ := runCmd(t, nil, "", "help"); code != 0 || !strings.Contains(out, "classify") {
		t.Errorf("help: %d %s", code, out)
	}
}

func TestClassifyJSON(t *testing.T) {
	t.Parallel()
	in := "who writes the acceptance criteria?\nwho owns the roadmap\n\nwho is on call tonight?\n<@U1> hi\n"
	code, out, errs := runCmd(t, nil, in, "classify", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want one line per input line, got %d:\n%s", len(lines), out)
	}
	want := []struct{ intent, role string }{{"acceptance_criteria", "product_owner"}, {"roadmap", "product_manager"}, {"none", "none"}, {"none", "none"}, {"help", "info"}}
	for i, l := range lines {
		var c struct {
			Text       string   `json:"text"`
			Intent     string   `json:"intent"`
			Role       string   `json:"role"`
			Score      *float64 `json:"score"`
			Confidence string   `json:"confidence"`
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("line %d not JSON: %v", i, err)
		}
		if c.Intent != want[i].intent || c.Role != want[i].role || c.Score == nil || *c.Score < 0 || *c.Score > 1 {
			t.Errorf("line %d = %+v, want %+v", i, c, want[i])
		}
		switch {
		case c.Intent == "none" && c.Confidence != "low", c.Intent != "none" && c.Confidence != "high" && c.Confidence != "medium":
			t.Errorf("line %d: intent %s with confidence %q", i, c.Intent, c.Confidence)
		}
	}
	// an empty line is no question: none with score 0
	if !strings.Contains(lines[2], `"score":0,`) {
		t.Errorf("empty line: %s", lines[2])
	}
}

func TestIntentsListing(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd(t, nil, "", "intents", "--json")
	var list []struct {
		ID      string   `json:"id"`
		Role    string   `json:"role"`
		Phrases []string `json:"phrases"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("intents --json: exit %d\n%s", code, out)
	}
	if len(list) != 27 {
		t.Errorf("%d intents, want the 27 of the catalogue", len(list))
	}
	for _, in := range list {
		if in.ID != "none" && len(in.Phrases) < 25 {
			t.Errorf("%s has %d phrases", in.ID, len(in.Phrases))
		}
	}
	code, out, _ = runCmd(t, nil, "", "intents")
	if code != 0 || !strings.Contains(out, "acceptance_criteria") || !strings.Contains(out, "product_owner") {
		t.Errorf("intents: %d\n%s", code, out)
	}
}

func TestImportAskExportAgainstRedis(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	// The command line writes under the default key prefix, so the tenant is
	// new on every run and its keys are removed afterwards.
	tenant := fmt.Sprintf("slack:TIMPORT%d", time.Now().UnixNano())
	envv := map[string]string{"REDIS_URL": url, "WHOOWNS_TENANT": tenant}
	forgetTenants(t, url, tenant)
	dir := t.TempDir()
	file := filepath.Join(dir, "teams.yaml")
	data := `teams:
  - name: Billing
    roles:
      pm: {id: UBP, name: Bea}
      po: {id: UBO, name: Ole}
    channels: [{id: CBILL, name: billing}]
    routes: {pricing: po}
intents:
  - {id: pricing, role: pm, why: Pricing is a market decision.}
phrases:
  - {phrase: who sets the price of the plans, intent: pricing}
`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, envv, "", "import", file)
	if code != 0 || !strings.Contains(out, "Imported 1 teams") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCmd(t, envv, "", "ask", "--channel", "CBILL", "who writes user stories?")
	if code != 0 || !strings.Contains(out, "Ole") {
		t.Fatalf("ask from Redis: %d\n%s", code, out)
	}
	// A bad file changes nothing and names every problem with its line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("teams:\n  - name: Billing\n    roles:\n      cto: {id: U1}\n  - name: Other\n    channels: [{id: CBILL}, {id: CBILL}]\n"), 0o600)
	code, _, errs = runCmd(t, envv, "", "import", bad)
	if code != 1 || !strings.Contains(errs, "bad.yaml:4:") || !strings.Contains(errs, "bad.yaml:6:") || !strings.Contains(errs, "nothing was changed") {
		t.Fatalf("bad import: exit %d\n%s", code, errs)
	}
	code, out, _ = runCmd(t, envv, "", "export")
	if code != 0 || !strings.Contains(out, "name: Billing") || !strings.Contains(out, "id: UBO") || strings.Contains(out, "Other") ||
		!strings.Contains(out, "id: pricing") || !strings.Contains(out, "who sets the price of the plans") {
		t.Fatalf("export after failed import: %d\n%s", code, out)
	}
	// The export imports again unchanged.
	again := filepath.Join(dir, "again.yaml")
	os.WriteFile(again, []byte(out), 0o600)
	if code, _, errs := runCmd(t, envv, "", "import", again); code != 0 {
		t.Fatalf("re-import of export: %s", errs)
	}
	if code, out2, _ := runCmd(t, envv, "", "export"); code != 0 || out2 != out {
		t.Errorf("export changed after re-import:\n%s\n---\n%s", out, out2)
	}
	// The taught phrase and the team's route to the custom intent work.
	code, out, _ = runCmd(t, envv, "", "ask", "--channel", "CBILL", "who sets the price of the plans?")
	if code != 0 || !strings.Contains(out, "Ole") {
		t.Errorf("custom intent routed to the PO: %d\n%s", code, out)
	}
}

func TestImportNeedsRedisButDryRunDoesNot(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "t.yaml")
	os.WriteFile(file, []byte("teams:\n  - name: A\n"), 0o600)
	if code, _, errs := runCmd(t, nil, "", "import", file); code != 2 || !strings.Contains(errs, "REDIS_URL is not set") {
		t.Errorf("import without Redis: %d %s", code, errs)
	}
	if code, out, _ := runCmd(t, nil, "", "import", "--dry-run", file); code != 0 || !strings.Contains(out, "is valid") {
		t.Errorf("dry run: %d %s", code, out)
	}
}

func TestUnreachableRedisFailsClearlyAndQuickly(t *testing.T) {
	t.Parallel()
	code, _, errs := runCmd(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, "", "ask", "who owns the roadmap?")
	if code != 1 || !strings.Contains(errs, "unavailable") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}
