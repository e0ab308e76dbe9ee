package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/app"
)

func TestBareCommandIsAUsageMistake(t *testing.T) {
	t.Parallel()
	code, out, errs := runCmd(t, nil, "")
	if code != 2 || out != "" || !strings.Contains(errs, "Usage: whoowns <command>") {
		t.Errorf("bare whoowns: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		if code, out, _ := runCmd(t, nil, "", args...); code != 0 || !strings.Contains(out, "Usage: whoowns <command>") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	if code, out, _ := runCmd(t, nil, "", "help", "ask"); code != 0 || !strings.Contains(out, "Usage: whoowns ask") {
		t.Errorf("help ask: exit %d\n%s", code, out)
	}
}

func TestUnknownFlagReportedOnce(t *testing.T) {
	t.Parallel()
	code, out, errs := runCmd(t, nil, "", "ask", "--nosuchflag", "who owns the roadmap?")
	if code != 2 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if n := strings.Count(errs, "nosuchflag"); n != 1 {
		t.Errorf("the unknown flag is named %d times:\n%s", n, errs)
	}
	if !strings.Contains(errs, "whoowns ask -h") || strings.Contains(errs, "Usage:") {
		t.Errorf("want one line that points at -h, got:\n%s", errs)
	}
}

func TestLoadReplicasFlag(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"0", "-1"} {
		code, _, errs := runCmd(t, nil, "", "load", "--replicas", n)
		if code != 2 || !strings.Contains(errs, "--replicas must be at least 1") {
			t.Errorf("--replicas %s: exit %d, %q", n, code, errs)
		}
	}
	code, out, _ := runCmd(t, nil, "", "load", "--help")
	if code != 0 || !strings.Contains(out, "-replicas int") || strings.Contains(out, "-replicas whoowns") {
		t.Errorf("load --help: exit %d\n%s", code, out)
	}
}

// TestServeHelpListsEveryVariable: a user of the container image has no
// README, so `serve --help` names every variable with its meaning.
func TestServeHelpListsEveryVariable(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd(t, nil, "", "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, v := range app.EnvVars {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == v.Name {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, v.Meaning) {
			t.Errorf("serve --help has no line for %s: %q", v.Name, line)
		}
	}
}

