package intent

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/whoowns/whoowns/internal/ownership"
)

type evalLine struct {
	Text   string         `json:"text"`
	Intent string         `json:"intent"`
	Role   ownership.Role `json:"role"`
}

func readEval(t *testing.T, path string) []evalLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []evalLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l evalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findDevSet locates shared/eval/dev.jsonl: $WHOOWNS_EVAL_DIR, else a
// shared/eval directory in this package's directory or any parent, or next
// to one of them (the shared folder sits beside the repository checkout).
func findDevSet() string {
	if d := os.Getenv("WHOOWNS_EVAL_DIR"); d != "" {
		p := filepath.Join(d, "dev.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "eval", "dev.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

type evalScore struct {
	n, intentOK, roleOK, none, noneOK, noneLeak int
}

func runEval(t *testing.T, c *Catalogue, lines []evalLine) evalScore {
	t.Helper()
	var s evalScore
	for _, l := range lines {
		r := c.Match(l.Text)
		s.n++
		if r.Intent == l.Intent {
			s.intentOK++
		}
		if r.Role == l.Role {
			s.roleOK++
		}
		if l.Intent == NoneID {
			s.none++
			if r.Intent == NoneID {
				s.noneOK++
			} else {
				s.noneLeak++
			}
		}
		if r.Intent != l.Intent || r.Role != l.Role {
			t.Logf("miss: %q: want %s/%s, got %s/%s (%.2f) alts=%v", l.Text, l.Intent, l.Role, r.Intent, r.Role, r.Score, r.Alternatives)
		}
	}
	t.Logf("intent %d/%d (%.1f%%), role %d/%d (%.1f%%), out-of-scope → none %d/%d",
		s.intentOK, s.n, pct(s.intentOK, s.n), s.roleOK, s.n, pct(s.roleOK, s.n), s.noneOK, s.none)
	return s
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// TestDevSet measures the matcher on the shared labelled questions. It is a
// measuring stick, never training data: none of its lines are in intents/.
func TestDevSet(t *testing.T) {
	p := findDevSet()
	if p == "" {
		t.Skip("shared/eval/dev.jsonl not found (set WHOOWNS_EVAL_DIR to its directory)")
	}
	c := mustDefault(t)
	s := runEval(t, c, readEval(t, p))
	if pct(s.intentOK, s.n) < 97 {
		t.Errorf("intent accuracy %.1f%% is below 97%%", pct(s.intentOK, s.n))
	}
	if s.noneLeak > 0 {
		t.Errorf("%d out-of-scope questions got a real intent", s.noneLeak)
	}
}

// TestHeldOut checks generalisation on questions written apart from the
// training phrases and the dev set, in other words, with typos and
// out-of-scope questions.
func TestHeldOut(t *testing.T) {
	c := mustDefault(t)
	s := runEval(t, c, readEval(t, filepath.Join("testdata", "heldout.jsonl")))
	if pct(s.intentOK, s.n) < 95 {
		t.Errorf("intent accuracy %.1f%% is below 95%%", pct(s.intentOK, s.n))
	}
	if pct(s.noneOK, s.none) < 90 {
		t.Errorf("only %d of %d out-of-scope questions went to none", s.noneOK, s.none)
	}
}

// TestHeldOut2 is a second, independently written held-out set: chat-style
// wording (lowercase, no question marks, typos, abbreviations, @mentions and
// #channels), boundary cases from the contract's "not this" column and a
// wide spread of out-of-scope questions (on-call, deploys, code and infra
// ownership, IT, HR, facilities, architecture, security, legal, chit-chat).
func TestHeldOut2(t *testing.T) {
	c := mustDefault(t)
	s := runEval(t, c, readEval(t, filepath.Join("testdata", "heldout2.jsonl")))
	if pct(s.intentOK, s.n) < 95 {
		t.Errorf("intent accuracy %.1f%% is below 95%%", pct(s.intentOK, s.n))
	}
	if pct(s.noneOK, s.none) < 90 {
		t.Errorf("only %d of %d out-of-scope questions went to none", s.noneOK, s.none)
	}
}

// TestHeldOut3And4 are two more sets written apart from the catalogue, by
// someone who never saw its phrases, each 300 lines in the styles people
// really write: situations that never name the topic (30 %), questions as
// posted on Q&A sites and forums (20 %), long messages, chat shorthand,
// hard out-of-scope work questions and a few plain ones. heldout4 uses
// other product areas and names than heldout3 and was never used to tune
// the matcher.
// TestHeldOut3To5 holds the three sets written by someone who saw only
// intents.md and the articles, never the catalogue. heldout5.jsonl (situations
// on product areas far from the catalogue's, long messages, chat, forum
// questions, hard out-of-scope) was written last and measured once the
// catalogue of this commit was done.
func TestHeldOut3To5(t *testing.T) {
	c := mustDefault(t)
	for _, f := range []string{"heldout3.jsonl", "heldout4.jsonl", "heldout5.jsonl"} {
		s := runEval(t, c, readEval(t, filepath.Join("testdata", f)))
		if pct(s.intentOK, s.n) < 92 {
			t.Errorf("%s: intent accuracy %.1f%% is below 92%%", f, pct(s.intentOK, s.n))
		}
		if pct(s.noneOK, s.none) < 90 {
			t.Errorf("%s: only %d of %d out-of-scope questions went to none", f, s.noneOK, s.none)
		}
	}
}

func mustDefault(t testing.TB) *Catalogue {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScoreDistribution(t *testing.T) {
	if os.Getenv("DIST") == "" {
		t.Skip()
	}
	c := mustDefault(t)
	lines := readEval(t, filepath.Join("testdata", "heldout.jsonl"))
	lines = append(lines, readEval(t, filepath.Join("testdata", "heldout2.jsonl"))...)
	if p := findDevSet(); p != "" {
		lines = append(lines, readEval(t, p)...)
	}
	for _, l := range lines {
		r := c.Match(l.Text)
		best := r.Score
		if r.Intent == NoneID && len(r.Alternatives) > 0 {
			best = r.Alternatives[0].Score
		}
		mark := "ok"
		if r.Intent != l.Intent {
			mark = "XX"
		}
		noneScore := float32(-1)
		if c.m.none >= 0 {
			s := c.m.pool.Get().(*scratch)
			noneScore = s.intent[c.m.none] // scores of the last Match on this scratch
			c.m.pool.Put(s)
		}
		t.Logf("%s %-22s best=%.2f none=%.2f tie=%v %s %q", mark, l.Intent, best, noneScore, r.NearTie, r.Intent, l.Text)
	}
}

func readLabelledFile(t *testing.T, path string) []Labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ls, err := ReadLabelled(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ls
}

// TestDevSet2 measures the matcher on shared/eval/dev2.jsonl: situations
// told without naming the topic, long messages, chat shorthand and hard
// out-of-scope questions. Like dev.jsonl it is never training data. The
// floors sit a little under what the matcher reaches today (89% intent,
// 97% out-of-scope precision and recall), so a change that loses ground
// fails; the target is 93% intent.
func TestDevSet2(t *testing.T) {
	p := findDevSet()
	if p == "" {
		t.Skip("shared/eval/dev2.jsonl not found (set WHOOWNS_EVAL_DIR to its directory)")
	}
	p = filepath.Join(filepath.Dir(p), "dev2.jsonl")
	if _, err := os.Stat(p); err != nil {
		t.Skip("shared/eval/dev2.jsonl not found")
	}
	rep := mustDefault(t).Evaluate(readLabelledFile(t, p))
	for _, s := range rep.Styles {
		t.Logf("%-10s %d/%d", s.Style, s.IntentOK, s.N)
	}
	t.Logf("intent %.1f%%, out of scope precision %.1f%% recall %.1f%%", 100*rep.Accuracy(), 100*rep.NonePrecision(), 100*rep.NoneRecall())
	if rep.Accuracy() < 0.93 {
		t.Errorf("intent accuracy %.1f%% is below 93%%", 100*rep.Accuracy())
	}
	if rep.NonePrecision() < 0.9 || rep.NoneRecall() < 0.9 {
		t.Errorf("out of scope precision %.1f%% (want ≥ 90%%), recall %.1f%% (want ≥ 90%%)", 100*rep.NonePrecision(), 100*rep.NoneRecall())
	}
}

// TestCalibration: among the answers given without asking (high
// confidence), at least 97% are right, on every labelled set at hand; a
// medium answer is one the bot confirms, and none says "I don't know".
func TestCalibration(t *testing.T) {
	c := mustDefault(t)
	files := []string{filepath.Join("testdata", "heldout.jsonl"), filepath.Join("testdata", "heldout2.jsonl")}
	if p := findDevSet(); p != "" {
		files = append(files, p)
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "dev2.jsonl")); err == nil {
			files = append(files, filepath.Join(filepath.Dir(p), "dev2.jsonl"))
		}
	}
	for _, f := range files {
		rep := c.Evaluate(readLabelledFile(t, f))
		t.Logf("%s: high %d/%d right, medium %d/%d right", filepath.Base(f), rep.AnsweredOK, rep.Answered, rep.ConfirmedOK, rep.Confirmed)
		if rep.AnsweredPrecision() < 0.97 {
			t.Errorf("%s: only %.1f%% of high-confidence answers are right", f, 100*rep.AnsweredPrecision())
		}
		for _, m := range rep.Misses {
			if (m.Got == NoneID) != (m.Confidence == ConfidenceLow) {
				t.Errorf("%q: %s with confidence %s", m.Text, m.Got, m.Confidence)
			}
		}
	}
}
