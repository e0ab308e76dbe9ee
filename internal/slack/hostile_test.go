package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot/bottest"
)

// rendered is one message as Slack would receive it, for golden files and
// the markup check.
type rendered struct {
	Kind   string           `json:"kind"`
	Text   string           `json:"text"`
	Blocks []slackapi.Block `json:"blocks,omitempty"`
}

// renderAll renders everything the core produced, as the transport does.
func renderAll(out bottest.Output) []rendered {
	var rs []rendered
	add := func(kind string, m message) { rs = append(rs, rendered{Kind: kind, Text: m.Text, Blocks: m.Blocks}) }
	for _, a := range out.Answers {
		add("answer", answerMessage(a, bottest.Holder))
	}
	for _, t := range out.Texts {
		add("reply", textMessage(t))
		add("notice", notice(t))
	}
	for _, an := range out.Announcements {
		add("announcement", message{Text: mrkdwnOf(an.Text)})
	}
	for _, h := range out.Homes {
		add("home", message{Blocks: homeBlocks(h)})
	}
	for _, o := range out.Onboardings {
		add("welcome", onboardingMessage(o))
	}
	return rs
}

// checkMarkup fails when a message's mrkdwn holds markup the renderer did
// not make from a typed value: every "<" must open a mention or channel
// link of a typed id, and nothing may broadcast or link.
func checkMarkup(t *testing.T, label string, rs []rendered) {
	t.Helper()
	for _, r := range rs {
		var texts []string
		texts = append(texts, r.Text)
		raw, err := json.Marshal(r.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				// plain_text is shown as it is: Slack reads no markup in it.
				if x["type"] == "mrkdwn" {
					s, _ := x["text"].(string)
					texts = append(texts, s)
				}
				for _, vv := range x {
					walk(vv)
				}
			case []any:
				for _, vv := range x {
					walk(vv)
				}
			}
		}
		walk(v)
		for _, s := range texts {
			if err := mrkdwnSafe(s); err != nil {
				t.Errorf("%s %s: %v in %q", label, r.Kind, err, s)
			}
		}
	}
}

// mrkdwnSafe reports markup in s that no typed value made.
func mrkdwnSafe(s string) error {
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<!subteam^", "<http", "<mailto:", "<!"} {
		if strings.Contains(s, bad) {
			return fmt.Errorf("contains %s", bad)
		}
	}
	allowed := []string{}
	for _, id := range bottest.TypedUsers {
		allowed = append(allowed, "<@"+id+">")
	}
	for _, id := range bottest.TypedChannels {
		allowed = append(allowed, "<#"+id+">")
	}
	rest := s
	for _, a := range allowed {
		rest = strings.ReplaceAll(rest, a, "")
	}
	if i := strings.IndexAny(rest, "<>"); i >= 0 {
		return fmt.Errorf("a %q that is not a typed mention or channel link", rest[i])
	}
	return nil
}

// TestHostileGolden renders every reply kind with names that are markup
// (a team called "<!channel> @channel", people called "<!here> …", a
// question with a labelled link, a why with broadcasts): they show as text.
func TestHostileGolden(t *testing.T) {
	t.Parallel()
	out := bottest.Drive(t, bottest.Input{Team: "<!channel> @channel <!subteam^S1|@leads>", Person: "<!here> <at>Boss</at> [x](https://evil) *_~",
		Question: "who owns <https://evil.example|Re-verify your SSO> <!everyone>", Why: bottest.HostileWhy})
	rs := renderAll(out)
	if len(out.Answers) < 8 || len(out.Announcements) < 4 || len(out.Homes) != 2 || len(out.Onboardings) < 2 {
		t.Fatalf("the drive produced %d answers, %d announcements, %d homes, %d welcomes", len(out.Answers), len(out.Announcements), len(out.Homes), len(out.Onboardings))
	}
	checkMarkup(t, "golden", rs)
	golden(t, "hostile", rs)
}

// FuzzRenderSlack feeds arbitrary team names, display names, questions
// and whys through the core and the Block Kit renderer: no output may
// ping, broadcast or link unless a typed value made it.
func FuzzRenderSlack(f *testing.F) {
	for i, s := range bottest.Hostile {
		f.Add(s, bottest.Hostile[(i+1)%len(bottest.Hostile)], bottest.Hostile[(i+2)%len(bottest.Hostile)], bottest.Hostile[(i+3)%len(bottest.Hostile)])
	}
	f.Fuzz(func(t *testing.T, team, person, question, why string) {
		checkMarkup(t, "fuzz", renderAll(bottest.Drive(t, bottest.Input{Team: team, Person: person, Question: question, Why: why, Ask: true})))
	})
}
