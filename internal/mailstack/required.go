package mailstack

import (
	"os"
	"testing"
)

// EnvVar is the environment variable that turns the real-server tests on.
const EnvVar = "CAUCUSGATE_E2E"

// Required skips the test, saying how to run it, unless CAUCUSGATE_E2E=1.
// With it set nothing skips: a missing server is then a failure of the
// caller's test, never a silent pass.
func Required(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvVar) == "1" {
		return
	}
	t.Skip("real-server test (Dovecot, Postfix): run scripts/e2e, " +
		"or install dovecot-imapd dovecot-lmtpd postfix and set " + EnvVar + "=1 as root")
}
