package main

import (
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
)

func TestArchiveExportsWhatACaucusReceived(t *testing.T) {
	mail := strings.Replace(invitationMail, "Deadline for", "From the bureau's point of view, nothing to add.\r\n>From a quoted line.\r\nDeadline for", 1)
	other := "From: someone@elsewhere.org\r\nTo: bureau@example.org\r\nSubject: not forwarded\r\nMessage-ID: <x@y>\r\n\r\nhello\r\n"
	_, config := cliWorldWith(t, mailsim.Options{}, invitationRules, mail, other)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: status %d %s", status, stderr)
	}
	status, out, stderr := runCLI(t, "archive", "-config", config, "-caucus", "gender")
	if status != 0 {
		t.Fatalf("archive: status %d %s", status, stderr)
	}
	if !strings.HasPrefix(out, "From events@itu.int ") || strings.Count(out, "\nFrom ") != 0 {
		t.Errorf("mbox does not hold exactly one message:\n%s", out)
	}
	for _, want := range []string{"Message-ID: <inv1@itu.int>\n", "\n>From the bureau's point of view", "\n>>From a quoted line.", "Deadline for registration"} {
		if !strings.Contains(out, want) {
			t.Errorf("mbox lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "not forwarded") {
		t.Errorf("mbox has CR or a message the caucus never got:\n%s", out)
	}
	if !strings.Contains(stderr, "1 messages of caucus gender") {
		t.Errorf("stderr %q", stderr)
	}
	if status, _, _ := runCLI(t, "archive", "-config", config, "-caucus", "nosuch"); status != 2 {
		t.Errorf("unknown caucus: status %d, want 2", status)
	}
	if status, out, _ := runCLI(t, "help", "archive"); status != 0 || !strings.Contains(out, "retention") {
		t.Errorf("help archive does not say it exports only what retention kept:\n%s", out)
	}
}
