-- Raw message bytes are stored as they came, out of line and not
-- compressed (issue 12). PostgreSQL's default pglz spent about 3.8 ms of
-- the server's CPU on each 284 kB message of the forwarding benchmark's
-- corpus to save 1% of its size: mail is mostly base64 and already
-- compressed attachments. Rows written before keep their form.
ALTER TABLE raw_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
