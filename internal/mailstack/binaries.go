package mailstack

import (
	"fmt"
	"os"
	"os/user"
)

// Paths of the Debian packages' programs. The harness targets Debian (as
// scripts/e2e and .ci/run do), where these are fixed by the packages.
const (
	dovecotBin     = "/usr/sbin/dovecot"
	postfixBin     = "/usr/sbin/postfix"
	postqueueBin   = "/usr/sbin/postqueue"
	postfixMaster  = "/usr/lib/postfix/sbin/master"
	dovecotLMTP    = "/usr/lib/dovecot/lmtp"
	dovecotIMAP    = "/usr/lib/dovecot/imap"
	installCommand = "DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd dovecot-lmtpd postfix"
)

// checkInstalled reports what is missing for a stack to start, with the
// command that installs it.
func checkInstalled() error {
	for _, p := range []string{dovecotBin, dovecotIMAP, dovecotLMTP, postfixBin, postqueueBin, postfixMaster} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("find %s (install with: %s): %w", p, installCommand, err)
		}
	}
	// The accounts the servers switch to; the packages create them.
	for _, name := range []string{"mail", "dovenull", "dovecot", "postfix"} {
		if _, err := user.Lookup(name); err != nil {
			return fmt.Errorf("look up user %s (install with: %s): %w", name, installCommand, err)
		}
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("check privileges: Dovecot and Postfix must be started as root, running as uid %d", os.Geteuid())
	}
	return nil
}
