package smtprelay

import (
	"fmt"
	"testing"
)

func FuzzClassifyReply(f *testing.F) {
	f.Add(550, "5.4.5 Daily user sending limit exceeded.")
	f.Add(451, "4.3.0 Mail server temporarily rejected message.")
	f.Add(535, "5.7.8 Username and Password not accepted.")
	f.Add(250, "2.0.0 OK")
	f.Add(554, "no enhanced code at all")
	f.Fuzz(func(t *testing.T, code int, text string) {
		se := parseReply(code, text)
		for _, st := range []stage{stageConnect, stageAuth, stageMail, stageRcpt, stageData} {
			e := classifyReply(se, st)
			if e.Kind < KindTemporary || e.Kind > KindQuota {
				t.Fatalf("kind %v out of range", e.Kind)
			}
			if (code/100 == 4 || code/100 == 5) && e.Kind == KindNetwork {
				t.Fatalf("%d %q: a 4xx or 5xx reply classified as a network failure", code, text)
			}
			if e.Kind == KindPermanent && (se.EnhancedCode[0] == 4 || se.EnhancedCode[0] == 0 && code/100 == 4) {
				t.Fatalf("%d %q: a 4xx reply classified as permanent", code, text)
			}
		}
	})
}

func FuzzParseEnhanced(f *testing.F) {
	for _, s := range []string{"5.7.8", "4.2.251", "5.7", "x.y.z", "5.7.8.1", "+5.-7.8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ec, ok := parseEnhanced(s)
		if !ok {
			return
		}
		again, ok2 := parseEnhanced(fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2]))
		if !ok2 || again != ec {
			t.Fatalf("%q parsed as %v, which does not round-trip", s, ec)
		}
	})
}
