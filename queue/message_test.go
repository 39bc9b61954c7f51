package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func messageIDs(ms []MessageInfo) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.MessageID)
	}
	return ids
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestListMessagesFilters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		discarded := message(4, "<d@x>", "d")
		discarded.Decision = "discard"
		out := intake(t, s, 7, message(1, "<a@x>", "a", "gender"), message(2, "<b@x>", "b", "gender-equality"),
			message(3, "<c@x>", "c", "education", "gender"), discarded)
		tests := []struct {
			name string
			f    MessageFilter
			want []string
		}{
			{"newest first", MessageFilter{}, []string{"<d@x>", "<c@x>", "<b@x>", "<a@x>"}},
			{"limit", MessageFilter{Limit: 2}, []string{"<d@x>", "<c@x>"}},
			{"next page", MessageFilter{Before: out[2].MessageRef}, []string{"<b@x>", "<a@x>"}},
			{"decision", MessageFilter{Decision: "discard"}, []string{"<d@x>"}},
			{"caucus exactly", MessageFilter{Caucus: "gender"}, []string{"<c@x>", "<a@x>"}},
			{"caucus case", MessageFilter{Caucus: "Gender"}, nil},
			{"message-id", MessageFilter{MessageID: "<b@x>"}, []string{"<b@x>"}},
		}
		for _, tt := range tests {
			got, err := s.ListMessages(ctx, tt.f)
			if err != nil || !sameStrings(messageIDs(got), tt.want) {
				t.Errorf("%s: ListMessages = %v, %v; want %v", tt.name, messageIDs(got), err, tt.want)
			}
		}
	})
}

func TestGetMessageAndRaw(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		m := message(5, "<a@x>", "body", "gender", "education")
		m.Trace = json.RawMessage(`{"steps":[{"rule":"itu","matched":true}]}`)
		noTrace := message(6, "<b@x>", "b")
		noTrace.Trace = nil
		out := intake(t, s, 7, m, noTrace)
		got, err := s.GetMessage(ctx, out[0].MessageRef)
		if err != nil {
			t.Fatal(err)
		}
		if got.UID != 5 || got.UIDValidity != 7 || got.Account != "bureau" || got.From != "inviter@itu.int" ||
			!sameStrings(got.Caucuses, []string{"gender", "education"}) || string(got.Trace) != string(m.Trace) ||
			got.RawSize != int64(len(m.Raw)) || got.ReceivedAt.IsZero() {
			t.Errorf("GetMessage = %+v", got)
		}
		if other, _ := s.GetMessage(ctx, out[1].MessageRef); other.Trace != nil {
			t.Errorf("trace of a message without one = %s, want nil", other.Trace)
		}
		if raw, err := s.MessageRaw(ctx, out[0].MessageRef); err != nil || !bytes.Equal(raw, m.Raw) {
			t.Errorf("MessageRaw = %q, %v; want the stored bytes", raw, err)
		}
		if _, err := s.GetMessage(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetMessage(unknown) = %v, want ErrNotFound", err)
		}
		if _, err := s.MessageRaw(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("MessageRaw(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestReplyLookups(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<inv@x>", "one", "gender", "education"),
			message(2, "<inv@x>", "another message, same id", "youth"), message(3, "<quiet@x>", "no forward"))
		d, err := s.DeliveryByID(ctx, out[0].DeliveryIDs[1])
		if err != nil || d.MessageRef != out[0].MessageRef || d.Caucus != "education" || d.MessageID != "<inv@x>" ||
			!sameStrings(d.Recipients, []string{"education@example.org"}) {
			t.Errorf("DeliveryByID = %+v, %v", d, err)
		}
		if _, err := s.DeliveryByID(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeliveryByID(unknown) = %v, want ErrNotFound", err)
		}
		refs, err := s.InvitationOf(ctx, "<inv@x>")
		want := []ForwardRef{{out[0].MessageRef, "gender", out[0].DeliveryIDs[0]},
			{out[0].MessageRef, "education", out[0].DeliveryIDs[1]}, {out[1].MessageRef, "youth", out[1].DeliveryIDs[0]}}
		if err != nil || len(refs) != len(want) {
			t.Fatalf("InvitationOf = %+v, %v; want %+v", refs, err, want)
		}
		for i := range want {
			if refs[i] != want[i] {
				t.Errorf("InvitationOf[%d] = %+v, want %+v", i, refs[i], want[i])
			}
		}
		if refs, _ := s.InvitationOf(ctx, "<quiet@x>"); len(refs) != 0 {
			t.Errorf("InvitationOf(a message never forwarded) = %+v, want none", refs)
		}
	})
}

func TestQueueStats(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		empty, err := s.QueueStats(ctx)
		if err != nil || empty.Depth != 0 || empty.OldestPending != 0 || len(empty.ByState) != 0 {
			t.Fatalf("QueueStats of an empty store = %+v, %v", empty, err)
		}
		out := intake(t, s, 7, message(1, "<a@x>", "a", "gender", "education"))
		clock.Add(10 * time.Minute)
		intake(t, s, 7, message(2, "<b@x>", "b", "youth"), heldMessage(3, "<h@x>", 0), reply(4, "zoe@itu.int", slot1))
		if err := s.CancelDelivery(ctx, out[0].DeliveryIDs[1]); err != nil {
			t.Fatal(err)
		}
		clock.Add(5 * time.Minute)
		st, err := s.QueueStats(ctx)
		if err != nil || st.Depth != 2 || st.OldestPending != 15*time.Minute || st.ByState["pending"] != 2 ||
			st.ByState["cancelled"] != 1 || st.Held != 1 || st.PendingItems != 1 {
			t.Errorf("QueueStats = %+v, %v; want 2 pending (oldest 15m), 1 cancelled, 1 held, 1 item", st, err)
		}
	})
}
