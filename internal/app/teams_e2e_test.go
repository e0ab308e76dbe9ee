package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/redisstore"
	"github.com/whoowns/whoowns/internal/redistest"
	"github.com/whoowns/whoowns/internal/teams"
)

// The Teams tenant of the end-to-end test.
const (
	e2eAppID   = "11111111-2222-3333-4444-555555555555"
	e2eBotID   = "28:" + e2eAppID
	e2eTenant  = "72f988bf-0000-0000-0000-e2e000000000"
	e2eChannel = "19:checkout@thread.tacv2"
	e2eMSTeam  = "19:team@thread.tacv2"
	e2eDesign  = "19:design@thread.tacv2"
	e2eToken   = "e2e-bot-token"
)

var (
	e2eAlice = ownership.Person{ID: "29:alice", Name: "Alice Archer"}
	e2eBob   = ownership.Person{ID: "29:bob", Name: "Bob Baker"}
	e2eCarol = ownership.Person{ID: "29:carol", Name: "Carol Chen"}
	e2eLead  = ownership.Person{ID: "29:lead", Name: "Lena Lead"}
)

// teamsWorld is the outside of one Teams deployment: the Bot Framework's
// OpenID issuer and token endpoint, and the Bot Connector, as httptest
// servers, plus the running app.
type teamsWorld struct {
	t         *testing.T
	key       *rsa.PrivateKey
	issuer    *httptest.Server
	connector *httptest.Server
	calls     chan teamsCall
	tokens    atomic.Int64
	app       *App
	base      string
	store     ownership.Store
	marks     int // markers posted by drain
	// refuseCreate makes the connector refuse to open personal chats.
	refuseCreate atomic.Bool
	// replyFailures, each taken by one reply: "403" refuses it, "drop"
	// posts it and closes the connection without an answer. Failed replies
	// are recorded with failed set.
	replyFailures chan string
	postedIDs     atomic.Int64
	// channelLists counts the reads of a team's channel list.
	channelLists atomic.Int64
}

// teamsCall is one request the bot made to the connector.
type teamsCall struct {
	kind, conversation, activity string
	authorization                string
	out                          teamsOut
	failed                       string
	// posted is the id the connector gave the message the bot posted.
	posted string
}

