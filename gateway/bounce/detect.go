package bounce

import (
	"mime"
	"net/mail"
	"regexp"
	"strings"
)

// Header is any message header: net/mail.Header, net/textproto.MIMEHeader,
// go-message's Header all have Get.
type Header interface {
	Get(key string) string
}

// IsDeliveryReport is the loop guard's cheap test, on the header alone:
// true for a report (multipart/report of any report-type, RFC 6522, which
// covers delivery and disposition notifications and feedback reports), a
// bare message/delivery-status, a null envelope sender (Return-Path: <>,
// RFC 5321 section 4.5.5, which only notifications use), mail from
// MAILER-DAEMON, Exim's X-Failed-Recipients, and a bounce subject
// ("Undeliverable: ...") from a postmaster or Exchange system mailbox.
// Auto-replies (RFC 3834)
// are the loop guard's other test, not this one.
func IsDeliveryReport(h Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch {
	case mt == "multipart/report", mt == "message/delivery-status", mt == "message/global-delivery-status":
		return true
	case isNullSender(h.Get("Return-Path")):
		return true
	case h.Get("X-Failed-Recipients") != "":
		return true
	}
	return isMailerDaemon(h.Get("From")) || (bounceSubject.MatchString(h.Get("Subject")) && isPostmaster(h.Get("From")))
}

// bounceSubject matches the subjects MTAs give their bounces. A forward
// ("Fwd: Undeliverable: ...") does not match.
var bounceSubject = regexp.MustCompile(`(?i)^\s*(undeliverable:|undelivered mail returned to sender|` +
	`delivery status notification \(|mail delivery failed|failure notice|returned mail:|` +
	`delivery failure:|non-delivery report|nondeliverable mail)`)

func isNullSender(returnPath string) bool {
	rp := strings.TrimSpace(returnPath)
	return rp == "<>" || rp == "< >"
}

// isPostmaster reports whether From is a postmaster or an Exchange system
// mailbox (MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@...), which
// send text bounces with no other mark.
func isPostmaster(from string) bool {
	local := strings.ToLower(localPart(from))
	return local == "postmaster" || local == "mailer-daemon" || strings.HasPrefix(local, "microsoftexchange")
}

// isMailerDaemon reports whether the From address's local part is
// MAILER-DAEMON, in any case, with or without a domain (qmail and some
// Exchange servers write "MAILER-DAEMON" alone).
func isMailerDaemon(from string) bool {
	return strings.EqualFold(localPart(from), "mailer-daemon")
}

// localPart is the local part of the address in a From value, leniently.
func localPart(from string) string {
	addr := strings.TrimSpace(from)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	} else if i, j := strings.LastIndexByte(addr, '<'), strings.LastIndexByte(addr, '>'); i >= 0 && j > i {
		addr = addr[i+1 : j]
	}
	local, _, _ := strings.Cut(addr, "@")
	return strings.TrimSpace(local)
}
