-- zhicheng schema, version 10 (SQLite): early-warning rules, alarms, the event log (issue 6).
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
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE alarm (
    id              INTEGER PRIMARY KEY,
    rule            TEXT NOT NULL,
    rule_version    INTEGER NOT NULL,
    rule_name       TEXT NOT NULL,
    severity        TEXT NOT NULL,
    entity          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    region          TEXT NOT NULL,
    department      TEXT NOT NULL,
    status          TEXT NOT NULL,
    since_ms        INTEGER NOT NULL,
    raised_ms       INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    cleared_ms      INTEGER,
    cleared_by      TEXT,
    value           REAL NOT NULL,
    peak            REAL NOT NULL,
    count           INTEGER NOT NULL,
    message         TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_ms INTEGER,
    assignee        TEXT
) STRICT;
CREATE UNIQUE INDEX alarm_open ON alarm (rule, entity) WHERE status = 'active';
CREATE INDEX alarm_department ON alarm (department, id);
CREATE INDEX alarm_status ON alarm (status, id);

CREATE TABLE alarm_comment (
    id      INTEGER PRIMARY KEY,
    alarm   INTEGER NOT NULL REFERENCES alarm (id),
    at_ms   INTEGER NOT NULL,
    author  TEXT NOT NULL,
    text    TEXT NOT NULL
) STRICT;
CREATE INDEX alarm_comment_alarm ON alarm_comment (alarm, id);

CREATE TABLE event_log (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    topic       TEXT NOT NULL,
    department  TEXT NOT NULL,
    ref_id      INTEGER NOT NULL,
    severity    TEXT,
    actor       TEXT,
    body        TEXT NOT NULL
) STRICT;

CREATE TABLE rule_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    at_ms     INTEGER NOT NULL,
    saved_ms  INTEGER NOT NULL,
    data      BLOB NOT NULL
) STRICT;

CREATE TABLE webhook (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    secret        TEXT,
    topics        TEXT NOT NULL,
    min_severity  TEXT,
    department    TEXT,
    enabled       INTEGER NOT NULL,
    cursor        INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_ms    INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_log (
    id          INTEGER PRIMARY KEY,
    webhook     TEXT NOT NULL,
    event       INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT
) STRICT;
CREATE INDEX webhook_log_webhook ON webhook_log (webhook, id);

CREATE TABLE notification_cursor (
    username  TEXT PRIMARY KEY,
    last_read INTEGER NOT NULL
) STRICT;
