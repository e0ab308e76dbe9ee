// Package install holds the pieces of Slack's OAuth v2 install flow that
// do not depend on the transport: the signed, expiring, single-use state;
// the authorize URL with the manifest's bot scopes; the oauth.v2.access
// exchange; and the sealing of tokens at rest.
package install

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StateTTL is how long an install link's state is accepted.
const StateTTL = 10 * time.Minute

// Why a state is refused. Each means: answer 400 and make no token request.
var (
	ErrStateInvalid = errors.New("install: the state is not one this app signed")
	ErrStateExpired = errors.New("install: the state has expired")
	ErrStateUsed    = errors.New("install: the state was already used")
)

// Claimer records a key once across replicas (ownership.Store's Claim).
type Claimer interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// States signs and checks OAuth states: HMAC-SHA256 under SLACK_STATE_SECRET
// over a random nonce and an expiry; a state is accepted once, claimed in
// the store so no two replicas accept it.
type States struct {
	Secret []byte
	Claims Claimer
	// TTL defaults to StateTTL; Now to time.Now.
	TTL time.Duration
	Now func() time.Time
}

func (s *States) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return StateTTL
}

func (s *States) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

const nonceLen = 16

// New returns a fresh state: base64url(nonce ‖ expiry) "." base64url(mac).
func (s *States) New() (string, error) {
	if len(s.Secret) == 0 {
		return "", errors.New("install: no state secret")
	}
	body := make([]byte, nonceLen+8)
	if _, err := rand.Read(body[:nonceLen]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint64(body[nonceLen:], uint64(s.now().Add(s.ttl()).Unix()))
	return enc(body) + "." + enc(s.mac(body)), nil
}

func (s *States) mac(body []byte) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("whoowns-oauth-state:"))
	m.Write(body)
	return m.Sum(nil)
}

// Check verifies state and claims it. It returns ErrStateInvalid,
// ErrStateExpired or ErrStateUsed for a state to refuse, or a store error
// (wrapped) when it cannot tell; in every error case no token request may
// be made.
func (s *States) Check(ctx context.Context, state string) error {
	b64, sig, ok := strings.Cut(state, ".")
	if !ok || len(state) > 200 {
		return ErrStateInvalid
	}
	body, err1 := dec(b64)
	mac, err2 := dec(sig)
	if err1 != nil || err2 != nil || len(body) != nonceLen+8 || !hmac.Equal(mac, s.mac(body)) {
		return ErrStateInvalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(body[nonceLen:])), 0)
	if !s.now().Before(exp) {
		return ErrStateExpired
	}
	// Claimed until well after it expires, so it can never be used twice.
	first, err := s.Claims.Claim(ctx, "oauth-state:"+enc(body[:nonceLen]), s.ttl()+time.Minute)
	if err != nil {
		return fmt.Errorf("install: claiming the state: %w", err)
	}
	if !first {
		return ErrStateUsed
	}
	return nil
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func dec(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
