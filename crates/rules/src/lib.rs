//! Early-warning rules and their evaluator, as pure code (issue 6, first part).
//!
//! * [`rule`] — rule definitions in JSON (`threshold`, `rate`, `offline`, `aqi`, `occupancy`,
//!   `case_count`), versioned, validated with errors that name the field.
//! * [`evaluator`] — the [`Evaluator`]: the rules compiled and indexed by entity, kind and
//!   metric; fed one [`Reading`] at a time from the ingest stream (and [`CaseEvent`]s, and
//!   [`Evaluator::tick`] for silence), it keeps a state per (rule, entity) and answers
//!   [`Transition`]s: an alarm raised, updated or cleared. One open alarm per (rule, entity).
//!   The module documentation states the semantics (durations, order, what time alone does).
//! * [`snapshot`] — [`StateSnapshot`], that state as serde data, so a restart continues a
//!   duration window where it was, without a lost or doubled alarm.
//!
//! No I/O, no async, no clock: every time is a reading's or the caller's, in epoch milliseconds.
//!
//! ```
//! use zhicheng_rules::{Evaluator, Reading, Rule, Transition};
//!
//! let rule = Rule::from_json(r#"{
//!     "id": "pm25-high", "version": 1, "name": "PM2.5 持续超标", "severity": "major",
//!     "scope": {"kind": "air_station"},
//!     "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75,
//!                   "clear": 60, "for_seconds": 3600}
//! }"#).unwrap();
//! let mut ev = Evaluator::new(vec![rule]).unwrap();
//! let at = |min: i64, v: f64| Reading::new("aq-01", "air_station", "pm25", min * 60_000, v);
//!
//! assert!(ev.reading(&at(0, 80.0)).is_empty()); // pending
//! assert!(ev.reading(&at(59, 82.0)).is_empty()); // 59 minutes: still pending
//! let t = ev.reading(&at(60, 81.0));
//! assert!(matches!(&t[..], [Transition::Raised(a)] if a.value == 81.0 && a.since_ms == 0));
//! assert!(ev.reading(&at(61, 70.0)).is_empty()); // between 60 and 75: still active
//! assert!(matches!(&ev.reading(&at(62, 59.0))[..], [Transition::Cleared(_)]));
//! ```

#![warn(missing_docs)]

pub mod evaluator;
pub mod rule;
pub mod snapshot;

pub use evaluator::{
    Alarm, Attributes, CaseEvent, Evaluator, NoAttributes, Reading, RestoreReport, Stats,
    Transition,
};
pub use rule::{
    Aqi, Capacity, CaseCount, CaseTemplate, Condition, Direction, Occupancy, Offline, Op, Rate,
    Rule, Scope, Severity, Threshold,
};
pub use snapshot::{OpenAlarm, PairStateData, Phase, RuleSnapshot, StateSnapshot, SNAPSHOT_FORMAT};

/// Errors of loading rules and snapshots.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The JSON does not parse or has the wrong shape (unknown field, wrong type).
    #[error("rule JSON, line {line} column {column}: {message}")]
    Parse {
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// A field of a rule is wrong.
    #[error("rule `{rule}`, field `{field}`: {message}")]
    Invalid {
        /// The rule's id as given.
        rule: String,
        /// The field, as a path (`condition.clear`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Two rules with one id.
    #[error("rule `{rule}` is given twice")]
    DuplicateRule {
        /// The id.
        rule: String,
    },
    /// A changed definition kept its version, or a version went down.
    #[error("rule `{rule}`: version {given} does not replace version {current} (a changed rule needs a higher version)")]
    Version {
        /// The id.
        rule: String,
        /// The version loaded.
        current: u32,
        /// The version offered.
        given: u32,
    },
    /// A snapshot of another format.
    #[error("state snapshot format {found} is not {expected}")]
    SnapshotFormat {
        /// The format this crate writes and reads.
        expected: u32,
        /// The snapshot's.
        found: u32,
    },
}

impl Error {
    fn from_json(e: serde_json::Error) -> Error {
        Error::Parse {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
