package compose

import (
	"bytes"
	"mime/quotedprintable"
	"strings"
)

// coverText is the note before an encapsulated original: who sent it,
// which caucus it goes to, and where replies go.
func coverText(s Spec, o original) string {
	from := parseSender(o.get("From"))
	subject, _ := decodeText(o.get("Subject"))
	var t strings.Builder
	who := from.label()
	if who == "" {
		who = "A sender"
	}
	t.WriteString(who + " wrote to the bureau; caucusgate forwards the message to " +
		s.caucusName() + ". It is attached below, unchanged.\n\n")
	writeCoverLine(&t, "From", from.String())
	writeCoverLine(&t, "Subject", cleanText(subject))
	writeCoverLine(&t, "Date", cleanText(o.get("Date")))
	t.WriteString("\n")
	if s.ReplyTo != "" {
		t.WriteString("Replies to this message go to " + s.ReplyTo + ", and caucusgate relays them to the sender.\n")
	} else {
		t.WriteString("Replies to this message go to the sender.\n")
	}
	return t.String()
}

func writeCoverLine(t *strings.Builder, label, value string) {
	if value != "" {
		t.WriteString(label + ": " + value + "\n")
	}
}

// writeQuotedPrintable encodes text with CRLF line breaks (RFC 2045 6.7),
// which keeps any name in the note safe whatever its script.
func writeQuotedPrintable(w *bytes.Buffer, text string) {
	qp := quotedprintable.NewWriter(w)
	_, _ = qp.Write([]byte(text)) // a bytes.Buffer does not fail
	_ = qp.Close()
}
