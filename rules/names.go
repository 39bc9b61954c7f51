package rules

import (
	"strings"
	"unicode"

	"caucusgate/internal/yamlfile"

	"golang.org/x/text/unicode/norm"
)

// normalizeName folds a caucus name for matching: case and accents ignored
// (Género, genero and GENERO are one name), surrounding blanks dropped.
func normalizeName(s string) string {
	s = strings.TrimSpace(s)
	if isPlainASCII(s) {
		return strings.ToLower(s)
	}
	// What transform.Chain(NFD, runes.Remove(Mn), NFC) computes, without
	// the chain's two 4 kB buffers a call: a tag is read once a message.
	bare := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s))
	return strings.ToLower(norm.NFC.String(bare))
}

// isPlainASCII reads eight bytes at a time: bodies are kilobytes.
func isPlainASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// compileNames builds the directory of tag names: each caucus's id and tags,
// normalised. One name for two caucuses is an error: a tag must route one way.
func (c *compiler) compileNames() {
	c.set.names = map[string]string{}
	owner := map[string]string{} // name → path where it was first given
	for _, cc := range c.set.caucuses {
		path := yamlfile.Index("caucuses", c.set.fileIndex[cc.ID])
		c.addName(cc.ID, cc.ID, path+".id", owner)
		for j, tag := range cc.Tags {
			c.addName(tag, cc.ID, yamlfile.Index(path+".tags", j), owner)
		}
	}
}

func (c *compiler) addName(name, id, path string, owner map[string]string) {
	n := normalizeName(name)
	if n == "" || strings.ContainsAny(n, " \t,[]:") {
		c.errorf(path, "bad tag name %q: one word, without blanks, commas, brackets or colons", name)
		return
	}
	if prev, ok := c.set.names[n]; ok && prev != id {
		c.errorf(path, "tag %q names two caucuses, %q and %q (at %s): a tag must route one way", name, prev, id, owner[n])
		return
	}
	c.set.names[n] = id
	if _, ok := owner[n]; !ok {
		owner[n] = path
	}
}
