package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decodes the charsets real mail uses
	"github.com/emersion/go-message/mail"
	gmtextproto "github.com/emersion/go-message/textproto"

	"caucusgate/gateway/compose"
	"caucusgate/internal/msgtext"
	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/trust"
)

// Limits that keep parsing bounded whatever arrives.
const (
	maxBodyText = 256 << 10 // decoded text handed to the rules' body matches
	maxParts    = 200       // MIME parts walked for text and attachments
)

// inbound is a message as intake sees it: the facts the rules decide on, the
// identifiers the store dedupes by, and what went wrong while reading it.
type inbound struct {
	Facts       rules.Message
	MessageID   string // without angle brackets; "" when absent or unparsable
	Date        string
	Fingerprint string
	Fallback    string // Message-ID + Date + From, for servers that rewrite MIME
	Warnings    []string
	// Unforwardable, when set, is why no copy can be composed of the
	// message (a header compose refuses): it is held, never forwarded.
	Unforwardable error
	// Reencode, when set, is why only a resent copy with its parts
	// re-encoded can carry the message (a bare CR, bare LF or NUL in a
	// body part): in the other modes it is held.
	Reencode error
}

// parseInbound reads a raw message leniently: every problem becomes a
// warning, never an error, so that a malformed message is still decided on
// (forwarded or held), never dropped.
func parseInbound(raw []byte) *inbound {
	in := &inbound{}
	fields, err := compose.HeaderFields(bytes.NewReader(raw))
	if err != nil {
		in.warn("header: %v", err)
	}
	if errors.Is(err, compose.ErrMalformed) {
		in.Unforwardable = err
	}
	in.checkWire(raw)
	h := mail.Header{Header: message.Header{Header: headerFromFields(fields)}}
	in.readHeader(h)
	in.Facts.Fields = trustFields(fields)
	in.Facts.Size = int64(len(raw))
	in.readBody(raw)
	in.Fingerprint = fingerprint(in.MessageID, raw)
	in.Fallback = fallbackFingerprint(in.MessageID, in.Date, in.Facts.From)
	return in
}

// checkWire records what compose.CheckWire says of the message's bytes.
func (in *inbound) checkWire(raw []byte) {
	v := compose.CheckWire(raw)
	if v.Unsendable != nil && in.Unforwardable == nil {
		in.Unforwardable = v.Unsendable
	}
	in.Reencode = v.Reencode
}

func (in *inbound) warn(format string, args ...any) {
	in.Warnings = append(in.Warnings, fmt.Sprintf(format, args...))
}

// headerFromFields is go-message's header of the fields compose reads, so
// that intake decides on the very fields a forwarded copy carries.
func headerFromFields(fields [][]byte) gmtextproto.Header {
	var h gmtextproto.Header
	for i := len(fields) - 1; i >= 0; i-- { // AddRaw prepends
		h.AddRaw(fields[i])
	}
	return h
}

// trustFields are the header fields in order, as sender authentication
// reads them: which Authentication-Results is topmost, how many From
// fields there are.
func trustFields(fields [][]byte) []trust.Field {
	out := make([]trust.Field, 0, len(fields))
	for _, raw := range fields {
		if f, ok := trust.ParseField(string(raw)); ok {
			out = append(out, f)
		}
	}
	return out
}

// readHeader reads the facts the rules decide on and the store is looked
// up by. Every text but the raw Subject is valid UTF-8 without NUL
// (queue.StorableText): a look-up by invalid text fails on PostgreSQL, on
// every retry of the batch.
func (in *inbound) readHeader(h mail.Header) {
	f := &in.Facts
	f.From, f.FromName = in.firstAddress(h, "From")
	f.Sender, _ = in.firstAddress(h, "Return-Path")
	if h.Has("Return-Path") && strings.TrimSpace(h.Get("Return-Path")) == "<>" {
		f.Sender = "<>"
	}
	f.To = in.addresses(h, "To")
	f.Cc = in.addresses(h, "Cc")
	f.RawSubject = h.Get("Subject")
	subject, err := h.Subject()
	if err != nil {
		in.warn("subject: %v", err)
	}
	f.Subject = subject
	in.MessageID = queue.StorableText(in.messageID(h))
	f.MessageID = in.MessageID
	in.Date = strings.TrimSpace(h.Get("Date"))
	f.Header = decodedHeaderMap(h)
	f.ReceivedCount = len(h.Values("Received"))
	f.ContentType, _, _ = h.ContentType()
}

