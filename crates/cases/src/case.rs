//! The stored data of a case: its state, its brief, who acts and what the timeline keeps.
//!
//! [`CaseState`] is what the engine stores per case (as JSON or as columns) and hands back to
//! [`apply`](crate::apply). It holds no personal data: the reporter's name and phone are the
//! engine's, kept apart. [`TimelineEntry`] is one line of the case's history, one per step.
//!
//! ```
//! use zhicheng_cases::{Status, Urgency};
//! assert_eq!(Status::Handled.name_zh(), "已处置");
//! assert!(Status::Suspended.is_open() && !Status::Merged.is_open());
//! assert_eq!(serde_json::to_string(&Urgency::Emergency).unwrap(), "\"emergency\"");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a case is in the flow.
///
/// | status | 中文 | open |
/// |---|---|---|
/// | `reported` | 已上报 | yes |
/// | `registered` | 已立案 | yes |
/// | `dispatched` | 已派遣 | yes |
/// | `handling` | 处置中 | yes |
/// | `handled` | 已处置（待核查） | yes |
/// | `verified` | 已核查 | yes |
/// | `closed` | 已结案 | no |
/// | `rejected` | 不予立案 | no (until reopened) |
/// | `suspended` | 挂起 | yes |
/// | `merged` | 已并案 | no, never again |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已上报: reported, waiting for the command center to register it.
    Reported,
    /// 已立案: registered, waiting to be dispatched.
    Registered,
    /// 已派遣: dispatched to a department, not yet accepted.
    Dispatched,
    /// 处置中: the department is handling it.
    Handling,
    /// 已处置（待核查）: the department says it is done; waiting for verification.
    Handled,
    /// 已核查: verified on site; waiting to be closed.
    Verified,
    /// 已结案: closed.
    Closed,
    /// 不予立案: not registered (not a case, out of scope); terminal unless reopened.
    Rejected,
    /// 挂起: suspended; remembers the status to resume to ([`CaseState::suspension`]).
    Suspended,
    /// 已并案: merged into another case ([`CaseState::merged_into`]); terminal.
    Merged,
}

impl Status {
    /// Every status, in flow order.
    pub const ALL: [Status; 10] = [
        Status::Reported,
        Status::Registered,
        Status::Dispatched,
        Status::Handling,
        Status::Handled,
        Status::Verified,
        Status::Closed,
        Status::Rejected,
        Status::Suspended,
        Status::Merged,
    ];

    /// The name in JSON: `reported`, `registered`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Registered => "registered",
            Status::Dispatched => "dispatched",
            Status::Handling => "handling",
            Status::Handled => "handled",
            Status::Verified => "verified",
            Status::Closed => "closed",
            Status::Rejected => "rejected",
            Status::Suspended => "suspended",
            Status::Merged => "merged",
        }
    }

    /// The Chinese name: 已上报, 已立案, …
    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Reported => "已上报",
            Status::Registered => "已立案",
            Status::Dispatched => "已派遣",
            Status::Handling => "处置中",
            Status::Handled => "已处置",
            Status::Verified => "已核查",
            Status::Closed => "已结案",
            Status::Rejected => "不予立案",
            Status::Suspended => "挂起",
            Status::Merged => "已并案",
        }
    }

    /// Open: someone still has to act (everything but closed, rejected and merged).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Rejected | Status::Merged)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.as_str(), self.name_zh())
    }
}

/// How urgent a case is; with the category it sets the time limits.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 一般.
    #[default]
    Normal,
    /// 紧急.
    Urgent,
    /// 特急.
    Emergency,
}

impl Urgency {
    /// `normal`, `urgent` or `emergency`.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
}

/// Where a case came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A 12345 hotline operator took a call.
    Hotline,
    /// A grid worker (网格员) reported it.
    Grid,
    /// A citizen reported it (app, mini-program, web).
    Citizen,
    /// An alarm: one click from the alarm list, or automatic per rule.
    Alarm,
    /// An urban-management inspector (监督员) found it.
    Inspector,
    /// An Open311 (GeoReport v2) client.
    Open311,
}

impl Source {
    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Hotline => "hotline",
            Source::Grid => "grid",
            Source::Citizen => "citizen",
            Source::Alarm => "alarm",
            Source::Inspector => "inspector",
            Source::Open311 => "open311",
        }
    }
}

