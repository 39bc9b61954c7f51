package bounce

import (
	"regexp"
	"strings"
)

// textBounce is one non-standard format: detect says whether text is in
// it, read takes its recipients and returns the copy of the original.
type textBounce struct {
	name   string
	detect func(text string) bool
	read   func(lines []string, r *Report) (original string)
}

// textBounces are tried in order; the first that detects its format reads.
var textBounces = []textBounce{
	{"qmail", func(t string) bool { return strings.Contains(t, "This is the qmail-send program at") }, readQmail},
	{"exim", isExim, readExim},
	{"exchange", func(t string) bool { return strings.Contains(t, "Diagnostic information for administrators:") }, readExchange},
}

// parseText reads a text bounce into r and returns the copy of the
// original message it carries, if any.
func parseText(text string, r *Report) string {
	for _, tb := range textBounces {
		if tb.detect(text) {
			return tb.read(splitLines(text), r)
		}
	}
	return ""
}

// addTextRecipient adds a recipient read by heuristics: its status is the
// first code in the diagnostic, else one for the action.
func (r *Report) addTextRecipient(addr, action, diagnostic, remote string) {
	addr = strings.Trim(strings.TrimSpace(addr), "<>:")
	if !strings.Contains(addr, "@") {
		return
	}
	r.addRecipient(&Recipient{
		Address:    addr,
		Action:     action,
		Diagnostic: strings.Join(strings.Fields(diagnostic), " "),
		RemoteMTA:  remote,
	})
}

// rest returns the text after the first line that starts with one of
// markers, and that line's index (-1 when none).
func rest(lines []string, markers ...string) (string, int) {
	for i, l := range lines {
		for _, m := range markers {
			if strings.HasPrefix(strings.TrimSpace(l), m) {
				return strings.Join(lines[i+1:], "\n"), i
			}
		}
	}
	return "", -1
}

var qmailHost = regexp.MustCompile(`qmail-send program at ([^\s]+?)\.?\s*$`)

// readQmail reads qmail-send's bounce (qmail-send.c, "bounce" messages):
//
//	Hi. This is the qmail-send program at HOST.
//	...
//	<ADDRESS>:
//	DIAGNOSTIC LINES
//
//	--- Below this line is a copy of the message.
func readQmail(lines []string, r *Report) string {
	original, end := rest(lines, "--- Below this line is a copy of the message", "--- Enclosed are the original headers")
	if end < 0 {
		end = len(lines)
	}
	addr, diag := "", ""
	flush := func() {
		if addr != "" {
			r.addTextRecipient(addr, "failed", afterMarker(diag, "Remote host said:"), "")
		}
		addr, diag = "", ""
	}
	for _, l := range lines[:end] {
		if m := qmailHost.FindStringSubmatch(l); m != nil {
			r.ReportingMTA = m[1]
		}
		switch t := strings.TrimSpace(l); {
		case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">:"):
			flush()
			addr = t
		case t == "":
			flush()
		case addr != "":
			diag += " " + t
		}
	}
	flush()
	return original
}

// afterMarker drops what precedes a marker in a diagnostic: the MTA's
// narration before the remote server's own words.
func afterMarker(diag string, markers ...string) string {
	for _, m := range markers {
		if i := strings.Index(diag, m); i >= 0 {
			return diag[i+len(m):]
		}
	}
	return diag
}

func isExim(t string) bool {
	return strings.Contains(t, "address(es) failed:") ||
		strings.Contains(t, "has not yet been delivered is:") ||
		strings.Contains(t, "have not yet been delivered are:")
}

