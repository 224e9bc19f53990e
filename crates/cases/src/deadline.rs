//! Time limits, deadlines, overdue and escalation (乡呼县应).
//!
//! **Stages.** A case has four timed stages; each deadline is set by
//! [`apply`](crate::apply) when its stage starts, as the start plus the limit for the case's
//! category and urgency:
//!
//! | stage | starts at | ends at |
//! |---|---|---|
//! | register (立案) | the report | register or reject |
//! | dispatch (派遣) | registration, a return, a reopening | dispatch |
//! | handle (处置) | dispatch, reassignment, a failed verification (rework) | feedback |
//! | verify (核查) | feedback | verification |
//!
//! The handle clock starts at the dispatch, not at the acceptance: the department's time runs
//! from the moment the case is on its desk.
//!
//! **Limits.** [`Policy`] holds the category tree and [`TimeLimits`]: defaults per urgency
//! (一般 / 紧急 / 特急), overridden per category subtree, first by the policy's `overrides`, then
//! by the tree's own `limits`; the deepest category that says something about a stage and
//! urgency wins (a node and its policy override: the override). Limits are in minutes of
//! **natural time** (a 24×7 clock): the county's command center works round the clock, and
//! working-hour calendars (工作日, 节假日) are a later extension.
//!
//! **Suspension.** Suspended time does not count: on resume the running stage's deadline (and
//! the escalation deadline) moves by the time suspended; while suspended, [`due_times`] adds
//! the time so far and [`overdue`] reports nothing.
//!
//! **Escalation.** [`escalation_due`] is what the engine's timer calls (with its own clock):
//!
//! * a case in the handle stage (dispatched or handling) past its handle deadline, assigned to a
//!   town-level department and not yet escalated, escalates to level 1: the county department
//!   that routing gives for its category and place ([`RoutingTable::escalation_target`]), which
//!   is co-assigned and gets one more handle limit (the escalation deadline);
//! * past the escalation deadline at level 1, or past the handle deadline when the assigned
//!   department is county-level (or of no known level, or no county route exists), it escalates
//!   to level 2: the command center ([`RoutingTable::command_center`]);
//! * never twice at one level, never beyond level 2. The answer depends only on the stored state
//!   (which [`apply`](crate::apply) updates from the same timeline), so calling it again before
//!   the escalation is applied gives the same action, and after, none.
//!
//! **Follow-up.** [`followup_due`] says when a closed case still waits for its satisfaction
//! call (回访); [`resume_due`] when a suspension with an end time should be lifted.
//!
//! ```
//! use zhicheng_cases::{Policy, Stage, Urgency};
//! let p = Policy::builtin();
//! let h = 3_600_000;
//! assert_eq!(p.limit_ms("E05-02", Urgency::Normal, Stage::Handle), 72 * h);
//! assert_eq!(p.limit_ms("E05-02", Urgency::Urgent, Stage::Handle), 24 * h);
//! // 井盖 (manhole covers) are fixed faster: 4 hours even when normal.
//! assert_eq!(p.limit_ms("C01-01", Urgency::Normal, Stage::Handle), 4 * h);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::routing::{Level, RoutingTable};
use crate::workflow::Action;
use crate::{CaseState, CategoryTree, Deadlines, Error, Result, Status, Urgency};

/// The longest limit: 366 days, in minutes.
pub const MAX_MINUTES: u32 = 366 * 24 * 60;

/// A timed stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 立案: report → registration.
    Register,
    /// 派遣: registration → dispatch.
    Dispatch,
    /// 处置: dispatch → feedback.
    Handle,
    /// 核查: feedback → verification.
    Verify,
}

impl Stage {
    /// `register`, `dispatch`, `handle` or `verify`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Register => "register",
            Stage::Dispatch => "dispatch",
            Stage::Handle => "handle",
            Stage::Verify => "verify",
        }
    }
}

/// The limits of the four stages for one urgency, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMinutes {
    /// Register within.
    pub register_minutes: u32,
    /// Dispatch within.
    pub dispatch_minutes: u32,
    /// Handle within.
    pub handle_minutes: u32,
    /// Verify within.
    pub verify_minutes: u32,
}

impl StageMinutes {
    fn get(&self, stage: Stage) -> u32 {
        match stage {
            Stage::Register => self.register_minutes,
            Stage::Dispatch => self.dispatch_minutes,
            Stage::Handle => self.handle_minutes,
            Stage::Verify => self.verify_minutes,
        }
    }
}

/// Default limits per urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// 一般.
    pub normal: StageMinutes,
    /// 紧急.
    pub urgent: StageMinutes,
    /// 特急.
    pub emergency: StageMinutes,
}

