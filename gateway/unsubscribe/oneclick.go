package unsubscribe

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// maxBody bounds a POST body: the one-click form is 26 bytes, and a
	// multipart one from a browser a few hundred.
	maxBody = 16 << 10
	// storeTimeout bounds the store write. It is detached from the
	// request: a provider that hangs up early has still asked to
	// unsubscribe, and with SQLite's one connection the write may queue
	// behind an intake transaction.
	storeTimeout = 30 * time.Second
)

// serveUnsubscribe records the unsubscription that a POST of
// List-Unsubscribe=One-Click asks for (RFC 8058 section 3.2) and answers
// 200, never a redirect, which the RFC forbids.
func (h *handler) serveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	sub, ok := h.open(r)
	if !ok {
		h.notFound(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	oneClick, err := isOneClick(r)
	if err != nil {
		bodyError(w, err)
		return
	}
	if !oneClick {
		http.Error(w, "POST List-Unsubscribe=One-Click to unsubscribe (RFC 8058).", http.StatusBadRequest)
		return
	}
	if err := h.record(r.Context(), sub); err != nil {
		h.log.Error("unsubscribe failed", "caucus", sub.caucus, "member", sub.member, "err", err)
		http.Error(w, "The unsubscription could not be recorded; please try again later.", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Unsubscribed: %s will no longer receive %s mail.\n", sub.member, h.cfg.caucusName(sub.caucus))
}

func (h *handler) record(ctx context.Context, sub subscription) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := h.cfg.Store.Unsubscribe(ctx, sub.caucus, sub.member, h.cfg.Now()); err != nil {
		return fmt.Errorf("record unsubscription: %w", err)
	}
	h.log.Info("unsubscribed", "caucus", sub.caucus, "member", sub.member)
	return nil
}

// isOneClick reports whether the body carries List-Unsubscribe=One-Click,
// as application/x-www-form-urlencoded or multipart/form-data (RFC 8058
// section 3.1). A body without a Content-Type is read as the former: some
// senders leave it out, and the key/value pair is unambiguous.
func isOneClick(r *http.Request) (bool, error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return false, fmt.Errorf("parse multipart form: %w", err)
		}
		return hasOneClick(r.MultipartForm.Value["List-Unsubscribe"]), nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false, fmt.Errorf("read body: %w", err)
	}
	form, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil {
		return false, fmt.Errorf("parse form: %w", err)
	}
	return hasOneClick(form["List-Unsubscribe"]), nil
}

func hasOneClick(values []string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) == "One-Click" {
			return true
		}
	}
	return false
}