func TestJSONLogsShowReadableDurations(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := newLogger(&env{stderr: &buf, getenv: func(k string) string { return map[string]string{"WHOOWNS_LOG_FORMAT": "json"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	log.Info("shutting down", "timeout", 20*time.Second, slog.Group("g", "took", 1500*time.Microsecond))
	if s := buf.String(); !strings.Contains(s, `"timeout":"20s"`) || !strings.Contains(s, `"took":"1.5ms"`) {
		t.Errorf("durations not readable: %s", s)
	}
}

func TestAskGivenACommandSaysCommandsRunInChat(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"show checkout", "set po @x checkout", "set po jules checkout", "team frob checkout", "teams", "cover po @jules until friday"} {
		code, out, errs := runCmd(t, nil, "", "ask", q)
		if code != 2 || out != "" || !strings.Contains(errs, "commands run in chat") || !strings.Contains(errs, "/whoowns "+q) {
			t.Errorf("ask %q: exit %d\nstdout %q\nstderr %q", q, code, out, errs)
		}
	}
	for _, q := range []string{"show me who owns checkout", "who owns the roadmap for checkout?", "role of a product owner", "help", "ask who grooms the backlog?"} {
		if code, _, errs := runCmd(t, nil, "", "ask", q); code != 0 || strings.Contains(errs, "commands run in chat") {
			t.Errorf("ask %q is a question: exit %d %s", q, code, errs)
		}
	}
}

func TestAskWithoutRedisSaysItUsesTheSample(t *testing.T) {
	t.Parallel()
	code, out, errs := runCmd(t, nil, "", "ask", "--tenant", "slack:TNOPE", "who owns the roadmap for checkout?")
	if code != 0 || !strings.Contains(out, "Priya Shah") || !strings.Contains(errs, "sample teams, not from tenant slack:TNOPE") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	code, out, errs = runCmd(t, nil, "", "ask", "--json", "who owns the roadmap for checkout?")
	if code != 0 || !strings.HasPrefix(out, "{") || !strings.Contains(errs, "built-in sample teams") {
		t.Errorf("--json keeps stdout clean: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestTenantNamesAreChecked(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"ask", "--tenant", "slack:nope", "who owns the roadmap?"},
		{"export", "--tenant", "teams:contoso"},
		{"import", "--dry-run", "--tenant", "T0123", writeFile(t, "teams: [{name: A}]\n")},
		{"import", "--dry-run", writeFile(t, "tenant: Slack:T1\nteams: [{name: A}]\n")},
	} {
		if code, _, errs := runCmd(t, nil, "", args...); code == 0 || !strings.Contains(errs, "use slack:<team id>") {
			t.Errorf("%v: exit %d %s", args, code, errs)
		}
	}
	if code, _, errs := runCmd(t, map[string]string{"WHOOWNS_TENANT": "workspace"}, "", "export"); code != 2 || !strings.Contains(errs, `tenant "workspace"`) {
		t.Errorf("WHOOWNS_TENANT=workspace: exit %d %s", code, errs)
	}
}

func TestImportRefusesSeveralDocuments(t *testing.T) {
	t.Parallel()
	f := writeFile(t, "teams:\n  - name: A\n---\nteams:\n  - name: B\n")
	if code, _, errs := runCmd(t, nil, "", "import", "--dry-run", f); code != 1 || !strings.Contains(errs, "more than one YAML document") {
		t.Errorf("exit %d %s", code, errs)
	}
}

func TestImportDropsEndedCoversAndAcceptsNoTeams(t *testing.T) {
	t.Parallel()
	f := writeFile(t, "teams:\n  - name: A\n    covers:\n      - {role: po, person: {id: U2}, until: 2020-01-01T00:00:00Z}\n")
	code, out, errs := runCmd(t, nil, "", "import", "--dry-run", f)
	if code != 0 || !strings.Contains(out, "is valid") || !strings.Contains(errs, "note: ") || !strings.Contains(errs, ":4: A: the product_owner cover by U2 ended at 2020-01-01T00:00:00Z; it is not imported") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCmd(t, nil, "", "import", "--dry-run", writeFile(t, "tenant: slack:T1\nteams: []\n"))
	if code != 0 || !strings.Contains(out, "0 teams") || !strings.Contains(errs, "removes every team of tenant slack:T1") {
		t.Errorf("teams: []: exit %d\n%s\n%s", code, out, errs)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHealthChecksARunningServe(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			http.Error(w, "not ready: the ownership store is unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if code, out, errs := runCmd(t, nil, "", "health", "--addr", addr); code != 0 || out != "/healthz: ok\n" {
		t.Errorf("health: %d %q %q", code, out, errs)
	}
	if code, _, errs := runCmd(t, nil, "", "health", "--ready", "--addr", addr); code != 1 || !strings.Contains(errs, "503") {
		t.Errorf("health --ready: %d %q", code, errs)
	}
	_, port, _ := strings.Cut(addr, ":")
	if code, _, errs := runCmd(t, map[string]string{"WHOOWNS_ADDR": ":" + port}, "", "health"); code != 0 {
		t.Errorf("health from WHOOWNS_ADDR: %d %q", code, errs)
	}
}

// TestAskSaysKeptOnlyWhenKept: the command line keeps a question for the
// leads only when it names the asker (--user).
func TestAskSaysKeptOnlyWhenKept(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd(t, nil, "", "ask", "who waters the office plants?")
	if code != 0 || !strings.Contains(out, "I don't know") || strings.Contains(out, "kept") {
		t.Errorf("without --user: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, nil, "", "ask", "--user", "U03JULES", "who waters the office plants?")
	if code != 0 || !strings.Contains(out, "I've kept the question for the leads") {
		t.Errorf("with --user: exit %d\n%s", code, out)
	}
}
