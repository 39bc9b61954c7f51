// Package queuetest gives tests the stores the queue package runs on: a
// fresh SQLite file, and a fresh PostgreSQL database when
// CAUCUSGATE_TEST_POSTGRES names a server, each removed when the test ends.
package queuetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvPostgres names the environment variable holding an admin DSN of a
// PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvPostgres = "CAUCUSGATE_TEST_POSTGRES"

// Backend is a store DSN a test can open.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string
}

// DSNs returns one fresh store per available backend: SQLite always, and
// PostgreSQL when EnvPostgres is set (logged as skipped otherwise). Each
// call gives new, empty stores.
func DSNs(t testing.TB) []Backend {
	t.Helper()
	b := []Backend{{Name: "sqlite", DSN: SQLite(t)}}
	if os.Getenv(EnvPostgres) == "" {
		t.Logf("PostgreSQL backend skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run it", EnvPostgres)
		return b
	}
	return append(b, Backend{Name: "postgres", DSN: Postgres(t)})
}

// SQLite returns the path of a store file in a fresh temporary directory.
func SQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "caucusgate.db")
}

// Postgres creates a fresh database on the server named by EnvPostgres,
// drops it when the test ends, and returns its DSN. It skips the test when
// EnvPostgres is unset.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		t.Skipf("PostgreSQL not configured: set %s to run this test", EnvPostgres)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	name := "caucusgate_test_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, db, name) })
	return withDatabase(t, admin, name)
}

func dropDatabase(t testing.TB, db *sql.DB, name string) {
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// WITH (FORCE) ends connections a store under test left open.
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("drop test database %s: %v", name, err)
	}
}

func withDatabase(t testing.TB, dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random name: %v", err)
	}
	return hex.EncodeToString(b)
}

// RawFilesNamed lists, sorted, the raw files the messages' records of a
// SQLite store name (their bytes' files in the store's raw directory).
func RawFilesNamed(t testing.TB, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT raw_file FROM messages WHERE raw_file IS NOT NULL ORDER BY raw_file")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}
