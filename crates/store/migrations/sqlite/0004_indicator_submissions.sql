-- zhicheng schema, version 4 (SQLite): departments' submitted indicator values with evidence,
-- and the big-data center's review (issue 5).
--
-- A submission is one value of one indicator of one pack for one month (`YYYY-MM`), entered
-- for a department. Its status moves once: `submitted` → `approved` or `returned` (with a
-- comment). Evidence files live on disk under `<data_dir>/evidence/<sha256[0..2]>/<sha256>`;
-- `path` is relative to the data directory.
CREATE TABLE indicator_submission (
    id             INTEGER PRIMARY KEY,
    pack           TEXT NOT NULL,
    indicator      INTEGER NOT NULL,
    period         TEXT NOT NULL,
    value          REAL NOT NULL,
    note           TEXT NOT NULL,
    department     TEXT,
    submitted_by   TEXT NOT NULL,
    submitted_ms   INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'returned')),
    reviewed_by    TEXT,
    reviewed_ms    INTEGER,
    review_comment TEXT
) STRICT;
CREATE INDEX indicator_submission_lookup ON indicator_submission (pack, period, indicator);
CREATE INDEX indicator_submission_department ON indicator_submission (department);

CREATE TABLE indicator_evidence (
    id           INTEGER PRIMARY KEY,
    submission   INTEGER NOT NULL REFERENCES indicator_submission (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    path         TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX indicator_evidence_submission ON indicator_evidence (submission);
