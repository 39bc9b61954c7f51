package token

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var (
	keyA = []byte("0123456789abcdef-key-a")
	keyB = []byte("0123456789abcdef-key-b")
	now  = time.Date(2026, time.March, 10, 15, 4, 5, 0, time.UTC)
)

func mustKeyring(t testing.TB, keys ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	midnight := time.Date(2026, time.June, 9, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		in          Token
		wantExpires time.Time
	}{
		{"reply", Token{Kind: Reply, ID: 42, Expires: now.Add(90 * 24 * time.Hour)}, midnight},
		{"expiry at midnight kept", Token{Kind: Reply, ID: 1, Expires: midnight}, midnight},
		{"bounce large id", Token{Kind: Bounce, ID: math.MaxInt64, Expires: midnight}, midnight},
		{"negative id", Token{Kind: Moderation, ID: -7, Expires: midnight}, midnight},
		{"zero id", Token{Kind: Moderation, Expires: midnight}, midnight},
		{"never expires", Token{Kind: Unsubscribe, ID: 9, Extra: "gender\x00ana@example.org"}, time.Time{}},
		{"expiry in another zone", Token{Kind: Reply, ID: 3, Expires: time.Date(2026, time.June, 8, 23, 30, 0, 0, time.FixedZone("", -2*3600))}, midnight.Add(24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := k.Seal(tt.in)
			got, err := k.Open(s, now)
			if err != nil {
				t.Fatalf("Open(%q) = %v", s, err)
			}
			want := tt.in
			want.Expires = tt.wantExpires
			if got != want {
				t.Errorf("Open(Seal(%+v)) = %+v, want %+v", tt.in, got, want)
			}
		})
	}
}

// TestReplyTokenFitsLocalPart checks the length promise of the package doc:
// a reply token for a realistic delivery id and ttl is 26 characters of the
// lower-case alphabet, so bureau+TOKEN stays far below 64 octets.
func TestReplyTokenFitsLocalPart(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	for _, id := range []int64{1, 1000, 1<<21 - 1} {
		s := k.Seal(Token{Kind: Reply, ID: id, Expires: now.Add(2160 * time.Hour)})
		if len(s) > 26 {
			t.Errorf("reply token for id %d is %d chars (%q), want at most 26", id, len(s), s)
		}
		if strings.Trim(s, alphabet) != "" {
			t.Errorf("token %q has characters outside %q", s, alphabet)
		}
	}
}

func TestOpenExpired(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	in := Token{Kind: Reply, ID: 5, Expires: time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)}
	s := k.Seal(in)
	tests := []struct {
		at      time.Time
		wantErr error
	}{
		{in.Expires.Add(-time.Nanosecond), nil},
		{in.Expires, ErrExpired},
		{in.Expires.Add(1000 * time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		got, err := k.Open(s, tt.at)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Open at %v: err = %v, want %v", tt.at, err, tt.wantErr)
		}
		if got.ID != in.ID || got.Kind != in.Kind {
			t.Errorf("Open at %v = %+v, want the token back (even expired)", tt.at, got)
		}
	}
}