func (in *inbound) messageID(h mail.Header) string {
	id, err := h.MessageID()
	if err != nil || id == "" {
		// Some mailers write ids without angle brackets; keep what is there.
		raw := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
		if raw != "" {
			in.warn("message-id: unparsable, kept as written: %q", raw)
		}
		return raw
	}
	return id
}

func (in *inbound) firstAddress(h mail.Header, key string) (addr, name string) {
	list := in.addressList(h, key)
	if len(list) == 0 {
		return "", ""
	}
	return queue.StorableText(strings.ToLower(list[0].Address)), queue.StorableText(list[0].Name)
}

func (in *inbound) addresses(h mail.Header, key string) []string {
	var out []string
	for _, a := range in.addressList(h, key) {
		out = append(out, queue.StorableText(strings.ToLower(a.Address)))
	}
	return out
}

func (in *inbound) addressList(h mail.Header, key string) []*mail.Address {
	if !h.Has(key) {
		return nil
	}
	list, err := h.AddressList(key)
	if err != nil {
		in.warn("%s: %v", strings.ToLower(key), err)
		return lenientAddresses(h.Get(key))
	}
	return list
}

// lenientAddresses finds addr-specs in a field go-message could not parse,
// so a sloppy From still identifies its sender.
func lenientAddresses(v string) []*mail.Address {
	var out []*mail.Address
	for _, word := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" ,;<>\"'()", r) }) {
		if at := strings.IndexByte(word, '@'); at > 0 && at < len(word)-1 {
			out = append(out, &mail.Address{Address: word})
		}
	}
	return out
}

func decodedHeaderMap(h mail.Header) map[string][]string {
	out := make(map[string][]string, h.Len())
	fields := h.Fields()
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		out[fields.Key()] = append(out[fields.Key()], queue.StorableText(v))
	}
	return out
}

// readBody collects decoded text parts and describes attachments.
func (in *inbound) readBody(raw []byte) {
	entity, err := message.Read(bytes.NewReader(raw))
	if entity == nil {
		in.warn("mime: %v", err)
		return
	}
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		in.warn("mime: %v", err)
	}
	var text strings.Builder
	parts := 0
	walkErr := walkParts(entity, func(path []int, h message.Header, body io.Reader, raw bool) error {
		if parts++; parts > maxParts {
			return errTooManyParts
		}
		if body != nil {
			in.readPart(path, h, body, raw, &text)
		}
		return nil
	})
	if walkErr != nil {
		in.warn("mime: %v", walkErr)
	}
	in.Facts.Body = text.String()
}

var errTooManyParts = errors.New("too many MIME parts; the rest were not read")

// readPart describes an attachment, or adds a text part to text. body is
// in its transfer encoding when raw is set.
func (in *inbound) readPart(path []int, h message.Header, body io.Reader, raw bool, text *strings.Builder) {
	mediaType, ctParams, _ := h.ContentType()
	disposition, params, _ := h.ContentDisposition()
	filename := params["filename"]
	if filename == "" {
		filename = ctParams["name"]
	}
	attachment := disposition == "attachment" || filename != "" || !strings.HasPrefix(mediaType, "text/")
	if attachment && raw {
		n, err := msgtext.DecodedSize(h.Get("Content-Transfer-Encoding"), body)
		if err != nil {
			in.warn("mime part %v: %v", path, err)
		}
		in.Facts.Attachments = append(in.Facts.Attachments, rules.Attachment{Filename: filename, ContentType: mediaType, Size: n})
		return
	}
	if raw {
		part, err := message.New(h, body)
		if err != nil {
			in.warn("mime part %v: %v", path, err)
			return
		}
		body = part.Body
	}
	if attachment {
		n, _ := io.Copy(io.Discard, body)
		in.Facts.Attachments = append(in.Facts.Attachments, rules.Attachment{Filename: filename, ContentType: mediaType, Size: n})
		return
	}
	room := maxBodyText - text.Len()
	if room <= 0 {
		return
	}
	b, err := io.ReadAll(io.LimitReader(body, int64(room)))
	if err != nil {
		in.warn("mime text part: %v", err)
	}
	text.Write(b)
}

// fingerprint identifies a message's exact bytes under its Message-ID; it is
// consulted only after a UIDVALIDITY reset (DESIGN.md).
func fingerprint(messageID string, raw []byte) string {
	sum := sha256.Sum256(raw)
	return messageID + " " + hex.EncodeToString(sum[:])
}

// fallbackFingerprint matches a message whose server regenerated its MIME
// (Exchange does), by Message-ID, Date and From. Without a Message-ID it is
// too weak to use.
func fallbackFingerprint(messageID, date, from string) string {
	if messageID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(messageID + "\x00" + date + "\x00" + from))
	return hex.EncodeToString(sum[:])
}
