// Package typo finds the word an admin probably meant: the nearest
// candidate by edit distance, for "did you mean" hints in config and rule
// file errors.
package typo

// Closest returns the candidate nearest to word by edit distance, when it
// is near enough to be a typo: within a third of the word's length, at
// least 1. Callers normalise case and accents first where that matters.
func Closest(word string, candidates []string) (string, bool) {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := Distance(word, c); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, len([]rune(word))/3)
	return best, bestDist >= 0 && bestDist <= limit
}

// Distance is the edit distance between a and b in runes, counting a swap
// of two neighbours as one edit (optimal string alignment): "form" is one
// typo away from "from".
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	rows := make([][]int, len(ra)+1)
	for i := range rows {
		rows[i] = make([]int, len(rb)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(ra)][len(rb)]
}
