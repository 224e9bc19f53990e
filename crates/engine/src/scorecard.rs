//! The live scorecard: the builtin DB37/T 3890-2020 county pack evaluated over the platform's
//! own registry and live state.
//!
//! [`RegistryFacts`] implements [`zhicheng_scorecard::expr::Facts`] from a snapshot of the
//! registry: every entity that is not retired (with its attributes, read from the store, and its
//! live status), the departments, the grids' departments, and the county's boundary. The
//! scorecard is a county figure: the snapshot covers the whole county whoever asks, and any
//! signed-in user may read the result (it holds counts and areas, never entity data).
//!
//! - An entity's `status` for a formula is its [`LiveStatus`] name (`online` when its latest
//!   reading is within `offline_after`, `offline`, `silent`, `maintenance`, `planned`).
//! - `input(name)`: `communities` and `smart_communities` (#44 智慧社区覆盖率) come from the
//!   communities' self-assessments of the measured month ([`crate::communities`]), and only
//!   when that month has at least one; every other base figure (e.g. `households`) is the
//!   one the big-data center entered for that month or before ([`crate::base_figures`]), else
//!   *no data*.
//! - Submitted indicators take the latest *approved* department submission of the current
//!   month (UTC+8; see [`crate::submissions`]), else they are *no data* ("not submitted");
//!   hybrid ones are auto where the formula has data and submitted otherwise.
//! - A kind with no (non-retired) entities answers *no data*, never 0.
//!
//! **Areas** ([`CountyCells`]): the county's boundary is filled with H3 cells at resolution 10
//! (≈ 0.015 km², ≈ 66 m edge; coarser when the county would need more than [`MAX_CELLS`]) by
//! centroid. The county's area is the sum of those cells' areas; the area covered by stations
//! is the sum over the cells whose centre lies within the radius (great-circle distance) of
//! at least one station. Coverage is thereby clipped to the county, overlapping stations count
//! once, and full coverage is exactly 100 %. Accuracy at resolution 10 (the tests below, on a
//! 400 km² square): under 0.3 % for the county's area (against the spherical area) and for
//! disks of 0.5, 4 and 5 km, whole or cut in half or a quarter by the boundary; the tests
//! assert 0.5 %, 1.5–3 % and 5 %. A county above ~6,000 km² is filled at resolution 9
//! (cells 7× larger), where a 500 m disk holds only ~7 cells: expect errors of several per cent
//! on such small disks (not measured here).
//!
//! Observations are cached for [`CACHE_TTL`] (and dropped at once when the registry changes),
//! then scored at the star asked for on every call, so `/overview` stays cheap and no star's
//! result is served for another.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use zhicheng_geo::distance::{haversine_m, METRES_PER_DEGREE};
use zhicheng_geo::hex::{cells_covering, CellIndex, ContainmentMode, Resolution};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, EntityQuery, EntityStatus, Region, RegionLevel};
use zhicheng_scorecard::expr::{Call, Expr, Facts, Selector};
use zhicheng_scorecard::pack::Level;
use zhicheng_scorecard::score::{Source, Status, WhatIf};
use zhicheng_scorecard::{measure, score, Observations, Observed, Pack, Target, UnitRef};

use crate::error::invalid;
use crate::live::rd;
use crate::overview::LiveStatus;
use crate::{Engine, Result};

/// How long measured values are reused before the registry is read again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

/// The star level the command center shows: the Yiyuan plan aims at four stars.
pub const DEFAULT_STAR: u8 = 4;

/// Most H3 cells used to fill the county; a larger county is filled at a coarser resolution.
pub const MAX_CELLS: usize = 400_000;

/// The scorecard's state in the engine: the pack, the cached observations and the county's
/// cells.
pub(crate) struct State {
    pub(crate) pack: Arc<Pack>,
    /// Bumped by every registry change; a cache entry of another generation is stale.
    pub(crate) generation: AtomicU64,
    cache: tokio::sync::Mutex<Option<Cached>>,
    /// The county's cells, kept while its boundary stays the same.
    county: Mutex<Option<(Json, Arc<CountyCells>)>>,
    /// Trend points read from closed snapshots, by (month, star); cleared when a month is
    /// closed or reopened (see [`crate::trend`]).
    pub(crate) trend: Mutex<TrendCache>,
    /// Bumped by every close and reopen: points read under an older generation are not cached.
    pub(crate) trend_generation: AtomicU64,
    /// Writes into a month (submissions, reviews, evidence, base figures, community
    /// assessments, imports) hold it shared from their closed-month check to their insert;
    /// closing and reopening hold it exclusively, so no write lands in a month just closed.
    pub(crate) month_writes: tokio::sync::RwLock<()>,
}

struct Cached {
    at: Instant,
    generation: u64,
    measured: Arc<Measured>,
}

/// The pack measured at one moment: every observation, and the approved submissions the
/// submitted values came from.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// Epoch ms.
    pub(crate) computed_ms: i64,
    /// The month whose approved submissions count.
    pub(crate) period: String,
    pub(crate) obs: Observations,
    pub(crate) refs: SubmissionRefs,
}

/// Trend points of closed months by (month, star).
pub(crate) type TrendCache = HashMap<(String, u8), Arc<Vec<TrendPoint>>>;

/// The approved submission behind each submitted measure.
pub(crate) type SubmissionRefs = BTreeMap<(u32, Option<String>), SubmissionRef>;

