package benchforward

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"net/url"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

var postgresURL = flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
	"a PostgreSQL server where the bench may create and drop databases (rows pg, daemon-pg)")

// postgresStore creates a fresh database for one run on the -postgres
// server, drops it when the test ends, and returns its URL.
func postgresStore(t *testing.T, _ string) string {
	t.Helper()
	admin, err := sql.Open("pgx", *postgresURL)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "caucusgate_bench_" + hex.EncodeToString(b[:]) // [a-z0-9_]: no quoting needed
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("postgres: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a daemon stopped late may still hold a connection.
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("postgres: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(*postgresURL)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
