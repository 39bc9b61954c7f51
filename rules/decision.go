package rules

import (
	"fmt"
	"slices"
)

// Action is what happens to a message. Its text form is the word of the
// CONTRACT's JSON output: forward, hold, reject, discard, reply, none.
type Action int

const (
	// None: nothing routes the message; it stays in the mailbox, processed.
	None Action = iota
	// Forward to the decision's caucuses.
	Forward
	// Hold for a moderator's approval.
	Hold
	// Reject: a notice goes back to the sender (an authorized member only).
	Reject
	// Discard silently.
	Discard
	// Reply: a caucus member's reply to a forwarded copy, relayed to the inviter.
	Reply
)

var actionWords = [...]string{None: "none", Forward: "forward", Hold: "hold", Reject: "reject", Discard: "discard", Reply: "reply"}

// String returns the action's word.
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionWords) {
		return fmt.Sprintf("action(%d)", int(a))
	}
	return actionWords[a]
}

// MarshalText writes the action's word, so that JSON carries "forward".
func (a Action) MarshalText() ([]byte, error) {
	return []byte(a.String()), nil
}

// UnmarshalText reads an action's word, for decisions stored as JSON.
func (a *Action) UnmarshalText(b []byte) error {
	i := slices.Index(actionWords[:], string(b))
	if i < 0 {
		return fmt.Errorf("parse action: unknown word %q", b)
	}
	*a = Action(i)
	return nil
}

// Decision is what the rules decided for one message, and why.
type Decision struct {
	Action   Action   `json:"decision"`
	Caucuses []string `json:"caucuses"` // sorted, each once
	Rules    []string `json:"rules"`    // names of the rules that decided, in order
	Reason   string   `json:"reason"`   // one line for a human
	Notices  []Notice `json:"notices,omitempty"`
	// NeverForwarded names the guard that stopped the message whatever the
	// rules say (see [Guard]), "" when none did.
	NeverForwarded Guard `json:"never_forwarded,omitempty"`
	// ReplyToken is the token of the plus-address a Reply came to
	// (LOCAL+TOKEN@DOMAIN of the account address).
	ReplyToken string `json:"reply_token,omitempty"`
	Trace      Trace  `json:"trace"`

	Held   *HoldInfo   `json:"held,omitempty"`
	Reject *RejectInfo `json:"reject,omitempty"`
	// Mode and Schedule are set by the deciding rule, overriding the caucus's
	// own ("" when no rule set them).
	Mode     string `json:"mode,omitempty"`
	Schedule string `json:"schedule,omitempty"`
}

// Notice is a message caucusgate sends back to an authorized bureau member
// (never to an outsider: no backscatter).
type Notice struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// HoldInfo says why a message waits for a moderator, and where the rules
// resume when it is approved.
type HoldInfo struct {
	Rule       string   `json:"rule"`       // the holding rule's name, or "" for a built-in hold
	RuleIndex  int      `json:"rule_index"` // approval resumes with the rule after this one; -1: before the first
	Reason     string   `json:"reason"`
	Moderators []string `json:"moderators"`
	Caucuses   []string `json:"caucuses"` // chosen before the hold, forwarded on approval
}

// RejectInfo is the notice a reject rule sends.
type RejectInfo struct {
	Rule   string `json:"rule"`
	Notice string `json:"notice"`
}
