package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

type org struct{ name, domain string }

// corpus is what invitations are made of; only its variety matters.
type corpus struct {
	orgs   []org
	topics []string
	words  []string
}

func newCorpus() corpus {
	return corpus{
		orgs: []org{
			{"ITU Events", "itu.int"}, {"UNESCO Secretariat", "unesco.org"},
			{"OHCHR Consultations", "ohchr.org"}, {"UNFCCC", "unfccc.int"},
			{"WHO Civil Society", "who.int"},
		},
		topics: []string{
			"Consultation on digital inclusion", "Expert group meeting on gender",
			"Call for inputs: education financing", "Side event at the Human Rights Council",
			"Webinar on climate adaptation", "Stakeholder dialogue on health equity",
		},
		words: strings.Fields(`the meeting will take place in Geneva and online participants
are invited to register before the deadline civil society organizations may submit written
contributions of no more than five pages interpretation will be provided in English French
Spanish the agenda and background documents are attached please circulate to your members`),
	}
}

// paragraphs returns n paragraphs of 40 to 120 words, lines under 78 characters.
func (g *generator) paragraphs(n int) string {
	var b strings.Builder
	for range n {
		line := 0
		for range 40 + g.rnd.IntN(80) {
			w := g.words[g.rnd.IntN(len(g.words))]
			if line+len(w) > 72 {
				b.WriteString("\r\n")
				line = 0
			} else if line > 0 {
				b.WriteByte(' ')
				line++
			}
			b.WriteString(w)
			line += len(w)
		}
		b.WriteString("\r\n\r\n")
	}
	return b.String()
}

func writePlain(b *bytes.Buffer, text string) {
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(text)
}

// writeAlternative writes a multipart/alternative of text and HTML.
func (g *generator) writeAlternative(b *bytes.Buffer, i int) {
	boundary := fmt.Sprintf("alt-%05d", i+1)
	text := g.paragraphs(3 + g.rnd.IntN(10))
	fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(b, "--%s\r\n", boundary)
	writePlain(b, text)
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n", boundary)
	b.WriteString("<html><body><p>" + strings.ReplaceAll(text, "\r\n\r\n", "</p>\r\n<p>") + "</p></body></html>\r\n")
	fmt.Fprintf(b, "--%s--\r\n", boundary)
}

// writeMixed writes a multipart/mixed of a text and one to three binary
// attachments of 20 KiB plus up to g.attachMax bytes (1 MiB by default), base64 in 76-character lines.
func (g *generator) writeMixed(b *bytes.Buffer, i int) {
	boundary := fmt.Sprintf("mixed-%05d", i+1)
	fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(b, "--%s\r\n", boundary)
	writePlain(b, g.paragraphs(2))
	for j := range 1 + g.rnd.IntN(3) {
		fmt.Fprintf(b, "--%s\r\nContent-Type: application/pdf; name=\"annex-%d.pdf\"\r\n", boundary, j+1)
		fmt.Fprintf(b, "Content-Disposition: attachment; filename=\"annex-%d.pdf\"\r\n", j+1)
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(b, g.blob(20<<10+g.rnd.IntN(g.attachMax)))
	}
	fmt.Fprintf(b, "--%s--\r\n", boundary)
}

// blob returns n random bytes starting like a PDF.
func (g *generator) blob(n int) []byte {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(g.rnd.Uint32())
	}
	copy(data, "%PDF-1.7\n")
	return data
}

func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}
