package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot/bottest"
)

// renderedActivity is one outgoing activity, for golden files and the
// markup check.
type renderedActivity struct {
	Kind     string   `json:"kind"`
	Activity Activity `json:"activity"`
}

// renderAll renders everything the core produced, as the transport does.
func renderAll(out bottest.Output) []renderedActivity {
	var rs []renderedActivity
	add := func(kind string, a Activity) { rs = append(rs, renderedActivity{Kind: kind, Activity: a}) }
	for _, a := range out.Answers {
		add("answer", cardActivity(answerCard(a)))
	}
	for _, t := range out.Texts {
		add("reply", textActivity(t))
	}
	for _, an := range out.Announcements {
		add("announcement", textActivity(an.Text))
	}
	for _, h := range out.Homes {
		add("home", cardActivity(homeCard(h)))
	}
	for _, o := range out.Onboardings {
		add("welcome", cardActivity(onboardingCard(o)))
	}
	return rs
}

// checkMarkup fails when an activity's markdown (message text, card text
// blocks and facts) holds markup no typed value made: an <at> without an
// entity for a typed person, any other "<" or ">", or a [link](url).
func checkMarkup(t *testing.T, label string, rs []renderedActivity) {
	t.Helper()
	for _, r := range rs {
		texts := []string{r.Activity.Text}
		ents := r.Activity.Entities
		for _, att := range r.Activity.Attachments {
			c, ok := att.Content.(adaptiveCard)
			if !ok {
				t.Fatalf("%s: attachment %T", r.Kind, att.Content)
			}
			texts = append(texts, cardTexts(c)...)
			if c.MSTeams != nil {
				ents = append(ents, c.MSTeams.Entities...)
			}
		}
		for _, s := range texts {
			if err := markdownSafe(s, ents); err != nil {
				t.Errorf("%s %s: %v in %q", label, r.Kind, err, s)
			}
		}
	}
}

// cardTexts returns the markdown of a card: text blocks and fact values,
// shown cards included. Button and choice titles are plain text.
func cardTexts(c adaptiveCard) []string {
	var out []string
	for _, e := range c.Body {
		out = append(out, e.Text)
		for _, f := range e.Facts {
			out = append(out, f.Value)
		}
	}
	for _, a := range c.Actions {
		if a.Card != nil {
			out = append(out, cardTexts(*a.Card)...)
		}
	}
	return out
}

func markdownSafe(s string, ents []schema.Mention) error {
	rest := s
	for _, e := range ents {
		if !slices.Contains(bottest.TypedUsers, e.Mentioned.ID) {
			return fmt.Errorf("a mention entity of %q, not a typed person", e.Mentioned.ID)
		}
		if strings.Count(e.Text, "<") != 2 || !strings.HasPrefix(e.Text, "<at>") || !strings.HasSuffix(e.Text, "</at>") {
			return fmt.Errorf("a mention entity %q that is not one <at> tag", e.Text)
		}
		rest = strings.ReplaceAll(rest, e.Text, "")
	}
	if i := strings.IndexAny(rest, "<>"); i >= 0 {
		return fmt.Errorf("a %q that is not a typed mention", rest[i])
	}
	// A link needs an unescaped "[" (and "]"): an even run of backslashes
	// before one leaves it unescaped.
	for i := 0; i < len(s); i++ {
		if s[i] != '[' && s[i] != ']' {
			continue
		}
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return fmt.Errorf("an unescaped %q", s[i])
		}
	}
	return nil
}

// TestHostileGolden renders every reply kind with names that are markup
// (a team called "<at>Boss</at> @channel", people called "[x](https://evil)
// …", a question with a labelled link): they show as text, and the only
// mentions are those of typed people, each with its entity.
func TestHostileGolden(t *testing.T) {
	t.Parallel()
	out := bottest.Drive(t, bottest.Input{Team: "<at>Boss</at> @channel <!channel> *_~", Person: "<!here> <at>Boss</at> [x](https://evil) **b** `c`",
		Question: "who owns <https://evil.example|Re-verify your SSO> [SSO](https://evil.example)", Why: bottest.HostileWhy})
	if len(out.Answers) < 8 || len(out.Announcements) < 4 || len(out.Homes) != 2 || len(out.Onboardings) < 2 {
		t.Fatalf("the drive produced %d answers, %d announcements, %d homes, %d welcomes", len(out.Answers), len(out.Announcements), len(out.Homes), len(out.Onboardings))
	}
	rs := renderAll(out)
	checkMarkup(t, "golden", rs)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "hostile.golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHostileGolden -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file:\n%s", path, buf.String())
	}
}

// FuzzRenderTeams feeds arbitrary team names, display names, questions and
// whys through the core and the Teams renderers: no output may mention,
// link or carry an <at> that no typed value made.
func FuzzRenderTeams(f *testing.F) {
	for i, s := range bottest.Hostile {
		f.Add(s, bottest.Hostile[(i+1)%len(bottest.Hostile)], bottest.Hostile[(i+2)%len(bottest.Hostile)], bottest.Hostile[(i+3)%len(bottest.Hostile)])
	}
	f.Fuzz(func(t *testing.T, team, person, question, why string) {
		checkMarkup(t, "fuzz", renderAll(bottest.Drive(t, bottest.Input{Team: team, Person: person, Question: question, Why: why, Ask: true})))
	})
}
