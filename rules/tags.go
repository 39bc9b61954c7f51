package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tagParser finds subject tags: "[KEYWORD: name, name]" anywhere in a
// subject, KEYWORD one of the bureau's tag keywords in any case.
//
// The colon is optional after keywords of four letters or more (caucus) and
// required after shorter ones (to), so that "[To be confirmed]" is no tag.
// Names are separated by commas and/or blanks and must be words (letters,
// digits, - _ .): "[Caucus meeting: agenda]" is no tag.
type tagParser struct {
	keywords map[string]bool
}

// foundTag is one tag in a subject: where it is, and the names it gives.
type foundTag struct {
	start, end int // byte offsets of "[" and after "]"
	text       string
	names      []string
}

func newTagParser(keywords []string) *tagParser {
	p := &tagParser{keywords: map[string]bool{}}
	for _, k := range keywords {
		p.keywords[normalizeName(k)] = true
	}
	return p
}

// find returns every tag in subject, in order.
func (p *tagParser) find(subject string) []foundTag {
	var tags []foundTag
	for i := 0; i < len(subject); {
		open := strings.IndexByte(subject[i:], '[')
		if open < 0 {
			break
		}
		open += i
		end := strings.IndexAny(subject[open+1:], "[]")
		if end < 0 {
			break
		}
		end += open + 1
		if subject[end] == '[' {
			i = end
			continue
		}
		if names, ok := p.parse(subject[open+1 : end]); ok {
			tags = append(tags, foundTag{start: open, end: end + 1, text: subject[open : end+1], names: names})
		}
		i = end + 1
	}
	return tags
}

// parse reads the inside of brackets as KEYWORD[:] names.
func (p *tagParser) parse(inner string) ([]string, bool) {
	inner = strings.TrimLeftFunc(inner, unicode.IsSpace)
	kwEnd := strings.IndexFunc(inner, func(r rune) bool { return r == ':' || unicode.IsSpace(r) })
	if kwEnd <= 0 {
		return nil, false
	}
	keyword := normalizeName(inner[:kwEnd])
	if !p.keywords[keyword] {
		return nil, false
	}
	rest := strings.TrimLeftFunc(inner[kwEnd:], unicode.IsSpace)
	colon := strings.HasPrefix(rest, ":")
	if !colon && utf8.RuneCountInString(keyword) < 4 {
		return nil, false
	}
	rest = strings.TrimPrefix(rest, ":")
	names := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(names) == 0 {
		return nil, false
	}
	for _, n := range names {
		if !isNameWord(n) {
			return nil, false
		}
	}
	return names, true
}

func isNameWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

// strip removes every tag from subject and tidies the blanks left behind.
func (p *tagParser) strip(subject string) string {
	tags := p.find(subject)
	if len(tags) == 0 {
		return subject
	}
	var b strings.Builder
	last := 0
	for _, t := range tags {
		b.WriteString(subject[last:t.start])
		last = t.end
	}
	b.WriteString(subject[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}

var defaultTagParser = newTagParser([]string{"caucus", "to"})

// StripTag removes the routing tags (with the default keywords, caucus and
// to) from a decoded subject, for the forwarded copy. Use [Set.StripTag]
// where the rules file sets its own keywords.
func StripTag(subject string) string {
	return defaultTagParser.strip(subject)
}

// StripTag removes the routing tags, with this set's keywords, from a
// decoded subject, for the forwarded copy.
func (s *Set) StripTag(subject string) string {
	return s.tags.strip(subject)
}

// TaggedCaucuses are the caucuses a subject's routing tags name, whoever
// wrote them: a member of several caucuses tags the one a reply is for.
func (s *Set) TaggedCaucuses(subject string) []string {
	return s.resolveTags(s.tags.find(subject)).Caucuses
}
