package main

import (
	"bytes"
	"log/slog"
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
