//! Rules, alarms, the event log, webhooks and notification cursors (schema v10, issue 6).
//!
//! One [`AlarmStore`] trait and one implementation for both backends: the SQL is written once
//! with `$N` parameters, which SQLite (through sqlx) and PostgreSQL both accept, and
//! [`impl_alarm_store!`] instantiates it for [`crate::sqlite::SqliteStore`] (writes on its one
//! write connection, reads on the read pool) and [`crate::postgres::PgStore`].
//!
//! The event log is the outbox: every change that someone should hear about (an alarm raised,
//! cleared, acknowledged, assigned, commented) is appended in the same transaction as the
//! change itself. Webhooks and in-app notifications read the log from their own cursors, so a
//! crash between the change and its delivery delays the delivery; it never loses it.

use serde::{Deserialize, Serialize};

use crate::Result;

/// One version of a rule (the rules crate's JSON definition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RuleVersion {
    /// The rule's id.
    pub id: String,
    /// From 1; the highest version is the current one.
    pub version: i64,
    /// The definition as JSON (empty for a tombstone).
    pub definition: String,
    /// This version deletes the rule.
    pub deleted: bool,
    /// `api` or `file:<name>`.
    pub source: String,
    /// Who stored it.
    pub created_by: String,
    /// Epoch ms.
    pub created_ms: i64,
}

/// What the evaluator says happened to the alarm of a (rule, entity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmChangeKind {
    /// Raised: a new active alarm (or, after a crash replay, the one already active).
    Raised,
    /// The active alarm triggered again.
    Updated,
    /// The active alarm cleared by its rule.
    Cleared,
}

/// One evaluator transition with what the engine knows of its entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmChange {
    /// What happened.
    pub kind: AlarmChangeKind,
    /// Rule id.
    pub rule: String,
    /// Rule version.
    pub rule_version: i64,
    /// Rule name (what people read).
    pub rule_name: String,
    /// `critical`, `major`, `minor` or `warning`.
    pub severity: String,
    /// Entity id (a grid id for case rules).
    pub entity: String,
    /// The entity's kind (`grid` for case rules).
    pub kind_of_entity: String,
    /// The entity's region code.
    pub region: String,
    /// The owning department.
    pub department: String,
    /// When it happened (epoch ms): the raise, update or clear.
    pub at_ms: i64,
    /// The latest trigger it carries (a raise merged with later updates keeps `at_ms` as its
    /// raise time and carries the last update's time here; otherwise `at_ms`).
    pub updated_ms: i64,
    /// When the condition began.
    pub since_ms: i64,
    /// The value now.
    pub value: f64,
    /// The worst value while open.
    pub peak: f64,
    /// Triggers while open.
    pub count: i64,
    /// For people.
    pub message: String,
}

/// An alarm as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AlarmRecord {
    /// Assigned by the store.
    pub id: i64,
    /// Rule id.
    pub rule: String,
    /// Rule version that raised it.
    pub rule_version: i64,
    /// Rule name.
    pub rule_name: String,
    /// Severity.
    pub severity: String,
    /// Entity (or grid).
    pub entity: String,
    /// The entity's kind.
    pub kind: String,
    /// Region code.
    pub region: String,
    /// Owning department.
    pub department: String,
    /// `active` or `cleared`.
    pub status: String,
    /// When the condition began.
    pub since_ms: i64,
    /// When it was raised.
    pub raised_ms: i64,
    /// Last change.
    pub updated_ms: i64,
    /// When it cleared.
    pub cleared_ms: Option<i64>,
    /// Who cleared it by hand (none when its rule cleared it).
    pub cleared_by: Option<String>,
    /// Latest value.
    pub value: f64,
    /// Worst value while open.
    pub peak: f64,
    /// Triggers while open.
    pub count: i64,
    /// For people.
    pub message: String,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_ms: Option<i64>,
    /// Who is to deal with it (a user name).
    pub assignee: Option<String>,
}

/// A comment on an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AlarmComment {
    /// Assigned by the store.
    pub id: i64,
    /// The alarm.
    pub alarm: i64,
    /// Epoch ms.
    pub at_ms: i64,
    /// User name.
    pub author: String,
    /// The text.
    pub text: String,
}

/// What a person does to an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AlarmAction {
    /// Acknowledge (once).
    Acknowledge,
    /// Assign to a user (none: unassign).
    Assign {
        /// User name.
        assignee: Option<String>,
    },
    /// Comment.
    Comment {
        /// The text.
        text: String,
    },
    /// Clear an active alarm by hand.
    Clear {
        /// Why (kept as a comment).
        note: Option<String>,
    },
}

