package trust

import "fmt"

// block returns the results of the topmost trusted field (see the package
// documentation), or why there is none.
func (p Policy) block(fields []Field) (Results, string) {
	for _, f := range fields {
		if f.is("Authentication-Results") {
			r, err := ParseResults(f.Value)
			if err == nil && p.trusts(r.Authserv) {
				return r, ""
			}
			continue // another server's results above ours: a later hop's
		}
		if !isTrace(f.Name) {
			return Results{}, fmt.Sprintf("no Authentication-Results of %s above the first field that is not a trace field (%s): fields below it are the sender's", p.describe(), f.Name)
		}
	}
	return Results{}, "no Authentication-Results of " + p.describe()
}

// singleFields are the fields RFC 5322 section 3.6 allows once, whose
// duplicates let a message show one value and have another signed.
var singleFields = []string{"From", "Sender", "Subject"}

// duplicated says which of From, Sender and Subject appear more than once.
func duplicated(fields []Field) string {
	for _, name := range singleFields {
		n := 0
		for _, f := range fields {
			if f.is(name) {
				n++
			}
		}
		if n > 1 {
			return fmt.Sprintf("the header has %d %s fields (RFC 5322 allows one): authenticated for nothing", n, name)
		}
	}
	return ""
}
