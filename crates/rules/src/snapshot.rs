//! The evaluator's state as data: what survives a restart.
//!
//! A snapshot holds, per (rule, entity) — per (rule, grid) for case rules — the phase of the
//! alarm state machine, the time of the last reading evaluated, and the window a `rate` or
//! `case_count` rule needs. The last reading's time matters as much as the phase: after a
//! restart the ingest stream may hand the evaluator readings it already saw, and those are
//! ignored as duplicates or out of order rather than counted twice.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::Severity;

/// The snapshot format this crate writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// Where one (rule, entity) pair is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Nothing open, nothing pending.
    #[default]
    Idle,
    /// The condition has held on every reading since `since_ms`, not yet for long enough.
    Pending {
        /// The first reading of the run.
        since_ms: i64,
    },
    /// The alarm is open.
    Active(OpenAlarm),
    /// The alarm is open and the clear condition has held since `since_ms`, not yet for long
    /// enough.
    Clearing {
        /// The first clearing reading.
        since_ms: i64,
        /// The open alarm.
        alarm: OpenAlarm,
    },
    /// Cleared by hand while the condition may still hold: nothing is raised until the
    /// condition ends by itself — a clearing reading (`threshold`, `aqi`, `occupancy`,
    /// `rate`), a fresh reading (`offline`), the window dropping below `at_least`
    /// (`case_count`) — and the pair is idle again.
    Held,
}

impl Phase {
    /// The open alarm, in `Active` and `Clearing`.
    pub fn open(&self) -> Option<&OpenAlarm> {
        match self {
            Phase::Active(a) | Phase::Clearing { alarm: a, .. } => Some(a),
            _ => None,
        }
    }
}

/// What the evaluator keeps of an open alarm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OpenAlarm {
    /// When the condition began to hold (the start of the pending run, or the last sign of life
    /// for `offline`, or the oldest case counted).
    pub since_ms: i64,
    /// When it was raised.
    pub raised_ms: i64,
    /// The latest value (the metric, AQI, ratio, change, silence in seconds, case count).
    pub last_value: f64,
    /// The worst value while open.
    pub peak: f64,
    /// Triggering readings (or cases) while open, the raising one included.
    pub count: u64,
}

/// The state of one (rule, entity) pair, as kept and as snapshotted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct PairState {
    /// The last reading evaluated (the last sign of life for `offline`, the newest case for
    /// `case_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ts: Option<i64>,
    #[serde(flatten)]
    pub phase: Phase,
    /// `rate`: buckets of (start, min, max) covering the window.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub buckets: VecDeque<(i64, f64, f64)>,
    /// `case_count`: the times of the cases in the window, oldest first.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub events: VecDeque<i64>,
}

/// The pairs of one rule in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSnapshot {
    /// The rule's id.
    pub rule: String,
    /// The rule's version the states were computed under.
    pub version: u32,
    /// The rule's severity then (to clear an open alarm of a rule that is gone).
    pub severity: Severity,
    /// The state of each entity (each grid for case rules).
    pub pairs: BTreeMap<String, PairStateData>,
}

/// The state of a pair in a snapshot (opaque but stable: the fields of the evaluator's state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairStateData(pub(crate) PairState);

impl PairStateData {
    /// The phase of the pair.
    pub fn phase(&self) -> &Phase {
        &self.0.phase
    }

    /// The time of the last reading (or case) the pair evaluated.
    pub fn last_ts(&self) -> Option<i64> {
        self.0.last_ts
    }
}

/// The whole evaluation state, to persist and hand to [`crate::Evaluator::restore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSnapshot {
    /// [`SNAPSHOT_FORMAT`].
    pub format: u32,
    /// The evaluator's clock: the latest reading, case or tick time it saw.
    pub at_ms: i64,
    /// Every rule that has state, sorted by id.
    pub rules: Vec<RuleSnapshot>,
}