// readExim reads Exim's plain-text bounce and delay warning (Exim 4 before
// its RFC 3464 reports, and many hosts still configured so):
//
//	... The following address(es) failed:
//
//	  ADDRESS
//	    host HOST [IP]
//	    SMTP error from remote mail server after RCPT TO:<ADDRESS>:
//	    550 5.1.1 ...
//
//	------ This is a copy of the message, including all the headers. ------
func readExim(lines []string, r *Report) string {
	original, end := rest(lines, "------ This is a copy of the message")
	if end < 0 {
		end = len(lines)
	}
	action := "failed"
	if !strings.Contains(strings.Join(lines[:end], "\n"), "address(es) failed:") {
		action = "delayed"
	}
	start := 0
	for i, l := range lines[:end] {
		if strings.HasSuffix(strings.TrimSpace(l), "failed:") || strings.HasSuffix(strings.TrimSpace(l), "delivered is:") ||
			strings.HasSuffix(strings.TrimSpace(l), "delivered are:") {
			start = i + 1
			break
		}
	}
	readIndented(lines[start:end], action, r)
	return original
}

var eximHost = regexp.MustCompile(`^host (\S+)`)

// readIndented reads Exim's address blocks: an address indented by at most
// two spaces, then its more deeply indented explanation.
func readIndented(lines []string, action string, r *Report) {
	addr, diag, remote := "", "", ""
	flush := func() {
		if addr != "" {
			r.addTextRecipient(addr, action, eximDiagnostic(diag), remote)
		}
		addr, diag, remote = "", "", ""
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		switch {
		case t == "":
			continue
		case indent <= 2 && strings.Contains(t, "@") && !strings.Contains(t, " "):
			flush()
			addr = t
		case indent <= 2:
			flush()
		case addr != "":
			if m := eximHost.FindStringSubmatch(t); m != nil && remote == "" {
				remote = m[1]
			}
			diag += " " + t
		}
	}
	flush()
}

var generatingServer = regexp.MustCompile(`^Generating server:\s*(\S+)`)

// readExchange reads the administrators' part of an Exchange or Microsoft
// 365 non-delivery report when it comes as text, without its
// message/delivery-status part (older Exchange, reports forwarded by hand):
//
//	Diagnostic information for administrators:
//	Generating server: SERVER
//	ADDRESS
//	REMOTE HOST
//	Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'
//	Original message headers:
func readExchange(lines []string, r *Report) string {
	original, end := rest(lines, "Original message headers:")
	if end < 0 {
		end = len(lines)
	}
	_, start := rest(lines[:end], "Diagnostic information for administrators:")
	action := "failed"
	if strings.Contains(strings.Join(lines[:end], "\n"), "Delivery is delayed to these recipients") {
		action = "delayed"
	}
	addr, diag, remote := "", "", ""
	flush := func() {
		if addr != "" {
			r.addTextRecipient(addr, action, diag, remote)
		}
		addr, diag, remote = "", "", ""
	}
	for _, l := range lines[start+1 : end] {
		t := strings.TrimSpace(l)
		switch {
		case generatingServer.MatchString(t):
			r.ReportingMTA = generatingServer.FindStringSubmatch(t)[1]
		case strings.Contains(t, "@") && !strings.Contains(t, " "):
			flush()
			addr = t
		case addr == "" || t == "":
		case hasPrefixFold(t, "Remote Server returned") || strings.HasPrefix(t, "#"):
			diag = exchangeDiagnostic(t)
		case !strings.Contains(t, " ") && strings.Contains(t, "."):
			remote = t
		}
	}
	flush()
	return original
}

// exchangeDiagnostic unwraps "Remote Server returned '...'" and
// "#550 5.1.1 ... ##".
func exchangeDiagnostic(t string) string {
	if i := strings.IndexByte(t, '\''); i >= 0 && hasPrefixFold(t, "Remote Server returned") {
		t = strings.TrimSuffix(t[i+1:], "'")
	}
	t = strings.TrimSuffix(strings.TrimPrefix(t, "#"), "##")
	return strings.TrimSpace(t)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

var eximNarration = regexp.MustCompile(`SMTP error from remote mail server after [^:]*(:<[^>]*>)?:`)

// eximDiagnostic keeps the remote server's reply when Exim quotes one.
func eximDiagnostic(diag string) string {
	if loc := eximNarration.FindStringIndex(diag); loc != nil {
		return diag[loc[1]:]
	}
	return diag
}
