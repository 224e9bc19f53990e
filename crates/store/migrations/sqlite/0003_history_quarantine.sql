-- zhicheng schema, version 3 (SQLite): raw-history blocks that could not be decoded.
--
-- A block that fails its checks (src/block.rs) when a late reading must merge into it, or when
-- retention trims it, is moved here with the reason, so the write goes on and the bytes are
-- kept for whoever investigates.
CREATE TABLE history_quarantine (
    id     INTEGER PRIMARY KEY,
    series INTEGER NOT NULL,
    t0     INTEGER NOT NULL,
    t1     INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    data   BLOB NOT NULL,
    reason TEXT NOT NULL,
    ts     INTEGER NOT NULL
) STRICT;
