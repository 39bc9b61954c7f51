package token

import "fmt"

// Kind says what a token stands for. It is signed with the token, so a token
// minted for one purpose never opens as another.
type Kind byte

const (
	Reply       Kind = 'r' // a reply to delivery ID (the forwarded copy's Reply-To)
	Bounce      Kind = 'b' // VERP: a delivery status notification about delivery ID
	Moderation  Kind = 'm' // approve or reject held message ID
	Unsubscribe Kind = 'u' // one-click unsubscribe; Extra names the caucus and address
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case Reply:
		return "reply"
	case Bounce:
		return "bounce"
	case Moderation:
		return "moderation"
	case Unsubscribe:
		return "unsubscribe"
	}
	return fmt.Sprintf("kind(%#02x)", byte(k))
}
