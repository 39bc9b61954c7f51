package token

import "fmt"

// Kind says what a token stands for. It is signed with the token, so a token
// minted for one purpose never opens as another.
type Kind byte

const (
	Reply       Kind = 'r' // a reply to delivery ID (the forwarded copy's Reply-To): caucus to inviter
	Bounce      Kind = 'b' // VERP: a delivery status notification about delivery ID
	Moderation  Kind = 'm' // approve or reject held message ID
	Unsubscribe Kind = 'u' // one-click unsubscribe; Extra names the caucus and address
	// Answer is the Reply-To of a relayed reply: the inviter's answer to
	// the caucus Extra about invitation ID (the stored message's id).
	Answer Kind = 'a'
)

// Direction is which way mail sent to a token travels.
type Direction int

// Directions. A copy's token (Reply) carries answers from the caucus to
// the inviter; a relayed reply's token (Answer) carries the inviter's
// answers to the caucus. Mail never goes back the way it came.
const (
	NoDirection Direction = iota // not a reply token
	ToInviter
	ToCaucus
)

// Direction says which way mail to a token of kind k goes.
func (k Kind) Direction() Direction {
	switch k {
	case Reply:
		return ToInviter
	case Answer:
		return ToCaucus
	}
	return NoDirection
}

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
	case Answer:
		return "answer"
	}
	return fmt.Sprintf("kind(%#02x)", byte(k))
}
