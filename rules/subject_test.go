package rules

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

const tagRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: caucus-gender@example.org
    tags: [genre, género]
  - id: education
    name: Education Caucus
    members: [ana@example.org, bo@example.org]
    tags: [éducation, educación, bildung]
  - id: health
    name: Health Caucus
    address: health@example.org
    tags: [santé, salud]
  - id: human-rights
    name: Human Rights Caucus
    address: hr@example.org
    tags: [hr, droits-humains]
bureau:
  members: [alice@example.org, Bob@Example.org]
  moderators: [mod@example.org]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender]
`

// subjectCase is one subject variant and what must come of it.
type subjectCase struct {
	name     string
	from     string // default alice@example.org, a bureau member
	subject  string // the decoded subject
	raw      string // the raw header, when the case is about RFC 2047
	header   map[string][]string
	msg      func(*Message)
	action   Action
	caucuses []string
	notices  int
}

func TestSubjectVariants(t *testing.T) {
	set := mustParse(t, tagRules)
	cases := append(prefixCases(), handCases()...)
	if len(cases) < 100 {
		t.Fatalf("only %d subject variants", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{From: tc.from, Subject: tc.subject, RawSubject: tc.raw, Header: tc.header}
			if m.From == "" {
				m.From = "alice@example.org"
			}
			if tc.msg != nil {
				tc.msg(m)
			}
			d := set.Decide(m, testEnv)
			if d.Action != tc.action || !slices.Equal(d.Caucuses, tc.caucuses) || len(d.Notices) != tc.notices {
				t.Errorf("subject %q raw %q: got %s %v (%d notices), want %s %v (%d notices)\nreason: %s\ntrace:\n%s",
					tc.subject, tc.raw, d.Action, d.Caucuses, len(d.Notices), tc.action, tc.caucuses, tc.notices, d.Reason, d.Trace)
			}
		})
	}
}

var replyPrefixes = []string{"", "Re: ", "RE: ", "re: ", "Fwd: ", "Fw: ", "FW: ", "TR: ", "AW: ", "WG: ", "RV: ", "SV: ",
	"Re: Fwd: ", "RES: ", "Antw: ", "Odp: ", "回复: ", "Re[2]: "}

var genderTags = []string{"[caucus: gender]", "[Caucus gender]", "[CAUCUS:gender]", "[to: gender]", "[caucus: Género]", "[TO: GENRE]"}

// prefixCases puts every gender tag after every reply or forward prefix.
func prefixCases() []subjectCase {
	var out []subjectCase
	for _, p := range replyPrefixes {
		for _, tag := range genderTags {
			s := p + tag + " Invitation to the WSIS forum"
			out = append(out, subjectCase{name: s, subject: s, action: Forward, caucuses: []string{"gender"}})
		}
	}
	return out
}

func handCases() []subjectCase {
	fwd := func(ids ...string) []string { return ids }
	return []subjectCase{
		// several names, separators, accents and case
		{name: "two names comma", subject: "[caucus: gender, education] x", action: Forward, caucuses: fwd("education", "gender")},
		{name: "two names blanks", subject: "[caucus gender education] x", action: Forward, caucuses: fwd("education", "gender")},
		{name: "two names no blanks", subject: "[caucus:gender,education] x", action: Forward, caucuses: fwd("education", "gender")},
		{name: "semicolon", subject: "[caucus: gender; health] x", action: Forward, caucuses: fwd("gender", "health")},
		{name: "comma and blanks", subject: "[to: gender , éducation] x", action: Forward, caucuses: fwd("education", "gender")},
		{name: "upper accented", subject: "[caucus: EDUCACIÓN] x", action: Forward, caucuses: fwd("education")},
		{name: "accent dropped", subject: "[caucus: sante] x", action: Forward, caucuses: fwd("health")},
		{name: "accent added", subject: "[caucus: SANTÉ] x", action: Forward, caucuses: fwd("health")},
		{name: "decomposed accent", subject: "[caucus: sante\u0301] x", action: Forward, caucuses: fwd("health")},
		{name: "hyphenated id", subject: "[caucus: human-rights] x", action: Forward, caucuses: fwd("human-rights")},
		{name: "short tag", subject: "[caucus: HR] x", action: Forward, caucuses: fwd("human-rights")},
		{name: "same caucus twice", subject: "[caucus: gender, genre, género] x", action: Forward, caucuses: fwd("gender")},
		{name: "every caucus", subject: "[caucus: gender education health hr] x", action: Forward, caucuses: fwd("education", "gender", "health", "human-rights")},
		{name: "two tags", subject: "[to: gender] Invitation [to: health]", action: Forward, caucuses: fwd("gender", "health")},
		{name: "tag at end", subject: "Invitation to a consultation [caucus: bildung]", action: Forward, caucuses: fwd("education")},
		{name: "tag in middle", subject: "Fwd: WSIS [to: salud] invitation", action: Forward, caucuses: fwd("health")},
		{name: "blanks inside brackets", subject: "[ caucus : gender ] x", action: Forward, caucuses: fwd("gender")},
		{name: "mixed case keyword to", subject: "[tO:gender] x", action: Forward, caucuses: fwd("gender")},
		{name: "tab separator", subject: "[caucus\tgender] x", action: Forward, caucuses: fwd("gender")},
		{name: "member address case", from: "BOB@example.org", subject: "[caucus: gender] x", action: Forward, caucuses: fwd("gender")},
		// not tags
		{name: "to without colon", subject: "[To be confirmed] Invitation", action: None},
		{name: "to gender without colon", subject: "[to gender] x", action: None},
		{name: "old forward", subject: "[Fwd: Invitation to the forum]", action: None},
		{name: "old forward with caucus name", subject: "[Fwd: gender meeting]", action: None},
		{name: "keyword glued", subject: "[caucusgender] x", action: None},
		{name: "keyword alone", subject: "[caucus] x", action: None},
		{name: "keyword and colon alone", subject: "[caucus:] x", action: None},
		{name: "caucus meeting phrase", subject: "[Caucus meeting: agenda] x", action: None},
		{name: "unclosed bracket", subject: "[caucus: gender x", action: None},
		{name: "other list tag", subject: "[wsis-list] Invitation", action: None},
		{name: "parentheses", subject: "(caucus: gender) x", action: None},
		{name: "no tag at all", subject: "Invitation to the forum", action: None},
		{name: "empty subject", subject: "", action: None},
		{name: "nested bracket", subject: "[[caucus: gender]] x", action: Forward, caucuses: fwd("gender")},
		// unknown names: the known ones route, one notice to the member
		{name: "unknown name", subject: "[caucus: gendr] x", action: None, notices: 1},
		{name: "unknown and known", subject: "[caucus: gendr, education] x", action: Forward, caucuses: fwd("education"), notices: 1},
		{name: "two unknown, one notice", subject: "[caucus: foo, bar] x", action: None, notices: 1},
		{name: "unknown in second tag", subject: "[to: gender] x [to: helth]", action: Forward, caucuses: fwd("gender"), notices: 1},
		// outsiders: tags ignored, no notice, rules still apply
		{name: "outsider tag", from: "eve@evil.example", subject: "[caucus: gender] x", action: None},
		{name: "outsider unknown name", from: "eve@evil.example", subject: "[caucus: gendr] x", action: None},
		{name: "outsider, rule applies", from: "events@itu.int", subject: "Invitation [caucus: health]", action: Forward, caucuses: fwd("gender")},
		{name: "no From", from: " ", subject: "[caucus: gender] x", action: None},
		{name: "member name in display only", from: "eve@evil.example", subject: "alice@example.org [caucus: gender]", action: None},
		// loop markers and automatic mail: never routed
		{name: "our X-Loop", subject: "[caucus: gender] x", header: map[string][]string{"X-Loop": {"bureau@example.org"}}, action: None},
		{name: "our List-Id", subject: "[caucus: gender] x", header: map[string][]string{"List-Id": {"<gender.caucus.example.org>"}}, action: None},
		{name: "forwarded before", subject: "[caucus: gender] x", msg: func(m *Message) { m.ForwardedBefore = true }, action: None},
		{name: "auto-replied", subject: "[caucus: gender] x", header: map[string][]string{"Auto-Submitted": {"auto-replied (vacation)"}}, action: None},
		{name: "X-Autoreply", subject: "[caucus: gender] x", header: map[string][]string{"X-Autoreply": {"yes"}}, action: None},
		{name: "out of office subject", subject: "Automatic reply: [caucus: gender] x", action: None},
		{name: "réponse automatique", subject: "Réponse automatique : [caucus: gender] x", action: None},
		{name: "null sender", subject: "[caucus: gender] x", msg: func(m *Message) { m.Sender = "<>" }, action: None},
		{name: "mailer-daemon", from: "MAILER-DAEMON@example.org", subject: "[caucus: gender] x", action: None},
		{name: "multipart/report", subject: "[caucus: gender] x", msg: func(m *Message) { m.ContentType = "multipart/report" }, action: None},
		{name: "reply to our token", subject: "Re: [caucus: gender] x", msg: func(m *Message) { m.To = []string{"Bureau+tok123@example.org"} }, action: Reply},
		// bulk mail is routed as usual
		{name: "precedence bulk", subject: "[caucus: gender] x", header: map[string][]string{"Precedence": {"bulk"}}, action: Forward, caucuses: fwd("gender")},
		{name: "precedence list", subject: "[caucus: gender] x", header: map[string][]string{"Precedence": {"list"}}, action: Forward, caucuses: fwd("gender")},
		{name: "auto-generated", subject: "[caucus: gender] x", header: map[string][]string{"Auto-Submitted": {"auto-generated"}}, action: Forward, caucuses: fwd("gender")},
		{name: "bulk invitation by rule", from: "news@itu.int", subject: "Invitation", header: map[string][]string{"Precedence": {"bulk"}}, action: Forward, caucuses: fwd("gender")},
		{name: "someone else's X-Loop", subject: "[caucus: gender] x", header: map[string][]string{"X-Loop": {"wsis@itu.int"}}, action: Forward, caucuses: fwd("gender")},
		// RFC 2047: decoded here from the raw header
		{name: "Q encoded", subject: "garbled", raw: "=?UTF-8?Q?[caucus:_g=C3=A9nero]_Invitaci=C3=B3n?=", action: Forward, caucuses: fwd("gender")},
		{name: "split inside tag", subject: "garbled", raw: "=?UTF-8?Q?[caucus:_gen?= =?UTF-8?Q?der]_Invitation?=", action: Forward, caucuses: fwd("gender")},
		{name: "split inside keyword", subject: "garbled", raw: "=?UTF-8?Q?[cau?=\r\n =?UTF-8?Q?cus:_health]?=", action: Forward, caucuses: fwd("health")},
		{name: "split inside character B", subject: "garbled", raw: bWord("[caucus: g\xc3") + " " + bWord("\xa9nero] x"), action: Forward, caucuses: fwd("gender")},
		{name: "split inside character Q", subject: "garbled", raw: "=?utf-8?q?[caucus:_sant=C3?= =?utf-8?q?=A9]?=", action: Forward, caucuses: fwd("health")},
		{name: "latin-1", subject: "garbled", raw: "=?ISO-8859-1?Q?[caucus:_=E9ducation]?= Invitation", action: Forward, caucuses: fwd("education")},
		{name: "windows-1252", subject: "garbled", raw: "=?windows-1252?Q?[to:_sant=E9]?=", action: Forward, caucuses: fwd("health")},
		{name: "plain prefix then encoded", subject: "garbled", raw: "Re: =?UTF-8?Q?[to:_sant=C3=A9]?= meeting", action: Forward, caucuses: fwd("health")},
		{name: "encoded prefix, plain tag", subject: "garbled", raw: "=?UTF-8?Q?R=C3=A9f:?= [caucus: hr]", action: Forward, caucuses: fwd("human-rights")},
		{name: "two charsets", subject: "garbled", raw: "=?ISO-8859-1?Q?[caucus:_sant=E9,?= =?UTF-8?Q?_g=C3=A9nero]?=", action: Forward, caucuses: fwd("gender", "health")},
		{name: "broken encoded word kept as text", subject: "garbled", raw: "=?UTF-8?X?abc?= [caucus: gender]", action: Forward, caucuses: fwd("gender")},
		{name: "unknown charset", subject: "garbled", raw: "=?x-unknown?Q?[caucus:_gender]?=", action: Forward, caucuses: fwd("gender")},
		{name: "encoded, not a tag", subject: "garbled", raw: "=?UTF-8?Q?[To_be_confirmed]?=", action: None},
	}
}

func bWord(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

func TestStripTag(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[caucus: gender] Invitation", "Invitation"},
		{"Re: [caucus: gender] Invitation", "Re: Invitation"},
		{"Fwd: Invitation [to: gender, health]", "Fwd: Invitation"},
		{"[to: gender]Invitation", "Invitation"},
		{"[To be confirmed] Invitation", "[To be confirmed] Invitation"},
		{"[Fwd: Invitation]", "[Fwd: Invitation]"},
		{"Invitation", "Invitation"},
		{"A [caucus: x] B [to: y] C", "A B C"},
	} {
		if got := StripTag(tc.in); got != tc.want {
			t.Errorf("StripTag(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	set := mustParse(t, strings.Replace(tagRules, "  moderators: [mod@example.org]", "  moderators: [mod@example.org]\n  tag_keywords: [pour, an]", 1))
	if got := set.StripTag("[pour: genre] [caucus: x] Invitation"); got != "[caucus: x] Invitation" {
		t.Errorf("Set.StripTag with own keywords = %q", got)
	}
}

func TestDecodeSubject(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"plain", "plain"},
		{"=?UTF-8?Q?a_b?=", "a b"},
		{"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"},
		{"=?UTF-8?Q?a?= x =?UTF-8?Q?b?=", "a x b"},
		{"x =?UTF-8?B?w6k=?= y", "x é y"},
		{"=?UTF-8?B?w6k?=", "é"},
		{"=?UTF-8*fr?Q?=C3=A9?=", "é"},
		{"=?UTF-8?Q?=C3?=", "\uFFFD"},
		{"=?UTF-8?Q?trunc=C?=", "=?UTF-8?Q?trunc=C?="},
		{"=?", "=?"},
	} {
		if got := decodeSubject(tc.raw); got != tc.want {
			t.Errorf("decodeSubject(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
