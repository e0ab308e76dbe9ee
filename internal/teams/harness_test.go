package teams

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/metrics"
	"github.com/whoowns/whoowns/internal/ownership"
)

// Identities of the fake tenant.
const (
	testAppID    = "00000000-0000-0000-0000-00000000a99"
	testPassword = "s3cret"
	testTenant   = "tenant-1"
	testBotID    = "28:" + testAppID
	testChannel  = "19:checkout@thread.tacv2"
	testTeamID   = "19:general@thread.tacv2"
	testToken    = "bot-access-token"
)

var (
	alice = ownership.Person{ID: "29:alice", Name: "Alice Archer"}
	bob   = ownership.Person{ID: "29:bob", Name: "Bob Baker"}
	carol = ownership.Person{ID: "29:carol", Name: "Carol Chen"}
	lena  = ownership.Person{ID: "29:lena", Name: "Lena Lead"}
)

// testDirectory: Checkout (PM Alice, PO Bob, linked to testChannel) and
// Payments; Lena is a lead.
func testDirectory() *ownership.Directory {
	d := ownership.NewDirectory("teams:" + testTenant)
	d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout",
		Roles: map[ownership.Role]ownership.Assignment{
			ownership.ProductManager: {Person: alice},
			ownership.ProductOwner:   {Person: bob},
		},
		Members:  []ownership.Person{alice, bob, carol},
		Channels: []ownership.Channel{{ID: testChannel, Name: "checkout"}},
	}
	d.Teams["payments"] = &ownership.Team{ID: "payments", Name: "Payments"}
	d.Leads = []ownership.Person{lena}
	return d
}

