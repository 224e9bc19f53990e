-- zhicheng schema, version 2 (PostgreSQL): raw history in blocks.
--
-- One row holds the points of one series within one hour (see src/block.rs for the rules and
-- the encoding of `data`). Rows of the old `history` table (one per reading) are converted into
-- blocks by the store itself, right after this migration (`PgStore::migrate`), and the table
-- is then dropped.

CREATE TABLE history_block (
    series BIGINT NOT NULL,
    t0     BIGINT NOT NULL,
    t1     BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (series, t0)
);
-- Blocks are written once and rarely rewritten; their data is already compact.
ALTER TABLE history_block ALTER COLUMN data SET STORAGE EXTERNAL;
