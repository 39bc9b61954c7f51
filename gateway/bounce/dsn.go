package bounce

import "strings"

// maxRecipients bounds the recipients taken from one report.
const maxRecipients = 500

// parseDeliveryStatus reads the body of a message/delivery-status part
// (RFC 3464 section 2): per-message fields, then one group per recipient.
// Producers that leave out the blank line between recipients are handled:
// a second Final-Recipient starts a new recipient.
func parseDeliveryStatus(body string, r *Report) {
	for _, group := range readGroups(body) {
		var cur *Recipient
		for _, f := range group {
			if f.name == "Final-Recipient" && cur != nil && cur.Address != "" {
				r.addRecipient(cur)
				cur = nil
			}
			if isRecipientField(f.name) && cur == nil {
				cur = &Recipient{}
			}
			if cur != nil {
				cur.set(f)
			} else {
				r.setMessageField(f)
			}
		}
		if cur != nil {
			r.addRecipient(cur)
		}
	}
}

func isRecipientField(name string) bool {
	switch name {
	case "Final-Recipient", "Original-Recipient", "Action", "Status", "Diagnostic-Code", "Remote-Mta":
		return true
	}
	return false
}

func (r *Report) setMessageField(f field) {
	switch f.name {
	case "Reporting-Mta":
		r.ReportingMTA = hostValue(f.value)
	case "X-Postfix-Sender":
		r.Sender = typedValue(f.value)
	case "X-Original-Message-Id":
		if r.OriginalMessageID == "" {
			r.OriginalMessageID = f.value
		}
	}
}

func (rc *Recipient) set(f field) {
	switch f.name {
	case "Final-Recipient":
		rc.Address = typedValue(f.value)
	case "Original-Recipient":
		rc.Original = typedValue(f.value)
	case "Action":
		rc.Action = strings.ToLower(stripComment(f.value))
	case "Status":
		rc.Status, _ = parseStatus(f.value)
	case "Diagnostic-Code":
		rc.Diagnostic = diagnosticText(f.value)
	case "Remote-Mta":
		rc.RemoteMTA = hostValue(f.value)
	}
}

// diagnosticText strips the diagnostic type ("smtp;", "X-Postfix;").
func diagnosticText(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && !strings.ContainsAny(v[:i], " <@") {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// addRecipient completes rc (status from its action when missing, class)
// and appends it; recipients without an address are kept only when they
// say something (an Original-Recipient).
func (r *Report) addRecipient(rc *Recipient) {
	if rc.Address == "" {
		rc.Address = rc.Original
	}
	if rc.Address == "" || len(r.Recipients) >= maxRecipients {
		return
	}
	if rc.Action == "" {
		rc.Action = actionOf(rc.Status)
	}
	if rc.Status == ([3]int{}) {
		rc.Status = firstCode(rc.Diagnostic, statusOfAction(rc.Action))
	}
	rc.Class = classOf(rc.Action, rc.Status, rc.Diagnostic)
	r.Recipients = append(r.Recipients, *rc)
}

// classOf is Classify, except that the action wins where it is clearer
// than the code: a report of success is no failure, a delay is no final
// failure whatever code it carries.
func classOf(action string, status [3]int, diagnostic string) Class {
	switch action {
	case "delivered", "relayed", "expanded":
		return Delivered
	case "delayed":
		if c := Classify(status, diagnostic); c == Policy {
			return Policy
		}
		return Soft
	}
	return Classify(status, diagnostic)
}

func actionOf(status [3]int) string {
	switch status[0] {
	case 2:
		return "delivered"
	case 4:
		return "delayed"
	}
	return "failed"
}

func statusOfAction(action string) [3]int {
	switch action {
	case "delivered", "relayed", "expanded":
		return [3]int{2, 0, 0}
	case "delayed":
		return [3]int{4, 0, 0}
	}
	return [3]int{5, 0, 0}
}

// hostValue reads an MTA name field: "dns; mx.example.net. (comment)" gives
// mx.example.net.
func hostValue(v string) string {
	return strings.TrimSuffix(stripComment(typedValue(v)), ".")
}