type teamsOut struct {
	Text        string           `json:"text"`
	ReplyToID   string           `json:"replyToId"`
	Entities    []schema.Mention `json:"entities"`
	Attachments []struct {
		Content struct {
			Body []struct {
				Type        string `json:"type"`
				ID          string `json:"id"`
				Value       string `json:"value"`
				ChoicesData *struct {
					Type    string `json:"type"`
					Dataset string `json:"dataset"`
				} `json:"choices.data"`
				Text    string `json:"text"`
				Actions []struct {
					Title string         `json:"title"`
					Data  map[string]any `json:"data"`
				} `json:"actions"`
			} `json:"body"`
			MSTeams struct {
				Entities []schema.Mention `json:"entities"`
			} `json:"msteams"`
			Actions []struct {
				Title string         `json:"title"`
				Data  map[string]any `json:"data"`
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
	Members  []schema.ChannelAccount `json:"members"`
	TenantID string                  `json:"tenantId"`
}

// cardText is the text of the reply's card, block by block.
func (o teamsOut) cardText() string {
	var parts []string
	for _, a := range o.Attachments {
		for _, b := range a.Content.Body {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// rawTeamsID finds a Teams conversation id (19:…@thread…) in text.
var rawTeamsID = regexp.MustCompile(`19:[^\s*"]*@thread[.a-z0-9]*`)

// rawChannelID returns a Teams channel id shown to people in o (its text,
// its card's text and button titles), or "".
func rawChannelID(o teamsOut) string {
	texts := []string{o.Text, o.cardText()}
	for _, a := range o.Attachments {
		for _, b := range a.Content.Body {
			for _, act := range b.Actions {
				texts = append(texts, act.Title)
			}
		}
		for _, act := range a.Content.Actions {
			texts = append(texts, act.Title)
		}
	}
	for _, t := range texts {
		if id := rawTeamsID.FindString(t); id != "" {
			return id
		}
	}
	return ""
}

func (o teamsOut) cardMentions() []schema.Mention {
	if len(o.Attachments) == 0 {
		return nil
	}
	return o.Attachments[0].Content.MSTeams.Entities
}

func newTeamsWorld(t *testing.T) *teamsWorld {
	t.Helper()
	// The real store: Redis when REDIS_URL is set, else miniredis.
	client, prefix := redistest.Client(t)
	return newTeamsWorldOn(t, redisstore.New(client, redisstore.WithPrefix(prefix)), nil)
}

// newTeamsWorldOn seeds store and starts the app on it; tune, when not nil,
// adjusts the app's configuration first (the fault tests build the store
// from a Redis URL instead).
func newTeamsWorldOn(t *testing.T, store ownership.Store, tune func(*Config)) *teamsWorld {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	w := &teamsWorld{t: t, key: key, calls: make(chan teamsCall, 100), replyFailures: make(chan string, 10)}

	im := http.NewServeMux()
	im.HandleFunc("GET /openid", func(rw http.ResponseWriter, r *http.Request) {
		json.NewEncoder(rw).Encode(map[string]any{"issuer": "https://api.botframework.com", "jwks_uri": w.issuer.URL + "/keys"})
	})
	im.HandleFunc("GET /keys", func(rw http.ResponseWriter, r *http.Request) {
		jwk := func(kid string, endorsements []string) map[string]any {
			return map[string]any{"kty": "RSA", "use": "sig", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
				"endorsements": endorsements}
		}
		// As Microsoft's: the keys that sign Teams activities sign Web Chat
		// and Direct Line ones too, where the client writes from and
		// channelData. e2e-unendorsed vouches for no channel at all.
		json.NewEncoder(rw).Encode(map[string]any{"keys": []map[string]any{
			jwk("e2e-key", []string{"msteams", "webchat", "directline", "skype", "emulator", "slack"}),
			jwk("e2e-webchat", []string{"webchat", "directline"}),
			jwk("e2e-unendorsed", nil),
		}})
	})
	im.HandleFunc("POST /token", func(rw http.ResponseWriter, r *http.Request) {
		w.tokens.Add(1)
		if r.FormValue("client_id") != e2eAppID || r.FormValue("client_secret") != "e2e-secret" {
			http.Error(rw, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(rw).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": e2eToken})
	})
	w.issuer = httptest.NewServer(im)
	t.Cleanup(w.issuer.Close)

	cm := http.NewServeMux()
	record := func(kind string) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			c := teamsCall{kind: kind, conversation: r.PathValue("conv"), activity: r.PathValue("id"), authorization: r.Header.Get("Authorization"),
				posted: fmt.Sprintf("1%012d", w.postedIDs.Add(1))}
			if r.Header.Get("Authorization") != "Bearer "+e2eToken {
				// As the Bot Connector: no call without the bot's token.
				http.Error(rw, `{"message":"Authorization has been denied for this request."}`, http.StatusUnauthorized)
				return
			}
			if r.Method == http.MethodPost || r.Method == http.MethodPut {
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &c.out); err != nil {
					t.Errorf("the bot sent a malformed %s: %v", kind, err)
				}
				if id := rawChannelID(c.out); id != "" {
					t.Errorf("the bot showed people the Teams channel id %q in a %s:\n%s\n%s", id, kind, c.out.Text, c.out.cardText())
				}
			}
			if kind == "reply" {
				select {
				case c.failed = <-w.replyFailures:
					w.calls <- c
					if c.failed == "drop" {
						conn, _, _ := rw.(http.Hijacker).Hijack()
						conn.Close()
						return
					}
					http.Error(rw, `{"error":{"code":"Forbidden","message":"The bot is not part of the conversation roster."}}`, http.StatusForbidden)
					return
				default:
				}
			}
			if kind == "create" && w.refuseCreate.Load() {
				// As for a user who blocked the bot's personal chat.
				http.Error(rw, `{"error":{"code":"Forbidden","message":"The user has blocked the bot."}}`, http.StatusForbidden)
				return
			}
			w.calls <- c
			switch kind {
			case "create":
				json.NewEncoder(rw).Encode(map[string]any{"id": "a:personal-" + c.out.Members[0].ID})
			case "member":
				// A people picker gives an Azure AD object id; the roster
				// answers with the person's id for the bot.
				for _, p := range []ownership.Person{e2eAlice, e2eBob, e2eCarol, e2eLead} {
					if r.PathValue("user") == "aad-"+p.ID {
						json.NewEncoder(rw).Encode(map[string]any{"id": p.ID, "name": p.Name, "aadObjectId": "aad-" + p.ID})
						return
					}
				}
				json.NewEncoder(rw).Encode(map[string]any{"id": r.PathValue("user"), "name": "Dave Diaz"})
			case "channels":
				w.channelLists.Add(1)
				// Only the team the bot is installed in; the Bot Connector
				// refuses others.
				if r.PathValue("team") != e2eMSTeam {
					http.Error(rw, `{"error":{"code":"BotNotInConversationRoster","message":"The bot is not part of the conversation roster."}}`, http.StatusForbidden)
					return
				}
				json.NewEncoder(rw).Encode(map[string]any{"conversations": []map[string]any{
					{"id": e2eMSTeam}, // General: no name, the team's id
					{"id": e2eChannel, "name": "checkout"},
					{"id": e2eDesign, "name": "design"},
				}})
			default:
				// Like Teams: every message posted gets an id of its own.
				json.NewEncoder(rw).Encode(map[string]any{"id": c.posted})
			}
		}
	}
	cm.HandleFunc("POST /v3/conversations/{conv}/activities/{id}", record("reply"))
	cm.HandleFunc("POST /v3/conversations/{conv}/activities", record("send"))
	cm.HandleFunc("PUT /v3/conversations/{conv}/activities/{id}", record("update"))
	cm.HandleFunc("POST /v3/conversations", record("create"))
	cm.HandleFunc("GET /v3/conversations/{conv}/members/{user}", record("member"))
	cm.HandleFunc("GET /v3/teams/{team}/conversations", record("channels"))
	w.connector = httptest.NewServer(cm)
	t.Cleanup(w.connector.Close)

	w.store = store
	tenant := ownership.TenantID("teams:" + e2eTenant)
	_, _, err = w.store.Update(context.Background(), tenant, func(d *ownership.Directory) ([]ownership.Change, error) {
		d.Teams["checkout"] = &ownership.Team{ID: "checkout", Name: "Checkout",
			Roles: map[ownership.Role]ownership.Assignment{
				ownership.ProductManager: {Person: e2eAlice},
				ownership.ProductOwner:   {Person: e2eBob},
			},
			Members:  []ownership.Person{e2eAlice, e2eBob, e2eCarol},
			Channels: []ownership.Channel{{ID: e2eChannel, Name: "checkout"}},
		}
		return []ownership.Change{{At: time.Now().UTC(), Action: "import", Summary: "seeded"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	cfg := Config{
		Store:  w.store,
		Admins: []string{e2eLead.ID}, // WHOOWNS_ADMINS holds Teams from.id values
		Teams: &teams.Config{AppID: e2eAppID, AppPassword: "e2e-secret",
			OpenIDMetadataURL: w.issuer.URL + "/openid", TokenURL: w.issuer.URL + "/token",
			// One worker answers in arrival order, so "nothing more came"
			// can be checked after a later message's answer.
			Workers: 1},
		QuestionsPerMinute: 100, CommandsPerMinute: 100,
		ShutdownTimeout: 10 * time.Second,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	w.app, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- w.app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Serve did not return after shutdown")
		}
	})
	return w
}

func (w *teamsWorld) serviceURL() string { return w.connector.URL + "/" }

// post sends an activity as the Bot Connector would, with a signed token,
// and expects it accepted.
func (w *teamsWorld) post(act map[string]any) {
	w.t.Helper()
	if code := w.postSigned("e2e-key", act); code != http.StatusAccepted {
		w.t.Fatalf("activity %v refused: HTTP %d", act["id"], code)
	}
}

// postSigned sends an activity with a token signed by the issuer's key kid
// and returns the HTTP status.
func (w *teamsWorld) postSigned(kid string, act map[string]any) int {
	w.t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "https://api.botframework.com", "aud": e2eAppID, "serviceurl": w.serviceURL(),
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := json.Marshal(act)
	req, _ := http.NewRequest(http.MethodPost, w.base+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+signed)
	req.Header.Set("Content-Type", "application/json")
	resp, err := testClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// next waits for the bot's next call to the connector, of the given kind.
func (w *teamsWorld) next(kind string) teamsCall {
	w.t.Helper()
	select {
	case c := <-w.calls:
		if c.kind != kind {
			w.t.Fatalf("the bot made a %s (%q), want a %s", c.kind, c.out.Text, kind)
		}
		if c.authorization != "Bearer "+e2eToken {
			w.t.Fatalf("%s sent with Authorization %q", kind, c.authorization)
		}
		return c
	case <-time.After(10 * time.Second):
		w.t.Fatalf("timed out waiting for a %s", kind)
	}
	return teamsCall{}
}

// private returns the reply to activity id that went to user in their
// personal chat with the bot, after checking that the chat was opened for
// them in the tenant and that the activity's thread got only a note.
func (w *teamsWorld) private(user ownership.Person, id string) teamsCall {
	w.t.Helper()
	return w.privateAfter(w.next("create"), user, id)
}

// privateAfter is private once the opening of the personal chat, c, was read.
func (w *teamsWorld) privateAfter(c teamsCall, user ownership.Person, id string) teamsCall {
	w.t.Helper()
	if c.kind != "create" || len(c.out.Members) != 1 || c.out.Members[0].ID != user.ID || c.out.TenantID != e2eTenant {
		w.t.Fatalf("personal chat opened with %+v in tenant %q, want %s", c.out.Members, c.out.TenantID, user.ID)
	}
	s := w.next("send")
	if s.conversation != "a:personal-"+user.ID {
		w.t.Fatalf("private reply to %s sent to %q", id, s.conversation)
	}
	if n := w.next("reply"); n.activity != id || n.out.Text != "I've answered you privately, in our personal chat." || len(n.out.Attachments) != 0 {
		w.t.Fatalf("public note for %s: %q (in reply to %s)", id, n.out.Text, n.activity)
	}
	return s
}

// quiet checks that the bot made no call it was not expected to.
func (w *teamsWorld) quiet() {
	w.t.Helper()
	select {
	case c := <-w.calls:
		w.t.Fatalf("unexpected %s: %q", c.kind, c.out.Text)
	default:
	}
}

// say is a channel message to the bot in Checkout's channel, with mentions
// of people as Teams sends them: <at>Name</at> in the text plus an entity.
func (w *teamsWorld) say(id string, from ownership.Person, text string, mentioned ...ownership.Person) map[string]any {
	ents := []map[string]any{{"type": "mention", "text": "<at>whoowns</at>", "mentioned": map[string]any{"id": e2eBotID, "name": "whoowns"}}}
	for _, p := range mentioned {
		first, _, _ := strings.Cut(p.Name, " ")
		ents = append(ents, map[string]any{"type": "mention", "text": "<at>" + first + "</at>", "mentioned": map[string]any{"id": p.ID, "name": p.Name}})
	}
	return map[string]any{
		"type": "message", "id": id, "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"from":      map[string]any{"id": from.ID, "name": from.Name, "aadObjectId": "aad-" + from.ID},
		"recipient": map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": e2eChannel + ";messageid=" + id, "conversationType": "channel",
			"isGroup": true, "tenantId": e2eTenant},
		"channelData": map[string]any{"tenant": map[string]any{"id": e2eTenant}, "teamsTeamId": e2eMSTeam,
			"team": map[string]any{"id": e2eMSTeam}, "channel": map[string]any{"id": e2eChannel, "name": "checkout"}},
		"text": "<at>whoowns</at> " + text, "entities": ents,
	}
}

// TestTeamsEndToEnd drives the real wiring (app.New, Serve, the Redis store)
// through the scenarios a Teams tenant meets.
func TestTeamsEndToEnd(t *testing.T) {
	t.Parallel()
	w := newTeamsWorld(t)

	// A question is answered in its thread, naming the person as a mention.
	w.post(w.say("q1", e2eCarol, "who writes the acceptance criteria?"))
	r := w.next("reply")
	if r.activity != "q1" || r.out.ReplyToID != "q1" || r.conversation != e2eChannel+";messageid=q1" {
		t.Fatalf("answer posted to %s/%s with replyToId %q, want a reply to q1 in its thread", r.conversation, r.activity, r.out.ReplyToID)
	}
	if !strings.Contains(r.out.cardText(), "<at>Bob Baker</at>, the Product Owner of **Checkout**") {
		t.Fatalf("answer card:\n%s", r.out.cardText())
	}
	if m := r.out.cardMentions(); len(m) == 0 || m[0].Mentioned.ID != e2eBob.ID || m[0].Text != "<at>Bob Baker</at>" {
		t.Fatalf("answer mentions %+v, want Bob's entity", m)
	}

	// A non-lead cannot change the owner.
	w.post(w.say("n1", e2eAlice, "set po <at>Alice</at> checkout", e2eAlice))
	if r := w.private(e2eAlice, "n1"); !strings.Contains(r.out.Text, "Only leads") {
		t.Fatalf("non-lead got %q", r.out.Text)
	}

	// A lead (listed in WHOOWNS_ADMINS by from.id) makes Carol the PO.
	w.post(w.say("l1", e2eLead, "set po <at>Carol</at> checkout", e2eCarol))
	r = w.private(e2eLead, "l1")
	if !strings.Contains(r.out.Text, "Done: <at>Carol Chen</at> is now Product Owner of **Checkout** (was <at>Bob Baker</at>)") {
		t.Fatalf("lead's change answered %q", r.out.Text)
	}
	ids := map[string]bool{}
	for _, e := range r.out.Entities {
		ids[e.Mentioned.ID] = true
	}
	if !ids[e2eCarol.ID] || !ids[e2eBob.ID] || len(ids) != 2 {
		t.Fatalf("reply entities %+v", r.out.Entities)
	}
	// …announced in the team's linked channel, as a new message.
	if a := w.next("send"); a.conversation != e2eChannel || !strings.Contains(a.out.Text, "<at>Lena Lead</at> made <at>Carol Chen</at> Product Owner of Checkout") {
		t.Fatalf("announcement %q in %q", a.out.Text, a.conversation)
	}

	// The same question now names Carol, and history has the change.
	w.post(w.say("q2", e2eAlice, "who writes the acceptance criteria?"))
	if r := w.next("reply"); !strings.Contains(r.out.cardText(), "<at>Carol Chen</at>, the Product Owner") {
		t.Fatalf("answer after the change:\n%s", r.out.cardText())
	}
	w.post(w.say("h1", e2eAlice, "history checkout"))
	// History names people with <at> mentions, each with its entity.
	if r := w.private(e2eAlice, "h1"); !strings.Contains(r.out.Text, "<at>Lena Lead</at> made <at>Carol Chen</at> Product Owner of Checkout (was <at>Bob Baker</at>)") || len(r.out.Entities) != 3 {
		t.Fatalf("history %q with entities %+v", r.out.Text, r.out.Entities)
	}

	// A new member is welcomed once by personal message, even when the
	// event is delivered twice.
	join := map[string]any{
		"type": "conversationUpdate", "id": "f:join-1", "channelId": "msteams", "serviceUrl": w.serviceURL(),
		"recipient":    map[string]any{"id": e2eBotID, "name": "whoowns"},
		"conversation": map[string]any{"id": e2eChannel, "conversationType": "channel", "isGroup": true, "tenantId": e2eTenant},
		"channelData":  map[string]any{"tenant": map[string]any{"id": e2eTenant}, "eventType": "teamMemberAdded"},
		"membersAdded": []map[string]any{{"id": "29:dave", "aadObjectId": "aad-dave"}},
	}
	w.post(join)
	w.post(join)
	w.next("member")
	c := w.next("create")
	if len(c.out.Members) != 1 || c.out.Members[0].ID != "29:dave" {
		t.Fatalf("personal chat opened with %+v", c.out.Members)
	}
	welcome := w.next("send")
	if welcome.conversation != "a:personal-29:dave" || !strings.Contains(welcome.out.cardText(), "Welcome, <at>Dave Diaz</at>") {
		t.Fatalf("welcome %q in %q", welcome.out.cardText(), welcome.conversation)
	}

	// A redelivered activity is answered once.
	w.post(w.say("r1", e2eCarol, "who owns the roadmap?"))
	w.post(w.say("r1", e2eCarol, "who owns the roadmap?"))
	if r := w.next("reply"); r.activity != "r1" || !strings.Contains(r.out.cardText(), "<at>Alice Archer</at>") {
		t.Fatalf("roadmap answer %q", r.out.cardText())
	}
	// With one worker, the marker's answer comes after anything the
	// duplicates could have caused.
	w.post(w.say("marker", e2eCarol, "teams"))
	if r := w.next("reply"); r.activity != "marker" {
		t.Fatalf("reply to %q, want the marker", r.activity)
	}
	w.quiet()
	if n := w.tokens.Load(); n != 1 {
		t.Errorf("bot token fetched %d times, want 1", n)
	}
}
