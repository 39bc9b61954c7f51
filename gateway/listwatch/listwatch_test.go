package listwatch

import (
	"slices"
	"testing"
)

func TestFromListServer(t *testing.T) {
	const list = "gender@lists.example.org"
	tests := []struct {
		from string
		want bool
	}{
		{"gender-owner@lists.example.org", true},
		{"Gender-Bounces@Lists.Example.org", true},
		{"gender-bounces+bureau=example.org@lists.example.org", true},
		{"sympa@lists.example.org", true},
		{"listmaster@lists.example.org", true},
		{"gender@lists.example.org", false},       // a post, not a notice
		{"ana@lists.example.org", false},          // a member at the list's domain
		{"gender-owner@elsewhere.example", false}, // another domain
		{"sympa@example.org", false},
		{"not an address", false},
	}
	for _, tt := range tests {
		if got := FromListServer(tt.from, list); got != tt.want {
			t.Errorf("FromListServer(%q) = %v, want %v", tt.from, got, tt.want)
		}
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		subject, text string
		want          Verdict
	}{
		// Mailman 3's list:user:notice:rejected and list:admin:action:post.
		{"Invitation", "Your message to the gender@lists.example.org mailing-list was rejected for the following reasons:", Rejected},
		{"Gender post from bureau@example.org requires approval", "As list administrator, your authorization is requested", Held},
		{"Your message to gender@lists.example.org awaits moderator approval", "", Held},
		// Sympa's message_report and moderation request.
		{"Message distribution: Authorization requested", "", Held},
		{"Your message has been forwarded to the moderator(s)", "", Held},
		{"Message rejected", "Your message for list gender has been rejected", Rejected},
		{"Welcome to the gender list", "Here is how to post.", Unknown},
		// A rejection that quotes why it was held first is a rejection.
		{"Invitation", "held for moderation, then was rejected by the moderator", Rejected},
	}
	for _, tt := range tests {
		if got := Judge(tt.subject, tt.text); got != tt.want {
			t.Errorf("Judge(%q, %q) = %v, want %v", tt.subject, tt.text, got, tt.want)
		}
	}
}

func TestReplyTokenKept(t *testing.T) {
	const acct = "bureau@example.org"
	tests := []struct {
		replyTo []string
		want    bool
	}{
		{[]string{"<bureau+abcdefghijklmnopqrstuvwxyz234567abcdefgh@example.org>"}, true},
		{[]string{"Gender Caucus <gender@lists.example.org>, bureau+abcdefghijklmnopqrstuvwxyz234567abcdefgh@example.org"}, true},
		{[]string{"gender@lists.example.org"}, false}, // reply_goes_to_list munged it
		{[]string{"bureau@example.org"}, false},       // the account without a token
		{nil, false},                                  // first_strip_reply_to removed it
	}
	for _, tt := range tests {
		if got := ReplyTokenKept(tt.replyTo, acct); got != tt.want {
			t.Errorf("ReplyTokenKept(%q) = %v, want %v", tt.replyTo, got, tt.want)
		}
	}
}

func TestCitedMessageIDs(t *testing.T) {
	notice := "From: gender-owner@lists.example.org\r\nMessage-ID: <notice-1@lists.example.org>\r\n" +
		"In-Reply-To: <inv-1@itu.int>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/plain\r\n\r\nrejected\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: bureau@example.org\r\nMessage-ID:\r\n <inv-1@itu.int>\r\nReferences: <older@itu.int>\r\n\r\nbody\r\n--b--\r\n"
	got := CitedMessageIDs([]byte(notice), "<notice-1@lists.example.org>")
	if want := []string{"inv-1@itu.int", "older@itu.int"}; !slices.Equal(got, want) {
		t.Errorf("CitedMessageIDs = %q, want %q", got, want)
	}
}

func FuzzCitedMessageIDs(f *testing.F) {
	f.Add([]byte("Message-ID: <a@b>\r\n\r\n"), "<a@b>")
	f.Add([]byte("References: <x@y>\n <z@w>\n\nMessage-ID: <q@r>"), "")
	f.Fuzz(func(t *testing.T, raw []byte, own string) {
		for _, id := range CitedMessageIDs(raw, own) {
			if id == "" || id == own || slices.ContainsFunc([]rune(id), func(r rune) bool { return r == '<' || r == '>' || r == ' ' }) {
				t.Fatalf("cited %q", id)
			}
		}
	})
}
