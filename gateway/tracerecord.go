package gateway

import (
	"encoding/json"

	invitations "caucusgate/gateway/invitation"
	"caucusgate/queue"
	"caucusgate/rules"
)

// traceRecord is what the store keeps to explain a decision.
type traceRecord struct {
	Decision   rules.Decision     `json:"decision"`
	Warnings   []string           `json:"warnings,omitempty"`
	Invitation *invitations.Trace `json:"invitation,omitempty"` // the dates read, and from where
}

// encode writes the record as the store keeps it: the rules' trace in its
// stored form, which refers to the rules that missed instead of listing
// them (tens of kilobytes a message at hundreds of rules).
func (r traceRecord) encode() ([]byte, error) {
	r.Decision.Trace.Rules = r.Decision.Trace.Rules.Compact()
	return json.Marshal(r)
}

// readTraceRecord reads a stored record back, its rules' trace rendered
// from set when set has the rules it ran as they were, by position
// otherwise. Records stored before the compact form read as they were.
func readTraceRecord(m queue.MessageInfo, set *rules.Set) (traceRecord, error) {
	var tr traceRecord
	if err := json.Unmarshal(m.Trace, &tr); err != nil {
		return traceRecord{}, err
	}
	tr.Decision.Trace.Rules = tr.Decision.Trace.Rules.Bind(set)
	return tr, nil
}
