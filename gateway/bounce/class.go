package bounce

import "regexp"

// Class says what a failure means for the recipient's membership.
type Class int

const (
	// Unknown: neither the code nor the text says enough (5.0.0 with an
	// unrecognised text, 5.5.x protocol errors). Never counted as hard.
	Unknown Class = iota
	// Hard: the address does not work and will not (no such user, no such
	// domain, disabled account). Counted against the member.
	Hard
	// Soft: a temporary or mailbox-state failure (4.x.x, mailbox full,
	// delays). Counted only when it persists.
	Soft
	// Policy: the receiver refused the sender or the message, not the
	// member (DMARC, SPF, DKIM, spam, reputation, blocklists, content,
	// size). Never counted against the member.
	Policy
	// Delivered: the report is about a success (delivered, relayed,
	// expanded), sent because a delivery notification was asked for.
	Delivered
)

// String names the class for logs and the admin page.
func (c Class) String() string {
	switch c {
	case Hard:
		return "hard"
	case Soft:
		return "soft"
	case Policy:
		return "policy"
	case Delivered:
		return "delivered"
	}
	return "unknown"
}

// MarshalText writes the class by name, for JSON and logs.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a name MarshalText wrote; other names are Unknown.
func (c *Class) UnmarshalText(b []byte) error {
	*c = Unknown
	for _, k := range []Class{Hard, Soft, Policy, Delivered} {
		if k.String() == string(b) {
			*c = k
		}
	}
	return nil
}

// policyText matches texts that blame the sender, its infrastructure or
// the message. Gmail, Microsoft 365 and Yahoo wordings are covered:
//
//	Gmail   550-5.7.26 This mail has been blocked because the sender is unauthenticated.
//	Gmail   550-5.7.26 Unauthenticated email from x is not accepted due to domain's DMARC policy.
//	Gmail   550-5.7.1 ... this message is likely unsolicited mail.
//	Gmail   421-4.7.0 ... an unusual rate of unsolicited mail originating from your IP address.
//	M365    550 5.7.509 Access denied, sending domain x does not pass DMARC verification ...
//	M365    550 5.7.606 Access denied, banned sending IP [x]
//	M365    550 5.7.708 Access denied, traffic not accepted from this IP.
//	M365    530 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM
//	Yahoo   554 5.7.9 Message not accepted for policy reasons.
//	Yahoo   553 5.7.2 [TSS09] All messages from x will be permanently deferred
//	Yahoo   421 4.7.0 [TSS04] Messages from x temporarily deferred due to unexpected volume or user complaints
//
// Words are matched at word boundaries so that host names such as
// spamexperts.com or antispam.example.net do not count.
var policyText = regexp.MustCompile(`(?i)\b(` +
	`dmarc|spf|dkim|unauthenticated|not authenticated|` +
	`spam|unsolicited|junk|bulk mail|phish\w*|virus|malware|` +
	`block\s?list(ed)?|black\s?list(ed)?|deny\s?list(ed)?|dnsbl|rbl|spamhaus|spamcop|barracuda|` +
	`blocked|banned|reputation|complaints|` +
	`policy|policies|content rejected|message rejected|` +
	`ts[s]?\d\d|` +
	`traffic not accepted|not accepted from this ip|` +
	`message size|message too (big|large)|size limit|too large` +
	`)\b`)

// hardText matches texts that say the address itself does not exist or is
// closed, for codes that do not say so on their own (5.0.0, 5.4.x, 5.7.x).
//
//	Gmail   550-5.1.1 The email account that you tried to reach does not exist.
//	Gmail   550-5.2.1 The email account that you tried to reach is disabled.
//	M365    550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
//	M365    550 5.4.1 Recipient address rejected: Access denied. AS(201806281)
//	Yahoo   554 delivery error: dd This user doesn't have a yahoo.com account
//	Yahoo   552 1 Requested mail action aborted, mailbox not found
//	qmail   Sorry, no mailbox here by that name. (#5.1.1)
var hardText = regexp.MustCompile(`(?i)(` +
	`user unknown|unknown user|unknown recipient|recipient unknown|no such (user|mailbox|recipient|address)|` +
	`does not exist|doesn't exist|not exist|doesn't have an? .{1,60} account|` +
	`recip(ient)?notfound|recipient not found|mailbox not found|mailbox unavailable|no mailbox|` +
	`invalid (recipient|mailbox|address)|unrouteable address|` +
	`account (has been |is )?(disabled|deactivated|suspended|closed)|is disabled|no longer (active|in use|valid)` +
	`)`)

