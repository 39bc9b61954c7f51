package digest

import (
	"slices"
	"strings"
	"testing"
)

func TestStripQuotes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"English, Gmail",
			"We will attend.\n\nOn Fri, 30 May 2025 at 09:12, ITU Events <events@itu.int> wrote:\n> Dear colleagues,\n> you are invited.\n",
			"We will attend.\n"},
		{"English, attribution wrapped by Gmail",
			"Yes.\r\n\r\nOn Fri, May 30, 2025 at 9:12 AM ITU Events <\r\nevents@itu.int> wrote:\r\n\r\n> Dear colleagues,\r\n",
			"Yes.\n"},
		{"French",
			"Nous serons présentes.\n\nLe ven. 30 mai 2025 à 09:12, ITU Events <events@itu.int> a écrit :\n> Chères et chers collègues,\n",
			"Nous serons présentes.\n"},
		{"Spanish",
			"Participaremos.\n\nEl vie, 30 may 2025 a las 9:12, ITU Events (<events@itu.int>) escribió:\n> Estimados colegas:\n",
			"Participaremos.\n"},
		{"German",
			"Wir nehmen teil.\n\nAm 30.05.2025 um 09:12 schrieb ITU Events <events@itu.int>:\n> Liebe Kolleginnen und Kollegen,\n",
			"Wir nehmen teil.\n"},
		{"Outlook separator",
			"We agree.\n\n-----Original Message-----\nFrom: ITU Events [mailto:events@itu.int]\nSent: Friday, May 30, 2025 9:12 AM\n\nDear colleagues,\n",
			"We agree.\n"},
		{"Outlook header block under a rule",
			"We agree.\n\n________________________________\nFrom: ITU Events <events@itu.int>\nSent: Friday, 30 May 2025 09:12\nTo: Bureau <bureau@example.org>\nSubject: Invitation\n\nDear colleagues,\n",
			"We agree.\n"},
		{"Outlook, French",
			"D'accord.\n\nDe : ITU Events <events@itu.int>\nEnvoyé : vendredi 30 mai 2025 09:12\nÀ : Bureau\nObjet : Invitation\n\nChers collègues,\n",
			"D'accord.\n"},
		{"Outlook, German, bold labels",
			"Einverstanden.\n\n*Von:* ITU Events <events@itu.int>\n*Gesendet:* Freitag, 30. Mai 2025 09:12\n*An:* Bureau\n",
			"Einverstanden.\n"},
		{"Outlook, Spanish separator",
			"De acuerdo.\n\n-----Mensaje original-----\nDe: ITU Events\n",
			"De acuerdo.\n"},
		{"answers between quotes stay",
			"On Fri, 30 May 2025, ITU wrote:\n> Will you attend?\nYes, two of us.\n> Any speaker?\nZoë Martín.\n",
			"Yes, two of us.\nZoë Martín.\n"},
		{"a sentence ending in wrote: stays when no quote follows",
			"Here is what our chair wrote:\nwe support the text.\n",
			"Here is what our chair wrote:\nwe support the text.\n"},
		{"a From: line without Sent: stays",
			"From: the Gender Caucus, with thanks.\nWe attend.\n",
			"From: the Gender Caucus, with thanks.\nWe attend.\n"},
		{"the signature stays",
			"Fine.\n\n-- \nAna Bo\n\nOn Fri, ITU wrote:\n> invite\n",
			"Fine.\n\n-- \nAna Bo\n"},
		{"a reply that is only a quote is kept whole",
			"> Dear colleagues,\n> you are invited.\n",
			"> Dear colleagues,\n> you are invited.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripQuotes(tt.in); got != tt.want {
				t.Errorf("StripQuotes(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzStripQuotes checks that StripQuotes never crashes, only removes
// lines (keeping the order of the others), and is idempotent.
func FuzzStripQuotes(f *testing.F) {
	for _, seed := range []string{
		"Yes.\n\nOn Fri, X wrote:\n> a\n", "a\r\n-----Original Message-----\r\nFrom: x\r\n",
		"From: a\nSent: b\n", "> only\n", "", "\n\n\n", "Le x a écrit :\n> y", "x\n____\nDe : a\nEnvoyé : b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := StripQuotes(in)
		if out == in {
			return
		}
		if !isSubsequence(strings.Split(strings.TrimSuffix(out, "\n"), "\n"), inputLines(in)) {
			t.Fatalf("StripQuotes(%q) = %q: not a selection of the input's lines", in, out)
		}
		if again := StripQuotes(out); again != out {
			t.Fatalf("StripQuotes not idempotent on %q: %q, then %q", in, out, again)
		}
	})
}

// isSubsequence reports whether the non-blank lines of sub appear in that
// order among those of of; StripQuotes collapses blank lines.
func isSubsequence(sub, of []string) bool {
	i := 0
	sub = slices.DeleteFunc(sub, func(l string) bool { return strings.TrimSpace(l) == "" })
	for _, line := range of {
		if i < len(sub) && sub[i] == line {
			i++
		}
	}
	return i == len(sub)
}

func inputLines(in string) []string {
	lines := strings.Split(in, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], "\r")
	}
	return lines
}
