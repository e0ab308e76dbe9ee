package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/intent"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	ts, err := tokenize(`set "product owner"  <@U1|ali ce> “mobile team” <#C9|gen> here`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 6 {
		t.Fatalf("tokens: %+v", ts)
	}
	if ts[1].text != "product owner" || !ts[1].quoted {
		t.Errorf("quoted: %+v", ts[1])
	}
	if ts[2].user == nil || ts[2].user.ID != "U1" || ts[2].user.Name != "ali ce" {
		t.Errorf("mention: %+v", ts[2])
	}
	if ts[3].text != "mobile team" || !ts[3].quoted {
		t.Errorf("curly quotes: %+v", ts[3])
	}
	if ts[4].channel == nil || ts[4].channel.ID != "C9" || ts[4].channel.Name != "gen" {
		t.Errorf("channel: %+v", ts[4])
	}
	if _, err := tokenize(`teach "open`); err == nil {
		t.Error("unclosed quote accepted")
	}
}

func TestParseUntil(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) // Friday
	words := func(s ...string) []token {
		var out []token
		for _, w := range s {
			out = append(out, token{text: w})
		}
		return out
	}
	cases := []struct {
		in   []token
		want time.Time
		used int
	}{
		{words("2026-12-01"), time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC), 1},
		{words("2026-12-01", "17:30", "checkout"), time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC), 2},
		{words("2026-12-01T08:00:00Z"), time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), 1},
		{words("tomorrow", "mobile"), time.Date(2026, 11, 21, 23, 59, 59, 0, time.UTC), 1},
		{words("monday", "09:00"), time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), 2},
		{words("friday"), time.Date(2026, 11, 27, 23, 59, 59, 0, time.UTC), 1},
		{words("3d", "search"), now.Add(72 * time.Hour), 1},
		{words("in", "2", "weeks"), now.Add(14 * 24 * time.Hour), 3},
		{words("18:00"), time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC), 1},
	}
	for _, c := range cases {
		got, n, err := parseUntil(c.in, now)
		if err != nil || !got.Equal(c.want) || n != c.used {
			t.Errorf("parseUntil(%v) = %v, %d, %v; want %v, %d", c.in, got, n, err, c.want, c.used)
		}
	}
	if _, _, err := parseUntil(words("someday"), now); err == nil {
		t.Error("junk accepted")
	}
	if _, _, err := parseUntil(nil, now); err == nil {
		t.Error("nothing accepted")
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	if d := levenshtein("chekout", "checkout"); d != 1 {
		t.Errorf("got %d", d)
	}
}

// TestWithoutChannelLinks: skipping the regexp for text without "<#"
// changes nothing.
func TestWithoutChannelLinks(t *testing.T) {
	for _, s := range []string{"", "who owns the roadmap?", "<#C1|checkout> roadmap", "a <#C1> b <#C2|x>c", "<# unclosed", "< # not", "#checkout", "<@U1> <#"} {
		if got, want := withoutChannelLinks(s), channelLinks.ReplaceAllString(s, " "); got != want {
			t.Errorf("withoutChannelLinks(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestLooksLikeCommandFirstWord: ruling a message out by its first word
// decides as reading the whole of it does.
func TestLooksLikeCommandFirstWord(t *testing.T) {
	texts := []string{
		"", "   ", "set", "SET po <@U1> checkout", "set<@U1> po", "  team create Payments",
		"\u00a0member add <@U1|kim> checkout", "“team” create x", `"set" po <@U1>`, "<@U1> set po",
		"setting po <@U1>", "settle the roadmap", "show", "Show checkout", "showme checkout",
		"intents", "intent add x po \"why\"", "unanswered clear", "unanswered   dismiss 2",
		"\xffset po", "set\xff po", "teach \"who signs off\" acceptance", "cover po <@U2> until friday",
		"who owns the roadmap", "ask who owns the roadmap", "role of a product owner",
		"handover po <@U3>", "claim po", "lead add <@U4>", "digest now", "route roadmap pm",
	}
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range cat.Intents() {
		texts = append(texts, in.Phrases...)
	}
	for _, text := range texts {
		if got, whole := LooksLikeCommand(text), !strings.Contains(text, "?") && hasCommandShape(text); got != whole {
			t.Errorf("LooksLikeCommand(%q) = %v, reading it whole says %v", text, got, whole)
		}
	}
}

func FuzzLooksLikeCommandFirstWord(f *testing.F) {
	for _, s := range []string{"set po <@U1> x", "“team” create x", "show\u00a0checkout", "who owns it"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, whole := LooksLikeCommand(text), !strings.Contains(text, "?") && hasCommandShape(text); got != whole {
			t.Errorf("LooksLikeCommand(%q) = %v, reading it whole says %v", text, got, whole)
		}
	})
}
