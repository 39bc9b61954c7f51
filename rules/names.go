package rules

import (
	"strings"
	"unicode"

	"caucusgate/internal/yamlfile"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// normalizeName folds a caucus name for matching: case and accents ignored
// (Género, genero and GENERO are one name), surrounding blanks dropped.
func normalizeName(s string) string {
	s = strings.TrimSpace(s)
	if isPlainASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
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
