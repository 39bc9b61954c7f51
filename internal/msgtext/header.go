package msgtext

import (
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Field is a header field as a reader sees it: its value decoded from
// RFC 2047 encoded words and cleaned of control characters.
type Field struct {
	Name  string
	Value string
}

// shownFields are the header fields a reader needs to judge a message, in
// the order a mail client shows them.
var shownFields = []string{"From", "Sender", "Reply-To", "To", "Cc", "Date", "Subject", "Message-ID", "List-Id"}

// fields returns the shown fields present in h, each occurrence once (a
// message with two Subjects shows both: that is worth seeing).
func fields(h message.Header) []Field {
	mh := mail.Header{Header: h}
	var out []Field
	for _, k := range shownFields {
		fs := mh.FieldsByKey(k)
		for fs.Next() {
			v, err := fs.Text()
			if err != nil {
				v = fs.Value()
			}
			out = append(out, Field{Name: k, Value: clean(v)})
		}
	}
	return out
}
