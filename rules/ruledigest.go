package rules

import (
	"crypto/sha256"
	"encoding/binary"
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
	sum := make([]byte, 0, sha256.Size)
	copy(out[0][:], h.Sum(sum))
	var entry []byte
	for i, r := range rules {
		// Each field with its length, so that no two lists of rules write
		// the same bytes. missJSON is empty for a rule without a
		// prefilter: it never misses unseen.
		entry = binary.AppendUvarint(entry[:0], uint64(len(r.name)))
		entry = append(entry, r.name...)
		entry = binary.AppendUvarint(entry, uint64(len(r.missJSON)))
		entry = append(entry, r.missJSON...)
		h.Write(entry)
		copy(out[i+1][:], h.Sum(sum))
	}
	return out
}
