package bounce

import "net/textproto"

// Report is what a delivery status notification says.
type Report struct {
	// Recipients are the per-recipient results, in the report's order.
	Recipients []Recipient `json:"recipients"`
	// ReportingMTA is the host that wrote the report (Reporting-MTA, without
	// its "dns;" type), when it says.
	ReportingMTA string `json:"reporting_mta,omitempty"`
	// Sender is the original envelope sender when the report names it
	// (Postfix's X-Postfix-Sender): with VERP, it carries the token.
	Sender string `json:"sender,omitempty"`
	// OriginalHeader is the header of the returned message (message/rfc822
	// or text/rfc822-headers part, or the copy below a text bounce), with
	// canonical keys and unfolded, undecoded values; nil when absent.
	OriginalHeader textproto.MIMEHeader `json:"original_header,omitempty"`
	// OriginalMessageID is the returned message's Message-ID, angle
	// brackets included, or Exchange's X-Original-Message-ID.
	OriginalMessageID string `json:"original_message_id,omitempty"`
	// Standard is true for an RFC 3464 report, false for a text bounce
	// read by heuristics.
	Standard bool `json:"standard"`
}

// Recipient is the result for one recipient.
type Recipient struct {
	// Address is the Final-Recipient (its "rfc822;" type removed), the
	// address the reporting MTA tried.
	Address string `json:"address"`
	// Original is the Original-Recipient: the address as first given to
	// the MTA chain (RFC 3461 ORCPT), when the report says.
	Original string `json:"original,omitempty"`
	// Action is failed, delayed, delivered, relayed or expanded, in lower
	// case.
	Action string `json:"action"`
	// Status is the RFC 3463 enhanced status code, {5, 1, 1} for 5.1.1;
	// zero when the report has none.
	Status [3]int `json:"status"`
	// Diagnostic is the remote server's reply or the MTA's explanation,
	// unfolded, without its "smtp;" type.
	Diagnostic string `json:"diagnostic,omitempty"`
	// RemoteMTA is the server that gave the Diagnostic, when known.
	RemoteMTA string `json:"remote_mta,omitempty"`
	// Class says whether the failure counts against the recipient.
	Class Class `json:"class"`
}
