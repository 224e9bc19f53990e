//! Early warning in the ingest stream: the rules, their evaluator, the alarms they raise, and
//! what people do with those alarms.
//!
//! # Where evaluation sits
//!
//! The history writer evaluates every batch it is about to commit with
//! [`zhicheng_rules::Evaluator`] (holding the evaluator from evaluation to commit), merges the
//! transitions of one (rule, entity) within the batch (a raise followed by ten updates is
//! written once), and writes them in **the batch's own transaction** with
//! [`zhicheng_store::Store::write_batch_with_alarms`]: the readings, the alarms they raise or
//! clear and the `alarm.raised` / `alarm.cleared` entries of the event log (the outbox of
//! webhooks and notifications) become durable in one commit. Only then are the senders
//! acknowledged and the alarms published on the live stream. No reading escapes evaluation,
//! there is no second queue and no second commit between a reading and its alarm. If the
//! commit fails, the readings are tried alone: if they go in, the alarm changes were refused
//! and are retried on their own a few times, then one by one (only what the store still
//! refuses is dropped, logged and counted); if the readings fail too, the store is down, the
//! senders get an error and the alarm changes (the evaluator has moved on) wait for the store.
//!
//! The **rules task** advances time (offline rules, case-count windows) and saves snapshots;
//! what it raises is written on its own.
//!
//! # Restarts
//!
//! The evaluator's state is saved as a snapshot every `rules.snapshot_interval` and at
//! shutdown, always taken while no transition is unwritten (the evaluator is locked from
//! evaluation to the end of the alarm write). At start the engine restores it, then replays
//! the stored readings from `rules.replay_lateness` before the snapshot's clock: the
//! evaluator ignores what it already saw (per pair, a reading not newer than the last one is a
//! duplicate), and the alarm write is idempotent (a raise while one is open updates it, a clear
//! without one does nothing), so a crash between two snapshots neither loses nor doubles an
//! alarm.
//!
//! # Rules
//!
//! Rules are JSON ([`zhicheng_rules::Rule`]), stored with every version
//! ([`zhicheng_store::RuleVersion`]); a deletion is a tombstone version. Files in `rules.dir`
//! (`*.json`, one rule or an array) are loaded at start: a file's rule is stored when its
//! version is higher than the stored one, so an edit through the API (a higher version) wins
//! over a file that was not updated.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_rules::{Alarm, Evaluator, Reading, Rule, StateSnapshot, Transition};
use zhicheng_store::{
    AlarmAction, AlarmChange, AlarmChangeKind, AlarmComment, AlarmQuery, AlarmRecord, AlarmWritten,
    EventRecord, Point, RuleVersion, Store,
};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// Settings of the rules task (`[rules]` in the configuration file).
#[derive(Debug, Clone)]
pub struct RulesConfig {
    /// How often time alone is evaluated (offline rules, case windows).
    pub tick_interval: Duration,
    /// How often the evaluator's state is saved.
    pub snapshot_interval: Duration,
    /// At start, readings from this long before the snapshot's clock are replayed (late
    /// readings stored after the snapshot with an older time are evaluated too).
    pub replay_lateness: Duration,
    /// Rule files (`*.json`) loaded at start.
    pub dir: Option<PathBuf>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            tick_interval: Duration::from_secs(5),
            snapshot_interval: Duration::from_secs(30),
            replay_lateness: Duration::from_secs(600),
            dir: None,
        }
    }
}

/// An alarm change as pushed on `/api/v1/stream` (event `alarm`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmEvent {
    /// `raised`, `updated`, `cleared`, `acknowledged`, `assigned`, `commented`.
    pub change: &'static str,
    /// The alarm after the change.
    pub alarm: AlarmView,
    /// The event-log id, for changes that are in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<i64>,
}

/// An alarm with what people read beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmView {
    /// The stored alarm.
    #[serde(flatten)]
    pub record: AlarmRecord,
    /// The entity's name (none for grids and gone entities).
    pub entity_name: Option<String>,
    /// The entity's position (lon, lat), for the map.
    pub point: Option<(f64, f64)>,
}

/// An alarm with its comments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmDetail {
    /// The alarm.
    #[serde(flatten)]
    pub alarm: AlarmView,
    /// Comments, oldest first.
    pub comments: Vec<AlarmComment>,
}

/// A rule as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleView {
    /// The definition.
    pub rule: Rule,
    /// `api` or `file:<name>`.
    pub source: String,
    /// Who stored this version.
    pub updated_by: String,
    /// When.
    pub updated_ms: i64,
    /// Its active alarms now.
    pub active_alarms: usize,
}

