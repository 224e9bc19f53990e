//! Auto formulas: a small JSON expression language evaluated against the platform's facts.
//!
//! An expression names what the platform can count — entities of a kind with attribute
//! conditions, sums of an attribute, distinct attribute values, area covered by stations, the
//! grids' departments, base figures entered by the county — and combines them with `ratio`,
//! `percent`, `weighted`, `min` and `max`. Evaluation never invents a value: a kind with no
//! entities, a missing base figure or a zero denominator gives [`Eval::NoData`] with the reason.
//!
//! ```
//! use zhicheng_scorecard::expr::{Eval, Expr, MemoryFacts};
//! use serde_json::json;
//!
//! let expr: Expr = serde_json::from_value(json!({"percent": {"ratio": {
//!     "num": {"count": {"kind": "streetlight", "where": {"controllable": true}}},
//!     "den": {"count": {"kind": "streetlight"}}}}})).unwrap();
//! let mut facts = MemoryFacts::default();
//! facts.add("streetlight", json!({"controllable": true}));
//! facts.add("streetlight", json!({"controllable": false}));
//! match expr.eval(&facts) {
//!     Eval::Value { value, .. } => assert_eq!(value, 50.0),
//!     Eval::NoData { reason, .. } => panic!("{reason}"),
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// An auto formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    /// A number: `{"const": 22}`.
    Const(f64),
    /// A base figure the county enters (e.g. `households`): `{"input": "households"}`.
    Input(String),
    /// Entities of a kind matching conditions: `{"count": {"kind": …, "where": {…}}}`.
    Count(Selector),
    /// Sum of a numeric attribute: `{"sum": {"of": {…selector}, "attr": "length_m"}}`.
    Sum {
        of: Selector,
        attr: String,
    },
    /// Number of distinct values of an attribute, optionally only those in `among`.
    Distinct {
        of: Selector,
        attr: String,
        #[serde(default)]
        among: Option<Vec<String>>,
    },
    /// Area (km²) within `radius_m` of any entity of the kinds.
    AreaCovered {
        kinds: Vec<String>,
        radius_m: f64,
    },
    /// The county's area (km²): `{"county_area": {}}`.
    CountyArea {},
    /// Number of registered departments: `{"departments": {}}`.
    Departments {},
    /// Number of distinct departments that share a grid with at least `min_per_grid - 1`
    /// others (a grid fusing `min_per_grid` or more departments).
    GridFusedDepartments {
        min_per_grid: u32,
    },
    /// `num / den`; no data when `den` is 0.
    Ratio {
        num: Box<Expr>,
        den: Box<Expr>,
    },
    /// `100 × expr`.
    Percent(Box<Expr>),
    /// `Σ wᵢ·eᵢ / Σ wᵢ`; no data when any term has none.
    Weighted(Vec<WeightedTerm>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
}

/// A term of [`Expr::Weighted`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedTerm {
    pub weight: f64,
    pub expr: Expr,
}

/// Which entities: a kind, attribute conditions, and optionally the live status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    pub kind: String,
    #[serde(default, rename = "where", skip_serializing_if = "BTreeMap::is_empty")]
    pub conditions: BTreeMap<String, Cond>,
    /// `online` / `offline`: the entity's live status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A condition on one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cond {
    /// `{"exists": true}`: the attribute is set (or not).
    Exists(Exists),
    /// `{"gte": 1, "lte": 5}` (any of gte, gt, lte, lt).
    Range(Range),
    /// A scalar the attribute equals (booleans also match 1/0).
    Eq(Json),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exists {
    pub exists: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
}

