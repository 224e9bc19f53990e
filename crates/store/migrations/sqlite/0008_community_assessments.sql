-- zhicheng schema, version 8 (SQLite): communities' self-assessments against DB37/T 3890.3-2020
-- (issue 5, indicator #44 智慧社区覆盖率).
--
-- One row per self-assessment of one community (a village-level region whose name ends with
-- 社区, named by its 12-digit code) for one month (`YYYY-MM`, UTC+8): the completed weight of
-- its required tasks in per cent. Rows are never updated; the latest per (community, month)
-- counts. A community is smart at 80 % or more.
CREATE TABLE community_assessment (
    id           INTEGER PRIMARY KEY,
    community    TEXT NOT NULL,
    period       TEXT NOT NULL,
    weight       REAL NOT NULL CHECK (weight >= 0 AND weight <= 100),
    note         TEXT NOT NULL,
    department   TEXT,
    assessed_by  TEXT NOT NULL,
    assessed_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX community_assessment_period ON community_assessment (period, community);
CREATE INDEX community_assessment_community ON community_assessment (community);

-- Evidence files of an assessment, stored by content under
-- `<data_dir>/evidence/<sha256[0..2]>/<sha256>` like those of submissions and task progress.
CREATE TABLE community_evidence (
    id           INTEGER PRIMARY KEY,
    assessment   INTEGER NOT NULL REFERENCES community_assessment (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX community_evidence_assessment ON community_evidence (assessment);