impl State {
    pub(crate) fn new() -> State {
        State {
            pack: Arc::new(Pack::builtin_county()),
            generation: AtomicU64::new(0),
            cache: tokio::sync::Mutex::new(None),
            county: Mutex::new(None),
            trend: Mutex::new(HashMap::new()),
            trend_generation: AtomicU64::new(0),
            month_writes: tokio::sync::RwLock::new(()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Areas

/// A county filled with H3 cells, for areas covered by stations (see the module docs).
#[derive(Debug, Clone)]
pub struct CountyCells {
    resolution: Resolution,
    /// `(lon, lat, km²)` of each cell whose centre is in the county.
    cells: Vec<(f64, f64, f64)>,
    area_km2: f64,
}

impl CountyCells {
    /// Fills `area` (WGS84 lon/lat) with cells by centroid, at resolution 10 or coarser so that
    /// at most [`MAX_CELLS`] are needed.
    pub fn new(area: &geo::MultiPolygon) -> std::result::Result<CountyCells, String> {
        use geo::ChamberlainDuquetteArea;
        // The finest resolution whose average cell leaves the count within the budget
        // (H3's own estimate is generous by a factor of 3–4, so it is not used to choose).
        let approx_km2 = area.chamberlain_duquette_unsigned_area() / 1e6;
        let resolution = [Resolution::Ten, Resolution::Nine, Resolution::Eight]
            .into_iter()
            .find(|r| approx_km2 / r.area_km2() <= MAX_CELLS as f64)
            .ok_or_else(|| format!("the county ({approx_km2:.0} km²) is too large"))?;
        let mut seen: HashSet<CellIndex> = HashSet::new();
        for poly in &area.0 {
            let cells = cells_covering(
                poly,
                resolution,
                ContainmentMode::ContainsCentroid,
                8 * MAX_CELLS,
            )
            .map_err(|e| e.to_string())?;
            seen.extend(cells);
            if seen.len() > 2 * MAX_CELLS {
                return Err(format!("more than {} cells", 2 * MAX_CELLS));
            }
        }
        if seen.is_empty() {
            return Err("the boundary holds no cell centre".into());
        }
        let cells: Vec<(f64, f64, f64)> = seen
            .into_iter()
            .map(|c| {
                let p = zhicheng_geo::hex::cell_center(c);
                (p.x, p.y, c.area_km2())
            })
            .collect();
        let area_km2 = cells.iter().map(|c| c.2).sum();
        Ok(CountyCells {
            resolution,
            cells,
            area_km2,
        })
    }

    /// The H3 resolution used.
    pub fn resolution(&self) -> u8 {
        u8::from(self.resolution)
    }

    /// The county's area in km² (the sum of its cells).
    pub fn area_km2(&self) -> f64 {
        self.area_km2
    }

    /// Area (km²) of the county's cells whose centre is within `radius_m` of any of `points`
    /// (`(lon, lat)`).
    pub fn covered_km2(&self, points: &[(f64, f64)], radius_m: f64) -> f64 {
        if points.is_empty() || !(radius_m.is_finite() && radius_m > 0.0) {
            return 0.0;
        }
        // Buckets of 1.5 radii: any point within the radius of a cell centre lies in the 3×3
        // buckets around the centre's.
        let max_lat = points
            .iter()
            .map(|p| p.1.abs())
            .chain(self.cells.iter().map(|c| c.1.abs()))
            .fold(0.0f64, f64::max);
        let dlat = 1.5 * radius_m / METRES_PER_DEGREE;
        let cos = (max_lat + 2.0 * dlat)
            .min(89.0)
            .to_radians()
            .cos()
            .max(0.01);
        let dlon = dlat / cos;
        let key = |lon: f64, lat: f64| ((lon / dlon).floor() as i64, (lat / dlat).floor() as i64);
        let mut buckets: HashMap<(i64, i64), Vec<(f64, f64)>> = HashMap::new();
        for p in points {
            buckets.entry(key(p.0, p.1)).or_default().push(*p);
        }
        let mut covered = 0.0;
        for &(lon, lat, km2) in &self.cells {
            let (bx, by) = key(lon, lat);
            let near = (-1..=1).any(|dx| {
                (-1..=1).any(|dy| {
                    buckets.get(&(bx + dx, by + dy)).is_some_and(|ps| {
                        ps.iter().any(|p| haversine_m((lon, lat), *p) <= radius_m)
                    })
                })
            });
            if near {
                covered += km2;
            }
        }
        covered
    }
}

// ---------------------------------------------------------------------------------------------
// Facts

/// One entity as a formula sees it.
#[derive(Debug, Clone)]
pub struct FactEntity {
    /// Attributes.
    pub attrs: Map<String, Json>,
    /// Live status name (see [`LiveStatus::as_str`]).
    pub status: &'static str,
    /// `(lon, lat)`: the point, or the centre of a line's or area's bounding box.
    pub point: Option<(f64, f64)>,
}

/// The platform's facts for the scorecard: a snapshot of the registry and live state.
#[derive(Debug, Clone, Default)]
pub struct RegistryFacts {
    by_kind: HashMap<String, Vec<FactEntity>>,
    departments: u64,
    grids: Vec<Vec<String>>,
    county: Option<Arc<CountyCells>>,
    /// Base figures for `input(name)`.
    inputs: BTreeMap<String, f64>,
}

impl RegistryFacts {
    /// Facts from parts (for tests and previews).
    pub fn from_parts(
        entities: impl IntoIterator<Item = (String, FactEntity)>,
        departments: u64,
        grids: Vec<Vec<String>>,
        county: Option<Arc<CountyCells>>,
    ) -> RegistryFacts {
        let mut by_kind: HashMap<String, Vec<FactEntity>> = HashMap::new();
        for (k, e) in entities {
            by_kind.entry(k).or_default().push(e);
        }
        RegistryFacts {
            by_kind,
            departments,
            grids,
            county,
            inputs: BTreeMap::new(),
        }
    }

    /// The same facts with these base figures for `input(name)` (replacing any before).
    pub fn with_inputs(mut self, inputs: BTreeMap<String, f64>) -> RegistryFacts {
        self.inputs = inputs;
        self
    }

    /// The selected entities; `None` when the kind has none at all.
    fn selected<'a>(&'a self, sel: &'a Selector) -> Option<impl Iterator<Item = &'a FactEntity>> {
        let all = self.by_kind.get(&sel.kind).filter(|v| !v.is_empty())?;
        Some(all.iter().filter(move |e| sel.matches(&e.attrs, e.status)))
    }
}

impl Facts for RegistryFacts {
    fn count(&self, sel: &Selector) -> Option<u64> {
        Some(self.selected(sel)?.count() as u64)
    }

    fn sum(&self, sel: &Selector, attr: &str) -> Option<f64> {
        Some(
            self.selected(sel)?
                .filter_map(|e| e.attrs.get(attr).and_then(Json::as_f64))
                .sum(),
        )
    }

    fn distinct(&self, sel: &Selector, attr: &str) -> Option<BTreeSet<String>> {
        Some(
            self.selected(sel)?
                .filter_map(|e| match e.attrs.get(attr)? {
                    Json::String(s) => Some(s.clone()),
                    Json::Null => None,
                    v => Some(v.to_string()),
                })
                .collect(),
        )
    }

    fn area_covered(&self, kinds: &[String], radius_m: f64) -> Option<f64> {
        let present: Vec<&Vec<FactEntity>> = kinds
            .iter()
            .filter_map(|k| self.by_kind.get(k))
            .filter(|v| !v.is_empty())
            .collect();
        if present.is_empty() {
            return None;
        }
        // Without a boundary the area cannot be clipped to the county: no data.
        let county = self.county.as_ref()?;
        let points: Vec<(f64, f64)> = present
            .into_iter()
            .flatten()
            .filter_map(|e| e.point)
            .collect();
        Some(county.covered_km2(&points, radius_m))
    }

    fn county_area(&self) -> Option<f64> {
        self.county.as_ref().map(|c| c.area_km2())
    }

    fn department_count(&self) -> Option<u64> {
        (self.departments > 0).then_some(self.departments)
    }

    fn grid_departments(&self) -> Option<Vec<Vec<String>>> {
        (!self.grids.is_empty()).then(|| self.grids.clone())
    }

    /// The base figures supplied ([`RegistryFacts::with_inputs`]); any other is no data.
    fn input(&self, name: &str) -> Option<f64> {
        self.inputs.get(name).copied()
    }
}

/// The county region: the county-level region without a parent (else the shortest code), as
/// `/ui/config` chooses it.
fn county_region(regions: &[Region]) -> Option<&Region> {
    regions
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .min_by_key(|r| (r.parent.is_some(), r.code.clone()))
        .or_else(|| {
            regions
                .iter()
                .min_by_key(|r| (r.code.len(), r.code.clone()))
        })
}

// ---------------------------------------------------------------------------------------------
// The report

/// The pack a scorecard was computed from.
#[derive(Debug, Clone, Serialize)]
pub struct PackInfo {
    pub id: String,
    pub standard: String,
    pub edition: String,
    pub name: String,
    pub name_en: String,
    pub level: Level,
}

/// One further measure of an indicator (e.g. #2's e-stop coverage).
#[derive(Debug, Clone, Serialize)]
pub struct PartRow {
    pub key: String,
    pub name: String,
    pub name_en: String,
    /// `auto`, `submitted` or `hybrid`.
    pub how: &'static str,
    pub formula: Option<Expr>,
    pub target: Option<Target>,
    pub value: Option<f64>,
    pub met: Option<bool>,
    pub source: Option<Source>,
    pub reason: Option<String>,
    pub provenance: Vec<Call>,
}

/// One indicator of the scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub number: u32,
    pub group: String,
    pub group_en: String,
    pub subgroup: Option<String>,
    pub name: String,
    pub name_en: String,
    /// ★ 引领性指标.
    pub leading: bool,
    pub weight: f64,
    /// How the main measure is obtained: `auto`, `submitted` or `hybrid`.
    pub how: &'static str,
    /// The auto formula, if any.
    pub formula: Option<Expr>,
    /// The standard's formula text.
    pub formula_text: String,
    /// The main measure's target at the star level.
    pub target: Option<Target>,
    /// The main measure's value; `null` = no data.
    pub value: Option<f64>,
    /// `met`, `not_met`, `no_data`, `no_target` or `deduction`.
    pub status: Status,
    /// Where the value came from (`auto` or `submitted`).
    pub source: Option<Source>,
    /// Why there is no value (or no target).
    pub reason: Option<String>,
    /// The primitive calls the formula made and their answers.
    pub provenance: Vec<Call>,
    pub parts: Vec<PartRow>,
    /// 牵头单位.
    pub lead: Vec<UnitRef>,
    /// 配合单位.
    pub partners: Vec<UnitRef>,
    /// The approved submission the value came from (submitted values only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<SubmissionRef>,
}

/// An approved department submission, as the scorecard cites it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRef {
    pub id: i64,
    pub department: Option<String>,
    pub submitted_by: String,
    pub submitted_ms: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_ms: Option<i64>,
    pub note: String,
    /// The evidence files (fixed once the submission is reviewed).
    pub evidence: Vec<EvidenceRef>,
}

/// One evidence file of a cited submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub id: i64,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
}

/// One indicator group (一级指标) of the scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub group: String,
    pub group_en: String,
    /// Scored indicators of the group (deduction items excluded).
    pub scored: usize,
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub no_target: usize,
    pub total_weight: f64,
    pub met_weight: f64,
    /// `met_weight / total_weight` (0–1; 0 for a group without weight).
    pub share: f64,
}