impl Default for Limits {
    /// Normal: register 2 h, dispatch 1 h, handle 72 h, verify 24 h. Urgent: 30 min, 30 min,
    /// 24 h, 4 h. Emergency: 10 min, 10 min, 2 h, 1 h.
    fn default() -> Limits {
        Limits {
            normal: StageMinutes {
                register_minutes: 120,
                dispatch_minutes: 60,
                handle_minutes: 72 * 60,
                verify_minutes: 24 * 60,
            },
            urgent: StageMinutes {
                register_minutes: 30,
                dispatch_minutes: 30,
                handle_minutes: 24 * 60,
                verify_minutes: 4 * 60,
            },
            emergency: StageMinutes {
                register_minutes: 10,
                dispatch_minutes: 10,
                handle_minutes: 120,
                verify_minutes: 60,
            },
        }
    }
}

impl Limits {
    fn get(&self, urgency: Urgency) -> &StageMinutes {
        match urgency {
            Urgency::Normal => &self.normal,
            Urgency::Urgent => &self.urgent,
            Urgency::Emergency => &self.emergency,
        }
    }
}

/// Some stage limits (the others inherited), in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePatch {
    /// Register within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_minutes: Option<u32>,
    /// Dispatch within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_minutes: Option<u32>,
    /// Handle within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_minutes: Option<u32>,
    /// Verify within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_minutes: Option<u32>,
}

impl StagePatch {
    fn get(&self, stage: Stage) -> Option<u32> {
        match stage {
            Stage::Register => self.register_minutes,
            Stage::Dispatch => self.dispatch_minutes,
            Stage::Handle => self.handle_minutes,
            Stage::Verify => self.verify_minutes,
        }
    }
}

/// Some limits per urgency, for a category subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitPatch {
    /// 一般.
    #[serde(default)]
    pub normal: StagePatch,
    /// 紧急.
    #[serde(default)]
    pub urgent: StagePatch,
    /// 特急.
    #[serde(default)]
    pub emergency: StagePatch,
}

impl LimitPatch {
    /// The minutes it sets for an urgency and stage, if any.
    pub fn get(&self, urgency: Urgency, stage: Stage) -> Option<u32> {
        match urgency {
            Urgency::Normal => &self.normal,
            Urgency::Urgent => &self.urgent,
            Urgency::Emergency => &self.emergency,
        }
        .get(stage)
    }

    /// Checks every limit is 1..=[`MAX_MINUTES`]; the error is (field path, message).
    pub(crate) fn validate(&self) -> std::result::Result<(), (String, String)> {
        for u in [Urgency::Normal, Urgency::Urgent, Urgency::Emergency] {
            for s in [
                Stage::Register,
                Stage::Dispatch,
                Stage::Handle,
                Stage::Verify,
            ] {
                if let Some(m) = self.get(u, s) {
                    check_minutes(m)
                        .map_err(|msg| (format!("{}.{}_minutes", u.as_str(), s.as_str()), msg))?;
                }
            }
        }
        Ok(())
    }
}

fn check_minutes(m: u32) -> std::result::Result<(), String> {
    if m == 0 || m > MAX_MINUTES {
        return Err(format!("must be 1 to {MAX_MINUTES} minutes (366 days)"));
    }
    Ok(())
}

/// The time-limit configuration: defaults and per-category overrides (JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimits {
    /// The limits of a category nobody overrides.
    #[serde(default)]
    pub default: Limits,
    /// Category code → limits for its subtree; these win over the tree's own at the same node.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, LimitPatch>,
}

/// Everything [`apply`](crate::apply) needs besides the case: categories and time limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    categories: CategoryTree,
    limits: TimeLimits,
}

impl Policy {
    /// The built-in tree with the default limits.
    pub fn builtin() -> Policy {
        Policy {
            categories: CategoryTree::builtin(),
            limits: TimeLimits::default(),
        }
    }

    /// Validates the limits against the tree (override codes exist, minutes in range).
    pub fn new(categories: CategoryTree, limits: TimeLimits) -> Result<Policy> {
        let bad = |id: &str, field: String, message: String| Error::Invalid {
            what: "time limit",
            id: id.to_owned(),
            field,
            message,
        };
        let d = &limits.default;
        for u in [Urgency::Normal, Urgency::Urgent, Urgency::Emergency] {
            for s in [
                Stage::Register,
                Stage::Dispatch,
                Stage::Handle,
                Stage::Verify,
            ] {
                check_minutes(d.get(u).get(s)).map_err(|m| {
                    bad(
                        "default",
                        format!("default.{}.{}_minutes", u.as_str(), s.as_str()),
                        m,
                    )
                })?;
            }
        }
        for (code, patch) in &limits.overrides {
            if !categories.contains(code) {
                return Err(bad(
                    code,
                    "overrides".into(),
                    format!("no category `{code}`"),
                ));
            }
            patch
                .validate()
                .map_err(|(f, m)| bad(code, format!("overrides.{code}.{f}"), m))?;
        }
        Ok(Policy { categories, limits })
    }

