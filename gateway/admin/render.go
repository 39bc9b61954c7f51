package admin

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

func staticFS() fs.FS { return staticFiles }

// pageNames are the pages, each templates/NAME.html defining "content"
// inside the shared layout.
var pageNames = [...]string{"held", "heldmessage", "heldreply", "decisions", "decision", "queue", "members", "schedules", "caucuses", "rules", "invitations", "invitation", "error"}

type pages map[string]*template.Template

func parsePages(loc *time.Location) (pages, error) {
	base, err := template.New("").Funcs(templateFuncs(loc)).ParseFS(templateFiles, "templates/layout.html",
		"templates/trace.html", "templates/preview.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if p[name], err = t.ParseFS(templateFiles, "templates/"+name+".html"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"when":  func(t time.Time) string { return formatTime(t, loc) },
		"zone":  func() string { return zoneName(loc) },
		"since": since, "join": strings.Join, "size": formatSize,
		"day": day, "notice": noticeText, "markClass": markClass, "eventTime": eventTime,
		"timelineWhat": timelineWhat, "zoneOf": func(t time.Time) string { return zoneName(t.Location()) },
	}
}

// formatTime shows t in the page's zone, with the zone's abbreviation: one
// zone per view, so that a row never mixes two.
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// zoneName names loc for the pages' "Times in ..." line; the host's zone
// has the name "Local", which says nothing, so its abbreviation stands in.
func zoneName(loc *time.Location) string {
	if loc.String() != "Local" {
		return loc.String()
	}
	name, _ := time.Now().In(loc).Zone()
	return name + " (the host's zone)"
}

// formatSize shows a byte count as a person reads it: "812 B", "2.0 KiB".
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}

// since says how far t is from now, "3h05m ago" or "in 12m", for a reader
// who wants to know at a glance whether something is stuck.
func since(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + roughDuration(-d)
	}
	return roughDuration(d) + " ago"
}

func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// view is what every page template gets.
type view struct {
	Title    string
	Nav      string // the page's entry in the navigation
	User     string
	CSRF     string
	Insecure bool // login over plaintext: say so
	Now      time.Time
	Flash    string
	Data     any
}

func (s *server) newView(r *http.Request, nav, title string, data any) view {
	user := userOf(r)
	return view{
		Title: title, Nav: nav, User: user, CSRF: s.csrf.token(user),
		Insecure: s.cfg.Insecure && !s.cfg.TLS, Now: s.cfg.Now(),
		Flash: flash(r), Data: data,
	}
}

// render executes into a buffer first, so that a template failure is a
// clean 500 rather than half a page.
func (s *server) render(w http.ResponseWriter, status int, page string, v view) {
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("render admin page", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
