//! SQLite backend: one file in WAL mode, one writer.
//!
//! SQLite lets one connection write at a time. Rather than let writers queue on the file lock
//! (and time out under load), every write goes through a pool of exactly one connection, so
//! writers wait in an orderly queue in the process; reads use a separate pool of read-only
//! connections that see the last committed state without blocking the writer (WAL).
//!
//! The history hot path binds a batch into multi-row `INSERT ... VALUES (?, ?, ?), ...`
//! statements of a few fixed sizes, each prepared once and cached on the write connection.
//! Measured against passing the batch as one JSON text unpacked by `json_each`: 15–30% more
//! points/s on new readings and about 1.7× on replays (`examples/write_bench.rs`), and values
//! are bound as f64, never printed and re-parsed. The compaction and series paths, which pass
//! lists of keys rather than bulk data, keep `json_each`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::error::BoxDynError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Arguments, QueryBuilder, Sqlite};
use zhicheng_model::{Department, Entity, EntityQuery, Grid, Kind, Page, Region, Step};

use crate::batch::{clamp_ts, dirty_window, live_dirty, RollupPlan, WritePlan};
use crate::block::{self, Block, Segment};
use crate::codec::{
    self, conflict_on_unique, count, distinct_keys, first_duplicate, missing_on_foreign_key,
    order_series, page_of, rollup_points, rollup_table, to_json, DepartmentRow, EntityParams,
    EntityRow, GridRow, RegionRow, ENTITY_COLUMNS, ENTITY_INSERT,
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

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Dirty minutes folded per transaction when a read or retention has to compact a range.
const COMPACT_CHUNK: usize = 10_000;

/// Entities per multi-row INSERT (14 columns each; SQLite allows 32766 parameters).
const ENTITY_CHUNK: usize = 500;

/// How an [`SqliteStore`] is opened.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `synchronous=FULL` (the default): a commit is on disk when it returns, which is what lets
    /// gateways acknowledge senders. `false` uses `NORMAL`: faster, and still never corrupt,
    /// but the last commits before a power loss may be lost.
    pub synchronous_full: bool,
    /// How long a connection waits for a lock held by another process (e.g. a backup tool).
    pub busy_timeout: Duration,
    /// Number of read connections.
    pub read_connections: u32,
    /// How long a write waits for its turn on the single write connection before failing.
    pub write_wait: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous_full: true,
            busy_timeout: Duration::from_secs(10),
            read_connections: 4,
            write_wait: Duration::from_secs(120),
        }
    }
}

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection: every write goes through it.
    write: SqlitePool,
    /// Read-only connections (for `sqlite::memory:`, the write pool itself).
    read: SqlitePool,
    /// Hours whose blocks may be worth repacking.
    hints: std::sync::Arc<block::RepackHints>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` with the default options.
    ///
    /// `url` is `sqlite:///absolute/path.db`, `sqlite://relative/path.db` or `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, SqliteOptions::default()).await
    }

    /// Opens (creating if missing) the database at `url`.
    pub async fn open_with(url: &str, opts: SqliteOptions) -> Result<Self> {
        let base =
            SqliteConnectOptions::from_str(url).map_err(|_| Error::BadUrl(url.to_string()))?;
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let sync = if opts.synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let common = base
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            .synchronous(sync)
            // 32 MiB page cache per connection (negative = KiB): the history B-tree's upper
            // levels stay in memory.
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory");

        let mut write_opts = common
            .clone()
            .create_if_missing(true)
            // Room for the multi-size statements of the hot path besides the ordinary ones.
            .statement_cache_capacity(256);
        if !memory {
            write_opts = write_opts
                .journal_mode(SqliteJournalMode::Wal)
                // Truncate the WAL back to 64 MiB after checkpoints so that a burst does not
                // leave a huge file behind.
                .pragma("journal_size_limit", "67108864");
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // Never close the writer: for `:memory:` it *is* the database.
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(opts.write_wait)
            // No network between us and SQLite: a ping per acquire is pure overhead.
            .test_before_acquire(false)
            .connect_with(write_opts)
            .await?;

        let read = if memory {
            // A private in-memory database exists only on its connection; one connection for
            // everything keeps reads and writes on the same data.
            write.clone()
        } else {
            let read_opts = common.pragma("query_only", "ON");
            SqlitePoolOptions::new()
                .max_connections(opts.read_connections.max(1))
                .min_connections(0)
                .idle_timeout(Some(Duration::from_secs(600)))
                .acquire_timeout(Duration::from_secs(30))
                .test_before_acquire(false)
                .connect_with(read_opts)
                .await?
        };
        Ok(SqliteStore {
            write,
            read,
            hints: Default::default(),
        })
    }

    /// Looks up which of `ids` already exist (to name the culprit of a failed bulk insert).
    async fn first_existing(&self, ids: &[&str]) -> Result<Option<String>> {
        let json = to_json("ids", ids)?;
        Ok(sqlx::query_scalar(
            "SELECT id FROM entities WHERE id IN (SELECT value FROM json_each(?1)) \
             ORDER BY id LIMIT 1",
        )
        .bind(json)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Compacts, in one transaction, up to `max` dirty minutes: those starting before `before`
    /// (`scope` None), or those of one series in `[lo, hi)`. Returns how many dirty rows were
    /// consumed.
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
        let mut tx = self.write.begin().await?;
        let rows: Vec<(i64, i64, Option<i64>, bool)> = match scope {
            None => {
                sqlx::query_as(
                    "SELECT d.series, d.bucket, s.retained_before, s.id IS NOT NULL \
                     FROM rollup_dirty AS d LEFT JOIN series AS s ON s.id = d.series \
                     WHERE d.bucket < ?2 ORDER BY d.series, d.bucket LIMIT ?1",
                )
                .bind(limit)
                .bind(before)
                .fetch_all(&mut *tx)
                .await?
            }
            Some((series, lo, hi)) => {
                sqlx::query_as(
                    "SELECT d.series, d.bucket, s.retained_before, s.id IS NOT NULL \
                     FROM rollup_dirty AS d LEFT JOIN series AS s ON s.id = d.series \
                     WHERE d.series = ?1 AND d.bucket >= ?2 AND d.bucket < ?3 \
                     ORDER BY d.bucket LIMIT ?4",
                )
                .bind(series)
                .bind(lo)
                .bind(hi)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        let Some(&(_, last_bucket, _, _)) = rows.last() else {
            return Ok(0);
        };
        // Nobody else writes while we hold the only write connection, so the rows read are
        // the rows deleted.
        match scope {
            None => {
                let taken: Vec<(i64, i64)> = rows.iter().map(|r| (r.0, r.1)).collect();
                sqlx::query(
                    "DELETE FROM rollup_dirty WHERE (series, bucket) IN \
                     (SELECT value->>0, value->>1 FROM json_each(?1))",
                )
                .bind(pairs_json(&taken))
                .execute(&mut *tx)
                .await?;
            }
            Some((series, lo, _)) => {
                sqlx::query(
                    "DELETE FROM rollup_dirty WHERE series = ?1 AND bucket >= ?2 AND bucket <= ?3",
                )
                .bind(series)
                .bind(lo)
                .bind(last_bucket)
                .execute(&mut *tx)
                .await?;
            }
        }
        let plan = RollupPlan::new(live_dirty(&rows));
        self.hints.note(&plan.minutes);
        recompute(&mut tx, &plan).await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Moves the rows of the version-1 `history` table (one per reading) into blocks and drops
    /// it, in one transaction, so a crash half-way leaves the old table to convert again.
    async fn convert_legacy_history(&self) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let legacy: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history')",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !legacy {
            return Ok(());
        }
        let mut after = (i64::MIN, i64::MIN);
        let mut moved = 0usize;
        loop {
            let rows: Vec<(i64, i64, f64)> = sqlx::query_as(
                "SELECT series, ts, value FROM history WHERE (series, ts) > (?1, ?2) \
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

/// Rows per multi-row INSERT, largest first. Why a fixed ladder: each size is one prepared
/// statement kept in the connection's cache, so a batch of any length is a handful of cached
/// statements (e.g. 20,000 = 4×4096 + 3×1024 + 2×256 + 4×64 + ...), never a fresh parse.
/// 4096 rows × 3 columns stays well under SQLite's 32,766 parameters.
const CHUNK_LADDER: [usize; 7] = [4096, 1024, 256, 64, 16, 4, 1];

/// Inserts `n` rows of `ncols` columns with multi-row `head (?, ?), (?, ?) ... tail`
/// statements; `bind(args, i)` adds row `i`'s values. Returns the rows affected.
async fn insert_rows(
    conn: &mut SqliteConnection,
    head: &str,
    tail: &str,
    ncols: usize,
    n: usize,
    bind: impl Fn(&mut SqliteArguments<'static>, usize) -> Result<(), BoxDynError>,
) -> Result<u64> {
    let row = format!("({}?)", "?, ".repeat(ncols.saturating_sub(1)));
    let mut done = 0;
    let mut affected = 0;
    while done < n {
        let rows = CHUNK_LADDER
            .iter()
            .copied()
            .find(|&size| size <= n - done)
            .unwrap_or(1);
        let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 2));
        sql.push_str(head);
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
        }
        sql.push_str(tail);
        let mut args = SqliteArguments::default();
        for i in done..done + rows {
            bind(&mut args, i).map_err(|e| Error::Corrupt(format!("cannot bind a row: {e}")))?;
        }
        affected += sqlx::query_with(&sql, args)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        done += rows;
    }
    Ok(affected)
}

/// Which of `series` still exist, with the newest stored time of each (`None`: no history).
async fn stored_newest(
    conn: &mut SqliteConnection,
    series: &[i64],
) -> Result<std::collections::HashMap<i64, Option<i64>>> {
    // One row of JSON rather than a row per series: sqlx hands each result row from SQLite's
    // thread to ours separately, and with one reading per series (many small requests) those
    // hand-overs cost more than the query.
    let json: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(s.id, l.ts)) \
         FROM series AS s LEFT JOIN latest AS l ON l.series = s.id \
         WHERE s.id IN (SELECT value FROM json_each(?1))",
    )
    .bind(serde_json::to_string(series).unwrap_or_else(|_| "[]".into()))
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<(i64, Option<i64>)> = serde_json::from_str(&json)
        .map_err(|e| Error::Corrupt(format!("newest times of a batch's series: {e}")))?;
    Ok(rows.into_iter().collect())
}

/// Decodes `(t0, t1, n, data)` rows of one series onto `out`, for reading (see
/// [`block::decode_for_reading`]).
fn decode_rows(series: i64, rows: &[(i64, i64, i64, Vec<u8>)], out: &mut Vec<(i64, f64)>) {
    for (t0, t1, n, data) in rows {
        block::decode_for_reading(series, *t0, *t1, *n, data, out);
    }
}

/// Merges late segments into the blocks they overlap: reads those blocks (one query for all
/// segments), deletes the ones that gain points, and queues the merged blocks on `out`.
/// Returns how many of the segments' points were new.
async fn merge_segments(
    conn: &mut SqliteConnection,
    segs: &[&Segment],
    out: &mut Vec<Block>,
) -> Result<u64> {
    if segs.is_empty() {
        return Ok(0);
    }
    // Blocks never span an hour, so those overlapping [first, last] start in that hour; a
    // block belongs to at most one segment.
    let keys: Vec<[i64; 4]> = segs
        .iter()
        .map(|s| [s.series, s.hour, s.last(), s.first()])
        .collect();
    let rows: Vec<(i64, i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT j.key, h.id, h.t0, h.t1, h.n, h.data \
         FROM json_each(?1) AS j CROSS JOIN history_block AS h \
         WHERE h.series = j.value->>0 AND h.t0 >= j.value->>1 AND h.t0 <= j.value->>2 \
           AND h.t1 >= j.value->>3 \
         ORDER BY j.key, h.t0",
    )
    .bind(serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into()))
    .fetch_all(&mut *conn)
    .await?;
    let mut inserted = 0;
    let mut gone: Vec<i64> = Vec::new();
    let mut bad: Vec<(i64, String)> = Vec::new();
    let mut next = 0usize;
    let mut stored = Vec::new();
    for (k, seg) in segs.iter().enumerate() {
        stored.clear();
        let first = next;
        let mut seg_bad = false;
        while let Some((key, id, t0, t1, n, data)) = rows.get(next) {
            if usize::try_from(*key).ok() != Some(k) {
                break;
            }
            // A block that cannot be read must not block the readings arriving now: it goes
            // to quarantine with its bytes, and the merge goes on without it.
            if let Err(e) = block::decode_into(seg.series, *t0, *t1, *n, data, &mut stored) {
                tracing::error!(series = seg.series, t0, error = %e, "history block quarantined");
                bad.push((*id, e.to_string()));
                seg_bad = true;
            }
            next += 1;
        }
        let (merged, new) = block::merge(&stored, &seg.points);
        if new > 0 || seg_bad {
            gone.extend(rows[first..next].iter().map(|r| r.1));
            block::blocks_of(seg.series, &merged, out);
            inserted += new;
        }
    }
    quarantine(conn, &bad).await?;
    if !gone.is_empty() {
        sqlx::query("DELETE FROM history_block WHERE id IN (SELECT value FROM json_each(?1))")
            .bind(serde_json::to_string(&gone).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(inserted)
}

/// Copies blocks (by id) with the reason into `history_quarantine`; the caller deletes them.
async fn quarantine(conn: &mut SqliteConnection, bad: &[(i64, String)]) -> Result<()> {
    let now = zhicheng_model::time_util::now_ms();
    for (id, reason) in bad {
        sqlx::query(
            "INSERT INTO history_quarantine (series, t0, t1, n, data, reason, ts) \
             SELECT series, t0, t1, n, data, ?2, ?3 FROM history_block WHERE id = ?1",
        )
        .bind(id)
        .bind(reason)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts blocks (their keys are free: new, or deleted by a merge or trim).
async fn insert_blocks(conn: &mut SqliteConnection, blocks: &[Block]) -> Result<()> {
    insert_rows(
        conn,
        "INSERT INTO history_block (series, t0, t1, n, data) VALUES ",
        "",
        5,
        blocks.len(),
        |a, i| {
            let b = &blocks[i];
            a.add(b.series)?;
            a.add(b.t0)?;
            a.add(b.t1)?;
            a.add(b.n)?;
            a.add(b.data.clone())
        },
    )
    .await?;
    Ok(())
}

/// Removes the raw points of `series` before `horizon`: whole blocks, and the early part of a
/// block that straddles it. Returns the points removed.
async fn retain_blocks(conn: &mut SqliteConnection, series: i64, horizon: i64) -> Result<u64> {
    let whole: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(n), 0) FROM history_block WHERE series = ?1 AND t1 < ?2",
    )
    .bind(series)
    .bind(horizon)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM history_block WHERE series = ?1 AND t1 < ?2")
        .bind(series)
        .bind(horizon)
        .execute(&mut *conn)
        .await?;
    // What is left before the horizon straddles it (blocks never overlap, so at most one).
    let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT id, t0, t1, n, data FROM history_block WHERE series = ?1 AND t0 < ?2 ORDER BY t0",
    )
    .bind(series)
    .bind(horizon)
    .fetch_all(&mut *conn)
    .await?;
    let mut removed = count(whole)?;
    let mut points = Vec::new();
    let mut bad = Vec::new();
    for (id, t0, t1, n, data) in &rows {
        if let Err(e) = block::decode_into(series, *t0, *t1, *n, data, &mut points) {
            tracing::error!(series, t0, error = %e, "history block quarantined");
            bad.push((*id, e.to_string()));
        }
    }
    quarantine(conn, &bad).await?;
    if !rows.is_empty() {
        sqlx::query("DELETE FROM history_block WHERE series = ?1 AND t0 < ?2")
            .bind(series)
            .bind(horizon)
            .execute(&mut *conn)
            .await?;
        let keep = points.partition_point(|p| p.0 < horizon);
        removed += keep as u64;
        let mut blocks = Vec::new();
        block::blocks_of(series, &points[keep..], &mut blocks);
        insert_blocks(conn, &blocks).await?;
    }
    Ok(removed)
}

/// `[[a, b], ...]` as JSON text, for `json_each`.
fn pairs_json(pairs: &[(i64, i64)]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(pairs.len() * 24 + 2);
    s.push('[');
    for (i, (a, b)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(s, "[{a},{b}]");
    }
    s.push(']');
    s
}

/// The roll-up levels computed in SQL: table, aggregates over the source rows `h`, source
/// table, source time column, bucket width. (Minutes come from the raw blocks, in Rust.)
const LEVELS: [(&str, &str, &str, &str, Step); 2] = [
    (
        "rollup_1h",
        "min(h.min), max(h.max), sum(h.sum), sum(h.count)",
        "rollup_1m",
        "bucket",
        Step::Hour,
    ),
    (
        "rollup_1d",
        "min(h.min), max(h.max), sum(h.sum), sum(h.count)",
        "rollup_1h",
        "bucket",
        Step::Day,
    ),
];

/// Recomputes the 1m buckets from the raw blocks, then the hours from minutes, then the days
/// from hours. Each level is deleted then rebuilt, so a bucket whose sources are gone disappears and
/// a replayed reading never counts twice.
async fn recompute(conn: &mut SqliteConnection, plan: &RollupPlan) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    // Minutes: from the raw blocks, aggregated here (the blocks are opaque to SQL).
    let mut rows: Vec<(i64, block::MinuteRow)> = Vec::with_capacity(plan.minutes.len());
    let mut points = Vec::new();
    for run in block::minute_runs(&plan.minutes) {
        let blocks: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT t0, t1, n, data FROM history_block \
             WHERE series = ?1 AND t0 >= ?2 AND t0 < ?3 AND t1 >= ?4 ORDER BY t0",
        )
        .bind(run.series)
        .bind(run.lo)
        .bind(run.hi)
        .bind(run.minutes.first().copied().unwrap_or(run.lo))
        .fetch_all(&mut *conn)
        .await?;
        points.clear();
        decode_rows(run.series, &blocks, &mut points);
        rows.extend(
            block::minute_rollups(&points, &run.minutes)
                .into_iter()
                .map(|r| (run.series, r)),
        );
    }
    sqlx::query(
        "DELETE FROM rollup_1m WHERE (series, bucket) IN \
         (SELECT value->>0, value->>1 FROM json_each(?1))",
    )
    .bind(pairs_json(&plan.minutes))
    .execute(&mut *conn)
    .await?;
    insert_rows(
        conn,
        "INSERT INTO rollup_1m (series, bucket, min, max, sum, count) VALUES ",
        "",
        6,
        rows.len(),
        |a, i| {
            let (series, (bucket, min, max, sum, count)) = rows[i];
            a.add(series)?;
            a.add(bucket)?;
            a.add(min)?;
            a.add(max)?;
            a.add(sum)?;
            a.add(count)
        },
    )
    .await?;
    // Hours from minutes, days from hours.
    for (table, aggregates, source, col, step) in LEVELS {
        let pairs = match step {
            Step::Minute => continue,
            Step::Hour => &plan.hours,
            Step::Day => &plan.days,
        };
        let json = pairs_json(pairs);
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE (series, bucket) IN \
             (SELECT value->>0, value->>1 FROM json_each(?1))"
        ))
        .bind(&json)
        .execute(&mut *conn)
        .await?;
        // CROSS JOIN keeps the bucket list as the outer loop, so each bucket is one range seek
        // on the source's (series, time) key.
        sqlx::query(&format!(
            "INSERT INTO {table} (series, bucket, min, max, sum, count) \
             SELECT p.s, p.b, {aggregates} \
             FROM (SELECT value->>0 AS s, value->>1 AS b FROM json_each(?1)) AS p \
             CROSS JOIN {source} AS h \
             WHERE h.series = p.s AND h.{col} >= p.b AND h.{col} < p.b + ?2 \
             GROUP BY p.s, p.b"
        ))
        .bind(&json)
        .bind(step.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Binds the range of region codes under `code`: `col >= ? AND (? IS NULL OR col < ?)`.
fn push_prefix(qb: &mut QueryBuilder<'_, Sqlite>, col: &str, code: &str) {
    let (lo, hi) = prefix_range(code);
    qb.push(format!(" AND {col} >= "))
        .push_bind(lo)
        .push(" AND (")
        .push_bind(hi.clone())
        .push(format!(" IS NULL OR {col} < "))
        .push_bind(hi)
        .push(")");
}

/// Runs a `SELECT EXISTS (...)` with text binds.
async fn exists(conn: &mut SqliteConnection, sql: &str, binds: &[Option<&str>]) -> Result<bool> {
    let mut q = sqlx::query_scalar::<_, bool>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.fetch_one(&mut *conn).await?)
}

