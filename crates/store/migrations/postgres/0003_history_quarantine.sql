-- zhicheng schema, version 3 (PostgreSQL): raw-history blocks that could not be decoded.
--
-- A block that fails its checks (src/block.rs) when a late reading must merge into it, or when
-- retention trims it, is moved here with the reason, so the write goes on and the bytes are
-- kept for whoever investigates.
CREATE TABLE history_quarantine (
    id     BIGSERIAL PRIMARY KEY,
    series BIGINT NOT NULL,
    t0     BIGINT NOT NULL,
    t1     BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    data   BYTEA NOT NULL,
    reason TEXT NOT NULL,
    ts     BIGINT NOT NULL
);
