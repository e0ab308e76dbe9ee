// Package fakeslack is a test double of Slack: a Web API server speaking the
// real JSON, a response_url endpoint, and a Socket Mode websocket endpoint
// that sends envelopes and records acks. It records every call so tests can
// assert on what the bot sent, and it can be told to fail calls (429 with
// Retry-After, 5xx, Slack errors) to exercise retries.
//
// Like Slack, it authenticates every Web API call: the bot token (from the
// Authorization header, or the form's token field, which Slack also takes)
// must belong to a workspace added with AddWorkspace; a missing token gets
// not_authed, an unknown one invalid_auth, a revoked one token_revoked and
// a rotating one past its expiry token_expired. App-level tokens (xapp-…)
// open Socket Mode connections and nothing else.
package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BotUserID is the bot's own user id, as auth.test reports it.
const BotUserID = "U0BOT"

// Call is one recorded request.
type Call struct {
	Method string
	// Token is the bearer or form token the call used.
	Token string
	// Bearer is true when Token came in the Authorization header.
	Bearer bool
	// Params holds form values, or the top-level fields of a JSON body
	// (strings unquoted, anything else as JSON text).
	Params map[string]string
	// Body is the raw request body.
	Body []byte
}

// copied is c with Params of its own: the fake keeps one copy of a call,
// its handler reads another while it answers, and each call handed to a
// test is the test's to change.
func (c Call) copied() Call {
	c.Params = maps.Clone(c.Params)
	return c
}

// User is a user the fake's users.info knows; users.lookupByEmail finds
// them by Email.
type User struct {
	ID, Name         string
	Email            string
	IsAdmin, IsBot   bool
	IsOwner, Deleted bool
}

// Workspace is what a bot token belongs to: one workspace, or for an
// org-wide install (EnterpriseInstall) every workspace of an Enterprise Grid
// org.
type Workspace struct {
	// Token is the bot token (xoxb-…) that authenticates as this workspace.
	Token  string
	TeamID string
	// TeamName defaults to TeamID.
	TeamName     string
	EnterpriseID string
	// EnterpriseInstall marks an org-wide token.
	EnterpriseInstall bool
	// BotUserID defaults to BotUserID, BotID to "B0BOT".
	BotUserID, BotID string
	// Scopes, when not nil, are the only scopes the token was granted:
	// the methods that check them (users.lookupByEmail) answer
	// missing_scope without theirs. Nil grants every scope.
	Scopes []string
}

// missingScope returns the Slack error answer of a call by w that needs
// scope, or nil when w has it.
func (w Workspace) missingScope(scope string) map[string]any {
	if w.Scopes == nil || slices.Contains(w.Scopes, scope) {
		return nil
	}
	return map[string]any{"ok": false, "error": "missing_scope", "needed": scope, "provided": strings.Join(w.Scopes, ",")}
}

// Channel is a conversation conversations.info knows.
type Channel struct {
	ID, Name string
	// TeamID is the workspace the channel was created in (context_team_id).
	TeamID string
	// EnterpriseID is the org of TeamID, if any: an org-wide token sees the
	// org's channels.
	EnterpriseID string
	// SharedTeamIDs are the workspaces the channel is shared with
	// (Slack Connect or across an org), TeamID included or not.
	SharedTeamIDs []string
	// Private channels are visible only while the bot is a member.
	Private, BotMember bool
	// IM marks a direct-message conversation.
	IM bool
}

// Failure makes one call fail.
type Failure struct {
	// Status is the HTTP status (429, 500…); 0 means 200 with Error.
	Status int
	// RetryAfter is the 429's Retry-After in seconds.
	RetryAfter int
	// Error is a Slack error code returned with ok:false.
	Error string
	// Drop does what the call asks (a message is posted) and then closes
	// the connection without an answer, as a network failure after the
	// request arrived would: the caller cannot know that it worked.
	Drop bool
}

// Ack is a Socket Mode acknowledgement the bot sent.
type Ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// Server is the fake Slack.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	changed  chan struct{}
	calls    []Call
	users    map[string]User
	failures map[string][]Failure
	// workspaces by bot token; channels by id.
	workspaces map[string]Workspace
	channels   map[string]Channel
	seq        int64

	// Socket Mode.
	conns    int
	sock     *websocket.Conn
	sockMu   sync.Mutex // serialises writes to sock
	acks     []Ack
	envelope int

	// Views: trigger ids handed out with interactions, and the views
	// opened or published, by id.
	triggers map[string]trigger
	viewByID map[string]*View

	// OAuth: the app oauth.v2.access authenticates and unredeemed codes.
	oauthApp *OAuthApp
	codes    map[string]Grant
	// Token rotation: refresh tokens not yet used, with the bot token
	// they renew; when each rotating bot token expires.
	refresh map[string]refreshGrant
	expiry  map[string]time.Time
}

