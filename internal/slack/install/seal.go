package install

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeyLen is the length of WHOOWNS_TOKEN_KEY once decoded: an AES-256 key.
const KeyLen = 32

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key;
// name is the variable it came from, for the error.
func ParseKey(name, v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := e.DecodeString(v); err == nil {
			if len(k) != KeyLen {
				return nil, fmt.Errorf("%s is %d bytes once decoded; it must be %d random bytes in base64 (make one with: openssl rand -base64 32)", name, len(k), KeyLen)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s is not base64; it must be %d random bytes in base64 (make one with: openssl rand -base64 32)", name, KeyLen)
}

// Sealer encrypts tokens at rest with AES-256-GCM. It seals with the
// current key and opens with the current or the previous one, so keys can
// be rotated: set the old key as previous, re-seal, then drop it.
type Sealer struct {
	cur, prev aeadKey
}

type aeadKey struct {
	id   string
	aead cipher.AEAD
}

func newKey(k []byte) (aeadKey, error) {
	if len(k) != KeyLen {
		return aeadKey{}, fmt.Errorf("install: a token key must be %d bytes", KeyLen)
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return aeadKey{}, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return aeadKey{}, err
	}
	sum := sha256.Sum256(append([]byte("whoowns-token-key:"), k...))
	return aeadKey{id: base64.RawURLEncoding.EncodeToString(sum[:6]), aead: g}, nil
}

// NewSealer builds a Sealer; previous may be nil.
func NewSealer(current, previous []byte) (*Sealer, error) {
	c, err := newKey(current)
	if err != nil {
		return nil, err
	}
	s := &Sealer{cur: c}
	if previous != nil {
		if s.prev, err = newKey(previous); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ErrUnsealable means a sealed value was made under a key the Sealer does
// not hold, or was altered.
var ErrUnsealable = errors.New("install: cannot decrypt a stored token: it was sealed with another WHOOWNS_TOKEN_KEY, or altered")

// Seal encrypts plaintext bound to context (the installation it belongs
// to, so a sealed token cannot be moved to another installation):
// "v1." key id "." base64url(nonce ‖ ciphertext).
func (s *Sealer) Seal(plaintext, context string) (string, error) {
	nonce := make([]byte, s.cur.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.cur.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return "v1." + s.cur.id + "." + base64.RawURLEncoding.EncodeToString(ct), nil
}

// Open decrypts a value Seal made under the current or previous key. stale
// is true when it was the previous key: the caller should re-seal.
func (s *Sealer) Open(sealed, context string) (plaintext string, stale bool, err error) {
	parts := strings.Split(sealed, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return "", false, ErrUnsealable
	}
	k := s.cur
	if parts[1] != k.id {
		if s.prev.aead == nil || parts[1] != s.prev.id {
			return "", false, ErrUnsealable
		}
		k, stale = s.prev, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	n := k.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", false, ErrUnsealable
	}
	pt, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", false, ErrUnsealable
	}
	return string(pt), stale, nil
}
