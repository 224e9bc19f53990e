//! Star-rating scorecards for Shandong's new-type smart cities (DB37/T 3890-2020).
//!
//! * [`pack`] — indicator packs as data: the 44 county indicators are compiled in
//!   ([`Pack::builtin_county`]); another standard or edition loads from JSON.
//! * [`expr`] — auto formulas written against entity kinds and attributes, evaluated against
//!   a [`Facts`] the platform implements ([`MemoryFacts`] for tests); no data is never zero.
//! * [`score`] — met / not met per indicator at a star level, completed weight against the
//!   pass line and the aim, deductions, and the what-if list of unmet indicators.
//! * [`tasks`] — key-task packs (Yiyuan's 21 key works, Yishui's task book).
//!
//! Pure: no I/O, no async.
//!
//! ```
//! use zhicheng_scorecard::{measure, score, MemoryFacts, Pack, Submissions};
//!
//! let pack = Pack::builtin_county();
//! assert_eq!(pack.indicators.len(), 44);
//! let obs = measure(&pack, &MemoryFacts::default(), &Submissions::new());
//! let card = score(&pack, &obs, 4);
//! assert!(!card.passed); // nothing measured, nothing met
//! assert_eq!(card.what_if.len(), 43); // every scored indicator is a candidate
//! ```

pub mod expr;
pub mod pack;
pub mod score;
pub mod tasks;

pub use expr::{Eval, Expr, Facts, MemoryFacts};
pub use pack::{Indicator, Measure, Pack, Target, UnitRef};
pub use score::{measure, score, Observations, Observed, Scorecard, Status, Submissions};
pub use tasks::{Task, TaskPack};

/// Errors of loading a pack.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The JSON does not parse or has the wrong shape (unknown field, wrong type).
    #[error("pack JSON, line {line} column {column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    /// A pack-level field is wrong.
    #[error("pack field `{field}`: {message}")]
    InvalidPack { field: String, message: String },
    /// An indicator's field is wrong.
    #[error("indicator {number}, field `{field}`: {message}")]
    InvalidIndicator {
        number: u32,
        field: String,
        message: String,
    },
    /// A task's field is wrong.
    #[error("task `{id}`, field `{field}`: {message}")]
    InvalidTask {
        id: String,
        field: String,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
