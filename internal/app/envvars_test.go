package app

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// envName is how whoowns's variables are spelled.
var envName = regexp.MustCompile(`\b(?:WHOOWNS|SLACK|TEAMS|REDIS)_[A-Z0-9_]*[A-Z0-9]\b`)

// TestEveryVariableTheCodeNamesIsInEnvVars scans every string literal of the
// module's non-test Go code: a variable the code reads (or names in a
// message) must be in EnvVars, which `serve --help` prints, and in the
// README's configuration table.
func TestEveryVariableTheCodeNamesIsInEnvVars(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, v := range EnvVars {
		if known[v.Name] {
			t.Errorf("EnvVars lists %s twice", v.Name)
		}
		known[v.Name] = true
		if strings.TrimSpace(v.Meaning) == "" || strings.Contains(v.Meaning, "\n") {
			t.Errorf("%s needs a one-line meaning", v.Name)
		}
	}
	root := filepath.Join("..", "..")
	found := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Other Go modules (deploy/test) and hidden directories are not the binary.
			if path != root && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(path, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			if u, err := strconv.Unquote(lit); err == nil {
				lit = u
			}
			for _, name := range envName.FindAllString(lit, -1) {
				if _, ok := found[name]; !ok {
					found[name] = fset.Position(pos).String()
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"WHOOWNS_ADDR", "REDIS_URL", "SLACK_BOT_TOKEN", "TEAMS_APP_ID", "WHOOWNS_LOG_LEVEL", "WHOOWNS_TENANT"} {
		if found[must] == "" {
			t.Errorf("the scan did not find %s in the code: is it still looking at the right files?", must)
		}
	}
	for name, where := range found {
		if !known[name] {
			t.Errorf("%s: the code names %s, which is not in app.EnvVars (internal/app/config.go): add it with a one-line meaning", where, name)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range EnvVars {
		if !strings.Contains(string(readme), "`"+v.Name+"`") {
			t.Errorf("README.md does not document %s", v.Name)
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