    /// Parses [`TimeLimits`] JSON and validates it against the tree.
    pub fn from_json(categories: CategoryTree, limits_json: &str) -> Result<Policy> {
        let limits =
            serde_json::from_str(limits_json).map_err(|e| Error::parse("time limits", e))?;
        Policy::new(categories, limits)
    }

    /// The category tree.
    pub fn categories(&self) -> &CategoryTree {
        &self.categories
    }

    /// The time limits.
    pub fn limits(&self) -> &TimeLimits {
        &self.limits
    }

    /// The limit of a stage for a category (its subtree's, deepest first) and urgency, in ms.
    /// An unknown category gets the defaults.
    pub fn limit_ms(&self, category: &str, urgency: Urgency, stage: Stage) -> i64 {
        let minutes = self
            .categories
            .lineage(category)
            .into_iter()
            .find_map(|code| {
                let over = self
                    .limits
                    .overrides
                    .get(code)
                    .and_then(|p| p.get(urgency, stage));
                over.or_else(|| {
                    self.categories
                        .get(code)
                        .and_then(|c| c.limits.as_ref())
                        .and_then(|p| p.get(urgency, stage))
                })
            })
            .unwrap_or_else(|| self.limits.default.get(urgency).get(stage));
        i64::from(minutes) * 60_000
    }

    /// The deadline of a stage of `case` starting at `start_ms`.
    pub fn due_ms(&self, case: &CaseState, stage: Stage, start_ms: i64) -> i64 {
        start_ms.saturating_add(self.limit_ms(&case.category, case.urgency, stage))
    }
}

/// A case past the deadline of its running stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// The stage.
    pub stage: Stage,
    /// Its deadline.
    pub due_ms: i64,
    /// How late, at the time asked.
    pub late_ms: i64,
}

/// The deadlines as of `now_ms`: the stored ones, the suspended stage's (and the escalation
/// deadline) moved by a suspension in progress.
pub fn due_times(case: &CaseState, now_ms: i64) -> Deadlines {
    let mut d = case.deadlines.clone();
    if let (Status::Suspended, Some(s)) = (case.status, &case.suspension) {
        shift(
            &mut d,
            s.resume_to,
            now_ms.saturating_sub(s.since_ms).max(0),
        );
    }
    d
}

/// Moves the deadline of the stage that runs in `status` by `by_ms`.
pub(crate) fn shift(d: &mut Deadlines, status: Status, by_ms: i64) {
    let add = |x: &mut Option<i64>| {
        if let Some(v) = x {
            *v = v.saturating_add(by_ms);
        }
    };
    match status {
        Status::Reported => add(&mut d.register_ms),
        Status::Registered => add(&mut d.dispatch_ms),
        Status::Dispatched | Status::Handling => {
            add(&mut d.handle_ms);
            add(&mut d.escalation_ms);
        }
        Status::Handled => add(&mut d.verify_ms),
        _ => {}
    }
}

/// The running stage, if it is past its deadline at `now_ms` (strictly after). A suspended,
/// verified or finished case is never overdue.
pub fn overdue(case: &CaseState, now_ms: i64) -> Option<Overdue> {
    let stage = match case.status {
        Status::Reported => Stage::Register,
        Status::Registered => Stage::Dispatch,
        Status::Dispatched | Status::Handling => Stage::Handle,
        Status::Handled => Stage::Verify,
        _ => return None,
    };
    let due = case.running_due_ms()?;
    (now_ms > due).then_some(Overdue {
        stage,
        due_ms: due,
        late_ms: now_ms.saturating_sub(due),
    })
}

/// The escalation the timer should apply now, if any (see the [module docs](self)): an
/// [`Action::Escalate`] to apply as [`Actor::System`](crate::Actor::System).
pub fn escalation_due(case: &CaseState, routing: &RoutingTable, now_ms: i64) -> Option<Action> {
    if !matches!(case.status, Status::Dispatched | Status::Handling) {
        return None;
    }
    let to_command_center = || {
        Some(Action::Escalate {
            to_department: routing.command_center().to_owned(),
            level: 2,
        })
    };
    match case.escalation_level {
        0 => {
            let due = case.deadlines.handle_ms?;
            if now_ms <= due {
                return None;
            }
            let dept = case.department.as_deref()?;
            if routing.level_of(dept) == Some(Level::Town) {
                let county = routing.escalation_target(
                    &case.category,
                    case.grid.as_deref(),
                    case.region.as_deref(),
                );
                if let Some(r) = county {
                    return Some(Action::Escalate {
                        to_department: r.department,
                        level: 1,
                    });
                }
            }
            to_command_center()
        }
        1 => {
            // A reassignment clears the escalation deadline: the new handle deadline counts.
            let due = case.deadlines.escalation_ms.or(case.deadlines.handle_ms)?;
            if now_ms <= due {
                return None;
            }
            to_command_center()
        }
        _ => None,
    }
}

