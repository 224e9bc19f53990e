-- zhicheng schema, version 5 (SQLite): closed scorecard periods with their snapshots (issue 5).
--
-- One row per (pack, month `YYYY-MM`) that has ever been closed. A closed period keeps the
-- scorecard as computed at closing (`snapshot`: JSON text, every star level with its
-- provenance) and its hex SHA-256, so a past report never changes silently. Reopening sets the
-- status back to `open`, records who and when, and drops the snapshot (its hash stays in the
-- audit trail).
CREATE TABLE scorecard_period (
    pack            TEXT NOT NULL,
    period          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_by       TEXT,
    closed_ms       INTEGER,
    reopened_by     TEXT,
    reopened_ms     INTEGER,
    snapshot        TEXT,
    snapshot_sha256 TEXT,
    PRIMARY KEY (pack, period)
) STRICT;
