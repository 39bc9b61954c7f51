package compose

import (
	"bytes"
	"regexp"
	"strings"

	"caucusgate/internal/rfc2047"
)

// A copy's header never names a plus-address of the account (bureau+TOKEN@,
// RFC 5233) but the copy's own reply address. Such an address in the
// original's header is another copy's reply token (a caucus member's reply
// quotes it in To or Cc, a digest carries Delivered-To), a delivery address
// or a list envelope. A reply token is a capability: whoever writes to it
// answers as that copy's caucus, so one caucus must never see another's
// (issue 10). The address is replaced by the account's bare address rather
// than its field dropped: the field keeps its shape (a To with one address
// still has one), readers still see that the message went to the bureau,
// and the bare address is only the public inbox, which the rules handle
// like any other mail.

// plusScrubber removes the plus-part of the account's addresses from a
// composed header block.
type plusScrubber struct {
	local, domain, own string
	// ownLower is own in lower case when it is local+TOKEN@domain with
	// nothing the pattern stops at in TOKEN, so that finding it in a
	// header is finding what the pattern would match and spare: "" when
	// it is not.
	ownLower string
	pattern  *regexp.Regexp // nil until a header needs it
}

func newPlusScrubber(s Spec) plusScrubber {
	at := strings.LastIndexByte(s.Account, '@')
	p := plusScrubber{local: s.Account[:at], domain: s.Account[at+1:], own: s.ReplyTo}
	if own := strings.ToLower(s.ReplyTo); isASCII(own) {
		token, ok := strings.CutPrefix(own, strings.ToLower(p.local)+"+")
		token, ok2 := strings.CutSuffix(token, "@"+strings.ToLower(p.domain))
		if ok && ok2 && !strings.ContainsAny(token, " \t\n\f\r@<>,;:()[]\\\"") {
			p.ownLower = own
		}
	}
	return p
}

// withPattern compiles the pattern: the local part, a plus-part, then the
// domain, with the quote and space that RFC 5322's quoted and obsolete
// forms allow and readers accept around the @. It is compiled only for a
// header that may need it: most name no plus-address but the copy's own,
// and compiling it for each copy cost more than the rest of the header.
func (p plusScrubber) withPattern() plusScrubber {
	p.pattern = regexp.MustCompile(`(?i)` + regexp.QuoteMeta(p.local) + `(\+[^\s@<>,;:()\[\]\\"]*)"?\s*@\s*` + regexp.QuoteMeta(p.domain))
	return p
}

// scrubHeader returns the header block with every foreign plus-address
// replaced, field by field; a field that can no longer be written within
// RFC 5322's line limit is left out.
func (p plusScrubber) scrubHeader(block []byte) []byte {
	if !bytes.Contains(bytes.ToLower(block), []byte(strings.ToLower(p.local)+"+")) && !bytes.Contains(block, []byte("=?")) {
		return block
	}
	if p.namesOnlyOwn(block) {
		return block
	}
	return p.withPattern().scrubFields(block)
}

// scrubFields is scrubHeader with the pattern compiled, field by field.
func (p plusScrubber) scrubFields(block []byte) []byte {
	out := make([]byte, 0, len(block))
	for _, f := range splitFields(block) {
		scrubbed, changed := p.scrubField(string(f))
		if !changed {
			out = append(out, f...)
			continue
		}
		if raw, err := normaliseField([]byte(scrubbed)); err == nil {
			out = append(out, raw...)
		}
	}
	return out
}

// namesOnlyOwn says that the pattern could only match the copy's own
// address in block, which scrubText keeps: block is ASCII (so that the
// pattern's case folding is ASCII's), holds no encoded word, and each
// local part with a plus in it, in any case, starts the copy's own
// address.
func (p plusScrubber) namesOnlyOwn(block []byte) bool {
	if p.ownLower == "" || !isASCII(block) || bytes.Contains(block, []byte("=?")) {
		return false
	}
	lower := bytes.ToLower(block) // ASCII: the same offsets as block
	plus := []byte(strings.ToLower(p.local) + "+")
	for i := 0; ; {
		j := bytes.Index(lower[i:], plus)
		if j < 0 {
			return true
		}
		i += j
		if !bytes.HasPrefix(lower[i:], []byte(p.ownLower)) {
			return false
		}
		i += len(plus)
	}
}

// splitFields cuts a header block (CRLF line endings) into its fields,
// continuation lines kept with theirs.
func splitFields(block []byte) [][]byte {
	var fields [][]byte
	for len(block) > 0 {
		end := 0
		for {
			i := bytes.Index(block[end:], []byte("\r\n"))
			if i < 0 {
				end = len(block)
				break
			}
			end += i + 2
			if end == len(block) || (block[end] != ' ' && block[end] != '\t') {
				break
			}
		}
		fields = append(fields, block[:end])
		block = block[end:]
	}
	return fields
}

// encodedWords matches a run of RFC 2047 encoded words separated by white
// space, which decoders join into one text.
var encodedWords = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)*`)

// scrubField replaces foreign plus-addresses in a field, in its plain text
// and inside encoded words, which are decoded, scrubbed and encoded again.
func (p plusScrubber) scrubField(f string) (string, bool) {
	f, changed := p.scrubText(f)
	if !strings.Contains(f, "=?") {
		return f, changed
	}
	f = encodedWords.ReplaceAllStringFunc(f, func(run string) string {
		decoded, err := rfc2047.Decode(run)
		if err != nil {
			if decoded, err = newWordDecoder().DecodeHeader(run); err != nil {
				return run
			}
		}
		scrubbed, ok := p.scrubText(decoded)
		if !ok {
			return run
		}
		changed = true
		return forceEncode(strings.ToValidUTF8(scrubbed, "\uFFFD"))
	})
	return f, changed
}

// scrubText replaces each plus-address of the account but the copy's own
// by the bare account address, keeping the quote or space around its @.
func (p plusScrubber) scrubText(s string) (string, bool) {
	changed := false
	var b strings.Builder
	last := 0
	for _, m := range p.pattern.FindAllStringSubmatchIndex(s, -1) {
		addr := strings.Map(dropQuoteAndSpace, s[m[0]:m[1]])
		if !startsAddress(s, m[0]) || !endsDomain(s, m[1]) || strings.EqualFold(addr, p.own) {
			continue
		}
		b.WriteString(s[last:m[2]]) // up to the '+'
		last = m[3]                 // resume after the plus-part
		changed = true
	}
	if !changed {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

func dropQuoteAndSpace(r rune) rune {
	switch r {
	case '"', ' ', '\t', '\r', '\n':
		return -1
	}
	return r
}

// startsAddress says whether a local part begins at i: bureau+x@ inside
// xbureau+x@ is another address.
func startsAddress(s string, i int) bool {
	return i == 0 || !isAtext(s[i-1]) && s[i-1] != '.'
}

// endsDomain says whether the domain ends at i: example.org inside
// example.org.evil or example.organ is another domain.
func endsDomain(s string, i int) bool {
	if i == len(s) {
		return true
	}
	if s[i] == '.' {
		return i+1 == len(s) || !isLetterOrDigit(s[i+1])
	}
	return !isLetterOrDigit(s[i]) && s[i] != '-'
}

func isLetterOrDigit(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCII[T string | []byte](s T) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
