// Package e2ehelp is what the end-to-end suites share to drive the built
// caucusgate binary against real mail servers: cmd/caucusgate's real-server
// suite, the browser test (e2e/browser, a module of its own) and the chaos
// runs (internal/chaos). It builds the binary once per test process, writes
// its config and rules files for a [mailstack.Stack] (or a relay in front of
// one), runs it, and reads what reached the caucuses' mailboxes.
//
// It is test support: only tests import it (it imports testing), never the
// gateway's own packages. The servers themselves are started by
// internal/mailstack.
package e2ehelp
