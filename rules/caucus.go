package rules

// Caucus is one thematic caucus: a list address, or a roster of members
// caucusgate expands itself.
type Caucus struct {
	ID            string
	Name          string
	Address       string   // the list address; "" when Members is the roster
	Members       []string // the roster; empty when Address is set
	Tags          []string // the names usable in subject tags, besides ID
	Moderators    []string
	Mode          string // resend (default), encapsulate or redirect
	SubjectPrefix string
	Schedule      string // "immediate" (default) or a cron spec
	// ReplySchedule, when set, relays this caucus's replies on it rather
	// than on replies.schedule.
	ReplySchedule string
	// ListID is the List-Id a list caucus's own list writes (RFC 2919),
	// default the Mailman 3 and Sympa convention <LOCAL.DOMAIN> of its
	// address; "" for a roster.
	ListID string
	// Responders are the caucus's focal points: their mail naming a copy's
	// token anywhere in the thread is an answer, not discussion.
	Responders []string
}

// Caucus returns the caucus with the given id.
func (s *Set) Caucus(id string) (Caucus, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Caucus{}, false
	}
	return s.caucuses[i], true
}

// Caucuses returns every caucus, in the order of the file.
func (s *Set) Caucuses() []Caucus {
	out := make([]Caucus, len(s.caucuses))
	copy(out, s.caucuses)
	return out
}

// RuleCount returns how many rules the set has.
func (s *Set) RuleCount() int {
	return len(s.rules)
}

// Schedules maps each schedule spec the file names (other than immediate)
// to where it names it: "replies", "caucus gender", "rule weekly-digest".
func (s *Set) Schedules() map[string][]string {
	out := map[string][]string{}
	add := func(spec, where string) {
		if spec != "" && spec != immediate {
			out[spec] = append(out[spec], where)
		}
	}
	add(s.replies.Schedule, "replies")
	for _, c := range s.caucuses {
		add(c.Schedule, "caucus "+c.ID)
		add(c.ReplySchedule, "replies to caucus "+c.ID)
	}
	for _, r := range s.rules {
		add(r.schedule, "rule "+r.name)
		add(r.replySchedule, "replies under rule "+r.name)
	}
	return out
}

// ReplySchedule is the schedule a caucus's reply to an invitation is
// relayed on: that of the first rule that forwarded the invitation and
// names one (reply_schedule), else the caucus's, else replies.schedule.
func (s *Set) ReplySchedule(caucus string, ruleNames []string) string {
	for _, name := range ruleNames {
		for _, r := range s.rules {
			if r.name == name && r.replySchedule != "" {
				return r.replySchedule
			}
		}
	}
	if c, ok := s.Caucus(caucus); ok && c.ReplySchedule != "" {
		return c.ReplySchedule
	}
	return s.replies.Schedule
}
