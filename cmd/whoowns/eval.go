package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/whoowns/whoowns/internal/intent"
)

// evalJSON is the `eval --json` report: the counts of intent.Report plus
// the rates computed from them.
type evalJSON struct {
	File string `json:"file"`
	evalRates
	Styles     []evalStyleJSON    `json:"styles,omitempty"`
	Confusions []intent.Confusion `json:"confusions"`
	Misses     []intent.Miss      `json:"misses"`
}

type evalRates struct {
	intent.Tally
	Accuracy          float64 `json:"accuracy"`
	RoleAccuracy      float64 `json:"role_accuracy"`
	NonePrecision     float64 `json:"none_precision"`
	NoneRecall        float64 `json:"none_recall"`
	AnsweredPrecision float64 `json:"answered_precision"`
}

type evalStyleJSON struct {
	Style string `json:"style"`
	evalRates
}

func rates(t intent.Tally) evalRates {
	return evalRates{Tally: t, Accuracy: round(t.Accuracy()), RoleAccuracy: round(t.RoleAccuracy()),
		NonePrecision: round(t.NonePrecision()), NoneRecall: round(t.NoneRecall()), AnsweredPrecision: round(t.AnsweredPrecision())}
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval", "eval [--json] [--misses] FILE.jsonl")
	asJSON := fs.Bool("json", false, "one JSON object: counts, rates, per-style breakdown, confusions and misses")
	misses := fs.Bool("misses", false, "also list every missed question (text output)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("eval needs one labelled file (JSON lines of {\"text\", \"intent\", \"role\", \"style\"}); got %d arguments", len(pos))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	lines, err := intent.ReadLabelled(f)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if len(lines) == 0 {
		return fmt.Errorf("%s: no labelled questions", pos[0])
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rep := cat.Evaluate(lines)
	if *asJSON {
		out := evalJSON{File: pos[0], evalRates: rates(rep.Tally), Confusions: rep.Confusions, Misses: rep.Misses}
		if out.Confusions == nil {
			out.Confusions = []intent.Confusion{}
		}
		if out.Misses == nil {
			out.Misses = []intent.Miss{}
		}
		for _, s := range rep.Styles {
			out.Styles = append(out.Styles, evalStyleJSON{Style: s.Style, evalRates: rates(s.Tally)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printEval(e.stdout, pos[0], rep, *misses)
}

func printEval(w io.Writer, name string, rep intent.Report, misses bool) error {
	t := rep.Tally
	fmt.Fprintf(w, "%s: %d questions\n", name, t.N)
	fmt.Fprintf(w, "  intent                  %s\n", frac(t.IntentOK, t.N))
	fmt.Fprintf(w, "  role                    %s\n", frac(t.RoleOK, t.RoleN))
	fmt.Fprintf(w, "  out of scope precision  %s\n", frac(t.NoneOK, t.NoneGot))
	fmt.Fprintf(w, "  out of scope recall     %s\n", frac(t.NoneOK, t.NoneWant))
	fmt.Fprintf(w, "  answered without asking %s right (%d asked to confirm, %d of them right)\n",
		frac(t.AnsweredOK, t.Answered), t.Confirmed, t.ConfirmedOK)
	if len(rep.Styles) > 0 {
		fmt.Fprintln(w, "\nBy style:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  STYLE\tN\tINTENT\tROLE\tOOS PRECISION\tOOS RECALL")
		for _, s := range rep.Styles {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\n", s.Style, s.N, frac(s.IntentOK, s.N), frac(s.RoleOK, s.RoleN),
				frac(s.NoneOK, s.NoneGot), frac(s.NoneOK, s.NoneWant))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Confusions) > 0 {
		fmt.Fprintln(w, "\nConfusions (labelled → matched):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, c := range rep.Confusions {
			fmt.Fprintf(tw, "  %d\t%s\t→ %s\n", c.Count, c.Want, c.Got)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if misses && len(rep.Misses) > 0 {
		fmt.Fprintln(w, "\nMisses:")
		for _, m := range rep.Misses {
			fmt.Fprintf(w, "  want %s/%s, got %s/%s (%.2f, %s): %q\n", m.Intent, m.Role, m.Got, m.GotRole, m.Score, m.Confidence, m.Text)
		}
	}
	return nil
}

// frac prints "a/b 93.1%", or "-" when there is nothing to count.
func frac(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d %.1f%%", a, b, 100*float64(a)/float64(b))
}
