// Command genmail writes N invitation messages (RFC 5322, MIME per RFC 2045
// and RFC 2046) as .eml files, deterministically for a given seed: a mix of
// short plain-text mails, longer HTML alternatives, and mails carrying
// binary attachments, for forwarding benchmarks (scripts/bench-forward).
//
//	go run ./scripts/genmail -n 500 -out /tmp/mail [-seed 1] [-attach-max 1048576]
//
// -attach-max sets the corpus's mean size; with 1000 messages and seed 1,
// the default (1 MiB) gives about 250 kB and 380000 about 90 kB (the script prints the mean it got).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	n := flag.Int("n", 100, "number of messages")
	out := flag.String("out", "", "directory to write NNNNN.eml into (created)")
	seed := flag.Uint64("seed", 1, "seed of the generator: the same seed writes the same files")
	attachMax := flag.Int("attach-max", 1<<20, "attachments are 20 KiB plus up to this many bytes: sets the corpus's mean size")
	flag.Parse()
	if *out == "" || *n < 0 || *attachMax < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := writeAll(*out, *n, *seed, *attachMax); err != nil {
		fmt.Fprintln(os.Stderr, "genmail:", err)
		os.Exit(1)
	}
}

// writeAll writes n messages into dir.
func writeAll(dir string, n int, seed uint64, attachMax int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	g := newGenerator(seed)
	g.attachMax = attachMax
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("%05d.eml", i+1))
		if err := os.WriteFile(name, g.message(i), 0o644); err != nil {
			return fmt.Errorf("write message: %w", err)
		}
	}
	return nil
}

// generator makes messages from one random stream, so that the output
// depends only on the seed.
type generator struct {
	corpus
	rnd       *rand.Rand
	base      time.Time
	attachMax int // attachments are 20 KiB plus up to attachMax bytes
}

func newGenerator(seed uint64) *generator {
	return &generator{
		corpus:    newCorpus(),
		rnd:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		base:      time.Date(2025, 11, 24, 9, 0, 0, 0, time.UTC),
		attachMax: 1 << 20,
	}
}

// message returns message i: 60% plain text, 25% HTML alternative, 15%
// with one to three attachments.
func (g *generator) message(i int) []byte {
	var b bytes.Buffer
	g.header(&b, i)
	switch p := g.rnd.IntN(100); {
	case p < 60:
		writePlain(&b, g.paragraphs(2+g.rnd.IntN(6)))
	case p < 85:
		g.writeAlternative(&b, i)
	default:
		g.writeMixed(&b, i)
	}
	return b.Bytes()
}

func (g *generator) header(b *bytes.Buffer, i int) {
	org := g.orgs[g.rnd.IntN(len(g.orgs))]
	fmt.Fprintf(b, "From: %s <events@%s>\r\n", org.name, org.domain)
	fmt.Fprintf(b, "To: bureau@example.org\r\n")
	fmt.Fprintf(b, "Subject: Invitation: %s %d\r\n", g.topics[g.rnd.IntN(len(g.topics))], i+1)
	fmt.Fprintf(b, "Date: %s\r\n", g.base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	fmt.Fprintf(b, "Message-ID: <genmail-%05d@%s>\r\n", i+1, org.domain)
	fmt.Fprintf(b, "MIME-Version: 1.0\r\n")
}
