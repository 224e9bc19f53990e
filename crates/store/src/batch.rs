//! Plans for the history hot path, shared by both backends: a write batch reduced to what each
//! table needs, and the roll-up buckets a set of dirty minutes touches.

use zhicheng_model::Step;

use crate::{Error, Point, Result};

/// Largest magnitude of a stored timestamp: 2^53 ms, about 285,000 years either side of 1970.
///
/// Why a limit: bucket arithmetic (`Step::bucket`) overflows near `i64::MIN`/`i64::MAX`; a
/// reading that far out is a bug upstream, and refusing it beats a panic or a wrapped bucket.
pub(crate) const TS_LIMIT: i64 = 1 << 53;

/// `ts` moved into the range where bucket arithmetic is safe (for query bounds).
pub(crate) fn clamp_ts(ts: i64) -> i64 {
    ts.clamp(-TS_LIMIT, TS_LIMIT)
}

/// Largest magnitude of a stored value.
///
/// Why a limit: roll-ups add values up, and PostgreSQL raises an error on a float overflow (SQLite
/// would store an infinity, then NULL for inf − inf). Below 1e300, a bucket can sum 10^8 readings
/// and stay finite, so one absurd reading can never wedge compaction.
pub(crate) const VALUE_LIMIT: f64 = 1e300;

/// A write batch reduced for the three statements of `write_batch`.
pub(crate) struct WritePlan {
    /// All points sorted by (series, ts); the sort is stable so that of two points with the same
    /// key the first one given is inserted and the second counted as a duplicate.
    pub history: Vec<Point>,
    /// The newest point of each series, sorted by series.
    pub latest: Vec<Point>,
    /// Distinct (series, minute bucket) pairs, sorted.
    pub dirty: Vec<(i64, i64)>,
}

impl WritePlan {
    /// Checks and reduces a batch. Refused: non-finite values (SQLite cannot store NaN and
    /// neither backend could roll it up), values beyond [`VALUE_LIMIT`] and timestamps beyond
    /// [`TS_LIMIT`].
    pub(crate) fn new(points: &[Point]) -> Result<WritePlan> {
        if let Some(p) = points
            .iter()
            .find(|p| !(p.value.is_finite() && p.value.abs() <= VALUE_LIMIT))
        {
            return Err(Error::Corrupt(format!(
                "series {} at {}: value {} is not a finite number within ±1e300; batch refused",
                p.series, p.ts, p.value
            )));
        }
        if let Some(p) = points
            .iter()
            .find(|p| !(-TS_LIMIT..=TS_LIMIT).contains(&p.ts))
        {
            return Err(Error::Corrupt(format!(
                "series {} at {}: timestamp outside ±2^53 ms; batch refused",
                p.series, p.ts
            )));
        }
        let mut history = points.to_vec();
        // Why sort: rows then reach the (series, ts) B-tree in key order, which keeps the pages
        // being written hot in cache; and lock order is the same in every writer (PostgreSQL).
        history.sort_by_key(|p| (p.series, p.ts));

        let mut latest: Vec<Point> = Vec::new();
        let mut dirty: Vec<(i64, i64)> = Vec::new();
        for p in &history {
            match latest.last_mut() {
                Some(l) if l.series == p.series => {
                    // Strictly newer only: on equal ts the first point given wins, as in history.
                    if p.ts > l.ts {
                        *l = *p;
                    }
                }
                _ => latest.push(*p),
            }
            let key = (p.series, Step::Minute.bucket(p.ts));
            if dirty.last() != Some(&key) {
                dirty.push(key);
            }
        }
        Ok(WritePlan {
            history,
            latest,
            dirty,
        })
    }
}

/// The buckets to recompute for a set of dirty minutes.
pub(crate) struct RollupPlan {
    /// (series, minute bucket), sorted and distinct.
    pub minutes: Vec<(i64, i64)>,
    /// (series, hour bucket) containing them.
    pub hours: Vec<(i64, i64)>,
    /// (series, day bucket) containing them.
    pub days: Vec<(i64, i64)>,
}