// New starts a fake Slack; it is closed when the test ends.
func New(tb testing.TB) *Server {
	s := &Server{changed: make(chan struct{}), users: map[string]User{}, failures: map[string][]Failure{},
		workspaces: map[string]Workspace{}, channels: map[string]Channel{},
		triggers: map[string]trigger{}, viewByID: map[string]*View{},
		refresh: map[string]refreshGrant{}, expiry: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.api)
	mux.HandleFunc("/response/", s.response)
	mux.HandleFunc("/socket", s.socket)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and any socket.
func (s *Server) Close() {
	s.sockMu.Lock()
	if s.sock != nil {
		_ = s.sock.Close()
	}
	s.sockMu.Unlock()
	s.srv.Close()
}

// APIURL is the Web API base URL, with the trailing slash slack-go needs.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL returns a response_url for an interaction or command.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + id }

// AddUser makes users.info know u.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddWorkspace makes w.Token a valid bot token of w.
func (s *Server) AddWorkspace(w Workspace) {
	if w.TeamName == "" {
		w.TeamName = w.TeamID
	}
	if w.BotUserID == "" {
		w.BotUserID = BotUserID
	}
	if w.BotID == "" {
		w.BotID = "B0BOT"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workspaces[w.Token] = w
}

// RevokeToken makes token invalid from now on, as uninstalling the app or
// revoking the token does (token_revoked).
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.workspaces[token]; ok {
		delete(s.workspaces, token)
		s.workspaces["revoked:"+token] = w
	}
}

// AddChannel makes conversations.info know c.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = c
}

// Fail queues failures for the next calls of method, in order.
func (s *Server) Fail(method string, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], fs...)
}

// Calls returns the recorded calls of method ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c.copied())
		}
	}
	return out
}

// Methods returns the distinct methods called so far.
func (s *Server) Methods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		if !slices.Contains(out, c.Method) {
			out = append(out, c.Method)
		}
	}
	return out
}

// wait blocks until cond holds over the server's state, or fails the test
// after timeout. cond runs with the server locked.
func (s *Server) wait(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			tb.Fatalf("fakeslack: timed out after %v waiting for %s", timeout, what)
		}
	}
}

// WaitCalls waits until method has been called at least n times and returns
// its calls.
func (s *Server) WaitCalls(tb testing.TB, method string, n int, timeout time.Duration) []Call {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d %s call(s)", n, method), func() bool {
		k := 0
		for _, c := range s.calls {
			if c.Method == method {
				k++
			}
		}
		return k >= n
	})
	return s.Calls(method)
}

// WaitCall waits for a call of method for which match is true.
func (s *Server) WaitCall(tb testing.TB, method string, timeout time.Duration, match func(Call) bool) Call {
	tb.Helper()
	var found Call
	s.wait(tb, timeout, "a matching "+method+" call", func() bool {
		for _, c := range s.calls {
			if c.Method == method && match(c) {
				found = c.copied()
				return true
			}
		}
		return false
	})
	return found
}

// broadcast wakes waiters; s.mu must be held.
func (s *Server) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) record(c Call) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c.copied())
	s.broadcast()
	if fs := s.failures[c.Method]; len(fs) > 0 {
		s.failures[c.Method] = fs[1:]
		return fs[0], true
	}
	return Failure{}, false
}

func (s *Server) nextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("1700000000.%06d", s.seq)
}

func readCall(r *http.Request, method string) Call {
	params, body := ReadParams(r)
	c := Call{Method: method, Params: params, Body: body}
	if h := r.Header.Get("Authorization"); h != "" {
		c.Token, c.Bearer = strings.TrimPrefix(h, "Bearer "), strings.HasPrefix(h, "Bearer ")
	}
	// Slack takes a token in a form body, never in a JSON one.
	if c.Token == "" && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		c.Token = c.Params["token"]
	}
	return c
}

