package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	gmtextproto "github.com/emersion/go-message/textproto"
)

// forwardSpec is everything a delivery job needs to compose its copy. It is
// fixed at intake and stored with the delivery, so that a retry days later
// sends the same message whatever the rules say by then.
type forwardSpec struct {
	Mode       string `json:"mode"` // resend
	Caucus     string `json:"caucus"`
	CaucusName string `json:"caucus_name"`
	Account    string `json:"account"`           // the gateway's address: X-Loop, rewritten From
	Subject    string `json:"subject,omitempty"` // replaces the original subject when set
	// RewriteFrom says the From becomes "Name via Caucus" <Account>.
	RewriteFrom bool `json:"rewrite_from"`
	// MessageID is written only when the original has none, so that every
	// retry of the copy carries the same one.
	MessageID string `json:"message_id,omitempty"`
}

// listID is the caucus's RFC 2919 list identifier: id.caucus.DOMAIN, under
// the domain of the gateway's own address.
func (s forwardSpec) listID() string {
	return s.Caucus + ".caucus." + domainOf(s.Account)
}

// droppedOnResend are the fields a list server replaces or removes: trace
// fields of the bureau's own delivery (Delivered-To makes the next hop's MTA
// see a loop), other lists' fields, and those we set ourselves.
var droppedOnResend = map[string]bool{
	"Return-Path": true, "Delivered-To": true, "X-Original-To": true,
	"List-Id": true, "List-Post": true, "List-Help": true, "List-Subscribe": true,
	"List-Unsubscribe": true, "List-Unsubscribe-Post": true, "List-Owner": true, "List-Archive": true,
	"Precedence": true, "X-Auto-Response-Suppress": true,
}

// composeResend writes the resend copy of raw to w: a rewritten header block,
// then the original body's bytes untouched. It streams: memory stays bounded
// by the header size whatever the body's.
func composeResend(w io.Writer, spec forwardSpec, raw io.Reader) error {
	r := bufio.NewReaderSize(raw, 64<<10)
	fields, err := readHeaderBlock(r, maxHeaderBytes)
	if err != nil && !errors.Is(err, errHeaderTooLarge) {
		return fmt.Errorf("compose resend: %w", err)
	}
	if err := writeResendHeader(w, spec, fields); err != nil {
		return fmt.Errorf("compose resend: %w", err)
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("compose resend: copy body: %w", err)
	}
	return nil
}

func writeResendHeader(w io.Writer, spec forwardSpec, fields []headerField) error {
	added, err := resendFields(spec, fields)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := gmtextproto.WriteHeader(&buf, added); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	buf.Truncate(buf.Len() - 2) // WriteHeader ends the block; the original fields follow
	for _, f := range fields {
		if keepOnResend(spec, f) {
			buf.Write(withCRLF(f.Raw))
		}
	}
	buf.WriteString("\r\n")
	_, err = w.Write(buf.Bytes())
	return err
}

func keepOnResend(spec forwardSpec, f headerField) bool {
	switch {
	case droppedOnResend[f.Name]:
		return false
	case f.Name == "From" && spec.RewriteFrom:
		return false
	case f.Name == "Subject" && spec.Subject != "":
		return false
	case f.Name == "X-Loop" && strings.EqualFold(f.value(), spec.Account):
		return false
	}
	return true
}

// resendFields builds the fields the gateway adds, in the order they will
// appear at the top of the copy.
func resendFields(spec forwardSpec, fields []headerField) (gmtextproto.Header, error) {
	type field struct{ key, value string }
	add := []field{
		{"List-Id", listIDValue(spec)},
		{"List-Post", "<mailto:" + spec.Account + ">"},
		{"Precedence", "list"},
		{"X-Loop", spec.Account},
		{"X-Auto-Response-Suppress", "OOF, AutoReply"},
	}
	if spec.Subject != "" {
		add = append(add, field{"Subject", mime.QEncoding.Encode("utf-8", spec.Subject)})
	}
	if !hasField(fields, "Message-Id") && spec.MessageID != "" {
		add = append(add, field{"Message-Id", "<" + spec.MessageID + ">"})
	}
	h := mail.Header{Header: message.Header{}}
	for i := len(add) - 1; i >= 0; i-- { // go-message's Add puts each new field first
		if strings.ContainsAny(add[i].value, "\r\n") {
			return gmtextproto.Header{}, fmt.Errorf("header %s: value contains a line break", add[i].key)
		}
		h.Add(add[i].key, add[i].value)
	}
	if spec.RewriteFrom {
		if err := rewriteFrom(&h, spec, fields); err != nil {
			return gmtextproto.Header{}, err
		}
	}
	return h.Header.Header, nil
}

func listIDValue(spec forwardSpec) string {
	name := strings.ReplaceAll(spec.CaucusName, "\"", "")
	if name == "" {
		return "<" + spec.listID() + ">"
	}
	return mime.QEncoding.Encode("utf-8", name) + " <" + spec.listID() + ">"
}

// rewriteFrom writes From as "Name via Caucus" <gateway address> and keeps
// the original in X-Original-From: removing the routing tag breaks the
// sender's DKIM signature, and hosted relays refuse a foreign From.
func rewriteFrom(h *mail.Header, spec forwardSpec, fields []headerField) error {
	original := fieldValue(fields, "From")
	name := displayName(original)
	if strings.ContainsAny(original, "\r\n") {
		return fmt.Errorf("header From: value contains a line break")
	}
	if original != "" {
		h.Add("X-Original-From", original)
	}
	h.SetAddressList("From", []*mail.Address{{Name: name + " via " + spec.CaucusName, Address: spec.Account}})
	return nil
}

// displayName is the name a reader knows the sender by: the display name,
// else the address itself.
func displayName(from string) string {
	h := mail.Header{Header: message.Header{}}
	h.Set("From", from)
	list, err := h.AddressList("From")
	if err != nil || len(list) == 0 {
		return strings.Trim(from, "<> ")
	}
	if list[0].Name != "" {
		return list[0].Name
	}
	return list[0].Address
}

func hasField(fields []headerField, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func fieldValue(fields []headerField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.value()
		}
	}
	return ""
}

// withCRLF normalises a raw field's line endings to CRLF (RFC 5322 2.1).
func withCRLF(raw []byte) []byte {
	if bytes.Count(raw, []byte("\r\n")) == bytes.Count(raw, []byte("\n")) && bytes.HasSuffix(raw, []byte("\r\n")) {
		return raw
	}
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	lf = append(bytes.TrimRight(lf, "\r\n"), '\n')
	return bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(addr[at+1:])
	}
	return "localhost"
}
