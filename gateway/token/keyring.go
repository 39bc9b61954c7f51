package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// MinKeyLen is the shortest master key NewKeyring accepts.
const MinKeyLen = 16

// kinds are the kinds a Keyring seals and opens; any other kind byte in a
// token makes it invalid.
var kinds = [...]Kind{Reply, Bounce, Moderation, Unsubscribe, Answer}

// Keyring seals tokens with its current key and opens tokens sealed with any
// of its keys, so keys can rotate without breaking tokens already in
// people's mailboxes. It is safe for concurrent use: it never changes.
type Keyring struct {
	// keys[i][kind] is the per-kind key derived from master key i; keys[0]
	// is the current one.
	keys []map[Kind][]byte
}

// NewKey returns a fresh random master key for the store to keep.
func NewKey() []byte {
	k := make([]byte, 32)
	rand.Read(k) // crypto/rand.Read never fails (Go 1.24+): it crashes instead.
	return k
}

// NewKeyring returns a keyring whose first key is the current one and whose
// other keys, older ones, still open tokens. Keys must be at least MinKeyLen
// random bytes.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("make keyring: no key")
	}
	k := &Keyring{}
	for i, master := range keys {
		if len(master) < MinKeyLen {
			return nil, fmt.Errorf("make keyring: key %d is %d bytes, want at least %d", i, len(master), MinKeyLen)
		}
		k.keys = append(k.keys, deriveKeys(master))
	}
	return k, nil
}

// deriveKeys gives each kind its own key (HMAC-SHA256 of the master key over
// a label), so a MAC computed for one kind is meaningless for another.
func deriveKeys(master []byte) map[Kind][]byte {
	m := make(map[Kind][]byte, len(kinds))
	for _, kind := range kinds {
		m[kind] = mac(master, []byte("caucusgate token v1 kind "+string(rune(kind))))
	}
	return m
}

func mac(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

// Seal returns t as a token string signed with the current key. It panics if
// t.Kind is not one of the package's kinds or t.Extra is longer than
// MaxExtra: both are programming errors.
func (k *Keyring) Seal(t Token) string {
	key, ok := k.keys[0][t.Kind]
	if !ok {
		panic(fmt.Sprintf("token: seal unknown %v", t.Kind))
	}
	if len(t.Extra) > MaxExtra {
		panic(fmt.Sprintf("token: seal Extra of %d bytes, limit %d", len(t.Extra), MaxExtra))
	}
	b := appendPayload(nil, t)
	b = append(b, mac(key, b)[:macLen]...)
	return encoding.EncodeToString(b)
}

// Open checks s and returns its token. It returns ErrInvalid unless s is a
// token that one of the keyring's keys sealed (in either letter case), and
// the token with ErrExpired when it was sealed but expired at or before now.
func (k *Keyring) Open(s string, now time.Time) (Token, error) {
	b, ok := decode(s)
	if !ok || len(b) < 3+macLen {
		return Token{}, ErrInvalid
	}
	body, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !k.verify(Kind(body[0]), body, sum) {
		return Token{}, ErrInvalid
	}
	t, ok := parsePayload(body)
	if !ok {
		return Token{}, ErrInvalid
	}
	if !t.Expires.IsZero() && !now.Before(t.Expires) {
		return t, ErrExpired
	}
	return t, nil
}

// OpenKind is Open for callers that expect one kind: a token of any other
// kind is ErrInvalid.
func (k *Keyring) OpenKind(s string, want Kind, now time.Time) (Token, error) {
	t, err := k.Open(s, now)
	if err != nil && !errors.Is(err, ErrExpired) {
		return Token{}, err
	}
	if t.Kind != want {
		return Token{}, ErrInvalid
	}
	return t, err
}

// verify reports whether sum is the MAC of body under one of the keys.
// hmac.Equal compares in constant time, so timing tells a forger nothing
// about how many bytes of a guess were right.
func (k *Keyring) verify(kind Kind, body, sum []byte) bool {
	found := false
	for _, keys := range k.keys {
		key, ok := keys[kind]
		if !ok {
			return false
		}
		if hmac.Equal(mac(key, body)[:macLen], sum) {
			found = true
		}
	}
	return found
}
