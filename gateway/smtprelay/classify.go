package smtprelay

import (
	"context"
	"errors"
	"regexp"

	"github.com/emersion/go-smtp"
)

// stage is the protocol step a reply answered: the same code means different
// things at AUTH and at RCPT.
type stage int

const (
	stageConnect stage = iota // dial, TLS, greeting, EHLO
	stageAuth
	stageMail
	stageRcpt
	stageData // DATA, the body, and the reply to its final dot
)

func (s stage) String() string {
	return [...]string{"connect", "auth", "mail", "rcpt", "data"}[s]
}

// quotaText matches the wording hosted relays use for their sending limits,
// whatever code they attach to it (seen in the wild):
//
//	550 5.4.5 Daily user sending limit exceeded.            (Gmail)
//	550 5.4.5 Daily sending quota exceeded.                 (Gmail)
//	550 5.4.5 Daily SMTP relay limit exceeded for user.     (Google Workspace relay)
//	550 5.7.1 Daily SMTP relay limit exceeded for customer. (Google Workspace relay)
//	450 4.2.1 Peak SMTP relay limit exceeded for customer.  (Google Workspace relay)
//	554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; ... (Microsoft 365, 10,000 recipients a day)
//	550 5.2.251 Sender throttled due to continuous mailbox full errors. (Microsoft 365, 5.2.251 to 5.2.255)
//	432 4.3.2 Concurrent connections limit exceeded.         (Microsoft 365, over three sessions)
var quotaText = regexp.MustCompile(`(?i)(quota|limit) exceeded|` +
	`QuotaExceeded|rate limit|sending limit|throttled|too many (messages|connections)`)

// classifyReply turns a relay's reply into an Error. The enhanced code
// (RFC 3463) decides first, the basic code second, and the text of a few
// hosted relays' quota replies overrides a 5xx, because those relays say 5xx
// for a limit that lifts by itself and the message must not be bounced.
func classifyReply(se *smtp.SMTPError, st stage) *Error {
	e := &Error{Code: se.Code, Enhanced: [3]int(se.EnhancedCode),
		Message: se.Message, err: se}
	if e.Enhanced == [3]int(smtp.NoEnhancedCode) {
		e.Enhanced = [3]int{}
	}
	e.Kind = replyKind(e, st)
	return e
}

func replyKind(e *Error, st stage) Kind {
	class := e.Enhanced[0]
	if class != 4 && class != 5 {
		class = e.Code / 100
	}
	switch {
	case isAuthReply(e, st):
		return KindAuth
	case isQuotaReply(e) && (class == 4 || class == 5):
		return KindQuota
	case class == 4:
		return KindTemporary
	case class == 5:
		return KindPermanent
	}
	// A 2xx or 3xx where another was expected is a protocol error: the
	// session is unusable, the message is not.
	return KindNetwork
}

// isAuthReply recognises a refusal of our credentials (RFC 4954 section 6:
// 535 5.7.8, 534 5.7.9, 530 5.7.0 "Authentication required", 538 5.7.11),
// and a 5xx to AUTH itself.
func isAuthReply(e *Error, st stage) bool {
	switch e.Code {
	case 530, 534, 535, 538:
		return true
	}
	sub := [2]int{e.Enhanced[1], e.Enhanced[2]}
	if e.Enhanced[0] == 5 && (sub == [2]int{7, 8} || sub == [2]int{7, 9} || sub == [2]int{7, 11}) {
		return true
	}
	return st == stageAuth && e.Code/100 == 5
}

// isQuotaReply recognises RFC 3463 X.2.2 (mailbox full), X.4.5 (system
// congestion), X.3.2 (system not accepting messages for now), and quotaText.
func isQuotaReply(e *Error) bool {
	sub := [2]int{e.Enhanced[1], e.Enhanced[2]}
	switch sub {
	case [2]int{2, 2}, [2]int{4, 5}, [2]int{3, 2}:
		return true
	}
	return quotaText.MatchString(e.Message)
}

// classify maps any error met during a session to an Error. A context that
// ended wins over the error it provoked (a closed connection).
func classify(ctx context.Context, err error, st stage) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Kind: KindNetwork, Message: st.String(), err: ctxErr}
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return classifyReply(se, st)
	}
	return &Error{Kind: KindNetwork, Message: st.String(), err: err}
}