crate::alarm::impl_alarm_store!(SqliteStore, sqlx::SqliteConnection, write, read, "instr");
crate::case::impl_case_store!(SqliteStore, write, read, "instr");

/// Writes a checked batch on `conn` (inside the caller's transaction): see
/// [`Store::write_batch`].
async fn write_plan(conn: &mut SqliteConnection, mut plan: WritePlan) -> Result<WriteStats> {
    if plan.history.is_empty() {
        return Ok(WriteStats::default());
    }
    let total = plan.history.len() as u64;
    let ids: Vec<i64> = plan.latest.iter().map(|p| p.series).collect();
    let stored = stored_newest(&mut *conn, &ids).await?;
    if stored.len() < ids.len() {
        // Series deleted meanwhile (with their entity): their readings have nowhere to go.
        let kept: Vec<Point> = plan
            .history
            .iter()
            .filter(|p| stored.contains_key(&p.series))
            .copied()
            .collect();
        plan = WritePlan::new(&kept)?;
    }
    let newest: std::collections::HashMap<i64, i64> = stored
        .into_iter()
        .filter_map(|(s, t)| Some((s, t?)))
        .collect();
    let (segments, _) = block::segments(&plan.history);
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
    let l = &plan.latest;
    insert_rows(
        &mut *conn,
        "INSERT INTO latest (series, ts, value) VALUES ",
        " ON CONFLICT (series) DO UPDATE SET ts = excluded.ts, value = excluded.value \
         WHERE excluded.ts >= latest.ts",
        3,
        l.len(),
        |a, i| {
            a.add(l[i].series)?;
            a.add(l[i].ts)?;
            a.add(l[i].value)
        },
    )
    .await?;
    let d = &plan.dirty;
    insert_rows(
        &mut *conn,
        "INSERT INTO rollup_dirty (series, bucket) VALUES ",
        " ON CONFLICT (series, bucket) DO NOTHING",
        2,
        d.len(),
        |a, i| {
            a.add(d[i].0)?;
            a.add(d[i].1)
        },
    )
    .await?;
    Ok(WriteStats {
        inserted,
        duplicates: total.saturating_sub(inserted),
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<MigrationStatus> {
        MIGRATOR.run(&self.write).await?;
        self.convert_legacy_history().await?;
        self.migration_status().await
    }

    async fn migration_status(&self) -> Result<MigrationStatus> {
        // A reader: a status probe must not queue behind the writer.
        let mut conn = self.read.acquire().await?;
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master \
             WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&mut *conn)
        .await?;
        let applied = if has_table {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&mut *conn)
            .await?
        } else {
            Vec::new()
        };
        Ok(codec::migration_status(&MIGRATOR, applied))
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn close(&self) {
        // Fold the WAL into the main file so that the data directory is one self-contained
        // file after a clean stop (best effort: a failure only leaves the WAL in place).
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.write)
            .await
        {
            tracing::warn!(error = %e, "sqlite checkpoint on close failed");
        }
        self.read.close().await;
        self.write.close().await;
    }

    // ---- regions ----

    async fn put_region(&self, r: &Region) -> Result<()> {
        let geometry = r
            .geometry
            .as_ref()
            .map(|g| to_json("geometry", g))
            .transpose()?;
        sqlx::query(
            "INSERT INTO regions (code, name, name_en, level, parent, geometry) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             level = excluded.level, parent = excluded.parent, geometry = excluded.geometry",
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(&r.name_en)
        .bind(codec::level_str(r.level))
        .bind(&r.parent)
        .bind(geometry)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_region(&self, code: &str) -> Result<Option<Region>> {
        sqlx::query_as::<_, RegionRow>(
            "SELECT code, name, name_en, level, parent, geometry FROM regions WHERE code = ?1",
        )
        .bind(code)
        .fetch_optional(&self.read)
        .await?
        .map(RegionRow::into_region)
        .transpose()
    }

    async fn list_regions(&self) -> Result<Vec<Region>> {
        sqlx::query_as::<_, RegionRow>(
            "SELECT code, name, name_en, level, parent, geometry FROM regions ORDER BY code",
        )
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(RegionRow::into_region)
        .collect()
    }

    async fn delete_region(&self, code: &str) -> Result<bool> {
        let (_, hi) = prefix_range(code);
        let mut tx = self.write.begin().await?;
        let checks = [
            (
                "SELECT EXISTS (SELECT 1 FROM regions WHERE code >= ?1 \
                 AND (?2 IS NULL OR code < ?2) \
                 AND code <> ?1) OR EXISTS (SELECT 1 FROM regions WHERE parent = ?1)",
                "child regions",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM grids WHERE region >= ?1 \
                 AND (?2 IS NULL OR region < ?2))",
                "grids",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM entities WHERE region >= ?1 \
                 AND (?2 IS NULL OR region < ?2))",
                "entities",
            ),
        ];
        for (sql, what) in checks {
            if exists(&mut tx, sql, &[Some(code), hi.as_deref()]).await? {
                return Err(Error::Conflict(format!("region {code} still has {what}")));
            }
        }
        let n = sqlx::query("DELETE FROM regions WHERE code = ?1")
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
            "INSERT INTO departments (id, name, name_en, region) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             region = excluded.region",
        )
        .bind(&d.id)
        .bind(&d.name)
        .bind(&d.name_en)
        .bind(&d.region)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_department(&self, id: &str) -> Result<Option<Department>> {
        Ok(sqlx::query_as::<_, DepartmentRow>(
            "SELECT id, name, name_en, region FROM departments WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?
        .map(Department::from))
    }

    async fn list_departments(&self) -> Result<Vec<Department>> {
        Ok(sqlx::query_as::<_, DepartmentRow>(
            "SELECT id, name, name_en, region FROM departments ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(Department::from)
        .collect())
    }

    async fn delete_department(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let checks = [
            (
                "SELECT EXISTS (SELECT 1 FROM entities WHERE department = ?1)",
                "entities",
            ),
            (
                "SELECT EXISTS (SELECT 1 FROM users WHERE department = ?1)",
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
        let n = sqlx::query("DELETE FROM departments WHERE id = ?1")
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
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO grids (id, name, region, geometry) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, region = excluded.region, \
             geometry = excluded.geometry",
        )
        .bind(&g.id)
        .bind(&g.name)
        .bind(&g.region)
        .bind(geometry)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM grid_departments WHERE grid = ?1")
            .bind(&g.id)
            .execute(&mut *tx)
            .await?;
        for (pos, d) in g.departments.iter().enumerate() {
            sqlx::query("INSERT INTO grid_departments (grid, pos, department) VALUES (?1, ?2, ?3)")
                .bind(&g.id)
                .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                .bind(d)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_grid(&self, id: &str) -> Result<Option<Grid>> {
        let Some(row) = sqlx::query_as::<_, GridRow>(
            "SELECT id, name, region, geometry FROM grids WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let depts: Vec<String> = sqlx::query_scalar(
            "SELECT department FROM grid_departments WHERE grid = ?1 ORDER BY pos",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        row.into_grid(depts).map(Some)
    }

    async fn list_grids(&self, region: Option<&str>) -> Result<Vec<Grid>> {
        let mut rows_q =
            QueryBuilder::<Sqlite>::new("SELECT id, name, region, geometry FROM grids WHERE 1 = 1");
        let mut links_q = QueryBuilder::<Sqlite>::new(
            "SELECT d.grid, d.department FROM grid_departments AS d \
             JOIN grids AS g ON g.id = d.grid \
             WHERE 1 = 1",
        );
        if let Some(code) = region {
            push_prefix(&mut rows_q, "region", code);
            push_prefix(&mut links_q, "g.region", code);
        }
        rows_q.push(" ORDER BY id");
        links_q.push(" ORDER BY d.grid, d.pos");
        // One read transaction: the grids and their departments come from the same snapshot.
        let mut tx = self.read.begin().await?;
        let rows: Vec<GridRow> = rows_q.build_query_as().fetch_all(&mut *tx).await?;
        let links: Vec<(String, String)> = links_q.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        codec::attach_departments(rows, links)
    }

    async fn delete_grid(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM grid_departments WHERE grid = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM grids WHERE id = ?1")
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
            "INSERT INTO kinds (id, body) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        )
        .bind(&k.id)
        .bind(body)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_kind(&self, id: &str) -> Result<Option<Kind>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM kinds WHERE id = ?1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        body.map(|b| codec::kind_from_body(id, &b)).transpose()
    }

    async fn list_kinds(&self) -> Result<Vec<Kind>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM kinds ORDER BY id")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|(id, body)| codec::kind_from_body(id, body))
            .collect()
    }

    async fn delete_kind(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        if exists(
            &mut tx,
            "SELECT EXISTS (SELECT 1 FROM entities WHERE kind = ?1)",
            &[Some(id)],
        )
        .await?
        {
            return Err(Error::Conflict(format!(
                "kind {id} is still used by entities"
            )));
        }
        let n = sqlx::query("DELETE FROM kinds WHERE id = ?1")
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
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO entities ({ENTITY_INSERT}) "));
        push_entity_values(&mut qb, std::slice::from_ref(&p));
        qb.build()
            .execute(&self.write)
            .await
            .map_err(|err| conflict_on_unique(err, || format!("entity {} already exists", e.id)))?;
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
        let mut tx = self.write.begin().await?;
        for chunk in params.chunks(ENTITY_CHUNK) {
            let mut qb =
                QueryBuilder::<Sqlite>::new(format!("INSERT INTO entities ({ENTITY_INSERT}) "));
            push_entity_values(&mut qb, chunk);
            if let Err(err) = qb.build().execute(&mut *tx).await {
                let err = conflict_on_unique(err, String::new);
                if matches!(err, Error::Conflict(_)) {
                    // Roll back first: the lookup below must not see our own partial insert.
                    tx.rollback().await?;
                    let ids: Vec<&str> = es.iter().map(|e| e.id.as_str()).collect();
                    let culprit = self.first_existing(&ids).await?;
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
        let n = sqlx::query(
            "UPDATE entities SET kind = ?2, name = ?3, department = ?4, region = ?5, \
             geometry = ?6, \
             min_lon = ?7, min_lat = ?8, max_lon = ?9, max_lat = ?10, attributes = ?11, \
             status = ?12, updated_ms = ?13 WHERE id = ?1",
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
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn get_entity(&self, id: &str) -> Result<Option<Entity>> {
        sqlx::query_as::<_, EntityRow>(&format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?
        .map(EntityRow::into_entity)
        .transpose()
    }

    async fn list_entities(&self, q: &EntityQuery) -> Result<Page<Entity>> {
        let limit = page_limit(q.limit);
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE 1 = 1"
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
            // NULL bounds (no geometry) make every comparison false: never a match.
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
        // One more than the page: its presence says whether there is a next page, without
        // counting anything.
        qb.push(" ORDER BY id LIMIT ").push_bind(limit as i64 + 1);
        let rows: Vec<EntityRow> = qb.build_query_as().fetch_all(&self.read).await?;
        page_of(rows, limit)
    }

    async fn delete_entity(&self, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        for table in [
            "history_block",
            "latest",
            "rollup_dirty",
            "rollup_1m",
            "rollup_1h",
            "rollup_1d",
        ] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE series IN (SELECT id FROM series WHERE entity = ?1)"
            ))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM series WHERE entity = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM device_tokens WHERE entity = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM entities WHERE id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn count_entities(&self, kind: Option<&str>) -> Result<u64> {
        let n: i64 = match kind {
            Some(k) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE kind = ?1")
                    .bind(k)
                    .fetch_one(&self.read)
                    .await?
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM entities")
                    .fetch_one(&self.read)
                    .await?
            }
        };
        count(n)
    }

    // ---- users, sessions, tokens, audit ----

    async fn put_user(&self, u: &UserRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (username, display_name, role, department, password_hash, \
             disabled, created_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
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
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn get_user(&self, username: &str) -> Result<Option<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT username, display_name, role, department, password_hash, disabled, created_ms \
             FROM users WHERE username = ?1",
        )
        .bind(username)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT username, display_name, role, department, password_hash, disabled, created_ms \
             FROM users ORDER BY username",
        )
        .fetch_all(&self.read)
        .await?)
    }

    async fn delete_user(&self, username: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE username = ?1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM users WHERE username = ?1")
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
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&s.token_hash)
        .bind(&s.username)
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, || "session token already exists".into()))?;
        Ok(())
    }

    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>> {
        Ok(sqlx::query_as(
            "SELECT token_hash, username, created_ms, expires_ms FROM sessions \
             WHERE token_hash = ?1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_ms < ?1")
            .bind(now_ms)
            .execute(&self.write)
            .await?
            .rows_affected())
    }

    async fn create_device_token(&self, t: &DeviceToken) -> Result<()> {
        sqlx::query(
            "INSERT INTO device_tokens (id, entity, token_hash, created_ms, created_by) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&t.id)
        .bind(&t.entity)
        .bind(&t.token_hash)
        .bind(t.created_ms)
        .bind(&t.created_by)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, || format!("device token {} already exists", t.id)))?;
        Ok(())
    }

    async fn list_device_tokens(&self, entity: Option<&str>) -> Result<Vec<DeviceToken>> {
        let sql = "SELECT id, entity, token_hash, created_ms, created_by FROM device_tokens";
        Ok(match entity {
            Some(e) => {
                sqlx::query_as(&format!("{sql} WHERE entity = ?1 ORDER BY id"))
                    .bind(e)
                    .fetch_all(&self.read)
                    .await?
            }
            None => {
                sqlx::query_as(&format!("{sql} ORDER BY entity, id"))
                    .fetch_all(&self.read)
                    .await?
            }
        })
    }

    async fn revoke_device_token(&self, entity: &str, id: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM device_tokens WHERE entity = ?1 AND id = ?2")
            .bind(entity)
            .bind(id)
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn append_audit(&self, a: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (ts, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(a.ts)
        .bind(&a.actor)
        .bind(&a.action)
        .bind(&a.target)
        .bind(&a.detail)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn list_audit(&self, limit: usize, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, ts, actor, action, target, detail FROM audit \
             WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await?)
    }

    // ---- key-task progress ----

    async fn insert_task_progress(&self, p: &TaskProgress) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO task_progress (pack, task, number, period, percent, narrative, person, \
             contact, department, reported_by, reported_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
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
        .fetch_one(&self.write)
        .await?)
    }

    async fn list_task_progress(&self, q: &TaskProgressQuery) -> Result<Vec<TaskProgress>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_PROGRESS_COLUMNS} FROM task_progress \
             WHERE (?1 IS NULL OR pack = ?1) \
             AND (?2 IS NULL OR task = ?2) \
             AND (?3 IS NULL OR period = ?3) \
             AND (?4 IS NULL OR period <= ?4) \
             AND (?5 IS NULL OR department = ?5) \
             ORDER BY period DESC, reported_ms DESC, id DESC"
        ))
        .bind(&q.pack)
        .bind(&q.task)
        .bind(&q.period)
        .bind(&q.up_to_period)
        .bind(&q.department)
        .fetch_all(&self.read)
        .await?)
    }

    async fn get_task_progress(&self, id: i64) -> Result<Option<TaskProgress>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_PROGRESS_COLUMNS} FROM task_progress WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn insert_task_evidence(&self, e: &TaskEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO task_evidence (progress, file_name, content_type, size, sha256, \
             uploaded_by, uploaded_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(e.progress)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.write)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("progress report {}", e.progress)))
    }

    async fn list_task_evidence(&self, progress: &[i64]) -> Result<Vec<TaskEvidence>> {
        if progress.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_EVIDENCE_COLUMNS} FROM task_evidence \
             WHERE progress IN (SELECT value FROM json_each(?1)) ORDER BY progress, id"
        ))
        .bind(serde_json::to_string(progress).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.read)
        .await?)
    }

    async fn get_task_evidence(&self, id: i64) -> Result<Option<TaskEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TASK_EVIDENCE_COLUMNS} FROM task_evidence WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    // ---- community assessments ----

    async fn insert_base_figure(&self, f: &BaseFigure) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO base_figure (pack, name, period, value, note, entered_by, entered_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(&f.pack)
        .bind(&f.name)
        .bind(&f.period)
        .bind(f.value)
        .bind(&f.note)
        .bind(&f.entered_by)
        .bind(f.entered_ms)
        .fetch_one(&self.write)
        .await?)
    }

    async fn list_base_figures(&self, pack: &str, up_to: Option<&str>) -> Result<Vec<BaseFigure>> {
        Ok(sqlx::query_as(
            "SELECT id, pack, name, period, value, note, entered_by, entered_ms FROM base_figure \
             WHERE pack = ?1 AND (?2 IS NULL OR period <= ?2) \
             ORDER BY period DESC, entered_ms DESC, id DESC",
        )
        .bind(pack)
        .bind(up_to)
        .fetch_all(&self.read)
        .await?)
    }

    async fn insert_community_assessment(&self, a: &CommunityAssessment) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO community_assessment (community, period, weight, note, department, \
             assessed_by, assessed_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(&a.community)
        .bind(&a.period)
        .bind(a.weight)
        .bind(&a.note)
        .bind(&a.department)
        .bind(&a.assessed_by)
        .bind(a.assessed_ms)
        .fetch_one(&self.write)
        .await?)
    }

    async fn list_community_assessments(
        &self,
        q: &CommunityAssessmentQuery,
    ) -> Result<Vec<CommunityAssessment>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_ASSESSMENT_COLUMNS} FROM community_assessment \
             WHERE (?1 IS NULL OR community = ?1) \
             AND (?2 IS NULL OR period = ?2) \
             ORDER BY period DESC, assessed_ms DESC, id DESC"
        ))
        .bind(&q.community)
        .bind(&q.period)
        .fetch_all(&self.read)
        .await?)
    }

    async fn get_community_assessment(&self, id: i64) -> Result<Option<CommunityAssessment>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_ASSESSMENT_COLUMNS} FROM community_assessment WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn insert_community_evidence(&self, e: &CommunityEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO community_evidence (assessment, file_name, content_type, size, sha256, \
             uploaded_by, uploaded_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(e.assessment)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.write)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("assessment {}", e.assessment)))
    }

    async fn list_community_evidence(&self, assessments: &[i64]) -> Result<Vec<CommunityEvidence>> {
        if assessments.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_EVIDENCE_COLUMNS} FROM community_evidence \
             WHERE assessment IN (SELECT value FROM json_each(?1)) ORDER BY assessment, id"
        ))
        .bind(serde_json::to_string(assessments).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.read)
        .await?)
    }

    async fn get_community_evidence(&self, id: i64) -> Result<Option<CommunityEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COMMUNITY_EVIDENCE_COLUMNS} FROM community_evidence WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    // ---- indicator submissions and evidence ----

    async fn insert_submission(&self, s: &IndicatorSubmission) -> Result<i64> {
        insert_submission_with(&self.write, s).await
    }

    async fn insert_submissions(&self, list: &[IndicatorSubmission]) -> Result<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(list.len());
        for s in list {
            ids.push(insert_submission_with(&mut *tx, s).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn get_submission(&self, id: i64) -> Result<Option<IndicatorSubmission>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM indicator_submission WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn list_submissions(&self, q: &SubmissionQuery) -> Result<Vec<IndicatorSubmission>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM indicator_submission \
             WHERE (?1 IS NULL OR pack = ?1) \
             AND (?2 IS NULL OR indicator = ?2) \
             AND (?3 IS NULL OR period = ?3) \
             AND (?4 IS NULL OR status = ?4) \
             AND (?5 IS NULL OR department = ?5) \
             ORDER BY submitted_ms DESC, id DESC"
        ))
        .bind(&q.pack)
        .bind(q.indicator)
        .bind(&q.period)
        .bind(&q.status)
        .bind(&q.department)
        .fetch_all(&self.read)
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
            "UPDATE indicator_submission SET status = ?2, reviewed_by = ?3, \
             reviewed_ms = ?4, review_comment = ?5 \
             WHERE id = ?1 AND status = 'submitted'",
        )
        .bind(id)
        .bind(status)
        .bind(reviewed_by)
        .bind(reviewed_ms)
        .bind(comment)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn insert_evidence(&self, e: &IndicatorEvidence) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO indicator_evidence (submission, file_name, content_type, size, sha256, \
             path, uploaded_by, uploaded_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )
        .bind(e.submission)
        .bind(&e.file_name)
        .bind(&e.content_type)
        .bind(e.size)
        .bind(&e.sha256)
        .bind(&e.path)
        .bind(&e.uploaded_by)
        .bind(e.uploaded_ms)
        .fetch_one(&self.write)
        .await
        .map_err(|x| missing_on_foreign_key(x, || format!("submission {}", e.submission)))
    }

    async fn list_evidence(&self, submission: i64) -> Result<Vec<IndicatorEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM indicator_evidence WHERE submission = ?1 ORDER BY id"
        ))
        .bind(submission)
        .fetch_all(&self.read)
        .await?)
    }

    async fn get_evidence(&self, id: i64) -> Result<Option<IndicatorEvidence>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVIDENCE_COLUMNS} FROM indicator_evidence WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    // ---- scorecard periods ----

    async fn get_scorecard_period(
        &self,
        pack: &str,
        period: &str,
    ) -> Result<Option<ScorecardPeriod>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERIOD_COLUMNS} FROM scorecard_period WHERE pack = ?1 AND period = ?2"
        ))
        .bind(pack)
        .bind(period)
        .fetch_optional(&self.read)
        .await?)
    }

    async fn list_scorecard_periods(&self, pack: &str) -> Result<Vec<ScorecardPeriod>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PERIOD_COLUMNS} FROM scorecard_period WHERE pack = ?1 ORDER BY period"
        ))
        .bind(pack)
        .fetch_all(&self.read)
        .await?)
    }

    async fn close_scorecard_period(&self, p: &ScorecardPeriod) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO scorecard_period (pack, period, status, closed_by, closed_ms, \
             snapshot, snapshot_sha256) VALUES (?1, ?2, 'closed', ?3, ?4, ?5, ?6) \
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
        .execute(&self.write)
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
            "UPDATE scorecard_period SET status = 'open', reopened_by = ?3, \
             reopened_ms = ?4, snapshot = NULL, snapshot_sha256 = NULL \
             WHERE pack = ?1 AND period = ?2 AND status = 'closed'",
        )
        .bind(pack)
        .bind(period)
        .bind(reopened_by)
        .bind(reopened_ms)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    // ---- series, history, state ----

    async fn ensure_series(&self, keys: &[(String, String)]) -> Result<Vec<Series>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let json = to_json("series keys", keys)?;
        let select = "SELECT s.id, s.entity, s.metric FROM series AS s \
                      WHERE (s.entity, s.metric) IN \
                      (SELECT value->>0, value->>1 FROM json_each(?1))";
        // Most calls find every series already there: answer from a reader without taking the
        // writer's turn.
        let found: Vec<Series> = sqlx::query_as(select)
            .bind(&json)
            .fetch_all(&self.read)
            .await?;
        let found = if found.len() < distinct_keys(keys) {
            let mut tx = self.write.begin().await?;
            sqlx::query(
                "INSERT INTO series (entity, metric) \
                 SELECT value->>0, value->>1 FROM json_each(?1) WHERE true \
                 ON CONFLICT (entity, metric) DO NOTHING",
            )
            .bind(&json)
            .execute(&mut *tx)
            .await?;
            let all: Vec<Series> = sqlx::query_as(select)
                .bind(&json)
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
                .fetch_all(&self.read)
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
        let mut tx = self.write.begin().await?;
        let stats = write_plan(&mut tx, plan).await?;
        let alarms = Self::apply_alarm_changes_in(&mut tx, changes).await?;
        tx.commit().await?;
        Ok((stats, alarms))
    }

    async fn list_latest(&self) -> Result<Vec<Latest>> {
        Ok(
            sqlx::query_as("SELECT series, ts, value FROM latest ORDER BY series")
                .fetch_all(&self.read)
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
        let mut tx = self.read.begin().await?;
        let (end, start) = r.bounds();
        let mut after = r.first_after();
        loop {
            let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
                "SELECT t0, t1, n, data FROM history_block \
                 WHERE series = ?1 AND t0 > ?2 AND t0 < ?3 AND t1 >= ?4 ORDER BY t0 LIMIT 64",
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
        // Only take the writer's turn when something in the window is not rolled up yet.
        let dirty: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM rollup_dirty \
             WHERE series = ?1 AND bucket >= ?2 AND bucket < ?3)",
        )
        .bind(series)
        .bind(lo)
        .bind(hi)
        .fetch_one(&self.read)
        .await?;
        if dirty {
            self.compact_range(series, lo, hi).await?;
        }
        let rows: Vec<(i64, f64, f64, f64, i64)> = sqlx::query_as(&format!(
            "SELECT bucket, min, max, sum, count FROM {} \
             WHERE series = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket",
            rollup_table(step)
        ))
        .bind(series)
        .bind(lo)
        .bind(to)
        .fetch_all(&self.read)
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
        // One transaction per hour: the single writer is never held for long.
        for (series, hour) in self.hints.take(max, before) {
            // Most hours need nothing: look on a read connection first, so the one write
            // connection (the history writer's) is only taken for real work.
            let select = "SELECT id, t0, t1, n, data FROM history_block \
                 WHERE series = ?1 AND t0 >= ?2 AND t0 < ?3 ORDER BY t0";
            let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(select)
                .bind(series)
                .bind(hour)
                .bind(hour + Step::Hour.millis())
                .fetch_all(&self.read)
                .await?;
            let blocks: Vec<(i64, i64, i64, Vec<u8>)> = rows
                .iter()
                .map(|(_, t0, t1, n, d)| (*t0, *t1, *n, d.clone()))
                .collect();
            if block::repack(series, &blocks).is_none() {
                continue;
            }
            let mut tx = self.write.begin().await?;
            let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(select)
                .bind(series)
                .bind(hour)
                .bind(hour + Step::Hour.millis())
                .fetch_all(&mut *tx)
                .await?;
            let blocks: Vec<(i64, i64, i64, Vec<u8>)> = rows
                .iter()
                .map(|(_, t0, t1, n, d)| (*t0, *t1, *n, d.clone()))
                .collect();
            let Some(new) = block::repack(series, &blocks) else {
                continue;
            };
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            sqlx::query("DELETE FROM history_block WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
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
             WHERE e.kind = ?1 ORDER BY s.id",
        )
        .bind(kind)
        .fetch_all(&self.read)
        .await?;
        let mut removed = 0u64;
        // One transaction per series: the single writer is never held for a whole county's
        // history, so ingestion keeps flowing while retention runs.
        for id in ids {
            // Roll up what is still pending below the horizon before its raw rows go.
            self.compact_range(id, i64::MIN, horizon).await?;
            let mut tx = self.write.begin().await?;
            removed += retain_blocks(&mut tx, id, horizon).await?;
            // 1m buckets of the hour holding the horizon stay, so that hour can still be
            // recomputed whole from minutes if a reading arrives after the horizon.
            sqlx::query("DELETE FROM rollup_1m WHERE series = ?1 AND bucket < ?2")
                .bind(id)
                .bind(hour)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE series SET retained_before = max(coalesce(retained_before, ?2), ?2) \
                 WHERE id = ?1",
            )
            .bind(id)
            .bind(horizon)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(removed)
    }

    async fn count_history(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(n), 0) FROM history_block")
            .fetch_one(&self.read)
            .await?;
        count(n)
    }
}

