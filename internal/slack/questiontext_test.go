package slack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var questionTextCases = []string{
	"<@UBOT> who owns the roadmap?",
	"<@UBOT>: who owns the roadmap?",
	"<@UBOT|whoowns>, who owns the roadmap?",
	"<@UBOT|who owns",
	"<@UBOT2> not the bot",
	"<@UBO> not the bot either",
	"hey <@UBOT> who decides for <#C1|payments>?",
	"<@UBOT><@UBOT>twice",
	"  spaced\tout\n\nquestion  ",
	"\u00a0nbsp\u2003em space\u0085next line",
	"typed &lt;@U1&gt; and &lt;#C1&gt; and &lt;b&gt; &amp;lt; &amp;amp;",
	"&amp; &am &lt &gt;&gt;",
	"invalid \xff\xfe utf-8 \xe2\x80",
	"caf\u00e9 \u2019quoted\u2019 \U0001F600",
	"<@UBOT>",
	"",
	"   ",
	"already clean",
	"<!here> <@U1|someone> <https://x.example/a-b|link>",
	"<@UBOT|>:",
	"<@UBOT|a\nb> multi-line label",
}

// TestQuestionTextAsSlow holds questionText to questionTextSlow, the
// regexp, Replacer and Fields it replaced.
func TestQuestionTextAsSlow(t *testing.T) {
	for _, bot := range []string{"UBOT", "U1"} {
		for _, in := range questionTextCases {
			if got, want := questionText(in, bot), questionTextSlow(in, bot); got != want {
				t.Errorf("questionText(%q, %q) = %q, want %q", in, bot, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { questionText("who owns the roadmap?", "UBOT") }); n != 0 {
		t.Errorf("questionText of a clean question: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { questionText("<@UBOT> who owns the roadmap?", "UBOT") }); n != 1 {
		t.Errorf("questionText of a mention: %v allocations, want 1", n)
	}
}

func FuzzQuestionText(f *testing.F) {
	for _, in := range questionTextCases {
		f.Add(in, "UBOT")
	}
	f.Fuzz(func(t *testing.T, in, bot string) {
		if bot == "" {
			return
		}
		for _, c := range bot {
			// Bot ids are Slack user ids.
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return
			}
		}
		if got, want := questionText(in, bot), questionTextSlow(in, bot); got != want {
			t.Errorf("questionText(%q, %q) = %q, want %q", in, bot, got, want)
		}
	})
}

func TestQuestionKeys(t *testing.T) {
	for _, id := range []string{"Ev1", ""} {
		env := &envelope{EventID: id}
		got := questionKeys(env, "T1", "C1", "1.5")
		want := deliveryKeys(env, messageKey("T1", "C1", "1.5"))
		if len(got) != len(want) {
			t.Fatalf("event %q: keys %q, want %q", id, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("event %q: keys %q, want %q", id, got, want)
			}
		}
	}
}

// TestReadBodyPastAnnouncedLength: a body that goes on past its
// Content-Length is read on up to the limit, as io.ReadAll over a
// MaxBytesReader reads it, with the same error past the limit.
func TestReadBodyPastAnnouncedLength(t *testing.T) {
	for _, c := range []struct {
		body     string
		announce int64
		limit    int64
	}{
		{"abcdef", 6, 10}, {"abcdef", 3, 10}, {"abcdef", 3, 6}, {"abcdefg", 3, 6},
		{"abcdef", 6, 6}, {"abcdefg", 6, 6}, {"abcdefghij", 6, 6}, {"abcdef", -1, 4},
	} {
		read := func(fn func(w http.ResponseWriter, r *http.Request) ([]byte, error)) (string, string) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.ContentLength = c.announce
			b, err := fn(httptest.NewRecorder(), r)
			return string(b), fmt.Sprint(err)
		}
		got, gotErr := read(func(w http.ResponseWriter, r *http.Request) ([]byte, error) { return readBody(w, r, c.limit) })
		want, wantErr := read(func(w http.ResponseWriter, r *http.Request) ([]byte, error) {
			return io.ReadAll(http.MaxBytesReader(w, r.Body, c.limit))
		})
		if gotErr != wantErr || gotErr == "<nil>" && got != want {
			t.Errorf("%q announced %d, limit %d: %q, %s; want %q, %s", c.body, c.announce, c.limit, got, gotErr, want, wantErr)
		}
	}
}

// TestEventCtx: an event's context gives the delivery id at once and the
// origin only once admitted, and passes other keys to its parent.
func TestEventCtx(t *testing.T) {
	type other struct{}
	env := &envelope{EventID: "Ev9", origin: origin{Team: "T1"}}
	ctx := &eventCtx{Context: context.WithValue(context.Background(), other{}, "kept"), env: env}
	if got := deliveryOf(ctx); got != "Ev9" {
		t.Errorf("delivery %q, want Ev9", got)
	}
	if got := originOf(ctx); got != (origin{}) {
		t.Errorf("origin before admission %v, want none", got)
	}
	env.admitted = true
	if got := originOf(ctx); got.Team != "T1" {
		t.Errorf("origin %v, want T1", got)
	}
	if ctx.Value(other{}) != "kept" {
		t.Errorf("the parent's value is lost")
	}
}
