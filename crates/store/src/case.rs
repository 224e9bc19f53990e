//! Cases (work orders, 工单/案件), their timelines and attachments (schema v11, issue 6).
//!
//! A case is kept as its whole state (the cases crate's `CaseState`, JSON) plus the columns
//! lists, filters, the deadline timer and statistics need. Every change is one transaction that
//! checks the case's `version` (optimistic: two people acting on one case at once — the second
//! gets [`crate::Error::Conflict`] and retries on the fresh state), appends its timeline
//! entries, and appends its event to the event log (the outbox of webhooks and notifications,
//! see [`crate::alarm`]). Like the alarm store, the SQL is written once with `$N` parameters and
//! instantiated for both backends by [`impl_case_store!`].

use serde::{Deserialize, Serialize};

use crate::Result;

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseRow {
    /// The case number (`AJ` + date + sequence).
    pub id: String,
    /// The store's sequence number (the event log's `ref_id`).
    pub seq: i64,
    /// Status (the cases crate's name).
    pub status: String,
    /// Open (not closed, rejected or merged).
    pub open: bool,
    /// Source: hotline, grid, citizen, alarm, inspector, open311.
    pub source: String,
    /// Category code.
    pub category: String,
    /// normal, urgent, emergency.
    pub urgency: String,
    /// Region code of the place.
    pub region: Option<String>,
    /// Grid of the place.
    pub grid: Option<String>,
    /// Assigned department.
    pub department: Option<String>,
    /// `,a,b,`: the departments that see the case (assigned, co-assigned by escalation, and the
    /// grid's departments whose categories include the case's).
    pub visible_to: String,
    /// WGS84.
    pub lon: Option<f64>,
    /// WGS84.
    pub lat: Option<f64>,
    /// Where, in words.
    pub address: Option<String>,
    /// What, in words.
    pub description: String,
    /// The reporter's name (personal information: masked by the engine for roles that may
    /// not see it).
    pub reporter_name: Option<String>,
    /// The reporter's phone (personal information).
    pub reporter_phone: Option<String>,
    /// The department of the user who reported it (a grid worker's town): it keeps seeing
    /// the case.
    pub reporter_department: Option<String>,
    /// The origin's reference (alarm id, hotline ticket, Open311 token).
    pub source_ref: Option<String>,
    /// Epoch ms.
    pub created_ms: i64,
    /// Epoch ms of the last step.
    pub updated_ms: i64,
    /// Epoch ms.
    pub closed_ms: Option<i64>,
    /// The deadline of the running stage (for the timer), none when nothing runs.
    pub due_ms: Option<i64>,
    /// 0 none, 1 county department, 2 command center.
    pub escalation_level: i64,
    /// The whole state, JSON.
    pub state: String,
    /// Bumped by every change.
    pub version: i64,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseTimelineRow {
    /// Assigned by the store.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// Epoch ms.
    pub at_ms: i64,
    /// Who (a user name, `system`, `reporter`).
    pub actor: String,
    /// The action's name.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// The entry, JSON.
    pub entry: String,
}

/// A file attached to a case (stored by content, as evidence files are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseAttachment {
    /// Assigned by the store.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// File name as uploaded.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 (the file's name in storage).
    pub sha256: String,
    /// User name.
    pub uploaded_by: String,
    /// Epoch ms.
    pub uploaded_ms: i64,
}

/// An event to append with a case change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Epoch ms.
    pub at_ms: i64,
    /// `case.reported`, `case.dispatched`, …
    pub topic: String,
    /// Who may see it.
    pub department: String,
    /// Severity (none for cases).
    pub severity: Option<String>,
    /// Who acted.
    pub actor: Option<String>,
    /// JSON.
    pub body: String,
}

/// A filter over cases; newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseQuery {
    /// Statuses (any of).
    pub statuses: Vec<String>,
    /// Open or not.
    pub open: Option<bool>,
    /// Visible to this department (assigned, co-assigned or by grid fusion).
    pub department: Option<String>,
    /// Assigned to this department.
    pub assigned: Option<String>,
    /// Category code prefix (a subtree when codes nest by prefix).
    pub categories: Vec<String>,
    /// Region code prefix.
    pub region: Option<String>,
    /// Grid.
    pub grid: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Source reference.
    pub source_ref: Option<String>,
    /// Created at or after.
    pub from_ms: Option<i64>,
    /// Created before.
    pub to_ms: Option<i64>,
    /// Overdue at this time (the running stage's deadline passed).
    pub overdue_at: Option<i64>,
    /// Sequence numbers below this (paging).
    pub before_seq: Option<i64>,
    /// Most rows.
    pub limit: usize,
}

