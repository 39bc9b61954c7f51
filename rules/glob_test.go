package rules

import "testing"

// TestGlobShapesAgree checks that the fast paths answer as the regexp does.
func TestGlobShapesAgree(t *testing.T) {
	patterns := []string{"*@itu.int", "news@who.int", "news@*", "*", "a*b@c.org", "?@x.org", "*@ÉCOLE.fr", "*.pdf", "image/*"}
	values := []string{"", "a@itu.int", "A@ITU.INT", "a@itu.int.evil", "news@who.int", "NEWS@WHO.INT", "news@x", "ab@c.org", "a@x.org",
		"é@x.org", "x@école.fr", "report.PDF", "image/png", "\u212Aa@itu.int", "news@who.in\u212A", "x@itu.in\u212At"}
	for _, p := range patterns {
		g, err := compileGlob(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if got, want := g.match(v), g.re.MatchString(v); got != want {
				t.Errorf("glob %q on %q: fast path %v, regexp %v", p, v, got, want)
			}
		}
	}
}

func TestLiteralsAgree(t *testing.T) {
	exprs := []string{"(?i)invitation|consultation", "invitation", `(?i)topic-\d+\b`, "x(?i:kel)y", "(?i)s+ab", "a.*(?i)kelvin", "(?i)k", "(?i)s", "Invit", "(?i)a|B", "(?i)topic-1\\b", "x+", "(?i)café"}
	texts := []string{"", "TOPIC-12 here", "xKELy", "xkely", "x\u212Aely", "ssAB", "\u017FAB", "a KELVIN", "a \u212Aelvin", "TOPIC-12 here", "xKELy", "xkely", "x\u212Aely", "ssAB", "\u017FAB", "a KELVIN", "a \u212Aelvin", "An INVITATION to", "consultation", "\u212A", "\u017F", "invit", "Invit", "b", "topic-1 x", "xx", "CAFÉ", "TOPIC-12, Topic-1.", "é topic-12 topic-1", "\u0130nvitation"}
	for _, e := range exprs {
		tc, err := newTextCond("subject", e, subjectField)
		if err != nil {
			t.Fatalf("compile %q: %v", e, err)
		}
		for _, text := range texts {
			x := &input{m: &Message{Subject: text}}
			_, _, got := tc.find(x, []string{text}, 0)
			if want := tc.re.MatchString(text); got != want {
				t.Errorf("%q on %q: literal path %v, regexp %v", e, text, got, want)
			}
		}
	}
}