impl AlarmAction {
    /// The event-log topic of the action.
    pub fn topic(&self) -> &'static str {
        match self {
            AlarmAction::Acknowledge => "alarm.acknowledged",
            AlarmAction::Assign { .. } => "alarm.assigned",
            AlarmAction::Comment { .. } => "alarm.commented",
            AlarmAction::Clear { .. } => "alarm.cleared",
        }
    }
}

/// A filter over alarms; newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlarmQuery {
    /// `active` or `cleared`.
    pub status: Option<String>,
    /// Acknowledged or not.
    pub acknowledged: Option<bool>,
    /// Severities (any of).
    pub severities: Vec<String>,
    /// Rule id.
    pub rule: Option<String>,
    /// Entity id.
    pub entity: Option<String>,
    /// Departments (any of); empty = all.
    pub departments: Vec<String>,
    /// Assignee.
    pub assignee: Option<String>,
    /// Raised at or after (epoch ms).
    pub from_ms: Option<i64>,
    /// Raised before (epoch ms).
    pub to_ms: Option<i64>,
    /// Ids below this (paging).
    pub before_id: Option<i64>,
    /// Most rows.
    pub limit: usize,
}

/// Open alarms counted per (department, severity, acknowledged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OpenAlarmCount {
    /// Department.
    pub department: String,
    /// Severity.
    pub severity: String,
    /// Acknowledged.
    pub acknowledged: bool,
    /// How many.
    pub n: i64,
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EventRecord {
    /// Increasing; the cursor of webhooks and notifications.
    pub id: i64,
    /// Epoch ms.
    pub at_ms: i64,
    /// `alarm.raised`, `alarm.cleared`, `alarm.acknowledged`, `alarm.assigned`,
    /// `alarm.commented`.
    pub topic: String,
    /// The department the event belongs to (who may see it).
    pub department: String,
    /// The alarm (or case) id.
    pub ref_id: i64,
    /// The alarm's severity.
    pub severity: Option<String>,
    /// The user who acted (none for the rules).
    pub actor: Option<String>,
    /// JSON: the alarm after the change, and the comment's text for comments.
    pub body: String,
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Webhook {
    /// Identifier (letters, digits, `-_`).
    pub id: String,
    /// `http://` or `https://` URL.
    pub url: String,
    /// HMAC secret of the signature header.
    pub secret: Option<String>,
    /// Comma-separated topics or topic prefixes (`alarm.raised,alarm.cleared`, `alarm.`).
    pub topics: String,
    /// Least severity delivered (none: all).
    pub min_severity: Option<String>,
    /// Only this department's events (none: all).
    pub department: Option<String>,
    /// Disabled webhooks keep their cursor and receive nothing.
    pub enabled: bool,
    /// The last event delivered (or given up on).
    pub cursor: i64,
    /// Who made it.
    pub created_by: String,
    /// Epoch ms.
    pub created_ms: i64,
}

/// The final outcome of one event at one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WebhookLog {
    /// Assigned by the store.
    pub id: i64,
    /// Webhook id.
    pub webhook: String,
    /// Event id.
    pub event: i64,
    /// Epoch ms.
    pub at_ms: i64,
    /// `delivered`, `gave_up` or `dropped`.
    pub outcome: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last HTTP status.
    pub status: Option<i64>,
    /// The last error.
    pub error: Option<String>,
}

/// Rules, alarms, events, webhooks. Part of [`crate::Store`].
#[async_trait::async_trait]
pub trait AlarmStore: Send + Sync {
    /// Stores a rule version; [`crate::Error::Conflict`] if (id, version) exists.
    async fn insert_rule_version(&self, r: &RuleVersion) -> Result<()>;
    /// Stores rule versions in one transaction (all or none); [`crate::Error::Conflict`] if
    /// one (id, version) exists.
    async fn insert_rule_versions(&self, rs: &[RuleVersion]) -> Result<()>;
    /// Every version of every rule (or of one), by id then version.
    async fn list_rule_versions(&self, id: Option<&str>) -> Result<Vec<RuleVersion>>;

