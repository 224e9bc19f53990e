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
    /// Every version of every rule (or of one), by id then version.
    async fn list_rule_versions(&self, id: Option<&str>) -> Result<Vec<RuleVersion>>;

    /// Applies evaluator transitions in one transaction, appending `alarm.raised` and
    /// `alarm.cleared` to the event log. Idempotent under replays: a `Raised` for a (rule,
    /// entity) that has an active alarm updates it; an `Updated` without one raises; a
    /// `Cleared` without one does nothing. Answers each alarm written, with its event.
    async fn apply_alarm_changes(
        &self,
        changes: &[AlarmChange],
    ) -> Result<Vec<(AlarmRecord, Option<EventRecord>)>>;
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

/// The implementation of [`AlarmStore`] for a store with a write pool `$w` and a read pool `$r`.
macro_rules! impl_alarm_store {
    ($store:ty, $w:ident, $r:ident, $instr:literal) => {
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
            ) -> $crate::Result<Vec<($crate::alarm::AlarmRecord, Option<$crate::alarm::EventRecord>)>> {
                use $crate::alarm::{AlarmChangeKind, AlarmRecord, ALARM_COLUMNS};
                let mut out = Vec::with_capacity(changes.len());
                if changes.is_empty() {
                    return Ok(out);
                }
                let mut tx = self.$w.begin().await?;
                for c in changes {
                    let open: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM alarm WHERE rule = $1 AND entity = $2 AND status = 'active'",
                    )
                    .bind(&c.rule)
                    .bind(&c.entity)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let (record, topic): (AlarmRecord, Option<&str>) = match (c.kind, open) {
                        (AlarmChangeKind::Cleared, None) => continue,
                        (AlarmChangeKind::Cleared, Some(id)) => (
                            sqlx::query_as(&format!(
                                "UPDATE alarm SET status = 'cleared', cleared_ms = $2, updated_ms = $2, \
                                 value = $3, peak = $4, count = $5, message = $6 \
                                 WHERE id = $1 RETURNING {ALARM_COLUMNS}"
                            ))
                            .bind(id)
                            .bind(c.at_ms)
                            .bind(c.value)
                            .bind(c.peak)
                            .bind(c.count)
                            .bind(&c.message)
                            .fetch_one(&mut *tx)
                            .await?,
                            Some("alarm.cleared"),
                        ),
                        (_, Some(id)) => (
                            sqlx::query_as(&format!(
                                "UPDATE alarm SET updated_ms = $2, value = $3, peak = $4, count = $5, \
                                 message = $6 WHERE id = $1 RETURNING {ALARM_COLUMNS}"
                            ))
                            .bind(id)
                            .bind(c.updated_ms)
                            .bind(c.value)
                            .bind(c.peak)
                            .bind(c.count)
                            .bind(&c.message)
                            .fetch_one(&mut *tx)
                            .await?,
                            None,
                        ),
                        (_, None) => (
                            sqlx::query_as(&format!(
                                "INSERT INTO alarm (rule, rule_version, rule_name, severity, entity, \
                                 kind, region, department, status, since_ms, raised_ms, updated_ms, \
                                 value, peak, count, message) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                                 $8, 'active', $9, $10, $15, $11, $12, $13, $14) \
                                 RETURNING {ALARM_COLUMNS}"
                            ))
                            .bind(&c.rule)
                            .bind(c.rule_version)
                            .bind(&c.rule_name)
                            .bind(&c.severity)
                            .bind(&c.entity)
                            .bind(&c.kind_of_entity)
                            .bind(&c.region)
                            .bind(&c.department)
                            .bind(c.since_ms)
                            .bind(c.at_ms)
                            .bind(c.value)
                            .bind(c.peak)
                            .bind(c.count)
                            .bind(&c.message)
                            .bind(c.updated_ms)
                            .fetch_one(&mut *tx)
                            .await?,
                            Some("alarm.raised"),
                        ),
                    };
                    let event = match topic {
                        Some(topic) => Some(
                            sqlx::query_as(&format!(
                                "INSERT INTO event_log (at_ms, topic, department, ref_id, severity, \
                                 actor, body) VALUES ($1, $2, $3, $4, $5, NULL, $6) \
                                 RETURNING {}",
                                $crate::alarm::EVENT_COLUMNS
                            ))
                            .bind(c.at_ms)
                            .bind(topic)
                            .bind(&record.department)
                            .bind(record.id)
                            .bind(&record.severity)
                            .bind($crate::alarm::alarm_body(&record, None))
                            .fetch_one(&mut *tx)
                            .await?,
                        ),
                        None => None,
                    };
                    out.push((record, event));
                }
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
