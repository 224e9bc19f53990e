//! Webhooks: the event log delivered to subscribed endpoints, and in-app notifications.
//!
//! **Webhooks.** Each webhook has a feeder task that reads the event log from the webhook's
//! cursor, keeps the events it subscribed to (topic prefixes, least severity, one department)
//! and hands them to [`zhicheng_notify::Dispatcher`], which keeps one queue and one task per
//! endpoint — a dead or slow endpoint never delays another. The final outcome of each delivery
//! (delivered, given up) is written with [`zhicheng_store::AlarmStore::record_webhook_outcome`],
//! which moves the cursor; after a restart the feeder starts again from there, so delivery is at
//! least once (receivers drop repeats by `X-Zhicheng-Delivery`: `<webhook>:<event id>`). A new
//! webhook starts at the newest event: it receives what happens from then on.
//!
//! **Notifications** are the same log read by people: the events of the departments a user may
//! see, with a per-user read cursor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zhicheng_model::time_util::{format_ms_cst, now_ms};
use zhicheng_model::Actor;
use zhicheng_notify::{Delivery, Dispatcher, EndpointConfig, EndpointStats, Outcome};
use zhicheng_store::{EventRecord, Webhook, WebhookLog};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// The webhooks' shared state.
pub(crate) struct State {
    dispatcher: Dispatcher,
    feeders: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
}

/// What the journal forwards: (webhook, event id, final outcome, attempts).
pub(crate) type Outcomes = tokio::sync::mpsc::UnboundedReceiver<(String, i64, Outcome, u32)>;

/// One final outcome on its way to the store.
struct Final {
    webhook: String,
    event: i64,
    outcome: Outcome,
    attempts: u32,
}

impl State {
    /// Stops the endpoints' tasks (undelivered events stay behind the cursors).
    pub(crate) async fn shutdown(&self) {
        for (_, h) in self
            .feeders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            h.abort();
        }
        self.dispatcher.shutdown().await;
    }

    pub(crate) fn new() -> Result<(State, Outcomes)> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let journal = move |endpoint: &str, d: &Delivery, o: &Outcome| {
            if o.is_final() {
                let event =
                    d.id.rsplit_once(':')
                        .and_then(|(_, e)| e.parse().ok())
                        .unwrap_or(0);
                let _ = tx.send((endpoint.to_owned(), event, o.clone(), d.attempts));
            }
        };
        let dispatcher = Dispatcher::new(Arc::new(journal))
            .map_err(|e| Error::Unavailable(format!("webhook dispatcher: {e}")))?;
        Ok((
            State {
                dispatcher,
                feeders: Mutex::new(HashMap::new()),
            },
            rx,
        ))
    }
}

/// A webhook as the API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Identifier: 1–64 of letters, digits, `-_`.
    pub id: String,
    /// `http://` or `https://`.
    pub url: String,
    /// HMAC secret of `X-Zhicheng-Signature` (none: unsigned).
    #[serde(default)]
    pub secret: Option<String>,
    /// Topic prefixes (default `alarm.,case.`).
    #[serde(default)]
    pub topics: Option<Vec<String>>,
    /// Least alarm severity delivered (none: all).
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Only this department's events (none: all).
    #[serde(default)]
    pub department: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A webhook as the API shows it (the secret is never shown).
#[derive(Debug, Clone, Serialize)]
pub struct WebhookView {
    /// Identifier.
    pub id: String,
    /// URL.
    pub url: String,
    /// A secret is set.
    pub signed: bool,
    /// Topic prefixes.
    pub topics: Vec<String>,
    /// Least severity.
    pub min_severity: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// The last event with a final outcome.
    pub cursor: i64,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_ms: i64,
    /// Live counters of its queue.
    pub stats: Option<EndpointStats>,
}

/// One notification: an event the reader may see.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    /// The event.
    #[serde(flatten)]
    pub event: EventRecord,
    /// Not read yet.
    pub unread: bool,
}

/// A page of notifications.
#[derive(Debug, Clone, Serialize)]
pub struct Notifications {
    /// Newest first.
    pub items: Vec<Notification>,
    /// Unread among the newest 1,000 the reader may see.
    pub unread: usize,
    /// The reader's cursor.
    pub last_read: i64,
}

fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 4,
        "major" => 3,
        "minor" => 2,
        _ => 1,
    }
}

fn matches(w: &Webhook, e: &EventRecord) -> bool {
    w.enabled
        && w.topics
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .any(|t| e.topic.starts_with(t))
        && w.department.as_deref().is_none_or(|d| d == e.department)
        && match (&w.min_severity, &e.severity) {
            (Some(min), Some(s)) => rank(s) >= rank(min),
            _ => true,
        }
}

