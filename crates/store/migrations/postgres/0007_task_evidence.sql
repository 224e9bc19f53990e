-- zhicheng schema, version 7 (PostgreSQL): evidence files of key-task progress reports (issue 5).
--
-- One row per file attached to a `task_progress` report. The bytes are stored once per content
-- under `<data_dir>/evidence/<sha256[0..2]>/<sha256>`, the same place as the evidence of
-- indicator submissions, so the location follows from `sha256`.
CREATE TABLE task_evidence (
    id           BIGSERIAL PRIMARY KEY,
    progress     BIGINT NOT NULL REFERENCES task_progress (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_ms  BIGINT NOT NULL
);
CREATE INDEX task_evidence_progress ON task_evidence (progress);
