package bounce

import "testing"

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status [3]int
		diag   string
		want   Class
	}{
		// RFC 3463 codes on their own.
		{[3]int{5, 1, 1}, "User unknown", Hard},
		{[3]int{5, 1, 2}, "Host or domain name not found", Hard},
		{[3]int{5, 1, 10}, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", Hard},
		{[3]int{5, 1, 1}, "User unknown (mx.spamexperts.com)", Hard},
		{[3]int{5, 1, 8}, "Sender address rejected: Domain not found", Policy},
		{[3]int{5, 2, 1}, "550-5.2.1 The email account that you tried to reach is disabled.", Hard},
		{[3]int{5, 2, 2}, "552-5.2.2 The recipient's inbox is out of storage space.", Soft},
		{[3]int{5, 2, 3}, "Message length exceeds administrative limit", Policy},
		{[3]int{5, 3, 4}, "Message too big for system", Policy},
		{[3]int{5, 4, 4}, "Host not found", Hard},
		{[3]int{5, 4, 7}, "delivery time expired", Soft},
		{[3]int{5, 4, 1}, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", Hard},
		{[3]int{5, 5, 2}, "Syntax error", Unknown},
		{[3]int{5, 6, 0}, "Content rejected", Policy},
		{[3]int{4, 2, 2}, "mailbox full", Soft},
		{[3]int{4, 4, 1}, "Connection timed out", Soft},
		{[3]int{4, 7, 1}, "Client host rejected: greylisted, try again later", Soft},
		{[3]int{2, 0, 0}, "250 Ok", Delivered},
		// Gmail.
		{[3]int{5, 7, 26}, "550-5.7.26 Unauthenticated email from itu.int is not accepted due to domain's DMARC policy.", Policy},
		{[3]int{5, 7, 26}, "550-5.7.26 This mail has been blocked because the sender is unauthenticated.", Policy},
		{[3]int{5, 7, 1}, "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.", Policy},
		{[3]int{4, 7, 0}, "421-4.7.0 Our system has detected an unusual rate of unsolicited mail originating from your IP address.", Policy},
		{[3]int{4, 2, 1}, "450-4.2.1 The user you are trying to contact is receiving mail too quickly.", Soft},
		// Microsoft 365.
		{[3]int{5, 7, 509}, "550 5.7.509 Access denied, sending domain who.int does not pass DMARC verification and has a DMARC policy of reject.", Policy},
		{[3]int{5, 7, 606}, "550 5.7.606 Access denied, banned sending IP [192.0.2.1]", Policy},
		{[3]int{5, 7, 708}, "550 5.7.708 Access denied, traffic not accepted from this IP.", Policy},
		{[3]int{5, 7, 1}, "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", Policy},
		{[3]int{5, 2, 0}, "554 5.2.0 STOREDRV.Deliver.Exception:QuotaExceededException", Soft},
		// Yahoo.
		{[3]int{5, 7, 9}, "554 5.7.9 Message not accepted for policy reasons.", Policy},
		{[3]int{5, 7, 2}, "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred", Policy},
		{[3]int{4, 7, 0}, "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints", Policy},
		{[3]int{5, 0, 0}, "554 delivery error: dd This user doesn't have a yahoo.com account (max@yahoo.com) [0]", Hard},
		{[3]int{5, 0, 0}, "552 1 Requested mail action aborted, mailbox not found", Hard},
		// Policy words win over user-unknown words outside 5.1.x.
		{[3]int{5, 7, 1}, "554 5.7.1 <x@y>: Recipient address rejected: Recipient address rejected for policy reasons", Policy},
		{[3]int{5, 7, 1}, "554 5.7.1 <x@y>: Recipient address rejected: Access denied", Policy},
		{[3]int{5, 7, 1}, "550 5.7.1 No such user here", Hard},
		// No usable status: the code in the text, then the words.
		{[3]int{5, 0, 0}, "550 5.1.1 <a@b>: Recipient address rejected: User unknown", Hard},
		{[3]int{}, "Sorry, no mailbox here by that name. (#5.1.1)", Hard},
		{[3]int{}, "mailbox full", Soft},
		{[3]int{}, "blocked using zen.spamhaus.org", Policy},
		{[3]int{5, 0, 0}, "something went wrong", Unknown},
		{[3]int{}, "", Unknown},
		// A code of another class in the text does not override.
		{[3]int{4, 0, 0}, "earlier: 550 5.1.1 user unknown; now: timeout", Soft},
	}
	for _, tt := range tests {
		if got := Classify(tt.status, tt.diag); got != tt.want {
			t.Errorf("Classify(%v, %q) = %v, want %v", tt.status, tt.diag, got, tt.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want [3]int
		ok   bool
	}{
		{"5.1.1", [3]int{5, 1, 1}, true},
		{" 4.4.7 (delivery expired)", [3]int{4, 4, 7}, true},
		{"5.7.509", [3]int{5, 7, 509}, true},
		{"2.0.0", [3]int{2, 0, 0}, true},
		{"5.1", [3]int{}, false},
		{"3.1.1", [3]int{}, false},
		{"5.1.1000", [3]int{}, false},
		{"5.x.1", [3]int{}, false},
		{"", [3]int{}, false},
	}
	for _, tt := range tests {
		got, ok := parseStatus(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseStatus(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEnhancedCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want [][3]int
	}{
		{"550-5.1.1 The email account ... 550 5.1.1 gsmtp", [][3]int{{5, 1, 1}, {5, 1, 1}}},
		{"(#5.1.1)", [][3]int{{5, 1, 1}}},
		{"host 192.0.2.1 said 550", nil},
		{"version 15.20.8000.10", nil},
		{"4.4.7", [][3]int{{4, 4, 7}}},
		{"status 5.1.1.", [][3]int{{5, 1, 1}}},
		{"5.0.0 5.1.1", [][3]int{{5, 0, 0}, {5, 1, 1}}},
	}
	for _, tt := range tests {
		got := enhancedCodes(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("enhancedCodes(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("enhancedCodes(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

// TestClassifyCodeInText: a code that ends a sentence is read (issue 13:
// it classified as unknown).
func TestClassifyCodeInText(t *testing.T) {
	t.Parallel()
	for _, diag := range []string{"the mailbox is gone, status 5.1.1.", "rejected (5.1.1)."} {
		if got := Classify([3]int{}, diag); got != Hard {
			t.Errorf("Classify(%q) = %v, want hard", diag, got)
		}
	}
}

func TestClassText(t *testing.T) {
	t.Parallel()
	for _, c := range []Class{Unknown, Hard, Soft, Policy, Delivered} {
		b, _ := c.MarshalText()
		var back Class
		if err := back.UnmarshalText(b); err != nil || back != c {
			t.Errorf("class %v: text %q reads back as %v, %v", c, b, back, err)
		}
	}
}