impl Cond {
    /// Whether an attribute value (None = absent) satisfies the condition.
    pub fn matches(&self, v: Option<&Json>) -> bool {
        match self {
            Cond::Exists(Exists { exists }) => v.is_some_and(|v| !v.is_null()) == *exists,
            Cond::Range(r) => {
                let Some(x) = v.and_then(Json::as_f64) else {
                    return false;
                };
                r.gte.is_none_or(|b| x >= b)
                    && r.gt.is_none_or(|b| x > b)
                    && r.lte.is_none_or(|b| x <= b)
                    && r.lt.is_none_or(|b| x < b)
            }
            Cond::Eq(want) => match (want, v) {
                (_, None) => false,
                (Json::Bool(b), Some(Json::Number(n))) => n.as_f64() == Some(f64::from(*b as u8)),
                (Json::Number(a), Some(Json::Number(b))) => a.as_f64() == b.as_f64(),
                (a, Some(b)) => a == b,
            },
        }
    }
}

impl Selector {
    /// Whether an entity with these attributes and status is selected.
    pub fn matches(&self, attrs: &serde_json::Map<String, Json>, status: &str) -> bool {
        self.status.as_deref().is_none_or(|s| s == status)
            && self.conditions.iter().all(|(k, c)| c.matches(attrs.get(k)))
    }
}

/// What the platform can tell a formula. `None` means "no data": the kind is unknown or has
/// no entities, or the figure was never entered — never 0.
pub trait Facts {
    /// Entities matching the selector; `None` when the kind has no entities at all.
    fn count(&self, sel: &Selector) -> Option<u64>;
    /// Sum of a numeric attribute over the selected entities; `None` when the kind has none.
    fn sum(&self, sel: &Selector, attr: &str) -> Option<f64>;
    /// Distinct values (as text) of an attribute over the selected entities.
    fn distinct(&self, sel: &Selector, attr: &str) -> Option<BTreeSet<String>>;
    /// Area (km²) within `radius_m` of any entity of the kinds; `None` when none exist.
    fn area_covered(&self, kinds: &[String], radius_m: f64) -> Option<f64>;
    /// The county's area in km².
    fn county_area(&self) -> Option<f64>;
    /// Number of registered departments.
    fn department_count(&self) -> Option<u64>;
    /// Each grid's department ids; `None` when no grid is registered.
    fn grid_departments(&self) -> Option<Vec<Vec<String>>>;
    /// A base figure entered by the county (households, …).
    fn input(&self, name: &str) -> Option<f64>;
}

/// One primitive call made during evaluation and its answer (`None`: no data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub call: String,
    pub result: Option<f64>,
}

/// The outcome of evaluating a formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Eval {
    Value {
        value: f64,
        provenance: Vec<Call>,
    },
    NoData {
        reason: String,
        provenance: Vec<Call>,
    },
}

impl Eval {
    pub fn value(&self) -> Option<f64> {
        match self {
            Eval::Value { value, .. } => Some(*value),
            Eval::NoData { .. } => None,
        }
    }
}

type Step = std::result::Result<f64, String>;

impl Expr {
    /// Evaluates against `facts`, recording every primitive call.
    pub fn eval(&self, facts: &dyn Facts) -> Eval {
        let mut calls = Vec::new();
        match self.eval_in(facts, &mut calls) {
            Ok(value) => Eval::Value {
                value,
                provenance: calls,
            },
            Err(reason) => Eval::NoData {
                reason,
                provenance: calls,
            },
        }
    }

