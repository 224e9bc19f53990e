//! Persistence for zhicheng: one [`Store`] trait, two implementations.
//!
//! - [`sqlite::SqliteStore`]: the default, a single file `<data_dir>/zhicheng.db` in WAL mode,
//!   written through one connection and read through a small pool.
//! - [`postgres::PgStore`]: for production and for many nodes.
//!
//! Both run versioned migrations (`migrations/sqlite`, `migrations/postgres`) and pass the same
//! conformance suite (`tests/conformance.rs`). The engine speaks only to the trait, so the
//! backend is chosen by URL at start: [`open`] takes `sqlite://…` or `postgres://…`.
//!
//! History is keyed by *series* — one (entity, metric) pair with a numeric id — so that the hot
//! table holds three numbers per reading and a replayed reading lands on the same key.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use zhicheng_model::{Department, Entity, EntityQuery, Grid, Kind, Page, Region, Step};

pub use alarm::{
    AlarmAction, AlarmChange, AlarmChangeKind, AlarmComment, AlarmQuery, AlarmRecord, AlarmStore,
    AlarmWritten, EventRecord, OpenAlarmCount, RuleVersion, Webhook, WebhookLog,
};
pub use case::{CaseAttachment, CaseQuery, CaseRow, CaseStore, CaseTimelineRow, NewEvent};

pub mod alarm;
mod batch;
mod block;
pub mod case;
mod codec;
mod filter;
pub mod postgres;
pub mod sqlite;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The change conflicts with what is stored (duplicate id, still referenced...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be decoded (corrupt row), or a value cannot be stored faithfully
    /// (a non-finite reading, a timestamp beyond ±2^53 ms).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not one we know.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    BadUrl(String),
}

/// Store result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A user as stored, with the password hash (never leaves the server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UserRecord {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role name (`admin`, `operator`, `department`, `viewer`).
    pub role: String,
    /// Department, for department users.
    pub department: Option<String>,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Disabled users cannot log in.
    pub disabled: bool,
    /// Creation time (epoch ms).
    pub created_ms: i64,
}

/// A browser or API session. The token itself is never stored, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Session {
    /// Hex SHA-256 of the bearer token.
    pub token_hash: String,
    /// Owner.
    pub username: String,
    /// Creation time (epoch ms).
    pub created_ms: i64,
    /// Expiry (epoch ms).
    pub expires_ms: i64,
}

/// A device token: lets one device write readings for one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeviceToken {
    /// Short public identifier of the token (for listing and revoking).
    pub id: String,
    /// Entity the token may write.
    pub entity: String,
    /// Hex SHA-256 of the secret token.
    pub token_hash: String,
    /// Creation time (epoch ms).
    pub created_ms: i64,
    /// Who issued it.
    pub created_by: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// Sequence number (assigned by the store; 0 on insert).
    pub id: i64,
    /// Time (epoch ms).
    pub ts: i64,
    /// Who.
    pub actor: String,
    /// What, e.g. `login`, `entity.delete`, `token.issue`.
    pub action: String,
    /// On what, e.g. the entity id.
    pub target: String,
    /// Free details (JSON text).
    pub detail: String,
}

/// A department's value of one indicator for one month, with the big-data center's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct IndicatorSubmission {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The indicator pack's id.
    pub pack: String,
    /// Indicator number within the pack.
    pub indicator: i64,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The value.
    pub value: f64,
    /// The department's note (may be empty).
    pub note: String,
    /// The department the value is entered for.
    pub department: Option<String>,
    /// Who submitted.
    pub submitted_by: String,
    /// When (epoch ms).
    pub submitted_ms: i64,
    /// `submitted`, `approved` or `returned`.
    pub status: String,
    /// Who reviewed.
    pub reviewed_by: Option<String>,
    /// When (epoch ms).
    pub reviewed_ms: Option<i64>,
    /// The reviewer's comment (required to return).
    pub review_comment: Option<String>,
}

/// Filters of [`Store::list_submissions`]; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmissionQuery {
    pub pack: Option<String>,
    pub indicator: Option<i64>,
    pub period: Option<String>,
    pub status: Option<String>,
    pub department: Option<String>,
}