    /// Applies evaluator transitions in one transaction, appending `alarm.raised` and
    /// `alarm.cleared` to the event log. Idempotent under replays: a `Raised` for a (rule,
    /// entity) that has an active alarm updates it; an `Updated` without one raises; a
    /// `Cleared` without one does nothing. Answers, for each change that wrote something and
    /// in the changes' order, the alarm as it was right after the change, with its event.
    async fn apply_alarm_changes(&self, changes: &[AlarmChange]) -> Result<Vec<AlarmWritten>>;
    /// A person's action on an alarm, with its event, in one transaction. `None` if there is
    /// no such alarm; [`crate::Error::Conflict`] when the action does not apply (acknowledging
    /// twice, clearing a cleared alarm).
    async fn alarm_action(
        &self,
        id: i64,
        action: &AlarmAction,
        by: &str,
        at_ms: i64,
    ) -> Result<Option<(AlarmRecord, EventRecord)>>;
    /// One alarm.
    async fn get_alarm(&self, id: i64) -> Result<Option<AlarmRecord>>;
    /// Alarms matching the query, newest first.
    async fn list_alarms(&self, q: &AlarmQuery) -> Result<Vec<AlarmRecord>>;
    /// The comments of an alarm, oldest first.
    async fn list_alarm_comments(&self, alarm: i64) -> Result<Vec<AlarmComment>>;
    /// Active alarms per department, severity and acknowledgement.
    async fn count_open_alarms(&self) -> Result<Vec<OpenAlarmCount>>;

    /// Events after `after`, oldest first, at most `limit`.
    async fn list_events(&self, after: i64, limit: usize) -> Result<Vec<EventRecord>>;
    /// The newest event id (0 when none).
    async fn last_event_id(&self) -> Result<i64>;

    /// Replaces the evaluator snapshot.
    async fn save_rule_state(&self, at_ms: i64, saved_ms: i64, data: &[u8]) -> Result<()>;
    /// The evaluator snapshot: (its clock, when saved, bytes).
    async fn load_rule_state(&self) -> Result<Option<(i64, i64, Vec<u8>)>>;

    /// Creates or replaces a webhook (its cursor is kept on replace).
    async fn put_webhook(&self, w: &Webhook) -> Result<()>;
    /// Every webhook, by id.
    async fn list_webhooks(&self) -> Result<Vec<Webhook>>;
    /// Deletes a webhook and its log; `false` if there was none.
    async fn delete_webhook(&self, id: &str) -> Result<bool>;
    /// Records the final outcome of an event and moves the webhook's cursor to it (never back).
    async fn record_webhook_outcome(&self, log: &WebhookLog) -> Result<()>;
    /// A webhook's outcomes, newest first.
    async fn list_webhook_log(&self, webhook: &str, limit: usize) -> Result<Vec<WebhookLog>>;

    /// The last event a user has read (0 when none).
    async fn notification_cursor(&self, username: &str) -> Result<i64>;
    /// Moves a user's read cursor (never back).
    async fn set_notification_cursor(&self, username: &str, last_read: i64) -> Result<()>;
}

pub(crate) const ALARM_COLUMNS: &str = "id, rule, rule_version, rule_name, severity, entity, \
    kind, region, department, status, since_ms, raised_ms, updated_ms, cleared_ms, cleared_by, \
    value, peak, count, message, acknowledged_by, acknowledged_ms, assignee";
pub(crate) const EVENT_COLUMNS: &str =
    "id, at_ms, topic, department, ref_id, severity, actor, body";
pub(crate) const WEBHOOK_COLUMNS: &str = "id, url, secret, topics, min_severity, department, \
    enabled, cursor, created_by, created_ms";

/// The body of an alarm's event.
pub(crate) fn alarm_body(a: &AlarmRecord, text: Option<&str>) -> String {
    let mut v = serde_json::json!({ "alarm": a });
    if let Some(t) = text {
        v["text"] = serde_json::Value::String(t.to_owned());
    }
    v.to_string()
}

/// An alarm as written by [`AlarmStore::apply_alarm_changes`], with the event it logged (a
/// raise or a clear; an update logs none).
pub type AlarmWritten = (AlarmRecord, Option<EventRecord>);

/// Rows one multi-row statement carries at most: 17 parameters a row stays far below
/// SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// `($1, $2, …), (…)`: `rows` rows of `cols` parameters each.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

/// Where a change lands: an alarm open before the write, or one the write inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The open alarm with this id.
    Open(i64),
    /// The `n`th alarm of [`WritePlan::inserts`].
    New(usize),
}

/// What a batch of alarm changes does to the table, worked out before any of it is written,
/// so that a batch is a few multi-row statements however its changes fall: a (rule, entity)
/// that is raised, cleared and raised again within one batch is one update of its open alarm
/// (if any), one insert of a cleared alarm and one of an active one.
#[derive(Debug, Default)]
pub(crate) struct WritePlan<'a> {
    /// Open alarms to update, each with the last change applied to it.
    pub(crate) updates: Vec<(i64, &'a AlarmChange)>,
    /// Alarms to insert, each with the change that raised it and the last change applied.
    pub(crate) inserts: Vec<(&'a AlarmChange, &'a AlarmChange)>,
    /// Every change that writes something, in order: its alarm and the event it logs.
    pub(crate) steps: Vec<(Target, &'a AlarmChange, Option<&'static str>)>,
}