// clock is real time plus an offset tests can move.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// issuer plays login.botframework.com (OpenID metadata and keys) and the
// AAD token endpoint, counting each.
type issuer struct {
	srv                          *httptest.Server
	metaHits, keysHits, tokenHit atomic.Int64
	tokenStatus                  atomic.Int32

	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey
	kid  string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	is := &issuer{keys: map[string]*rsa.PrivateKey{}}
	is.rotate(t, "key-1")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openid", func(w http.ResponseWriter, r *http.Request) {
		is.metaHits.Add(1)
		writeJSON(w, map[string]any{"issuer": tokenIssuer, "jwks_uri": is.srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.keysHits.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		var keys []map[string]any
		for kid, k := range is.keys {
			keys = append(keys, map[string]any{"kty": "RSA", "use": "sig", "kid": kid,
				"n":            base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
				"endorsements": []string{"msteams", "webchat"}})
		}
		writeJSON(w, map[string]any{"keys": keys})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		is.tokenHit.Add(1)
		if s := is.tokenStatus.Load(); s != 0 {
			http.Error(w, `{"error":"invalid_client"}`, int(s))
			return
		}
		if r.FormValue("grant_type") != "client_credentials" || r.FormValue("client_id") != testAppID ||
			r.FormValue("client_secret") != testPassword || r.FormValue("scope") != tokenScope {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": testToken})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// rotate replaces the published keys with a new one named kid.
func (is *issuer) rotate(t *testing.T, kid string) {
	t.Helper()
	k := testKey(t, kid)
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = map[string]*rsa.PrivateKey{kid: k}
	is.kid = kid
}

// testKeys holds one RSA key per name, shared by all tests: generating
// 2048-bit keys dominates the run time under the race detector.
var testKeys sync.Map

func testKey(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	if k, ok := testKeys.Load(name); ok {
		return k.(*rsa.PrivateKey)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	actual, _ := testKeys.LoadOrStore(name, k)
	return actual.(*rsa.PrivateKey)
}

// sign makes a token signed by the current key.
func (is *issuer) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	is.mu.Lock()
	kid, key := is.kid, is.keys[is.kid]
	is.mu.Unlock()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims are valid claims for serviceURL at now.
func claims(now time.Time, serviceURL string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": tokenIssuer, "aud": testAppID, "serviceurl": serviceURL,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
	}
}

// sent is an activity the bot posted to the fake connector.
type sent struct {
	Kind         string                  `json:"-"` // reply, send, create, member
	Conversation string                  `json:"-"`
	ActivityID   string                  `json:"-"`
	Auth         string                  `json:"-"`
	Members      []schema.ChannelAccount `json:"-"`
	TenantID     string                  `json:"-"`
	Type         string                  `json:"type"`
	Text         string                  `json:"text"`
	ReplyToID    string                  `json:"replyToId"`
	Entities     []schema.Mention        `json:"entities"`
	Attachments  []sentAttachment        `json:"attachments"`
}

type sentAttachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content"`
}

// card decodes the first attachment's Adaptive Card.
func (s sent) card(t *testing.T) adaptiveCard {
	t.Helper()
	if len(s.Attachments) == 0 {
		t.Fatalf("%s has no attachment: %q", s.Kind, s.Text)
	}
	var c adaptiveCard
	if err := json.Unmarshal(s.Attachments[0].Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// connector plays the Bot Connector of a service URL.
type connector struct {
	srv   *httptest.Server
	calls chan sent
	// status, when set, answers a call with an error status.
	status func(kind string) int
	count  atomic.Int64
}

func newConnector(t *testing.T) *connector {
	t.Helper()
	c := &connector{calls: make(chan sent, 1000)}
	mux := http.NewServeMux()
	record := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c.count.Add(1)
			if c.status != nil {
				if s := c.status(kind); s != 0 {
					w.WriteHeader(s)
					return
				}
			}
			s := sent{Kind: kind, Conversation: r.PathValue("conv"), ActivityID: r.PathValue("id"), Auth: r.Header.Get("Authorization")}
			if r.Body != nil {
				b, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(b, &s)
				if kind == "create" {
					var p conversationParams
					_ = json.Unmarshal(b, &p)
					s.Members, s.TenantID = p.Members, p.TenantID
				}
			}
			c.calls <- s
			switch kind {
			case "create":
				writeJSON(w, map[string]any{"id": "a:personal-" + s.Members[0].ID})
			case "member":
				names := map[string]string{carol.ID: carol.Name, "29:dave": "Dave Diaz"}
				writeJSON(w, map[string]any{"id": s.ActivityID, "name": names[r.PathValue("user")]})
			default:
				writeJSON(w, map[string]any{"id": "sent-1"})
			}
		}
	}
	mux.HandleFunc("POST /v3/conversations/{conv}/activities/{id}", record("reply"))
	mux.HandleFunc("PUT /v3/conversations/{conv}/activities/{id}", record("update"))
	mux.HandleFunc("POST /v3/conversations/{conv}/activities", record("send"))
	mux.HandleFunc("POST /v3/conversations", record("create"))
	mux.HandleFunc("GET /v3/conversations/{conv}/members/{user}", record("member"))
	mux.HandleFunc("GET /v3/teams/{team}/conversations", record("channels"))
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	return c
}

// serviceURL is the connector's URL as Teams sends it, with a trailing slash.
func (c *connector) serviceURL() string { return c.srv.URL + "/" }

// next waits for the next call to the connector.
func (c *connector) next(t *testing.T) sent {
	t.Helper()
	select {
	case s := <-c.calls:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the bot to call the connector")
	}
	return sent{}
}

// nextKind waits for the next call of kind, failing on any other first.
func (c *connector) nextKind(t *testing.T, kind string) sent {
	t.Helper()
	s := c.next(t)
	if s.Kind != kind {
		t.Fatalf("connector got %s (%q), want %s", s.Kind, s.Text, kind)
	}
	return s
}

// private returns the reply to activity id that went to user in their
// personal chat, after checking the chat was opened for them and that the
// thread got only the note pointing there.
func (c *connector) private(t *testing.T, user, id string) sent {
	t.Helper()
	if cr := c.nextKind(t, "create"); len(cr.Members) != 1 || cr.Members[0].ID != user || cr.TenantID != testTenant {
		t.Fatalf("personal chat opened with %+v in %q, want %s", cr.Members, cr.TenantID, user)
	}
	s := c.nextKind(t, "send")
	if s.Conversation != "a:personal-"+user {
		t.Fatalf("private reply sent to %q", s.Conversation)
	}
	if n := c.nextKind(t, "reply"); n.ActivityID != id || n.Text != privateNote {
		t.Fatalf("note in the thread of %s: %q (to %s)", id, n.Text, n.ActivityID)
	}
	return s
}

// none checks that nothing else reached the connector.
func (c *connector) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-c.calls:
		t.Fatalf("unexpected %s to the connector: %q", s.Kind, s.Text)
	default:
	}
}

// harness runs an Adapter against a fake issuer and connector.
type harness struct {
	t       *testing.T
	is      *issuer
	conn    *connector
	store   *memstore.Store
	a       *Adapter
	srv     *httptest.Server
	clock   *clock
	metrics *metrics.Metrics
}

// newHarness starts an adapter with four workers running.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessN(t, 4)
}

