-- The mailbox's start boundary (config `start`) as a time, in microseconds:
-- mail received before it is never taken, not even after a UIDVALIDITY
-- change re-reads the mailbox from UID 1. NULL: before this migration; the
-- mailbox's first epoch's created_at stands in (start: now, the default).
-- 0: no boundary (start: all).
ALTER TABLE mailbox_epochs ADD COLUMN start_at BIGINT;
