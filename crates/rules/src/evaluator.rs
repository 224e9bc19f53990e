//! The evaluator: rules indexed for the ingest stream, and a state machine per (rule, entity).
//!
//! # Semantics
//!
//! * **Index.** A reading is checked only against the rules of its entity and of its kind for
//!   its metric, and the `offline` rules of either that watch every metric. A rule limited to a
//!   department applies only to readings that name that department.
//! * **States.** Each (rule, entity) pair is [`Phase::Idle`], [`Phase::Pending`] (the condition
//!   holds, not yet for `for_seconds`), [`Phase::Active`] (an open alarm) or
//!   [`Phase::Clearing`] (open, the clear condition holds, not yet for `clear_for_seconds`),
//!   or [`Phase::Held`] (cleared by hand: quiet until the condition ends by itself).
//!   There is at most one open alarm per pair: a triggering reading while it is open answers
//!   [`Transition::Updated`] (new value, peak, count), never a second `Raised`.
//! * **Durations use the readings' times.** "For 60 minutes" means the condition held on every
//!   reading from the first one of the run (`since`), and the current reading is 60 minutes or
//!   more after it. A reading on which the condition does not hold (including one between the
//!   raise and clear values) ends the run; a gap between readings does not (the condition is
//!   judged only at readings). Clearing is the same with the clear condition; a reading that
//!   is not clear while clearing returns the alarm to `Active`.
//! * **Order.** Per pair, a reading older than the last one evaluated is ignored and counted
//!   ([`Stats::out_of_order`]); one with the same time is a replay, ignored and counted
//!   ([`Stats::duplicates`]). This is also what makes a restart idempotent: readings that were
//!   evaluated before the snapshot and are delivered again are ignored.
//! * **Time alone** ([`Evaluator::tick`]) raises `offline` alarms and clears `case_count`
//!   alarms whose window has emptied. It does **not** complete a pending duration: a threshold
//!   "for 60 minutes" raises on a reading that shows the condition still holding at 60
//!   minutes, never on a timer, because without a reading nothing says it still holds (the
//!   silence is the `offline` rule's business). The same goes for `clear_for_seconds`.
//! * **Offline** watches entities from their first reading (or from [`Evaluator::track`]);
//!   it raises at the first tick `after_seconds` or more after the last reading, and clears on
//!   a newer reading that is itself less than `after_seconds` older than the evaluator's clock
//!   (a late reading from a buffer does not prove the device is back).
//! * **Cases** are counted per (rule, grid) in a window that ends at the evaluator's clock (the
//!   latest reading, case or tick time seen): a case raises when the window holds `at_least`,
//!   later ones update, and the alarm clears when cases leave the window (at a case or a tick).
//!   A case older than the window when it arrives is ignored and counted. Cases carry no id,
//!   so the caller must not hand the same case in twice.
//! * **Values** in an alarm are, by rule type: the metric (`threshold`), the change in the
//!   limit's unit (`rate`), the AQI (`aqi`), the ratio (`occupancy`), the silence in seconds
//!   (`offline`), the number of cases in the window (`case_count`). The peak is the worst value
//!   while open (the lowest for `<` and `<=`).
//! * **Non-finite values** are ignored and counted; the engine refuses them before this.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};
use zhicheng_envstd::aqi::Level;

use crate::rule::{Condition, Direction, Rule, Severity};
use crate::snapshot::{OpenAlarm, PairState, PairStateData, Phase, RuleSnapshot, StateSnapshot};
use crate::{Error, Result, SNAPSHOT_FORMAT};

/// Numeric attributes of an entity, looked up by name (an occupancy rule's capacity).
pub trait Attributes {
    /// The attribute's value, if the entity has it and it is a number.
    fn number(&self, name: &str) -> Option<f64>;
}

/// An entity without attributes.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAttributes;

impl Attributes for NoAttributes {
    fn number(&self, _: &str) -> Option<f64> {
        None
    }
}

/// The registry's attributes, as `zhicheng-model`'s `Entity::attributes` holds them.
impl Attributes for serde_json::Map<String, serde_json::Value> {
    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(serde_json::Value::as_f64)
    }
}

impl<S: std::hash::BuildHasher> Attributes for HashMap<String, f64, S> {
    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).copied()
    }
}

impl<F: Fn(&str) -> Option<f64>> Attributes for F {
    fn number(&self, name: &str) -> Option<f64> {
        self(name)
    }
}

/// One accepted reading, with what the rules need to know of its entity.
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    /// Entity id.
    pub entity: &'a str,
    /// The entity's kind id.
    pub kind: &'a str,
    /// The entity's department, for rules limited to one.
    pub department: Option<&'a str>,
    /// Metric name.
    pub metric: &'a str,
    /// Time of the reading, epoch milliseconds.
    pub ts_ms: i64,
    /// Value (booleans as 1/0).
    pub value: f64,
    /// The entity's attributes.
    pub attributes: &'a dyn Attributes,
}

impl<'a> Reading<'a> {
    /// A reading of an entity without department or attributes.
    pub fn new(entity: &'a str, kind: &'a str, metric: &'a str, ts_ms: i64, value: f64) -> Self {
        Reading {
            entity,
            kind,
            department: None,
            metric,
            ts_ms,
            value,
            attributes: &NoAttributes,
        }
    }

    /// With the entity's department.
    pub fn department(mut self, department: &'a str) -> Self {
        self.department = Some(department);
        self
    }

    /// With the entity's attributes.
    pub fn attributes(mut self, attributes: &'a dyn Attributes) -> Self {
        self.attributes = attributes;
        self
    }
}

impl fmt::Debug for Reading<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reading")
            .field("entity", &self.entity)
            .field("kind", &self.kind)
            .field("department", &self.department)
            .field("metric", &self.metric)
            .field("ts_ms", &self.ts_ms)
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// A case reported in a grid (the case workflow comes later; this is what it will hand over).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseEvent {
    /// The case category.
    pub category: String,
    /// The grid id.
    pub grid: String,
    /// When the case was reported, epoch milliseconds.
    pub ts_ms: i64,
}