/// Who acts, in which capacity. JSON: an object with `"role"` and the variant's fields.
///
/// User ids are staff accounts; a reporter is never named here (that is personal data the
/// engine keeps apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case", deny_unknown_fields)]
pub enum Actor {
    /// The county command center (指挥中心): an operator or an administrator.
    Dispatcher {
        /// The account.
        user: String,
    },
    /// Someone of a department; may act only on cases assigned (or co-assigned) to it.
    Handler {
        /// The department's id.
        department: String,
        /// The account.
        user: String,
    },
    /// An inspector (监督员) or grid worker: reports and verifies.
    Inspector {
        /// The account.
        user: String,
    },
    /// The person who reported the case (a citizen, through the engine).
    Reporter,
    /// The platform itself: timers, rules.
    System,
}

impl Actor {
    /// The capacity, as in JSON: `dispatcher`, `handler`, `inspector`, `reporter`, `system`.
    pub fn role(&self) -> &'static str {
        match self {
            Actor::Dispatcher { .. } => "dispatcher",
            Actor::Handler { .. } => "handler",
            Actor::Inspector { .. } => "inspector",
            Actor::Reporter => "reporter",
            Actor::System => "system",
        }
    }
}

/// A suspension in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    /// The status the case resumes to.
    pub resume_to: Status,
    /// When it was suspended.
    pub since_ms: i64,
    /// When it should resume by itself, if said ([`resume_due`](crate::resume_due)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// Why.
    pub reason: String,
}

/// The citizen's satisfaction (回访), once per closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Satisfaction {
    /// 1 (very dissatisfied) … 5 (very satisfied).
    pub score: u8,
    /// What the citizen said, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When it was recorded.
    pub at_ms: i64,
}

/// The deadline of each stage, set when the stage starts (see [`deadline`](mod@crate::deadline)).
///
/// A deadline already includes the suspensions that ended during its stage; one in progress
/// is added by [`due_times`](crate::due_times).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Register by (from the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_ms: Option<i64>,
    /// Dispatch by (from the registration, a return or a reopening).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_ms: Option<i64>,
    /// Handle by (from the dispatch, a reassignment or a failed verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_ms: Option<i64>,
    /// Verify by (from the feedback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_ms: Option<i64>,
    /// The escalated department handles by (from a level-1 escalation); past it, level 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_ms: Option<i64>,
}

/// One case, as the engine stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseState {
    /// The case number.
    pub id: String,
    /// Where it is.
    pub status: Status,
    /// Where it came from.
    pub source: Source,
    /// The origin's own reference: the alarm id, the hotline ticket, the Open311 request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// Category code (of the [`CategoryTree`](crate::CategoryTree)).
    pub category: String,
    /// Urgency.
    pub urgency: Urgency,
    /// GB/T 2260 region code of the place (town: 9 digits, village: 12), looked up by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Grid id of the place, looked up by the engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// WGS84 longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// WGS84 latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// The department it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Departments co-assigned by escalation; they may accept, comment and feed back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_departments: Vec<String>,
    /// Reported at.
    pub created_ms: i64,
    /// First registered at (kept across reopening; see [`stats`](mod@crate::stats)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_ms: Option<i64>,
    /// Last dispatched or reassigned at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_ms: Option<i64>,
    /// Accepted by the department at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_ms: Option<i64>,
    /// Last feedback (已处置) at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_ms: Option<i64>,
    /// Verified at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_ms: Option<i64>,
    /// Closed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_ms: Option<i64>,
    /// The time of the last step; a step may not be earlier.
    pub updated_ms: i64,
    /// Stage deadlines.
    #[serde(default)]
    pub deadlines: Deadlines,
    /// The suspension in progress, when suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<Suspension>,
    /// Time spent suspended, all suspensions ended so far.
    #[serde(default)]
    pub suspended_total_ms: i64,
    /// 0 none, 1 escalated to the county department (乡呼县应), 2 to the command center.
    #[serde(default)]
    pub escalation_level: u8,
    /// Verifications failed (返工).
    #[serde(default)]
    pub rework_count: u32,
    /// Times reopened.
    #[serde(default)]
    pub reopen_count: u32,
    /// The citizen's satisfaction, after closing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    /// The case this one was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Cases merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_cases: Vec<String>,
}

impl CaseState {
    /// The deadline of the stage now running, if one runs: register when reported, dispatch
    /// when registered, handle when dispatched or handling, verify when handled; none when
    /// verified, suspended or finished.
    pub fn running_due_ms(&self) -> Option<i64> {
        match self.status {
            Status::Reported => self.deadlines.register_ms,
            Status::Registered => self.deadlines.dispatch_ms,
            Status::Dispatched | Status::Handling => self.deadlines.handle_ms,
            Status::Handled => self.deadlines.verify_ms,
            _ => None,
        }
    }