// m365Unknown is Microsoft 365's directory-based edge blocking: 5.4.1 for
// an address the tenant does not have. Elsewhere the same words come from
// admins' access rules, which are policy.
var m365Unknown = regexp.MustCompile(`(?i)recipient address rejected: access denied`)

// softText matches texts of temporary trouble for codes that do not say so.
var softText = regexp.MustCompile(`(?i)(mailbox (is )?full|over ?quota|quota exceeded|quotaexceeded|` +
	`insufficient (storage|space)|out of storage|try again later|temporar)`)

// Classify says what an RFC 3463 status and its diagnostic text mean for
// the recipient. When the status is missing or only says x.0.0, the first
// enhanced code in the diagnostic of the same class is used instead.
//
//	status          text                           class
//	2.x.x           any                            Delivered
//	4.x.x           policy words                   Policy
//	4.x.x           other                          Soft
//	5.1.7, 5.1.8    (the sender's address)         Policy
//	5.1.x           other                          Hard  (bad mailbox, bad domain, moved, null MX)
//	5.x.x (not 5.1) policy words                   Policy
//	5.2.1           any                            Hard  (mailbox disabled)
//	5.2.3           any                            Policy (message too long for the mailbox)
//	5.2.x           other                          Soft  (mailbox full, 5.2.2)
//	5.3.4           any                            Policy (message too big for the system)
//	5.3.x           other                          Soft
//	5.4.4           any                            Hard  (unable to route: the domain is gone)
//	5.4.x           user-unknown words             Hard  (Microsoft 365: 5.4.1 Recipient address rejected: Access denied)
//	5.4.x           other                          Soft  (no answer, routing loop, expired)
//	5.5.x           any                            Unknown (protocol: our side)
//	5.6.x           any                            Policy (content)
//	5.7.x           user-unknown words             Hard
//	5.7.x           other                          Policy
//	5.0.0, none     user-unknown / full words      Hard / Soft
//	5.0.0, none     other                          Unknown
//
// Policy words are tested before user-unknown words, except under 5.1.x.
func Classify(status [3]int, diagnostic string) Class {
	status = refineStatus(status, diagnostic)
	switch status[0] {
	case 2:
		return Delivered
	case 4:
		if policyText.MatchString(diagnostic) {
			return Policy
		}
		return Soft
	case 5:
		return classifyPermanent(status, diagnostic)
	}
	return classifyText(diagnostic, Unknown)
}

func classifyPermanent(status [3]int, diagnostic string) Class {
	if status[1] == 1 {
		if status[2] == 7 || status[2] == 8 {
			return Policy
		}
		return Hard
	}
	if policyText.MatchString(diagnostic) {
		return Policy
	}
	switch status[1] {
	case 2:
		return byDetail(status[2], map[int]Class{1: Hard, 3: Policy}, Soft)
	case 3:
		return byDetail(status[2], map[int]Class{4: Policy}, Soft)
	case 4:
		if status[2] == 4 || hardText.MatchString(diagnostic) || m365Unknown.MatchString(diagnostic) {
			return Hard
		}
		return Soft
	case 5:
		return Unknown
	case 6:
		return Policy
	case 7:
		if hardText.MatchString(diagnostic) {
			return Hard
		}
		return Policy
	}
	return classifyText(diagnostic, Unknown)
}

func byDetail(detail int, classes map[int]Class, otherwise Class) Class {
	if c, ok := classes[detail]; ok {
		return c
	}
	return otherwise
}

// classifyText classifies by words alone, for reports without a usable code.
func classifyText(diagnostic string, otherwise Class) Class {
	switch {
	case policyText.MatchString(diagnostic):
		return Policy
	case hardText.MatchString(diagnostic):
		return Hard
	case softText.MatchString(diagnostic):
		return Soft
	}
	return otherwise
}

// refineStatus replaces a missing or x.0.0 status by the first enhanced
// code of the same class in the diagnostic: Postfix and Exim report the
// remote server's code, others write 5.0.0 and leave the code in the text.
func refineStatus(status [3]int, diagnostic string) [3]int {
	if status[0] != 0 && (status[1] != 0 || status[2] != 0) {
		return status
	}
	for _, code := range enhancedCodes(diagnostic) {
		if status[0] == 0 || code[0] == status[0] {
			return code
		}
	}
	return status
}
