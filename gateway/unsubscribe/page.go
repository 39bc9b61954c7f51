package unsubscribe

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// style is the page's only style, inline so the endpoint serves no other
// file; the Content-Security-Policy allows it by its hash alone.
const style = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}` +
	`button{font-size:1rem;padding:.5rem 1.5rem}`

// formHTML posts to the page's own URL (no action attribute): behind a
// reverse proxy that is the published link, whatever path reaches us. The
// style is template text, not data, so it reaches the page byte for byte
// and matches its hash.
const formHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Unsubscribe from {{.Caucus}}</title>
<style>` + style + `</style>
</head>
<body>
<h1>Unsubscribe from {{.Caucus}}</h1>
<p>{{.Member}} will no longer receive the mail forwarded to {{.Caucus}}.</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
</body>
</html>
`

type page struct {
	tmpl *template.Template
	csp  string
}

func newPage() page {
	sum := sha256.Sum256([]byte(style))
	return page{
		tmpl: template.Must(template.New("form").Parse(formHTML)),
		// form-action is set apart: it does not fall back to default-src.
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	}
}

type formData struct{ Caucus, Member string }

// serveForm shows the button that unsubscribes. It changes nothing: mail
// security scanners fetch every link in a message.
func (h *handler) serveForm(w http.ResponseWriter, r *http.Request) {
	sub, ok := h.open(r)
	if !ok {
		h.notFound(w)
		return
	}
	var buf bytes.Buffer
	data := formData{Caucus: h.cfg.caucusName(sub.caucus), Member: sub.member}
	if err := h.page.tmpl.Execute(&buf, data); err != nil {
		h.log.Error("render unsubscribe page", "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// secureHeaders sets, on every answer, the headers of a page that must not
// be framed, sniffed, cached (it names a member) or leak its URL, the
// token, in a Referer.
func (h *handler) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", h.page.csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Robots-Tag", "noindex")
		next.ServeHTTP(w, r)
	})
}
