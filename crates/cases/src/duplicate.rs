//! Duplicate suggestions: open cases of the same category, near in space and time.
//!
//! [`candidates`] compares a new case with existing ones. A candidate is open (not closed,
//! rejected or merged), is not the case itself, has a location within `radius_m` (haversine),
//! was reported within `window_ms` either side, and has the same category, or with
//! `same_category_subtree` a category on the same branch (one under the other, e.g. `C01` and
//! `C01-03`). Cases without a location are never candidates: nearness is the point.
//!
//! The score, in 0..=1, is `category × (1 − ½·distance/radius − ½·Δt/window)` with `category`
//! 1 for the same code and 0.8 for the same branch; best first, ties by distance then id.
//!
//! ```
//! use zhicheng_cases::{candidates, CategoryTree, DupParams, Policy, NewCase, Source, report, Actor};
//!
//! let p = Policy::builtin();
//! let at = |id: &str, lon: f64, t: i64| {
//!     let mut n = NewCase::new(id, Source::Citizen, "E01-02");
//!     (n.lon, n.lat) = (Some(lon), Some(36.0));
//!     report(n, &Actor::Reporter, t, &p).unwrap().state.brief()
//! };
//! let new = at("N", 118.0, 600_000);
//! let old = [at("A", 118.0005, 0), at("B", 118.01, 0)]; // 45 m and 900 m east
//! let params = DupParams { radius_m: 200.0, window_ms: 3_600_000, same_category_subtree: false };
//! let c = candidates(&new, &old, &params, p.categories());
//! assert_eq!(c.len(), 1);
//! assert_eq!(c[0].id, "A");
//! assert!((c[0].distance_m - 45.0).abs() < 0.5);
//! ```

use serde::{Deserialize, Serialize};
use zhicheng_geo::distance::haversine_m;

use crate::{CaseBrief, CategoryTree};

/// How near is a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DupParams {
    /// Within this distance, metres.
    pub radius_m: f64,
    /// Reported within this time either side, ms.
    pub window_ms: i64,
    /// Same branch of the tree instead of the same code.
    #[serde(default)]
    pub same_category_subtree: bool,
}

/// A possible duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The existing case.
    pub id: String,
    /// How far, metres.
    pub distance_m: f64,
    /// How far apart in time, ms (absolute).
    pub dt_ms: i64,
    /// 0..=1, higher is likelier.
    pub score: f64,
}

/// The open cases among `existing` that may be duplicates of `new`, best first.
pub fn candidates(
    new: &CaseBrief,
    existing: &[CaseBrief],
    params: &DupParams,
    tree: &CategoryTree,
) -> Vec<Candidate> {
    let (Some(lon), Some(lat)) = (new.lon, new.lat) else {
        return Vec::new();
    };
    if !params.radius_m.is_finite() || params.radius_m <= 0.0 || params.window_ms <= 0 {
        return Vec::new();
    }
    let mut out: Vec<Candidate> = existing
        .iter()
        .filter(|c| c.id != new.id && c.status.is_open() && c.merged_into.is_none())
        .filter_map(|c| {
            let cat = if c.category == new.category {
                1.0
            } else if params.same_category_subtree
                && (tree.is_under(&c.category, &new.category)
                    || tree.is_under(&new.category, &c.category))
            {
                0.8
            } else {
                return None;
            };
            let (clon, clat) = (c.lon?, c.lat?);
            let d = haversine_m((lon, lat), (clon, clat));
            let dt = i64::try_from(new.created_ms.abs_diff(c.created_ms)).unwrap_or(i64::MAX);
            // A NaN coordinate gives a NaN distance: not near anything.
            if d.is_nan() || d > params.radius_m || dt > params.window_ms {
                return None;
            }
            let score =
                cat * (1.0 - 0.5 * d / params.radius_m - 0.5 * dt as f64 / params.window_ms as f64);
            Some(Candidate {
                id: c.id.clone(),
                distance_m: d,
                dt_ms: dt,
                score,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{report, Actor, NewCase, Policy, Source, Status};

    fn brief(id: &str, cat: &str, lon: Option<f64>, t: i64) -> CaseBrief {
        let p = Policy::builtin();
        let mut n = NewCase::new(id, Source::Grid, cat);
        n.lon = lon;
        n.lat = lon.map(|_| 36.0);
        report(n, &Actor::System, t, &p).unwrap().state.brief()
    }

    #[test]
    fn filters_and_order() {
        let tree = CategoryTree::builtin();
        let min = 60_000;
        // 0.001° of longitude at 36° N ≈ 90 m.
        let new = brief("N", "C01-01", Some(118.0), 30 * min);
        let mut closed = brief("closed", "C01-01", Some(118.0), 30 * min);
        closed.status = Status::Closed;
        let mut merged = brief("merged", "C01-01", Some(118.0), 30 * min);
        merged.merged_into = Some("X".into());
        let existing = vec![
            brief("N", "C01-01", Some(118.0), 30 * min),     // itself
            closed,                                          // not open
            merged,                                          // merged away
            brief("far", "C01-01", Some(118.01), 30 * min),  // 900 m
            brief("late", "C01-01", Some(118.0), 100 * min), // 70 min apart
            brief("noloc", "C01-01", None, 30 * min),        // no location
            brief("other", "E01-02", Some(118.0), 30 * min), // another category
            brief("parent", "C01", Some(118.0), 30 * min),   // same branch
            brief("b", "C01-01", Some(118.001), 20 * min),   // 90 m, 10 min
            brief("a", "C01-01", Some(118.0), 0),            // 0 m, 30 min
        ];
        let p = DupParams {
            radius_m: 200.0,
            window_ms: 60 * min,
            same_category_subtree: false,
        };
        let ids = |p: &DupParams| -> Vec<String> {
            candidates(&new, &existing, p, &tree)
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        // b: 1 − ½·90/200 − ½·10/60 ≈ 0.691; a: 1 − 0 − ½·30/60 = 0.75.
        assert_eq!(ids(&p), ["a", "b"]);
        let c = candidates(&new, &existing, &p, &tree);
        assert!((c[0].score - 0.75).abs() < 1e-9);
        assert_eq!(c[1].dt_ms, 10 * min);
        assert!((c[1].distance_m - 90.0).abs() < 1.0, "{}", c[1].distance_m);
        // With the subtree: the parent-category case at 0 m, 0 min scores 0.8 and comes first.
        let p2 = DupParams {
            same_category_subtree: true,
            ..p
        };
        assert_eq!(ids(&p2), ["parent", "a", "b"]);
        // Nonsense parameters or coordinates find nothing rather than everything.
        let nan = DupParams {
            radius_m: f64::NAN,
            ..p
        };
        assert!(ids(&nan).is_empty());
        let mut odd = brief("odd", "C01-01", Some(118.0), 30 * min);
        odd.lat = Some(f64::NAN);
        assert!(candidates(&new, &[odd], &p, &tree).is_empty());
    }
}
