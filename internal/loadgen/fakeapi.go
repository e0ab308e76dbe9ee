package loadgen

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FakeAPI plays the Slack Web API for the bots under load: it answers every
// method the bot calls with a success and records each chat.postMessage by
// the thread it replies to, so the generator can match replies to events.
type FakeAPI struct {
	mu      sync.Mutex
	replies map[string][]time.Time // thread_ts → arrival of each reply
	calls   atomic.Int64
	other   atomic.Int64
	notify  chan struct{}
}

// NewFakeAPI returns an empty fake.
func NewFakeAPI() *FakeAPI {
	return &FakeAPI{replies: map[string][]time.Time{}, notify: make(chan struct{}, 1)}
}

// ServeHTTP answers /api/<method>.
func (f *FakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "chat.postMessage":
		now := time.Now()
		thread := formOrJSON(r, "thread_ts")
		channel := formOrJSON(r, "channel")
		if thread != "" {
			f.mu.Lock()
			f.replies[thread] = append(f.replies[thread], now)
			f.mu.Unlock()
			select {
			case f.notify <- struct{}{}:
			default:
			}
		} else {
			f.other.Add(1)
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": channel, "ts": thread + "1"})
	case "auth.test":
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "TLOAD", "user": "whoowns", "team": "load"})
	case "users.info":
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{"id": formOrJSON(r, "user"), "name": "user", "is_admin": false, "is_owner": false}})
	case "conversations.open":
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": map[string]any{"id": "D" + formOrJSON(r, "users")}})
	default:
		f.other.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "ts": "1.0"})
	}
}

// formOrJSON reads a parameter from a form or a JSON body; slack-go sends
// forms for most methods.
func formOrJSON(r *http.Request, key string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) == nil {
			if s, ok := m[key].(string); ok {
				return s
			}
		}
		return ""
	}
	return r.FormValue(key)
}

// Replies returns a copy of the recorded replies by thread.
func (f *FakeAPI) Replies() map[string][]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]time.Time, len(f.replies))
	for k, v := range f.replies {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// count returns how many threads have at least one reply.
func (f *FakeAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.replies)
}