/// The rules task's shared state.
pub(crate) struct State {
    pub(crate) evaluator: tokio::sync::Mutex<Evaluator>,
    /// Any rule loaded (the writer skips the hand-over when none).
    pub(crate) any: AtomicBool,
    pub(crate) events: broadcast::Sender<Arc<Vec<AlarmEvent>>>,
    /// Woken when the event log grew (webhook feeders, notifications).
    pub(crate) logged: tokio::sync::Notify,
    /// Alarms whose rule opens a case, for the task that opens them.
    auto_cases: mpsc::UnboundedSender<AutoCase>,
    auto_cases_rx: std::sync::Mutex<Option<mpsc::UnboundedReceiver<AutoCase>>>,
}

/// An alarm whose rule opens a case.
pub(crate) struct AutoCase {
    alarm: i64,
    category: String,
    urgency: Option<zhicheng_cases::Urgency>,
}

/// Opens the cases rules ask for (a task of its own: the alarm write never waits for it).
pub(crate) async fn open_cases(engine: Engine) {
    let rx = engine
        .alarms_state()
        .auto_cases_rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let Some(mut rx) = rx else { return };
    let sys = Actor::system();
    while let Some(a) = rx.recv().await {
        if let Err(err) = engine
            .case_from_alarm(&sys, a.alarm, &a.category, a.urgency)
            .await
        {
            tracing::warn!(alarm = a.alarm, error = %err, "the rule's case was not opened");
        }
    }
}

impl State {
    fn new(ev: Evaluator) -> State {
        let (events, _) = broadcast::channel(1024);
        let any = ev.rules().next().is_some();
        let (auto_cases, rx) = mpsc::unbounded_channel();
        State {
            auto_cases,
            auto_cases_rx: std::sync::Mutex::new(Some(rx)),
            any: AtomicBool::new(any),
            evaluator: tokio::sync::Mutex::new(ev),
            events,
            logged: tokio::sync::Notify::new(),
        }
    }
}

/// The current rule of each id from its stored versions (tombstones remove), with the row.
fn current_rules(versions: Vec<RuleVersion>) -> Vec<(Rule, RuleVersion)> {
    let mut latest: HashMap<String, RuleVersion> = HashMap::new();
    for v in versions {
        match latest.get(&v.id) {
            Some(cur) if cur.version >= v.version => {}
            _ => {
                latest.insert(v.id.clone(), v);
            }
        }
    }
    let mut out: Vec<(Rule, RuleVersion)> = latest
        .into_values()
        .filter(|v| !v.deleted)
        .filter_map(|v| match Rule::from_json(&v.definition) {
            Ok(r) => Some((r, v)),
            Err(e) => {
                tracing::error!(rule = %v.id, version = v.version, error = %e, "stored rule does not load; skipped");
                None
            }
        })
        .collect();
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    out
}

/// Reads the rule files of `dir` (`*.json`, a rule or an array of rules), sorted by file name.
pub fn read_rule_files(dir: &Path) -> Result<Vec<(String, Rule)>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| invalid("rules.dir", format!("{}: {e}", dir.display())))?
        .filter_map(|d| d.ok().map(|d| d.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for p in names {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&p)
            .map_err(|e| invalid("rules.dir", format!("{}: {e}", p.display())))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| invalid("rules.dir", format!("{name}: {e}")))?;
        let items = match value {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        for v in items {
            let rule = Rule::from_json(&v.to_string())
                .map_err(|e| invalid("rules.dir", format!("{name}: {e}")))?;
            out.push((name.clone(), rule));
        }
    }
    Ok(out)
}