// authenticate finds the workspace of c's token, or the Slack error code
// for a call it does not authenticate.
func (s *Server) authenticate(c Call) (Workspace, string) {
	if c.Token == "" {
		return Workspace{}, "not_authed"
	}
	if strings.HasPrefix(c.Token, "xapp-") != (c.Method == "apps.connections.open") {
		return Workspace{}, "not_allowed_token_type"
	}
	if c.Method == "apps.connections.open" {
		return Workspace{}, ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.workspaces[c.Token]; ok {
		if at, rotating := s.expiry[c.Token]; rotating && !time.Now().Before(at) {
			return Workspace{}, "token_expired"
		}
		return w, ""
	}
	if _, ok := s.workspaces["revoked:"+c.Token]; ok {
		return Workspace{}, "token_revoked"
	}
	return Workspace{}, "invalid_auth"
}

// visible reports whether w's token can see channel ch.
func (w Workspace) visible(ch Channel) bool {
	if ch.Private && !ch.BotMember {
		return false
	}
	if ch.TeamID == w.TeamID || slices.Contains(ch.SharedTeamIDs, w.TeamID) {
		return true
	}
	return w.EnterpriseInstall && w.EnterpriseID != "" && ch.EnterpriseID == w.EnterpriseID
}

// ReadParams reads a Web API request's body and returns its parameters,
// taking both encodings Slack takes: a form, or a JSON object (Content-Type
// application/json), whose top-level strings come unquoted and anything else
// as JSON text. It returns the raw body too. A body it cannot parse gives no
// parameters.
func ReadParams(r *http.Request) (map[string]string, []byte) {
	params := map[string]string{}
	body, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				var str string
				if json.Unmarshal(v, &str) == nil {
					params[k] = str
				} else {
					params[k] = string(v)
				}
			}
		}
	} else if vals, err := url.ParseQuery(string(body)); err == nil {
		for k := range vals {
			params[k] = vals.Get(k)
		}
	}
	return params, body
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	c := readCall(r, method)
	f, failed := s.record(c)
	if failed && f.Drop {
		// The call is recorded as made; the answer never leaves.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if failed {
		switch {
		case f.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			w.WriteHeader(f.Status)
			writeJSON(w, map[string]any{"ok": false, "error": "ratelimited"})
		case f.Status != 0:
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte("<html>upstream error</html>"))
		default:
			writeJSON(w, map[string]any{"ok": false, "error": f.Error})
		}
		return
	}
	if method == "oauth.v2.access" {
		// Authenticated by the app's client credentials, not a token.
		s.oauthAccess(w, r, c)
		return
	}
	ws, authErr := s.authenticate(c)
	if authErr != "" {
		writeJSON(w, map[string]any{"ok": false, "error": authErr})
		return
	}
	p := c.Params
	switch method {
	case "auth.test":
		out := map[string]any{"ok": true, "url": "https://" + strings.ToLower(ws.TeamID) + ".slack.com/", "team": ws.TeamName, "user": "whoowns",
			"team_id": ws.TeamID, "user_id": ws.BotUserID, "bot_id": ws.BotID, "is_enterprise_install": ws.EnterpriseInstall}
		if ws.EnterpriseID != "" {
			out["enterprise_id"] = ws.EnterpriseID
		}
		writeJSON(w, out)
	case "conversations.info":
		if p["channel"] == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
			return
		}
		s.mu.Lock()
		ch, ok := s.channels[p["channel"]]
		s.mu.Unlock()
		if !ok || !ws.visible(ch) {
			writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
			return
		}
		out := map[string]any{"id": ch.ID, "name": ch.Name, "is_channel": !ch.Private && !ch.IM, "is_group": ch.Private, "is_im": ch.IM,
			"is_private": ch.Private || ch.IM, "is_member": ch.BotMember, "context_team_id": ch.TeamID,
			"is_shared": len(ch.SharedTeamIDs) > 0, "created": 1700000000}
		if len(ch.SharedTeamIDs) > 0 {
			out["shared_team_ids"] = ch.SharedTeamIDs
		}
		writeJSON(w, map[string]any{"ok": true, "channel": out})
	case "chat.postMessage":
		writeJSON(w, map[string]any{"ok": true, "channel": p["channel"], "ts": s.nextTS()})
	case "chat.update":
		writeJSON(w, map[string]any{"ok": true, "channel": p["channel"], "ts": p["ts"], "text": p["text"]})
	case "chat.postEphemeral":
		writeJSON(w, map[string]any{"ok": true, "message_ts": s.nextTS()})
	case "conversations.open":
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.Split(p["users"], ",")[0]}})
	case "users.info":
		s.mu.Lock()
		u, ok := s.users[p["user"]]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
			"id": u.ID, "name": u.Name, "is_admin": u.IsAdmin, "is_owner": u.IsOwner, "is_bot": u.IsBot, "deleted": u.Deleted,
			"profile": map[string]any{"display_name": u.Name},
		}})
	case "users.lookupByEmail":
		if e := ws.missingScope("users:read.email"); e != nil {
			writeJSON(w, e)
			return
		}
		if p["email"] == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
			return
		}
		s.mu.Lock()
		var u User
		found := false
		for _, x := range s.users {
			if x.Email != "" && strings.EqualFold(x.Email, p["email"]) {
				u, found = x, true
				break
			}
		}
		s.mu.Unlock()
		if !found {
			writeJSON(w, map[string]any{"ok": false, "error": "users_not_found"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
			"id": u.ID, "team_id": ws.TeamID, "name": strings.ToLower(strings.ReplaceAll(u.Name, " ", ".")), "real_name": u.Name,
			"is_admin": u.IsAdmin, "is_owner": u.IsOwner, "is_bot": u.IsBot, "deleted": u.Deleted,
			"profile": map[string]any{"display_name": u.Name, "real_name": u.Name, "email": u.Email},
		}})
	case "views.publish", "views.open", "views.push", "views.update":
		s.views(w, ws, method, p)
	case "apps.connections.open":
		writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket"})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	c := readCall(r, "response_url")
	c.Params["id"] = strings.TrimPrefix(r.URL.Path, "/response/")
	if f, failed := s.record(c); failed && f.Status != 0 {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		w.WriteHeader(f.Status)
		return
	}
	_, _ = w.Write([]byte("ok"))
}
