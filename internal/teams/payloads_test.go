package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealPayloads replays activities in the shapes Microsoft publishes
// (see testdata/payloads/README.md), in order, through the real handler.
func TestRealPayloads(t *testing.T) {
	t.Parallel()
	h := newHarnessN(t, 1)
	replay := func(file string) {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("testdata", "payloads", file))
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte("{{serviceUrl}}"), []byte(h.conn.serviceURL()))
		var act map[string]any
		if err := json.Unmarshal(raw, &act); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		h.send(act)
	}
	// settled waits until everything sent before was handled (one worker
	// handles activities in order), then checks nothing else was sent.
	n := 0
	settled := func() {
		t.Helper()
		n++
		h.send(h.personalMessage(fmt.Sprintf("sentinel-%d", n), alice, "who owns the roadmap?"))
		if s := h.conn.nextKind(t, "reply"); s.Conversation != "a:personal-"+alice.ID {
			t.Fatalf("sentinel answered in %q", s.Conversation)
		}
		h.conn.none(t)
	}
	welcomed := func(user, name string) {
		t.Helper()
		h.conn.nextKind(t, "member")
		if c := h.conn.nextKind(t, "create"); len(c.Members) != 1 || c.Members[0].ID != user {
			t.Fatalf("personal chat opened with %+v, want %s", c.Members, user)
		}
		s := h.conn.nextKind(t, "send")
		if text := fmt.Sprint(s.card(t).Body); !strings.Contains(text, "Welcome, <at>"+name+"</at>") {
			t.Fatalf("welcome card: %s", text)
		}
	}

	for _, file := range []string{"meeting_anonymous_joined.json", "team_anonymous_added.json", "team_member_added_unlinked.json"} {
		replay(file)
		settled()
	}
	replay("team_member_added_linked.json")
	welcomed("29:dave", "Dave Diaz")
	settled()
	replay("installation_update_add_personal.json")
	welcomed("29:carol", "Carol Chen")
	settled()
	// The membersAdded of the same install welcomes no one twice.
	replay("members_added_bot_personal.json")
	settled()
}
