package mailstack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequiredSkipsWithoutE2E(t *testing.T) {
	for _, tt := range []struct {
		env     string
		skipped bool
	}{{"", true}, {"0", true}, {"yes", true}, {"1", false}} {
		var skipped bool
		t.Run("env="+tt.env, func(t *testing.T) {
			t.Setenv(EnvVar, tt.env)
			defer func() { skipped = t.Skipped() }()
			Required(t)
		})
		if skipped != tt.skipped {
			t.Errorf("%s=%q: skipped = %v, want %v", EnvVar, tt.env, skipped, tt.skipped)
		}
	}
}

func testStack(t *testing.T, opts Options) *Stack {
	dir := t.TempDir()
	for _, d := range []string{"pf/conf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &Stack{
		Dir: dir, Password: Password, opts: opts, users: []string{"bureau@example.org"},
		IMAPAddr: "127.0.0.1:1143", LMTPAddr: "127.0.0.1:1024", SMTPAddr: "127.0.0.1:1025",
		imapPort: 1143, lmtpPort: 1024, smtpPort: 1025,
	}
}

// TestPostfixConfig checks the facts the stack depends on in the files it
// writes: an error transport for rejected recipients ahead of the catch-all
// LMTP route, an access table for refused ones, the stack's own listener.
func TestPostfixConfig(t *testing.T) {
	s := testStack(t, Options{RejectRecipients: []string{"Gone@Example.org"}, RefuseRecipients: []string{"no@example.org"}})
	if err := s.writePostfixConfig(); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(s.postfixConfDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	transport := strings.Split(strings.TrimSpace(read("transport")), "\n")
	want := []string{"gone@example.org error:5.1.1 ", "* lmtp:inet:127.0.0.1:1024"}
	if len(transport) != 2 || !strings.HasPrefix(transport[0], want[0]) || transport[1] != want[1] {
		t.Errorf("transport table = %q, want lines starting %q", transport, want)
	}
	if refuse := read("refuse"); !strings.HasPrefix(refuse, "no@example.org 550 5.1.1 ") {
		t.Errorf("refuse table = %q", refuse)
	}
	if master := read("master.cf"); !strings.HasPrefix(strings.SplitN(master, "\n", 3)[1], "127.0.0.1:1025 inet n - n - - smtpd") {
		t.Errorf("master.cf does not listen on the stack's port:\n%s", master)
	}
	main := read("main.cf")
	for _, line := range []string{"queue_directory = " + s.Dir + "/pf/queue", "smtpd_reject_unlisted_recipient = no", "recipient_delimiter = +"} {
		if !strings.Contains(main, line+"\n") {
			t.Errorf("main.cf lacks %q", line)
		}
	}
	if strings.Contains(main, "{{") {
		t.Errorf("main.cf has unexpanded template actions:\n%s", main)
	}
}

func TestDovecotConfig(t *testing.T) {
	s := testStack(t, Options{})
	s.users = []string{"bureau@example.org", "other@example.org"}
	if err := s.writeDovecotConfig(); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(s.Dir, "users"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "bureau@example.org:{PLAIN}secret\nother@example.org:{PLAIN}secret\n"; string(users) != want {
		t.Errorf("users = %q, want %q", users, want)
	}
	conf, err := os.ReadFile(s.dovecotConfPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"    port = 1143", "    port = 1024", "default_login_user = dovenull", "mail_location = maildir:" + s.Dir + "/mail/%u/Maildir"} {
		if !strings.Contains(string(conf), line+"\n") {
			t.Errorf("dovecot.conf lacks %q", line)
		}
	}
}
