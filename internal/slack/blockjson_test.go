package slack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	slackapi "github.com/slack-go/slack"

	"github.com/whoowns/whoowns/internal/bot"
)

// encodingJSONBody is chat.postMessage's body as encoding/json writes it,
// the reference appendPostMessage is held to.
func encodingJSONBody(t testing.TB, m message) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Channel  string           `json:"channel"`
		ThreadTS string           `json:"thread_ts,omitempty"`
		Text     string           `json:"text"`
		Blocks   []slackapi.Block `json:"blocks,omitempty"`
	}{m.Channel, m.ThreadTS, m.Text, m.Blocks})
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendBlocksMatchesEncodingJSON: the hand-written body is valid JSON
// and says exactly what encoding/json says, for every answer the renderer
// makes, every golden file (selects, accessories and headers included, some
// of them through the encoding/json path) and awkward text in every field.
func TestAppendBlocksMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	var msgs []message
	for _, a := range goldenAnswers() {
		msgs = append(msgs, answerMessage(a, "U0ASKER"))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("golden files: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var blocks slackapi.Blocks
		if err := json.Unmarshal(raw, &blocks); err != nil {
			continue // not a list of blocks
		}
		msgs = append(msgs, message{Channel: "C1", Text: f, Blocks: blocks.BlockSet})
	}
	odd := append(append([]string{}, awkward...), "bad utf-8 \xff\xfe end", "\x7f\u00e9\U0001F600", `</script>&amp;`)
	for _, s := range odd {
		yes := true
		msgs = append(msgs, message{Channel: s, ThreadTS: s, Text: s, Blocks: []slackapi.Block{
			slackapi.NewSectionBlock(mrkdwn(s), nil, nil),
			&slackapi.SectionBlock{Type: slackapi.MBTSection, Text: plain(s, 3000), BlockID: s, Expand: true},
			slackapi.NewContextBlock(s, mrkdwn(s), plain(s, 75), slackapi.NewImageBlockElement("https://x.example/a.png", s)),
			slackapi.NewActionBlock(s, button(s, s, s), &slackapi.ButtonBlockElement{Type: "button", ActionID: s, URL: s, Style: slackapi.StyleDanger, AccessibilityLabel: s},
				&slackapi.ButtonBlockElement{Type: "button", Text: plain(s, 10), Confirm: slackapi.NewConfirmationBlockObject(plain("a", 5), plain("b", 5), plain("c", 5), nil)}),
			&slackapi.ActionBlock{Type: slackapi.MBTAction},
			&slackapi.ContextBlock{Type: slackapi.MBTContext},
			slackapi.NewDividerBlock(),
			&slackapi.HeaderBlock{Type: slackapi.MBTHeader, Text: &slackapi.TextBlockObject{Type: "plain_text", Text: s, Emoji: &yes, Verbatim: true}, BlockID: s, Level: 2},
		}})
	}
	msgs = append(msgs, message{Channel: "C1"}, notice(bot.Answer{Kind: bot.KindUnknown}.Headline()))
	for _, m := range msgs {
		got, err := appendPostMessage(nil, m)
		if err != nil {
			t.Fatalf("%q: %v", m.Text, err)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON: %s", got)
		}
		want := encodingJSONBody(t, m)
		if !sameJSON(t, got, want) {
			t.Errorf("hand-written body\n%s\nsays something else than encoding/json's\n%s", got, want)
		}
	}
}

// FuzzAppendJSONString: a string is written byte for byte as encoding/json
// writes it without HTML escaping, and reads back as the same string.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Add("\xff\xfe\xc3")
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if want := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}
