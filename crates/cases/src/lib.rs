//! The digital urban-management case (工单/案件) workflow, as pure logic.
//!
//! The engine stores cases and their timelines; this crate decides every step:
//!
//! * [`case`] — the stored data: [`CaseState`] (one case, plain serde), [`CaseBrief`] (its
//!   projection for lists, duplicates and statistics), [`Status`], [`Urgency`], [`Source`],
//!   [`Actor`] and [`TimelineEntry`].
//! * [`workflow`] — [`report`] opens a case, [`apply`] takes one [`Action`] (register, dispatch,
//!   accept, return, reassign, feedback, verify, close, reject, suspend, resume, reopen,
//!   escalate, merge, comment, satisfaction) and answers a [`Step`]: the new state and the
//!   timeline entry, or a [`WorkflowError`] that says which action, which status and who. The
//!   allowed transitions are data ([`workflow::TRANSITIONS`]), tabled in the module docs.
//! * [`category`] — the configurable [`CategoryTree`]; the built-in tree follows the classes of
//!   CJ/T 214-2007 / GB/T 30428.2-2013 (部件 and 事件), 12345 hotline types and subjects, and
//!   environmental complaints.
//! * [`routing`] — the [`RoutingTable`]: category × grid × region → department, the county
//!   department a town escalates to (乡呼县应), and multi-grid fusion.
//! * [`deadline`] — the time-limit [`Policy`], due times with suspended time excluded, overdue
//!   and the escalation the engine's timer should apply.
//! * [`duplicate`] — duplicate suggestions: same category, near, close in time, still open.
//! * [`stats`](mod@stats) — counts, on-time rate and mean handling time by status, category, department,
//!   region or period.
//!
//! No I/O, no async, no clock: every time is the caller's, in epoch milliseconds.
//!
//! ```
//! use zhicheng_cases::{apply, report, Action, Actor, NewCase, Policy, Source, Status};
//!
//! let policy = Policy::builtin();
//! let hour = 3_600_000;
//! let desk = Actor::Dispatcher { user: "op-01".into() };
//! let town = Actor::Handler { department: "town-101".into(), user: "li".into() };
//!
//! let new = NewCase::new("AJ-1", Source::Hotline, "E05-02"); // 占道经营
//! let s = report(new, &desk, 0, &policy).unwrap();
//! assert_eq!(s.state.status, Status::Reported);
//! let s = apply(&s.state, Action::Register { category: None, urgency: None }, &desk, hour, &policy).unwrap();
//! let s = apply(&s.state, Action::Dispatch { department: "town-101".into(), note: None }, &desk, 2 * hour, &policy).unwrap();
//! // Normal urgency: 72 hours to handle, from the dispatch.
//! assert_eq!(s.state.deadlines.handle_ms, Some(2 * hour + 72 * hour));
//! let s = apply(&s.state, Action::Accept, &town, 3 * hour, &policy).unwrap();
//! assert_eq!((s.entry.from, s.entry.to), (Status::Dispatched, Status::Handling));
//!
//! // Nobody closes a case that has not been handled and verified.
//! let err = apply(&s.state, Action::Close { note: None }, &desk, 4 * hour, &policy).unwrap_err();
//! assert_eq!(err.to_string(), "action `close` is not allowed in status handling (处置中)");
//! ```

#![warn(missing_docs)]

pub mod case;
pub mod category;
pub mod deadline;
pub mod duplicate;
pub mod routing;
pub mod stats;
pub mod workflow;

mod time;

pub use case::{
    Actor, CaseBrief, CaseState, Deadlines, Satisfaction, Source, Status, Suspension,
    TimelineEntry, Urgency,
};
pub use category::{Category, CategoryTree, Group as CategoryGroup};
pub use deadline::{
    due_times, escalation_due, followup_due, overdue, resume_due, LimitPatch, Limits, Overdue,
    Policy, Stage, StageMinutes, StagePatch, TimeLimits,
};
pub use duplicate::{candidates, Candidate, DupParams};
pub use routing::{Level, Route, RouteEntry, RoutingConfig, RoutingTable};
pub use stats::{stats, GroupBy, GroupStats, Period};
pub use workflow::{absorb, apply, report, Action, NewCase, Step, WorkflowError};

/// Errors of loading configuration: the category tree, time limits, the routing table.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The JSON does not parse or has the wrong shape (unknown field, wrong type).
    #[error("{what} JSON, line {line} column {column}: {message}")]
    Parse {
        /// What was being read (`category tree`, `routing table`, `time limits`).
        what: &'static str,
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// A field of one item is wrong.
    #[error("{what} `{id}`, field `{field}`: {message}")]
    Invalid {
        /// The kind of item (`category`, `route`, `time limit`).
        what: &'static str,
        /// The item: a category code, a route's index and category, …
        id: String,
        /// The field, as a path (`limits.urgent.handle_minutes`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Two items with one identity.
    #[error("{what} `{id}` is given twice")]
    Duplicate {
        /// The kind of item.
        what: &'static str,
        /// The identity.
        id: String,
    },
}

impl Error {
    fn parse(what: &'static str, e: serde_json::Error) -> Error {
        Error::Parse {
            what,
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
