package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Decision and queue listings show this many rows unless ?limit= asks for
// another number, up to maxLimit.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// heldData is what the front page shows: everything waiting for a person,
// the addresses whose bounces disabled them, and the mailboxes whose
// server refuses acknowledgements.
type heldData struct {
	Messages    []Held
	Replies     []HeldReply
	Bounced     []Member
	AckBacklogs []AckBacklog
}

func (s *server) heldPage(w http.ResponseWriter, r *http.Request) {
	held, err := s.cfg.Backend.Held(r.Context())
	if err != nil {
		s.fail(w, r, "list held messages", err)
		return
	}
	replies, err := s.cfg.Backend.HeldReplies(r.Context())
	if err != nil {
		s.fail(w, r, "list held replies", err)
		return
	}
	members, err := s.cfg.Backend.Members(r.Context())
	if err != nil {
		s.fail(w, r, "list members", err)
		return
	}
	d := heldData{Messages: held, Replies: replies, AckBacklogs: s.cfg.Backend.AckBacklogs(r.Context())}
	for _, m := range members {
		if m.Disabled {
			d.Bounced = append(d.Bounced, m)
		}
	}
	s.render(w, http.StatusOK, "held", s.newView(r, "held", "Held for moderation", d))
}

func (s *server) heldMessagePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	h, err := s.cfg.Backend.HeldMessage(r.Context(), id)
	if err != nil {
		s.fail(w, r, "show held message", err)
		return
	}
	s.render(w, http.StatusOK, "heldmessage", s.newView(r, "held", "Held message "+strconv.FormatInt(id, 10), h))
}

func (s *server) heldReplyPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	h, err := s.cfg.Backend.HeldReply(r.Context(), id)
	if err != nil {
		s.fail(w, r, "show held reply", err)
		return
	}
	s.render(w, http.StatusOK, "heldreply", s.newView(r, "held", "Held reply "+strconv.FormatInt(id, 10), h))
}

func (s *server) decisionsPage(w http.ResponseWriter, r *http.Request) {
	ds, err := s.cfg.Backend.Decisions(r.Context(), limit(r))
	if err != nil {
		s.fail(w, r, "list decisions", err)
		return
	}
	s.render(w, http.StatusOK, "decisions", s.newView(r, "decisions", "Recent decisions", ds))
}

func (s *server) decisionPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := s.cfg.Backend.Decision(r.Context(), id)
	if err != nil {
		s.fail(w, r, "show decision", err)
		return
	}
	s.render(w, http.StatusOK, "decision", s.newView(r, "decisions", "Decision "+strconv.FormatInt(id, 10), d))
}

func (s *server) queuePage(w http.ResponseWriter, r *http.Request) {
	ds, err := s.cfg.Backend.Deliveries(r.Context(), limit(r))
	if err != nil {
		s.fail(w, r, "list deliveries", err)
		return
	}
	s.render(w, http.StatusOK, "queue", s.newView(r, "queue", "Delivery queue", ds))
}

func (s *server) schedulesPage(w http.ResponseWriter, r *http.Request) {
	ss, err := s.cfg.Backend.Schedules(r.Context())
	if err != nil {
		s.fail(w, r, "list schedules", err)
		return
	}
	s.render(w, http.StatusOK, "schedules", s.newView(r, "schedules", "Schedules", ss))
}

func (s *server) caucusesPage(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cfg.Backend.Caucuses(r.Context())
	if err != nil {
		s.fail(w, r, "list caucuses", err)
		return
	}
	s.render(w, http.StatusOK, "caucuses", s.newView(r, "caucuses", "Caucuses", cs))
}

func (s *server) rulesPage(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.Backend.RulesStatus(r.Context())
	s.render(w, http.StatusOK, "rules", s.newView(r, "rules", "Rules", st))
}

// limit reads ?limit=, bounded: a listing is one query and one page, and
// must stay cheap whatever the URL says.
func limit(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return defaultLimit
	}
	return min(n, maxLimit)
}

// pathID reads the {id} of the route; a malformed one is a 404, since no
// such item exists.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return 0, false
	}
	return id, true
}

func (s *server) membersPage(w http.ResponseWriter, r *http.Request) {
	ms, err := s.cfg.Backend.Members(r.Context())
	if err != nil {
		s.fail(w, r, "list members", err)
		return
	}
	s.render(w, http.StatusOK, "members", s.newView(r, "members", "Members", ms))
}

// enableMember re-enables the address of the form, and goes back to the
// members page saying so.
func (s *server) enableMember(w http.ResponseWriter, r *http.Request) {
	addr := strings.ToLower(strings.TrimSpace(r.PostForm.Get("address")))
	if err := s.cfg.Backend.EnableMember(r.Context(), addr, "admin "+userOf(r)); err != nil {
		s.fail(w, r, "enable member", err)
		return
	}
	s.log.Info("enable member: enabled", "address", addr, "by", userOf(r))
	http.Redirect(w, r, "/members?enabled="+url.QueryEscape(addr), http.StatusSeeOther)
}
