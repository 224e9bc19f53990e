//! Statistics over case briefs, grouped by status, category, department, region or period.
//!
//! Definitions, per group:
//!
//! * `total` — every case in the group, merged ones included;
//! * `open` — not closed, rejected or merged ([`Status::is_open`]); `closed` — status closed;
//! * `overdue_open` — open with the running stage's deadline ([`CaseBrief::due_ms`]) before
//!   `now_ms` (a suspended case is never overdue);
//! * `closed_on_time` — closed whose last feedback came by the handle deadline in force
//!   (`handled_ms ≤ handle_due_ms`; a failed verification sets a new handle deadline, a
//!   suspension moves it) and was never escalated for being overdue; `on_time_rate` = `closed_on_time ÷ closed`, `None` when none closed;
//! * `mean_handling_ms` — over closed cases, the mean of `closed_ms − registered_ms −
//!   suspended_total_ms` (first registration to closing, suspended time excluded; a reopened
//!   case counts from its first registration: the citizen waited all along); `None` when none;
//! * `rework_count` — failed verifications, summed;
//! * `rated`, `mean_satisfaction` — cases with a satisfaction score and their mean (1–5),
//!   `satisfied_rate` — the share of scores of 4 or 5 (满意率); `None` when none rated.
//!
//! Periods are calendar days, ISO weeks or months of the report time (`created_ms`) in China
//! Standard Time (UTC+8); keys `2026-11-30`, `2026-W49`, `2026-11`. Groups come sorted by key.
//!
//! ```
//! use zhicheng_cases::{stats, GroupBy, Period, CategoryTree, Policy, NewCase, Source, report, Actor};
//!
//! let p = Policy::builtin();
//! let brief = |id: &str, cat: &str| report(NewCase::new(id, Source::Citizen, cat), &Actor::Reporter, 0, &p)
//!     .unwrap().state.brief();
//! let cases = [brief("1", "E05-02"), brief("2", "E05-03"), brief("3", "C01-01")];
//! let g = stats(&cases, GroupBy::Category(1), p.categories(), 0);
//! assert_eq!((g[0].key.as_str(), g[0].total), ("C01", 1));
//! assert_eq!((g[1].key.as_str(), g[1].total, g[1].open), ("E05", 2, 2));
//! assert_eq!(g[1].on_time_rate, None);
//! let g = stats(&cases, GroupBy::Period(Period::Day), p.categories(), 0);
//! assert_eq!(g[0].key, "1970-01-01");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::{civil, cst_day, iso_week};
use crate::{CaseBrief, CategoryTree, Status};

/// A calendar period (China Standard Time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// `2026-11-30`.
    Day,
    /// ISO week, `2026-W49`.
    Week,
    /// `2026-11`.
    Month,
}

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The status name (`handling`, …).
    Status,
    /// The category's ancestor at this level (1 = top class); a shallower code is its own key.
    Category(usize),
    /// The assigned department; `-` when none.
    Department,
    /// The first n characters of the region code (6 county, 9 town); `-` when none.
    Region(usize),
    /// The report time's period.
    Period(Period),
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The group's key.
    pub key: String,
    /// Cases.
    pub total: u64,
    /// Open cases.
    pub open: u64,
    /// Closed cases.
    pub closed: u64,
    /// Open and overdue.
    pub overdue_open: u64,
    /// Closed, handled on time.
    pub closed_on_time: u64,
    /// `closed_on_time ÷ closed`.
    pub on_time_rate: Option<f64>,
    /// Mean handling time of closed cases.
    pub mean_handling_ms: Option<i64>,
    /// Failed verifications.
    pub rework_count: u64,
    /// Cases with a satisfaction score.
    pub rated: u64,
    /// Mean score of those.
    pub mean_satisfaction: Option<f64>,
    /// Share of scores 4 or 5.
    pub satisfied_rate: Option<f64>,
}

#[derive(Default)]
struct Acc {
    total: u64,
    open: u64,
    closed: u64,
    overdue_open: u64,
    on_time: u64,
    handling_sum: i128,
    handling_n: i64,
    rework: u64,
    rated: u64,
    score_sum: u64,
    satisfied: u64,
}

