package rich

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSprintf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		got  Text
		want Text
	}{
		{"plain args stay text", Sprintf("%s made %q a lead (%d%%)", "<!channel>", "<@U1>", 50),
			Text{{Kind: KindText, Text: `<!channel> made "<@U1>" a lead (50%)`}}},
		{"typed args keep their type", Sprintf("%s owns %s.", Mention("U1", "Al"), Strong("Checkout")),
			Text{{Kind: KindMention, ID: "U1", Text: "Al"}, {Kind: KindText, Text: " owns "}, {Kind: KindStrong, Text: "Checkout"}, {Kind: KindText, Text: "."}}},
		{"a span argument", Sprintf("x%vy", Span{Kind: KindCode, Text: "c"}),
			Text{{Kind: KindText, Text: "x"}, {Kind: KindCode, Text: "c"}, {Kind: KindText, Text: "y"}}},
		{"a newline in the format breaks the line", Sprintf("a\n%s", "b"),
			Text{{Kind: KindText, Text: "a"}, {Kind: KindBreak}, {Kind: KindText, Text: "b"}}},
		{"precision", Sprintf("%.0f%%", 0.914*100), Text{{Kind: KindText, Text: "91%"}}},
		{"a rich value with %q is quoted text", Sprintf("%q", Plain("x")), Text{{Kind: KindText, Text: `["\x00x" ""]`}}},
		{"missing", Sprintf("%s and %s", "a"), Text{{Kind: KindText, Text: "a and %!s(MISSING)"}}},
		{"nil text", Sprintf("a%sb", Text(nil)), Text{{Kind: KindText, Text: "ab"}}},
	} {
		if tc.name == "a rich value with %q is quoted text" {
			// fmt decides how a slice of structs is quoted; it is text either way.
			if len(tc.got) != 1 || tc.got[0].Kind != KindText {
				t.Errorf("%s: %#v", tc.name, tc.got)
			}
			continue
		}
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestPlainAndLines(t *testing.T) {
	t.Parallel()
	msg := Lines(Sprintf("%s is the PO of %s.", Mention("U1", "Al"), Strong("Checkout")), nil,
		Sprintf("Fill it with %s in %s.", Command("set po @person x"), Channel("C1", "general")), Code("id"))
	want := "@Al is the PO of Checkout.\nFill it with `/whoowns set po @person x` in #general.\n`id`"
	if got := msg.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := msg.Plain("@whoowns"); got != "@Al is the PO of Checkout.\nFill it with `@whoowns set po @person x` in #general.\n`id`" {
		t.Errorf("Plain(@whoowns) = %q", got)
	}
	if n := len(msg.Split()); n != 3 {
		t.Errorf("%d lines, want 3", n)
	}
	if n := len(Plain("a\nb\n\nc").Split()); n != 4 {
		t.Errorf("newlines in text: %d lines, want 4", n)
	}
	if !Lines().Empty() || !Plain("").Empty() || !Break().Empty() || Mention("U1", "").Empty() || Command("").Empty() {
		t.Error("Empty")
	}
	if got := Concat(Break(), Plain("  a "), Break()).TrimSpace().String(); got != "a" {
		t.Errorf("TrimSpace = %q", got)
	}
	if got := Join([]Text{Plain("a"), Strong("b")}, ", ").String(); got != "a, b" {
		t.Errorf("Join = %q", got)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(struct{ T Text }{Sprintf("hi %s", Mention("U1", "Al"))})
	if err != nil || string(b) != `{"T":"hi @Al"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var v struct{ T Text }
	if err := json.Unmarshal([]byte(`{"T":"<@U1> hi"}`), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.T) != 1 || v.T[0].Kind != KindText {
		t.Errorf("unmarshalled %#v; JSON must come back as plain text", v.T)
	}
}
