package deploy_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// This module renders the Helm chart the way Helm does (text/template with
// sprig and Helm's include, required, toYaml and tpl), without Helm's
// dependency tree, so that its tests stay quick on a small CI machine.
// `make chart` also runs `helm lint` and `helm template` when helm is
// installed.

const chartDir = "helm/whoowns"

type chart struct {
	Name, Version, AppVersion string
}

// renderChart renders every template of the chart with the chart's values
// overlaid by set (a nested map, like --values), and returns the output
// per template file.
func renderChart(t *testing.T, release string, set map[string]any) (map[string]string, error) {
	t.Helper()
	var meta chart
	readYAML(t, filepath.Join(chartDir, "Chart.yaml"), &meta, false)
	var values map[string]any
	readYAML(t, filepath.Join(chartDir, "values.yaml"), &values, false)
	values = merge(values, set)

	tpl := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["include"] = func(name string, data any) (string, error) {
		var b strings.Builder
		err := tpl.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	funcs["tpl"] = func(text string, data any) (string, error) {
		t2, err := tpl.Clone()
		if err != nil {
			return "", err
		}
		t2, err = t2.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		err = t2.Execute(&b, data)
		return b.String(), err
	}
	funcs["required"] = func(msg string, v any) (any, error) {
		if v == nil || v == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["toYaml"] = func(v any) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	tpl.Funcs(funcs)

	files, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	base := meta.Name + "/templates"
	var names []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := base + "/" + filepath.Base(f)
		if _, err := tpl.New(name).Parse(string(src)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		names = append(names, name)
	}
	out := map[string]string{}
	for _, name := range names {
		file := filepath.Base(name)
		if strings.HasPrefix(file, "_") || !strings.HasSuffix(file, ".yaml") {
			continue
		}
		top := map[string]any{
			"Values":   values,
			"Release":  map[string]any{"Name": release, "Namespace": "whoowns", "Service": "Helm", "IsInstall": true},
			"Chart":    map[string]any{"Name": meta.Name, "Version": meta.Version, "AppVersion": meta.AppVersion},
			"Template": map[string]any{"Name": name, "BasePath": base},
		}
		var b strings.Builder
		if err := tpl.ExecuteTemplate(&b, name, top); err != nil {
			return nil, err
		}
		out[file] = strings.ReplaceAll(b.String(), "<no value>", "")
	}
	return out, nil
}

// merge overlays b on a, recursively for maps.
func merge(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = merge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func readYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		err = yaml.UnmarshalStrict(data, v)
	} else {
		err = yaml.Unmarshal(data, v)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// splitDocs splits a YAML stream into its non-empty documents.
func splitDocs(s string) []string {
	var docs []string
	for _, d := range strings.Split("\n"+s, "\n---") {
		lines := strings.Split(d, "\n")
		keep := false
		for _, l := range lines {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				keep = true
			}
		}
		if keep {
			docs = append(docs, strings.TrimPrefix(d, "\n"))
		}
	}
	return docs
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
