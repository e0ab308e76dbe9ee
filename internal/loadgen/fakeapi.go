package loadgen

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FakeAPI plays the Slack Web API for the bots under load: it answers every
// method the bot calls with a success and records each chat.postMessage by
// the thread it replies to, so the generator can match replies to events.
// It reads only the parameters it needs, without decoding the rest of a
// message (its blocks), since it shares the cores with the replicas.
type FakeAPI struct {
	mu      sync.Mutex
	replies map[string][]time.Time // thread_ts → arrival of each reply
	calls   atomic.Int64
	other   atomic.Int64
	notify  chan struct{}
	bufs    sync.Pool
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
	var out []byte
	switch method {
	case "chat.postMessage":
		now := time.Now()
		p := f.params(r, "thread_ts", "channel")
		thread, channel := p[0], p[1]
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
		out = append(out, `{"ok":true,"channel":`...)
		out = appendJSONString(out, channel)
		out = append(out, `,"ts":`...)
		out = appendJSONString(out, thread+"1")
		out = append(out, "}\n"...)
	case "auth.test":
		out = []byte(`{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"TLOAD","user":"whoowns","team":"load"}` + "\n")
	case "users.info":
		out = append(out, `{"ok":true,"user":{"id":`...)
		out = appendJSONString(out, f.params(r, "user")[0])
		out = append(out, `,"name":"user","is_admin":false,"is_owner":false}}`+"\n"...)
	case "conversations.open":
		out = append(out, `{"ok":true,"channel":{"id":`...)
		out = appendJSONString(out, "D"+f.params(r, "users")[0])
		out = append(out, "}}\n"...)
	default:
		f.other.Add(1)
		out = []byte(`{"ok":true,"ts":"1.0"}` + "\n")
	}
	w.Write(out)
}

// params returns the values of keys from a JSON body, or from the query and
// a form body (slack-go sends forms for most methods). Only the wanted
// values are unescaped.
func (f *FakeAPI) params(r *http.Request, keys ...string) []string {
	out := make([]string, len(keys))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		jsonValues(r.Body, keys, out)
		return out
	}
	buf, _ := f.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer f.bufs.Put(buf)
	buf.Reset()
	if r.Body != nil {
		io.Copy(buf, io.LimitReader(r.Body, 8<<20))
	}
	// Body values win over the query's, as in Request.FormValue.
	formValues([]byte(r.URL.RawQuery), keys, out)
	formValues(buf.Bytes(), keys, out)
	return out
}

// jsonValues sets out[i] to the string value of keys[i] in a JSON object,
// reading it only as far as the last wanted key: the bot sends its
// parameters before the blocks.
func jsonValues(body io.Reader, keys []string, out []string) {
	dec := json.NewDecoder(body)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	seen := make([]bool, len(keys))
	for left := len(keys); left > 0 && dec.More(); {
		t, err := dec.Token()
		if err != nil {
			return
		}
		i := slices.Index(keys, t.(string))
		if i < 0 || seen[i] {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return
			}
			continue
		}
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		out[i], _ = v.(string)
		seen[i] = true
		left--
	}
}

// formValues sets out[i] to the unescaped value of keys[i] in an
// application/x-www-form-urlencoded form, the first occurrence winning.
func formValues(form []byte, keys []string, out []string) {
	seen := make([]bool, len(keys))
	for len(form) > 0 {
		var pair []byte
		pair, form, _ = bytes.Cut(form, []byte("&"))
		k, v, _ := bytes.Cut(pair, []byte("="))
		for i, want := range keys {
			if seen[i] || string(k) != want {
				continue
			}
			seen[i] = true
			if s, err := url.QueryUnescape(string(v)); err == nil {
				out[i] = s
			}
		}
	}
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