/// An evidence file of a submission; the bytes are on disk at `path` (relative to the data
/// directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct IndicatorEvidence {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The submission.
    pub submission: i64,
    /// File name as uploaded.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Where the bytes are, relative to the data directory.
    pub path: String,
    /// Who uploaded.
    pub uploaded_by: String,
    /// When (epoch ms).
    pub uploaded_ms: i64,
}

/// A scorecard period (one month of one pack) that has been closed at least once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ScorecardPeriod {
    /// The indicator pack's id.
    pub pack: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// `open` or `closed`.
    pub status: String,
    /// Who closed it last.
    pub closed_by: Option<String>,
    /// When (epoch ms).
    pub closed_ms: Option<i64>,
    /// Who reopened it last.
    pub reopened_by: Option<String>,
    /// When (epoch ms).
    pub reopened_ms: Option<i64>,
    /// The scorecard as computed at closing (JSON text); `None` while open.
    pub snapshot: Option<String>,
    /// Hex SHA-256 of `snapshot`.
    pub snapshot_sha256: Option<String>,
}

/// One monthly progress report of a key task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TaskProgress {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The task pack's id.
    pub pack: String,
    /// The task's id within the pack (e.g. `key-01`).
    pub task: String,
    /// The task's numbering in the document (e.g. `1`).
    pub number: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// Percent done, 0–100.
    pub percent: i64,
    /// What was done (may be empty).
    pub narrative: String,
    /// The responsible person.
    pub person: String,
    /// The responsible person's contact phone (personal data).
    pub contact: String,
    /// The department reported for.
    pub department: Option<String>,
    /// Who reported.
    pub reported_by: String,
    /// When (epoch ms).
    pub reported_ms: i64,
}

/// An evidence file of a key-task progress report (schema v7). The bytes are stored by
/// content, as for [`IndicatorEvidence`]: `<data_dir>/evidence/<sha256[0..2]>/<sha256>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TaskEvidence {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The progress report ([`TaskProgress::id`]).
    pub progress: i64,
    /// File name as uploaded.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Who uploaded.
    pub uploaded_by: String,
    /// When (epoch ms).
    pub uploaded_ms: i64,
}

/// A community's self-assessment against DB37/T 3890.3-2020 for one month (schema v8): the
/// completed weight of its required tasks. Rows are never updated; the latest per (community,
/// month) counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CommunityAssessment {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The community's 12-digit region code.
    pub community: String,
    /// `YYYY-MM` (UTC+8).
    pub period: String,
    /// Completed weight of the required tasks, per cent (0–100).
    pub weight: f64,
    pub note: String,
    /// The assessor's department (`None` for the big-data center: admins and operators).
    pub department: Option<String>,
    /// Who assessed.
    pub assessed_by: String,
    /// When (epoch ms).
    pub assessed_ms: i64,
}

/// A base figure of a scorecard pack for one month (schema v9): a named `input(name)` of its
/// formulas the platform cannot measure (e.g. `households`). Rows are never updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct BaseFigure {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The indicator pack's id.
    pub pack: String,
    /// The input's name.
    pub name: String,
    /// `YYYY-MM` (UTC+8) from which the figure holds.
    pub period: String,
    pub value: f64,
    /// Where the figure comes from (e.g. the statistics bureau's year-end figure).
    pub note: String,
    pub entered_by: String,
    /// Epoch ms.
    pub entered_ms: i64,
}

/// An evidence file of a community assessment (schema v8), stored by content as
/// [`TaskEvidence`] is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CommunityEvidence {
    /// Assigned by the store (0 on insert).
    pub id: i64,
    /// The assessment ([`CommunityAssessment::id`]).
    pub assessment: i64,
    /// File name as uploaded.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Who uploaded.
    pub uploaded_by: String,
    /// When (epoch ms).
    pub uploaded_ms: i64,
}

/// Filters of [`Store::list_community_assessments`]; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommunityAssessmentQuery {
    /// The community's region code.
    pub community: Option<String>,
    /// `YYYY-MM`.
    pub period: Option<String>,
}

/// Filters of [`Store::list_task_progress`]; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskProgressQuery {
    pub pack: Option<String>,
    pub task: Option<String>,
    pub period: Option<String>,
    /// Reports of months up to and including this one.
    pub up_to_period: Option<String>,
    pub department: Option<String>,
}

