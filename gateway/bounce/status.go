package bounce

import "caucusgate/internal/enhancedcode"

// maxCodes bounds the codes read from one diagnostic text.
const maxCodes = 8

// parseStatus reads a Status field value such as "5.1.1 (bad mailbox)".
func parseStatus(s string) ([3]int, bool) {
	c, ok := enhancedcode.ParseField(s)
	return [3]int(c), ok
}

// enhancedCodes returns the enhanced status codes in text, in order:
// "5.1.1", qmail's "#5.1.1", Gmail's "550-5.1.1", one ending a sentence.
func enhancedCodes(text string) [][3]int {
	var codes [][3]int
	for _, c := range enhancedcode.Find(text, maxCodes) {
		codes = append(codes, [3]int(c))
	}
	return codes
}

// firstCode is the first enhanced code in text, or def.
func firstCode(text string, def [3]int) [3]int {
	if c, ok := enhancedcode.First(text); ok {
		return [3]int(c)
	}
	return def
}
