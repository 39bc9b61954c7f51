package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/compose"
	"caucusgate/gateway/smtprelay"
	"caucusgate/internal/cputime"
)

// BenchmarkForwardCopy measures the bytes path of one forwarded copy:
// compose.Write of a ~284 kB message (the profiled corpus's mean) into
// the relay's DATA over loopback, as Deliver does it (streamTo). The SMTP
// server is a sink that costs little next to the client, so that what
// ns/op and allocs/op show is the gateway's side. CAUCUSGATE_BENCH_MAIL
// names an .eml to send instead (scripts/genmail).
func BenchmarkForwardCopy(b *testing.B) {
	raw := benchMail(b)
	relay := benchRelay(b)
	env := smtprelay.Envelope{From: "bureau@example.org", To: []string{"caucus-gender@example.org"}}
	spec := benchSpec()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		_, err := streamTo(context.Background(), relay, nil, env, func(w io.Writer) error {
			return compose.Write(w, spec, bytes.NewReader(raw))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	cputime.Report(b, cpu, b.N)
}

func benchSpec() compose.Spec {
	return compose.Spec{
		Mode:            compose.Resend,
		Caucus:          "gender",
		CaucusName:      "Gender Caucus",
		Account:         "bureau@example.org",
		RewriteFrom:     true,
		ReplyTo:         "bureau+f7k2q9wx@example.org",
		ListHelp:        "mailto:bureau@example.org?subject=help",
		ListUnsubscribe: []string{"mailto:bureau@example.org?subject=unsubscribe"},
		MessageID:       "generated.1@caucusgate.example.org",
		Recipient:       "caucus-gender@example.org",
		Date:            time.Date(2025, 10, 14, 9, 30, 0, 0, time.UTC),
	}
}

// benchMail is a message of genmail's shape with an attachment: a short
// text part and a base64 part, CRLF throughout, 284 kB in all.
func benchMail(b *testing.B) []byte {
	if name := os.Getenv("CAUCUSGATE_BENCH_MAIL"); name != "" {
		raw, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	var m bytes.Buffer
	m.WriteString("Received: from mail.itu.int (mail.itu.int [192.0.2.7])\r\n\tby imap.example.org with ESMTPS id 4F2k; Mon, 24 Nov 2025 09:04:01 +0000\r\n" +
		"From: ITU Events <events@itu.int>\r\nTo: bureau@example.org\r\n" +
		"Subject: Invitation: Expert group meeting on gender 5\r\n" +
		"Date: Mon, 24 Nov 2025 09:04:00 +0000\r\nMessage-ID: <genmail-00005@itu.int>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mixed-00005\"\r\n\r\n" +
		"--mixed-00005\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for range 40 {
		m.WriteString("your documents deadline meeting in meeting provided five will to will\r\n")
	}
	m.WriteString(".a line that starts with a dot\r\n.\r\n\r\n--mixed-00005\r\n" +
		"Content-Type: application/pdf; name=\"annex-1.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"annex-1.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	bin := make([]byte, 57)
	rnd := rand.New(rand.NewPCG(1, 2))
	for m.Len() < 284_000-20 {
		for i := range bin {
			bin[i] = byte(rnd.Uint32())
		}
		m.WriteString(base64.StdEncoding.EncodeToString(bin) + "\r\n")
	}
	m.WriteString("--mixed-00005--\r\n")
	return m.Bytes()
}

func benchRelay(b *testing.B) *smtprelay.Relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go sinkSMTP(c)
		}
	}()
	r, err := smtprelay.New(smtprelay.Config{URL: &url.URL{Scheme: "smtp", Host: ln.Addr().String()},
		Hostname: "gw.example.org", Sessions: 1, MaxPerConnection: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// sinkSMTP answers one client as a relay that accepts everything and
// discards the content, finding the end of DATA a chunk at a time.
func sinkSMTP(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	reply := func(s string) { fmt.Fprint(c, s+"\r\n") }
	reply("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8")
		case cmd == "DATA":
			reply("354 go ahead")
			if skipData(r) != nil {
				return
			}
			reply("250 2.0.0 queued")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

// skipData reads up to and including the CRLF "." CRLF that ends DATA.
func skipData(r *bufio.Reader) error {
	const end = "\r\n.\r\n"
	tail := []byte("\r\n") // DATA's content starts a line
	for {
		chunk, err := r.Peek(max(r.Buffered(), 1))
		if err != nil {
			return err
		}
		joined := append(tail, chunk[:min(len(chunk), len(end))]...)
		if i := bytes.Index(joined, []byte(end)); i >= 0 {
			_, err := r.Discard(i + len(end) - len(tail))
			return err
		}
		if i := bytes.Index(chunk, []byte(end)); i >= 0 {
			_, err := r.Discard(i + len(end))
			return err
		}
		keep := chunk[max(0, len(chunk)-len(end)+1):]
		tail = append(tail[:0], keep...)
		r.Discard(len(chunk))
	}
}