impl<'a> WritePlan<'a> {
    /// Plans `changes` (in order) against the alarms open now (`open`: (rule, entity) → id).
    /// Idempotent under replays: a raise while one is open updates it, an update with none
    /// open raises, a clear with none open does nothing.
    pub(crate) fn new(
        changes: &'a [AlarmChange],
        open: &std::collections::HashMap<(&str, &str), i64>,
    ) -> WritePlan<'a> {
        let mut plan = WritePlan::default();
        let mut now: std::collections::HashMap<(&str, &str), Option<Target>> =
            std::collections::HashMap::new();
        let mut updated: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for c in changes {
            let key = (c.rule.as_str(), c.entity.as_str());
            let cur = now
                .entry(key)
                .or_insert_with(|| open.get(&key).map(|&id| Target::Open(id)));
            let (target, topic) = match (c.kind, *cur) {
                (AlarmChangeKind::Cleared, None) => continue,
                (kind, Some(t)) => {
                    match t {
                        Target::Open(id) => match updated.get(&id) {
                            Some(&i) => plan.updates[i].1 = c,
                            None => {
                                updated.insert(id, plan.updates.len());
                                plan.updates.push((id, c));
                            }
                        },
                        Target::New(n) => plan.inserts[n].1 = c,
                    }
                    if kind == AlarmChangeKind::Cleared {
                        *cur = None;
                        (t, Some("alarm.cleared"))
                    } else {
                        (t, None)
                    }
                }
                (_, None) => {
                    let t = Target::New(plan.inserts.len());
                    plan.inserts.push((c, c));
                    *cur = Some(t);
                    (t, Some("alarm.raised"))
                }
            };
            plan.steps.push((target, c, topic));
        }
        plan
    }
}

/// (status, cleared_ms, updated_ms) of an alarm right after `c`.
pub(crate) fn state_after(c: &AlarmChange) -> (&'static str, Option<i64>, i64) {
    if c.kind == AlarmChangeKind::Cleared {
        ("cleared", Some(c.at_ms), c.at_ms)
    } else {
        ("active", None, c.updated_ms)
    }
}

/// The alarm as it was right after `c`, from its stored form after the whole batch.
pub(crate) fn record_after(r: &AlarmRecord, c: &AlarmChange) -> AlarmRecord {
    let (status, cleared_ms, updated_ms) = state_after(c);
    AlarmRecord {
        status: status.to_owned(),
        cleared_ms,
        updated_ms,
        value: c.value,
        peak: c.peak,
        count: c.count,
        message: c.message.clone(),
        ..r.clone()
    }
}