/// An alarm as of one transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Rule id.
    pub rule: String,
    /// Rule version.
    pub version: u32,
    /// Severity.
    pub severity: Severity,
    /// Entity id; for `case_count` rules the grid id.
    pub entity: String,
    /// Time of the transition: the reading's, the case's or the tick's.
    pub ts_ms: i64,
    /// When the condition began (see [`OpenAlarm::since_ms`]).
    pub since_ms: i64,
    /// The value now: the metric, AQI, occupancy ratio, change, silence in seconds or number of
    /// cases, by rule type.
    pub value: f64,
    /// The worst value while open.
    pub peak: f64,
    /// Triggering readings (or cases) while open.
    pub count: u64,
    /// What happened, for people (the rule's name first).
    pub message: String,
}

/// What a reading, case or tick changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    /// A new alarm for a (rule, entity) that had none open.
    Raised(Alarm),
    /// The open alarm triggered again.
    Updated(Alarm),
    /// The open alarm cleared (or its rule was replaced or removed).
    Cleared(Alarm),
}

impl Transition {
    /// The alarm, whatever happened to it.
    pub fn alarm(&self) -> &Alarm {
        match self {
            Transition::Raised(a) | Transition::Updated(a) | Transition::Cleared(a) => a,
        }
    }

    /// `raised`, `updated` or `cleared`.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Raised(_) => "raised",
            Transition::Updated(_) => "updated",
            Transition::Cleared(_) => "cleared",
        }
    }
}

/// Counters since the evaluator was made (not kept in snapshots).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readings handed in.
    pub readings: u64,
    /// (rule, reading) evaluations.
    pub checks: u64,
    /// Readings ignored by some pair because they were older than its last one.
    pub out_of_order: u64,
    /// Readings ignored by some pair because they had the time of its last one.
    pub duplicates: u64,
    /// Readings with a NaN or infinite value.
    pub not_finite: u64,
    /// Occupancy checks skipped because the entity has no usable capacity.
    pub no_capacity: u64,
    /// Case events handed in.
    pub cases: u64,
    /// Case events older than a rule's window when they arrived.
    pub stale_cases: u64,
    /// Transitions answered, by kind.
    pub raised: u64,
    /// See [`Stats::raised`].
    pub updated: u64,
    /// See [`Stats::raised`].
    pub cleared: u64,
}

/// What [`Evaluator::restore`] did with the snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreReport {
    /// Pairs whose rule is loaded at the same version: state continued.
    pub kept: usize,
    /// Pairs whose rule has another version now, or is gone or disabled: state dropped.
    pub dropped: usize,
    /// `Cleared` for every open alarm among the dropped pairs, so the alarm list keeps one
    /// open alarm per (rule, entity) and none of a rule that no longer says so.
    pub transitions: Vec<Transition>,
}

/// One loaded rule and its pairs.
struct Slot {
    rule: Rule,
    for_ms: i64,
    clear_for_ms: i64,
    states: HashMap<Box<str>, PairState>,
}

impl Slot {
    fn new(rule: Rule) -> Slot {
        let (f, c) = match &rule.condition {
            Condition::Threshold(t) => (t.for_seconds, t.clear_for_seconds.unwrap_or(0)),
            Condition::Rate(r) => (r.for_seconds, r.clear_for_seconds.unwrap_or(0)),
            Condition::Aqi(a) => (a.for_seconds, a.clear_for_seconds.unwrap_or(0)),
            Condition::Occupancy(o) => (o.for_seconds, o.clear_for_seconds.unwrap_or(0)),
            Condition::Offline(_) | Condition::CaseCount(_) => (0, 0),
        };
        Slot {
            rule,
            for_ms: ms(f),
            clear_for_ms: ms(c),
            states: HashMap::new(),
        }
    }
}

fn ms(seconds: u64) -> i64 {
    // Validation keeps seconds ≤ 366 days, so this never saturates for a loaded rule.
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// The rules of one entity or one kind.
#[derive(Default)]
struct Targets {
    by_metric: HashMap<Box<str>, Vec<usize>>,
    /// `offline` rules without a metric: every reading is a sign of life.
    any: Vec<usize>,
}

impl Targets {
    fn is_empty(&self) -> bool {
        self.by_metric.is_empty() && self.any.is_empty()
    }
}

/// Rules compiled for the ingest stream, with their state. The [module
/// documentation](crate::evaluator) states the semantics.
#[derive(Default)]
pub struct Evaluator {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    by_id: HashMap<String, usize>,
    by_entity: HashMap<Box<str>, Targets>,
    by_kind: HashMap<Box<str>, Targets>,
    by_category: HashMap<Box<str>, Vec<usize>>,
    offline: Vec<usize>,
    cases: Vec<usize>,
    clock_ms: i64,
    stats: Stats,
}

impl fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluator")
            .field("rules", &self.by_id.len())
            .field("clock_ms", &self.clock_ms)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The verdict of one reading on one rule.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    /// The condition holds.
    Trigger,
    /// Neither the condition nor the clear condition holds (the hysteresis band).
    Band,
    /// The clear condition holds.
    Clear,
    /// Nothing to say (no capacity, no reference value yet).
    Skip,
}

/// What one step of the state machine answers.
enum Step {
    None,
    Raised(OpenAlarm),
    Updated(OpenAlarm),
    Cleared(OpenAlarm),
}

impl Evaluator {
    /// Validates and loads the rules (ids must be unique), with no state.
    pub fn new(rules: Vec<Rule>) -> Result<Evaluator> {
        let mut ev = Evaluator::default();
        for rule in rules {
            if ev.by_id.contains_key(&rule.id) {
                return Err(Error::DuplicateRule { rule: rule.id });
            }
            ev.upsert(rule, 0)?;
        }
        Ok(ev)
    }

