package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/dirfile"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/rich"
	"github.com/whoowns/whoowns/internal/sample"
	"github.com/whoowns/whoowns/internal/stores"
)

// openStore returns the Redis store when REDIS_URL (or Sentinel/Cluster
// settings) are set, else the sample teams in memory. sampled reports which.
func openStore(e *env, cat *intent.Catalogue) (st ownership.Store, sampled bool, err error) {
	cfg, err := redisstore.ConfigFromEnv(e.getenv)
	if err != nil {
		return nil, false, usageError{err.Error()}
	}
	st, err = stores.Open(context.Background(), cfg, cat)
	return st, !cfg.Enabled(), err
}

func tenantFlag(e *env) string {
	if t := e.getenv("WHOOWNS_TENANT"); t != "" {
		return t
	}
	return string(sample.Tenant)
}

func runAsk(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ask", `ask [flags] "<question>"`)
	tenant := fs.String("tenant", tenantFlag(e), "tenant to answer from (slack:T…, teams:<tenant id>, or local); env WHOOWNS_TENANT")
	user := fs.String("user", "", "asker's user id, so their team is used when the question names none")
	channel := fs.String("channel", "", "channel id the question is asked in, so its team is used")
	asJSON := fs.Bool("json", false, "print the typed answer as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(strings.Join(pos, " "))
	if q == "" {
		return usagef(`the question is missing: whoowns ask "who owns the roadmap for checkout?"`)
	}
	if isChatCommand(q) {
		return usagef("%q is a command, and commands run in chat: type /whoowns %s in Slack or @whoowns %s in Teams. whoowns ask answers questions, such as \"who owns the roadmap for checkout?\"", q, q, q)
	}
	if err := dirfile.CheckTenant(*tenant); err != nil {
		return usagef("%v", err)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	st, sampled, err := openStore(e, cat)
	if err != nil {
		return err
	}
	defer st.Close()
	if sampled {
		// Without Redis every tenant starts from the same sample teams: say
		// so, or an answer "for" a real workspace would look like its data.
		if *tenant == string(sample.Tenant) {
			fmt.Fprintln(e.stderr, "note: REDIS_URL is not set, so this answer comes from the built-in sample teams")
		} else {
			fmt.Fprintf(e.stderr, "note: REDIS_URL is not set, so this answer comes from the built-in sample teams, not from tenant %s's data\n", *tenant)
		}
	}
	svc := bot.New(st, cat)
	a, err := svc.Ask(ctx, bot.Message{
		Tenant: ownership.TenantID(*tenant), Platform: bot.PlatformCLI,
		User: ownership.Person{ID: *user}, Channel: ownership.Channel{ID: *channel}, Text: q,
	})
	if err != nil {
		return fmt.Errorf("%s", ownership.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	fmt.Fprintln(e.stdout, a.Text().Plain(rich.DefaultPrefix))
	return nil
}

// isChatCommand reports whether a question given to `whoowns ask` is one of
// the chat commands ("show checkout", "set po @jules checkout"): they run in
// Slack or Teams, where the bot knows who is typing. "ask <question>" and
// "help" are questions here too.
func isChatCommand(q string) bool {
	if bot.LooksLikeCommand(q) && !strings.EqualFold(q, "help") {
		return true
	}
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 || !bot.IsCommandVerb(words[0]) || words[0] == "ask" || words[0] == "help" || strings.Contains(q, "?") {
		return false
	}
	for _, w := range words[1:] {
		if cliQuestionWords[strings.Trim(w, ",.!")] {
			return false
		}
	}
	return len(words) > 1 || words[0] == "teams" || words[0] == "history" || words[0] == "unanswered"
}

// cliQuestionWords make a line that starts with a command verb a question
// ("show me who owns checkout", "role of a product owner").
var cliQuestionWords = map[string]bool{
	"who": true, "whom": true, "whose": true, "what": true, "which": true, "why": true, "how": true, "when": true,
	"where": true, "me": true, "my": true, "our": true, "owns": true, "own": true, "owner": true, "owns?": true,
	"responsible": true, "decides": true, "does": true, "do": true, "is": true, "are": true, "of": true,
	"should": true, "can": true,
}

// classification is one line of `classify --json`, as ../shared/intents.md
// specifies, plus the runners-up.
type classification struct {
	Text         string      `json:"text"`
	Intent       string      `json:"intent"`
	Role         string      `json:"role"`
	Score        float64     `json:"score"`
	Confidence   string      `json:"confidence"`
	NearTie      bool        `json:"near_tie,omitempty"`
	Alternatives []candidate `json:"alternatives,omitempty"`
}

type candidate struct {
	Intent string  `json:"intent"`
	Score  float64 `json:"score"`
}

func runClassify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "classify", "classify [--json] < questions.txt")
	asJSON := fs.Bool("json", false, "one JSON object per line: text, intent, role, score")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("classify reads questions from standard input, one per line; got arguments %q", pos)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var tw *tabwriter.Writer
	if !*asJSON {
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "INTENT\tROLE\tSCORE\tCONFIDENCE\tQUESTION")
	}
	for sc.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		text := strings.TrimRight(sc.Text(), "\r")
		var r intent.Result
		if strings.TrimSpace(text) == "" {
			// no question at all: nothing to match, not a request for help
			r = intent.Result{Intent: intent.NoneID, Role: ownership.None, Confidence: intent.ConfidenceLow}
		} else {
			r = cat.Match(text)
		}
		if *asJSON {
			if err := enc.Encode(classification{Text: text, Intent: r.Intent, Role: string(r.Role), Score: round(r.Score), Confidence: string(r.Confidence),
				NearTie: r.NearTie, Alternatives: candidates(r.Alternatives)}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%s\n", r.Intent, r.Role, r.Score, r.Confidence, text)
	}
	if tw != nil {
		tw.Flush()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	return nil
}

func candidates(cs []intent.Candidate) []candidate {
	out := make([]candidate, len(cs))
	for i, c := range cs {
		out[i] = candidate{Intent: c.Intent, Score: round(c.Score)}
	}
	return out
}

func round(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// intentJSON is one entry of `intents --json`.
type intentJSON struct {
	ID      string   `json:"id"`
	Role    string   `json:"role"`
	Title   string   `json:"title"`
	Why     string   `json:"why"`
	Phrases []string `json:"phrases"`
}

func runIntents(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "intents", "intents [--json]")
	asJSON := fs.Bool("json", false, "a JSON array of {id, role, title, why, phrases}")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("intents takes no arguments; got %q", pos)
	}
	cat, err := intent.Default()
	if err != nil {
		return err
	}
	if *asJSON {
		var out []intentJSON
		for _, in := range cat.Intents() {
			out = append(out, intentJSON{ID: in.ID, Role: string(in.Role), Title: in.Title, Why: in.Why, Phrases: in.Phrases})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tWHY")
	for _, in := range cat.Intents() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", in.ID, in.Role, in.Why)
	}
	return tw.Flush()
}
