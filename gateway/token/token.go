package token

import "time"

// Token is what a sealed string carries.
type Token struct {
	Kind Kind
	// ID names the delivery, held message or subscription the token is about.
	ID int64
	// Expires is when the token stops opening. Seal rounds it up to the next
	// UTC midnight (tokens carry days, to stay short); Open returns that
	// midnight. The zero time means the token never expires (unsubscribe
	// links, which RFC 8058 wants to keep working).
	Expires time.Time
	// Extra is signed opaque data, such as the caucus and address of an
	// unsubscribe link. Keep it empty in tokens that ride in local parts: each
	// byte costs 1.6 characters of the 64 that RFC 5321 allows.
	Extra string
}

// Thread is what an answer belongs to: one invitation and one caucus. The
// invitations' answers are counted by it, whichever way they travel.
type Thread struct {
	Invitation int64  // the stored invitation's id
	Caucus     string // the caucus id
}

// AnswerToken is the Reply-To token of a relayed reply about thread: the
// inviter's answer to it goes to that caucus.
func AnswerToken(th Thread, expires time.Time) Token {
	return Token{Kind: Answer, ID: th.Invitation, Extra: th.Caucus, Expires: expires}
}

// Thread is the invitation and caucus an Answer token names; ok is false
// for any other kind.
func (t Token) Thread() (Thread, bool) {
	if t.Kind != Answer {
		return Thread{}, false
	}
	return Thread{Invitation: t.ID, Caucus: t.Extra}, true
}