    /// Whether the department may act on the case: assigned or co-assigned.
    pub fn involves(&self, department: &str) -> bool {
        self.department.as_deref() == Some(department)
            || self.co_departments.iter().any(|d| d == department)
    }

    /// The projection for lists, duplicates and statistics.
    pub fn brief(&self) -> CaseBrief {
        CaseBrief {
            id: self.id.clone(),
            status: self.status,
            source: self.source,
            category: self.category.clone(),
            urgency: self.urgency,
            region: self.region.clone(),
            grid: self.grid.clone(),
            lon: self.lon,
            lat: self.lat,
            department: self.department.clone(),
            created_ms: self.created_ms,
            registered_ms: self.registered_ms,
            handled_ms: self.handled_ms,
            closed_ms: self.closed_ms,
            handle_due_ms: self.deadlines.handle_ms,
            due_ms: self.running_due_ms(),
            suspended_total_ms: self.suspended_total_ms,
            rework_count: self.rework_count,
            satisfaction: self.satisfaction.as_ref().map(|s| s.score),
            merged_into: self.merged_into.clone(),
            escalation_level: self.escalation_level,
        }
    }
}

/// A case's projection: what lists, [`candidates`](crate::candidates) and
/// [`stats`](crate::stats::stats) need. The engine may keep these as columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseBrief {
    /// The case number.
    pub id: String,
    /// Status.
    pub status: Status,
    /// Source.
    pub source: Source,
    /// Category code.
    pub category: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Region code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Grid id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// WGS84 longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// WGS84 latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Assigned department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Reported at.
    pub created_ms: i64,
    /// First registered at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_ms: Option<i64>,
    /// Last feedback at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_ms: Option<i64>,
    /// Closed at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_ms: Option<i64>,
    /// The handle deadline in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_due_ms: Option<i64>,
    /// The deadline of the stage now running ([`CaseState::running_due_ms`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// Time spent suspended.
    #[serde(default)]
    pub suspended_total_ms: i64,
    /// Failed verifications.
    #[serde(default)]
    pub rework_count: u32,
    /// The satisfaction score (1–5), once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<u8>,
    /// Merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// 0 none; 1 or 2 when it was escalated for being overdue (never on time then).
    #[serde(default)]
    pub escalation_level: u8,
}

/// One line of a case's history: one step, timed and attributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// The case.
    pub case_id: String,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub actor: Actor,
    /// The action's name (`dispatch`, `verify`, …; `report` for the first, `merge_in` for a
    /// case merged into this one).
    pub action: String,
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// The department the step concerns: the one dispatched or escalated to, or the acting
    /// handler's, else the assigned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The reason, note or comment given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The action's data as JSON (attachments, scores, …).
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{apply, report, Action, NewCase, Policy};

    #[test]
    fn state_round_trips_as_json() {
        let p = Policy::builtin();
        let desk = Actor::Dispatcher { user: "op".into() };
        let mut n = NewCase::new("AJ-9", Source::Open311, "C01-10");
        (n.lon, n.lat, n.grid) = (Some(118.6), Some(35.8), Some("G1".into()));
        let s = report(n, &Actor::Reporter, 5, &p).unwrap().state;
        let s = apply(
            &s,
            Action::Register {
                category: None,
                urgency: None,
            },
            &desk,
            6,
            &p,
        )
        .unwrap()
        .state;
        let s = apply(
            &s,
            Action::Suspend {
                reason: "等".into(),
                until_ms: Some(100),
            },
            &desk,
            7,
            &p,
        )
        .unwrap()
        .state;
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""status":"suspended""#), "{json}");
        assert!(
            !json.contains("merged_into"),
            "absent options are left out: {json}"
        );
        let back: CaseState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let b = s.brief();
        let back: CaseBrief = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        assert_eq!(b.due_ms, None); // suspended: no running deadline
        let e = serde_json::from_str::<CaseState>(
            &json.replace(r#""id":"#, r#""reporter_phone":"1","id":"#),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("unknown field `reporter_phone`"),
            "{e}"
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            Status::ALL.map(Status::name_zh).join(" "),
            "已上报 已立案 已派遣 处置中 已处置 已核查 已结案 不予立案 挂起 已并案"
        );
        assert_eq!(Status::Handled.to_string(), "handled (已处置)");
        assert_eq!(Actor::System.role(), "system");
        assert_eq!(Source::Open311.as_str(), "open311");
    }
}
