-- zhicheng schema, version 9 (SQLite): base figures of the scorecard (issue 5).
--
-- A named figure an indicator's formula reads with `input(name)` that the platform cannot
-- measure — e.g. `households` (常住户数) for #9 — entered by the big-data center for a month
-- (`YYYY-MM`, UTC+8) with its source. Rows are never updated; the figure of month P is the
-- latest entry of the latest month not after P.
CREATE TABLE base_figure (
    id          INTEGER PRIMARY KEY,
    pack        TEXT NOT NULL,
    name        TEXT NOT NULL,
    period      TEXT NOT NULL,
    value       REAL NOT NULL,
    note        TEXT NOT NULL,
    entered_by  TEXT NOT NULL,
    entered_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX base_figure_name ON base_figure (pack, name, period);
