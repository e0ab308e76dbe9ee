package app

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
)

// TestMetricsOnTheirOwnListener: with WHOOWNS_METRICS_ADDR, /metrics and
// pprof are served there and not on the public listener.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	envCfg, err := ConfigFromEnv(envOf(map[string]string{"WHOOWNS_METRICS_ADDR": "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", envCfg.MetricsAddr)
	if err != nil {
		t.Fatal(err)
	}
	client, prefix := redistest.Client(t)
	w := newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), func(c *Config) {
		c.MetricsAddr, c.MetricsPprof, c.MetricsListener = envCfg.MetricsAddr, envCfg.MetricsPprof, ln
	})
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := testClient.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := get(w.base + path); code != http.StatusNotFound {
			t.Errorf("public listener serves %s: HTTP %d", path, code)
		}
	}
	if code, _ := get(w.base + "/healthz"); code != http.StatusOK {
		t.Errorf("public /healthz: HTTP %d", code)
	}

	// What the replica counts shows up on the metrics listener.
	w.post(w.say("q1", e2eCarol, "who writes the acceptance criteria?"))
	w.next("reply")
	ops := "http://" + ln.Addr().String()
	if code, body := get(ops + "/metrics"); code != http.StatusOK || !strings.Contains(body, `whoowns_questions_total{intent=`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics listener: HTTP %d\n%s", code, body)
	}
	if code, body := get(ops + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof on the metrics listener: HTTP %d", code)
	}
}

func TestMetricsAddrConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env   map[string]string
		pprof bool
	}{
		{map[string]string{"WHOOWNS_METRICS_ADDR": "127.0.0.1:9090"}, true},
		{map[string]string{"WHOOWNS_METRICS_ADDR": "[::1]:9090"}, true},
		{map[string]string{"WHOOWNS_METRICS_ADDR": ":9090"}, false},
		{map[string]string{"WHOOWNS_METRICS_ADDR": ":9090", "WHOOWNS_DEBUG_ALLOW_REMOTE": "1"}, true},
	}
	for _, c := range cases {
		cfg, err := ConfigFromEnv(envOf(c.env))
		if err != nil || cfg.MetricsAddr != c.env["WHOOWNS_METRICS_ADDR"] || cfg.MetricsPprof != c.pprof {
			t.Errorf("%v: addr %q pprof %v, %v", c.env, cfg.MetricsAddr, cfg.MetricsPprof, err)
		}
	}
	if cfg, err := ConfigFromEnv(envOf(nil)); err != nil || cfg.MetricsAddr != "" {
		t.Errorf("default metrics addr %q, %v", cfg.MetricsAddr, err)
	}
	for _, bad := range []map[string]string{
		{"WHOOWNS_METRICS_ADDR": "9090"},
		{"WHOOWNS_METRICS_ADDR": "127.0.0.1:99999"},
		{"WHOOWNS_METRICS_ADDR": ":8080"},
	} {
		if _, err := ConfigFromEnv(envOf(bad)); err == nil || !strings.Contains(err.Error(), "WHOOWNS_METRICS_ADDR") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
