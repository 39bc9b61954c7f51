-- The raw bytes of a message taken in from now on live in a file of their
-- own in the directory beside the database (DSN.raw/, see rawdir.go), not
-- in raw_chunks: SQLite in WAL mode wrote a blob's bytes three times (the
-- WAL's frames, then the checkpoint's read of them and its write into the
-- database): run -once spent 7.7-8.0 ms of CPU per 284 kB message,
-- 5.9-7.0 ms with files (issue 12). raw_file names that file; NULL for a message
-- whose bytes are in raw_chunks (taken in before this migration), purged,
-- or never stored (a duplicate's record). The file is written and synced
-- before the transaction that sets raw_file commits, so a row never names
-- a file that was not on disk; the index lets the daemon's sweep at start
-- walk the referenced names in order, and no two rows share a file.
ALTER TABLE messages ADD COLUMN raw_file TEXT;
CREATE UNIQUE INDEX messages_raw_file ON messages (raw_file) WHERE raw_file IS NOT NULL;