/// Loads the rules (storing newer file versions), restores the snapshot and replays the
/// readings stored since; answers the state and the transitions to write before the rules
/// task starts.
pub(crate) async fn load(
    store: &dyn Store,
    cfg: &RulesConfig,
    live: &crate::live::Live,
    index: &crate::registry::Index,
) -> Result<(State, Vec<Transition>)> {
    if let Some(dir) = &cfg.dir {
        let stored = store.list_rule_versions(None).await?;
        let mut highest: HashMap<String, i64> = HashMap::new();
        for v in stored {
            let h = highest.entry(v.id).or_insert(0);
            *h = (*h).max(v.version);
        }
        let mut rows = Vec::new();
        for (file, rule) in read_rule_files(dir)? {
            if highest.get(rule.id.as_str()).copied().unwrap_or(0) >= i64::from(rule.version) {
                continue;
            }
            tracing::info!(rule = %rule.id, version = rule.version, file, "rule loaded from file");
            highest.insert(rule.id.clone(), i64::from(rule.version));
            rows.push(RuleVersion {
                id: rule.id.clone(),
                version: i64::from(rule.version),
                definition: serde_json::to_string(&rule).unwrap_or_default(),
                deleted: false,
                source: format!("file:{file}"),
                created_by: "system".into(),
                created_ms: now_ms(),
            });
        }
        store.insert_rule_versions(&rows).await?;
    }
    let rules: Vec<Rule> = current_rules(store.list_rule_versions(None).await?)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let snapshot = match store.load_rule_state().await? {
        Some((_, _, bytes)) => match serde_json::from_slice::<StateSnapshot>(&bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!(error = %e, "the rules' state snapshot does not load; starting fresh");
                None
            }
        },
        None => None,
    };
    let now = now_ms();
    let (mut ev, mut transitions, from) = match snapshot {
        Some(s) => {
            let at = s.at_ms;
            match Evaluator::restore(rules.clone(), s) {
                Ok((ev, report)) => {
                    tracing::info!(
                        kept = report.kept,
                        dropped = report.dropped,
                        "rules' state restored"
                    );
                    (ev, report.transitions, at)
                }
                Err(e) => {
                    tracing::error!(error = %e, "the rules' state snapshot does not restore; starting fresh");
                    (
                        Evaluator::new(rules).map_err(|e| invalid("rules", e.to_string()))?,
                        Vec::new(),
                        now,
                    )
                }
            }
        }
        None => (
            Evaluator::new(rules).map_err(|e| invalid("rules", e.to_string()))?,
            Vec::new(),
            now,
        ),
    };
    let from = from.saturating_sub(cfg.replay_lateness.as_millis() as i64);
    if ev.rules().next().is_some() {
        // Replay what was stored since the snapshot (every series: a batch evaluates all of
        // its points too; the evaluator skips metrics no rule names).
        let series: Vec<(i64, Arc<str>, Arc<str>)> = live
            .series_index()
            .by_id
            .iter()
            .map(|(id, (e, m))| (*id, e.clone(), m.clone()))
            .collect();
        let mut points: Vec<(i64, i64, f64)> = Vec::new();
        for (id, _, _) in &series {
            for (ts, v) in store
                .history_raw(*id, from, i64::MAX / 4, 1_000_000)
                .await?
            {
                points.push((ts, *id, v));
            }
        }
        points.sort_by_key(|p| (p.0, p.1));
        let keys: HashMap<i64, (Arc<str>, Arc<str>)> =
            series.into_iter().map(|(id, e, m)| (id, (e, m))).collect();
        let replayed = points.len();
        {
            let idx = index.read();
            for (ts, id, v) in points {
                let Some((entity, metric)) = keys.get(&id) else {
                    continue;
                };
                let Some(info) = idx.entities.get(&**entity) else {
                    continue;
                };
                let r = Reading::new(entity, &info.kind, metric, ts, v)
                    .department(&info.department)
                    .attributes(info);
                ev.reading_into(&r, &mut transitions);
            }
        }
        track_entities(&mut ev, index, live, now);
        // Case windows from the cases themselves: a case handed in after the snapshot is not
        // lost to a crash, nor counted twice (cases carry no id in the evaluator).
        let window = ev.case_window_ms();
        if window > 0 {
            let rows = store
                .list_cases(&zhicheng_store::CaseQuery {
                    from_ms: Some(now.saturating_sub(window)),
                    limit: 100_000,
                    ..Default::default()
                })
                .await?;
            if rows.len() >= 100_000 {
                tracing::warn!(
                    window_ms = window,
                    "over 100,000 cases in the longest case-count window: the oldest are not \
                     counted after this restart"
                );
            }
            let cases: Vec<zhicheng_rules::CaseEvent> = rows
                .into_iter()
                .filter_map(|r| {
                    Some(zhicheng_rules::CaseEvent {
                        grid: r.grid?,
                        category: r.category,
                        ts_ms: r.created_ms,
                    })
                })
                .collect();
            transitions.extend(ev.rebuild_case_windows(&cases, now));
            tracing::info!(
                cases = cases.len(),
                "case-count windows rebuilt from the stored cases"
            );
        }
        tracing::info!(
            replayed,
            from,
            "rules replayed the readings stored since the snapshot"
        );
    }
    Ok((State::new(ev), transitions))
}