    /// Loads the rules and continues from a snapshot. Pairs of a rule loaded at the snapshot's
    /// version continue where they were, mid-duration included. Pairs of a rule whose version
    /// changed (or that is gone or disabled) are dropped: their state was computed under a
    /// condition that no longer applies — carrying a pending run or an open alarm over would
    /// raise, or hold, an alarm the new definition never saw hold. Their open alarms are
    /// answered as `Cleared` in the report; the new version starts from fresh readings.
    pub fn restore(
        rules: Vec<Rule>,
        snapshot: StateSnapshot,
    ) -> Result<(Evaluator, RestoreReport)> {
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(Error::SnapshotFormat {
                expected: SNAPSHOT_FORMAT,
                found: snapshot.format,
            });
        }
        let mut ev = Evaluator::new(rules)?;
        ev.clock_ms = snapshot.at_ms;
        let mut report = RestoreReport::default();
        for saved in snapshot.rules {
            let slot = ev
                .by_id
                .get(&saved.rule)
                .and_then(|&i| ev.slots[i].as_mut())
                .filter(|s| s.rule.enabled);
            if let Some(s) = slot.filter(|s| s.rule.version == saved.version) {
                report.kept += saved.pairs.len();
                s.states
                    .extend(saved.pairs.into_iter().map(|(e, st)| (e.into(), st.0)));
                continue;
            }
            report.dropped += saved.pairs.len();
            let why = match ev
                .by_id
                .get(&saved.rule)
                .and_then(|&i| ev.slots[i].as_ref())
            {
                Some(s) if !s.rule.enabled => "已停用".to_owned(),
                Some(s) => format!("已更新为第 {} 版", s.rule.version),
                None => "已删除".to_owned(),
            };
            for (entity, state) in saved.pairs {
                let Some(open) = state.0.phase.open() else {
                    continue;
                };
                report.transitions.push(Transition::Cleared(Alarm {
                    message: format!(
                        "规则 {} 第 {} 版{why}，重启时关闭告警",
                        saved.rule, saved.version
                    ),
                    rule: saved.rule.clone(),
                    version: saved.version,
                    severity: saved.severity,
                    entity,
                    ts_ms: snapshot.at_ms,
                    since_ms: open.since_ms,
                    value: open.last_value,
                    peak: open.peak,
                    count: open.count,
                }));
                ev.stats.cleared += 1;
            }
        }
        Ok((ev, report))
    }

    /// The state of every pair, for [`Evaluator::restore`]. Sorted, so equal states give
    /// equal JSON.
    pub fn snapshot(&self) -> StateSnapshot {
        let mut rules: Vec<RuleSnapshot> = self
            .slots
            .iter()
            .flatten()
            .filter(|s| !s.states.is_empty())
            .map(|s| RuleSnapshot {
                rule: s.rule.id.clone(),
                version: s.rule.version,
                severity: s.rule.severity,
                pairs: s
                    .states
                    .iter()
                    .map(|(e, st)| (e.to_string(), PairStateData(st.clone())))
                    .collect(),
            })
            .collect();
        rules.sort_by(|a, b| a.rule.cmp(&b.rule));
        StateSnapshot {
            format: SNAPSHOT_FORMAT,
            at_ms: self.clock_ms,
            rules,
        }
    }

    /// Adds a rule, or replaces one with a higher version. The same version with the same
    /// definition changes nothing; with another definition, or a lower version, it is an
    /// error. Replacing drops the old version's state (see [`Evaluator::restore`] for why) and
    /// answers `Cleared` at `now_ms` for its open alarms; other rules are not touched.
    pub fn upsert(&mut self, rule: Rule, now_ms: i64) -> Result<Vec<Transition>> {
        rule.validate()?;
        let Some(&i) = self.by_id.get(&rule.id) else {
            let i = match self.free.pop() {
                Some(i) => i,
                None => {
                    self.slots.push(None);
                    self.slots.len() - 1
                }
            };
            self.by_id.insert(rule.id.clone(), i);
            self.slots[i] = Some(Slot::new(rule));
            self.index(i);
            return Ok(Vec::new());
        };
        let current = &self.slots[i].as_ref().expect("indexed slot").rule;
        if rule.version == current.version && rule == *current {
            return Ok(Vec::new());
        }
        if rule.version <= current.version {
            return Err(Error::Version {
                rule: rule.id,
                current: current.version,
                given: rule.version,
            });
        }
        let why = format!("已更新为第 {} 版", rule.version);
        self.unindex(i);
        let old = self.slots[i]
            .replace(Slot::new(rule))
            .expect("indexed slot");
        self.index(i);
        Ok(self.close_all(old, now_ms, &why))
    }

    /// Removes a rule; answers `Cleared` at `now_ms` for its open alarms, or `None` if no rule
    /// has this id.
    pub fn remove(&mut self, id: &str, now_ms: i64) -> Option<Vec<Transition>> {
        let i = self.by_id.remove(id)?;
        self.unindex(i);
        let old = self.slots[i].take().expect("indexed slot");
        self.free.push(i);
        Some(self.close_all(old, now_ms, "已删除"))
    }

    /// Closes the open alarm of a (rule, entity) by hand (an operator cleared it) and answers
    /// `Cleared` at `now_ms`, or `None` when nothing is open. The pair is then
    /// [`Phase::Held`]: an operator who clears an alarm has dealt with it, so it is not raised
    /// again while the condition lasts (an `offline` device that stays silent, a level that
    /// stays high); once the condition ends by itself the pair is idle and the next episode
    /// raises a new alarm. The pair keeps its last reading time, so order and duplicate
    /// checks go on.
    pub fn clear(&mut self, rule: &str, entity: &str, now_ms: i64, by: &str) -> Option<Transition> {
        let i = *self.by_id.get(rule)?;
        let slot = self.slots[i].as_mut()?;
        let state = slot.states.get_mut(entity)?;
        let open = *state.phase.open()?;
        state.phase = Phase::Held;
        let message = format!("{}：由 {by} 手动解除", slot.rule.name);
        let t = Transition::Cleared(alarm(&slot.rule, entity, now_ms, &open, message));
        self.stats.cleared += 1;
        Some(t)
    }

    fn close_all(&mut self, old: Slot, now_ms: i64, why: &str) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut entities: Vec<_> = old.states.iter().collect();
        entities.sort_by(|a, b| a.0.cmp(b.0));
        for (entity, state) in entities {
            if let Some(open) = state.phase.open() {
                let message = format!("{}：规则{why}，告警关闭", old.rule.name);
                out.push(Transition::Cleared(alarm(
                    &old.rule, entity, now_ms, open, message,
                )));
            }
        }
        self.stats.cleared += out.len() as u64;
        out
    }

    /// A loaded rule.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        let i = *self.by_id.get(id)?;
        self.slots[i].as_ref().map(|s| &s.rule)
    }

    /// Every loaded rule, in no particular order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.slots.iter().flatten().map(|s| &s.rule)
    }

    /// The phase of a (rule, entity) pair, if it has state.
    pub fn phase(&self, rule: &str, entity: &str) -> Option<&Phase> {
        let i = *self.by_id.get(rule)?;
        self.slots[i].as_ref()?.states.get(entity).map(|s| &s.phase)
    }

    /// Every open alarm: (rule, entity, alarm).
    pub fn open_alarms(&self) -> Vec<(&str, &str, &OpenAlarm)> {
        let mut out: Vec<_> = self
            .slots
            .iter()
            .flatten()
            .flat_map(|s| {
                s.states
                    .iter()
                    .filter_map(|(e, st)| Some((s.rule.id.as_str(), &**e, st.phase.open()?)))
            })
            .collect();
        out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        out
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The evaluator's clock: the latest reading, case or tick time seen.
    pub fn clock_ms(&self) -> i64 {
        self.clock_ms
    }

    fn index(&mut self, i: usize) {
        let slot = self.slots[i].as_ref().expect("slot to index");
        let rule = &slot.rule;
        if !rule.enabled {
            return;
        }
        if let Condition::CaseCount(c) = &rule.condition {
            self.by_category
                .entry(c.category.as_str().into())
                .or_default()
                .push(i);
            self.cases.push(i);
            return;
        }
        let targets = match (&rule.scope.entity, &rule.scope.kind) {
            (Some(e), _) => self.by_entity.entry(e.as_str().into()).or_default(),
            (None, Some(k)) => self.by_kind.entry(k.as_str().into()).or_default(),
            (None, None) => unreachable!("validated scope"),
        };
        match rule.condition.metric() {
            Some(m) => targets.by_metric.entry(m.into()).or_default().push(i),
            None => targets.any.push(i),
        }
        if matches!(rule.condition, Condition::Offline(_)) {
            self.offline.push(i);
        }
    }

    fn unindex(&mut self, i: usize) {
        // Only the rule's own scope entry (or category) can hold it.
        let rule = &self.slots[i].as_ref().expect("slot to unindex").rule;
        if let Condition::CaseCount(c) = &rule.condition {
            if let Some(v) = self.by_category.get_mut(c.category.as_str()) {
                v.retain(|&j| j != i);
                if v.is_empty() {
                    self.by_category.remove(c.category.as_str());
                }
            }
        } else {
            let (map, key) = match (&rule.scope.entity, &rule.scope.kind) {
                (Some(e), _) => (&mut self.by_entity, e.as_str()),
                (None, Some(k)) => (&mut self.by_kind, k.as_str()),
                (None, None) => unreachable!("validated scope"),
            };
            if let Some(t) = map.get_mut(key) {
                t.any.retain(|&j| j != i);
                t.by_metric.retain(|_, v| {
                    v.retain(|&j| j != i);
                    !v.is_empty()
                });
                if t.is_empty() {
                    map.remove(key);
                }
            }
        }
        self.offline.retain(|&j| j != i);
        self.cases.retain(|&j| j != i);
    }

    /// Evaluates one accepted reading against the rules of its entity and kind.
    pub fn reading(&mut self, r: &Reading<'_>) -> Vec<Transition> {
        let mut out = Vec::new();
        self.reading_into(r, &mut out);
        out
    }

    /// [`Evaluator::reading`], appending to `out` (no allocation when nothing happens).
    pub fn reading_into(&mut self, r: &Reading<'_>, out: &mut Vec<Transition>) {
        self.stats.readings += 1;
        if !r.value.is_finite() {
            self.stats.not_finite += 1;
            return;
        }
        self.clock_ms = self.clock_ms.max(r.ts_ms);
        let mut order = OrderFlags::default();
        let before = out.len();
        for targets in [self.by_entity.get(r.entity), self.by_kind.get(r.kind)]
            .into_iter()
            .flatten()
        {
            let lists = [
                targets.by_metric.get(r.metric).map(Vec::as_slice),
                Some(&targets.any[..]),
            ];
            for &i in lists.into_iter().flatten().flatten() {
                let slot = self.slots[i].as_mut().expect("indexed slot");
                self.stats.checks += 1;
                evaluate(slot, r, self.clock_ms, &mut self.stats, &mut order, out);
            }
        }
        self.stats.out_of_order += u64::from(order.older);
        self.stats.duplicates += u64::from(order.same);
        count(&mut self.stats, &out[before..]);
    }

    /// Evaluates one case against the `case_count` rules of its category.
    pub fn case_event(&mut self, ev: &CaseEvent) -> Vec<Transition> {
        self.stats.cases += 1;
        self.clock_ms = self.clock_ms.max(ev.ts_ms);
        let mut out = Vec::new();
        let Some(list) = self.by_category.get(ev.category.as_str()) else {
            return out;
        };
        for &i in list {
            let slot = self.slots[i].as_mut().expect("indexed slot");
            let Condition::CaseCount(c) = &slot.rule.condition else {
                continue;
            };
            let within = ms(c.within_seconds);
            let at_least = u64::from(c.at_least);
            // The window ends at the clock, as it does for `tick`: a case from before it
            // cannot reopen a cluster that time has already cleared.
            let now = self.clock_ms;
            if ev.ts_ms < now.saturating_sub(within) {
                self.stats.stale_cases += 1;
                continue;
            }
            let state = slot.states.entry(ev.grid.as_str().into()).or_default();
            state.last_ts = Some(state.last_ts.unwrap_or(ev.ts_ms).max(ev.ts_ms));
            let at = state.events.partition_point(|&t| t <= ev.ts_ms);
            state.events.insert(at, ev.ts_ms);
            prune_events(&mut state.events, now.saturating_sub(within));
            let n = state.events.len() as u64;
            let oldest = state.events.front().copied().unwrap_or(ev.ts_ms);
            let step = match &mut state.phase {
                Phase::Active(o) if n >= at_least => {
                    o.last_value = n as f64;
                    o.peak = o.peak.max(n as f64);
                    o.count += 1;
                    Step::Updated(*o)
                }
                Phase::Active(o) => {
                    o.last_value = n as f64;
                    let o = *o;
                    state.phase = Phase::Idle;
                    Step::Cleared(o)
                }
                Phase::Held if n >= at_least => Step::None,
                Phase::Held => {
                    state.phase = Phase::Idle;
                    Step::None
                }
                _ if n >= at_least => {
                    let o = OpenAlarm {
                        since_ms: oldest,
                        raised_ms: ev.ts_ms,
                        last_value: n as f64,
                        peak: n as f64,
                        count: 1,
                    };
                    state.phase = Phase::Active(o);
                    Step::Raised(o)
                }
                _ => Step::None,
            };
            emit(&slot.rule, &ev.grid, ev.ts_ms, step, 0.0, &mut out);
        }
        count(&mut self.stats, &out);
        out
    }

    /// The longest window of the `case_count` rules, in ms (0 when there are none): how far
    /// back [`Evaluator::rebuild_case_windows`] needs cases.
    pub fn case_window_ms(&self) -> i64 {
        self.cases
            .iter()
            .filter_map(|&i| match &self.slots[i].as_ref()?.rule.condition {
                Condition::CaseCount(c) => Some(ms(c.within_seconds)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Replaces the windows of the `case_count` rules with `cases` — the cases as the caller
    /// stores them, of the last [`Evaluator::case_window_ms`] before `now_ms`, in any order.
    /// Called at start after a restore: cases carry no id, so a case handed in after the last
    /// snapshot would otherwise be lost (a crash) and one handed in again would count twice;
    /// the store is the truth. Then each pair is judged on its rebuilt window: an open alarm
    /// whose window holds fewer than `at_least` clears, one that holds enough is updated if its
    /// count changed, a window that holds enough without an alarm raises (the cluster formed
    /// while the process was down), and a pair held after a manual clear stays held until its
    /// window thins out.
    pub fn rebuild_case_windows(&mut self, cases: &[CaseEvent], now_ms: i64) -> Vec<Transition> {
        self.clock_ms = self.clock_ms.max(now_ms);
        let now = self.clock_ms;
        let mut out = Vec::new();
        for &i in &self.cases {
            let slot = self.slots[i].as_mut().expect("indexed slot");
            let Condition::CaseCount(c) = &slot.rule.condition else {
                continue;
            };
            let (within, at_least) = (ms(c.within_seconds), u64::from(c.at_least));
            let from = now.saturating_sub(within);
            let mut windows: HashMap<&str, Vec<i64>> = HashMap::new();
            for e in cases
                .iter()
                .filter(|e| e.category == c.category && e.ts_ms >= from && e.ts_ms <= now)
            {
                windows.entry(e.grid.as_str()).or_default().push(e.ts_ms);
            }
            let mut grids: Vec<Box<str>> = slot
                .states
                .keys()
                .cloned()
                .chain(windows.keys().map(|g| Box::from(*g)))
                .collect();
            grids.sort();
            grids.dedup();
            for grid in grids {
                let mut times = windows.remove(&*grid).unwrap_or_default();
                times.sort_unstable();
                let state = slot.states.entry(grid.clone()).or_default();
                state.events = times.into();
                if let Some(&newest) = state.events.back() {
                    state.last_ts = Some(state.last_ts.unwrap_or(newest).max(newest));
                }
                let n = state.events.len() as u64;
                let oldest = state.events.front().copied().unwrap_or(now);
                let newest = state.events.back().copied().unwrap_or(now);
                let (ts, step) = match state.phase {
                    Phase::Active(o) if n < at_least => {
                        state.phase = Phase::Idle;
                        let o = OpenAlarm {
                            last_value: n as f64,
                            ..o
                        };
                        (now, Step::Cleared(o))
                    }
                    Phase::Active(o) if o.last_value != n as f64 => {
                        let o = OpenAlarm {
                            last_value: n as f64,
                            peak: o.peak.max(n as f64),
                            ..o
                        };
                        state.phase = Phase::Active(o);
                        (newest, Step::Updated(o))
                    }
                    Phase::Held if n < at_least => {
                        state.phase = Phase::Idle;
                        (now, Step::None)
                    }
                    Phase::Idle | Phase::Pending { .. } if n >= at_least => {
                        let o = OpenAlarm {
                            since_ms: oldest,
                            raised_ms: newest,
                            last_value: n as f64,
                            peak: n as f64,
                            count: 1,
                        };
                        state.phase = Phase::Active(o);
                        (newest, Step::Raised(o))
                    }
                    _ => (now, Step::None),
                };
                emit(&slot.rule, &grid, ts, step, 0.0, &mut out);
            }
            slot.states
                .retain(|_, s| !(s.phase == Phase::Idle && s.events.is_empty()));
        }
        count(&mut self.stats, &out);
        out
    }

    /// Advances time to `now_ms`: raises `offline` alarms and clears `case_count` alarms whose
    /// window has emptied. Pending durations do not complete here: a duration completes on a
    /// reading that shows the condition still holding (see the [module
    /// documentation](crate::evaluator)).
    pub fn tick(&mut self, now_ms: i64) -> Vec<Transition> {
        self.clock_ms = self.clock_ms.max(now_ms);
        let mut out = Vec::new();
        for &i in &self.offline {
            let slot = self.slots[i].as_mut().expect("indexed slot");
            let Condition::Offline(o) = &slot.rule.condition else {
                continue;
            };
            let after = ms(o.after_seconds);
            let mut raised: Vec<(&str, OpenAlarm)> = Vec::new();
            for (entity, state) in &mut slot.states {
                let Some(last) = state.last_ts else { continue };
                if state.phase == Phase::Idle && now_ms.saturating_sub(last) >= after {
                    let silence = now_ms.saturating_sub(last) as f64 / 1000.0;
                    let open = OpenAlarm {
                        since_ms: last,
                        raised_ms: now_ms,
                        last_value: silence,
                        peak: silence,
                        count: 1,
                    };
                    state.phase = Phase::Active(open);
                    raised.push((entity, open));
                }
            }
            raised.sort_by(|a, b| a.0.cmp(b.0));
            for (entity, open) in raised {
                emit(
                    &slot.rule,
                    entity,
                    now_ms,
                    Step::Raised(open),
                    0.0,
                    &mut out,
                );
            }
        }
        for &i in &self.cases {
            let slot = self.slots[i].as_mut().expect("indexed slot");
            let Condition::CaseCount(c) = &slot.rule.condition else {
                continue;
            };
            let (within, at_least) = (ms(c.within_seconds), u64::from(c.at_least));
            let mut cleared: Vec<(Box<str>, OpenAlarm)> = Vec::new();
            slot.states.retain(|grid, state| {
                prune_events(&mut state.events, now_ms.saturating_sub(within));
                let n = state.events.len() as u64;
                if state.phase == Phase::Held && n < at_least {
                    state.phase = Phase::Idle;
                }
                if let Phase::Active(o) = state.phase {
                    if n < at_least {
                        let o = OpenAlarm {
                            last_value: n as f64,
                            ..o
                        };
                        cleared.push((grid.clone(), o));
                        state.phase = Phase::Idle;
                    }
                }
                // An idle grid with no case in the window has nothing worth keeping.
                !(state.phase == Phase::Idle && state.events.is_empty())
            });
            cleared.sort_by(|a, b| a.0.cmp(&b.0));
            for (grid, open) in cleared {
                emit(
                    &slot.rule,
                    &grid,
                    now_ms,
                    Step::Cleared(open),
                    0.0,
                    &mut out,
                );
            }
        }
        count(&mut self.stats, &out);
        out
    }

    /// Starts the `offline` clock of an entity that has not reported yet (at start-up, or when
    /// it is registered), so that one that never reports goes offline too. Pairs that already
    /// have a state are left alone.
    pub fn track(&mut self, entity: &str, kind: &str, department: Option<&str>, since_ms: i64) {
        for targets in [self.by_entity.get(entity), self.by_kind.get(kind)]
            .into_iter()
            .flatten()
        {
            let lists = std::iter::once(&targets.any).chain(targets.by_metric.values());
            for &i in lists.flatten() {
                let slot = self.slots[i].as_mut().expect("indexed slot");
                if !matches!(slot.rule.condition, Condition::Offline(_)) {
                    continue;
                }
                let ours = slot
                    .rule
                    .scope
                    .department
                    .as_deref()
                    .is_none_or(|d| department == Some(d));
                if ours && !slot.states.contains_key(entity) {
                    slot.states.insert(
                        entity.into(),
                        PairState {
                            last_ts: Some(since_ms),
                            ..PairState::default()
                        },
                    );
                }
            }
        }
    }
}

#[derive(Default)]
struct OrderFlags {
    older: bool,
    same: bool,
}

fn count(stats: &mut Stats, ts: &[Transition]) {
    for t in ts {
        match t {
            Transition::Raised(_) => stats.raised += 1,
            Transition::Updated(_) => stats.updated += 1,
            Transition::Cleared(_) => stats.cleared += 1,
        }
    }
}

fn prune_events(events: &mut VecDeque<i64>, from: i64) {
    // Cases at `from` exactly are still "within" the window.
    while events.front().is_some_and(|&t| t < from) {
        events.pop_front();
    }
}

/// Evaluates one reading on one rule's pair.
fn evaluate(
    slot: &mut Slot,
    r: &Reading<'_>,
    clock_ms: i64,
    stats: &mut Stats,
    order: &mut OrderFlags,
    out: &mut Vec<Transition>,
) {
    if let Some(d) = &slot.rule.scope.department {
        if r.department != Some(d.as_str()) {
            return;
        }
    }
    let state = match slot.states.get_mut(r.entity) {
        Some(s) => s,
        None => slot.states.entry(r.entity.into()).or_default(),
    };
    if let Condition::Offline(o) = &slot.rule.condition {
        // Any newer reading is a sign of life; equal or older ones change nothing.
        if state.last_ts.is_some_and(|l| r.ts_ms <= l) {
            return;
        }
        state.last_ts = Some(r.ts_ms);
        if state.phase == Phase::Held && clock_ms.saturating_sub(r.ts_ms) < ms(o.after_seconds) {
            // Back after an outage someone cleared by hand: watched again from here.
            state.phase = Phase::Idle;
        }
        if let Phase::Active(open) = state.phase {
            if clock_ms.saturating_sub(r.ts_ms) < ms(o.after_seconds) {
                state.phase = Phase::Idle;
                let gap = (r.ts_ms - open.since_ms) as f64 / 1000.0;
                let open = OpenAlarm {
                    last_value: gap,
                    ..open
                };
                emit(&slot.rule, r.entity, r.ts_ms, Step::Cleared(open), 0.0, out);
            }
        }
        return;
    }
    if let Some(last) = state.last_ts {
        if r.ts_ms < last {
            order.older = true;
            return;
        }
        if r.ts_ms == last {
            order.same = true;
            return;
        }
    }
    state.last_ts = Some(r.ts_ms);
    let (verdict, value, aux, lower_worse) = match &slot.rule.condition {
        Condition::Threshold(t) => {
            let v = r.value;
            let verdict = if t.op.holds(v, t.value) {
                Verdict::Trigger
            } else {
                let clear = match t.clear {
                    None => true,
                    Some(c) if t.op.upward() => v < c,
                    Some(c) => v > c,
                };
                if clear {
                    Verdict::Clear
                } else {
                    Verdict::Band
                }
            };
            (verdict, v, 0.0, !t.op.upward())
        }
        Condition::Aqi(a) => {
            if r.value < 0.0 {
                (Verdict::Skip, r.value, 0.0, false)
            } else {
                // AQI is an integer; a fractional one from a calculation rounds as HJ 633 does, up.
                let aqi = r.value.ceil().min(f64::from(u16::MAX)) as u16;
                let level = Level::from_aqi(aqi).number();
                let clear_level = a.clear_level.unwrap_or(a.level.saturating_sub(2).max(1));
                let verdict = if level >= a.level {
                    Verdict::Trigger
                } else if level <= clear_level {
                    Verdict::Clear
                } else {
                    Verdict::Band
                };
                (verdict, f64::from(aqi), 0.0, false)
            }
        }
        Condition::Occupancy(o) => {
            let capacity = match (&o.capacity.attribute, o.capacity.value) {
                (Some(name), _) => r.attributes.number(name),
                (None, v) => v,
            };
            match capacity.filter(|c| c.is_finite() && *c > 0.0) {
                None => {
                    stats.no_capacity += 1;
                    (Verdict::Skip, r.value, 0.0, false)
                }
                Some(cap) => {
                    let ratio = r.value / cap;
                    let verdict = if ratio >= o.ratio {
                        Verdict::Trigger
                    } else if ratio < o.clear_ratio.unwrap_or(o.ratio) {
                        Verdict::Clear
                    } else {
                        Verdict::Band
                    };
                    (verdict, ratio, cap, false)
                }
            }
        }
        Condition::Rate(rate) => {
            let (verdict, change, signed) =
                rate_verdict(rate, &mut state.buckets, r.ts_ms, r.value);
            (verdict, change, signed, false)
        }
        Condition::Offline(_) | Condition::CaseCount(_) => {
            unreachable!("handled above / not indexed")
        }
    };
    if verdict == Verdict::Skip {
        return;
    }
    let step = step(
        &mut state.phase,
        verdict,
        value,
        r.ts_ms,
        slot.for_ms,
        slot.clear_for_ms,
        lower_worse,
    );
    emit(&slot.rule, r.entity, r.ts_ms, step, aux, out);
}

/// A rate rule's verdict, the change in the limit's unit, and the signed change (for the
/// message); records the reading in the window's buckets.
fn rate_verdict(
    rate: &crate::rule::Rate,
    buckets: &mut VecDeque<(i64, f64, f64)>,
    ts: i64,
    v: f64,
) -> (Verdict, f64, f64) {
    let window = ms(rate.window_seconds);
    // Buckets of 1/256 of the window, each with its min and max: bounded memory whatever the
    // reading rate, and no extreme lost to thinning.
    let width = (window / 256).max(1);
    while buckets
        .front()
        .is_some_and(|b| b.0 < ts.saturating_sub(window))
    {
        buckets.pop_front();
    }
    let reference = buckets
        .iter()
        .fold(None, |acc: Option<(f64, f64)>, b| match acc {
            None => Some((b.1, b.2)),
            Some((lo, hi)) => Some((lo.min(b.1), hi.max(b.2))),
        });
    match buckets.back_mut() {
        Some(b) if ts - b.0 < width => {
            b.1 = b.1.min(v);
            b.2 = b.2.max(v);
        }
        _ => buckets.push_back((ts - ts.rem_euclid(width), v, v)),
    }
    let Some((lo, hi)) = reference else {
        return (Verdict::Skip, 0.0, 0.0);
    };
    let measure = |delta: f64, base: f64| -> Option<f64> {
        match (rate.limit, rate.limit_percent) {
            (Some(_), _) => Some(delta),
            (None, Some(_)) if base.abs() > f64::EPSILON => Some(delta / base.abs() * 100.0),
            _ => None,
        }
    };
    let rise = matches!(rate.direction, Direction::Rise | Direction::Any)
        .then(|| measure(v - lo, lo))
        .flatten();
    let fall = matches!(rate.direction, Direction::Fall | Direction::Any)
        .then(|| measure(hi - v, hi))
        .flatten();
    let limit = rate.limit.or(rate.limit_percent).unwrap_or(f64::INFINITY);
    let (change, signed) = match (rise, fall) {
        (Some(r), Some(f)) if f > r => (f, -f),
        (Some(r), _) => (r, r),
        (None, Some(f)) => (f, -f),
        (None, None) => return (Verdict::Skip, 0.0, 0.0),
    };
    let verdict = if change > limit {
        Verdict::Trigger
    } else {
        Verdict::Clear
    };
    (verdict, change.max(0.0), signed)
}

/// One step of the alarm state machine (see the module documentation for the rules).
fn step(
    phase: &mut Phase,
    verdict: Verdict,
    value: f64,
    ts: i64,
    for_ms: i64,
    clear_for_ms: i64,
    lower_worse: bool,
) -> Step {
    let worse = |a: f64, b: f64| if lower_worse { a.min(b) } else { a.max(b) };
    match (*phase, verdict) {
        (_, Verdict::Skip) => Step::None,
        (Phase::Held, Verdict::Clear) => {
            *phase = Phase::Idle;
            Step::None
        }
        (Phase::Held, _) => Step::None,
        (Phase::Idle, Verdict::Trigger) if for_ms == 0 => {
            let o = OpenAlarm {
                since_ms: ts,
                raised_ms: ts,
                last_value: value,
                peak: value,
                count: 1,
            };
            *phase = Phase::Active(o);
            Step::Raised(o)
        }
        (Phase::Idle, Verdict::Trigger) => {
            *phase = Phase::Pending { since_ms: ts };
            Step::None
        }
        (Phase::Idle, _) => Step::None,
        (Phase::Pending { since_ms }, Verdict::Trigger) => {
            if ts - since_ms >= for_ms {
                let o = OpenAlarm {
                    since_ms,
                    raised_ms: ts,
                    last_value: value,
                    peak: value,
                    count: 1,
                };
                *phase = Phase::Active(o);
                Step::Raised(o)
            } else {
                Step::None
            }
        }
        (Phase::Pending { .. }, _) => {
            *phase = Phase::Idle;
            Step::None
        }
        (Phase::Active(mut o) | Phase::Clearing { alarm: mut o, .. }, Verdict::Trigger) => {
            o.last_value = value;
            o.peak = worse(o.peak, value);
            o.count += 1;
            *phase = Phase::Active(o);
            Step::Updated(o)
        }
        (Phase::Active(mut o) | Phase::Clearing { alarm: mut o, .. }, Verdict::Band) => {
            o.last_value = value;
            *phase = Phase::Active(o);
            Step::None
        }
        (Phase::Active(mut o), Verdict::Clear) => {
            o.last_value = value;
            if clear_for_ms == 0 {
                *phase = Phase::Idle;
                Step::Cleared(o)
            } else {
                *phase = Phase::Clearing {
                    since_ms: ts,
                    alarm: o,
                };
                Step::None
            }
        }
        (
            Phase::Clearing {
                since_ms,
                alarm: mut o,
            },
            Verdict::Clear,
        ) => {
            o.last_value = value;
            if ts - since_ms >= clear_for_ms {
                *phase = Phase::Idle;
                Step::Cleared(o)
            } else {
                *phase = Phase::Clearing { since_ms, alarm: o };
                Step::None
            }
        }
    }
}

fn alarm(rule: &Rule, entity: &str, ts_ms: i64, open: &OpenAlarm, message: String) -> Alarm {
    Alarm {
        rule: rule.id.clone(),
        version: rule.version,
        severity: rule.severity,
        entity: entity.to_owned(),
        ts_ms,
        since_ms: open.since_ms,
        value: open.last_value,
        peak: open.peak,
        count: open.count,
        message,
    }
}

/// Turns a step into a transition with its message. `aux` is the capacity for occupancy and
/// the signed change for rate.
fn emit(rule: &Rule, entity: &str, ts: i64, step: Step, aux: f64, out: &mut Vec<Transition>) {
    let (open, make): (OpenAlarm, fn(Alarm) -> Transition) = match step {
        Step::None => return,
        Step::Raised(o) => (o, Transition::Raised),
        Step::Updated(o) => (o, Transition::Updated),
        Step::Cleared(o) => (o, Transition::Cleared),
    };
    let what = describe(rule, &open, aux, entity);
    let message = match step {
        Step::Raised(_) => format!("{}：{what}", rule.name),
        Step::Updated(_) => format!(
            "{}：{what}（峰值 {}，第 {} 次）",
            rule.name,
            match rule.condition {
                // The ratio, shown as the message shows it.
                Condition::Occupancy(_) => format!("{:.1} %", open.peak * 100.0),
                _ => num(open.peak),
            },
            open.count
        ),
        _ => format!("{}：已恢复，{what}", rule.name),
    };
    out.push(make(alarm(rule, entity, ts, &open, message)));
}

/// The condition and the value, in words.
fn describe(rule: &Rule, open: &OpenAlarm, aux: f64, entity: &str) -> String {
    let v = open.last_value;
    match &rule.condition {
        Condition::Threshold(t) => {
            let mut s = format!(
                "{} {}（{} {}）",
                t.metric,
                num(v),
                t.op.symbol(),
                num(t.value)
            );
            if t.for_seconds > 0 {
                s.push_str(&format!("，持续 {}", duration(t.for_seconds)));
            }
            s
        }
        Condition::Rate(r) => {
            let unit = if r.limit_percent.is_some() { " %" } else { "" };
            let dir = if aux < 0.0 { "下降" } else { "上升" };
            format!(
                "{} {dir} {}{unit}，{} 内（限值 {}{unit}）",
                r.metric,
                num(v),
                duration(r.window_seconds),
                num(r.limit.or(r.limit_percent).unwrap_or_default())
            )
        }
        Condition::Offline(o) => format!(
            "{}已 {} 秒无数据（限值 {}）",
            o.metric
                .as_deref()
                .map(|m| format!("{m} "))
                .unwrap_or_default(),
            num(v),
            duration(o.after_seconds)
        ),
        Condition::Aqi(a) => {
            let level = Level::from_aqi(v.clamp(0.0, f64::from(u16::MAX)) as u16);
            format!(
                "{} {}（{} 级 {}，{} 级报警）",
                a.metric,
                num(v),
                level.number(),
                level.category_zh(),
                a.level
            )
        }
        Condition::Occupancy(o) => {
            let count = if aux > 0.0 {
                format!("{}/{}，", num(v * aux), num(aux))
            } else {
                String::new()
            };
            format!(
                "{} {count}{:.1} %（{:.1} % 报警）",
                o.metric,
                v * 100.0,
                o.ratio * 100.0
            )
        }
        Condition::CaseCount(c) => format!(
            "网格 {entity} {} 内 {} 类案件 {} 件（{} 件报警）",
            duration(c.within_seconds),
            c.category,
            num(v),
            c.at_least
        ),
    }
}

/// A number without trailing zeros, at most 3 decimals.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 3600 && s % 3600 == 0 => format!("{} 小时", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} 分钟", s / 60),
        s => format!("{s} 秒"),
    }
}

#[cfg(test)]
mod tests;