/// One responsible unit (牵头单位) of the scorecard: the scored indicators it leads. An
/// indicator with several lead units counts for each.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    /// The department's id; `None` for a unit no department maps to.
    pub id: Option<String>,
    pub name: String,
    pub lead: usize,
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub no_target: usize,
    pub total_weight: f64,
    pub met_weight: f64,
    /// `met_weight / total_weight` (0–1).
    pub share: f64,
    /// Numbers of the indicators it leads that are not met or have no data.
    pub open: Vec<u32>,
    /// Numbers of the indicators it is a partner of.
    pub partner_of: Vec<u32>,
}

/// The scorecard of one month at the same star level, as a trend point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub period: String,
    /// From a closed month's snapshot (the scorecard's own month may be live).
    pub closed: bool,
    pub completed_weight: f64,
    pub passed: bool,
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    /// Each indicator's value (`None`: no data) and status.
    pub values: Vec<TrendValue>,
}

/// One indicator in a [`TrendPoint`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendValue {
    pub number: u32,
    pub value: Option<f64>,
    pub status: Status,
}

/// The totals of a scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub total_weight: f64,
    pub met_weight: f64,
    /// Share taken off by deduction items.
    pub deduction: f64,
    /// `met_weight / total_weight − deduction` (0–1).
    pub completed_weight: f64,
    pub pass_line: f64,
    pub aim: Option<f64>,
    pub passed: bool,
    pub aimed: Option<bool>,
    /// Scored indicators met.
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub no_target: usize,
    /// Indicators carrying weight (deduction items excluded).
    pub scored: usize,
    pub steps_to_pass: Option<usize>,
    pub steps_to_aim: Option<usize>,
}

