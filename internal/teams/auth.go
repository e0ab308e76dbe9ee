package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"golang.org/x/sync/singleflight"

	"github.com/whoowns/whoowns/internal/rawsock"
)

// Bot Framework constants for tokens sent by the channel to the bot.
const (
	// DefaultOpenIDMetadataURL is the public cloud's OpenID metadata for
	// tokens the Bot Connector signs.
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// tokenIssuer is the only issuer of channel-to-bot tokens.
	tokenIssuer = "https://api.botframework.com"
	// clockSkew is the leeway on exp and nbf that the Bot Framework SDKs allow.
	clockSkew = 5 * time.Minute
	// keysMaxAge is how long metadata and signing keys are trusted before a
	// refresh; Microsoft rolls keys with overlap, so a day is ample.
	keysMaxAge = 24 * time.Hour
	// minRefetch spaces out fetches that a token with an unknown key id
	// triggers, so junk kids cannot turn every request into an outbound call.
	minRefetch = time.Minute
	// maxDocBytes caps the metadata and key documents we read.
	maxDocBytes = 1 << 20
)

// ErrUnauthorized is the error every failed check wraps; callers answer 401.
var ErrUnauthorized = errors.New("teams: unauthorized")

// errTooSoon means a refetch was skipped because the last one was moments ago.
var errTooSoon = errors.New("signing keys were fetched moments ago; not refetching yet")

func unauthorized(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnauthorized, fmt.Sprintf(format, args...))
}

// Validator authenticates requests from the Bot Connector. It replaces the
// library's auth.JwtTokenValidator, which fetches the OpenID metadata on every
// request from a URL that cannot be configured, keeps signing keys in an
// unsynchronised cache for five days without refetching on an unknown key id,
// panics on claims of unexpected types, and lets any header through when the
// app id is empty. This one caches metadata and keys for a day, refetches
// once (rate-limited, singleflight) when a new key id appears, checks every
// claim with typed decoding, and has no "auth off" mode at all.
type Validator struct {
	appID       string
	metadataURL string
	client      *http.Client
	now         func() time.Time
	log         *slog.Logger

	flight singleflight.Group

	mu          sync.RWMutex
	keys        map[string]signingKey
	fetchedAt   time.Time // last successful fetch; zero before the first
	attemptedAt time.Time // last fetch attempt, successful or not
}

// signingKey is one RSA key of the issuer's JWKS with the channels it is
// endorsed for (empty means none).
type signingKey struct {
	key          *rsa.PublicKey
	endorsements []string
}

// NewValidator returns a validator for tokens addressed to appID. An empty
// metadataURL means the public cloud's.
func NewValidator(appID, metadataURL string, client *http.Client, now func() time.Time, log *slog.Logger) (*Validator, error) {
	if appID == "" {
		return nil, errors.New("teams: the app id is empty; Bot Framework tokens cannot be checked without it")
	}
	if metadataURL == "" {
		metadataURL = DefaultOpenIDMetadataURL
	}
	if client == nil {
		client = defaultHTTPClient()
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Validator{appID: appID, metadataURL: metadataURL, client: client, now: now, log: log}, nil
}

// Claims are the checked claims of a Bot Framework token.
type Claims struct {
	jwt.RegisteredClaims
	// ServiceURL is the connector endpoint the token was issued for; it must
	// equal the activity's serviceUrl, so a token for one endpoint cannot be
	// replayed to make the bot call another.
	ServiceURL string `json:"serviceurl"`
}

// Authenticate checks the Authorization header of a request carrying an
// activity for serviceURL from channelID. Every failure wraps ErrUnauthorized.
func (v *Validator) Authenticate(ctx context.Context, header, serviceURL, channelID string) (*Claims, error) {
	scheme, raw, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, unauthorized("no bearer token")
	}
	parser := jwt.NewParser(
		// RS256 only: this rejects "none" and HS256 (whose "secret" would
		// be the public key) before any key is looked up.
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithAudience(v.appID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(v.now),
	)
	claims := &Claims{}
	_, err := parser.ParseWithClaims(strings.TrimSpace(raw), claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no key id")
		}
		k, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		// The Bot Framework endorses each key for the channels it signs
		// for; a key with no endorsements signs for none, and the activity
		// must name the channel the key vouches for.
		if channelID == "" || !slices.Contains(k.endorsements, channelID) {
			return nil, fmt.Errorf("key %s is not endorsed for channel %q", kid, channelID)
		}
		return k.key, nil
	})
	if err != nil {
		return nil, unauthorized("%v", err)
	}
	if claims.ServiceURL == "" || claims.ServiceURL != serviceURL {
		return nil, unauthorized("serviceurl claim %q does not match the activity's %q", claims.ServiceURL, serviceURL)
	}
	return claims, nil
}

