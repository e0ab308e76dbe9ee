package rich

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// referenceSprintf is Sprintf as first written, one fmt call per argument
// and one builder for the plain text: the cheaper Sprintf must make exactly
// the same spans.
func referenceSprintf(format string, args ...any) Text {
	var out Text
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = appendPlain(out, lit.String())
			lit.Reset()
		}
	}
	argi := 0
	for i := 0; i < len(format); {
		c := format[i]
		if c == '\n' {
			flush()
			out = append(out, Span{Kind: KindBreak})
			i++
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.') {
			j++
		}
		if j >= len(format) {
			lit.WriteString(format[i:])
			break
		}
		verb := format[i : j+1]
		i = j + 1
		if verb == "%%" {
			lit.WriteByte('%')
			continue
		}
		if argi >= len(args) {
			lit.WriteString("%!" + verb[len(verb)-1:] + "(MISSING)")
			continue
		}
		a := args[argi]
		argi++
		if v := verb[len(verb)-1]; v == 's' || v == 'v' {
			switch r := a.(type) {
			case Text:
				flush()
				out = append(out, r...)
				continue
			case Span:
				flush()
				out = append(out, r)
				continue
			}
		}
		lit.WriteString(fmt.Sprintf(verb, a))
	}
	if argi < len(args) {
		lit.WriteString("%!(EXTRA)")
	}
	flush()
	return out
}

type named string

type stringer struct{}

func (stringer) String() string { return "<stringer>" }

func TestSprintfMatchesReference(t *testing.T) {
	t.Parallel()
	formats := []string{
		"", "plain", "%s", "%v", "%q", "%d", "%5s", "%-3v|", "%.0f%%", "%%", "%", "a%", "50%% of %s",
		"%s: %s, the %s of %s.", "a\n%s\n", "\n", "x%sy%sz", "%s%s%s", "%s and %s", "%s %d %.1f %q %v",
		"I read the question as %s (%s) with %.0f%% confidence.", "trailing %5", "%!", "%x%X%t",
	}
	argSets := [][]any{
		nil,
		{"<!channel>"},
		{"a", "b", "c", "d", "e"},
		{Mention("U1", "Al"), Strong("Team"), "x", 3},
		{Text(nil), Plain("p"), "", Span{Kind: KindCode, Text: "c"}},
		{Plain("x"), Plain("y"), Plain("z"), "w"},
		{named("role"), stringer{}, 0.914 * 100, true, []string{"s"}},
		{Strong("a"), 7, "q", 1.5, Code("id"), "extra", "extra2"},
		{Lines(Plain("l1"), Plain("l2")), "s"},
	}
	for _, f := range formats {
		for _, args := range argSets {
			got, want := Sprintf(f, args...), referenceSprintf(f, args...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Sprintf(%q, %#v):\n got %#v\nwant %#v", f, args, got, want)
			}
		}
	}
}

func FuzzSprintfMatchesReference(f *testing.F) {
	for _, s := range []string{"%s: %s, the %s.", "a\n%q %d%%", "%5.2f %s", "%"} {
		f.Add(s, "word", "<@U1> & co")
	}
	f.Fuzz(func(t *testing.T, format, a, b string) {
		for _, args := range [][]any{{a, b}, {Plain(a), b, Strong(b)}, {a, Mention("U1", b), 2, 0.5}} {
			got, want := Sprintf(format, args...), referenceSprintf(format, args...)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Sprintf(%q, %#v):\n got %#v\nwant %#v", format, args, got, want)
			}
			if got := Textf(format, args...); !reflect.DeepEqual(got, want) {
				t.Fatalf("Textf(%q, %#v):\n got %#v\nwant %#v", format, args, got, want)
			}
		}
	})
}

// TestTextfMatchesSprintf: for the types Textf takes, it makes exactly
// Sprintf's spans, whatever the verb.
func TestTextfMatchesSprintf(t *testing.T) {
	t.Parallel()
	formats := []string{
		"", "plain", "%s", "%v", "%q", "%d", "%5s", "%-3v|", "%.0f%%", "%%", "%", "a%", "50%% of %s",
		"%s: %s, the %s of %s.", "a\n%s\n", "\n", "x%sy%sz", "%s%s%s", "%s and %s", "%s %d %.1f %q %v",
		"I read the question as %s (%s) with %.0f%% confidence.", "trailing %5", "%!", "%x%X%t", "%3d|%-4d|%x",
	}
	argSets := [][]any{
		nil,
		{"<!channel>"},
		{"a", "b", "c", "d", "e"},
		{Mention("U1", "Al"), Strong("Team"), "x", 3},
		{Text(nil), Plain("p"), "", Span{Kind: KindCode, Text: "c"}},
		{Plain("x"), Plain("y"), Plain("z"), "w"},
		{0.914 * 100, -12, 255, "s"},
		{Strong("a"), 7, "q", 1.5, Code("id"), "extra", "extra2"},
		{Lines(Plain("l1"), Plain("l2")), "s"},
	}
	for _, f := range formats {
		for _, args := range argSets {
			got, want := Textf(f, args...), Sprintf(f, args...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Textf(%q, %#v):\n got %#v\nwant %#v", f, args, got, want)
			}
		}
	}
	if got := Textf("%s and %d", named("role"), true).String(); got != "%!s(BADTYPE rich.named) and %!d(BADTYPE bool)" {
		t.Errorf("Textf with arguments of other types = %q", got)
	}
}

// TestTextfArgumentsStayOnStack: a Textf call allocates its result and
// the plain text it joins, nothing per argument; Sprintf boxes them.
func TestTextfArgumentsStayOnStack(t *testing.T) {
	title, role, team := "Acceptance criteria", "Product Owner", Strong("Checkout")
	who := Mention("U1", "Al")
	textf := testing.AllocsPerRun(100, func() {
		_ = Textf("%s: %s, the %s of %s.", title, who, role, team)
	})
	sprintf := testing.AllocsPerRun(100, func() {
		_ = Sprintf("%s: %s, the %s of %s.", title, who, role, team)
	})
	// The result and the two runs it joins: "Acceptance criteria: " and
	// ", the Product Owner of ".
	if textf != 3 {
		t.Errorf("Textf made %v allocations, want 3", textf)
	}
	if sprintf <= textf {
		t.Errorf("Sprintf made %v allocations and Textf %v; the test no longer shows what Textf saves", sprintf, textf)
	}
}

func TestJoinAndLinesKeepNil(t *testing.T) {
	t.Parallel()
	if Join(nil, ", ") != nil || Join([]Text{nil}, ", ") != nil || Lines() != nil || Lines(nil, Plain("")) != nil {
		t.Error("an empty join or lines must be nil, as before")
	}
	if got := Join([]Text{nil, nil}, ", "); !reflect.DeepEqual(got, Text{{Kind: KindText, Text: ", "}}) {
		t.Errorf("Join of two empties = %#v", got)
	}
}
