package rules

import (
	"strings"

	"caucusgate/internal/yamlfile"
)

// checkShadowed warns of a rule that can never run: an earlier rule that
// ends evaluation (stop, reject, discard) matches every message it matches.
// It sees the plain cases: the earlier rule has no conditions, or each of its
// conditions is one the later rule repeats, or an address glob that the later
// rule's exact address falls under. Nested any/all/not are not compared.
func (c *compiler) checkShadowed(rules []fileRule) {
	for i := range rules {
		if r := &rules[i]; stops(r) && len(leaves(r.When)) == 0 && leaves(r.When) != nil && i+1 < len(rules) {
			c.warnf(yamlfile.Index("rules", i), "rule %q matches every message and stops evaluation: the %d rules after it never run", r.Name, len(rules)-i-1)
			return
		}
	}
	for li := range rules {
		later := leaves(rules[li].When)
		if later == nil {
			continue
		}
		for ei := range rules[:li] {
			e := &rules[ei]
			if !stops(e) {
				continue
			}
			if earlier := leaves(e.When); earlier != nil && implies(later, earlier) {
				c.warnf(yamlfile.Index("rules", li), "rule %q never runs: the earlier rule %q stops evaluation for every message it matches", rules[li].Name, e.Name)
				break
			}
		}
	}
}

func stops(r *fileRule) bool {
	return r.Stop || r.Reject.set || r.Discard
}

// leaves returns the top-level conditions of w, key to pattern, or nil when
// w nests any, all or not (which this check does not compare).
func leaves(w *fileWhen) map[string]string {
	out := map[string]string{}
	if w == nil {
		return out
	}
	if len(w.Any) > 0 || len(w.All) > 0 || w.Not != nil {
		return nil
	}
	for k, v := range map[string]string{"from": w.From, "to": w.To, "cc": w.Cc, "subject": w.Subject, "body": w.Body,
		"list_id": w.ListID, "attachment": w.Attachment, "size": w.Size} {
		if v != "" {
			out[k] = v
		}
	}
	for name, re := range w.Header {
		out["header "+strings.ToLower(name)] = re
	}
	return out
}

// implies reports whether every condition of earlier holds whenever later's do.
func implies(later, earlier map[string]string) bool {
	for k, p := range earlier {
		lp, ok := later[k]
		if !ok {
			return false
		}
		if lp == p {
			continue
		}
		if !isAddressKey(k) || strings.ContainsAny(lp, "*?") {
			return false
		}
		g, err := compileGlob(p)
		if err != nil || !g.match(lp) {
			return false
		}
	}
	return true
}

func isAddressKey(k string) bool {
	return k == "from" || k == "to" || k == "cc"
}