func TestKindsAreSeparated(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	s := k.Seal(Token{Kind: Bounce, ID: 77, Expires: now.Add(time.Hour)})
	if _, err := k.OpenKind(s, Reply, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("bounce token opened as reply: err = %v", err)
	}
	if tok, err := k.OpenKind(s, Bounce, now); err != nil || tok.ID != 77 {
		t.Errorf("OpenKind(bounce) = %+v, %v", tok, err)
	}
	// Rewriting the kind byte keeps the payload and MAC: the per-kind key
	// must still refuse it.
	b, _ := decode(s)
	b[0] = byte(Reply)
	if _, err := k.Open(encoding.EncodeToString(b), now); !errors.Is(err, ErrInvalid) {
		t.Errorf("kind byte rewritten to reply: err = %v, want ErrInvalid", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	old := mustKeyring(t, keyA)
	rotated := mustKeyring(t, keyB, keyA)
	other := mustKeyring(t, keyB)
	s := old.Seal(Token{Kind: Reply, ID: 1, Expires: now.Add(time.Hour)})
	if _, err := rotated.Open(s, now); err != nil {
		t.Errorf("rotated keyring refuses a token of its previous key: %v", err)
	}
	if _, err := other.Open(s, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("a keyring without the key opened the token: err = %v", err)
	}
	fresh := rotated.Seal(Token{Kind: Reply, ID: 1, Expires: now.Add(time.Hour)})
	if _, err := old.Open(fresh, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("rotated keyring seals with the old key: err = %v", err)
	}
}

func TestOpenAcceptsUpperCaseOnly(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	s := k.Seal(Token{Kind: Reply, ID: 123, Expires: now.Add(time.Hour)})
	if _, err := k.Open(strings.ToUpper(s), now); err != nil {
		t.Errorf("upper-cased token refused: %v", err)
	}
	for _, bad := range []string{s + "\n", s[:10] + "\r\n" + s[10:], " " + s, s + "a", s[:len(s)-1]} {
		if _, err := k.Open(bad, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

// TestTamperedTokensRejected changes every character of a token to every
// other letter of the alphabet.
func TestTamperedTokensRejected(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	s := k.Seal(Token{Kind: Unsubscribe, ID: 9, Extra: "gender ana@example.org"})
	for i := range len(s) {
		for _, c := range alphabet {
			if byte(c) == s[i] {
				continue
			}
			bad := s[:i] + string(c) + s[i+1:]
			if _, err := k.Open(bad, now); err == nil {
				t.Fatalf("tampered token %q (position %d) opened", bad, i)
			}
		}
	}
}

func TestRandomStringsRejected(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 40)
	for i := range 100_000 {
		n := minLen + r.IntN(len(b)-minLen)
		for j := range n {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		if tok, err := k.Open(string(b[:n]), now); !errors.Is(err, ErrInvalid) {
			t.Fatalf("random string %d %q: Open = %+v, %v", i, b[:n], tok, err)
		}
	}
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys [][]byte
		ok   bool
	}{
		{"none", nil, false},
		{"short", [][]byte{[]byte("short")}, false},
		{"short old key", [][]byte{keyA, []byte("short")}, false},
		{"one", [][]byte{keyA}, true},
		{"random", [][]byte{NewKey(), NewKey()}, true},
	}
	for _, tt := range tests {
		_, err := NewKeyring(tt.keys...)
		if (err == nil) != tt.ok {
			t.Errorf("%s: NewKeyring err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if a, b := NewKey(), NewKey(); string(a) == string(b) {
		t.Error("NewKey returned the same key twice")
	}
}

func TestSealPanicsOnProgrammingErrors(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	for _, tok := range []Token{{Kind: 'x'}, {Kind: Unsubscribe, Extra: strings.Repeat("a", MaxExtra+1)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Seal(%v kind, %d-byte Extra) did not panic", tok.Kind, len(tok.Extra))
				}
			}()
			k.Seal(tok)
		}()
	}
	long := k.Seal(Token{Kind: Unsubscribe, ID: math.MinInt64, Extra: strings.Repeat("a", MaxExtra)})
	if _, err := k.Open(long, now); err != nil {
		t.Errorf("longest token refused: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	k := mustKeyring(f, keyA, keyB)
	f.Add(k.Seal(Token{Kind: Reply, ID: 1, Expires: now.Add(time.Hour)}))
	f.Add(k.Seal(Token{Kind: Unsubscribe, ID: 2, Extra: "x y"}))
	f.Add("")
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := k.Open(s, now)
		if err != nil {
			return
		}
		// Whatever opens must be exactly what Seal writes for that token:
		// any other string that opened would be a forgery or a malleable
		// encoding.
		if again := k.Seal(tok); again != asciiLower(s) {
			t.Fatalf("Open(%q) accepted a string Seal did not write (Seal gives %q)", s, again)
		}
	})
}

// TestAnswerTokenNamesInvitationAndCaucus: a relayed reply's token opens
// as the inviter's answer to one caucus about one invitation, travels the
// other way from a copy's token, and fits a local part.
func TestAnswerTokenNamesInvitationAndCaucus(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	th := Thread{Invitation: 1<<21 - 1, Caucus: "education"}
	s := k.Seal(AnswerToken(th, now.Add(2160*time.Hour)))
	if n := len("bureau+" + s); n > 64 {
		t.Errorf("bureau+%s is %d octets, over RFC 5321's 64", s, n)
	}
	got, err := k.Open(s, now)
	if err != nil {
		t.Fatal(err)
	}
	if gt, ok := got.Thread(); !ok || gt != th {
		t.Errorf("Thread() = %+v, %v; want %+v", gt, ok, th)
	}
	if got.Kind.Direction() != ToCaucus || Reply.Direction() != ToInviter || Bounce.Direction() != NoDirection {
		t.Errorf("directions: answer %v, reply %v, bounce %v", got.Kind.Direction(), Reply.Direction(), Bounce.Direction())
	}
	if _, err := k.OpenKind(s, Reply, now); err == nil {
		t.Error("an answer token opened as a copy's reply token")
	}
	if _, ok := (Token{Kind: Reply, ID: 3}).Thread(); ok {
		t.Error("a copy's token names a thread by itself (it names a delivery)")
	}
}
