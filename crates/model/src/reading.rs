//! Readings and history roll-up steps.

use serde::{Deserialize, Serialize};

/// One value of one metric of one entity at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Entity identifier.
    pub entity: String,
    /// Metric name (declared by the entity's kind).
    pub metric: String,
    /// Time, epoch milliseconds UTC.
    pub ts: i64,
    /// Value (booleans as 1/0).
    pub value: f64,
}

/// History roll-up resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// One minute.
    #[serde(rename = "1m")]
    Minute,
    /// One hour.
    #[serde(rename = "1h")]
    Hour,
    /// One day (UTC+8 calendar day).
    #[serde(rename = "1d")]
    Day,
}

impl Step {
    /// Parses `1m`, `1h` or `1d`.
    pub fn parse(s: &str) -> Option<Step> {
        Some(match s {
            "1m" => Step::Minute,
            "1h" => Step::Hour,
            "1d" => Step::Day,
            _ => return None,
        })
    }

    /// Length in milliseconds.
    pub fn millis(self) -> i64 {
        match self {
            Step::Minute => 60_000,
            Step::Hour => 3_600_000,
            Step::Day => 86_400_000,
        }
    }

    /// Start of the bucket holding `ts`. Days start at 00:00 China Standard Time (UTC+8).
    pub fn bucket(self, ts: i64) -> i64 {
        const CST: i64 = 8 * 3_600_000;
        match self {
            Step::Day => (ts + CST).div_euclid(self.millis()) * self.millis() - CST,
            _ => ts.div_euclid(self.millis()) * self.millis(),
        }
    }

    /// The name (`1m`, `1h`, `1d`).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Minute => "1m",
            Step::Hour => "1h",
            Step::Day => "1d",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_buckets_start_at_midnight_in_china() {
        // 2026-11-23T10:00:00+08:00
        let ts = 1_795_399_200_000;
        let day = Step::Day.bucket(ts);
        // 2026-11-23T00:00:00+08:00 = 2026-11-22T16:00:00Z
        assert_eq!(day, 1_795_363_200_000);
        assert_eq!(Step::Hour.bucket(ts + 59 * 60_000), ts);
        assert_eq!(Step::Minute.bucket(-1), -60_000);
    }
}