fn body_of(e: &EventRecord) -> String {
    serde_json::json!({
        "id": e.id,
        "topic": e.topic,
        "at": format_ms_cst(e.at_ms),
        "at_ms": e.at_ms,
        "department": e.department,
        "ref_id": e.ref_id,
        "severity": e.severity,
        "actor": e.actor,
        "data": serde_json::from_str::<serde_json::Value>(&e.body).unwrap_or(serde_json::Value::Null),
    })
    .to_string()
}

fn endpoint_of(w: &Webhook) -> EndpointConfig {
    let mut c = EndpointConfig::new(&w.id, &w.url);
    c.secret = w.secret.clone();
    c.enabled = w.enabled;
    c
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Engine {
    fn hooks(&self) -> &State {
        &self.inner.webhooks
    }

    /// Loads the webhooks and starts their feeders (at engine start).
    pub(crate) async fn start_webhooks(&self) -> Result<()> {
        let hooks = self.inner.store.list_webhooks().await?;
        self.hooks()
            .dispatcher
            .set_endpoints(hooks.iter().map(endpoint_of).collect())
            .map_err(|e| invalid("webhook", e.to_string()))?;
        for w in hooks {
            self.start_feeder(w);
        }
        Ok(())
    }

    fn start_feeder(&self, w: Webhook) {
        let id = w.id.clone();
        let engine = self.clone();
        let handle = tokio::spawn(async move { engine.feed(w).await });
        if let Some(old) = self
            .hooks()
            .feeders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, handle)
        {
            old.abort();
        }
    }

    fn stop_feeder(&self, id: &str) {
        if let Some(h) = self
            .hooks()
            .feeders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
        {
            h.abort();
        }
    }

    /// Reads the log from the webhook's cursor and enqueues what it subscribed to.
    async fn feed(&self, w: Webhook) {
        let mut cursor = w.cursor;
        let mut stop = self.inner.stop.subscribe();
        loop {
            let logged = self.inner.alarms.logged.notified();
            tokio::pin!(logged);
            logged.as_mut().enable();
            let events = match self.inner.store.list_events(cursor, 500).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(webhook = %w.id, error = %e, "webhook feeder: reading the event log failed");
                    Vec::new()
                }
            };
            let full = events.len() == 500;
            for e in events {
                if matches(&w, &e) {
                    let d = Delivery::new(
                        format!("{}:{}", w.id, e.id),
                        e.topic.clone(),
                        body_of(&e),
                        e.at_ms,
                    );
                    // The endpoint's queue is full: wait for it, never drop an event.
                    loop {
                        match self.hooks().dispatcher.enqueue(&w.id, d.clone()) {
                            Ok(()) => break,
                            Err(zhicheng_notify::Error::QueueFull { .. }) => {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                            }
                            Err(err) => {
                                tracing::warn!(webhook = %w.id, error = %err, "webhook feeder stops");
                                return;
                            }
                        }
                    }
                }
                cursor = e.id;
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = &mut logged => {}
                _ = stop.changed() => return,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }

    fn webhook_view(&self, w: Webhook) -> WebhookView {
        let stats = self.hooks().dispatcher.endpoint_stats(&w.id);
        WebhookView {
            signed: w.secret.is_some(),
            topics: w.topics.split(',').map(str::to_owned).collect(),
            id: w.id,
            url: w.url,
            min_severity: w.min_severity,
            department: w.department,
            enabled: w.enabled,
            cursor: w.cursor,
            created_by: w.created_by,
            created_ms: w.created_ms,
            stats,
        }
    }

    fn admin_only(actor: &Actor) -> Result<()> {
        if actor.can_admin_users() {
            Ok(())
        } else {
            Err(Error::Forbidden("only admins manage webhooks".into()))
        }
    }

    /// Every webhook with its live counters (admins).
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookView>> {
        Self::admin_only(actor)?;
        let list = self.inner.store.list_webhooks().await?;
        Ok(list.into_iter().map(|w| self.webhook_view(w)).collect())
    }

    /// Creates or replaces a webhook (admins); a new one starts at the newest event.
    pub async fn put_webhook(&self, actor: &Actor, input: WebhookInput) -> Result<WebhookView> {
        Self::admin_only(actor)?;
        if !valid_id(&input.id) {
            return Err(invalid("id", "1–64 of letters, digits, - and _"));
        }
        let topics = input
            .topics
            .unwrap_or_else(|| vec!["alarm.".into(), "case.".into()]);
        if topics.is_empty() || topics.iter().any(|t| t.is_empty() || t.contains(',')) {
            return Err(invalid(
                "topics",
                "one or more topic prefixes, e.g. alarm.raised or case.",
            ));
        }
        if let Some(s) = &input.min_severity {
            if !["critical", "major", "minor", "warning"].contains(&s.as_str()) {
                return Err(invalid("min_severity", "critical, major, minor or warning"));
            }
        }
        let existing = self
            .inner
            .store
            .list_webhooks()
            .await?
            .into_iter()
            .find(|w| w.id == input.id);
        let w = Webhook {
            id: input.id.clone(),
            url: input.url.trim().to_owned(),
            secret: input.secret.filter(|s| !s.is_empty()),
            topics: topics.join(","),
            min_severity: input.min_severity,
            department: input.department.filter(|d| !d.is_empty()),
            enabled: input.enabled.unwrap_or(true),
            cursor: match &existing {
                Some(e) => e.cursor,
                None => self.inner.store.last_event_id().await?,
            },
            created_by: actor.username.clone(),
            created_ms: now_ms(),
        };
        endpoint_of(&w)
            .validate()
            .map_err(|e| invalid("url", e.to_string()))?;
        self.inner.store.put_webhook(&w).await?;
        let all = self.inner.store.list_webhooks().await?;
        self.hooks()
            .dispatcher
            .set_endpoints(all.iter().map(endpoint_of).collect())
            .map_err(|e| invalid("webhook", e.to_string()))?;
        let stored = all.into_iter().find(|x| x.id == w.id).unwrap_or(w);
        self.start_feeder(stored.clone());
        self.audit(
            &actor.username,
            "webhook.put",
            &stored.id,
            serde_json::json!({"url": stored.url}),
        )
        .await;
        Ok(self.webhook_view(stored))
    }

    /// Deletes a webhook and its log (admins).
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<()> {
        Self::admin_only(actor)?;
        self.stop_feeder(id);
        if !self.inner.store.delete_webhook(id).await? {
            return Err(Error::NotFound(format!("webhook {id}")));
        }
        let all = self.inner.store.list_webhooks().await?;
        self.hooks()
            .dispatcher
            .set_endpoints(all.iter().map(endpoint_of).collect())
            .map_err(|e| invalid("webhook", e.to_string()))?;
        self.audit(&actor.username, "webhook.delete", id, serde_json::json!({}))
            .await;
        Ok(())
    }

    /// A webhook's final outcomes, newest first (admins).
    pub async fn webhook_log(
        &self,
        actor: &Actor,
        id: &str,
        limit: usize,
    ) -> Result<Vec<WebhookLog>> {
        Self::admin_only(actor)?;
        Ok(self
            .inner
            .store
            .list_webhook_log(id, limit.clamp(1, 1000))
            .await?)
    }

    /// The events the actor may see, newest first, and which are unread.
    pub async fn notifications(&self, actor: &Actor, limit: usize) -> Result<Notifications> {
        let last_read = self
            .inner
            .store
            .notification_cursor(&actor.username)
            .await?;
        let newest = self.inner.store.last_event_id().await?;
        let from = (newest - 1000).max(0);
        let events = self.inner.store.list_events(from, 1000).await?;
        let mut visible: Vec<EventRecord> = events
            .into_iter()
            .filter(|e| actor.scope().is_none_or(|d| d == e.department))
            .collect();
        visible.reverse();
        let unread = visible.iter().filter(|e| e.id > last_read).count();
        Ok(Notifications {
            items: visible
                .into_iter()
                .take(limit.clamp(1, 200))
                .map(|e| Notification {
                    unread: e.id > last_read,
                    event: e,
                })
                .collect(),
            unread,
            last_read,
        })
    }

    /// Marks the actor's notifications read up to `upto` (an event id; the newest when none).
    pub async fn read_notifications(&self, actor: &Actor, upto: Option<i64>) -> Result<i64> {
        let newest = self.inner.store.last_event_id().await?;
        let upto = upto.unwrap_or(newest).min(newest);
        self.inner
            .store
            .set_notification_cursor(&actor.username, upto)
            .await?;
        Ok(upto)
    }
}

