package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// Our job insert writes the row River's own InsertManyTx writes for the
// same delivery job: every column alike but the id, the insert times
// (each the moment of its own insert) and, on SQLite, the value of the
// random nonce River puts in the metadata.
func TestInsertJobAsRiverDoes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		for _, c := range []struct {
			name      string
			notBefore time.Time
		}{
			{name: "due"},
			{name: "not before an hour", notBefore: time.Now().Add(time.Hour)},
			{name: "not before a past time", notBefore: time.Now().Add(-time.Minute)},
		} {
			t.Run(c.name, func(t *testing.T) {
				params := s.deliveryJob(42, c.notBefore)
				var ours, theirs int64
				err := s.inTx(ctx, func(tx *sql.Tx) error {
					res, err := s.client.InsertManyTx(ctx, tx, []river.InsertManyParams{params})
					if err != nil {
						return err
					}
					theirs = res[0].Job.ID
					j, err := s.jobInsertOf(params)
					if err != nil {
						return err
					}
					ours, err = s.insertJobTx(ctx, tx, j)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				got, want := jobColumns(t, s, ours), jobColumns(t, s, theirs)
				for name, w := range want {
					g := got[name]
					switch name {
					case "id":
					case "created_at", "scheduled_at":
						sameInsertTime(t, s, name, g, w, c.notBefore)
					case "metadata":
						sameMetadata(t, s, g, w)
					default:
						if !reflect.DeepEqual(g, w) {
							t.Errorf("%s: ours %#v, River's %#v", name, g, w)
						}
					}
				}
				if len(got) != len(want) {
					t.Errorf("ours has %d columns, River's %d", len(got), len(want))
				}
			})
		}
	})
}

// jobColumns reads a river_job row as the database holds it: each column's
// value and, on SQLite, its storage class (jsonb is a blob, JSON text is
// text).
func jobColumns(t *testing.T, s *Store, id int64) map[string]any {
	t.Helper()
	rows, err := s.db.Query(s.q(`SELECT * FROM river_job WHERE id = ?`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no job %d", id)
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	rows.Close() // SQLite's one connection serves the queries below
	cols := map[string]any{}
	for i, n := range names {
		cols[n] = vals[i]
	}
	if s.dialect == dialectSQLite {
		for _, n := range names {
			var class string
			if err := s.db.QueryRow(`SELECT typeof(`+n+`) FROM river_job WHERE id = ?`, id).Scan(&class); err != nil {
				t.Fatal(err)
			}
			cols["typeof("+n+")"] = class
		}
	}
	return cols
}

// sameInsertTime checks a time column of the twins: both the given
// notBefore, or both their insert's moment (a few milliseconds apart), in
// the same representation.
func sameInsertTime(t *testing.T, s *Store, name string, got, want any, notBefore time.Time) {
	t.Helper()
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		t.Fatalf("%s: ours %T, River's %T", name, got, want)
	}
	g, w := asTime(t, got), asTime(t, want)
	if s, ok := got.(string); ok && len(s) != len(want.(string)) {
		t.Errorf("%s: ours %q, River's %q", name, got, want)
	}
	if name == "scheduled_at" && !notBefore.IsZero() {
		if !g.Equal(w) || g.Sub(notBefore).Abs() > time.Millisecond {
			t.Errorf("%s: ours %v, River's %v, given %v", name, g, w, notBefore)
		}
		return
	}
	if d := g.Sub(w).Abs(); d > time.Second {
		t.Errorf("%s: ours %v, River's %v", name, g, w)
	}
}

func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch v := v.(type) {
	case time.Time:
		return v
	case string:
		tm, err := time.Parse("2006-01-02 15:04:05.000", v)
		if err != nil {
			t.Fatalf("time %q: %v", v, err)
		}
		return tm
	case []byte:
		return asTime(t, string(v))
	}
	t.Fatalf("time of type %T", v)
	return time.Time{}
}