fn push_entity_values(qb: &mut QueryBuilder<'_, Sqlite>, rows: &[EntityParams<'_>]) {
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

/// Inserts one submission through `e` (the pool or a transaction); the id assigned.
async fn insert_submission_with<'e, E>(e: E, s: &IndicatorSubmission) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    Ok(sqlx::query_scalar(
        "INSERT INTO indicator_submission (pack, indicator, period, value, note, department, \
             submitted_by, submitted_ms, status, reviewed_by, reviewed_ms, review_comment) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_database_is_shared_by_reads_and_writes() {
        let s = SqliteStore::open("sqlite::memory:").await.unwrap();
        s.migrate().await.unwrap();
        s.put_kind(&serde_json::from_value(serde_json::json!({"id": "k", "name": "k"})).unwrap())
            .await
            .unwrap();
        assert_eq!(s.list_kinds().await.unwrap().len(), 1);
        // Two memory stores are two databases.
        let other = SqliteStore::open("sqlite::memory:").await.unwrap();
        other.migrate().await.unwrap();
        assert!(other.list_kinds().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn file_is_created_in_wal_mode_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let s = SqliteStore::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        assert!(path.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&s.write)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&s.write)
            .await
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&s.read)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        // Readers cannot write.
        assert!(sqlx::query("CREATE TABLE t (x)")
            .execute(&s.read)
            .await
            .is_err());
        s.close().await;

        let s = SqliteStore::open_with(
            &format!("sqlite://{}", path.display()),
            SqliteOptions {
                synchronous_full: false,
                ..SqliteOptions::default()
            },
        )
        .await
        .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&s.write)
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        s.close().await;
    }

    /// A version-1 database (one `history` row per reading) is converted to blocks on migrate.
    #[tokio::test]
    async fn legacy_history_is_converted_to_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v1.db").display());
        let s = SqliteStore::open(&url).await.unwrap();
        s.migrate().await.unwrap();
        // What version 1 left behind.
        sqlx::query(
            "CREATE TABLE history (series INTEGER NOT NULL, ts INTEGER NOT NULL, \
             value REAL NOT NULL, PRIMARY KEY (series, ts)) STRICT, WITHOUT ROWID",
        )
        .execute(&s.write)
        .await
        .unwrap();
        let hour = 3_600_000;
        let rows: Vec<(i64, i64, f64)> = (0..2500)
            .map(|i| (1 + i % 2, i * 2_000, i as f64))
            .chain([(3, 5 * hour, 0.25)])
            .collect();
        for (series, ts, value) in &rows {
            sqlx::query("INSERT INTO history VALUES (?1, ?2, ?3)")
                .bind(series)
                .bind(ts)
                .bind(value)
                .execute(&s.write)
                .await
                .unwrap();
        }
        s.migrate().await.unwrap();
        assert_eq!(s.count_history().await.unwrap(), rows.len() as u64);
        let want: Vec<(i64, f64)> = rows
            .iter()
            .filter(|r| r.0 == 2)
            .map(|r| (r.1, r.2))
            .collect();
        assert_eq!(s.history_raw(2, 0, 10 * hour, 100_000).await.unwrap(), want);
        // Blocks never span an hour: series 1 and 2 run over two hours.
        let blocks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history_block WHERE series = 1")
            .fetch_one(&s.read)
            .await
            .unwrap();
        assert_eq!(blocks, 2);
        let gone: bool = sqlx::query_scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'history')",
        )
        .fetch_one(&s.read)
        .await
        .unwrap();
        assert!(gone);
        s.close().await;
    }

    #[tokio::test]
    async fn compaction_plans_use_the_keys() {
        let s = SqliteStore::open("sqlite::memory:").await.unwrap();
        s.migrate().await.unwrap();
        for sql in [
            "EXPLAIN QUERY PLAN SELECT p.s, p.b, min(h.min) \
             FROM (SELECT value->>0 AS s, value->>1 AS b FROM json_each('[[1,0]]')) AS p \
             CROSS JOIN rollup_1m AS h \
             WHERE h.series = p.s AND h.bucket >= p.b AND h.bucket < p.b + 3600000 \
             GROUP BY p.s, p.b",
            "EXPLAIN QUERY PLAN SELECT t0, t1, n, data FROM history_block \
             WHERE series = 1 AND t0 >= 0 AND t0 < 60000 ORDER BY t0",
            "EXPLAIN QUERY PLAN DELETE FROM rollup_1h WHERE (series, bucket) IN \
             (SELECT value->>0, value->>1 FROM json_each('[[1,0]]'))",
            "EXPLAIN QUERY PLAN DELETE FROM rollup_dirty WHERE (series, bucket) <= (1, 2)",
        ] {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sql).fetch_all(&s.write).await.unwrap();
            let text: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
            eprintln!("{sql}\n  {text:?}");
            assert!(
                text.iter()
                    .any(|t| t.contains("PRIMARY KEY") || t.contains("INDEX history_block_key")),
                "no key use in {text:?}"
            );
        }
    }
}
