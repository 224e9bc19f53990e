//! PostgreSQL backend: a connection pool, for production and for many nodes.
//!
//! Unlike SQLite, several writers (several `zhicheng` nodes) may run at once, so the places where
//! the SQLite backend relies on its single writer take explicit locks here:
//!
//! - registry deletes that refuse while something refers to the row take an exclusive advisory
//!   lock, and the writes that create such references take it shared, so a check never races
//!   with a concurrent insert;
//! - roll-up compaction runs one at a time (advisory lock) and *removes* its dirty rows before
//!   reading raw history, while `write_batch` locks the dirty rows it finds (an upsert whose
//!   update never fires): a reading committed during a compaction either is seen by it or leaves
//!   a fresh dirty row behind;
//! - batches are written in key order so that concurrent writers lock rows in the same order;
//! - a batch locks the `series` rows it writes (in id order) before it looks at what is stored,
//!   so two nodes writing the same series decide "new or replay" one after the other.
//!
//! The history hot path binds each column of a batch as one array and works with `UNNEST`: a
//! handful of statements per batch whatever its size (raw points go in blocks, `src/block.rs`).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder};
use zhicheng_model::{Department, Entity, EntityQuery, Grid, Kind, Page, Region, Step};

use crate::batch::{clamp_ts, dirty_window, live_dirty, unzip, RollupPlan, WritePlan};
use crate::block::{self, Block, Segment};
use crate::codec::{
    self, conflict_on_unique, count, first_duplicate, missing_on_foreign_key, order_series,
    page_of, rollup_points, rollup_table, to_json, DepartmentRow, EntityParams, EntityRow, GridRow,
    RegionRow, ENTITY_COLUMNS, ENTITY_INSERT,
};
use crate::filter::{contains_pattern, page_limit, prefix_range};
use crate::{
    AuditEntry, Backend, BaseFigure, CommunityAssessment, CommunityAssessmentQuery,
    CommunityEvidence, DeviceToken, Error, IndicatorEvidence, IndicatorSubmission, Latest,
    MigrationStatus, Point, Result, RollupPoint, ScorecardPeriod, Series, Session, Store,
    SubmissionQuery, TaskEvidence, TaskProgress, TaskProgressQuery, UserRecord, WriteStats,
};

const SUBMISSION_COLUMNS: &str = "id, pack, indicator, period, value, note, department, \
    submitted_by, submitted_ms, status, reviewed_by, reviewed_ms, review_comment";
const TASK_PROGRESS_COLUMNS: &str = "id, pack, task, number, period, percent, narrative, \
    person, contact, department, reported_by, reported_ms";
const PERIOD_COLUMNS: &str = "pack, period, status, closed_by, closed_ms, reopened_by, \
    reopened_ms, snapshot, snapshot_sha256";
const EVIDENCE_COLUMNS: &str =
    "id, submission, file_name, content_type, size, sha256, path, uploaded_by, uploaded_ms";
const COMMUNITY_ASSESSMENT_COLUMNS: &str =
    "id, community, period, weight, note, department, assessed_by, assessed_ms";
const COMMUNITY_EVIDENCE_COLUMNS: &str =
    "id, assessment, file_name, content_type, size, sha256, uploaded_by, uploaded_ms";
const TASK_EVIDENCE_COLUMNS: &str =
    "id, progress, file_name, content_type, size, sha256, uploaded_by, uploaded_ms";

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Advisory lock guarding registry deletes against concurrent references ("zhic" + 1).
const REGISTRY_LOCK: i64 = 0x7a68_6963_0001;
/// Advisory lock serializing roll-up compactions ("zhic" + 2).
const COMPACT_LOCK: i64 = 0x7a68_6963_0002;

/// Dirty minutes folded per transaction when a read or retention has to compact a range.
const COMPACT_CHUNK: usize = 10_000;

/// Entities per multi-row INSERT (14 columns each; PostgreSQL allows 65535 parameters).
const ENTITY_CHUNK: usize = 500;