fn key(c: &CaseBrief, by: GroupBy, tree: &CategoryTree) -> String {
    match by {
        GroupBy::Status => c.status.as_str().to_owned(),
        GroupBy::Category(level) => tree
            .at_level(&c.category, level)
            .map_or_else(|| c.category.clone(), |n| n.code.clone()),
        GroupBy::Department => c.department.clone().unwrap_or_else(|| "-".into()),
        GroupBy::Region(n) => c
            .region
            .as_deref()
            .map_or_else(|| "-".into(), |r| r.chars().take(n).collect()),
        GroupBy::Period(p) => {
            let day = cst_day(c.created_ms);
            match p {
                Period::Day => {
                    let (y, m, d) = civil(day);
                    format!("{y:04}-{m:02}-{d:02}")
                }
                Period::Week => {
                    let (y, w) = iso_week(day);
                    format!("{y:04}-W{w:02}")
                }
                Period::Month => {
                    let (y, m, _) = civil(day);
                    format!("{y:04}-{m:02}")
                }
            }
        }
    }
}

/// The figures per group, sorted by key (see the [module docs](self) for the definitions).
pub fn stats(
    cases: &[CaseBrief],
    group_by: GroupBy,
    tree: &CategoryTree,
    now_ms: i64,
) -> Vec<GroupStats> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for c in cases {
        let a = groups.entry(key(c, group_by, tree)).or_default();
        a.total += 1;
        a.rework += u64::from(c.rework_count);
        if let Some(score) = c.satisfaction {
            a.rated += 1;
            a.score_sum += u64::from(score);
            a.satisfied += u64::from(score >= 4);
        }
        if c.status.is_open() {
            a.open += 1;
            if c.due_ms.is_some_and(|d| now_ms > d) && c.status != Status::Suspended {
                a.overdue_open += 1;
            }
        }
        if c.status == Status::Closed {
            a.closed += 1;
            if let (Some(h), Some(d)) = (c.handled_ms, c.handle_due_ms) {
                // An escalated case went past a deadline, whatever its last one says.
                if h <= d && c.escalation_level == 0 {
                    a.on_time += 1;
                }
            }
            if let (Some(r), Some(cl)) = (c.registered_ms, c.closed_ms) {
                a.handling_sum +=
                    (i128::from(cl) - i128::from(r) - i128::from(c.suspended_total_ms)).max(0);
                a.handling_n += 1;
            }
        }
    }
    groups
        .into_iter()
        .map(|(key, a)| GroupStats {
            key,
            total: a.total,
            open: a.open,
            closed: a.closed,
            overdue_open: a.overdue_open,
            closed_on_time: a.on_time,
            on_time_rate: (a.closed > 0).then(|| a.on_time as f64 / a.closed as f64),
            mean_handling_ms: (a.handling_n > 0)
                .then(|| (a.handling_sum / i128::from(a.handling_n)) as i64),
            rework_count: a.rework,
            rated: a.rated,
            mean_satisfaction: (a.rated > 0).then(|| a.score_sum as f64 / a.rated as f64),
            satisfied_rate: (a.rated > 0).then(|| a.satisfied as f64 / a.rated as f64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Source, Urgency};

    const H: i64 = 3_600_000;

    fn b(id: &str, status: Status, dept: Option<&str>) -> CaseBrief {
        CaseBrief {
            id: id.into(),
            status,
            source: Source::Grid,
            category: "E05-02".into(),
            urgency: Urgency::Normal,
            region: Some("371323101001".into()),
            grid: None,
            lon: None,
            lat: None,
            department: dept.map(Into::into),
            created_ms: 0,
            registered_ms: Some(H),
            handled_ms: None,
            closed_ms: None,
            handle_due_ms: None,
            due_ms: None,
            suspended_total_ms: 0,
            rework_count: 0,
            satisfaction: None,
            merged_into: None,
            escalation_level: 0,
        }
    }

    #[test]
    fn an_escalated_case_is_never_on_time() {
        let tree = CategoryTree::builtin();
        let mut c = CaseBrief {
            handled_ms: Some(10 * H),
            handle_due_ms: Some(20 * H),
            closed_ms: Some(11 * H),
            ..b("1", Status::Closed, Some("town-101"))
        };
        let rate = |c: &CaseBrief| {
            stats(std::slice::from_ref(c), GroupBy::Status, &tree, 0)[0].on_time_rate
        };
        assert_eq!(rate(&c), Some(1.0));
        // Fed back by the deadline a failed verification set, but escalated before that.
        c.escalation_level = 1;
        assert_eq!(rate(&c), Some(0.0));
    }

    #[test]
    fn figures() {
        let tree = CategoryTree::builtin();
        let closed = |id, handled, due, closed, susp, rework| CaseBrief {
            handled_ms: Some(handled),
            handle_due_ms: Some(due),
            closed_ms: Some(closed),
            suspended_total_ms: susp,
            rework_count: rework,
            ..b(id, Status::Closed, Some("town-101"))
        };
        let cases = vec![
            closed("1", 10 * H, 20 * H, 11 * H, 0, 0), // on time, 10 h
            closed("2", 30 * H, 20 * H, 31 * H, 2 * H, 1), // late, 31 − 1 − 2 = 28 h
            closed("3", 20 * H, 20 * H, 25 * H, 0, 2), // on time (at the deadline), 24 h
            CaseBrief {
                due_ms: Some(5 * H),
                ..b("4", Status::Handling, Some("town-101"))
            },
            CaseBrief {
                due_ms: Some(50 * H),
                ..b("5", Status::Dispatched, Some("town-101"))
            },
            CaseBrief {
                due_ms: Some(5 * H),
                ..b("6", Status::Suspended, Some("county-cgj"))
            },
            b("7", Status::Rejected, None),
            b("8", Status::Merged, None),
        ];
        let g = stats(&cases, GroupBy::Department, &tree, 10 * H);
        let keys: Vec<&str> = g.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["-", "county-cgj", "town-101"]);
        let t = &g[2];
        assert_eq!(
            (t.total, t.open, t.closed, t.overdue_open, t.closed_on_time),
            (5, 2, 3, 1, 2)
        );
        assert_eq!(t.on_time_rate, Some(2.0 / 3.0));
        assert_eq!(t.mean_handling_ms, Some((10 + 28 + 24) * H / 3));
        assert_eq!(t.rework_count, 3);
        assert_eq!(
            (t.rated, t.mean_satisfaction, t.satisfied_rate),
            (0, None, None)
        );
        assert_eq!(
            (g[0].total, g[0].open, g[0].closed, g[0].on_time_rate),
            (2, 0, 0, None)
        );
        assert_eq!((g[1].open, g[1].overdue_open), (1, 0)); // suspended: not overdue

        let rated: Vec<CaseBrief> = [5, 4, 2]
            .into_iter()
            .map(|score| CaseBrief {
                satisfaction: Some(score),
                ..cases[0].clone()
            })
            .collect();
        let g = stats(&rated, GroupBy::Department, &tree, 10 * H);
        assert_eq!((g[0].rated, g[0].mean_satisfaction), (3, Some(11.0 / 3.0)));
        assert_eq!(g[0].satisfied_rate, Some(2.0 / 3.0));

        let g = stats(&cases, GroupBy::Status, &tree, 10 * H);
        assert_eq!(g.iter().find(|g| g.key == "closed").unwrap().total, 3);
        let g = stats(&cases, GroupBy::Region(9), &tree, 10 * H);
        assert_eq!((g[0].key.as_str(), g[0].total), ("371323101", 8));
        let g = stats(&cases, GroupBy::Category(2), &tree, 10 * H);
        assert_eq!(g[0].key, "E05-02");
    }

    #[test]
    fn periods_are_china_standard_time() {
        let tree = CategoryTree::builtin();
        // 2026-11-29T15:59:59.999Z is Sunday 23:59 in Beijing; one ms later is Monday.
        let t0 = 20_786 * 86_400_000 + 16 * H;
        let at = |id: &str, ms| CaseBrief {
            created_ms: ms,
            ..b(id, Status::Reported, None)
        };
        let cases = [at("a", t0 - 1), at("b", t0), at("c", t0 + 20 * 86_400_000)];
        let keys = |p| -> Vec<(String, u64)> {
            stats(&cases, GroupBy::Period(p), &tree, 0)
                .into_iter()
                .map(|g| (g.key, g.total))
                .collect()
        };
        assert_eq!(
            keys(Period::Day),
            [
                ("2026-11-29".into(), 1),
                ("2026-11-30".into(), 1),
                ("2026-12-20".into(), 1)
            ]
        );
        assert_eq!(
            keys(Period::Week),
            [
                ("2026-W48".into(), 1),
                ("2026-W49".into(), 1),
                ("2026-W51".into(), 1)
            ]
        );
        assert_eq!(
            keys(Period::Month),
            [("2026-11".into(), 2), ("2026-12".into(), 1)]
        );
    }
}
