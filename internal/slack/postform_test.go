package slack

import (
	"net/url"
	"testing"
)

// TestAppendFormValueIsQueryEscape: the one-pass form body chat.postMessage
// is sent with decodes to exactly what was put in, every byte included.
func TestAppendFormValueIsQueryEscape(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values := []string{"", "plain", "a b&c=d+e%f", `[{"type":"section","text":{"text":"*Why:* <@U1> — ünïcode ✓"}}]`, string(all)}
	for _, v := range values {
		if got, want := string(appendFormValue(nil, "k", v)), "k="+url.QueryEscape(v); got != want {
			t.Errorf("appendFormValue(%q) = %q, want %q", v, got, want)
		}
	}
	body := appendFormValue(appendFormValue(appendFormValue(nil, "channel", "C1"), "thread_ts", "1.2"), "blocks", values[3])
	got, err := url.ParseQuery(string(body))
	if err != nil || got.Get("channel") != "C1" || got.Get("thread_ts") != "1.2" || got.Get("blocks") != values[3] {
		t.Errorf("form %q parses to %v, %v", body, got, err)
	}
}
