-- zhicheng schema, version 10 (PostgreSQL): early-warning rules, alarms, the event log (issue 6).
--
-- `alarm_rule` keeps every version of every rule (the JSON definition the rules crate reads);
-- a rule's current version is its highest, and a `deleted` version is a tombstone.
-- `alarm` holds one row per alarm; at most one is active per (rule, entity), enforced by a
-- partial unique index. `event_log` is the durable record of what happened to alarms (and,
-- later, cases) that webhooks and in-app notifications read from their own cursors, so an
-- event is delivered at least once even across a restart. `rule_state` holds the evaluator's
-- last snapshot.
CREATE TABLE alarm_rule (
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL,
    definition  TEXT NOT NULL,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    source      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE alarm (
    id              BIGSERIAL PRIMARY KEY,
    rule            TEXT NOT NULL,
    rule_version    BIGINT NOT NULL,
    rule_name       TEXT NOT NULL,
    severity        TEXT NOT NULL,
    entity          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    region          TEXT NOT NULL,
    department      TEXT NOT NULL,
    status          TEXT NOT NULL,
    since_ms        BIGINT NOT NULL,
    raised_ms       BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL,
    cleared_ms      BIGINT,
    cleared_by      TEXT,
    value           DOUBLE PRECISION NOT NULL,
    peak            DOUBLE PRECISION NOT NULL,
    count           BIGINT NOT NULL,
    message         TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_ms BIGINT,
    assignee        TEXT
);
CREATE UNIQUE INDEX alarm_open ON alarm (rule, entity) WHERE status = 'active';
CREATE INDEX alarm_department ON alarm (department, id);
CREATE INDEX alarm_status ON alarm (status, id);

CREATE TABLE alarm_comment (
    id      BIGSERIAL PRIMARY KEY,
    alarm   BIGINT NOT NULL REFERENCES alarm (id),
    at_ms   BIGINT NOT NULL,
    author  TEXT NOT NULL,
    text    TEXT NOT NULL
);
CREATE INDEX alarm_comment_alarm ON alarm_comment (alarm, id);

CREATE TABLE event_log (
    id          BIGSERIAL PRIMARY KEY,
    at_ms       BIGINT NOT NULL,
    topic       TEXT NOT NULL,
    department  TEXT NOT NULL,
    ref_id      BIGINT NOT NULL,
    severity    TEXT,
    actor       TEXT,
    body        TEXT NOT NULL
);

CREATE TABLE rule_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    at_ms     BIGINT NOT NULL,
    saved_ms  BIGINT NOT NULL,
    data      BYTEA NOT NULL
);

CREATE TABLE webhook (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    secret        TEXT,
    topics        TEXT NOT NULL,
    min_severity  TEXT,
    department    TEXT,
    enabled       BOOLEAN NOT NULL,
    cursor        BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    created_ms    BIGINT NOT NULL
);

CREATE TABLE webhook_log (
    id          BIGSERIAL PRIMARY KEY,
    webhook     TEXT NOT NULL,
    event       BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    attempts    BIGINT NOT NULL,
    status      BIGINT,
    error       TEXT
);
CREATE INDEX webhook_log_webhook ON webhook_log (webhook, id);

CREATE TABLE notification_cursor (
    username  TEXT PRIMARY KEY,
    last_read BIGINT NOT NULL
);
