package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	// alert mails the admins (config notify) of a refused reload; nil: no
	// mail. It is called once per distinct set of problems.
	alert func(ctx context.Context, subject, body, key string) error

	alerted string // the problems last mailed; reset by a good load
}

func (r *rulesReloader) count(version string, at time.Time, err error) {
	if r.metrics != nil {
		r.metrics.RulesReloaded(version, at, err)
	}
}

// reload reads the file and puts it in force, or says why not.
func (r *rulesReloader) reload(ctx context.Context, why string) {
	now := r.now()
	src, err := os.ReadFile(r.path)
	if err != nil {
		r.refused(ctx, why, now, []string{err.Error()}, err)
		return
	}
	set, diags := rules.Parse(r.path, src)
	if diags.HasErrors() {
		r.refused(ctx, why, now, strings.Split(strings.TrimSpace(diags.Errors().String()), "\n"), diags.Err())
		return
	}
	r.alerted = ""
	version := rulesVersion(src)
	status := r.holder.Status()
	if version == status.Version {
		// Saved without change, a second event for one save, or the file
		// in force restored after a bad edit: only the last says so.
		r.holder.Unchanged(r.path, now)
		r.count(version, now, nil)
		if !status.OK() {
			r.log.Info("rules file restored to the version in force", "file", r.path, "trigger", why, "version", version)
		}
		return
	}
	old := r.holder.Current()
	r.holder.Loaded(set, r.path, version, now)
	r.count(version, now, nil)
	r.log.Info("rules reloaded", "file", r.path, "trigger", why, "version", version,
		"changes", rules.Diff(old, set).String(), "warnings", len(diags.Warnings()))
}

// refused records a load that failed, logs it, and mails the admins when
// these problems were not mailed already.
func (r *rulesReloader) refused(ctx context.Context, why string, now time.Time, problems []string, err error) {
	r.holder.Failed(r.path, problems, now)
	r.count("", now, err)
	r.log.Error("rules reload refused; the rules in force stay", "file", r.path, "trigger", why,
		"version_in_force", r.holder.Status().Version, "errors", len(problems), "problems", problems)
	key := strings.Join(problems, "\n")
	if r.alert == nil || key == r.alerted {
		return
	}
	r.alerted = key
	body := fmt.Sprintf("caucusgate refused the edit of %s (%s); the rules in force (version %s) stay until the file is fixed.\n\n%s\n",
		r.path, why, r.holder.Status().Version, key)
	if err := r.alert(ctx, "caucusgate: rules edit refused: "+filepath.Base(r.path), body, "rules-refused "+key); err != nil {
		r.log.Error("mail the refused reload to notify", "error", err)
	}
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
			r.reload(ctx, "file changed")
		}
	}
}
