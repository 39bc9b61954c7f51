package e2ehelp

import (
	"testing"

	"caucusgate/internal/mailstack"
)

// Bureau is the bureau's mailbox, the account every config watches.
const Bureau = "bureau@example.org"

// StartStack starts Dovecot and Postfix for the test (see
// [mailstack.Start]) with the bureau's mailbox, the one every config watches.
func StartStack(t testing.TB) *mailstack.Stack {
	t.Helper()
	return mailstack.Start(t, mailstack.Options{Users: []string{Bureau}})
}
