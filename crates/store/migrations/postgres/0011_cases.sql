-- zhicheng schema, version 11 (PostgreSQL): cases (work orders), their timelines and attachments
-- (issue 6).
--
-- `case_record` keeps each case's whole state (JSON, the cases crate's `CaseState`) beside the
-- columns that lists, the deadline timer and statistics filter on; `version` makes every change
-- conditional on the state it was computed from. `visible_to` is `,a,b,`: the departments that
-- see the case (assigned, co-assigned by escalation, the grid's departments whose categories
-- include it, the reporting department). `case_seq` hands out case numbers that are never reused.
CREATE TABLE case_seq (
    id     BIGSERIAL PRIMARY KEY,
    at_ms  BIGINT NOT NULL
);

CREATE TABLE case_record (
    id                TEXT PRIMARY KEY,
    seq               BIGINT NOT NULL UNIQUE,
    status            TEXT NOT NULL,
    open              BOOLEAN NOT NULL,
    source            TEXT NOT NULL,
    category          TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    region            TEXT,
    grid              TEXT,
    department        TEXT,
    visible_to        TEXT NOT NULL,
    lon               DOUBLE PRECISION,
    lat               DOUBLE PRECISION,
    address           TEXT,
    description       TEXT NOT NULL,
    reporter_name     TEXT,
    reporter_phone    TEXT,
    reporter_department TEXT,
    source_ref        TEXT,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL,
    closed_ms         BIGINT,
    due_ms            BIGINT,
    escalation_level  BIGINT NOT NULL,
    state             TEXT NOT NULL,
    version           BIGINT NOT NULL
);
CREATE INDEX case_record_open_due ON case_record (open, due_ms);
CREATE INDEX case_record_created ON case_record (created_ms);
CREATE INDEX case_record_source_ref ON case_record (source_ref);

CREATE TABLE case_timeline (
    id           BIGSERIAL PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES case_record (id),
    at_ms        BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    entry        TEXT NOT NULL
);
CREATE INDEX case_timeline_case ON case_timeline (case_id, id);

CREATE TABLE case_attachment (
    id            BIGSERIAL PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES case_record (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_ms   BIGINT NOT NULL
);
CREATE INDEX case_attachment_case ON case_attachment (case_id, id);
