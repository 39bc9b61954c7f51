package rules

import "strings"

// indexFoldASCII returns the offset of the first place in s where lit, a
// literal of ASCII bytes without upper case letters, is written ignoring
// ASCII case; -1 if none. It reads s as it is, without lower-casing a
// copy: on text without fold specials (foldSpecials), where only ASCII
// letters fold to ASCII letters, it finds what regexp's (?i) finds.
func indexFoldASCII(s, lit string) int {
	n := len(lit)
	if n == 0 {
		return 0
	}
	limit := len(s) - n + 1 // the places lit can start at
	if limit <= 0 {
		return -1
	}
	if j := caselessByte(lit); j >= 0 {
		return indexFoldAt(s, lit, j, limit)
	}
	return indexFoldLetters(s, lit, limit)
}

// caselessByte is the offset of lit's first byte that is no letter, -1.
func caselessByte(lit string) int {
	for i := 0; i < len(lit); i++ {
		if c := lit[i]; c < 'a' || c > 'z' {
			return i
		}
	}
	return -1
}

// indexFoldAt finds lit by scanning for its byte at j, which case leaves
// alone: one IndexByte pass.
func indexFoldAt(s, lit string, j, limit int) int {
	for p := 0; p < limit; {
		k := strings.IndexByte(s[p+j:limit+j], lit[j])
		if k < 0 {
			return -1
		}
		p += k
		if equalFoldASCII(s[p:p+len(lit)], lit) {
			return p
		}
		p++
	}
	return -1
}

// indexFoldLetters finds lit, all letters, by scanning for either case of
// its first letter.
func indexFoldLetters(s, lit string, limit int) int {
	lower, upper := lit[0], lit[0]-'a'+'A'
	nextLower, nextUpper := -2, -2 // the next place of each; -1 none; -2 not yet looked for
	for p := 0; p < limit; {
		if nextLower != -1 && nextLower < p {
			nextLower = indexByteFrom(s[:limit], lower, p)
		}
		if nextUpper != -1 && nextUpper < p {
			nextUpper = indexByteFrom(s[:limit], upper, p)
		}
		switch {
		case nextLower < 0 && nextUpper < 0:
			return -1
		case nextUpper < 0 || (nextLower >= 0 && nextLower < nextUpper):
			p = nextLower
		default:
			p = nextUpper
		}
		if equalFoldASCII(s[p:p+len(lit)], lit) {
			return p
		}
		p++
	}
	return -1
}

func indexByteFrom(s string, c byte, from int) int {
	if k := strings.IndexByte(s[from:], c); k >= 0 {
		return from + k
	}
	return -1
}

// equalFoldASCII says whether a, lower-cased byte by byte, is lit.
func equalFoldASCII(a, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if lowerASCIIByte(a[i]) != lit[i] {
			return false
		}
	}
	return true
}
