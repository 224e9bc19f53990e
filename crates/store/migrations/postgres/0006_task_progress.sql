-- zhicheng schema, version 6 (PostgreSQL): monthly progress of key tasks (issue 5, key tasks).
--
-- One row per report: a task of a task pack (`task` is the pack's task id, `number` its
-- numbering in the document) for one month (`YYYY-MM`), with the percent done (0–100), the
-- narrative, the responsible person and contact phone, and the department reported for.
-- Rows are never updated: the latest report (by period, then time) is the task's state.
CREATE TABLE task_progress (
    id          BIGSERIAL PRIMARY KEY,
    pack        TEXT NOT NULL,
    task        TEXT NOT NULL,
    number      TEXT NOT NULL,
    period      TEXT NOT NULL,
    percent     BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    narrative   TEXT NOT NULL,
    person      TEXT NOT NULL,
    contact     TEXT NOT NULL,
    department  TEXT,
    reported_by TEXT NOT NULL,
    reported_ms BIGINT NOT NULL
);
CREATE INDEX task_progress_lookup ON task_progress (pack, task, period);
CREATE INDEX task_progress_period ON task_progress (pack, period);
