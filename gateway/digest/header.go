package digest

import (
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// field is one header field to write, in order.
type field struct{ key, value string }

// header builds the header shared by relays and digests. Values are set
// through go-message's address and text formatters, which RFC 2047-encode
// whatever is not printable ASCII.
func (b *Batch) header(a addresses, fromName, subject string, extra ...field) []field {
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: cleanText(fromName), Address: a.account.Address}})
	h.SetAddressList("To", []*mail.Address{{Name: cleanText(a.to.Name), Address: a.to.Address}})
	h.SetAddressList("Reply-To", cleanAddresses(a.replyTo))
	h.SetSubject(cleanText(subject))
	h.SetDate(b.Date)
	fields := []field{
		{"From", h.Get("From")}, {"To", h.Get("To")}, {"Reply-To", h.Get("Reply-To")},
		{"Subject", h.Get("Subject")}, {"Date", h.Get("Date")}, {"Message-ID", b.messageID()},
	}
	if id := b.invitationID(); id != "" {
		fields = append(fields, field{"In-Reply-To", id}, field{"References", id})
	}
	fields = append(fields, extra...)
	fields = append(fields,
		field{"X-Loop", a.account.Address},
		// The inviter's out-of-office reply would go to the caucus.
		field{"X-Auto-Response-Suppress", "OOF, AutoReply"},
		field{"MIME-Version", "1.0"})
	return fields
}

// ordered makes a header whose fields are written in the order given:
// go-message writes the field added last first.
func ordered(fields []field) message.Header {
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		if fields[i].value != "" {
			h.Add(fields[i].key, fields[i].value)
		}
	}
	return h
}

func cleanAddresses(in []*mail.Address) []*mail.Address {
	out := make([]*mail.Address, len(in))
	for i, a := range in {
		out[i] = &mail.Address{Name: cleanText(a.Name), Address: a.Address}
	}
	return out
}

// answerer returns how an item's answerer is named: the display name of
// its From, else the address, else "someone".
func (it *Item) answerer() (name, address string) {
	a, err := mail.ParseAddress(it.From)
	if err != nil {
		return cleanText(it.From), ""
	}
	return cleanText(a.Name), a.Address
}

// who returns "Name <address>", or what of it is known.
func (it *Item) who() string {
	name, address := it.answerer()
	switch {
	case name != "" && address != "":
		return name + " <" + address + ">"
	case address != "":
		return address
	case name != "":
		return name
	}
	return "someone"
}

// caucusName returns the caucus's display name, or its id.
func (it *Item) caucusName() string {
	if n := cleanText(it.CaucusName); n != "" {
		return n
	}
	if id := cleanText(it.Caucus); id != "" {
		return id
	}
	return "a caucus"
}

// caucusNames lists the caucuses of a batch's items, each once, in order.
func caucusNames(items []Item) string {
	var names []string
	seen := map[string]bool{}
	for i := range items {
		n := items[i].caucusName()
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
