package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"caucusgate/gateway"
	"caucusgate/gateway/metrics"
	"caucusgate/rules"
)

// reloadDebounce lets an editor finish writing (several events for one
// save) before the file is read.
const reloadDebounce = 300 * time.Millisecond

// rulesReloader reloads the rules file into the holder on SIGHUP and when the
// file changes. A bad edit keeps the rules in force, is logged with every
// problem, and is kept in the holder's status for the admin page.
type rulesReloader struct {
	path    string
	holder  *gateway.RulesHolder
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics.Metrics // nil: not counted
}

func (r *rulesReloader) count(version string, err error) {
	if r.metrics != nil {
		r.metrics.RulesReloaded(version, err)
	}
}

// reload reads the file and puts it in force, or says why not.
func (r *rulesReloader) reload(why string) {
	src, err := os.ReadFile(r.path)
	if err != nil {
		r.holder.Failed(r.path, []string{err.Error()}, r.now())
		r.count("", err)
		r.log.Error("rules reload failed; the rules in force stay", "file", r.path, "trigger", why, "error", err)
		return
	}
	set, diags := rules.Parse(r.path, src)
	if diags.HasErrors() {
		problems := strings.Split(strings.TrimSpace(diags.Errors().String()), "\n")
		r.holder.Failed(r.path, problems, r.now())
		r.count("", diags.Err())
		r.log.Error("rules reload failed; the rules in force stay", "file", r.path, "trigger", why,
			"errors", len(diags.Errors()), "problems", diags.Errors().String())
		return
	}
	old := r.holder.Current()
	version := rulesVersion(src)
	if version == r.holder.Status().Version {
		return // saved without change, or a second event for one save
	}
	r.holder.Loaded(set, r.path, version, r.now())
	r.count(version, nil)
	r.log.Info("rules reloaded", "file", r.path, "trigger", why, "version", version,
		"changes", rules.Diff(old, set).String(), "warnings", len(diags.Warnings()))
}

func rulesVersion(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:6])
}

// watch reloads on every change of the file until ctx ends. It watches the
// file's folder, not the file: editors save by writing a new file and
// renaming it over the old one, which a watch on the old file would miss.
func (r *rulesReloader) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	if err := w.Add(filepath.Dir(r.path)); err != nil {
		w.Close()
		return err
	}
	go r.loop(ctx, w)
	return nil
}

func (r *rulesReloader) loop(ctx context.Context, w *fsnotify.Watcher) {
	defer w.Close()
	var debounce <-chan time.Time
	name := filepath.Clean(r.path)
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) == name && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				debounce = time.After(reloadDebounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			r.log.Warn("watching the rules file", "file", r.path, "error", err)
		case <-debounce:
			debounce = nil
			r.reload("file changed")
		}
	}
}
