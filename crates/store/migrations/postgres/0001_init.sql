-- zhicheng schema, version 1 (PostgreSQL).
--
-- Same logical schema as migrations/sqlite/0001_init.sql. Identifier columns use the "C"
-- collation: ids then sort bytewise as in SQLite (so listings page identically on both
-- backends), prefix ranges on region codes can use a plain btree index, and lower() folds ASCII
-- only, as SQLite's does. JSON pieces are TEXT written by serde_json; the store never queries
-- inside them.

-- ---- registry ----

CREATE TABLE regions (
    code     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    name_en  TEXT,
    level    TEXT NOT NULL,
    parent   TEXT COLLATE "C",
    geometry TEXT
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE departments (
    id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT,
    region  TEXT COLLATE "C"
);

CREATE TABLE grids (
    id       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    region   TEXT COLLATE "C" NOT NULL,
    geometry TEXT NOT NULL
);
CREATE INDEX grids_region ON grids (region);

-- `pos` keeps the order of Grid::departments, so a grid reads back exactly as it was written.
CREATE TABLE grid_departments (
    grid       TEXT COLLATE "C" NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    department TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (grid, pos)
);
CREATE INDEX grid_departments_department ON grid_departments (department);

CREATE TABLE kinds (
    id   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
);

-- The bounding box columns are derived from `geometry` on every write (Entity::bbox); NULL when
-- the entity has no geometry.
CREATE TABLE entities (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    kind       TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    department TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    geometry   TEXT,
    min_lon    DOUBLE PRECISION,
    min_lat    DOUBLE PRECISION,
    max_lon    DOUBLE PRECISION,
    max_lat    DOUBLE PRECISION,
    attributes TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
-- (filter, id) so that a filtered page is read in id order without a sort.
CREATE INDEX entities_kind ON entities (kind, id);
CREATE INDEX entities_department ON entities (department, id);
CREATE INDEX entities_region ON entities (region, id);

-- ---- people and access ----

CREATE TABLE users (
    username      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT COLLATE "C",
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created_ms    BIGINT NOT NULL
);
CREATE INDEX users_department ON users (department);

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    username   TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires ON sessions (expires_ms);

CREATE TABLE device_tokens (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    entity     TEXT COLLATE "C" NOT NULL,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX device_tokens_entity ON device_tokens (entity);

CREATE TABLE audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- ---- history ----

-- An identity is never reused, so an id cached by a writer can never land readings on somebody
-- else's series after a delete. `retained_before`: raw history and 1m roll-ups before this time
-- were removed by retention; roll-ups of older buckets are final.
CREATE TABLE series (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity          TEXT COLLATE "C" NOT NULL,
    metric          TEXT COLLATE "C" NOT NULL,
    retained_before BIGINT,
    UNIQUE (entity, metric)
);

-- The hot table: three numbers per reading.
CREATE TABLE history (
    series BIGINT NOT NULL,
    ts     BIGINT NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (series, ts)
);

CREATE TABLE latest (
    series BIGINT NOT NULL PRIMARY KEY,
    ts     BIGINT NOT NULL,
    value  DOUBLE PRECISION NOT NULL
);

-- Minute buckets whose raw history changed since they were last rolled up.
CREATE TABLE rollup_dirty (
    series BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    PRIMARY KEY (series, bucket)
);

CREATE TABLE rollup_1m (
    series BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    min    DOUBLE PRECISION NOT NULL,
    max    DOUBLE PRECISION NOT NULL,
    sum    DOUBLE PRECISION NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (series, bucket)
);

CREATE TABLE rollup_1h (
    series BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    min    DOUBLE PRECISION NOT NULL,
    max    DOUBLE PRECISION NOT NULL,
    sum    DOUBLE PRECISION NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (series, bucket)
);

-- Day buckets start at 00:00 China Standard Time (16:00 UTC the day before).
CREATE TABLE rollup_1d (
    series BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    min    DOUBLE PRECISION NOT NULL,
    max    DOUBLE PRECISION NOT NULL,
    sum    DOUBLE PRECISION NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (series, bucket)
);
