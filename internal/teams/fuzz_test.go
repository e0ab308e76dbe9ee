package teams

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/intent"
	"github.com/whoowns/whoowns/internal/memstore"
	"github.com/whoowns/whoowns/internal/ownership"
)

// fuzzServiceURL stands in for the connector's URL in seed activities; the
// target swaps in the fake connector's real one.
const fuzzServiceURL = "https://smba.example/"

// fuzzActivitySeeds are activities of every kind the adapter handles; the
// same are checked in as testdata/fuzz/FuzzActivity/seed*.
func fuzzActivitySeeds() [][]byte {
	h := &harness{conn: &connector{srv: &httptest.Server{URL: strings.TrimSuffix(fuzzServiceURL, "/")}}}
	yes := true
	acts := []map[string]any{
		h.channelMessage("m1", carol, "who writes the acceptance criteria?"),
		h.channelMessage("m2", lena, "set po <at>Carol</at> checkout", mention(carol, "<at>Carol</at>")),
		h.channelMessage("m3", lena, "channel <at>checkout</at> payments", mention(ownership.Person{ID: "19:x@thread.tacv2", Name: "checkout"}, "<at>checkout</at>")),
		h.personalMessage("p1", alice, "<p>who owns the <b>roadmap</b>?</p>"),
		h.personalMessage("p2", alice, "home"),
		h.personalMessage("p3", alice, "ask who decides priorities &amp; why"),
	}
	submit := h.personalMessage("s1", alice, "")
	submit["value"] = submitData{Action: actChoose, Intent: "roadmap", Team: "checkout", Question: "who owns it?"}
	acts = append(acts, submit)
	invoke := h.personalMessage("i1", alice, "")
	invoke["type"], invoke["name"] = "invoke", "adaptiveCard/action"
	invoke["value"] = map[string]any{"action": map[string]any{"type": "Action.Execute", "data": submitData{Action: actFeedback, Intent: "roadmap", Helpful: &yes}}}
	acts = append(acts, invoke)
	acts = append(acts, map[string]any{
		"type": "conversationUpdate", "id": "f:1", "channelId": "msteams", "serviceUrl": fuzzServiceURL,
		"recipient":    map[string]any{"id": testBotID},
		"conversation": map[string]any{"id": testChannel, "conversationType": "channel", "tenantId": testTenant},
		"channelData":  map[string]any{"tenant": map[string]any{"id": testTenant}, "eventType": "teamMemberAdded"},
		"membersAdded": []map[string]any{{"id": "29:dave"}, {"id": testBotID}},
	})
	var out [][]byte
	for _, a := range acts {
		b, _ := json.Marshal(a)
		out = append(out, b)
	}
	return append(out, []byte(`{"type":"message","value":[1,2],"entities":[{"type":"mention","mentioned":null}],"channelData":"x"}`))
}

// FuzzActivity sends arbitrary bodies to /api/messages with a valid Bot
// Framework token for the fake connector, handles whatever was accepted as
// a worker would, and also hands every body that decodes straight to the
// parsing and handling code (bypassing authentication). Nothing may panic
// or hang, the status must be one the Bot Connector understands, and a
// mention typed as text must never turn into a real one.
func FuzzActivity(f *testing.F) {
	for _, s := range fuzzActivitySeeds() {
		f.Add(s)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	issuerMux := http.NewServeMux()
	issuer := httptest.NewServer(issuerMux)
	f.Cleanup(issuer.Close)
	issuerMux.HandleFunc("GET /openid", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"issuer": tokenIssuer, "jwks_uri": issuer.URL + "/keys"})
	})
	issuerMux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"keys": []map[string]any{{"kty": "RSA", "kid": "fuzz", "endorsements": []string{"msteams"},
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	})
	issuerMux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 86400, "access_token": "fuzz-token"})
	})
	conn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"id": "a:fuzz", "name": "Someone"})
	}))
	f.Cleanup(conn.Close)
	serviceURL := conn.URL + "/"

	cat, err := intent.Default()
	if err != nil {
		f.Fatal(err)
	}
	st := memstore.New(memstore.WithDirectory(testDirectory()))
	a, err := New(Config{AppID: testAppID, AppPassword: testPassword, OpenIDMetadataURL: issuer.URL + "/openid", TokenURL: issuer.URL + "/token",
		Workers: 1, Logger: discard(), DedupTTL: time.Nanosecond}, bot.New(st, cat, bot.WithLogger(discard())), st)
	if err != nil {
		f.Fatal(err)
	}
	a.conn.backoff = time.Millisecond
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": tokenIssuer, "aud": testAppID, "serviceurl": serviceURL,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(24 * time.Hour).Unix()})
	tok.Header["kid"] = "fuzz"
	bearer, err := tok.SignedString(key)
	if err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)

	f.Fuzz(func(t *testing.T, body []byte) {
		// Seeds name a placeholder service URL; the token is for the fake's.
		body = bytes.ReplaceAll(body, []byte(fuzzServiceURL), []byte(serviceURL))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()

		req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusNotImplemented:
		default:
			t.Fatalf("HTTP %d for %q", rec.Code, body)
		}
		for {
			j, ok := a.pool.TryTake()
			if !ok {
				break
			}
			j.Run(ctx)
		}

		// The parsing and handling code on its own, whatever the token says.
		in := &inbound{}
		if json.Unmarshal(body, in) != nil {
			return
		}
		if len(in.ChannelData) > 0 {
			_ = json.Unmarshal(in.ChannelData, &in.channelData)
		}
		ids := map[string]bool{}
		clean := true
		for _, e := range in.Entities {
			if e.Mentioned != nil {
				ids[e.Mentioned.ID] = true
				clean = clean && !strings.ContainsAny(e.Mentioned.ID, "<|>")
			}
		}
		text, _ := messageText(in)
		if clean {
			for rest := text; ; {
				i := strings.Index(rest, "<@")
				if i < 0 {
					break
				}
				id, _, _ := strings.Cut(rest[i+2:], "|")
				if !ids[id] {
					t.Fatalf("messageText(%q) = %q: a mention of %q that no entity made", in.Text, text, id)
				}
				rest = rest[i+2:]
			}
		}
		_, _ = submitOf(in)
		_ = channelOf(in)
		in.ServiceURL, in.ID = serviceURL, "" // never call out elsewhere; no dedup
		a.handle(ctx, in)
	})
}
