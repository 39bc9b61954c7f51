// Package mailstack starts real mail servers on loopback for end-to-end tests:
// Dovecot (IMAP, RFC 9051 and RFC 3501; LMTP, RFC 2033) and Postfix (SMTP,
// RFC 5321) relaying every domain to Dovecot over LMTP, so that mail sent
// through Postfix lands in Maildirs the tests can read, and delivery status
// notifications (RFC 3464) come back to the envelope sender.
//
// Each [Stack] lives in its own directory (from t.TempDir) with its own free
// loopback ports, so several stacks run at once in parallel tests. Nothing
// touches the system's own Dovecot or Postfix configuration: Dovecot runs
// with -c, and the Postfix master(8) daemon is started directly with -c,
// which, unlike the postfix(1) command, does not require the directory to be
// listed in alternate_config_directories of the default main.cf.
//
// The servers must run as root (they switch to the mail, dovenull and
// postfix users themselves) and need the Debian packages dovecot-imapd,
// dovecot-lmtpd and postfix. Tests call [Required] (or [Start], which calls
// it) so that they skip unless CAUCUSGATE_E2E=1; scripts/e2e sets it.
//
// Each server's master process runs in the foreground under a small
// supervisor shell, in a process group of its own, as a child of the test
// binary. The supervisor stops the whole group when the test binary dies,
// even by SIGKILL (it watches a pipe the kernel closes then), so no server
// outlives its test run. The supervisors' process group ids are written to
// DIR/pids, should a stack ever have to be stopped by hand:
// kill -TERM -- -PGID.
//
// [StartWithMailman] adds a Mailman 3 core (Debian's mailman3 package) as a
// list server: Postfix hands it the mail of [ListDomain] over LMTP, and it
// sends through Postfix; lists are made over its REST API.
package mailstack