/// How the weights were set, stated in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Weights {
    pub default_weight: f64,
    /// No indicator overrides the default.
    pub equal: bool,
    pub statement: String,
    pub statement_zh: String,
}

/// The live scorecard at one star level.
#[derive(Debug, Clone, Serialize)]
pub struct Scorecard {
    pub pack: PackInfo,
    pub star: u8,
    /// Star levels the pack grades.
    pub levels: Vec<u8>,
    /// When the values were measured (epoch ms; reused for up to 30 s).
    pub computed_ms: i64,
    /// The month (`YYYY-MM`, UTC+8) whose approved submissions feed submitted values.
    pub period: String,
    pub indicators: Vec<IndicatorRow>,
    pub totals: Totals,
    pub weights: Weights,
    /// Unmet indicators in the order that lifts the county over the line soonest.
    pub what_if: Vec<WhatIf>,
    /// What the figures do not include yet.
    pub notes: Vec<String>,
    /// By indicator group, in the pack's order.
    pub by_group: Vec<GroupRow>,
    /// By lead unit, in the order units first appear in the pack; units no department maps to
    /// come last.
    pub by_unit: Vec<UnitRow>,
    /// Closed months of the twelve up to `period`, oldest first, then `period` itself (see
    /// [`crate::trend`]).
    pub trend: Vec<TrendPoint>,
    /// Set when the period is closed: this is its snapshot (see [`crate::periods`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<ClosedInfo>,
}

/// Who closed the period whose snapshot a scorecard is.
#[derive(Debug, Clone, Serialize)]
pub struct ClosedInfo {
    pub by: String,
    /// Epoch ms.
    pub ms: i64,
    /// The star level named at closing (every level is kept).
    pub star: u8,
}

/// The star levels with a target in `pack`.
pub(crate) fn levels(pack: &Pack) -> Vec<u8> {
    let mut out: BTreeSet<u8> = BTreeSet::new();
    for ind in &pack.indicators {
        let keys = ind
            .targets
            .keys()
            .chain(ind.parts.iter().flat_map(|p| p.targets.keys()));
        out.extend(keys.filter_map(|k| k.parse::<u8>().ok()));
    }
    out.into_iter().collect()
}

fn observed_parts(o: Option<&Observed>) -> (Option<Source>, Vec<Call>) {
    match o {
        Some(Observed::Value {
            source, provenance, ..
        }) => (Some(*source), provenance.clone()),
        Some(Observed::NoData { provenance, .. }) => (None, provenance.clone()),
        None => (None, Vec::new()),
    }
}

