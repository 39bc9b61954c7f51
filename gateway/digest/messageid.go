package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// MessageID returns the Message-ID, angle brackets included, of the relay
// or digest that a schedule sends to one destination at one slot, at the
// domain of the gateway's account address. The same (schedule, slot,
// destination) always gives the same identifier, so a batch sent twice
// after a crash is recognised as one message. The slot counts in
// microseconds, as the store keeps it, and the destination ignores case.
func MessageID(schedule string, slot time.Time, to, account string) string {
	return messageID(schedule, strconv.FormatInt(slot.UnixMicro(), 10), normalAddress(to), "", account)
}

// messageID hashes the parts of a batch's identity, each ended by a NUL
// byte so that no two different identities give the same input.
func messageID(schedule, slot, to, key, account string) string {
	h := sha256.New()
	for _, part := range []string{"caucusgate-batch", schedule, slot, to, key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "<" + hex.EncodeToString(h.Sum(nil)[:16]) + "@" + domainOf(account) + ">"
}

// normalAddress reduces an address to its lower-cased addr-spec, so that
// "Ana <ANA@example.org>" and "ana@example.org" are one destination.
func normalAddress(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// domainOf returns the domain of an address, or "caucusgate.invalid"
// (RFC 2606) when it has none, so that the identifier stays well formed.
func domainOf(address string) string {
	addr := normalAddress(address)
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && isDotAtom(addr[i+1:]) {
		return addr[i+1:]
	}
	return "caucusgate.invalid"
}

func isDotAtom(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