/// A series: one metric of one entity, with its numeric key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::FromRow)]
pub struct Series {
    /// Numeric key used in history.
    pub id: i64,
    /// Entity id.
    pub entity: String,
    /// Metric name.
    pub metric: String,
}

/// One value to write into history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Series key.
    pub series: i64,
    /// Time (epoch ms UTC).
    pub ts: i64,
    /// Value.
    pub value: f64,
}

/// The latest value of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Latest {
    /// Series key.
    pub series: i64,
    /// Time of the value (epoch ms).
    pub ts: i64,
    /// The value.
    pub value: f64,
}

/// One bucket of a roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupPoint {
    /// Bucket start (epoch ms).
    pub ts: i64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Mean.
    pub avg: f64,
    /// Number of raw readings.
    pub count: i64,
}

/// What a batch write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Points that were new.
    pub inserted: u64,
    /// Points already stored (replays), ignored.
    pub duplicates: u64,
}

/// State of the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationStatus {
    /// Versions applied.
    pub applied: Vec<i64>,
    /// Versions known to this binary but not applied.
    pub pending: Vec<i64>,
}

/// Everything zhicheng persists. Implemented by [`sqlite::SqliteStore`] and [`postgres::PgStore`].
///
/// Registry writes are upserts (`put_*`) except entities, whose insert fails with
/// [`Error::Conflict`] on a duplicate id so that an import never overwrites silently.
///
/// The store does not check references on write (an entity may name a kind or region not yet
/// stored, so imports can come in any order); deletes that would leave references behind are
/// refused with [`Error::Conflict`]. Regions nest by code prefix: `370323` contains `370323100`
/// and `370323100201`.
///
/// History: readings are stored per [`Series`] and keyed by (series, ts), so replaying a batch
/// is harmless. Roll-ups (1m, 1h, 1d; days start at 00:00 UTC+8) are recomputed from their
/// sources, never incremented, so they stay exact under replays and late readings.
#[async_trait]
pub trait Store: alarm::AlarmStore + case::CaseStore + Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<MigrationStatus>;
    /// Lists applied and pending migrations.
    async fn migration_status(&self) -> Result<MigrationStatus>;
    /// Round trip to the database.
    async fn ping(&self) -> Result<()>;
    /// Closes connections after flushing what is pending.
    async fn close(&self);

    // ---- regions, departments, grids, kinds ----
    /// Inserts or replaces a region.
    async fn put_region(&self, r: &Region) -> Result<()>;
    /// One region.
    async fn get_region(&self, code: &str) -> Result<Option<Region>>;
    /// All regions, ordered by code.
    async fn list_regions(&self) -> Result<Vec<Region>>;
    /// Deletes a region; `false` if there is none. [`Error::Conflict`] while it has child
    /// regions, or grids or entities in it or below it (by code prefix).
    async fn delete_region(&self, code: &str) -> Result<bool>;

    /// Inserts or replaces a department.
    async fn put_department(&self, d: &Department) -> Result<()>;
    /// One department.
    async fn get_department(&self, id: &str) -> Result<Option<Department>>;
    /// All departments, ordered by id.
    async fn list_departments(&self) -> Result<Vec<Department>>;
    /// Deletes a department; [`Error::Conflict`] while it owns entities or users.
    async fn delete_department(&self, id: &str) -> Result<bool>;

    /// Inserts or replaces a grid.
    async fn put_grid(&self, g: &Grid) -> Result<()>;
    /// One grid.
    async fn get_grid(&self, id: &str) -> Result<Option<Grid>>;
    /// Grids, optionally those of one region (and below, by code prefix), ordered by id.
    async fn list_grids(&self, region: Option<&str>) -> Result<Vec<Grid>>;
    /// Deletes a grid.
    async fn delete_grid(&self, id: &str) -> Result<bool>;

    /// Inserts or replaces a kind.
    async fn put_kind(&self, k: &Kind) -> Result<()>;
    /// One kind.
    async fn get_kind(&self, id: &str) -> Result<Option<Kind>>;
    /// All kinds, ordered by id.
    async fn list_kinds(&self) -> Result<Vec<Kind>>;
    /// Deletes a kind; [`Error::Conflict`] while entities use it.
    async fn delete_kind(&self, id: &str) -> Result<bool>;

    // ---- entities ----
    /// Inserts a new entity; [`Error::Conflict`] if the id exists.
    async fn insert_entity(&self, e: &Entity) -> Result<()>;
    /// Inserts many entities in one transaction; all or nothing. [`Error::Conflict`] (naming
    /// the id) if one exists already or appears twice in `es`.
    async fn insert_entities(&self, es: &[Entity]) -> Result<()>;
    /// Replaces an existing entity; `false` if there is none. `created_ms` is kept from the stored
    /// entity (creation time does not change).
    async fn update_entity(&self, e: &Entity) -> Result<bool>;
    /// One entity.
    async fn get_entity(&self, id: &str) -> Result<Option<Entity>>;
    /// A filtered page of entities ordered by id (bytewise), `query.after` being the cursor.
    ///
    /// Filters: `kind`, `department` (equal); `region` (that code and every code starting with
    /// it); `bbox` (intersects the entity's bounding box; entities without geometry never
    /// match); `text` (substring of id or name, ASCII case-insensitive, `%` and `_` literal).
    /// `limit` 0 means 100, and above 1000 is clamped. `next_cursor` is set when there may be
    /// more (the next page can then be empty); nothing is counted.
    async fn list_entities(&self, query: &EntityQuery) -> Result<Page<Entity>>;
    /// Deletes an entity with its series, history, state and device tokens.
    async fn delete_entity(&self, id: &str) -> Result<bool>;
    /// Number of entities (all, or of one kind).
    async fn count_entities(&self, kind: Option<&str>) -> Result<u64>;

    // ---- users, sessions, device tokens, audit ----
    /// Inserts or replaces a user.
    async fn put_user(&self, u: &UserRecord) -> Result<()>;
    /// One user.
    async fn get_user(&self, username: &str) -> Result<Option<UserRecord>>;
    /// All users, ordered by name.
    async fn list_users(&self) -> Result<Vec<UserRecord>>;
    /// Deletes a user and their sessions.
    async fn delete_user(&self, username: &str) -> Result<bool>;

    /// Stores a new session.
    async fn create_session(&self, s: &Session) -> Result<()>;
    /// Looks a session up by token hash (expired ones included; the caller checks).
    async fn get_session(&self, token_hash: &str) -> Result<Option<Session>>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Removes sessions that expired before `now_ms`; returns how many.
    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64>;

    /// Stores a device token.
    async fn create_device_token(&self, t: &DeviceToken) -> Result<()>;
    /// Tokens of one entity, or all tokens.
    async fn list_device_tokens(&self, entity: Option<&str>) -> Result<Vec<DeviceToken>>;
    /// Revokes (deletes) one token of an entity.
    async fn revoke_device_token(&self, entity: &str, id: &str) -> Result<bool>;

    /// Appends to the audit trail.
    async fn append_audit(&self, a: &AuditEntry) -> Result<()>;
    /// The newest audit entries (at most `limit`), newest first, with id below `before` if given.
    async fn list_audit(&self, limit: usize, before: Option<i64>) -> Result<Vec<AuditEntry>>;

    // ---- indicator submissions and evidence ----
    /// Stores a new submission (its `id` is ignored) and returns the id assigned.
    async fn insert_submission(&self, s: &IndicatorSubmission) -> Result<i64>;
    /// Stores new submissions in one transaction (all or none); their ids, in order.
    async fn insert_submissions(&self, list: &[IndicatorSubmission]) -> Result<Vec<i64>>;
    /// One submission.
    async fn get_submission(&self, id: i64) -> Result<Option<IndicatorSubmission>>;
    /// Submissions matching `q`, newest first (by `submitted_ms`, then id).
    async fn list_submissions(&self, q: &SubmissionQuery) -> Result<Vec<IndicatorSubmission>>;
    /// Records the review of a submission still `submitted`: sets `status`, `reviewed_by`,
    /// `reviewed_ms` and `review_comment`. `false` when there is no such submission or it was
    /// reviewed already (the review happens once).
    async fn review_submission(
        &self,
        id: i64,
        status: &str,
        reviewed_by: &str,
        reviewed_ms: i64,
        comment: Option<&str>,
    ) -> Result<bool>;
    /// Stores an evidence record (its `id` is ignored) and returns the id assigned.
    /// [`Error::NotFound`] when the submission does not exist.
    async fn insert_evidence(&self, e: &IndicatorEvidence) -> Result<i64>;
    /// The evidence of a submission, in upload order.
    async fn list_evidence(&self, submission: i64) -> Result<Vec<IndicatorEvidence>>;
    /// One evidence record.
    async fn get_evidence(&self, id: i64) -> Result<Option<IndicatorEvidence>>;

    // ---- scorecard periods ----
    /// One period of a pack (`None`: never closed, i.e. open).
    async fn get_scorecard_period(
        &self,
        pack: &str,
        period: &str,
    ) -> Result<Option<ScorecardPeriod>>;
    /// The periods of a pack that were ever closed, by period.
    async fn list_scorecard_periods(&self, pack: &str) -> Result<Vec<ScorecardPeriod>>;
    /// Closes a period that is open (or has no row yet) with `p`'s `closed_by`, `closed_ms`,
    /// `snapshot` and `snapshot_sha256` (its `status` and reopening fields are ignored; an
    /// earlier reopening is kept). `false` when the period is closed already.
    async fn close_scorecard_period(&self, p: &ScorecardPeriod) -> Result<bool>;
    /// Reopens a closed period: `open`, `reopened_by`, `reopened_ms`, and the snapshot dropped.
    /// `false` when the period is not closed.
    async fn reopen_scorecard_period(
        &self,
        pack: &str,
        period: &str,
        reopened_by: &str,
        reopened_ms: i64,
    ) -> Result<bool>;

    // ---- key-task progress ----
    /// Stores a new progress report (its `id` is ignored) and returns the id assigned.
    async fn insert_task_progress(&self, p: &TaskProgress) -> Result<i64>;
    /// Progress reports matching `q`, newest first (by period, then `reported_ms`, then id).
    async fn list_task_progress(&self, q: &TaskProgressQuery) -> Result<Vec<TaskProgress>>;
    /// One progress report.
    async fn get_task_progress(&self, id: i64) -> Result<Option<TaskProgress>>;
    /// Stores an evidence record of a progress report (its `id` is ignored) and returns the id
    /// assigned. [`Error::NotFound`] when the report does not exist.
    async fn insert_task_evidence(&self, e: &TaskEvidence) -> Result<i64>;
    /// The evidence of these progress reports, by report and then upload order.
    async fn list_task_evidence(&self, progress: &[i64]) -> Result<Vec<TaskEvidence>>;
    /// One evidence record of a progress report.
    async fn get_task_evidence(&self, id: i64) -> Result<Option<TaskEvidence>>;

    // ---- community assessments (schema v8) ----
    /// Stores a community assessment (its `id` is ignored) and returns the id assigned.
    async fn insert_community_assessment(&self, a: &CommunityAssessment) -> Result<i64>;
    /// Assessments matching `q`, newest first (by period, then `assessed_ms`, then id).
    async fn list_community_assessments(
        &self,
        q: &CommunityAssessmentQuery,
    ) -> Result<Vec<CommunityAssessment>>;
    /// One assessment.
    async fn get_community_assessment(&self, id: i64) -> Result<Option<CommunityAssessment>>;
    /// Stores an evidence record of an assessment (its `id` is ignored) and returns the id
    /// assigned. [`Error::NotFound`] when the assessment does not exist.
    async fn insert_community_evidence(&self, e: &CommunityEvidence) -> Result<i64>;
    /// The evidence of these assessments, by assessment and then upload order.
    async fn list_community_evidence(&self, assessments: &[i64]) -> Result<Vec<CommunityEvidence>>;
    /// One evidence record of an assessment.
    async fn get_community_evidence(&self, id: i64) -> Result<Option<CommunityEvidence>>;

    // ---- base figures (schema v9) ----
    /// Stores a base figure (its `id` is ignored) and returns the id assigned.
    async fn insert_base_figure(&self, f: &BaseFigure) -> Result<i64>;
    /// The base figures of `pack` entered for months up to `up_to` (`YYYY-MM`, inclusive; all
    /// when `None`), newest first (by period, then `entered_ms`, then id).
    async fn list_base_figures(&self, pack: &str, up_to: Option<&str>) -> Result<Vec<BaseFigure>>;

    // ---- series, history, state ----
    /// Returns the series of these (entity, metric) pairs in the same order, creating the missing
    /// ones. Ids are never reused, even after the entity is deleted.
    async fn ensure_series(&self, keys: &[(String, String)]) -> Result<Vec<Series>>;
    /// All series.
    async fn list_series(&self) -> Result<Vec<Series>>;
    /// Writes a batch in one transaction: history (a point whose (series, ts) is stored, or
    /// given earlier in the batch, is a duplicate and ignored), the latest state (only moved
    /// forward in time: a point replaces it if its ts is not older), and the dirty roll-up
    /// buckets. Durable when this returns. The whole batch is refused with [`Error::Corrupt`]
    /// if a value is not finite or beyond ±1e300, or a timestamp is beyond ±2^53 ms.
    async fn write_batch(&self, points: &[Point]) -> Result<WriteStats>;
    /// As [`Store::write_batch`], and in the same transaction the alarm changes that
    /// evaluating the batch produced (see [`alarm::AlarmStore::apply_alarm_changes`]): one
    /// commit makes both durable, so the alarm of a reading is never stored without it nor
    /// later than it.
    async fn write_batch_with_alarms(
        &self,
        points: &[Point],
        changes: &[alarm::AlarmChange],
    ) -> Result<(WriteStats, Vec<alarm::AlarmWritten>)>;
    /// Latest values of all series.
    async fn list_latest(&self) -> Result<Vec<Latest>>;
    /// Raw history of one series in `[from, to)`, oldest first, at most `limit` points.
    async fn history_raw(
        &self,
        series: i64,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<(i64, f64)>>;
    /// Rolled-up history at `step`: the buckets overlapping `[from, to)` (so the first may start
    /// before `from`), oldest first. Dirty minutes feeding them are compacted first, so the
    /// answer is always complete.
    async fn history_rollup(
        &self,
        series: i64,
        step: Step,
        from: i64,
        to: i64,
    ) -> Result<Vec<RollupPoint>>;
    /// Folds up to `max` dirty minute buckets into the 1m/1h/1d roll-ups in one transaction:
    /// each minute is recomputed from raw history, its hour from minutes, its day from hours.
    /// Returns how many were taken (0 when nothing is dirty).
    async fn compact_rollups(&self, max: usize) -> Result<usize>;
    /// As [`Store::compact_rollups`], but only minutes that start before `before` (epoch ms).
    ///
    /// Why: background upkeep folds closed minutes only. A minute still receiving readings
    /// would otherwise be recomputed from all its raw points at every pass; roll-up queries fold
    /// whatever is dirty in their range first, so their answers stay complete.
    async fn compact_rollups_before(&self, max: usize, before: i64) -> Result<usize>;
    /// Rewrites the raw blocks of up to `max` (series, hour) pairs as few full blocks, for
    /// hours that ended at or before `before` and that roll-up compaction saw change since
    /// the store was opened. Returns how many pairs were rewritten. The points stay the same.
    ///
    /// Why: a device that sends one reading per request leaves one-point blocks; joined, they
    /// take a tenth of the space and of the index, and reads decode one block per hour.
    async fn repack_history(&self, max: usize, before: i64) -> Result<usize>;
    /// Deletes raw history older than `cutoff_ms` for entities of `kind`; returns the raw rows
    /// removed. The cutoff is rounded down to its minute; pending roll-ups are folded first;
    /// 1m roll-ups go for the whole hours before the cutoff; 1h and 1d roll-ups are kept.
    /// Afterwards, readings older than the cutoff no longer change the roll-ups (they are
    /// final), and are removed by the next run.
    async fn apply_retention(&self, kind: &str, cutoff_ms: i64) -> Result<u64>;
    /// Number of raw history rows (for tests and the bench; may be slow on large stores).
    async fn count_history(&self) -> Result<u64>;
}

/// Opens the store at `url` (`sqlite://PATH`, `sqlite::memory:` or `postgres://…`).
/// Does not migrate; call [`Store::migrate`].
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        Err(Error::BadUrl(url.to_string()))
    }
}