/// A [`Action::Resume`] when a suspension with an end time has reached it.
pub fn resume_due(case: &CaseState, now_ms: i64) -> Option<Action> {
    match (&case.status, &case.suspension) {
        (Status::Suspended, Some(s)) if s.until_ms.is_some_and(|u| now_ms >= u) => {
            Some(Action::Resume)
        }
        _ => None,
    }
}

/// Whether the citizen should be called back (回访) now: closed, not yet rated, and closed at
/// most `within_ms` ago.
pub fn followup_due(case: &CaseState, now_ms: i64, within_ms: i64) -> bool {
    case.status == Status::Closed
        && case.satisfaction.is_none()
        && case
            .closed_ms
            .is_some_and(|c| now_ms >= c && now_ms.saturating_sub(c) <= within_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000;

    #[test]
    fn deeper_wins_and_policy_overrides_beat_the_tree() {
        let tree = CategoryTree::builtin();
        // The tree gives 井盖 (C01-01) 240 minutes to handle at normal urgency.
        let p = Policy::from_json(
            tree.clone(),
            r#"{"overrides": {
                "C01": {"normal": {"handle_minutes": 600, "verify_minutes": 90}},
                "C01-01": {"urgent": {"handle_minutes": 45}}
            }}"#,
        )
        .unwrap();
        assert_eq!(
            p.limit_ms("C01-01", Urgency::Normal, Stage::Handle),
            240 * M
        ); // tree node, deeper
        assert_eq!(p.limit_ms("C01-01", Urgency::Urgent, Stage::Handle), 45 * M); // override at the node
        assert_eq!(p.limit_ms("C01-01", Urgency::Normal, Stage::Verify), 90 * M); // override above
        assert_eq!(
            p.limit_ms("C01-10", Urgency::Normal, Stage::Handle),
            600 * M
        ); // 路灯: the override of C01
        assert_eq!(
            p.limit_ms("C01-10", Urgency::Normal, Stage::Register),
            120 * M
        ); // default
        assert_eq!(
            p.limit_ms("E01-02", Urgency::Emergency, Stage::Dispatch),
            10 * M
        );
        assert_eq!(
            p.limit_ms("no-such", Urgency::Normal, Stage::Handle),
            72 * 60 * M
        );
    }

    #[test]
    fn followup() {
        let p = Policy::builtin();
        let s = crate::report(
            crate::NewCase::new("A", crate::Source::Hotline, "H03-01"),
            &crate::Actor::System,
            0,
            &p,
        )
        .unwrap()
        .state;
        assert!(!followup_due(&s, 0, M));
        let closed = CaseState {
            status: Status::Closed,
            closed_ms: Some(10 * M),
            ..s
        };
        assert!(followup_due(&closed, 10 * M, 60 * M));
        assert!(followup_due(&closed, 70 * M, 60 * M));
        assert!(!followup_due(&closed, 70 * M + 1, 60 * M));
        let rated = CaseState {
            satisfaction: Some(crate::Satisfaction {
                score: 4,
                note: None,
                at_ms: 20 * M,
            }),
            ..closed
        };
        assert!(!followup_due(&rated, 30 * M, 60 * M));
    }

    #[test]
    fn limits_are_validated() {
        let tree = CategoryTree::builtin();
        let e = Policy::from_json(tree.clone(), r#"{"overrides": {"ZZ": {}}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "time limit `ZZ`, field `overrides`: no category `ZZ`"
        );
        let e = Policy::from_json(
            tree.clone(),
            r#"{"overrides": {"E01": {"emergency": {"verify_minutes": 600000}}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "time limit `E01`, field `overrides.E01.emergency.verify_minutes`: must be 1 to 527040 minutes (366 days)"
        );
        let mut l = TimeLimits::default();
        l.default.urgent.dispatch_minutes = 0;
        let e = Policy::new(tree.clone(), l).unwrap_err();
        assert!(
            e.to_string()
                .contains("field `default.urgent.dispatch_minutes`"),
            "{e}"
        );
        let e = Policy::from_json(tree, r#"{"defaults": {}}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `defaults`"), "{e}");
    }
}
