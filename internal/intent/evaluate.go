package intent

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/whoowns/whoowns/internal/ownership"
)

// Labelled is one labelled question, as in shared/eval/*.jsonl:
// {"text": …, "intent": …, "role": …, "style": …}. Role and Style are
// optional.
type Labelled struct {
	Text   string         `json:"text"`
	Intent string         `json:"intent"`
	Role   ownership.Role `json:"role,omitempty"`
	Style  string         `json:"style,omitempty"`
}

// ReadLabelled reads JSON lines of labelled questions. Blank lines are
// skipped; a line that is not a JSON object with a text and an intent is an
// error naming the line.
func ReadLabelled(r io.Reader) ([]Labelled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Labelled
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l Labelled
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if l.Intent == "" {
			return nil, fmt.Errorf("line %d: no \"intent\"", n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Tally counts the outcome of matching a set of labelled questions.
type Tally struct {
	N        int `json:"n"`
	IntentOK int `json:"intent_ok"`
	// RoleN counts the questions with a role label, RoleOK those answered
	// with that role.
	RoleN  int `json:"role_n"`
	RoleOK int `json:"role_ok"`
	// Out of scope: NoneWant questions are labelled none, NoneGot were
	// answered none, NoneOK both.
	NoneWant int `json:"none_want"`
	NoneGot  int `json:"none_got"`
	NoneOK   int `json:"none_ok"`
	// Answered counts the questions answered without asking (high
	// confidence), AnsweredOK those of them that were right.
	Answered   int `json:"answered"`
	AnsweredOK int `json:"answered_ok"`
	// Confirmed counts the questions answered with a confirmation (medium
	// confidence), ConfirmedOK those of them that were right.
	Confirmed   int `json:"confirmed"`
	ConfirmedOK int `json:"confirmed_ok"`
}

// Accuracy is the share of questions matched to their labelled intent.
func (t Tally) Accuracy() float64 { return ratio(t.IntentOK, t.N) }

// RoleAccuracy is the share of role-labelled questions given their role.
func (t Tally) RoleAccuracy() float64 { return ratio(t.RoleOK, t.RoleN) }

// NonePrecision is the share of "I don't know" answers that were out of
// scope indeed (1 when the matcher never said it).
func (t Tally) NonePrecision() float64 { return ratio(t.NoneOK, t.NoneGot) }

// NoneRecall is the share of out-of-scope questions answered "I don't know"
// (1 when there were none).
func (t Tally) NoneRecall() float64 { return ratio(t.NoneOK, t.NoneWant) }

// AnsweredPrecision is the share of right answers among those given
// without asking: the calibration target of the high band.
func (t Tally) AnsweredPrecision() float64 { return ratio(t.AnsweredOK, t.Answered) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (t *Tally) add(l Labelled, r Result) {
	t.N++
	ok := r.Intent == l.Intent
	if ok {
		t.IntentOK++
	}
	if l.Role != "" {
		t.RoleN++
		if r.Role == l.Role {
			t.RoleOK++
		}
	}
	if l.Intent == NoneID {
		t.NoneWant++
	}
	if r.Intent == NoneID {
		t.NoneGot++
		if ok {
			t.NoneOK++
		}
	}
	switch r.Confidence {
	case ConfidenceHigh:
		t.Answered++
		if ok {
			t.AnsweredOK++
		}
	case ConfidenceMedium:
		t.Confirmed++
		if ok {
			t.ConfirmedOK++
		}
	}
}

// Confusion counts questions labelled Want that were matched to Got.
type Confusion struct {
	Want  string `json:"want"`
	Got   string `json:"got"`
	Count int    `json:"count"`
}

// Miss is one question matched to the wrong intent or role.
type Miss struct {
	Labelled
	Got        string         `json:"got"`
	GotRole    ownership.Role `json:"got_role"`
	Score      float64        `json:"score"`
	Confidence Confidence     `json:"confidence"`
}

// Report is the evaluation of a catalogue on labelled questions.
type Report struct {
	Tally
	// Styles break the tally down by the questions' style label, sorted
	// by style; questions without one count under "".
	Styles []StyleTally `json:"styles,omitempty"`
	// Confusions list every (labelled, matched) pair of differing intents,
	// most frequent first.
	Confusions []Confusion `json:"confusions,omitempty"`
	// Misses are the questions matched to the wrong intent or role, in
	// input order.
	Misses []Miss `json:"misses,omitempty"`
}

// StyleTally is the tally of the questions of one style.
type StyleTally struct {
	Style string `json:"style"`
	Tally
}

// Evaluate matches every labelled question and tallies the outcome.
func (c *Catalogue) Evaluate(lines []Labelled) Report {
	var rep Report
	styles := map[string]*Tally{}
	conf := map[[2]string]int{}
	for _, l := range lines {
		r := c.Match(l.Text)
		rep.add(l, r)
		if l.Style != "" {
			t := styles[l.Style]
			if t == nil {
				t = &Tally{}
				styles[l.Style] = t
			}
			t.add(l, r)
		}
		if r.Intent != l.Intent {
			conf[[2]string{l.Intent, r.Intent}]++
		}
		if r.Intent != l.Intent || l.Role != "" && r.Role != l.Role {
			rep.Misses = append(rep.Misses, Miss{Labelled: l, Got: r.Intent, GotRole: r.Role, Score: r.Score, Confidence: r.Confidence})
		}
	}
	for s, t := range styles {
		rep.Styles = append(rep.Styles, StyleTally{Style: s, Tally: *t})
	}
	sort.Slice(rep.Styles, func(i, j int) bool { return rep.Styles[i].Style < rep.Styles[j].Style })
	for k, n := range conf {
		rep.Confusions = append(rep.Confusions, Confusion{Want: k[0], Got: k[1], Count: n})
	}
	sort.Slice(rep.Confusions, func(i, j int) bool {
		a, b := rep.Confusions[i], rep.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Want != b.Want {
			return a.Want < b.Want
		}
		return a.Got < b.Got
	})
	return rep
}