/// Cases. Part of [`crate::Store`].
#[async_trait::async_trait]
pub trait CaseStore: Send + Sync {
    /// The next case sequence number (never reused).
    async fn next_case_seq(&self) -> Result<i64>;
    /// Stores a new case with its first timeline entry and event, in one transaction;
    /// [`crate::Error::Conflict`] if the id exists. Answers the event's id.
    async fn insert_case(
        &self,
        c: &CaseRow,
        entries: &[CaseTimelineRow],
        event: Option<&NewEvent>,
    ) -> Result<Option<i64>>;
    /// Replaces a case whose stored version is `c.version - 1`, appending its entries and its
    /// event, in one transaction; `false` (nothing written) when the case changed meanwhile.
    async fn update_case(
        &self,
        c: &CaseRow,
        entries: &[CaseTimelineRow],
        event: Option<&NewEvent>,
    ) -> Result<Option<Option<i64>>>;
    /// One case.
    async fn get_case(&self, id: &str) -> Result<Option<CaseRow>>;
    /// Cases matching the query, newest first.
    async fn list_cases(&self, q: &CaseQuery) -> Result<Vec<CaseRow>>;
    /// Open cases (those `department` may see, or all) and how many of them are past their
    /// deadline at `now_ms`.
    async fn count_open_cases(&self, department: Option<&str>, now_ms: i64) -> Result<(i64, i64)>;
    /// A case's timeline, oldest first.
    async fn list_case_timeline(&self, id: &str) -> Result<Vec<CaseTimelineRow>>;
    /// Stores an attachment's record.
    async fn insert_case_attachment(&self, a: &CaseAttachment) -> Result<i64>;
    /// A case's attachments, oldest first.
    async fn list_case_attachments(&self, case_id: &str) -> Result<Vec<CaseAttachment>>;
    /// One attachment.
    async fn get_case_attachment(&self, id: i64) -> Result<Option<CaseAttachment>>;
}

pub(crate) const CASE_COLUMNS: &str = "id, seq, status, open, source, category, urgency, region, \
    grid, department, visible_to, lon, lat, address, description, reporter_name, reporter_phone, \
    reporter_department, source_ref, created_ms, updated_ms, closed_ms, due_ms, escalation_level, state, version";
pub(crate) const ATTACHMENT_COLUMNS: &str =
    "id, case_id, file_name, content_type, size, sha256, uploaded_by, uploaded_ms";