impl RollupPlan {
    /// Plans the recomputation of `dirty` minutes (any order, duplicates allowed).
    pub(crate) fn new(mut dirty: Vec<(i64, i64)>) -> RollupPlan {
        dirty.sort_unstable();
        dirty.dedup();
        let up = |step: Step| {
            let mut v: Vec<(i64, i64)> = dirty.iter().map(|&(s, m)| (s, step.bucket(m))).collect();
            // Sorted by series then minute, so each series' coarser buckets are already ordered.
            v.dedup();
            v
        };
        let hours = up(Step::Hour);
        let days = up(Step::Day);
        RollupPlan {
            minutes: dirty,
            hours,
            days,
        }
    }

    /// Nothing to do?
    pub(crate) fn is_empty(&self) -> bool {
        self.minutes.is_empty()
    }
}

/// Splits pairs into two columns (for array binds).
pub(crate) fn unzip(pairs: &[(i64, i64)]) -> (Vec<i64>, Vec<i64>) {
    pairs.iter().copied().unzip()
}

/// Keeps the dirty minutes that may still be rolled up: those of existing series at or after
/// the series' retention horizon. Rows are (series, minute, retained_before, series exists).
///
/// Why drop the others: before the horizon the raw history and most 1m roll-ups are gone, so a
/// recomputation would overwrite complete hour and day buckets with a fragment.
pub(crate) fn live_dirty(rows: &[(i64, i64, Option<i64>, bool)]) -> Vec<(i64, i64)> {
    rows.iter()
        .filter(|(_, bucket, retained_before, exists)| {
            *exists && retained_before.is_none_or(|r| *bucket >= r)
        })
        .map(|&(s, b, _, _)| (s, b))
        .collect()
}

/// The minute buckets that feed the `step` buckets overlapping `[from, to)`: a minute matters
/// when the hour or day containing it overlaps the range. `None` for an empty range.
pub(crate) fn dirty_window(step: Step, from: i64, to: i64) -> Option<(i64, i64)> {
    let (from, to) = (clamp_ts(from), clamp_ts(to));
    if to <= from {
        return None;
    }
    let lo = step.bucket(from);
    let hi = step.bucket(to - 1).saturating_add(step.millis());
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(series: i64, ts: i64, value: f64) -> Point {
        Point { series, ts, value }
    }

    #[test]
    fn plan_reduces_latest_and_dirty() {
        let plan = WritePlan::new(&[
            p(2, 120_000, 1.0),
            p(1, 61_000, 2.0),
            p(1, 1_000, 3.0),
            p(1, 61_000, 9.0),
            p(1, 59_000, 4.0),
        ])
        .unwrap();
        assert_eq!(plan.history.len(), 5);
        assert_eq!(plan.history[2], p(1, 61_000, 2.0));
        assert_eq!(plan.latest, vec![p(1, 61_000, 2.0), p(2, 120_000, 1.0)]);
        assert_eq!(plan.dirty, vec![(1, 0), (1, 60_000), (2, 120_000)]);
        assert!(WritePlan::new(&[p(1, 0, f64::NAN)]).is_err());
    }

    #[test]
    fn rollup_plan_and_window() {
        // 15:59 and 16:00 UTC are on two China days.
        let day = 86_400_000;
        let m1 = 10 * day + 15 * 3_600_000 + 59 * 60_000;
        let m2 = m1 + 60_000;
        let plan = RollupPlan::new(vec![(1, m2), (1, m1), (1, m1)]);
        assert_eq!(plan.minutes, vec![(1, m1), (1, m2)]);
        assert_eq!(plan.hours.len(), 2);
        assert_eq!(plan.days.len(), 2);
        assert_eq!(
            dirty_window(Step::Hour, 90_000, 3_600_001),
            Some((0, 7_200_000))
        );
        assert_eq!(dirty_window(Step::Minute, 5, 5), None);
    }

    #[test]
    fn live_dirty_drops_retained_and_orphans() {
        let rows = [
            (1, 0, Some(60_000), true),
            (1, 60_000, Some(60_000), true),
            (2, 0, None, false),
        ];
        assert_eq!(live_dirty(&rows), vec![(1, 60_000)]);
    }
}
