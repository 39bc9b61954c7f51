package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"caucusgate/queue"
	"caucusgate/rules"
)

// plan lists the deliveries a decision makes: one per caucus list address and
// one per roster member, each person once even when several of the matched
// caucuses list them, and never the gateway's own address (a loop).
func plan(set *rules.Set, d rules.Decision, msg *inbound, acct Account) []queue.NewDelivery {
	out := planNotices(d, msg, acct)
	if d.Action != rules.Forward {
		return out
	}
	seen := map[string]bool{strings.ToLower(acct.Address): true}
	for _, id := range d.Caucuses {
		c, ok := set.Caucus(id)
		if !ok {
			continue
		}
		spec := deliverySpec{Forward: specFor(set, c, msg, acct)}
		for _, rcpt := range recipientsOf(c) {
			key := strings.ToLower(rcpt)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, queue.NewDelivery{
				Caucus:       c.ID,
				EnvelopeFrom: acct.Address,
				Recipients:   []string{rcpt},
				Spec:         mustJSON(spec),
			})
		}
	}
	return out
}

func recipientsOf(c rules.Caucus) []string {
	if c.Address != "" {
		return []string{c.Address}
	}
	return c.Members
}

// deliverySpec is what a delivery job sends: a forwarded copy, or a notice
// caucusgate writes itself. It is stored as JSON with the delivery.
type deliverySpec struct {
	Forward *forwardSpec `json:"forward,omitempty"`
	Notice  *noticeSpec  `json:"notice,omitempty"`
}

func specFor(set *rules.Set, c rules.Caucus, msg *inbound, acct Account) *forwardSpec {
	spec := &forwardSpec{
		Mode:       "resend",
		Caucus:     c.ID,
		CaucusName: c.Name,
		Account:    acct.Address,
		// dmarc rewrites too until DMARC lookups are wired: a failed
		// lookup means rewrite, and a needless rewrite loses nothing.
		RewriteFrom: set.Forwarding().FromRewrite != "never",
	}
	if stripped := set.StripTag(msg.Facts.Subject); stripped != msg.Facts.Subject {
		spec.Subject = stripped
	}
	if msg.MessageID == "" {
		spec.MessageID = generatedMessageID(msg.Fingerprint, acct.Address)
	}
	return spec
}

// generatedMessageID names a message that arrived without a Message-ID. It
// is derived from the message's bytes, so every copy and every retry carries
// the same one, and the replies to it can be threaded.
func generatedMessageID(fingerprint, account string) string {
	sum := sha256.Sum256([]byte(fingerprint))
	return hex.EncodeToString(sum[:12]) + "@caucusgate." + domainOf(account)
}

// mustJSON encodes a value whose type cannot fail to encode.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("encode " + err.Error())
	}
	return b
}