/// Starts the offline clock of every active entity the rules may watch: from its last reading,
/// or from `now` for one that never reported (pairs with a state are left alone).
fn track_entities(
    ev: &mut Evaluator,
    index: &crate::registry::Index,
    live: &crate::live::Live,
    now: i64,
) {
    let idx = index.read();
    let latest = crate::live::rd(&live.latest);
    let series = live.series_index();
    for (id, info) in &idx.entities {
        if info.lifecycle != zhicheng_model::EntityStatus::Active {
            continue;
        }
        let last = series
            .by_key
            .get(id.as_str())
            .and_then(|m| m.values().filter_map(|s| latest.get(s)).map(|l| l.0).max())
            .unwrap_or(now);
        ev.track(id, &info.kind, Some(&info.department), last);
    }
}

/// Merges the transitions of one (rule, entity) within a batch: an update replaces the raise
/// or update before it (the raise keeps its time), so a burst is written once.
fn merge(ts: Vec<Transition>) -> Vec<(Transition, i64)> {
    let mut out: Vec<(Transition, i64)> = Vec::with_capacity(ts.len());
    let mut last: HashMap<(String, String), usize> = HashMap::new();
    for t in ts {
        let key = (t.alarm().rule.clone(), t.alarm().entity.clone());
        if let Transition::Updated(a) = &t {
            if let Some(&i) = last.get(&key) {
                if let (Transition::Raised(x) | Transition::Updated(x), _) = &mut out[i] {
                    let raised_at = x.ts_ms;
                    let updated = a.ts_ms;
                    *x = Alarm::clone(a);
                    x.ts_ms = raised_at;
                    out[i].1 = updated;
                    continue;
                }
            }
        }
        let at = t.alarm().ts_ms;
        last.insert(key, out.len());
        out.push((t, at));
    }
    out
}

impl Engine {
    fn alarms_state(&self) -> &State {
        &self.inner.alarms
    }

    /// Subscribes to alarm changes (one message per write). A receiver more than 1024
    /// messages behind sees `Lagged` and should be dropped.
    pub fn subscribe_alarms(&self) -> broadcast::Receiver<Arc<Vec<AlarmEvent>>> {
        self.alarms_state().events.subscribe()
    }

    fn view(&self, record: AlarmRecord) -> AlarmView {
        let idx = self.inner.index.read();
        let info = idx.entities.get(&record.entity);
        AlarmView {
            entity_name: info.map(|i| i.name.to_string()),
            point: info.and_then(|i| i.point),
            record,
        }
    }