/// The implementation of [`CaseStore`] for a store with a write pool `$w` and a read pool `$r`;
/// `$instr` is the dialect's substring-position function.
macro_rules! impl_case_store {
    ($store:ty, $w:ident, $r:ident, $instr:literal) => {
        impl $store {
            async fn append_case_rows<'c>(
                tx: &mut sqlx::Transaction<'c, <$store as $crate::case::Dialect>::Db>,
                entries: &[$crate::case::CaseTimelineRow],
                event: Option<&$crate::case::NewEvent>,
                seq: i64,
            ) -> $crate::Result<Option<i64>> {
                for e in entries {
                    sqlx::query(
                        "INSERT INTO case_timeline (case_id, at_ms, actor, action, from_status, \
                         to_status, entry) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&e.case_id)
                    .bind(e.at_ms)
                    .bind(&e.actor)
                    .bind(&e.action)
                    .bind(&e.from_status)
                    .bind(&e.to_status)
                    .bind(&e.entry)
                    .execute(&mut **tx)
                    .await?;
                }
                let Some(ev) = event else {
                    return Ok(None);
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO event_log (at_ms, topic, department, ref_id, severity, actor, body) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(ev.at_ms)
                .bind(&ev.topic)
                .bind(&ev.department)
                .bind(seq)
                .bind(ev.severity.as_deref())
                .bind(ev.actor.as_deref())
                .bind(&ev.body)
                .fetch_one(&mut **tx)
                .await?;
                Ok(Some(id))
            }
        }

        #[async_trait::async_trait]
        impl $crate::case::CaseStore for $store {
            async fn next_case_seq(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar("INSERT INTO case_seq (at_ms) VALUES (0) RETURNING id")
                    .fetch_one(&self.$w)
                    .await?)
            }

            async fn insert_case(
                &self,
                c: &$crate::case::CaseRow,
                entries: &[$crate::case::CaseTimelineRow],
                event: Option<&$crate::case::NewEvent>,
            ) -> $crate::Result<Option<i64>> {
                let mut tx = self.$w.begin().await?;
                sqlx::query(&format!(
                    "INSERT INTO case_record ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                     $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
                    $crate::case::CASE_COLUMNS
                ))
                .bind(&c.id)
                .bind(c.seq)
                .bind(&c.status)
                .bind(c.open)
                .bind(&c.source)
                .bind(&c.category)
                .bind(&c.urgency)
                .bind(c.region.as_deref())
                .bind(c.grid.as_deref())
                .bind(c.department.as_deref())
                .bind(&c.visible_to)
                .bind(c.lon)
                .bind(c.lat)
                .bind(c.address.as_deref())
                .bind(&c.description)
                .bind(c.reporter_name.as_deref())
                .bind(c.reporter_phone.as_deref())
                .bind(c.reporter_department.as_deref())
                .bind(c.source_ref.as_deref())
                .bind(c.created_ms)
                .bind(c.updated_ms)
                .bind(c.closed_ms)
                .bind(c.due_ms)
                .bind(c.escalation_level)
                .bind(&c.state)
                .bind(c.version)
                .execute(&mut *tx)
                .await
                .map_err(|e| $crate::codec::conflict_on_unique(e, || format!("case {} exists", c.id)))?;
                let ev = Self::append_case_rows(&mut tx, entries, event, c.seq).await?;
                tx.commit().await?;
                Ok(ev)
            }

            async fn update_case(
                &self,
                c: &$crate::case::CaseRow,
                entries: &[$crate::case::CaseTimelineRow],
                event: Option<&$crate::case::NewEvent>,
            ) -> $crate::Result<Option<Option<i64>>> {
                let mut tx = self.$w.begin().await?;
                let n = sqlx::query(
                    "UPDATE case_record SET status = $2, open = $3, category = $4, urgency = $5, \
                     region = $6, grid = $7, department = $8, visible_to = $9, lon = $10, lat = $11, \
                     address = $12, description = $13, updated_ms = $14, closed_ms = $15, \
                     due_ms = $16, escalation_level = $17, state = $18, version = $19 \
                     WHERE id = $1 AND version = $20",
                )
                .bind(&c.id)
                .bind(&c.status)
                .bind(c.open)
                .bind(&c.category)
                .bind(&c.urgency)
                .bind(c.region.as_deref())
                .bind(c.grid.as_deref())
                .bind(c.department.as_deref())
                .bind(&c.visible_to)
                .bind(c.lon)
                .bind(c.lat)
                .bind(c.address.as_deref())
                .bind(&c.description)
                .bind(c.updated_ms)
                .bind(c.closed_ms)
                .bind(c.due_ms)
                .bind(c.escalation_level)
                .bind(&c.state)
                .bind(c.version)
                .bind(c.version - 1)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Ok(None);
                }
                let ev = Self::append_case_rows(&mut tx, entries, event, c.seq).await?;
                tx.commit().await?;
                Ok(Some(ev))
            }

            async fn get_case(&self, id: &str) -> $crate::Result<Option<$crate::case::CaseRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM case_record WHERE id = $1",
                    $crate::case::CASE_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.$r)
                .await?)
            }

            async fn list_cases(
                &self,
                q: &$crate::case::CaseQuery,
            ) -> $crate::Result<Vec<$crate::case::CaseRow>> {
                let set = |v: &[String]| -> Option<String> {
                    (!v.is_empty()).then(|| format!(",{},", v.join(",")))
                };
                // Category prefixes: at most a few; matched one by one in SQL would need a
                // variable statement, so they are checked after the query (rows are bounded).
                let limit = q.limit.clamp(1, 100_000) as i64;
                let fetch = if q.categories.is_empty() { limit } else { 100_000 };
                let rows: Vec<$crate::case::CaseRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM case_record WHERE \
                     ($1 IS NULL OR {} > 0) \
                     AND ($2 IS NULL OR open = $2) \
                     AND ($3 IS NULL OR {} > 0) \
                     AND ($4 IS NULL OR department = $4) \
                     AND ($5 IS NULL OR substr(region, 1, length($5)) = $5) \
                     AND ($6 IS NULL OR grid = $6) \
                     AND ($7 IS NULL OR source = $7) \
                     AND ($8 IS NULL OR created_ms >= $8) \
                     AND ($9 IS NULL OR created_ms < $9) \
                     AND ($10 IS NULL OR (open AND due_ms IS NOT NULL AND due_ms < $10)) \
                     AND ($11 IS NULL OR seq < $11) \
                     AND ($12 IS NULL OR source_ref = $12) \
                     ORDER BY seq DESC LIMIT $13",
                    $crate::case::CASE_COLUMNS,
                    concat!($instr, "($1, ',' || status || ',')"),
                    concat!($instr, "(visible_to, ',' || $3 || ',')"),
                ))
                .bind(set(&q.statuses))
                .bind(q.open)
                .bind(q.department.as_deref())
                .bind(q.assigned.as_deref())
                .bind(q.region.as_deref())
                .bind(q.grid.as_deref())
                .bind(q.source.as_deref())
                .bind(q.from_ms)
                .bind(q.to_ms)
                .bind(q.overdue_at)
                .bind(q.before_seq)
                .bind(q.source_ref.as_deref())
                .bind(fetch)
                .fetch_all(&self.$r)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter(|r| {
                        q.categories.is_empty()
                            || q.categories.iter().any(|c| r.category.starts_with(c.as_str()))
                    })
                    .take(limit as usize)
                    .collect())
            }

            async fn count_open_cases(
                &self,
                department: Option<&str>,
                now_ms: i64,
            ) -> $crate::Result<(i64, i64)> {
                Ok(sqlx::query_as(concat!(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_ms IS NOT NULL AND due_ms < $2 \
                     THEN 1 ELSE 0 END), 0) FROM case_record WHERE open \
                     AND ($1 IS NULL OR ",
                    $instr,
                    "(visible_to, ',' || $1 || ',') > 0)"
                ))
                .bind(department)
                .bind(now_ms)
                .fetch_one(&self.$r)
                .await?)
            }

            async fn list_case_timeline(
                &self,
                id: &str,
            ) -> $crate::Result<Vec<$crate::case::CaseTimelineRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, case_id, at_ms, actor, action, from_status, to_status, entry \
                     FROM case_timeline WHERE case_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn insert_case_attachment(
                &self,
                a: &$crate::case::CaseAttachment,
            ) -> $crate::Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO case_attachment (case_id, file_name, content_type, size, sha256, \
                     uploaded_by, uploaded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&a.case_id)
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.size)
                .bind(&a.sha256)
                .bind(&a.uploaded_by)
                .bind(a.uploaded_ms)
                .fetch_one(&self.$w)
                .await
                .map_err(|e| {
                    $crate::codec::missing_on_foreign_key(e, || format!("case {}", a.case_id))
                })
            }

            async fn list_case_attachments(
                &self,
                case_id: &str,
            ) -> $crate::Result<Vec<$crate::case::CaseAttachment>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM case_attachment WHERE case_id = $1 ORDER BY id",
                    $crate::case::ATTACHMENT_COLUMNS
                ))
                .bind(case_id)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn get_case_attachment(
                &self,
                id: i64,
            ) -> $crate::Result<Option<$crate::case::CaseAttachment>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM case_attachment WHERE id = $1",
                    $crate::case::ATTACHMENT_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.$r)
                .await?)
            }
        }
    };
}
pub(crate) use impl_case_store;

/// The sqlx database of a store (so the shared implementation can name its transaction type).
pub(crate) trait Dialect {
    type Db: sqlx::Database;
}

impl Dialect for crate::sqlite::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl Dialect for crate::postgres::PgStore {
    type Db = sqlx::Postgres;
}
