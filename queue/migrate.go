package queue

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations of instances starting together ("caucusgate" in ASCII, padded).
const migrationLockKey int64 = 0x636175637573

type migration struct {
	version int
	name    string
	sql     string
}

// migrate brings River's schema and ours up to date. rivermigrate takes
// no lock of its own, so two instances starting together must be
// serialised: SQLite's write lock does it for the one transaction there;
// PostgreSQL needs an advisory lock on one pinned connection, held across
// River's migrations, because those cannot share one transaction (River's
// version 006 adds an enum value and uses it, which PostgreSQL refuses in
// a single transaction: SQLSTATE 55P04).
func (s *Store) migrate(ctx context.Context) error {
	if s.dialect == dialectPostgres {
		return s.migratePostgres(ctx)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		migrator, err := s.riverMigrator()
		if err != nil {
			return err
		}
		if _, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate river: %w", err)
		}
		return s.migrateOwn(ctx, tx)
	})
}

func (s *Store) migratePostgres(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("pin migration connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			s.log.WarnContext(ctx, "unlock migrations", "error", err)
		}
	}()
	migrator, err := s.riverMigrator()
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.migrateOwn(ctx, tx) })
}

func (s *Store) riverMigrator() (*rivermigrate.Migrator[*sql.Tx], error) {
	m, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: orLogger(s.opts.RiverLogger, s.log)})
	if err != nil {
		return nil, fmt.Errorf("create river migrator: %w", err)
	}
	return m, nil
}

func (s *Store) migrateOwn(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS caucusgate_migration (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create migration table: %w", err)
	}
	applied, err := s.appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	all, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.version] {
			continue
		}
		if err := s.applyMigration(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT version FROM caucusgate_migration")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan migration: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

func (s *Store) applyMigration(ctx context.Context, tx *sql.Tx, m migration) error {
	// Neither driver runs several statements in one Exec reliably with
	// arguments, so the file is split on the semicolons ending statements.
	for _, stmt := range splitStatements(m.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("apply migration %03d_%s: %w", m.version, m.name, err)
		}
	}
	_, err := tx.ExecContext(ctx, s.dialect.rebind(
		"INSERT INTO caucusgate_migration (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, s.micros(s.now()))
	if err != nil {
		return fmt.Errorf("record migration %d: %w", m.version, err)
	}
	s.log.InfoContext(ctx, "applied migration", "version", m.version, "name", m.name, "dialect", s.dialect.String())
	return nil
}

// loadMigrations reads migrations/<dialect>/NNN_name.sql in version order.
func loadMigrations(d dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		m, err := parseMigrationName(e.Name())
		if err != nil {
			return nil, err
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		m.sql = string(body)
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func parseMigrationName(file string) (migration, error) {
	base, ok := strings.CutSuffix(file, ".sql")
	num, name, ok2 := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil {
		return migration{}, fmt.Errorf("parse migration name %q: want NNN_name.sql", file)
	}
	return migration{version: v, name: name}, nil
}

// splitStatements splits a migration file on statement-ending semicolons,
// dropping `--` comment lines. Our migrations hold no semicolons in strings.
func splitStatements(script string) []string {
	var lines []string
	for _, l := range strings.Split(script, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}
