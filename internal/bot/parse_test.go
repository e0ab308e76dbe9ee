package bot

import (
	"testing"
	"time"
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