pub(crate) fn build(pack: &Pack, m: &Measured, star: u8) -> Scorecard {
    let (obs, computed_ms, period) = (&m.obs, m.computed_ms, m.period.as_str());
    let card = score(pack, obs, star);
    let mut indicators = Vec::with_capacity(pack.indicators.len());
    for (ind, res) in pack.indicators.iter().zip(&card.indicators) {
        let main = res.parts.iter().find(|p| p.key.is_none());
        let (source, provenance) = observed_parts(obs.get(&(ind.number, None)));
        let parts = ind
            .parts
            .iter()
            .map(|p| {
                let key = Some(p.key.clone());
                let r = res.parts.iter().find(|r| r.key == key);
                let (source, provenance) = observed_parts(obs.get(&(ind.number, key)));
                PartRow {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    name_en: p.name_en.clone(),
                    how: p.measure.label(),
                    formula: p.measure.expr().cloned(),
                    target: r.and_then(|r| r.target.clone()),
                    value: r.and_then(|r| r.value),
                    met: r.and_then(|r| r.met),
                    source,
                    reason: r.and_then(|r| r.reason.clone()),
                    provenance,
                }
            })
            .collect();
        indicators.push(IndicatorRow {
            number: ind.number,
            group: ind.group.clone(),
            group_en: ind.group_en.clone(),
            subgroup: ind.subgroup.clone(),
            name: ind.name.clone(),
            name_en: ind.name_en.clone(),
            leading: ind.leading,
            weight: res.weight,
            how: ind.measure.label(),
            formula: ind.measure.expr().cloned(),
            formula_text: ind.formula_text.clone(),
            target: main.and_then(|m| m.target.clone()),
            value: main.and_then(|m| m.value),
            status: res.status,
            source,
            reason: main.and_then(|m| m.reason.clone()),
            provenance,
            parts,
            lead: ind.lead.clone(),
            partners: ind.partners.clone(),
            submission: match source {
                Some(Source::Submitted) => m.refs.get(&(ind.number, None)).cloned(),
                _ => None,
            },
        });
    }
    let (by_group, by_unit) = breakdown(&indicators);
    let n = |s: Status| card.indicators.iter().filter(|r| r.status == s).count();
    let scored = pack
        .indicators
        .iter()
        .filter(|i| i.deduction.is_none())
        .count();
    let deductions: Vec<String> = pack
        .indicators
        .iter()
        .filter_map(|i| i.deduction.as_ref().map(|d| (i.number, d.per_unit)))
        .map(|(num, per)| format!("#{num} ({} %)", per * 100.0))
        .collect();
    let weights = if pack.weights_are_default() {
        let share = 100.0 / scored.max(1) as f64;
        Weights {
            default_weight: pack.default_weight,
            equal: true,
            statement: format!(
                "Equal weights by default: each of the {scored} scored indicators counts {} \
                 ({share:.2} % of the total){}.",
                pack.default_weight,
                if deductions.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; deduction items take their share off the total per incident: {}",
                        deductions.join(", ")
                    )
                }
            ),
            statement_zh: format!(
                "默认等权：{scored} 项计分指标每项权重 {}（各占总分 {share:.2}%）{}。",
                pack.default_weight,
                if deductions.is_empty() {
                    String::new()
                } else {
                    format!("；扣分项按每起事件扣减总分：{}", deductions.join("、"))
                }
            ),
        }
    } else {
        Weights {
            default_weight: pack.default_weight,
            equal: false,
            statement: format!(
                "Weights set by the pack; an indicator without its own weight counts {}.",
                pack.default_weight
            ),
            statement_zh: format!(
                "权重由指标包设定；未设权重的指标按 {} 计。",
                pack.default_weight
            ),
        }
    };
    Scorecard {
        pack: PackInfo {
            id: pack.id.clone(),
            standard: pack.standard.clone(),
            edition: pack.edition.clone(),
            name: pack.name.clone(),
            name_en: pack.name_en.clone(),
            level: pack.level,
        },
        star,
        levels: levels(pack),
        computed_ms,
        period: period.to_string(),
        indicators,
        totals: Totals {
            total_weight: card.total_weight,
            met_weight: card.met_weight,
            deduction: card.deduction,
            completed_weight: card.completed,
            pass_line: card.pass_line,
            aim: card.aim,
            passed: card.passed,
            aimed: card.aim_reached,
            met: n(Status::Met),
            not_met: n(Status::NotMet),
            no_data: n(Status::NoData),
            no_target: n(Status::NoTarget),
            scored,
            steps_to_pass: card.steps_to_pass,
            steps_to_aim: card.steps_to_aim,
        },
        weights,
        what_if: card.what_if,
        notes: vec![
            format!(
                "Submitted indicators, and hybrid ones without platform data, take the latest \
                 approved department submission of {period}; without one they are \"not \
                 submitted\"."
            ),
            "Base figures (input: households, …) are those the big-data center entered for \
             this month or before; a formula whose base figure is not entered has no data."
                .into(),
            format!(
                "#44 takes its inputs (communities, smart_communities) from the communities' \
                 self-assessments of {period} (smart at 80 % or more); without any, the \
                 submitted value."
            ),
        ],
        by_group,
        by_unit,
        trend: Vec::new(),
        closed: None,
    }
}

/// Counts and weights of a set of scored indicators.
#[derive(Default)]
struct Tally {
    scored: usize,
    met: usize,
    not_met: usize,
    no_data: usize,
    no_target: usize,
    total_weight: f64,
    met_weight: f64,
}

impl Tally {
    fn add(&mut self, r: &IndicatorRow) {
        self.scored += 1;
        self.total_weight += r.weight;
        match r.status {
            Status::Met => {
                self.met += 1;
                self.met_weight += r.weight;
            }
            Status::NotMet => self.not_met += 1,
            Status::NoData => self.no_data += 1,
            Status::NoTarget => self.no_target += 1,
            Status::Deduction => {}
        }
    }

    fn share(&self) -> f64 {
        if self.total_weight > 0.0 {
            self.met_weight / self.total_weight
        } else {
            0.0
        }
    }
}

/// The indicators summed by group and by lead unit (deduction items left out).
fn breakdown(rows: &[IndicatorRow]) -> (Vec<GroupRow>, Vec<UnitRow>) {
    let scored = || rows.iter().filter(|r| r.status != Status::Deduction);

    let mut groups: Vec<(&IndicatorRow, Tally)> = Vec::new();
    for r in scored() {
        match groups.iter_mut().find(|(g, _)| g.group == r.group) {
            Some((_, t)) => t.add(r),
            None => {
                let mut t = Tally::default();
                t.add(r);
                groups.push((r, t));
            }
        }
    }
    let groups = groups
        .into_iter()
        .map(|(r, t)| GroupRow {
            group: r.group.clone(),
            group_en: r.group_en.clone(),
            scored: t.scored,
            met: t.met,
            not_met: t.not_met,
            no_data: t.no_data,
            no_target: t.no_target,
            total_weight: t.total_weight,
            met_weight: t.met_weight,
            share: t.share(),
        })
        .collect();

    // A unit is its department id, or its name when no department maps to it.
    struct Unit<'a> {
        unit: &'a UnitRef,
        tally: Tally,
        open: Vec<u32>,
        partner_of: Vec<u32>,
    }
    fn key(u: &UnitRef) -> String {
        u.id.clone().unwrap_or_else(|| u.name.clone())
    }
    fn slot<'a>(units: &mut Vec<Unit<'a>>, u: &'a UnitRef) -> usize {
        units
            .iter()
            .position(|x| key(x.unit) == key(u))
            .unwrap_or_else(|| {
                units.push(Unit {
                    unit: u,
                    tally: Tally::default(),
                    open: Vec::new(),
                    partner_of: Vec::new(),
                });
                units.len() - 1
            })
    }
    let mut units: Vec<Unit> = Vec::new();
    for r in scored() {
        let mut seen = BTreeSet::new();
        for u in r.lead.iter().filter(|u| seen.insert(key(u))) {
            let i = slot(&mut units, u);
            units[i].tally.add(r);
            if matches!(r.status, Status::NotMet | Status::NoData) {
                units[i].open.push(r.number);
            }
        }
    }
    for r in scored() {
        let leads: BTreeSet<String> = r.lead.iter().map(key).collect();
        let mut seen = BTreeSet::new();
        for u in r
            .partners
            .iter()
            .filter(|u| !leads.contains(&key(u)) && seen.insert(key(u)))
        {
            let i = slot(&mut units, u);
            units[i].partner_of.push(r.number);
        }
    }
    let mut units: Vec<UnitRow> = units
        .into_iter()
        .map(|u| UnitRow {
            id: u.unit.id.clone(),
            name: u.unit.name.clone(),
            lead: u.tally.scored,
            met: u.tally.met,
            not_met: u.tally.not_met,
            no_data: u.tally.no_data,
            no_target: u.tally.no_target,
            total_weight: u.tally.total_weight,
            met_weight: u.tally.met_weight,
            share: u.tally.share(),
            open: u.open,
            partner_of: u.partner_of,
        })
        .collect();
    // Departments first; units no department maps to ("各镇、街道") after them.
    units.sort_by_key(|u| u.id.is_none());
    (groups, units)
}