// newHarnessN starts an adapter with n workers; with one, activities are
// handled in the order they were posted.
func newHarnessN(t *testing.T, n int) *harness {
	t.Helper()
	h := newIdleHarness(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// newIdleHarness builds an adapter whose Run the test starts itself.
func newIdleHarness(t *testing.T, workers int) *harness {
	t.Helper()
	h := &harness{t: t, is: newIssuer(t), conn: newConnector(t), clock: &clock{}, metrics: metrics.New()}
	h.store = memstore.New(memstore.WithDirectory(testDirectory()))
	cat, err := intent.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(h.store, cat, bot.WithLogger(discard()))
	h.a, err = New(Config{
		AppID: testAppID, AppPassword: testPassword,
		OpenIDMetadataURL: h.is.srv.URL + "/openid", TokenURL: h.is.srv.URL + "/token",
		Workers: workers, Logger: discard(), Now: h.clock.Now, Metrics: h.metrics,
	}, svc, h.store)
	if err != nil {
		t.Fatal(err)
	}
	h.a.conn.backoff = time.Millisecond
	mux := http.NewServeMux()
	h.a.Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

// token is a valid token for the fake connector.
func (h *harness) token() string { return h.is.sign(h.t, claims(h.clock.Now(), h.conn.serviceURL())) }

// post sends an activity with the given Authorization header value.
func (h *harness) post(act map[string]any, authz string) int {
	h.t.Helper()
	b, err := json.Marshal(act)
	if err != nil {
		h.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/messages", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// send posts an activity with a valid token and expects it accepted.
func (h *harness) send(act map[string]any) {
	h.t.Helper()
	if code := h.post(act, "Bearer "+h.token()); code != http.StatusAccepted && code != http.StatusOK {
		h.t.Fatalf("activity refused: HTTP %d", code)
	}
}

// mention is a mention entity plus its text.
func mention(p ownership.Person, text string) map[string]any {
	return map[string]any{"type": "mention", "text": text, "mentioned": map[string]any{"id": p.ID, "name": p.Name}}
}

func botMention() map[string]any {
	return mention(ownership.Person{ID: testBotID, Name: "whoowns"}, "<at>whoowns</at>")
}

// channelMessage is a message in the Checkout channel addressed to the bot.
func (h *harness) channelMessage(id string, from ownership.Person, text string, entities ...map[string]any) map[string]any {
	return map[string]any{
		"type": "message", "id": id, "channelId": "msteams", "serviceUrl": h.conn.serviceURL(),
		"timestamp": "2026-03-02T10:00:00.123Z",
		"from":      map[string]any{"id": from.ID, "name": from.Name, "aadObjectId": "aad-" + from.ID},
		"recipient": map[string]any{"id": testBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": testChannel + ";messageid=" + id, "conversationType": "channel",
			"isGroup": true, "tenantId": testTenant},
		"channelData": map[string]any{"tenant": map[string]any{"id": testTenant}, "team": map[string]any{"id": testTeamID},
			"channel": map[string]any{"id": testChannel, "name": "checkout"}},
		"text": "<at>whoowns</at> " + text, "entities": append([]map[string]any{botMention()}, entities...),
	}
}

// personalMessage is a message in the user's personal chat with the bot.
func (h *harness) personalMessage(id string, from ownership.Person, text string) map[string]any {
	return map[string]any{
		"type": "message", "id": id, "channelId": "msteams", "serviceUrl": h.conn.serviceURL(),
		"from":         map[string]any{"id": from.ID, "name": from.Name},
		"recipient":    map[string]any{"id": testBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": "a:personal-" + from.ID, "conversationType": "personal", "tenantId": testTenant},
		"channelData":  map[string]any{"tenant": map[string]any{"id": testTenant}},
		"text":         text,
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