/// How a [`PgStore`] is opened.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Largest number of connections.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Hours whose blocks may be worth repacking.
    hints: std::sync::Arc<block::RepackHints>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?...`).
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, PgOptions::default()).await
    }

    /// Connects to `url` with explicit pool options.
    pub async fn open_with(url: &str, opts: PgOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect(url)
            .await?;
        Ok(PgStore {
            pool,
            hints: Default::default(),
        })
    }

    /// Compacts, in one transaction, up to `max` dirty minutes: all of them, or those of one
    /// series in `[lo, hi)`. Returns how many dirty rows were consumed.
    async fn compact(
        &self,
        scope: Option<(i64, i64, i64)>,
        max: usize,
        before: i64,
    ) -> Result<usize> {
        if max == 0 {
            return Ok(0);
        }
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(COMPACT_LOCK)
            .execute(&mut *tx)
            .await?;
        // Delete first (locking the rows in key order): a writer that touches one of these
        // minutes after this point waits for our commit and then leaves a new dirty row.
        let taken: Vec<(i64, i64)> = match scope {
            None => {
                sqlx::query_as(
                    "DELETE FROM rollup_dirty WHERE (series, bucket) IN \
                     (SELECT series, bucket FROM rollup_dirty WHERE bucket < $2 \
                      ORDER BY series, bucket LIMIT $1 FOR UPDATE) \
                     RETURNING series, bucket",
                )
                .bind(limit)
                .bind(before)
                .fetch_all(&mut *tx)
                .await?
            }
            Some((series, lo, hi)) => {
                sqlx::query_as(
                    "DELETE FROM rollup_dirty WHERE (series, bucket) IN \
                     (SELECT series, bucket FROM rollup_dirty \
                      WHERE series = $1 AND bucket >= $2 AND bucket < $3 \
                      ORDER BY series, bucket LIMIT $4 FOR UPDATE) \
                     RETURNING series, bucket",
                )
                .bind(series)
                .bind(lo)
                .bind(hi)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        if taken.is_empty() {
            return Ok(0);
        }
        let mut ids: Vec<i64> = taken.iter().map(|(s, _)| *s).collect();
        ids.dedup();
        let horizons: HashMap<i64, Option<i64>> = sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT id, retained_before FROM series WHERE id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let rows: Vec<(i64, i64, Option<i64>, bool)> = taken
            .iter()
            .map(|&(s, b)| match horizons.get(&s) {
                Some(r) => (s, b, *r, true),
                None => (s, b, None, false),
            })
            .collect();
        let plan = RollupPlan::new(live_dirty(&rows));
        self.hints.note(&plan.minutes);
        recompute(&mut tx, &plan).await?;
        tx.commit().await?;
        Ok(taken.len())
    }

    /// Moves the rows of the version-1 `history` table (one per reading) into blocks and drops
    /// it, in one transaction (under the compaction lock, so nodes starting together convert
    /// once), so a crash half-way leaves the old table to convert again.
    async fn convert_legacy_history(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(COMPACT_LOCK)
            .execute(&mut *tx)
            .await?;
        let legacy: bool = sqlx::query_scalar("SELECT to_regclass('history') IS NOT NULL")
            .fetch_one(&mut *tx)
            .await?;
        if !legacy {
            return Ok(());
        }
        // Nodes still running version 1 wait, then fail and make their senders retry: nothing
        // they acknowledge can be left behind in the dropped table.
        sqlx::query("LOCK TABLE history IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let mut after = (i64::MIN, i64::MIN);
        let mut moved = 0usize;
        loop {
            let rows: Vec<(i64, i64, f64)> = sqlx::query_as(
                "SELECT series, ts, value FROM history WHERE (series, ts) > ($1, $2) \
                 ORDER BY series, ts LIMIT 100000",
            )
            .bind(after.0)
            .bind(after.1)
            .fetch_all(&mut *tx)
            .await?;
            let Some(&(s, t, _)) = rows.last() else {
                break;
            };
            after = (s, t);
            moved += rows.len();
            // A (series, hour) cut by the page boundary becomes two blocks: allowed.
            insert_blocks(&mut tx, &block::blocks_from_sorted(&rows)).await?;
        }
        sqlx::query("DROP TABLE history").execute(&mut *tx).await?;
        tx.commit().await?;
        if moved > 0 {
            tracing::info!(points = moved, "converted raw history to blocks");
        }
        Ok(())
    }

    /// Compacts every dirty minute of `series` in `[lo, hi)`, a chunk per transaction.
    async fn compact_range(&self, series: i64, lo: i64, hi: i64) -> Result<()> {
        while self
            .compact(Some((series, lo, hi)), COMPACT_CHUNK, i64::MAX)
            .await?
            == COMPACT_CHUNK
        {}
        Ok(())
    }
}

/// The roll-up levels computed in SQL: table, aggregates over the source rows `h`, source
/// table, source time column, bucket width. (Minutes come from the raw blocks, in Rust.)
const LEVELS: [(&str, &str, &str, &str, Step); 2] = [
    (
        "rollup_1h",
        "min(h.min) AS min, max(h.max) AS max, sum(h.sum) AS sum, \
         coalesce(sum(h.count), 0)::bigint AS count",
        "rollup_1m",
        "bucket",
        Step::Hour,
    ),
    (
        "rollup_1d",
        "min(h.min) AS min, max(h.max) AS max, sum(h.sum) AS sum, \
         coalesce(sum(h.count), 0)::bigint AS count",
        "rollup_1h",
        "bucket",
        Step::Day,
    ),
];

/// Recomputes the 1m buckets from the raw blocks, then the hours from minutes, then the days
/// from hours. Each level is deleted then rebuilt, so a bucket whose sources are gone disappears and
/// a replayed reading never counts twice.
async fn recompute(conn: &mut PgConnection, plan: &RollupPlan) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    recompute_minutes(conn, plan).await?;
    for (table, aggregates, source, col, step) in LEVELS {
        let pairs = match step {
            Step::Minute => continue,
            Step::Hour => &plan.hours,
            Step::Day => &plan.days,
        };
        let (series, buckets) = unzip(pairs);
        sqlx::query(&format!(
            "DELETE FROM {table} AS r USING UNNEST($1::bigint[], $2::bigint[]) AS p (s, b) \
             WHERE r.series = p.s AND r.bucket = p.b"
        ))
        .bind(&series)
        .bind(&buckets)
        .execute(&mut *conn)
        .await?;
        // LATERAL: one index range scan of the source per bucket, whatever the planner thinks
        // of the array's size.
        sqlx::query(&format!(
            "INSERT INTO {table} (series, bucket, min, max, sum, count) \
             SELECT p.s, p.b, a.min, a.max, a.sum, a.count \
             FROM UNNEST($1::bigint[], $2::bigint[]) AS p (s, b) \
             CROSS JOIN LATERAL (SELECT {aggregates} FROM {source} AS h \
                WHERE h.series = p.s AND h.{col} >= p.b AND h.{col} < p.b + $3) AS a \
             WHERE a.count > 0"
        ))
        .bind(&series)
        .bind(&buckets)
        .bind(step.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Recomputes the dirty 1m buckets from the raw blocks holding them.
async fn recompute_minutes(conn: &mut PgConnection, plan: &RollupPlan) -> Result<()> {
    let runs = block::minute_runs(&plan.minutes);
    let (mut rs, mut rlo, mut rhi, mut rfirst) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in &runs {
        rs.push(r.series);
        rlo.push(r.lo);
        rhi.push(r.hi);
        rfirst.push(r.minutes.first().copied().unwrap_or(r.lo));
    }
    // One round trip for every run: `i` (1-based) says which run a block belongs to.
    let blocks: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT r.i, b.t0, b.t1, b.n, b.data \
         FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) \
              WITH ORDINALITY AS r (s, lo, hi, first, i) \
         CROSS JOIN LATERAL (SELECT t0, t1, n, data FROM history_block \
            WHERE series = r.s AND t0 >= r.lo AND t0 < r.hi AND t1 >= r.first) AS b \
         ORDER BY r.i, b.t0",
    )
    .bind(&rs)
    .bind(&rlo)
    .bind(&rhi)
    .bind(&rfirst)
    .fetch_all(&mut *conn)
    .await?;
    let (mut s, mut b, mut mn, mut mx, mut sm, mut ct) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut points = Vec::new();
    let mut next = 0usize;
    for (k, run) in runs.iter().enumerate() {
        points.clear();
        while let Some((i, t0, t1, n, data)) = blocks.get(next) {
            if usize::try_from(*i).ok() != Some(k + 1) {
                break;
            }
            block::decode_for_reading(run.series, *t0, *t1, *n, data, &mut points);
            next += 1;
        }
        for (bucket, min, max, sum, count) in block::minute_rollups(&points, &run.minutes) {
            s.push(run.series);
            b.push(bucket);
            mn.push(min);
            mx.push(max);
            sm.push(sum);
            ct.push(count);
        }
    }
    let (series, buckets) = unzip(&plan.minutes);
    sqlx::query(
        "DELETE FROM rollup_1m AS r USING UNNEST($1::bigint[], $2::bigint[]) AS p (s, b) \
         WHERE r.series = p.s AND r.bucket = p.b",
    )
    .bind(&series)
    .bind(&buckets)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO rollup_1m (series, bucket, min, max, sum, count) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], \
                              $5::float8[], $6::bigint[])",
    )
    .bind(&s)
    .bind(&b)
    .bind(&mn)
    .bind(&mx)
    .bind(&sm)
    .bind(&ct)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Merges late segments into the blocks they overlap: reads those blocks (one query for all
/// segments), deletes the ones that gain points, and queues the merged blocks on `out`.
/// Returns how many of the segments' points were new. The batch holds the series' row locks,
/// so no other writer changes these blocks meanwhile.
async fn merge_segments(
    conn: &mut PgConnection,
    segs: &[&Segment],
    out: &mut Vec<Block>,
) -> Result<u64> {
    if segs.is_empty() {
        return Ok(0);
    }
    // Blocks never span an hour, so those overlapping [first, last] start in that hour; a
    // block belongs to at most one segment.
    let (mut s, mut h, mut last, mut first) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for seg in segs {
        s.push(seg.series);
        h.push(seg.hour);
        last.push(seg.last());
        first.push(seg.first());
    }
    let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT r.i, b.t0, b.t1, b.n, b.data \
         FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) \
              WITH ORDINALITY AS r (s, hour, last, first, i) \
         CROSS JOIN LATERAL (SELECT t0, t1, n, data FROM history_block \
            WHERE series = r.s AND t0 >= r.hour AND t0 <= r.last AND t1 >= r.first) AS b \
         ORDER BY r.i, b.t0",
    )
    .bind(&s)
    .bind(&h)
    .bind(&last)
    .bind(&first)
    .fetch_all(&mut *conn)
    .await?;
    let mut inserted = 0;
    let (mut gone_s, mut gone_t0) = (Vec::new(), Vec::new());
    let mut next = 0usize;
    let mut stored = Vec::new();
    let mut bad: Vec<(i64, i64, String)> = Vec::new();
    for (k, seg) in segs.iter().enumerate() {
        stored.clear();
        let start = next;
        let mut seg_bad = false;
        // `i` counts from 1.
        while let Some((i, t0, t1, n, data)) = rows.get(next) {
            if usize::try_from(*i).ok() != Some(k + 1) {
                break;
            }
            // A block that cannot be read must not block the readings arriving now: it goes
            // to quarantine with its bytes, and the merge goes on without it.
            if let Err(e) = block::decode_into(seg.series, *t0, *t1, *n, data, &mut stored) {
                tracing::error!(series = seg.series, t0, error = %e, "history block quarantined");
                bad.push((seg.series, *t0, e.to_string()));
                seg_bad = true;
            }
            next += 1;
        }
        let (merged, new) = block::merge(&stored, &seg.points);
        // A pure replay changes nothing: no dead rows, blocks left as they are.
        if new > 0 || seg_bad {
            for r in &rows[start..next] {
                gone_s.push(seg.series);
                gone_t0.push(r.1);
            }
            block::blocks_of(seg.series, &merged, out);
            inserted += new;
        }
    }
    quarantine(conn, &bad).await?;
    if !gone_s.is_empty() {
        sqlx::query(
            "DELETE FROM history_block AS h USING UNNEST($1::bigint[], $2::bigint[]) AS g (s, t0) \
             WHERE h.series = g.s AND h.t0 = g.t0",
        )
        .bind(&gone_s)
        .bind(&gone_t0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(inserted)
}

/// Copies blocks (by series and t0) with the reason into `history_quarantine`; the caller
/// deletes them.
async fn quarantine(conn: &mut PgConnection, bad: &[(i64, i64, String)]) -> Result<()> {
    let now = zhicheng_model::time_util::now_ms();
    for (series, t0, reason) in bad {
        sqlx::query(
            "INSERT INTO history_quarantine (series, t0, t1, n, data, reason, ts) \
             SELECT series, t0, t1, n, data, $3, $4 FROM history_block \
             WHERE series = $1 AND t0 = $2",
        )
        .bind(series)
        .bind(t0)
        .bind(reason)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts blocks (their keys are free: new, or deleted by a merge or trim).
async fn insert_blocks(conn: &mut PgConnection, blocks: &[Block]) -> Result<()> {
    if blocks.is_empty() {
        return Ok(());
    }
    let (mut s, mut t0, mut t1, mut n, mut data) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for b in blocks {
        s.push(b.series);
        t0.push(b.t0);
        t1.push(b.t1);
        n.push(b.n);
        data.push(b.data.as_slice());
    }
    sqlx::query(
        "INSERT INTO history_block (series, t0, t1, n, data) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bytea[])",
    )
    .bind(&s)
    .bind(&t0)
    .bind(&t1)
    .bind(&n)
    .bind(&data)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the raw points of `series` before `horizon`: whole blocks, and the early part of a
/// block that straddles it. Returns the points removed.
async fn retain_blocks(conn: &mut PgConnection, series: i64, horizon: i64) -> Result<u64> {
    let whole: i64 = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM history_block WHERE series = $1 AND t1 < $2 RETURNING n) \
         SELECT COALESCE(SUM(n), 0)::bigint FROM gone",
    )
    .bind(series)
    .bind(horizon)
    .fetch_one(&mut *conn)
    .await?;
    // What is left before the horizon straddles it (blocks never overlap, so at most one).
    let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT t0, t1, n, data FROM history_block WHERE series = $1 AND t0 < $2 ORDER BY t0",
    )
    .bind(series)
    .bind(horizon)
    .fetch_all(&mut *conn)
    .await?;
    let mut removed = count(whole)?;
    let mut points = Vec::new();
    let mut bad = Vec::new();
    for (t0, t1, n, data) in &rows {
        if let Err(e) = block::decode_into(series, *t0, *t1, *n, data, &mut points) {
            tracing::error!(series, t0, error = %e, "history block quarantined");
            bad.push((series, *t0, e.to_string()));
        }
    }
    quarantine(conn, &bad).await?;
    sqlx::query("DELETE FROM history_block WHERE series = $1 AND t0 < $2")
        .bind(series)
        .bind(horizon)
        .execute(&mut *conn)
        .await?;
    let keep = points.partition_point(|p| p.0 < horizon);
    removed += keep as u64;
    let mut blocks = Vec::new();
    block::blocks_of(series, &points[keep..], &mut blocks);
    insert_blocks(conn, &blocks).await?;
    Ok(removed)
}

/// Takes the registry lock for this transaction: shared for writes that create references,
/// exclusive for deletes that check them.
async fn registry_lock(conn: &mut PgConnection, exclusive: bool) -> Result<()> {
    let sql = if exclusive {
        "SELECT pg_advisory_xact_lock($1)"
    } else {
        "SELECT pg_advisory_xact_lock_shared($1)"
    };
    sqlx::query(sql)
        .bind(REGISTRY_LOCK)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Binds the range of region codes under `code`.
fn push_prefix(qb: &mut QueryBuilder<'_, Postgres>, col: &str, code: &str) {
    let (lo, hi) = prefix_range(code);
    qb.push(format!(" AND {col} >= ")).push_bind(lo);
    if let Some(hi) = hi {
        qb.push(format!(" AND {col} < ")).push_bind(hi);
    }
}

/// Runs a `SELECT EXISTS (...)` with text binds.
async fn exists(conn: &mut PgConnection, sql: &str, binds: &[Option<&str>]) -> Result<bool> {
    let mut q = sqlx::query_scalar::<_, bool>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.fetch_one(&mut *conn).await?)
}

fn push_entity_values(qb: &mut QueryBuilder<'_, Postgres>, rows: &[EntityParams<'_>]) {
    qb.push_values(rows, |mut b, p| {
        b.push_bind(p.e.id.clone())
            .push_bind(p.e.kind.clone())
            .push_bind(p.e.name.clone())
            .push_bind(p.e.department.clone())
            .push_bind(p.e.region.clone())
            .push_bind(p.geometry.clone())
            .push_bind(p.bbox[0])
            .push_bind(p.bbox[1])
            .push_bind(p.bbox[2])
            .push_bind(p.bbox[3])
            .push_bind(p.attributes.clone())
            .push_bind(p.e.status.as_str())
            .push_bind(p.e.created_ms)
            .push_bind(p.e.updated_ms);
    });
}

/// Splits points into the three arrays of an UNNEST insert.
fn columns(points: &[Point]) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
    let mut s = Vec::with_capacity(points.len());
    let mut t = Vec::with_capacity(points.len());
    let mut v = Vec::with_capacity(points.len());
    for p in points {
        s.push(p.series);
        t.push(p.ts);
        v.push(p.value);
    }
    (s, t, v)
}

crate::alarm::impl_alarm_store!(PgStore, sqlx::PgConnection, pool, pool, "strpos");
crate::case::impl_case_store!(PgStore, pool, pool, "strpos");

/// Writes a checked batch on `conn` (inside the caller's transaction): see
/// [`Store::write_batch`].
async fn write_plan(conn: &mut PgConnection, mut plan: WritePlan) -> Result<WriteStats> {
    if plan.history.is_empty() {
        return Ok(WriteStats::default());
    }
    let total = plan.history.len() as u64;
    let ids: Vec<i64> = plan.latest.iter().map(|p| p.series).collect();
    let locked: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM series WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    if locked.len() < ids.len() {
        // Series deleted meanwhile (with their entity): their readings have nowhere to go,
        // and without the row lock two nodes could both take them for new.
        let alive: std::collections::HashSet<i64> = locked.into_iter().collect();
        let kept: Vec<Point> = plan
            .history
            .iter()
            .filter(|p| alive.contains(&p.series))
            .copied()
            .collect();
        plan = WritePlan::new(&kept)?;
    }
    let (segments, _) = block::segments(&plan.history);
    let (ls, lt, lv) = columns(&plan.latest);
    let (ds, db) = unzip(&plan.dirty);
    let newest: HashMap<i64, i64> =
        sqlx::query_as::<_, (i64, i64)>("SELECT series, ts FROM latest WHERE series = ANY($1)")
            .bind(&ls)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let mut blocks = Vec::with_capacity(segments.len());
    let mut inserted = 0u64;
    // Later than everything stored for the series: nothing to merge with (the common
    // case). Otherwise merge with the blocks it overlaps, so a replay is not doubled.
    let (append, late): (Vec<&Segment>, Vec<&Segment>) = segments
        .iter()
        .partition(|seg| newest.get(&seg.series).is_none_or(|&t| seg.first() > t));
    for seg in append {
        inserted += seg.points.len() as u64;
        block::blocks_of(seg.series, &seg.points, &mut blocks);
    }
    inserted += merge_segments(&mut *conn, &late, &mut blocks).await?;
    insert_blocks(&mut *conn, &blocks).await?;
    sqlx::query(
        "INSERT INTO latest (series, ts, value) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[]) \
         ON CONFLICT (series) DO UPDATE SET ts = excluded.ts, value = excluded.value \
         WHERE excluded.ts >= latest.ts",
    )
    .bind(&ls)
    .bind(&lt)
    .bind(&lv)
    .execute(&mut *conn)
    .await?;
    // DO UPDATE ... WHERE false rather than DO NOTHING: PostgreSQL locks a conflicting row
    // even when the WHERE is false, so a compaction deleting that dirty row waits for this
    // batch to commit and then sees its readings; and since nothing is updated, no new row
    // version is written (as fast as DO NOTHING in examples/write_bench.rs, ~30% faster
    // than a real no-op update).
    sqlx::query(
        "INSERT INTO rollup_dirty (series, bucket) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[]) \
         ON CONFLICT (series, bucket) DO UPDATE SET bucket = excluded.bucket WHERE false",
    )
    .bind(&ds)
    .bind(&db)
    .execute(&mut *conn)
    .await?;
    Ok(WriteStats {
        inserted,
        duplicates: total.saturating_sub(inserted),
    })
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<MigrationStatus> {
        // sqlx takes an advisory lock around this, so nodes starting together migrate once.
        MIGRATOR.run(&self.pool).await?;
        self.convert_legacy_history().await?;
        self.migration_status().await
    }

    async fn migration_status(&self) -> Result<MigrationStatus> {
        let has_table: bool =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(&self.pool)
                .await?;
        let applied = if has_table {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await?
        } else {
            Vec::new()
        };
        Ok(codec::migration_status(&MIGRATOR, applied))
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    // ---- regions ----

    async fn put_region(&self, r: &Region) -> Result<()> {
        let geometry = r
            .geometry
            .as_ref()
            .map(|g| to_json("geometry", g))
            .transpose()?;
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        sqlx::query(
            "INSERT INTO regions (code, name, name_en, level, parent, geometry) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             level = excluded.level, parent = excluded.parent, geometry = excluded.geometry",
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(&r.name_en)
        .bind(codec::level_str(r.level))
        .bind(&r.parent)
        .bind(geometry)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_region(&self, code: &str) -> Result<Option<Region>> {
        sqlx::query_as::<_, RegionRow>(
            "SELECT code, name, name_en, level, parent, geometry FROM regions WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?
        .map(RegionRow::into_region)
        .transpose()
    }

    async fn list_regions(&self) -> Result<Vec<Region>> {
        sqlx::query_as::<_, RegionRow>(
            "SELECT code, name, name_en, level, parent, geometry FROM regions ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(RegionRow::into_region)
        .collect()
    }

    async fn delete_region(&self, code: &str) -> Result<bool> {
        let (_, hi) = prefix_range(code);
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, true).await?;
        let checks = [
            (
                "SELECT EXISTS (SELECT 1 FROM regions WHERE code >= $1 \
                 AND ($2::text IS NULL OR code < $2) AND code <> $1) \
                 OR EXISTS (SELECT 1 FROM regions WHERE parent = $1)",
                "child regions",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM grids WHERE region >= $1 \
                 AND ($2::text IS NULL OR region < $2))",
                "grids",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM entities WHERE region >= $1 \
                 AND ($2::text IS NULL OR region < $2))",
                "entities",
            ),
        ];
        for (sql, what) in checks {
            if exists(&mut tx, sql, &[Some(code), hi.as_deref()]).await? {
                return Err(Error::Conflict(format!("region {code} still has {what}")));
            }
        }
        let n = sqlx::query("DELETE FROM regions WHERE code = $1")
            .bind(code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- departments ----

    async fn put_department(&self, d: &Department) -> Result<()> {
        sqlx::query(
            "INSERT INTO departments (id, name, name_en, region) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             region = excluded.region",
        )
        .bind(&d.id)
        .bind(&d.name)
        .bind(&d.name_en)
        .bind(&d.region)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_department(&self, id: &str) -> Result<Option<Department>> {
        Ok(sqlx::query_as::<_, DepartmentRow>(
            "SELECT id, name, name_en, region FROM departments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(Department::from))
    }

    async fn list_departments(&self) -> Result<Vec<Department>> {
        Ok(sqlx::query_as::<_, DepartmentRow>(
            "SELECT id, name, name_en, region FROM departments ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Department::from)
        .collect())
    }

    async fn delete_department(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, true).await?;
        let checks = [
            (
                "SELECT EXISTS (SELECT 1 FROM entities WHERE department = $1)",
                "entities",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM users WHERE department = $1)",
                "users",
            ),
        ];
        for (sql, what) in checks {
            if exists(&mut tx, sql, &[Some(id)]).await? {
                return Err(Error::Conflict(format!(
                    "department {id} still owns {what}"
                )));
            }
        }
        let n = sqlx::query("DELETE FROM departments WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- grids ----

    async fn put_grid(&self, g: &Grid) -> Result<()> {
        let geometry = to_json("geometry", &g.geometry)?;
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        sqlx::query(
            "INSERT INTO grids (id, name, region, geometry) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, region = excluded.region, \
             geometry = excluded.geometry",
        )
        .bind(&g.id)
        .bind(&g.name)
        .bind(&g.region)
        .bind(geometry)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM grid_departments WHERE grid = $1")
            .bind(&g.id)
            .execute(&mut *tx)
            .await?;
        if !g.departments.is_empty() {
            let pos: Vec<i32> = (0..g.departments.len())
                .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
                .collect();
            sqlx::query(
                "INSERT INTO grid_departments (grid, pos, department) \
                 SELECT $1, p, d FROM UNNEST($2::int[], $3::text[]) AS u (p, d)",
            )
            .bind(&g.id)
            .bind(&pos)
            .bind(&g.departments)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_grid(&self, id: &str) -> Result<Option<Grid>> {
        let Some(row) = sqlx::query_as::<_, GridRow>(
            "SELECT id, name, region, geometry FROM grids WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let depts: Vec<String> = sqlx::query_scalar(
            "SELECT department FROM grid_departments WHERE grid = $1 ORDER BY pos",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        row.into_grid(depts).map(Some)
    }

    async fn list_grids(&self, region: Option<&str>) -> Result<Vec<Grid>> {
        let mut rows_q = QueryBuilder::<Postgres>::new(
            "SELECT id, name, region, geometry FROM grids WHERE true",
        );
        let mut links_q = QueryBuilder::<Postgres>::new(
            "SELECT d.grid, d.department FROM grid_departments AS d \
             JOIN grids AS g ON g.id = d.grid \
             WHERE true",
        );
        if let Some(code) = region {
            push_prefix(&mut rows_q, "region", code);
            push_prefix(&mut links_q, "g.region", code);
        }
        rows_q.push(" ORDER BY id");
        links_q.push(" ORDER BY d.grid, d.pos");
        // One snapshot for the grids and their departments.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let rows: Vec<GridRow> = rows_q.build_query_as().fetch_all(&mut *tx).await?;
        let links: Vec<(String, String)> = links_q.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        codec::attach_departments(rows, links)
    }

    async fn delete_grid(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM grid_departments WHERE grid = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM grids WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- kinds ----

    async fn put_kind(&self, k: &Kind) -> Result<()> {
        let body = to_json("kind", k)?;
        sqlx::query(
            "INSERT INTO kinds (id, body) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        )
        .bind(&k.id)
        .bind(body)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get_kind(&self, id: &str) -> Result<Option<Kind>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM kinds WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        body.map(|b| codec::kind_from_body(id, &b)).transpose()
    }

    async fn list_kinds(&self) -> Result<Vec<Kind>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM kinds ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|(id, body)| codec::kind_from_body(id, body))
            .collect()
    }

    async fn delete_kind(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, true).await?;
        if exists(
            &mut tx,
            "SELECT EXISTS (SELECT 1 FROM entities WHERE kind = $1)",
            &[Some(id)],
        )
        .await?
        {
            return Err(Error::Conflict(format!(
                "kind {id} is still used by entities"
            )));
        }
        let n = sqlx::query("DELETE FROM kinds WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    // ---- entities ----

    async fn insert_entity(&self, e: &Entity) -> Result<()> {
        let p = EntityParams::new(e)?;
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        let mut qb =
            QueryBuilder::<Postgres>::new(format!("INSERT INTO entities ({ENTITY_INSERT}) "));
        push_entity_values(&mut qb, std::slice::from_ref(&p));
        qb.build()
            .execute(&mut *tx)
            .await
            .map_err(|err| conflict_on_unique(err, || format!("entity {} already exists", e.id)))?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_entities(&self, es: &[Entity]) -> Result<()> {
        if let Some(dup) = first_duplicate(es) {
            return Err(Error::Conflict(format!(
                "entity {dup} appears twice in the batch"
            )));
        }
        let params: Vec<EntityParams<'_>> =
            es.iter().map(EntityParams::new).collect::<Result<_>>()?;
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        for chunk in params.chunks(ENTITY_CHUNK) {
            let mut qb =
                QueryBuilder::<Postgres>::new(format!("INSERT INTO entities ({ENTITY_INSERT}) "));
            push_entity_values(&mut qb, chunk);
            if let Err(err) = qb.build().execute(&mut *tx).await {
                let err = conflict_on_unique(err, String::new);
                if matches!(err, Error::Conflict(_)) {
                    tx.rollback().await?;
                    let ids: Vec<&str> = es.iter().map(|e| e.id.as_str()).collect();
                    let culprit: Option<String> = sqlx::query_scalar(
                        "SELECT id FROM entities WHERE id = ANY($1) ORDER BY id LIMIT 1",
                    )
                    .bind(&ids)
                    .fetch_optional(&self.pool)
                    .await?;
                    return Err(Error::Conflict(match culprit {
                        Some(id) => format!("entity {id} already exists; nothing was imported"),
                        None => {
                            "an entity of the batch already exists; nothing was imported".into()
                        }
                    }));
                }
                return Err(err);
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update_entity(&self, e: &Entity) -> Result<bool> {
        let p = EntityParams::new(e)?;
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        let n = sqlx::query(
            "UPDATE entities SET kind = $2, name = $3, department = $4, region = $5, \
             geometry = $6, \
             min_lon = $7, min_lat = $8, max_lon = $9, max_lat = $10, attributes = $11, \
             status = $12, updated_ms = $13 WHERE id = $1",
        )
        .bind(&e.id)
        .bind(&e.kind)
        .bind(&e.name)
        .bind(&e.department)
        .bind(&e.region)
        .bind(&p.geometry)
        .bind(p.bbox[0])
        .bind(p.bbox[1])
        .bind(p.bbox[2])
        .bind(p.bbox[3])
        .bind(&p.attributes)
        .bind(e.status.as_str())
        .bind(e.updated_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn get_entity(&self, id: &str) -> Result<Option<Entity>> {
        sqlx::query_as::<_, EntityRow>(&format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(EntityRow::into_entity)
        .transpose()
    }

    async fn list_entities(&self, q: &EntityQuery) -> Result<Page<Entity>> {
        let limit = page_limit(q.limit);
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE true"
        ));
        if let Some(k) = &q.kind {
            qb.push(" AND kind = ").push_bind(k.clone());
        }
        if let Some(d) = &q.department {
            qb.push(" AND department = ").push_bind(d.clone());
        }
        if let Some(r) = &q.region {
            push_prefix(&mut qb, "region", r);
        }
        if let Some(b) = &q.bbox {
            // NULL bounds (no geometry) make every comparison unknown: never a match.
            qb.push(" AND min_lon <= ")
                .push_bind(b.max_lon)
                .push(" AND max_lon >= ")
                .push_bind(b.min_lon)
                .push(" AND min_lat <= ")
                .push_bind(b.max_lat)
                .push(" AND max_lat >= ")
                .push_bind(b.min_lat);
        }
        if let Some(t) = q.text.as_deref().filter(|t| !t.is_empty()) {
            // The columns use the "C" collation, so lower() folds ASCII only, as in SQLite.
            let pat = contains_pattern(t);
            qb.push(" AND (lower(id) LIKE ")
                .push_bind(pat.clone())
                .push(" ESCAPE '\\' OR lower(name) LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(a) = &q.after {
            qb.push(" AND id > ").push_bind(a.clone());
        }
        // One more than the page says whether there is a next one, without counting.
        qb.push(" ORDER BY id LIMIT ").push_bind(limit as i64 + 1);
        let rows: Vec<EntityRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        page_of(rows, limit)
    }

    async fn delete_entity(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Lock the series rows in id order first, as write_batch does, so the two never
        // deadlock (the DELETE alone would lock them in index order).
        sqlx::query("SELECT id FROM series WHERE entity = $1 ORDER BY id FOR UPDATE")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ids: Vec<i64> = sqlx::query_scalar("DELETE FROM series WHERE entity = $1 RETURNING id")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        if !ids.is_empty() {
            for table in [
                "history_block",
                "latest",
                "rollup_dirty",
                "rollup_1m",
                "rollup_1h",
                "rollup_1d",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE series = ANY($1)"))
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM device_tokens WHERE entity = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM entities WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn count_entities(&self, kind: Option<&str>) -> Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE $1::text IS NULL OR kind = $1")
                .bind(kind)
                .fetch_one(&self.pool)
                .await?;
        count(n)
    }

    // ---- users, sessions, tokens, audit ----

    async fn put_user(&self, u: &UserRecord) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        registry_lock(&mut tx, false).await?;
        sqlx::query(
            "INSERT INTO users (username, display_name, role, department, password_hash, \
             disabled, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, \
             role = excluded.role, department = excluded.department, \
             password_hash = excluded.password_hash, disabled = excluded.disabled, \
             created_ms = excluded.created_ms",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.role)
        .bind(&u.department)
        .bind(&u.password_hash)
        .bind(u.disabled)
        .bind(u.created_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, username: &str) -> Result<Option<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT username, display_name, role, department, password_hash, disabled, created_ms \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT username, display_name, role, department, password_hash, disabled, created_ms \
             FROM users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delete_user(&self, username: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM users WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, username, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&s.token_hash)
        .bind(&s.username)
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_on_unique(e, || "session token already exists".into()))?;
        Ok(())
    }

    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>> {
        Ok(sqlx::query_as(
            "SELECT token_hash, username, created_ms, expires_ms FROM sessions \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_ms < $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn create_device_token(&self, t: &DeviceToken) -> Result<()> {
        sqlx::query(
            "INSERT INTO device_tokens (id, entity, token_hash, created_ms, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.id)
        .bind(&t.entity)
        .bind(&t.token_hash)
        .bind(t.created_ms)
        .bind(&t.created_by)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_on_unique(e, || format!("device token {} already exists", t.id)))?;
        Ok(())
    }

    async fn list_device_tokens(&self, entity: Option<&str>) -> Result<Vec<DeviceToken>> {
        Ok(sqlx::query_as(
            "SELECT id, entity, token_hash, created_ms, created_by FROM device_tokens \
             WHERE $1::text IS NULL OR entity = $1 ORDER BY entity, id",
        )
        .bind(entity)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn revoke_device_token(&self, entity: &str, id: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM device_tokens WHERE entity = $1 AND id = $2")
            .bind(entity)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn append_audit(&self, a: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (ts, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.ts)
        .bind(&a.actor)
        .bind(&a.action)
        .bind(&a.target)
        .bind(&a.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_audit(&self, limit: usize, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, ts, actor, action, target, detail FROM audit \
             WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?)
    }

    // ---- key-task progress ----

    async fn insert_task_progress(&self, p: &TaskProgress) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO task_progress (pack, task, number, period, percent, narrative, person, \
             contact, department, reported_by, reported_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&p.pack)
        .bind(&p.task)
        .bind(&p.number)
        .bind(&p.period)
        .bind(p.percent)
        .bind(&p.narrative)
        .bind(&p.person)
        .bind(&p.contact)
        .bind(&p.department)
        .bind(&p.reported_by)
        .bind(p.reported_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn list_task_progress(&self, q: &TaskProgressQuery) -> Result<Vec<TaskProgress>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_PROGRESS_COLUMNS} FROM task_progress \
             WHERE ($1::text IS NULL OR pack = $1) \
             AND ($2::text IS NULL OR task = $2) \
             AND ($3::text IS NULL OR period = $3) \
             AND ($4::text IS NULL OR period <= $4) \
             AND ($5::text IS NULL OR department = $5) \
             ORDER BY period DESC, reported_ms DESC, id DESC"
        ))
        .bind(&q.pack)
        .bind(&q.task)
        .bind(&q.period)
        .bind(&q.up_to_period)
        .bind(&q.department)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_task_progress(&self, id: i64) -> Result<Option<TaskProgress>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_PROGRESS_COLUMNS} FROM task_progress WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn insert_task_evidence(&self, e: &TaskEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO task_evidence (progress, file_name, content_type, size, sha256, \
             uploaded_by, uploaded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.progress)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("progress report {}", e.progress)))
    }

    async fn list_task_evidence(&self, progress: &[i64]) -> Result<Vec<TaskEvidence>> {
        if progress.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_EVIDENCE_COLUMNS} FROM task_evidence \
             WHERE progress = ANY($1) ORDER BY progress, id"
        ))
        .bind(progress)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_task_evidence(&self, id: i64) -> Result<Option<TaskEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_EVIDENCE_COLUMNS} FROM task_evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    // ---- community assessments ----

    async fn insert_base_figure(&self, f: &BaseFigure) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO base_figure (pack, name, period, value, note, entered_by, entered_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&f.pack)
        .bind(&f.name)
        .bind(&f.period)
        .bind(f.value)
        .bind(&f.note)
        .bind(&f.entered_by)
        .bind(f.entered_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn list_base_figures(&self, pack: &str, up_to: Option<&str>) -> Result<Vec<BaseFigure>> {
        Ok(sqlx::query_as(
            "SELECT id, pack, name, period, value, note, entered_by, entered_ms FROM base_figure \
             WHERE pack = $1 AND ($2::TEXT IS NULL OR period <= $2) \
             ORDER BY period DESC, entered_ms DESC, id DESC",
        )
        .bind(pack)
        .bind(up_to)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn insert_community_assessment(&self, a: &CommunityAssessment) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO community_assessment (community, period, weight, note, department, \
             assessed_by, assessed_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&a.community)
        .bind(&a.period)
        .bind(a.weight)
        .bind(&a.note)
        .bind(&a.department)
        .bind(&a.assessed_by)
        .bind(a.assessed_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn list_community_assessments(
        &self,
        q: &CommunityAssessmentQuery,
    ) -> Result<Vec<CommunityAssessment>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_ASSESSMENT_COLUMNS} FROM community_assessment \
             WHERE ($1::text IS NULL OR community = $1) \
             AND ($2::text IS NULL OR period = $2) \
             ORDER BY period DESC, assessed_ms DESC, id DESC"
        ))
        .bind(&q.community)
        .bind(&q.period)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_community_assessment(&self, id: i64) -> Result<Option<CommunityAssessment>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_ASSESSMENT_COLUMNS} FROM community_assessment WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn insert_community_evidence(&self, e: &CommunityEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO community_evidence (assessment, file_name, content_type, size, sha256, \
             uploaded_by, uploaded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.assessment)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("assessment {}", e.assessment)))
    }

    async fn list_community_evidence(&self, assessments: &[i64]) -> Result<Vec<CommunityEvidence>> {
        if assessments.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_EVIDENCE_COLUMNS} FROM community_evidence \
             WHERE assessment = ANY($1) ORDER BY assessment, id"
        ))
        .bind(assessments)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_community_evidence(&self, id: i64) -> Result<Option<CommunityEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_EVIDENCE_COLUMNS} FROM community_evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    // ---- indicator submissions and evidence ----

    async fn insert_submission(&self, s: &IndicatorSubmission) -> Result<i64> {
        insert_submission_with(&self.pool, s).await
    }

    async fn insert_submissions(&self, list: &[IndicatorSubmission]) -> Result<Vec<i64>> {
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(list.len());
        for s in list {
            ids.push(insert_submission_with(&mut *tx, s).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn get_submission(&self, id: i64) -> Result<Option<IndicatorSubmission>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM indicator_submission WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn list_submissions(&self, q: &SubmissionQuery) -> Result<Vec<IndicatorSubmission>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM indicator_submission \
             WHERE ($1::text IS NULL OR pack = $1) \
             AND ($2::bigint IS NULL OR indicator = $2) \
             AND ($3::text IS NULL OR period = $3) \
             AND ($4::text IS NULL OR status = $4) \
             AND ($5::text IS NULL OR department = $5) \
             ORDER BY submitted_ms DESC, id DESC"
        ))
        .bind(&q.pack)
        .bind(q.indicator)
        .bind(&q.period)
        .bind(&q.status)
        .bind(&q.department)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn review_submission(
        &self,
        id: i64,
        status: &str,
        reviewed_by: &str,
        reviewed_ms: i64,
        comment: Option<&str>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE indicator_submission SET status = $2, reviewed_by = $3, \
             reviewed_ms = $4, review_comment = $5 \
             WHERE id = $1 AND status = 'submitted'",
        )
        .bind(id)
        .bind(status)
        .bind(reviewed_by)
        .bind(reviewed_ms)
        .bind(comment)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn insert_evidence(&self, e: &IndicatorEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO indicator_evidence (submission, file_name, content_type, size, sha256, \
             path, uploaded_by, uploaded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.submission)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.path)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("submission {}", e.submission)))
    }

    async fn list_evidence(&self, submission: i64) -> Result<Vec<IndicatorEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM indicator_evidence WHERE submission = $1 ORDER BY id"
        ))
        .bind(submission)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn get_evidence(&self, id: i64) -> Result<Option<IndicatorEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM indicator_evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    // ---- scorecard periods ----

    async fn get_scorecard_period(
        &self,
        pack: &str,
        period: &str,
    ) -> Result<Option<ScorecardPeriod>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERIOD_COLUMNS} FROM scorecard_period WHERE pack = $1 AND period = $2"
        ))
        .bind(pack)
        .bind(period)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn list_scorecard_periods(&self, pack: &str) -> Result<Vec<ScorecardPeriod>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERIOD_COLUMNS} FROM scorecard_period WHERE pack = $1 ORDER BY period"
        ))
        .bind(pack)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn close_scorecard_period(&self, p: &ScorecardPeriod) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO scorecard_period (pack, period, status, closed_by, closed_ms, \
             snapshot, snapshot_sha256) VALUES ($1, $2, 'closed', $3, $4, $5, $6) \
             ON CONFLICT (pack, period) DO UPDATE SET status = 'closed', \
             closed_by = excluded.closed_by, closed_ms = excluded.closed_ms, \
             snapshot = excluded.snapshot, snapshot_sha256 = excluded.snapshot_sha256 \
             WHERE scorecard_period.status = 'open'",
        )
        .bind(&p.pack)
        .bind(&p.period)
        .bind(&p.closed_by)
        .bind(p.closed_ms)
        .bind(&p.snapshot)
        .bind(&p.snapshot_sha256)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn reopen_scorecard_period(
        &self,
        pack: &str,
        period: &str,
        reopened_by: &str,
        reopened_ms: i64,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE scorecard_period SET status = 'open', reopened_by = $3, \
             reopened_ms = $4, snapshot = NULL, snapshot_sha256 = NULL \
             WHERE pack = $1 AND period = $2 AND status = 'closed'",
        )
        .bind(pack)
        .bind(period)
        .bind(reopened_by)
        .bind(reopened_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    // ---- series, history, state ----

    async fn ensure_series(&self, keys: &[(String, String)]) -> Result<Vec<Series>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Sorted and distinct: concurrent callers then lock new keys in the same order.
        let mut sorted: Vec<&(String, String)> = keys.iter().collect();
        sorted.sort();
        sorted.dedup();
        let entities: Vec<&str> = sorted.iter().map(|k| k.0.as_str()).collect();
        let metrics: Vec<&str> = sorted.iter().map(|k| k.1.as_str()).collect();
        let select = "SELECT id, entity, metric FROM series WHERE (entity, metric) IN \
                      (SELECT * FROM UNNEST($1::text[], $2::text[]))";
        let found: Vec<Series> = sqlx::query_as(select)
            .bind(&entities)
            .bind(&metrics)
            .fetch_all(&self.pool)
            .await?;
        let found = if found.len() < sorted.len() {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO series (entity, metric) SELECT * FROM UNNEST($1::text[], $2::text[]) \
                 ON CONFLICT (entity, metric) DO NOTHING",
            )
            .bind(&entities)
            .bind(&metrics)
            .execute(&mut *tx)
            .await?;
            let all: Vec<Series> = sqlx::query_as(select)
                .bind(&entities)
                .bind(&metrics)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            all
        } else {
            found
        };
        order_series(keys, found)
    }

    async fn list_series(&self) -> Result<Vec<Series>> {
        Ok(
            sqlx::query_as("SELECT id, entity, metric FROM series ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn write_batch(&self, points: &[Point]) -> Result<WriteStats> {
        Ok(self.write_batch_with_alarms(points, &[]).await?.0)
    }

    async fn write_batch_with_alarms(
        &self,
        points: &[Point],
        changes: &[crate::alarm::AlarmChange],
    ) -> Result<(WriteStats, Vec<crate::alarm::AlarmWritten>)> {
        let plan = WritePlan::new(points)?;
        if plan.history.is_empty() && changes.is_empty() {
            return Ok((WriteStats::default(), Vec::new()));
        }
        let mut tx = self.pool.begin().await?;
        let stats = write_plan(&mut tx, plan).await?;
        let alarms = Self::apply_alarm_changes_in(&mut tx, changes).await?;
        tx.commit().await?;
        Ok((stats, alarms))
    }

    async fn list_latest(&self) -> Result<Vec<Latest>> {
        Ok(
            sqlx::query_as("SELECT series, ts, value FROM latest ORDER BY series")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn history_raw(
        &self,
        series: i64,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>> {
        let mut r = block::RawRange::new(from, to, limit);
        if r.is_empty() {
            return Ok(r.out);
        }
        // Blocks in key order, a page at a time, until the range or the limit is done; all
        // pages in one read transaction (one snapshot), so a merge that re-cuts blocks
        // meanwhile is seen whole or not at all.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let (end, start) = r.bounds();
        let mut after = r.first_after();
        loop {
            let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
                "SELECT t0, t1, n, data FROM history_block \
                 WHERE series = $1 AND t0 > $2 AND t0 < $3 AND t1 >= $4 ORDER BY t0 LIMIT 64",
            )
            .bind(series)
            .bind(after)
            .bind(end)
            .bind(start)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(last) = rows.last() {
                after = last.0;
            }
            if r.add_page(series, &rows) {
                return Ok(r.out);
            }
        }
    }

    async fn history_rollup(
        &self,
        series: i64,
        step: Step,
        from: i64,
        to: i64,
    ) -> Result<Vec<RollupPoint>> {
        let Some((lo, hi)) = dirty_window(step, from, to) else {
            return Ok(Vec::new());
        };
        let dirty: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM rollup_dirty \
             WHERE series = $1 AND bucket >= $2 AND bucket < $3)",
        )
        .bind(series)
        .bind(lo)
        .bind(hi)
        .fetch_one(&self.pool)
        .await?;
        if dirty {
            self.compact_range(series, lo, hi).await?;
        }
        let rows: Vec<(i64, f64, f64, f64, i64)> = sqlx::query_as(&format!(
            "SELECT bucket, min, max, sum, count FROM {} \
             WHERE series = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket",
            rollup_table(step)
        ))
        .bind(series)
        .bind(lo)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rollup_points(rows))
    }

    async fn compact_rollups(&self, max: usize) -> Result<usize> {
        self.compact(None, max, i64::MAX).await
    }

    async fn compact_rollups_before(&self, max: usize, before: i64) -> Result<usize> {
        self.compact(None, max, before).await
    }

    async fn repack_history(&self, max: usize, before: i64) -> Result<usize> {
        let mut done = 0;
        for (series, hour) in self.hints.take(max, before) {
            let mut tx = self.pool.begin().await?;
            // The series lock first, as a write batch takes it: no batch merges into these
            // blocks meanwhile, and the lock order stays series → blocks.
            let alive: Option<i64> =
                sqlx::query_scalar("SELECT id FROM series WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(series)
                    .fetch_optional(&mut *tx)
                    .await?;
            if alive.is_none() {
                continue;
            }
            let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
                "SELECT t0, t1, n, data FROM history_block \
                 WHERE series = $1 AND t0 >= $2 AND t0 < $3 ORDER BY t0",
            )
            .bind(series)
            .bind(hour)
            .bind(hour + Step::Hour.millis())
            .fetch_all(&mut *tx)
            .await?;
            let Some(new) = block::repack(series, &rows) else {
                continue;
            };
            sqlx::query("DELETE FROM history_block WHERE series = $1 AND t0 >= $2 AND t0 < $3")
                .bind(series)
                .bind(hour)
                .bind(hour + Step::Hour.millis())
                .execute(&mut *tx)
                .await?;
            insert_blocks(&mut tx, &new).await?;
            tx.commit().await?;
            done += 1;
        }
        Ok(done)
    }

    async fn apply_retention(&self, kind: &str, cutoff_ms: i64) -> Result<u64> {
        let cutoff_ms = clamp_ts(cutoff_ms);
        let horizon = Step::Minute.bucket(cutoff_ms);
        let hour = Step::Hour.bucket(cutoff_ms);
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT s.id FROM series AS s JOIN entities AS e ON e.id = s.entity \
             WHERE e.kind = $1 ORDER BY s.id",
        )
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        let mut removed = 0u64;
        // One transaction per series keeps each one short.
        for id in ids {
            // Roll up what is still pending below the horizon before its raw rows go.
            self.compact_range(id, i64::MIN, horizon).await?;
            let mut tx = self.pool.begin().await?;
            // The horizon moves first and under the compaction lock, so a compaction running
            // concurrently either finished before (and its work is kept) or sees the horizon.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(COMPACT_LOCK)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE series SET retained_before = GREATEST(COALESCE(retained_before, $2), $2) \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(horizon)
            .execute(&mut *tx)
            .await?;
            removed += retain_blocks(&mut tx, id, horizon).await?;
            // 1m buckets of the hour holding the horizon stay, so that hour can still be
            // recomputed whole from minutes if a reading arrives after the horizon.
            sqlx::query("DELETE FROM rollup_1m WHERE series = $1 AND bucket < $2")
                .bind(id)
                .bind(hour)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(removed)
    }

    async fn count_history(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(n), 0)::bigint FROM history_block")
            .fetch_one(&self.pool)
            .await?;
        count(n)
    }
}

/// Inserts one submission through `e` (the pool or a transaction); the id assigned.
async fn insert_submission_with<'e, E>(e: E, s: &IndicatorSubmission) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    Ok(sqlx::query_scalar(
        "INSERT INTO indicator_submission (pack, indicator, period, value, note, department, \
             submitted_by, submitted_ms, status, reviewed_by, reviewed_ms, review_comment) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&s.pack)
    .bind(s.indicator)
    .bind(&s.period)
    .bind(s.value)
    .bind(&s.note)
    .bind(&s.department)
    .bind(&s.submitted_by)
    .bind(s.submitted_ms)
    .bind(&s.status)
    .bind(&s.reviewed_by)
    .bind(s.reviewed_ms)
    .bind(&s.review_comment)
    .fetch_one(e)
    .await?)
}