// ---------------------------------------------------------------------------------------------
// Engine

impl Engine {
    /// The indicator pack the scorecard uses (the builtin DB37/T 3890-2020 county pack).
    pub fn scorecard_pack(&self) -> &Pack {
        &self.inner.scorecard.pack
    }

    /// Drops the cached measurements (after any registry change).
    pub(crate) fn scorecard_changed(&self) {
        self.inner
            .scorecard
            .generation
            .fetch_add(1, Ordering::Relaxed);
    }

    /// The county's live scorecard at `star`. A county figure: any signed-in user may read it,
    /// and it counts every department's entities. A star the pack does not grade is invalid.
    pub async fn scorecard(&self, actor: &Actor, star: u8) -> Result<Scorecard> {
        // Readable by every role: the figure is the county's, made of counts and areas.
        let _ = actor;
        let pack = self.inner.scorecard.pack.clone();
        let lv = levels(&pack);
        if !lv.contains(&star) {
            let list: Vec<String> = lv.iter().map(u8::to_string).collect();
            return Err(invalid(
                "star",
                format!("pack {} grades stars {}", pack.id, list.join(", ")),
            ));
        }
        let measured = self.scorecard_observations().await?;
        Ok(build(&pack, &measured, star))
    }

    /// Checks that `star` is graded by the pack (422 otherwise).
    pub(crate) fn check_star(&self, star: u8) -> Result<()> {
        let pack = &self.inner.scorecard.pack;
        let lv = levels(pack);
        if lv.contains(&star) {
            return Ok(());
        }
        let list: Vec<String> = lv.iter().map(u8::to_string).collect();
        Err(invalid(
            "star",
            format!("pack {} grades stars {}", pack.id, list.join(", ")),
        ))
    }

    /// The live scorecard of the month `period` (`YYYY-MM`) at `star`: today's registry and
    /// that month's approved submissions (the current month from the cache).
    pub(crate) async fn scorecard_of_period(&self, period: &str, star: u8) -> Result<Scorecard> {
        self.check_star(star)?;
        let pack = self.inner.scorecard.pack.clone();
        if period == crate::submissions::current_period() {
            let measured = self.scorecard_observations().await?;
            return Ok(build(&pack, &measured, star));
        }
        let measured = self.measure_period(period).await?;
        Ok(build(&pack, &measured, star))
    }

    /// Measures every indicator now, with the approved submissions of `period` (uncached).
    pub(crate) async fn measure_period(&self, period: &str) -> Result<Measured> {
        let facts = self.registry_facts().await?.with_inputs({
            let mut inputs = self.base_figure_inputs(period).await?;
            inputs.extend(self.community_inputs(period).await?);
            inputs
        });
        let (submitted, refs) = self.approved_submissions(period).await?;
        let obs = measure(&self.inner.scorecard.pack, &facts, &submitted);
        Ok(Measured {
            computed_ms: now_ms(),
            period: period.to_string(),
            obs,
            refs,
        })
    }

    /// The current month measured, from the cache when fresh.
    async fn scorecard_observations(&self) -> Result<Arc<Measured>> {
        let st = &self.inner.scorecard;
        let mut cache = st.cache.lock().await;
        let generation = st.generation.load(Ordering::Relaxed);
        let period = crate::submissions::current_period();
        if let Some(c) = cache.as_ref() {
            if c.generation == generation
                && c.measured.period == period
                && c.at.elapsed() < CACHE_TTL
            {
                return Ok(c.measured.clone());
            }
        }
        let measured = Arc::new(self.measure_period(&period).await?);
        *cache = Some(Cached {
            at: Instant::now(),
            generation,
            measured: measured.clone(),
        });
        Ok(measured)
    }

    /// A snapshot of the whole county's registry and live state as scorecard facts.
    pub(crate) async fn registry_facts(&self) -> Result<RegistryFacts> {
        let store = &self.inner.store;
        let departments = store.list_departments().await?.len() as u64;
        let grids: Vec<Vec<String>> = store
            .list_grids(None)
            .await?
            .into_iter()
            .map(|g| g.departments)
            .collect();
        let regions = store.list_regions().await?;
        let county = match county_region(&regions).and_then(|r| r.geometry.clone()) {
            Some(g) => self.county_cells(g).await,
            None => None,
        };

        // Attributes live in the store only: page through every entity.
        let mut entities = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list_entities(&EntityQuery {
                    after: after.clone(),
                    limit: 1000,
                    ..Default::default()
                })
                .await?;
            entities.extend(page.items);
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }

        // The latest reading of each entity, under the live-state locks once.
        let last: HashMap<String, i64> = {
            let series = rd(&self.inner.live.series);
            let latest = rd(&self.inner.live.latest);
            series
                .by_key
                .iter()
                .filter_map(|(id, m)| {
                    m.values()
                        .filter_map(|sid| latest.get(sid).map(|(ts, _)| *ts))
                        .max()
                        .map(|t| (id.to_string(), t))
                })
                .collect()
        };
        let now = now_ms();
        let off = self.offline_after_ms();
        let facts = entities
            .into_iter()
            .filter(|e| e.status != EntityStatus::Retired)
            .map(|e| {
                let status = LiveStatus::of(e.status, last.get(&e.id).copied(), now, off).as_str();
                let point = e.bbox().map(|b| b.center());
                (
                    e.kind,
                    FactEntity {
                        attrs: e.attributes,
                        status,
                        point,
                    },
                )
            });
        Ok(RegistryFacts::from_parts(facts, departments, grids, county))
    }

    /// The county's cells for `geometry`, computed once per boundary (off the async threads).
    async fn county_cells(&self, geometry: Json) -> Option<Arc<CountyCells>> {
        let slot = &self.inner.scorecard.county;
        {
            let held = slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((g, cells)) = held.as_ref() {
                if *g == geometry {
                    return Some(cells.clone());
                }
            }
        }
        let g = geometry.clone();
        let made = tokio::task::spawn_blocking(move || {
            let area = zhicheng_geo::geojson::Decoder::default()
                .area_from_value(&g)
                .map_err(|e| e.to_string())?;
            CountyCells::new(&area)
        })
        .await;
        match made {
            Ok(Ok(cells)) => {
                let cells = Arc::new(cells);
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((geometry, cells.clone()));
                Some(cells)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "county boundary unusable for areas");
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "county cells task failed");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, MultiPolygon, Polygon};
    use serde_json::json;
    use zhicheng_scorecard::{Eval, Submissions};

    const R_KM: f64 = 6_371.007_180_918_475; // H3's authalic radius

    /// The square [lon0, lon0+d] × [lat0, lat0+d].
    fn square(lon0: f64, lat0: f64, d: f64) -> MultiPolygon {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (lon0, lat0),
                (lon0 + d, lat0),
                (lon0 + d, lat0 + d),
                (lon0, lat0 + d),
                (lon0, lat0),
            ]),
            vec![],
        )])
    }

    /// Spherical area of the square, km².
    fn square_km2(lat0: f64, d: f64) -> f64 {
        R_KM * R_KM * d.to_radians() * ((lat0 + d).to_radians().sin() - lat0.to_radians().sin())
    }

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want,
            "got {got}, want {want} ± {}%",
            rel * 100.0
        );
    }

    #[test]
    fn county_area_and_disks_against_known_geometry() {
        // 0.2° × 0.2° at 36° N: ≈ 400 km².
        let cells = CountyCells::new(&square(118.0, 36.0, 0.2)).unwrap();
        assert_eq!(cells.resolution(), 10);
        close(cells.area_km2(), square_km2(36.0, 0.2), 0.005);
        let pi = std::f64::consts::PI;
        // A whole disk well inside.
        close(
            cells.covered_km2(&[(118.1, 36.1)], 4_000.0),
            pi * 16.0,
            0.015,
        );
        close(
            cells.covered_km2(&[(118.1, 36.1)], 5_000.0),
            pi * 25.0,
            0.015,
        );
        close(cells.covered_km2(&[(118.1, 36.1)], 500.0), pi * 0.25, 0.05);
        // A station on the west edge: half its disk is in the county.
        close(cells.covered_km2(&[(118.0, 36.1)], 4_000.0), pi * 8.0, 0.02);
        // At a corner: a quarter.
        close(cells.covered_km2(&[(118.0, 36.0)], 4_000.0), pi * 4.0, 0.03);
        // Overlapping stations count once; one outside adds nothing.
        let one = cells.covered_km2(&[(118.1, 36.1)], 4_000.0);
        assert_eq!(
            cells.covered_km2(&[(118.1, 36.1), (118.1, 36.1), (119.5, 36.1)], 4_000.0),
            one
        );
        // Two disjoint disks add up.
        let two = cells.covered_km2(&[(118.05, 36.05), (118.15, 36.15)], 2_000.0);
        close(two, 2.0 * pi * 4.0, 0.02);
        // Everything covered is the county.
        let all = cells.covered_km2(&[(118.1, 36.1)], 50_000.0);
        assert!((all - cells.area_km2()).abs() < 1e-9);
        assert_eq!(cells.covered_km2(&[], 4_000.0), 0.0);
        assert_eq!(cells.covered_km2(&[(118.1, 36.1)], 0.0), 0.0);
    }

    #[test]
    fn a_large_county_is_filled_coarser() {
        // 1.2° × 1.2° ≈ 14,400 km²: some 960,000 cells at res 10, so res 9 (≈ 137,000).
        let cells = CountyCells::new(&square(117.5, 35.5, 1.2)).unwrap();
        assert_eq!(cells.resolution(), 9);
        close(cells.area_km2(), square_km2(35.5, 1.2), 0.005);
    }

    fn ent(attrs: Json, status: &'static str, point: Option<(f64, f64)>) -> FactEntity {
        FactEntity {
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            status,
            point,
        }
    }

    #[test]
    fn no_entities_is_no_data_never_zero() {
        let county = Arc::new(CountyCells::new(&square(118.0, 36.0, 0.2)).unwrap());
        let facts = RegistryFacts::from_parts(
            [
                (
                    "streetlight".to_string(),
                    ent(json!({"controllable": true}), "online", None),
                ),
                (
                    "streetlight".to_string(),
                    ent(json!({"controllable": false}), "silent", None),
                ),
                (
                    "air_station".to_string(),
                    ent(json!({}), "online", Some((118.0, 36.1))),
                ),
                ("camera".to_string(), ent(json!({}), "online", None)),
                (
                    "water_meter".to_string(),
                    ent(json!({"household": "h1"}), "silent", None),
                ),
                (
                    "electricity_meter".to_string(),
                    ent(json!({}), "silent", None),
                ),
                ("gas_meter".to_string(), ent(json!({}), "silent", None)),
            ],
            3,
            vec![],
            Some(county),
        );
        let sel = |v: Json| serde_json::from_value::<Selector>(v).unwrap();
        assert_eq!(facts.count(&sel(json!({"kind": "streetlight"}))), Some(2));
        assert_eq!(
            facts.count(&sel(
                json!({"kind": "streetlight", "where": {"controllable": true}})
            )),
            Some(1)
        );
        assert_eq!(
            facts.count(&sel(json!({"kind": "streetlight", "status": "online"}))),
            Some(1)
        );
        assert_eq!(facts.count(&sel(json!({"kind": "bus_line"}))), None);
        assert_eq!(
            facts.sum(&sel(json!({"kind": "water_pipe"})), "length_m"),
            None
        );
        assert_eq!(
            facts.distinct(&sel(json!({"kind": "camera"})), "key_area"),
            Some(BTreeSet::new())
        );
        assert_eq!(facts.area_covered(&["noise_station".into()], 500.0), None);
        // A kind with entities but none located covers nothing (0, not no data).
        assert_eq!(facts.area_covered(&["camera".into()], 500.0), Some(0.0));
        close(
            facts
                .area_covered(&["air_station".into(), "noise_station".into()], 4_000.0)
                .unwrap(),
            8.0 * std::f64::consts::PI,
            0.02,
        );
        assert_eq!(facts.input("households"), None);
        assert_eq!(facts.department_count(), Some(3));
        assert_eq!(facts.grid_departments(), None);

        // #3 of the builtin pack over these facts: 1 of 2.
        let pack = Pack::builtin_county();
        let e = pack.indicator(3).unwrap().measure.expr().unwrap();
        assert_eq!(e.eval(&facts).value(), Some(50.0));
        // #9 needs the households base figure: no data, with the counts in the provenance.
        match pack
            .indicator(9)
            .unwrap()
            .measure
            .expr()
            .unwrap()
            .eval(&facts)
        {
            Eval::NoData { reason, .. } => assert!(reason.contains("households"), "{reason}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn the_report_states_levels_weights_and_totals() {
        let pack = Pack::builtin_county();
        assert_eq!(levels(&pack), vec![4, 5]);
        let facts = RegistryFacts::from_parts(
            (0..9)
                .map(|_| {
                    (
                        "streetlight".to_string(),
                        ent(json!({"controllable": true}), "silent", None),
                    )
                })
                .chain([(
                    "streetlight".to_string(),
                    ent(json!({"controllable": false}), "silent", None),
                )]),
            4,
            vec![vec!["a".into(), "b".into()], vec!["c".into(), "d".into()]],
            None,
        );
        let obs = measure(&pack, &facts, &Submissions::new());
        let measured = Measured {
            computed_ms: 0,
            period: "2026-11".into(),
            obs,
            refs: SubmissionRefs::new(),
        };
        let card = build(&pack, &measured, 4);
        let row = |n: u32| card.indicators.iter().find(|r| r.number == n).unwrap();
        assert_eq!(row(3).value, Some(90.0));
        assert_eq!(row(3).status, Status::Met);
        assert_eq!(row(3).source, Some(Source::Auto));
        assert_eq!(row(3).provenance.len(), 2);
        assert_eq!(row(12).value, Some(4.0));
        assert_eq!(row(12).status, Status::Met);
        assert_eq!(row(1).status, Status::NoData);
        assert_eq!(row(1).reason.as_deref(), Some("not submitted"));
        assert_eq!(row(10).status, Status::NoData);
        assert_eq!(card.totals.met, 2);
        assert_eq!(card.totals.scored, 43);
        close(card.totals.completed_weight, 2.0 / 43.0, 1e-12);
        assert!(card.weights.equal);
        assert!(
            card.weights.statement.contains("43 scored"),
            "{}",
            card.weights.statement
        );
        assert!(
            card.weights.statement.contains("#40 (2 %)"),
            "{}",
            card.weights.statement
        );
        assert_eq!(card.what_if.len(), 41);

        // By group: every scored indicator once; #3 and #12 are the two met.
        assert_eq!(card.by_group.iter().map(|g| g.scored).sum::<usize>(), 43);
        assert_eq!(card.by_group.iter().map(|g| g.met).sum::<usize>(), 2);
        let g3 = card
            .by_group
            .iter()
            .find(|g| g.group == row(3).group)
            .unwrap();
        assert!(g3.met >= 1 && g3.share > 0.0 && g3.share <= 1.0);
        // By unit: #3's lead counts it met and not open; #1's lead has it open.
        let unit = |u: &UnitRef| {
            card.by_unit
                .iter()
                .find(|x| match &u.id {
                    Some(id) => x.id.as_ref() == Some(id),
                    None => x.id.is_none() && x.name == u.name,
                })
                .unwrap()
        };
        let lead3 = unit(&row(3).lead[0]);
        assert!(lead3.met >= 1 && !lead3.open.contains(&3));
        assert!(unit(&row(1).lead[0]).open.contains(&1));
        for r in card
            .indicators
            .iter()
            .filter(|r| r.status != Status::Deduction)
        {
            for p in &r.partners {
                if !r.lead.iter().any(|l| l.id == p.id && l.name == p.name) {
                    assert!(unit(p).partner_of.contains(&r.number), "#{}", r.number);
                }
            }
        }
        assert!(card.by_unit.iter().all(|u| u.lead + u.partner_of.len() > 0));
        assert!(row(3).submission.is_none());
    }
}