    /// The store's form of evaluator transitions, a (rule, entity)'s burst merged.
    pub(crate) fn alarm_changes(&self, ts: Vec<Transition>, ev: &Evaluator) -> Vec<AlarmChange> {
        let idx = self.inner.index.read();
        merge(ts)
            .into_iter()
            .map(|(t, updated)| {
                let kind = match &t {
                    Transition::Raised(_) => AlarmChangeKind::Raised,
                    Transition::Updated(_) => AlarmChangeKind::Updated,
                    Transition::Cleared(_) => AlarmChangeKind::Cleared,
                };
                let a = t.alarm();
                let info = idx.entities.get(&a.entity);
                AlarmChange {
                    kind,
                    rule: a.rule.clone(),
                    rule_version: i64::from(a.version),
                    rule_name: ev
                        .rule(&a.rule)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| a.rule.clone()),
                    severity: a.severity.as_str().to_owned(),
                    entity: a.entity.clone(),
                    kind_of_entity: info.map(|i| i.kind.to_string()).unwrap_or_default(),
                    region: info.map(|i| i.region.to_string()).unwrap_or_default(),
                    department: info.map(|i| i.department.to_string()).unwrap_or_default(),
                    at_ms: a.ts_ms,
                    since_ms: a.since_ms,
                    value: a.value,
                    peak: a.peak,
                    count: i64::try_from(a.count).unwrap_or(i64::MAX),
                    message: a.message.clone(),
                    updated_ms: updated,
                }
            })
            .collect()
    }

    /// Evaluates committed-to-be readings (the history writer, before its commit) and answers
    /// the alarm changes to write with them.
    pub(crate) fn evaluate_points(&self, points: &[Point], ev: &mut Evaluator) -> Vec<AlarmChange> {
        let mut out = Vec::new();
        {
            let series = self.inner.live.series_index();
            let idx = self.inner.index.read();
            for p in points {
                let Some((entity, metric)) = series.by_id.get(&p.series) else {
                    continue;
                };
                let Some(info) = idx.entities.get(&**entity) else {
                    continue;
                };
                let r = Reading::new(entity, &info.kind, metric, p.ts, p.value)
                    .department(&info.department)
                    .attributes(info);
                ev.reading_into(&r, &mut out);
            }
        }
        self.inner.metrics.rules_evaluated(points.len());
        if out.is_empty() {
            return Vec::new();
        }
        self.alarm_changes(out, ev)
    }

    /// Writes evaluator transitions on their own (time alone, a manual clear, a rule edit, a
    /// case count) and publishes them.
    pub(crate) async fn write_transitions(&self, ts: Vec<Transition>, ev: &Evaluator) {
        if ts.is_empty() {
            return;
        }
        let changes = self.alarm_changes(ts, ev);
        self.write_alarm_changes(&changes, ev, None).await;
    }

    /// Writes alarm changes and publishes them, retrying while the store fails (the evaluator
    /// has moved on, so they must land) — at most `attempts` times when given: changes the
    /// store refused while it took other writes are dropped after that, logged and counted,
    /// rather than stalling the writer behind them.
    pub(crate) async fn write_alarm_changes(
        &self,
        changes: &[AlarmChange],
        ev: &Evaluator,
        attempts: Option<u32>,
    ) {
        if changes.is_empty() {
            return;
        }
        let mut wait = Duration::from_millis(100);
        let mut tried = 0;
        let written = loop {
            match self.inner.store.apply_alarm_changes(changes).await {
                Ok(w) => break w,
                Err(e) => {
                    tried += 1;
                    self.inner.metrics.alarm_write_failed();
                    if attempts.is_some_and(|a| tried >= a) {
                        // One at a time: only the changes the store refuses are dropped.
                        let mut kept = Vec::new();
                        for c in changes {
                            match self
                                .inner
                                .store
                                .apply_alarm_changes(std::slice::from_ref(c))
                                .await
                            {
                                Ok(w) => kept.extend(w),
                                Err(e) => {
                                    self.inner.metrics.alarm_write_failed();
                                    tracing::error!(error = %e, rule = %c.rule, entity = %c.entity, "alarm change dropped: the store refuses it");
                                }
                            }
                        }
                        break kept;
                    }
                    tracing::error!(error = %e, changes = changes.len(), "alarm write failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        };
        self.publish_written(written, ev);
    }

    /// Publishes alarms once they are durable: the live stream, the event log's readers, the
    /// rules that open a case.
    pub(crate) fn publish_written(&self, written: Vec<AlarmWritten>, ev: &Evaluator) {
        if written.is_empty() {
            return;
        }
        let mut logged = false;
        let events: Vec<AlarmEvent> = written
            .into_iter()
            .map(|(record, event)| {
                logged |= event.is_some();
                let change = match (record.status.as_str(), &event) {
                    ("cleared", _) => "cleared",
                    (_, Some(_)) => "raised",
                    _ => "updated",
                };
                self.inner.metrics.alarm_change(change, &record.severity);
                AlarmEvent {
                    change,
                    event: event.map(|e| e.id),
                    alarm: self.view(record),
                }
            })
            .collect();
        if logged {
            self.alarms_state().logged.notify_waiters();
        }
        // Rules that open a case for each alarm they raise: off the writer's path.
        for e in events.iter().filter(|e| e.change == "raised") {
            let Some(t) = ev.rule(&e.alarm.record.rule).and_then(|r| r.case.clone()) else {
                continue;
            };
            let urgency = t
                .urgency
                .and_then(|u| serde_json::from_value(serde_json::Value::String(u)).ok());
            let _ = self.alarms_state().auto_cases.send(AutoCase {
                alarm: e.alarm.record.id,
                category: t.category,
                urgency,
            });
        }
        let _ = self.alarms_state().events.send(Arc::new(events));
    }

    fn publish_action(&self, change: &'static str, record: AlarmRecord, event: &EventRecord) {
        self.alarms_state().logged.notify_waiters();
        let _ = self.alarms_state().events.send(Arc::new(vec![AlarmEvent {
            change,
            event: Some(event.id),
            alarm: self.view(record),
        }]));
    }

    async fn save_rule_state(&self) {
        let snap = {
            let ev = self.alarms_state().evaluator.lock().await;
            ev.snapshot()
        };
        let at = snap.at_ms;
        let bytes = match tokio::task::spawn_blocking(move || serde_json::to_vec(&snap)).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "rules' state does not serialize");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "rules' state serialization failed");
                return;
            }
        };
        match self.inner.store.save_rule_state(at, now_ms(), &bytes).await {
            Ok(()) => self.inner.metrics.rule_state_saved(bytes.len()),
            Err(e) => tracing::error!(error = %e, "rules' state was not saved"),
        }
    }

    /// Advances the rules' clock to now (offline rules, case windows).
    pub(crate) async fn rules_tick(&self, now: i64) {
        let mut ev = self.alarms_state().evaluator.lock().await;
        let out = ev.tick(now);
        self.write_transitions(out, &ev).await;
    }

    // ---- rules ----

    fn may_edit_rule(actor: &Actor, rule: &Rule) -> Result<()> {
        match actor.role {
            Role::Admin | Role::Operator => Ok(()),
            Role::Department => match (&rule.scope.department, &actor.department) {
                (Some(d), Some(mine)) if d == mine => Ok(()),
                _ => Err(Error::Forbidden(
                    "department users may only edit rules scoped to their own department \
                     (scope.department)"
                        .into(),
                )),
            },
            Role::Viewer => Err(Error::Forbidden("viewers may not edit rules".into())),
        }
    }

    /// The current rules the actor may see (department users: rules of their department or of
    /// no department), by id.
    pub async fn rules(&self, actor: &Actor) -> Result<Vec<RuleView>> {
        let versions = self.inner.store.list_rule_versions(None).await?;
        let open: HashMap<String, usize> = {
            let ev = self.alarms_state().evaluator.lock().await;
            let mut m = HashMap::new();
            for (rule, _, _) in ev.open_alarms() {
                *m.entry(rule.to_owned()).or_insert(0) += 1;
            }
            m
        };
        Ok(current_rules(versions)
            .into_iter()
            .filter(|(r, _)| {
                r.scope
                    .department
                    .as_deref()
                    .is_none_or(|d| actor.can_read_department(d))
            })
            .map(|(rule, v)| RuleView {
                active_alarms: open.get(&rule.id).copied().unwrap_or(0),
                rule,
                source: v.source,
                updated_by: v.created_by,
                updated_ms: v.created_ms,
            })
            .collect())
    }

    /// Every stored version of a rule, oldest first.
    pub async fn rule_versions(&self, actor: &Actor, id: &str) -> Result<Vec<RuleVersion>> {
        let v = self.inner.store.list_rule_versions(Some(id)).await?;
        if v.is_empty() {
            return Err(Error::NotFound(format!("rule {id}")));
        }
        let visible = v.iter().rev().find(|r| !r.deleted).is_none_or(|r| {
            Rule::from_json(&r.definition)
                .ok()
                .and_then(|r| r.scope.department)
                .is_none_or(|d| actor.can_read_department(&d))
        });
        if !visible {
            return Err(Error::NotFound(format!("rule {id}")));
        }
        Ok(v)
    }

    /// Adds a rule or stores a new version of one (the version must be higher than every
    /// stored one, deleted ones included); the evaluator takes it at once. Replacing a rule
    /// closes its open alarms (they were raised under the old definition). An unchanged rule
    /// is answered as it is.
    pub async fn put_rule(&self, actor: &Actor, definition: &str) -> Result<RuleView> {
        let rule = Rule::from_json(definition).map_err(|e| invalid("rule", e.to_string()))?;
        Self::may_edit_rule(actor, &rule)?;
        let mut views = self.store_rules(actor, vec![rule]).await?;
        views
            .pop()
            .ok_or_else(|| Error::Unavailable("the rule was not stored".into()))
    }

    /// Stores many rules at once (an import, or a county's whole rule set): every rule is
    /// checked first — its definition, the caller's right to it, its version against the
    /// stored ones — and then all the changed ones are stored in one transaction and loaded;
    /// all or none. Unchanged rules are answered as they are. One audit entry names them all.
    pub async fn put_rules(&self, actor: &Actor, definitions: &[String]) -> Result<Vec<RuleView>> {
        if definitions.is_empty() {
            return Err(invalid("rules", "the list is empty"));
        }
        let mut rules = Vec::with_capacity(definitions.len());
        let mut seen = std::collections::HashSet::new();
        for (i, d) in definitions.iter().enumerate() {
            let field = format!("rules[{i}]");
            let rule = Rule::from_json(d).map_err(|e| invalid(&field, e.to_string()))?;
            Self::may_edit_rule(actor, &rule)?;
            if !seen.insert(rule.id.clone()) {
                return Err(invalid(
                    &field,
                    format!("rule {} is in the list twice", rule.id),
                ));
            }
            rules.push(rule);
        }
        self.store_rules(actor, rules).await
    }

    /// Stores checked rules (distinct ids, each the actor's to edit) in one transaction and
    /// loads them; answers their views in the given order, unchanged ones first.
    async fn store_rules(&self, actor: &Actor, rules: Vec<Rule>) -> Result<Vec<RuleView>> {
        let mut ev = self.alarms_state().evaluator.lock().await;
        // One rule: its own versions only (the evaluator, and so ingestion, waits meanwhile).
        let only = match &rules[..] {
            [one] => Some(one.id.as_str()),
            _ => None,
        };
        let stored = self.inner.store.list_rule_versions(only).await?;
        let mut highest: HashMap<String, i64> = HashMap::new();
        for v in &stored {
            let h = highest.entry(v.id.clone()).or_insert(0);
            *h = (*h).max(v.version);
        }
        let current: HashMap<String, (Rule, RuleVersion)> = current_rules(stored)
            .into_iter()
            .map(|(r, v)| (r.id.clone(), (r, v)))
            .collect();
        let now = now_ms();
        let mut views = Vec::with_capacity(rules.len());
        let mut rows = Vec::new();
        let mut changed = Vec::new();
        for rule in rules {
            if let Some((prev, v)) = current.get(&rule.id) {
                Self::may_edit_rule(actor, prev)?;
                if *prev == rule {
                    views.push(RuleView {
                        rule,
                        source: v.source.clone(),
                        updated_by: v.created_by.clone(),
                        updated_ms: v.created_ms,
                        active_alarms: 0,
                    });
                    continue;
                }
            }
            let h = highest.get(&rule.id).copied().unwrap_or(0);
            if i64::from(rule.version) <= h {
                return Err(Error::Conflict(format!(
                    "rule {} is at version {h}: a change needs version {} or higher",
                    rule.id,
                    h + 1
                )));
            }
            rows.push(RuleVersion {
                id: rule.id.clone(),
                version: i64::from(rule.version),
                definition: serde_json::to_string(&rule).unwrap_or_default(),
                deleted: false,
                source: "api".into(),
                created_by: actor.username.clone(),
                created_ms: now,
            });
            changed.push(rule);
        }
        self.inner.store.insert_rule_versions(&rows).await?;
        let mut ts = Vec::new();
        let mut offline = false;
        for rule in &changed {
            match ev.upsert(rule.clone(), now) {
                Ok(t) => ts.extend(t),
                // Checked above against the stored versions, which the evaluator follows.
                Err(e) => tracing::error!(rule = %rule.id, error = %e, "stored rule not loaded"),
            }
            offline |= matches!(rule.condition, zhicheng_rules::Condition::Offline(_));
        }
        if !changed.is_empty() {
            self.alarms_state().any.store(true, Ordering::Relaxed);
        }
        if offline {
            track_entities(&mut ev, &self.inner.index, &self.inner.live, now);
        }
        self.write_transitions(ts, &ev).await;
        drop(ev);
        match &rows[..] {
            [] => {}
            [one] => {
                self.audit(
                    &actor.username,
                    "rule.put",
                    &one.id,
                    serde_json::json!({"version": one.version}),
                )
                .await
            }
            many => {
                let stored: Vec<serde_json::Value> = many
                    .iter()
                    .map(|r| serde_json::json!([r.id, r.version]))
                    .collect();
                self.audit(
                    &actor.username,
                    "rule.put",
                    &format!("{} rules", many.len()),
                    serde_json::json!({ "rules": stored }),
                )
                .await
            }
        }
        for rule in changed {
            views.push(RuleView {
                rule,
                source: "api".into(),
                updated_by: actor.username.clone(),
                updated_ms: now,
                active_alarms: 0,
            });
        }
        Ok(views)
    }

    /// Deletes a rule (a tombstone version); its open alarms are closed.
    pub async fn delete_rule(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut ev = self.alarms_state().evaluator.lock().await;
        let stored = self.inner.store.list_rule_versions(Some(id)).await?;
        let Some((current, _)) = current_rules(stored.clone()).into_iter().next() else {
            return Err(Error::NotFound(format!("rule {id}")));
        };
        Self::may_edit_rule(actor, &current)?;
        let now = now_ms();
        let highest = stored.iter().map(|v| v.version).max().unwrap_or(0);
        self.inner
            .store
            .insert_rule_version(&RuleVersion {
                id: id.to_owned(),
                version: highest + 1,
                definition: String::new(),
                deleted: true,
                source: "api".into(),
                created_by: actor.username.clone(),
                created_ms: now,
            })
            .await?;
        let ts = ev.remove(id, now).unwrap_or_default();
        self.alarms_state()
            .any
            .store(ev.rules().next().is_some(), Ordering::Relaxed);
        self.write_transitions(ts, &ev).await;
        drop(ev);
        self.audit(&actor.username, "rule.delete", id, serde_json::json!({}))
            .await;
        Ok(())
    }

    // ---- alarms ----

    /// Alarms the actor may see, newest first (department users: their department's).
    pub async fn alarms(&self, actor: &Actor, mut q: AlarmQuery) -> Result<Vec<AlarmView>> {
        if let Some(d) = actor.scope() {
            if q.departments.iter().any(|x| x != d) {
                return Err(Error::Forbidden(format!(
                    "you may only see department {d}'s alarms"
                )));
            }
            q.departments = vec![d.to_owned()];
        }
        let list = self.inner.store.list_alarms(&q).await?;
        Ok(list.into_iter().map(|a| self.view(a)).collect())
    }

    async fn visible_alarm(&self, actor: &Actor, id: i64) -> Result<AlarmRecord> {
        match self.inner.store.get_alarm(id).await? {
            Some(a) if actor.can_read_department(&a.department) => Ok(a),
            _ => Err(Error::NotFound(format!("alarm {id}"))),
        }
    }

    /// One alarm with its comments.
    pub async fn alarm(&self, actor: &Actor, id: i64) -> Result<AlarmDetail> {
        let a = self.visible_alarm(actor, id).await?;
        let comments = self.inner.store.list_alarm_comments(id).await?;
        Ok(AlarmDetail {
            alarm: self.view(a),
            comments,
        })
    }

    /// Acknowledges, assigns, comments or clears an alarm (admin and operator for any;
    /// department users for their department's).
    pub async fn alarm_action(
        &self,
        actor: &Actor,
        id: i64,
        action: AlarmAction,
    ) -> Result<AlarmView> {
        let a = self.visible_alarm(actor, id).await?;
        if !actor.can_write_department(&a.department) {
            return Err(Error::Forbidden(format!("you may not act on alarm {id}")));
        }
        match &action {
            AlarmAction::Comment { text } => check_text("text", text, 1)?,
            AlarmAction::Clear { note: Some(n) } => check_text("note", n, 0)?,
            AlarmAction::Assign {
                assignee: Some(user),
            } => {
                let u = self
                    .inner
                    .store
                    .get_user(user)
                    .await?
                    .filter(|u| !u.disabled)
                    .ok_or_else(|| invalid("assignee", format!("no user {user}")))?;
                let fits = match u.role.as_str() {
                    "admin" | "operator" => true,
                    "department" => u.department.as_deref() == Some(a.department.as_str()),
                    _ => false,
                };
                if !fits {
                    return Err(invalid(
                        "assignee",
                        format!("{user} may not handle department {}'s alarms", a.department),
                    ));
                }
            }
            _ => {}
        }
        let now = now_ms();
        let result = if let AlarmAction::Clear { .. } = &action {
            // The evaluator forgets the open alarm in the same step, so the rules task cannot
            // update it after it was cleared here.
            let mut ev = self.alarms_state().evaluator.lock().await;
            ev.clear(&a.rule, &a.entity, now, &actor.username);
            let r = self
                .inner
                .store
                .alarm_action(id, &action, &actor.username, now)
                .await?;
            drop(ev);
            r
        } else {
            self.inner
                .store
                .alarm_action(id, &action, &actor.username, now)
                .await?
        };
        let Some((record, event)) = result else {
            return Err(Error::NotFound(format!("alarm {id}")));
        };
        let change = match action {
            AlarmAction::Acknowledge => "acknowledged",
            AlarmAction::Assign { .. } => "assigned",
            AlarmAction::Comment { .. } => "commented",
            AlarmAction::Clear { .. } => "cleared",
        };
        self.publish_action(change, record.clone(), &event);
        Ok(self.view(record))
    }
}

fn check_text(field: &str, text: &str, min: usize) -> Result<()> {
    let n = text.trim().chars().count();
    if n < min {
        return Err(invalid(field, "must not be empty"));
    }
    if text.chars().count() > 2000 {
        return Err(invalid(field, "is longer than 2000 characters"));
    }
    Ok(())
}

/// The rules task: advances time and saves the state; stops when the history writer has
/// stopped (`writer_done` resolves), after a last snapshot.
pub(crate) async fn run(engine: Engine, mut writer_done: tokio::sync::oneshot::Receiver<()>) {
    let cfg = engine.inner.cfg.rules.clone();
    let mut tick = tokio::time::interval(cfg.tick_interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut snap = tokio::time::interval(cfg.snapshot_interval.max(Duration::from_millis(100)));
    snap.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    snap.tick().await;
    loop {
        tokio::select! {
            _ = &mut writer_done => break,
            _ = tick.tick() => engine.rules_tick(now_ms()).await,
            _ = snap.tick() => engine.save_rule_state().await,
        }
    }
    engine.save_rule_state().await;
    tracing::info!("rules task stopped: state saved");
}