// AuthenticateRequest implements the library's auth.TokenValidator, so this
// validator can also be plugged into core.BotFrameworkAdapter's
// TokenValidator field. The credential provider is ignored on purpose: its
// empty-AppID "authentication disabled" mode must never apply.
func (v *Validator) AuthenticateRequest(ctx context.Context, a schema.Activity, header string, _ auth.CredentialProvider, _ string) (auth.ClaimsIdentity, error) {
	c, err := v.Authenticate(ctx, header, a.ServiceURL, a.ChannelID)
	if err != nil {
		return nil, err
	}
	return identity{c}, nil
}

var _ auth.TokenValidator = (*Validator)(nil)

// identity is a checked token as the library's ClaimsIdentity. Unlike the
// library's DefaultClaimIdentity it never type-asserts a claim blindly.
type identity struct{ c *Claims }

// GetClaimValue returns the string value of a claim ("" when absent).
func (i identity) GetClaimValue(name string) string {
	switch name {
	case "iss":
		return i.c.Issuer
	case "aud":
		return strings.Join(i.c.Audience, " ")
	case "serviceurl":
		return i.c.ServiceURL
	case "sub":
		return i.c.Subject
	}
	return ""
}

// IsAuthenticated is true: an identity exists only for a checked token.
func (identity) IsAuthenticated() bool { return true }

// key returns the signing key kid, refreshing the cached keys when they are
// older than a day or when kid is unknown (at most once per minRefetch).
func (v *Validator) key(ctx context.Context, kid string) (signingKey, error) {
	v.mu.RLock()
	k, ok := v.keys[kid]
	fetchedAt := v.fetchedAt
	v.mu.RUnlock()
	stale := v.now().Sub(fetchedAt) >= keysMaxAge
	if ok && !stale {
		return k, nil
	}
	if err := v.refresh(ctx, fetchedAt); err != nil {
		if ok {
			// The issuer is down but the key we have is still good: a
			// refresh failure must not lock every user out.
			if !errors.Is(err, errTooSoon) {
				v.log.Warn("teams: could not refresh Bot Framework signing keys; using cached ones", "err", err)
			}
			return k, nil
		}
		return signingKey{}, err
	}
	v.mu.RLock()
	k, ok = v.keys[kid]
	v.mu.RUnlock()
	if !ok {
		return signingKey{}, fmt.Errorf("unknown key id %q", kid)
	}
	return k, nil
}

// refresh fetches the metadata and keys unless someone else did since the
// caller looked (seen) or the last attempt was under minRefetch ago. All
// concurrent callers share one fetch; each waits only as long as its own ctx.
func (v *Validator) refresh(ctx context.Context, seen time.Time) error {
	ch := v.flight.DoChan("keys", func() (any, error) {
		v.mu.RLock()
		changed := !v.fetchedAt.Equal(seen)
		recent := !v.attemptedAt.IsZero() && v.now().Sub(v.attemptedAt) < minRefetch
		v.mu.RUnlock()
		if changed {
			return nil, nil
		}
		if recent {
			return nil, errTooSoon
		}
		// The fetch outlives any one caller's cancellation: others wait on it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		keys, err := v.fetchKeys(fctx)
		v.mu.Lock()
		defer v.mu.Unlock()
		v.attemptedAt = v.now()
		if err != nil {
			return nil, err
		}
		v.keys, v.fetchedAt = keys, v.attemptedAt
		return nil, nil
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (v *Validator) fetchKeys(ctx context.Context) (map[string]signingKey, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("openid metadata has no jwks_uri")
	}
	var set struct {
		Keys []struct {
			Kty          string   `json:"kty"`
			Kid          string   `json:"kid"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	keys := map[string]signingKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			v.log.Warn("teams: skipping a malformed signing key", "kid", k.Kid, "err", err)
			continue
		}
		keys[k.Kid] = signingKey{key: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("the key set has no usable RSA keys")
	}
	return keys, nil
}

func (v *Validator) getJSON(ctx context.Context, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocBytes))
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes)).Decode(dst)
}

// rsaKey builds a public key from a JWK's base64url modulus and exponent.
func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(n64, "="))
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	eb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(e64, "="))
	if err != nil {
		return nil, fmt.Errorf("exponent: %w", err)
	}
	if len(nb) < 256 || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("not an RSA key of at least 2048 bits")
	}
	e := int(new(big.Int).SetBytes(eb).Int64())
	if e < 3 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: e}, nil
}

// defaultHTTPClient bounds every outbound call: the library's clients have
// no timeout, so a slow endpoint would hang a worker forever.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// (net/http's default dialer, its sockets read and written raw)
	t.DialContext = rawsock.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	t.ResponseHeaderTimeout = 10 * time.Second
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Timeout: 15 * time.Second, Transport: t}
}