    fn eval_in(&self, facts: &dyn Facts, calls: &mut Vec<Call>) -> Step {
        let mut record = |call: String, result: Option<f64>, none: String| {
            calls.push(Call { call, result });
            result.ok_or(none)
        };
        match self {
            Expr::Const(v) => Ok(*v),
            Expr::Input(name) => record(
                format!("input({name})"),
                facts.input(name),
                format!("base figure `{name}` not entered"),
            ),
            Expr::Count(sel) => record(
                format!("count({})", describe(sel)),
                facts.count(sel).map(|n| n as f64),
                format!("no entities of kind `{}`", sel.kind),
            ),
            Expr::Sum { of, attr } => record(
                format!("sum({}, {attr})", describe(of)),
                facts.sum(of, attr),
                format!("no entities of kind `{}`", of.kind),
            ),
            Expr::Distinct { of, attr, among } => {
                let got = facts.distinct(of, attr).map(|set| match among {
                    Some(list) => set.iter().filter(|v| list.contains(v)).count() as f64,
                    None => set.len() as f64,
                });
                let among_txt = among
                    .as_ref()
                    .map(|l| format!(", among {}", l.len()))
                    .unwrap_or_default();
                record(
                    format!("distinct({}, {attr}{among_txt})", describe(of)),
                    got,
                    format!("no entities of kind `{}`", of.kind),
                )
            }
            Expr::AreaCovered { kinds, radius_m } => record(
                format!("area_covered([{}], {radius_m} m)", kinds.join(", ")),
                facts.area_covered(kinds, *radius_m),
                format!("no entities of kind {}", kinds.join(" / ")),
            ),
            Expr::CountyArea {} => record(
                "county_area()".into(),
                facts.county_area(),
                "county area unknown".into(),
            ),
            Expr::Departments {} => record(
                "departments()".into(),
                facts.department_count().map(|n| n as f64),
                "no departments registered".into(),
            ),
            Expr::GridFusedDepartments { min_per_grid } => {
                let got = facts.grid_departments().map(|grids| {
                    let mut fused = BTreeSet::new();
                    for g in &grids {
                        let own: BTreeSet<&String> = g.iter().collect();
                        if own.len() >= *min_per_grid as usize {
                            fused.extend(own);
                        }
                    }
                    fused.len() as f64
                });
                record(
                    format!("grid_fused_departments(min_per_grid={min_per_grid})"),
                    got,
                    "no grids registered".into(),
                )
            }
            Expr::Ratio { num, den } => {
                let n = num.eval_in(facts, calls)?;
                let d = den.eval_in(facts, calls)?;
                if d == 0.0 {
                    return Err("denominator is 0".into());
                }
                let r = n / d;
                if !r.is_finite() {
                    return Err(format!("{n} / {d} is not a finite number"));
                }
                Ok(r)
            }
            Expr::Percent(e) => Ok(100.0 * e.eval_in(facts, calls)?),
            Expr::Weighted(terms) => {
                // Evaluate every term so the provenance shows all gaps, then decide.
                let mut missing = Vec::new();
                let (mut acc, mut wsum) = (0.0, 0.0);
                for t in terms {
                    match t.expr.eval_in(facts, calls) {
                        Ok(v) => acc += t.weight * v,
                        Err(r) if !missing.contains(&r) => missing.push(r),
                        Err(_) => {}
                    }
                    wsum += t.weight;
                }
                if !missing.is_empty() {
                    return Err(missing.join("; "));
                }
                Ok(acc / wsum)
            }
            Expr::Min(es) | Expr::Max(es) => {
                let mut vals = Vec::with_capacity(es.len());
                for e in es {
                    vals.push(e.eval_in(facts, calls)?);
                }
                let pick = if matches!(self, Expr::Min(_)) {
                    vals.into_iter().fold(f64::INFINITY, f64::min)
                } else {
                    vals.into_iter().fold(f64::NEG_INFINITY, f64::max)
                };
                Ok(pick)
            }
        }
    }

