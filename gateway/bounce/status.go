package bounce

import (
	"regexp"
	"strconv"
	"strings"
)

// codePattern finds RFC 3463 codes in text: "5.1.1", qmail's "#5.1.1",
// Gmail's "550-5.1.1". Subject and detail may have up to three digits.
var codePattern = regexp.MustCompile(`(?:^|[^\d.])([245])\.(\d{1,3})\.(\d{1,3})(?:[^\d.]|$)`)

// parseStatus reads a Status field value such as "5.1.1 (bad mailbox)".
func parseStatus(s string) ([3]int, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t("); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return [3]int{}, false
	}
	var code [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 || len(p) > 3 {
			return [3]int{}, false
		}
		code[i] = n
	}
	if code[0] != 2 && code[0] != 4 && code[0] != 5 {
		return [3]int{}, false
	}
	return code, true
}

// enhancedCodes returns the enhanced status codes in text, in order.
func enhancedCodes(text string) [][3]int {
	var codes [][3]int
	for _, m := range codePattern.FindAllStringSubmatch(text, 8) {
		code, ok := parseStatus(m[1] + "." + m[2] + "." + m[3])
		if ok {
			codes = append(codes, code)
		}
	}
	return codes
}

// firstCode is the first enhanced code in text, or def.
func firstCode(text string, def [3]int) [3]int {
	if codes := enhancedCodes(text); len(codes) > 0 {
		return codes[0]
	}
	return def
}
