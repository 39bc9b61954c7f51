package queue

import (
	"context"
	"fmt"
)

// sweepRaw removes the raw files no message names, and reports loudly the
// named files that are missing. Orphans come from a batch whose
// transaction did not commit (a kill -9 between the files' sync and the
// commit, a commit that failed), or from a removal after commit (of a
// duplicate's file, of a purged message's) that a crash cut short.
//
// Only ClaimDaemon calls it, holding the store's lock, before the daemon's
// intake starts: the lock holder's intake is the only writer of raw files,
// so no file of a batch being committed exists while it runs. A CLI opens
// the store without the lock and never sweeps; it only reads files, and
// never one no row names.
func (s *Store) sweepRaw(ctx context.Context) error {
	if s.raw == nil {
		return nil
	}
	onDisk, err := s.raw.names()
	if err != nil {
		return err
	}
	orphans, missing, err := s.unreferencedRaw(ctx, onDisk)
	if err != nil {
		return err
	}
	s.raw.remove(orphans...)
	if len(orphans) > 0 {
		s.log.InfoContext(ctx, "removed raw files no message names (a batch not committed, or a removal cut short)",
			"files", len(orphans), "directory", s.raw.path)
	}
	if missing.count > 0 {
		s.log.ErrorContext(ctx, "raw files of messages are missing: their bytes are lost, and deliveries that copy them will fail; restore the raw directory from the backup taken with the database",
			"missing", missing.count, "first", missing.first, "directory", s.raw.path)
	}
	return nil
}

// missingRawFiles counts the files rows name that are not on disk, and
// keeps the first few names for the log.
type missingRawFiles struct {
	count int
	first []string
}

func (m *missingRawFiles) add(name string) {
	m.count++
	if len(m.first) < 5 {
		m.first = append(m.first, name)
	}
}

// unreferencedRaw walks the sorted names on disk beside the names the
// messages hold, in the same order (the index messages_raw_file): the
// files on disk no row names, and the named ones not on disk.
func (s *Store) unreferencedRaw(ctx context.Context, onDisk []string) (orphans []string, missing missingRawFiles, err error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT raw_file FROM messages WHERE raw_file IS NOT NULL ORDER BY raw_file")
	if err != nil {
		return nil, missing, fmt.Errorf("list raw files of messages: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var named string
		if err := rows.Scan(&named); err != nil {
			return nil, missing, fmt.Errorf("scan raw file of a message: %w", err)
		}
		for ; i < len(onDisk) && onDisk[i] < named; i++ {
			orphans = append(orphans, onDisk[i])
		}
		if i < len(onDisk) && onDisk[i] == named {
			i++
		} else {
			missing.add(named)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, missing, fmt.Errorf("list raw files of messages: %w", err)
	}
	return append(orphans, onDisk[i:]...), missing, nil
}