/// The implementation of [`AlarmStore`] for a store with a write pool `$w` and a read pool `$r`
/// whose connections are `$conn`.
macro_rules! impl_alarm_store {
    ($store:ty, $conn:ty, $w:ident, $r:ident, $instr:literal) => {
        impl $store {
            /// [`AlarmStore::apply_alarm_changes`] inside the caller's transaction: one
            /// statement finds the open alarms, one updates (or clears) them, one inserts the
            /// new ones, one appends the events — per 500 rows, whatever the batch holds (see
            /// [`WritePlan`](crate::alarm::WritePlan)).
            pub(crate) async fn apply_alarm_changes_in(
                conn: &mut $conn,
                changes: &[$crate::alarm::AlarmChange],
            ) -> $crate::Result<Vec<$crate::alarm::AlarmWritten>> {
                use std::collections::HashMap;
                use $crate::alarm::{
                    placeholders, record_after, state_after, AlarmRecord, EventRecord, Target,
                    WritePlan, ALARM_COLUMNS, EVENT_COLUMNS, ROWS_PER_STATEMENT as ROWS,
                };
                if changes.is_empty() {
                    return Ok(Vec::new());
                }
                let mut pairs: Vec<(&str, &str)> = changes
                    .iter()
                    .map(|c| (c.rule.as_str(), c.entity.as_str()))
                    .collect();
                pairs.sort_unstable();
                pairs.dedup();
                let mut open: HashMap<(&str, &str), i64> = HashMap::new();
                for chunk in pairs.chunks(ROWS) {
                    // A join, not `(rule, entity) IN (VALUES …)`: SQLite walks the open-alarm
                    // index per pair for a join, but scans every active alarm for the IN list
                    // (25 times slower at 6,000 open).
                    let sql = format!(
                        "SELECT a.id, a.rule, a.entity FROM (VALUES {}) AS v \
                         JOIN alarm AS a ON a.rule = v.column1 AND a.entity = v.column2 \
                         WHERE a.status = 'active'",
                        placeholders(chunk.len(), 2)
                    );
                    let mut q = sqlx::query_as::<_, (i64, String, String)>(&sql).persistent(false);
                    for (rule, entity) in chunk {
                        q = q.bind(*rule).bind(*entity);
                    }
                    for (id, rule, entity) in q.fetch_all(&mut *conn).await? {
                        if let Ok(i) = chunk.binary_search(&(rule.as_str(), entity.as_str())) {
                            open.insert(chunk[i], id);
                        }
                    }
                }
                let plan = WritePlan::new(changes, &open);
                let mut records: HashMap<i64, AlarmRecord> = HashMap::new();
                for chunk in plan.updates.chunks(ROWS) {
                    let sql = format!(
                        "UPDATE alarm SET status = v.column2, \
                         cleared_ms = COALESCE(v.column3, alarm.cleared_ms), \
                         updated_ms = v.column4, value = v.column5, peak = v.column6, \
                         count = v.column7, message = v.column8 \
                         FROM (VALUES {}) AS v WHERE alarm.id = v.column1 \
                         RETURNING {ALARM_COLUMNS}",
                        placeholders(chunk.len(), 8)
                    );
                    let mut q = sqlx::query_as::<_, AlarmRecord>(&sql).persistent(false);
                    for (id, c) in chunk {
                        let (status, cleared_ms, updated_ms) = state_after(c);
                        q = q
                            .bind(*id)
                            .bind(status)
                            .bind(cleared_ms)
                            .bind(updated_ms)
                            .bind(c.value)
                            .bind(c.peak)
                            .bind(c.count)
                            .bind(&c.message);
                    }
                    for r in q.fetch_all(&mut *conn).await? {
                        records.insert(r.id, r);
                    }
                }
                let mut inserted: Vec<i64> = Vec::with_capacity(plan.inserts.len());
                for chunk in plan.inserts.chunks(ROWS) {
                    let sql = format!(
                        "INSERT INTO alarm (rule, rule_version, rule_name, severity, entity, \
                         kind, region, department, status, since_ms, raised_ms, cleared_ms, \
                         updated_ms, value, peak, count, message) VALUES {} \
                         RETURNING {ALARM_COLUMNS}",
                        placeholders(chunk.len(), 17)
                    );
                    let mut q = sqlx::query_as::<_, AlarmRecord>(&sql).persistent(false);
                    for (raise, last) in chunk {
                        let (status, cleared_ms, updated_ms) = state_after(last);
                        q = q
                            .bind(&raise.rule)
                            .bind(raise.rule_version)
                            .bind(&raise.rule_name)
                            .bind(&raise.severity)
                            .bind(&raise.entity)
                            .bind(&raise.kind_of_entity)
                            .bind(&raise.region)
                            .bind(&raise.department)
                            .bind(status)
                            .bind(raise.since_ms)
                            .bind(raise.at_ms)
                            .bind(cleared_ms)
                            .bind(updated_ms)
                            .bind(last.value)
                            .bind(last.peak)
                            .bind(last.count)
                            .bind(&last.message);
                    }
                    // Ids follow the rows' order (both backends insert VALUES in order);
                    // RETURNING's order is not promised, so sort and check.
                    let mut rows = q.fetch_all(&mut *conn).await?;
                    rows.sort_by_key(|r| r.id);
                    for (r, (raise, _)) in rows.into_iter().zip(chunk) {
                        if r.rule != raise.rule || r.entity != raise.entity {
                            return Err($crate::Error::Corrupt(format!(
                                "alarm {} came back for {}/{}, not {}/{}",
                                r.id, r.rule, r.entity, raise.rule, raise.entity
                            )));
                        }
                        inserted.push(r.id);
                        records.insert(r.id, r);
                    }
                }
                // Each step's alarm as it was right after the step, and its event.
                let mut out: Vec<(AlarmRecord, Option<&str>)> = Vec::with_capacity(plan.steps.len());
                for (target, c, topic) in &plan.steps {
                    let id = match *target {
                        Target::Open(id) => id,
                        Target::New(n) => inserted.get(n).copied().unwrap_or(-1),
                    };
                    let Some(r) = records.get(&id) else {
                        return Err($crate::Error::Corrupt(format!(
                            "alarm of {}/{} was not written",
                            c.rule, c.entity
                        )));
                    };
                    out.push((record_after(r, c), *topic));
                }
                let logged: Vec<(usize, &str)> = out
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, t))| t.map(|t| (i, t)))
                    .collect();
                let mut events: Vec<Option<EventRecord>> = vec![None; out.len()];
                for chunk in logged.chunks(ROWS) {
                    let sql = format!(
                        "INSERT INTO event_log (at_ms, topic, department, ref_id, severity, \
                         actor, body) VALUES {} RETURNING {EVENT_COLUMNS}",
                        placeholders(chunk.len(), 7)
                    );
                    let mut q = sqlx::query_as::<_, EventRecord>(&sql).persistent(false);
                    for (i, topic) in chunk {
                        let (r, _) = &out[*i];
                        q = q
                            .bind(plan.steps[*i].1.at_ms)
                            .bind(*topic)
                            .bind(&r.department)
                            .bind(r.id)
                            .bind(&r.severity)
                            .bind(None::<String>)
                            .bind($crate::alarm::alarm_body(r, None));
                    }
                    let mut rows = q.fetch_all(&mut *conn).await?;
                    rows.sort_by_key(|e| e.id);
                    for (e, (i, _)) in rows.into_iter().zip(chunk) {
                        events[*i] = Some(e);
                    }
                }
                Ok(out
                    .into_iter()
                    .zip(events)
                    .map(|((r, _), e)| (r, e))
                    .collect())
            }
        }

        #[async_trait::async_trait]
        impl $crate::alarm::AlarmStore for $store {
            async fn insert_rule_version(&self, r: &$crate::alarm::RuleVersion) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO alarm_rule (id, version, definition, deleted, source, created_by, \
                     created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&r.id)
                .bind(r.version)
                .bind(&r.definition)
                .bind(r.deleted)
                .bind(&r.source)
                .bind(&r.created_by)
                .bind(r.created_ms)
                .execute(&self.$w)
                .await
                .map_err(|e| {
                    $crate::codec::conflict_on_unique(e, || {
                        format!("rule {} version {} exists", r.id, r.version)
                    })
                })?;
                Ok(())
            }

            async fn insert_rule_versions(
                &self,
                rs: &[$crate::alarm::RuleVersion],
            ) -> $crate::Result<()> {
                if rs.is_empty() {
                    return Ok(());
                }
                let mut tx = self.$w.begin().await?;
                for chunk in rs.chunks($crate::alarm::ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO alarm_rule (id, version, definition, deleted, source, \
                         created_by, created_ms) VALUES {}",
                        $crate::alarm::placeholders(chunk.len(), 7)
                    );
                    let mut q = sqlx::query(&sql).persistent(false);
                    for r in chunk {
                        q = q
                            .bind(&r.id)
                            .bind(r.version)
                            .bind(&r.definition)
                            .bind(r.deleted)
                            .bind(&r.source)
                            .bind(&r.created_by)
                            .bind(r.created_ms);
                    }
                    q.execute(&mut *tx).await.map_err(|e| {
                        $crate::codec::conflict_on_unique(e, || {
                            "a rule version in the batch exists".to_owned()
                        })
                    })?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_rule_versions(
                &self,
                id: Option<&str>,
            ) -> $crate::Result<Vec<$crate::alarm::RuleVersion>> {
                Ok(sqlx::query_as(
                    "SELECT id, version, definition, deleted, source, created_by, created_ms \
                     FROM alarm_rule WHERE ($1 IS NULL OR id = $1) ORDER BY id, version",
                )
                .bind(id)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn apply_alarm_changes(
                &self,
                changes: &[$crate::alarm::AlarmChange],
            ) -> $crate::Result<Vec<$crate::alarm::AlarmWritten>> {
                if changes.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.$w.begin().await?;
                let out = Self::apply_alarm_changes_in(&mut tx, changes).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn alarm_action(
                &self,
                id: i64,
                action: &$crate::alarm::AlarmAction,
                by: &str,
                at_ms: i64,
            ) -> $crate::Result<Option<($crate::alarm::AlarmRecord, $crate::alarm::EventRecord)>> {
                use $crate::alarm::{AlarmAction, AlarmRecord, ALARM_COLUMNS};
                let mut tx = self.$w.begin().await?;
                let current: Option<AlarmRecord> =
                    sqlx::query_as(&format!("SELECT {ALARM_COLUMNS} FROM alarm WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(current) = current else {
                    return Ok(None);
                };
                let mut text: Option<&str> = None;
                let record: AlarmRecord = match action {
                    AlarmAction::Acknowledge => {
                        if current.acknowledged_by.is_some() {
                            return Err($crate::Error::Conflict(format!(
                                "alarm {id} is already acknowledged"
                            )));
                        }
                        sqlx::query_as(&format!(
                            "UPDATE alarm SET acknowledged_by = $2, acknowledged_ms = $3 \
                             WHERE id = $1 RETURNING {ALARM_COLUMNS}"
                        ))
                        .bind(id)
                        .bind(by)
                        .bind(at_ms)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                    AlarmAction::Assign { assignee } => {
                        sqlx::query_as(&format!(
                            "UPDATE alarm SET assignee = $2 WHERE id = $1 RETURNING {ALARM_COLUMNS}"
                        ))
                        .bind(id)
                        .bind(assignee.as_deref())
                        .fetch_one(&mut *tx)
                        .await?
                    }
                    AlarmAction::Comment { text: t } => {
                        sqlx::query(
                            "INSERT INTO alarm_comment (alarm, at_ms, author, text) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(id)
                        .bind(at_ms)
                        .bind(by)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                        text = Some(t);
                        current
                    }
                    AlarmAction::Clear { note } => {
                        if current.status != "active" {
                            return Err($crate::Error::Conflict(format!(
                                "alarm {id} is not active"
                            )));
                        }
                        if let Some(t) = note.as_deref().filter(|t| !t.is_empty()) {
                            sqlx::query(
                                "INSERT INTO alarm_comment (alarm, at_ms, author, text) \
                                 VALUES ($1, $2, $3, $4)",
                            )
                            .bind(id)
                            .bind(at_ms)
                            .bind(by)
                            .bind(t)
                            .execute(&mut *tx)
                            .await?;
                            text = Some(t);
                        }
                        sqlx::query_as(&format!(
                            "UPDATE alarm SET status = 'cleared', cleared_ms = $2, updated_ms = $2, \
                             cleared_by = $3 WHERE id = $1 RETURNING {ALARM_COLUMNS}"
                        ))
                        .bind(id)
                        .bind(at_ms)
                        .bind(by)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                let event = sqlx::query_as(&format!(
                    "INSERT INTO event_log (at_ms, topic, department, ref_id, severity, actor, body) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                    $crate::alarm::EVENT_COLUMNS
                ))
                .bind(at_ms)
                .bind(action.topic())
                .bind(&record.department)
                .bind(record.id)
                .bind(&record.severity)
                .bind(by)
                .bind($crate::alarm::alarm_body(&record, text))
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some((record, event)))
            }

            async fn get_alarm(&self, id: i64) -> $crate::Result<Option<$crate::alarm::AlarmRecord>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM alarm WHERE id = $1",
                    $crate::alarm::ALARM_COLUMNS
                ))
                .bind(id)
                .fetch_optional(&self.$r)
                .await?)
            }

            async fn list_alarms(
                &self,
                q: &$crate::alarm::AlarmQuery,
            ) -> $crate::Result<Vec<$crate::alarm::AlarmRecord>> {
                // Lists travel as one text ',a,b,' searched with `instr`/`strpos` so that one
                // statement serves both dialects without a variable number of parameters.
                let set = |v: &[String]| -> Option<String> {
                    (!v.is_empty()).then(|| format!(",{},", v.join(",")))
                };
                let limit = q.limit.clamp(1, 10_000) as i64;
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM alarm WHERE \
                     ($1 IS NULL OR status = $1) \
                     AND ($2 IS NULL OR (acknowledged_by IS NOT NULL) = $2) \
                     AND ($3 IS NULL OR {} > 0) \
                     AND ($4 IS NULL OR rule = $4) \
                     AND ($5 IS NULL OR entity = $5) \
                     AND ($6 IS NULL OR {} > 0) \
                     AND ($7 IS NULL OR assignee = $7) \
                     AND ($8 IS NULL OR raised_ms >= $8) \
                     AND ($9 IS NULL OR raised_ms < $9) \
                     AND ($10 IS NULL OR id < $10) \
                     ORDER BY id DESC LIMIT $11",
                    $crate::alarm::ALARM_COLUMNS,
                    concat!($instr, "($3, ',' || severity || ',')"),
                    concat!($instr, "($6, ',' || department || ',')"),
                ))
                .bind(q.status.as_deref())
                .bind(q.acknowledged)
                .bind(set(&q.severities))
                .bind(q.rule.as_deref())
                .bind(q.entity.as_deref())
                .bind(set(&q.departments))
                .bind(q.assignee.as_deref())
                .bind(q.from_ms)
                .bind(q.to_ms)
                .bind(q.before_id)
                .bind(limit)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn list_alarm_comments(
                &self,
                alarm: i64,
            ) -> $crate::Result<Vec<$crate::alarm::AlarmComment>> {
                Ok(sqlx::query_as(
                    "SELECT id, alarm, at_ms, author, text FROM alarm_comment \
                     WHERE alarm = $1 ORDER BY id",
                )
                .bind(alarm)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn count_open_alarms(&self) -> $crate::Result<Vec<$crate::alarm::OpenAlarmCount>> {
                Ok(sqlx::query_as(
                    "SELECT department, severity, (acknowledged_by IS NOT NULL) AS acknowledged, \
                     COUNT(*) AS n FROM alarm WHERE status = 'active' \
                     GROUP BY department, severity, (acknowledged_by IS NOT NULL) \
                     ORDER BY department, severity",
                )
                .fetch_all(&self.$r)
                .await?)
            }

            async fn list_events(
                &self,
                after: i64,
                limit: usize,
            ) -> $crate::Result<Vec<$crate::alarm::EventRecord>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM event_log WHERE id > $1 ORDER BY id LIMIT $2",
                    $crate::alarm::EVENT_COLUMNS
                ))
                .bind(after)
                .bind(limit.clamp(1, 100_000) as i64)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn last_event_id(&self) -> $crate::Result<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM event_log")
                    .fetch_one(&self.$r)
                    .await?;
                Ok(id.unwrap_or(0))
            }

            async fn save_rule_state(
                &self,
                at_ms: i64,
                saved_ms: i64,
                data: &[u8],
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO rule_state (id, at_ms, saved_ms, data) VALUES (1, $1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, \
                     saved_ms = excluded.saved_ms, data = excluded.data",
                )
                .bind(at_ms)
                .bind(saved_ms)
                .bind(data)
                .execute(&self.$w)
                .await?;
                Ok(())
            }

            async fn load_rule_state(&self) -> $crate::Result<Option<(i64, i64, Vec<u8>)>> {
                Ok(
                    sqlx::query_as("SELECT at_ms, saved_ms, data FROM rule_state WHERE id = 1")
                        .fetch_optional(&self.$r)
                        .await?,
                )
            }

            async fn put_webhook(&self, w: &$crate::alarm::Webhook) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO webhook (id, url, secret, topics, min_severity, department, enabled, \
                     cursor, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret, \
                     topics = excluded.topics, min_severity = excluded.min_severity, \
                     department = excluded.department, enabled = excluded.enabled",
                )
                .bind(&w.id)
                .bind(&w.url)
                .bind(w.secret.as_deref())
                .bind(&w.topics)
                .bind(w.min_severity.as_deref())
                .bind(w.department.as_deref())
                .bind(w.enabled)
                .bind(w.cursor)
                .bind(&w.created_by)
                .bind(w.created_ms)
                .execute(&self.$w)
                .await?;
                Ok(())
            }

            async fn list_webhooks(&self) -> $crate::Result<Vec<$crate::alarm::Webhook>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {} FROM webhook ORDER BY id",
                    $crate::alarm::WEBHOOK_COLUMNS
                ))
                .fetch_all(&self.$r)
                .await?)
            }

            async fn delete_webhook(&self, id: &str) -> $crate::Result<bool> {
                let mut tx = self.$w.begin().await?;
                sqlx::query("DELETE FROM webhook_log WHERE webhook = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let n = sqlx::query("DELETE FROM webhook WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(n > 0)
            }

            async fn record_webhook_outcome(&self, l: &$crate::alarm::WebhookLog) -> $crate::Result<()> {
                let mut tx = self.$w.begin().await?;
                sqlx::query(
                    "INSERT INTO webhook_log (webhook, event, at_ms, outcome, attempts, status, error) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&l.webhook)
                .bind(l.event)
                .bind(l.at_ms)
                .bind(&l.outcome)
                .bind(l.attempts)
                .bind(l.status)
                .bind(l.error.as_deref())
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE webhook SET cursor = $2 WHERE id = $1 AND cursor < $2")
                    .bind(&l.webhook)
                    .bind(l.event)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_webhook_log(
                &self,
                webhook: &str,
                limit: usize,
            ) -> $crate::Result<Vec<$crate::alarm::WebhookLog>> {
                Ok(sqlx::query_as(
                    "SELECT id, webhook, event, at_ms, outcome, attempts, status, error \
                     FROM webhook_log WHERE webhook = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(webhook)
                .bind(limit.clamp(1, 10_000) as i64)
                .fetch_all(&self.$r)
                .await?)
            }

            async fn notification_cursor(&self, username: &str) -> $crate::Result<i64> {
                let n: Option<i64> = sqlx::query_scalar(
                    "SELECT last_read FROM notification_cursor WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.$r)
                .await?;
                Ok(n.unwrap_or(0))
            }

            async fn set_notification_cursor(&self, username: &str, last_read: i64) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO notification_cursor (username, last_read) VALUES ($1, $2) \
                     ON CONFLICT (username) DO UPDATE SET last_read = excluded.last_read \
                     WHERE notification_cursor.last_read < excluded.last_read",
                )
                .bind(username)
                .bind(last_read)
                .execute(&self.$w)
                .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_alarm_store;