/// Writes the final outcomes the dispatcher reports (and so moves the cursors).
pub(crate) async fn record(engine: Engine, mut rx: Outcomes) {
    while let Some((webhook, event, outcome, attempts)) = rx.recv().await {
        let f = Final {
            webhook,
            event,
            attempts,
            outcome,
        };
        let (name, status, error) = match &f.outcome {
            Outcome::Delivered { status, .. } => ("delivered", Some(i64::from(*status)), None),
            Outcome::GaveUp { error, .. } => ("gave_up", None, Some(format!("{error:?}"))),
            Outcome::Dropped { reason } => ("dropped", None, Some(format!("{reason:?}"))),
            Outcome::Retrying { .. } => continue,
        };
        engine.inner.metrics.webhook_outcome(name);
        if matches!(f.outcome, Outcome::Dropped { .. }) {
            // Dropped only when the webhook was removed or disabled: nothing to record.
            continue;
        }
        let log = WebhookLog {
            id: 0,
            webhook: f.webhook.clone(),
            event: f.event,
            at_ms: now_ms(),
            outcome: name.into(),
            attempts: i64::from(f.attempts),
            status,
            error,
        };
        if let Err(e) = engine.inner.store.record_webhook_outcome(&log).await {
            tracing::error!(webhook = %f.webhook, event = f.event, error = %e, "webhook outcome not recorded");
        }
    }
}
