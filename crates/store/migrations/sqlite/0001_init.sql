-- zhicheng schema, version 1 (SQLite).
--
-- Tables are STRICT so that a wrong type is refused instead of silently stored. Identifiers are
-- TEXT compared bytewise (BINARY collation), as the "C" collation does on PostgreSQL, so that
-- listings sort and page the same on both backends. JSON pieces (geometries, attributes, kind
-- bodies) are stored as TEXT written by serde_json.

-- ---- registry ----

CREATE TABLE regions (
    code     TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    name_en  TEXT,
    level    TEXT NOT NULL,
    parent   TEXT,
    geometry TEXT
) STRICT;
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE departments (
    id      TEXT NOT NULL PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT,
    region  TEXT
) STRICT;

CREATE TABLE grids (
    id       TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    region   TEXT NOT NULL,
    geometry TEXT NOT NULL
) STRICT;
CREATE INDEX grids_region ON grids (region);

-- `pos` keeps the order of Grid::departments, so a grid reads back exactly as it was written.
CREATE TABLE grid_departments (
    grid       TEXT NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    department TEXT NOT NULL,
    PRIMARY KEY (grid, pos)
) STRICT, WITHOUT ROWID;
CREATE INDEX grid_departments_department ON grid_departments (department);

CREATE TABLE kinds (
    id   TEXT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;

-- The bounding box columns are derived from `geometry` on every write (Entity::bbox) so that a
-- map view filters with plain comparisons; they are NULL when the entity has no geometry.
CREATE TABLE entities (
    id         TEXT NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    department TEXT NOT NULL,
    region     TEXT NOT NULL,
    geometry   TEXT,
    min_lon    REAL,
    min_lat    REAL,
    max_lon    REAL,
    max_lat    REAL,
    attributes TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;
-- (filter, id) so that a filtered page is read in id order without a sort.
CREATE INDEX entities_kind ON entities (kind, id);
CREATE INDEX entities_department ON entities (department, id);
CREATE INDEX entities_region ON entities (region, id);

-- ---- people and access ----

CREATE TABLE users (
    username      TEXT NOT NULL PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_department ON users (department);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    username   TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires ON sessions (expires_ms);

CREATE TABLE device_tokens (
    id         TEXT NOT NULL PRIMARY KEY,
    entity     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL
) STRICT;
CREATE INDEX device_tokens_entity ON device_tokens (entity);

CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    ts     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
) STRICT;

-- ---- history ----

-- AUTOINCREMENT: a series id is never reused after its entity is deleted, so an id cached by a
-- writer can never land readings on somebody else's series.
-- `retained_before`: raw history and 1m roll-ups before this time were removed by retention;
-- roll-ups of older buckets are final and no longer recomputed.
CREATE TABLE series (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entity          TEXT NOT NULL,
    metric          TEXT NOT NULL,
    retained_before INTEGER,
    UNIQUE (entity, metric)
) STRICT;

-- The hot table: three numbers per reading, clustered by (series, ts).
CREATE TABLE history (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL NOT NULL,
    PRIMARY KEY (series, ts)
) STRICT, WITHOUT ROWID;

CREATE TABLE latest (
    series INTEGER PRIMARY KEY,
    ts     INTEGER NOT NULL,
    value  REAL NOT NULL
) STRICT;

-- Minute buckets whose raw history changed since they were last rolled up.
CREATE TABLE rollup_dirty (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollup_1m (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    min    REAL NOT NULL,
    max    REAL NOT NULL,
    sum    REAL NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE rollup_1h (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    min    REAL NOT NULL,
    max    REAL NOT NULL,
    sum    REAL NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) STRICT, WITHOUT ROWID;

-- Day buckets start at 00:00 China Standard Time (16:00 UTC the day before).
CREATE TABLE rollup_1d (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    min    REAL NOT NULL,
    max    REAL NOT NULL,
    sum    REAL NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) STRICT, WITHOUT ROWID;