// sameMetadata checks the twins' metadata: alike, but for the value of
// riversqlite's nonce, which both carry on SQLite.
func sameMetadata(t *testing.T, s *Store, got, want any) {
	t.Helper()
	g, w := metadataOf(t, s, got), metadataOf(t, s, want)
	if s.dialect == dialectSQLite {
		for _, m := range []map[string]any{g, w} {
			if n, ok := m[riverUniqueNonceKey].(string); !ok || len(n) != 16 || strings.Trim(n, "0123456789abcdef") != "" {
				t.Errorf("metadata %v: no nonce as riversqlite's", m)
			}
			delete(m, riverUniqueNonceKey)
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("metadata: ours %v, River's %v", g, w)
	}
}

func metadataOf(t *testing.T, s *Store, v any) map[string]any {
	t.Helper()
	raw := fmt.Sprint(v)
	if b, ok := v.([]byte); ok {
		raw = string(b)
	}
	if s.dialect == dialectSQLite { // jsonb: read it as River does, through json()
		if err := s.db.QueryRow(`SELECT json(?)`, v).Scan(&raw); err != nil {
			t.Fatal(err)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("metadata %q: %v", raw, err)
	}
	return m
}

// TestIntakeDeliveriesAndJobsAsRiverDoes: an intake's deliveries (on
// PostgreSQL all of a batch in one statement) come back in the order
// given, each outcome with its own; each delivery names its job, whose
// args name the delivery, and whose row is the one River's InsertManyTx
// writes for the same delivery job (but for the id and the insert times).
// A duplicate in the batch gets nothing, a message without deliveries an
// empty list.
func TestIntakeDeliveriesAndJobsAsRiverDoes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		intake(t, s, 7, message(2, "<dup@x>", "two", "gender"))
		later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		first := message(1, "<a@x>", "one", "gender", "education")
		first.Deliveries[1].NotBefore = later
		none := message(3, "<none@x>", "three")
		none.Decision = "discard"
		msgs := []Incoming{first, message(2, "<dup@x>", "two", "gender"), none, message(4, "<b@x>", "four", "health")}
		out := intake(t, s, 7, msgs...)
		if !out[1].Duplicate || out[1].DeliveryIDs != nil {
			t.Errorf("duplicate's outcome %+v, want no deliveries", out[1])
		}
		if out[2].DeliveryIDs == nil || len(out[2].DeliveryIDs) != 0 {
			t.Errorf("outcome without deliveries %+v, want an empty list", out[2])
		}
		for _, i := range []int{0, 3} {
			if len(out[i].DeliveryIDs) != len(msgs[i].Deliveries) {
				t.Fatalf("outcome %d has %d deliveries, want %d", i, len(out[i].DeliveryIDs), len(msgs[i].Deliveries))
			}
			for k, id := range out[i].DeliveryIDs {
				d := msgs[i].Deliveries[k]
				jobID := deliveryRowIs(t, s, id, out[i].MessageRef, d.Caucus)
				twin := riverTwin(t, s, id, d.NotBefore)
				got, want := jobColumns(t, s, jobID), jobColumns(t, s, twin)
				for name, w := range want {
					switch name {
					case "id":
					case "created_at", "scheduled_at":
						sameInsertTime(t, s, name, got[name], w, d.NotBefore)
					case "metadata":
						sameMetadata(t, s, got[name], w)
					default:
						if !reflect.DeepEqual(got[name], w) {
							t.Errorf("delivery %d's job, %s: ours %#v, River's %#v", id, name, got[name], w)
						}
					}
				}
			}
		}
	})
}

// deliveryRowIs checks a delivery's row and returns its job's id.
func deliveryRowIs(t *testing.T, s *Store, id, messageRef int64, caucus string) int64 {
	t.Helper()
	var ref, jobID int64
	var gotCaucus, state string
	err := s.db.QueryRow(s.q(`SELECT message_ref, caucus, state, job_id FROM deliveries WHERE id = ?`), id).
		Scan(&ref, &gotCaucus, &state, &jobID)
	if err != nil || ref != messageRef || gotCaucus != caucus || state != "pending" {
		t.Fatalf("delivery %d: message %d, caucus %q, state %q, %v; want message %d, caucus %q, pending",
			id, ref, gotCaucus, state, err, messageRef, caucus)
	}
	return jobID
}

// riverTwin inserts, by River's own InsertManyTx, the job River would
// write for the delivery, and returns its id.
func riverTwin(t *testing.T, s *Store, deliveryID int64, notBefore time.Time) int64 {
	t.Helper()
	var id int64
	err := s.inTx(context.Background(), func(tx *sql.Tx) error {
		res, err := s.client.InsertManyTx(context.Background(), tx, []river.InsertManyParams{s.deliveryJob(deliveryID, notBefore)})
		if err == nil {
			id = res[0].Job.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
