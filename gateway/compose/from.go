package compose

import (
	"bytes"
)

// writeRewrittenFrom writes From as "Name via Caucus Name" <account>, the
// original From kept in X-Original-From. Removing the routing tag changes
// the signed Subject, so the sender's DKIM signature fails, and with a
// DMARC policy of quarantine or reject the sender's own From would get the
// copy refused; hosted relays also refuse a From that is not theirs.
func writeRewrittenFrom(b *headerBuf, s Spec, o original) {
	display := s.caucusName()
	if l := parseSender(o.get("From")).label(); l != "" {
		display = l + " via " + s.caucusName()
	}
	b.add("From", phrase(display)+" <"+s.Account+">")
	if f, ok := o.first("From"); ok {
		writeRenamed(b, f, "X-Original-From")
	}
}

// writeRenamed writes a field's raw value, encoding and folding kept,
// under another name.
func writeRenamed(b *headerBuf, f field, name string) {
	value := f.raw[bytes.IndexByte(f.raw, ':'):]
	raw, err := normaliseField(append([]byte(name), value...))
	if err != nil {
		// The longer name pushed an unfoldable line over 998 bytes: the
		// field is informative only, so it is left out.
		return
	}
	b.addRaw(raw)
}