    /// Checks the expression's shape; errors are (JSON path below `expr`, message).
    pub fn validate(&self) -> std::result::Result<(), (String, String)> {
        let bad = |path: &str, msg: &str| Err((path.to_string(), msg.to_string()));
        let sel_ok = |s: &Selector, path: &str| {
            if s.kind.trim().is_empty() {
                return bad(&format!("{path}.kind"), "kind must not be empty");
            }
            for (k, c) in &s.conditions {
                let ok = match c {
                    Cond::Eq(v) => v.is_boolean() || v.is_number() || v.is_string(),
                    Cond::Range(r) => {
                        let bounds = [r.gte, r.gt, r.lte, r.lt];
                        bounds.iter().any(Option::is_some)
                            && bounds.iter().flatten().all(|b| b.is_finite())
                    }
                    Cond::Exists(_) => true,
                };
                if !ok {
                    return bad(
                        &format!("{path}.where.{k}"),
                        "a condition is a scalar, {exists}, or {gte/gt/lte/lt} with a bound",
                    );
                }
            }
            Ok(())
        };
        match self {
            Expr::Const(v) if !v.is_finite() => bad("", "constant must be finite"),
            Expr::Input(n) if n.trim().is_empty() => bad(".input", "name must not be empty"),
            Expr::Count(s) => sel_ok(s, ".count"),
            Expr::Sum { of, attr } | Expr::Distinct { of, attr, .. } => {
                let p = if matches!(self, Expr::Sum { .. }) {
                    ".sum"
                } else {
                    ".distinct"
                };
                if attr.trim().is_empty() {
                    return bad(&format!("{p}.attr"), "attr must not be empty");
                }
                sel_ok(of, &format!("{p}.of"))
            }
            Expr::AreaCovered { kinds, radius_m } => {
                if kinds.is_empty() {
                    bad(".area_covered.kinds", "at least one kind")
                } else if !(radius_m.is_finite() && *radius_m > 0.0) {
                    bad(".area_covered.radius_m", "must be positive")
                } else {
                    Ok(())
                }
            }
            Expr::GridFusedDepartments { min_per_grid } if *min_per_grid < 2 => bad(
                ".grid_fused_departments.min_per_grid",
                "a grid fuses at least 2 departments",
            ),
            Expr::Ratio { num, den } => {
                num.validate()
                    .map_err(|(p, m)| (format!(".ratio.num{p}"), m))?;
                den.validate()
                    .map_err(|(p, m)| (format!(".ratio.den{p}"), m))
            }
            Expr::Percent(e) => e.validate().map_err(|(p, m)| (format!(".percent{p}"), m)),
            Expr::Weighted(terms) => {
                if terms.is_empty() {
                    return bad(".weighted", "at least one term");
                }
                for (i, t) in terms.iter().enumerate() {
                    if !(t.weight.is_finite() && t.weight > 0.0) {
                        return bad(&format!(".weighted[{i}].weight"), "must be positive");
                    }
                    t.expr
                        .validate()
                        .map_err(|(p, m)| (format!(".weighted[{i}].expr{p}"), m))?;
                }
                Ok(())
            }
            Expr::Min(es) | Expr::Max(es) => {
                let name = if matches!(self, Expr::Min(_)) {
                    ".min"
                } else {
                    ".max"
                };
                if es.is_empty() {
                    return bad(name, "at least one operand");
                }
                for (i, e) in es.iter().enumerate() {
                    e.validate()
                        .map_err(|(p, m)| (format!("{name}[{i}]{p}"), m))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The entity kinds the formula reads.
    pub fn kinds(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect_kinds(&mut out);
        out
    }

    /// The base figures the formula reads with `input(name)`.
    pub fn inputs(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect_inputs(&mut out);
        out
    }

    fn collect_inputs(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Input(name) => {
                out.insert(name.clone());
            }
            Expr::Ratio { num, den } => {
                num.collect_inputs(out);
                den.collect_inputs(out);
            }
            Expr::Percent(e) => e.collect_inputs(out),
            Expr::Weighted(ts) => ts.iter().for_each(|t| t.expr.collect_inputs(out)),
            Expr::Min(es) | Expr::Max(es) => es.iter().for_each(|e| e.collect_inputs(out)),
            _ => {}
        }
    }

    fn collect_kinds(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Count(s) | Expr::Sum { of: s, .. } | Expr::Distinct { of: s, .. } => {
                out.insert(s.kind.clone());
            }
            Expr::AreaCovered { kinds, .. } => out.extend(kinds.iter().cloned()),
            Expr::Ratio { num, den } => {
                num.collect_kinds(out);
                den.collect_kinds(out);
            }
            Expr::Percent(e) => e.collect_kinds(out),
            Expr::Weighted(ts) => ts.iter().for_each(|t| t.expr.collect_kinds(out)),
            Expr::Min(es) | Expr::Max(es) => es.iter().for_each(|e| e.collect_kinds(out)),
            _ => {}
        }
    }
}

fn describe(sel: &Selector) -> String {
    let mut s = sel.kind.clone();
    for (k, c) in &sel.conditions {
        s.push_str(&format!(
            ", {k}={}",
            serde_json::to_string(c).unwrap_or_default()
        ));
    }
    if let Some(st) = &sel.status {
        s.push_str(&format!(", status={st}"));
    }
    s
}

/// A [`Facts`] held in memory, for tests and previews. Areas covered are given per kind
/// (`set_area`) rather than computed from positions; the radius is ignored.
#[derive(Debug, Clone, Default)]
pub struct MemoryFacts {
    pub entities: Vec<MemoryEntity>,
    pub areas: BTreeMap<String, f64>,
    pub county_area: Option<f64>,
    pub departments: Option<u64>,
    pub grids: Vec<Vec<String>>,
    pub inputs: BTreeMap<String, f64>,
}

/// An entity of [`MemoryFacts`].
#[derive(Debug, Clone)]
pub struct MemoryEntity {
    pub kind: String,
    pub attrs: serde_json::Map<String, Json>,
    pub status: String,
}

impl MemoryFacts {
    /// Adds an online entity with attributes (a JSON object).
    pub fn add(&mut self, kind: &str, attrs: Json) -> &mut Self {
        self.add_with_status(kind, attrs, "online")
    }

    pub fn add_with_status(&mut self, kind: &str, attrs: Json, status: &str) -> &mut Self {
        let attrs = match attrs {
            Json::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        self.entities.push(MemoryEntity {
            kind: kind.to_string(),
            attrs,
            status: status.to_string(),
        });
        self
    }

    /// Adds `n` entities with the same attributes.
    pub fn add_n(&mut self, n: usize, kind: &str, attrs: Json) -> &mut Self {
        for _ in 0..n {
            self.add(kind, attrs.clone());
        }
        self
    }

    pub fn set_area(&mut self, kind: &str, km2: f64) -> &mut Self {
        self.areas.insert(kind.to_string(), km2);
        self
    }

    pub fn set_input(&mut self, name: &str, v: f64) -> &mut Self {
        self.inputs.insert(name.to_string(), v);
        self
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> Option<impl Iterator<Item = &'a MemoryEntity>> {
        let mut it = self
            .entities
            .iter()
            .filter(move |e| e.kind == kind)
            .peekable();
        it.peek()?;
        Some(it)
    }

    fn selected<'a>(&'a self, sel: &'a Selector) -> Option<impl Iterator<Item = &'a MemoryEntity>> {
        Some(
            self.of_kind(&sel.kind)?
                .filter(move |e| sel.matches(&e.attrs, &e.status)),
        )
    }
}

impl Facts for MemoryFacts {
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

    fn area_covered(&self, kinds: &[String], _radius_m: f64) -> Option<f64> {
        let present: Vec<&String> = kinds.iter().filter(|k| self.of_kind(k).is_some()).collect();
        if present.is_empty() {
            return None;
        }
        Some(
            present
                .iter()
                .map(|k| self.areas.get(*k).copied().unwrap_or(0.0))
                .sum(),
        )
    }

    fn county_area(&self) -> Option<f64> {
        self.county_area
    }

    fn department_count(&self) -> Option<u64> {
        self.departments
    }

    fn grid_departments(&self) -> Option<Vec<Vec<String>>> {
        (!self.grids.is_empty()).then(|| self.grids.clone())
    }

    fn input(&self, name: &str) -> Option<f64> {
        self.inputs.get(name).copied()
    }
}
