package rules

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzTags feeds subjects, raw and decoded, through the tag parser and a
// whole decision: never a panic, every caucus routed to exists, and a
// caucus is routed by tag only when the tag named it.
func FuzzTags(f *testing.F) {
	for _, tc := range append(prefixCases(), handCases()...) {
		f.Add(tc.subject, tc.raw)
	}
	set := mustParse(f, tagRules)
	f.Fuzz(func(t *testing.T, subject, raw string) {
		d := set.Decide(&Message{From: "alice@example.org", Subject: subject, RawSubject: raw}, testEnv)
		for _, id := range d.Caucuses {
			if _, ok := set.Caucus(id); !ok {
				t.Fatalf("routed to unknown caucus %q", id)
			}
		}
		if tt := d.Trace.Tag; tt != nil {
			for _, id := range tt.Caucuses {
				if _, ok := set.Caucus(id); !ok {
					t.Fatalf("tag mapped to unknown caucus %q", id)
				}
			}
			if len(tt.Names) == 0 {
				t.Fatalf("tag without names: %+v", tt)
			}
		}
		if s := decodeSubject(raw); !utf8.ValidString(s) && utf8.ValidString(raw) {
			t.Fatalf("decodeSubject(%q) = %q is not UTF-8", raw, s)
		}
		_ = StripTag(subject)
	})
}

// FuzzCompile feeds rules files to the compiler: never a panic, a set only
// without errors, and its decisions name only its caucuses.
func FuzzCompile(f *testing.F) {
	for _, src := range []string{basicRules, tagRules, actionRules} {
		f.Add([]byte(src))
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		set, diags := Parse("f.yaml", src)
		if (set != nil) == diags.HasErrors() {
			t.Fatalf("set %v with errors %v", set != nil, diags.HasErrors())
		}
		if set == nil {
			return
		}
		for _, m := range []*Message{
			{From: "alice@example.org", Subject: "[caucus: gender, education] Invitation", Size: 10},
			{From: "a@itu.int", Subject: "invitation", Body: "call for comments", Attachments: []Attachment{{Filename: "a.pdf", ContentType: "application/pdf"}}},
		} {
			d := set.Decide(m, testEnv)
			for _, id := range d.Caucuses {
				if _, ok := set.Caucus(id); !ok {
					t.Fatalf("routed to unknown caucus %q", id)
				}
			}
		}
	})
}
