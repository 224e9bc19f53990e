-- zhicheng schema, version 2 (SQLite): raw history in blocks.
--
-- One row holds the points of one series within one hour (see src/block.rs for the rules and
-- the encoding of `data`). A rowid table with a unique index rather than WITHOUT ROWID: rows
-- of several KiB are what SQLite's documentation advises against clustering on the key.
--
-- Rows of the old `history` table (one per reading) are converted into blocks by the store
-- itself, right after this migration (`SqliteStore::migrate`), and the table is then dropped.

CREATE TABLE history_block (
    id     INTEGER PRIMARY KEY,
    series INTEGER NOT NULL,
    t0     INTEGER NOT NULL,
    t1     INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    data   BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX history_block_key ON history_block (series, t0);
