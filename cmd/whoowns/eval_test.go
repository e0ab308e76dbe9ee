package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.jsonl")
	data := `{"text": "who writes the acceptance criteria?", "intent": "acceptance_criteria", "role": "product_owner", "style": "plain"}

{"text": "who owns the roadmap", "intent": "roadmap", "role": "product_manager", "style": "plain"}
{"text": "who is on call tonight?", "intent": "none", "role": "none", "style": "oos"}
{"text": "who owns the roadmap", "intent": "backlog", "role": "product_owner", "style": "oos"}
`
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, nil, "", "eval", "--json", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		N          int     `json:"n"`
		IntentOK   int     `json:"intent_ok"`
		Accuracy   float64 `json:"accuracy"`
		RoleOK     int     `json:"role_ok"`
		NoneWant   int     `json:"none_want"`
		NoneOK     int     `json:"none_ok"`
		NoneRecall float64 `json:"none_recall"`
		Styles     []struct {
			Style string `json:"style"`
			N     int    `json:"n"`
		} `json:"styles"`
		Confusions []struct {
			Want, Got string
			Count     int
		} `json:"confusions"`
		Misses []struct {
			Text string `json:"text"`
			Got  string `json:"got"`
		} `json:"misses"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.N != 4 || r.IntentOK != 3 || r.Accuracy != 0.75 || r.RoleOK != 3 || r.NoneWant != 1 || r.NoneOK != 1 || r.NoneRecall != 1 {
		t.Errorf("tally %+v", r)
	}
	if len(r.Styles) != 2 || r.Styles[0].Style != "oos" || r.Styles[0].N != 2 || r.Styles[1].N != 2 {
		t.Errorf("styles %+v", r.Styles)
	}
	if len(r.Confusions) != 1 || r.Confusions[0].Want != "backlog" || r.Confusions[0].Got != "roadmap" || r.Confusions[0].Count != 1 {
		t.Errorf("confusions %+v", r.Confusions)
	}
	if len(r.Misses) != 1 || r.Misses[0].Got != "roadmap" {
		t.Errorf("misses %+v", r.Misses)
	}
	code, out, _ = runCmd(t, nil, "", "eval", "--misses", p)
	for _, want := range []string{"intent                  3/4 75.0%", "out of scope recall     1/1 100.0%", "By style:", "backlog", "→ roadmap", "Misses:"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("text report lacks %q (exit %d):\n%s", want, code, out)
		}
	}
}

func TestEvalBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"text\": \"who owns the roadmap\", \"intent\": \"roadmap\"}\nnot json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noIntent := filepath.Join(dir, "nointent.jsonl")
	if err := os.WriteFile(noIntent, []byte("{\"text\": \"who owns the roadmap\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, []byte("\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"eval"}, 2, "needs one labelled file"},
		{[]string{"eval", "a", "b"}, 2, "needs one labelled file"},
		{[]string{"eval", filepath.Join(dir, "missing.jsonl")}, 1, "no such file"},
		{[]string{"eval", bad}, 1, "line 2"},
		{[]string{"eval", noIntent}, 1, `line 1: no "intent"`},
		{[]string{"eval", empty}, 1, "no labelled questions"},
	} {
		code, out, errs := runCmd(t, nil, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.msg)
		}
	}
}
