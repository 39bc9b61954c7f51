package rules

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// ruleDigest identifies the first rules of a file as a trace shows them
// when they miss: their names and the steps of their misses. A stored
// trace keeps the digest of the rules up to the last one it ran, not the
// hundreds of misses, and a set whose digest at that position is the same
// renders them exactly as they were.
type ruleDigest [16]byte

// digestRules returns the digest of the first n rules for each n from 0 to
// len(rules): a rule added at the end leaves the earlier digests as they
// were, so a trace stored before it still renders from the new set.
func digestRules(rules []*rule) []ruleDigest {
	out := make([]ruleDigest, len(rules)+1)
	h := sha256.New()
	var sum [sha256.Size]byte
	copy(out[0][:], h.Sum(sum[:0]))
	for i, r := range rules {
		writeField(h, r.name)
		writeField(h, string(r.missJSON)) // empty for a rule without a prefilter: it never misses unseen
		copy(out[i+1][:], h.Sum(sum[:0]))
	}
	return out
}

// writeField writes s with its length, so that no two lists of fields
// write the same bytes.
func writeField(w io.Writer, s string) {
	var n [binary.MaxVarintLen64]byte
	w.Write(binary.AppendUvarint(n[:0], uint64(len(s))))
	io.WriteString(w, s)
}
