package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strings"
)

// loggers are the daemon's: its own, and River's, which reports its
// executor and producer at INFO and is kept at WARN unless -log-level
// debug.
type loggers struct {
	log, river *slog.Logger
	json       bool
}

func newLoggers(w io.Writer, format, level string) (*loggers, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("-log-level %q: want debug, info, warn or error", level)
	}
	riverLevel := max(lv, slog.LevelWarn)
	if lv <= slog.LevelDebug {
		riverLevel = lv
	}
	switch format {
	case "text":
		return &loggers{log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})),
			river: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: riverLevel}))}, nil
	case "json":
		return &loggers{json: true, log: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv})),
			river: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: riverLevel}))}, nil
	}
	return nil, usagef("-log-format %q: want text or json", format)
}

// configDiagnostics is where loadConfig writes the config's problems: as
// they are (FILE:LINE:COLUMN, the line, a caret) for text logs, and one
// log record each under -log-format json, so that every line of the log is
// JSON.
func (l *loggers) configDiagnostics(stderr io.Writer) (io.Writer, func()) {
	if !l.json {
		return stderr, func() {}
	}
	var buf bytes.Buffer
	return &buf, func() { l.logDiagnostics(buf.Bytes()) }
}

var diagnosticLine = regexp.MustCompile(`^(.+?):(\d+):(\d+): (?:(warning): )?(.*)$`)

func (l *loggers) logDiagnostics(text []byte) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		m := diagnosticLine.FindStringSubmatch(sc.Text())
		if m == nil || strings.HasPrefix(sc.Text(), " ") {
			continue // a source line or a caret
		}
		level := slog.LevelError
		if m[4] == "warning" {
			level = slog.LevelWarn
		}
		l.log.Log(context.Background(), level, "config problem", "file", m[1], "line", m[2], "column", m[3], "problem", m[5])
	}
}

// countsAttr logs a map of counts as a group of its keys, sorted
// (decisions.forward=2), not as Go's map[...] syntax.
func countsAttr(name string, counts map[string]int) slog.Attr {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Int(k, counts[k]))
	}
	return slog.Group(name, attrs...)
}
