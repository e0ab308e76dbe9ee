package app

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/whoowns/whoowns/internal/memstore"
)

// knownEnv lists every variable whoowns reads; the deploy files may set
// only these.
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range EnvVars {
		seen[v.Name] = true
	}
	record := func(k string) string {
		if !seen[k] {
			t.Errorf("ConfigFromEnv reads %s, which is not in EnvVars", k)
		}
		return ""
	}
	if _, err := ConfigFromEnv(record); err != nil {
		t.Fatal(err)
	}
	return seen
}

func TestDeployManifestsMatchTheCode(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "deploy")
	env := knownEnv(t)
	a, err := New(Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "k8s", "*.yaml"))
	files = append(files, filepath.Join(root, "docker-compose.yml"))
	if len(files) < 6 {
		t.Fatalf("deploy files missing: %v", files)
	}
	var sawDeployment bool
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if doc["kind"] == "Deployment" {
				sawDeployment = true
			}
			if doc["kind"] == "HorizontalPodAutoscaler" {
				spec := doc["spec"].(map[string]any)
				if spec["minReplicas"] != 3 {
					t.Errorf("%s: minReplicas = %v, want 3", f, spec["minReplicas"])
				}
			}
			if doc["kind"] == "ConfigMap" || doc["kind"] == "Secret" {
				for _, key := range []string{"data", "stringData"} {
					m, _ := doc[key].(map[string]any)
					for k := range m {
						if !env[k] {
							t.Errorf("%s sets %s, which whoowns does not read", f, k)
						}
					}
				}
			}
		}
		// Every probe path must be one the server answers with 200.
		for _, m := range regexp.MustCompile(`httpGet: {path: (/[a-z]+)`).FindAllStringSubmatch(string(data), -1) {
			if m[1] == "/metrics" {
				continue
			}
			rec := httptest.NewRecorder()
			a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", m[1], nil))
			if rec.Code != 200 {
				t.Errorf("%s probes %s, which answers %d", f, m[1], rec.Code)
			}
		}
	}
	if !sawDeployment {
		t.Error("no Deployment in deploy/k8s")
	}
	ex, _ := os.ReadFile(filepath.Join(root, "whoowns.env.example"))
	for _, line := range strings.Split(string(ex), "\n") {
		k, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "# "), "=")
		if ok && strings.ToUpper(k) == k && !strings.Contains(k, " ") && !env[k] {
			t.Errorf("whoowns.env.example sets %s, which whoowns does not read", k)
		}
	}
}
