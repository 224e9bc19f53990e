//! Indicator packs: one standard's indicators, their targets per star level, how each is
//! measured and who answers for it.
//!
//! A pack is data (JSON, unknown fields refused). The county pack of DB37/T 3890-2020 is
//! compiled in ([`Pack::builtin_county`]); another standard or edition is loaded with
//! [`Pack::from_json`]. Both go through [`Pack::validate`], whose errors name the indicator
//! number and the field.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::expr::Expr;
use crate::{Error, Result};

const BUILTIN_COUNTY: &str = include_str!("../data/db37t3890-2020-county.json");

/// The key of the part of an indicator: `None` is the indicator's main measure.
pub type PartKey = Option<String>;

/// Who a pack grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// DB37/T 3890.2: a county (or city).
    County,
    /// DB37/T 3890.3: a community.
    Community,
}

/// One standard's indicators with the rule that decides a pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// Stable identifier, e.g. `db37t3890-2020-county`.
    pub id: String,
    /// Standard number, e.g. `DB37/T 3890.2-2020`.
    pub standard: String,
    /// Edition (year or label).
    pub edition: String,
    pub name: String,
    pub name_en: String,
    pub level: Level,
    /// Weight of an indicator that gives none. Equal weights unless indicators override it.
    pub default_weight: f64,
    /// Share of the total weight that passes (0.70 for a county, 0.80 for a community).
    pub pass_line: f64,
    /// Share the county aims at (0.80), if the standard names one.
    #[serde(default)]
    pub aim: Option<f64>,
    /// Where the pack's texts come from.
    #[serde(default)]
    pub source: Option<String>,
    pub indicators: Vec<Indicator>,
}

/// One indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// 编号, from 1.
    pub number: u32,
    /// 一级指标.
    pub group: String,
    pub group_en: String,
    /// 二级 sub-group where the standard has one.
    #[serde(default)]
    pub subgroup: Option<String>,
    /// 二级指标 (without the ★ mark).
    pub name: String,
    pub name_en: String,
    /// 指标释义, verbatim.
    pub definition: String,
    /// The formula sentences of the definition, verbatim; empty when there is none.
    #[serde(default)]
    pub formula_text: String,
    /// 具体要求 at the pack's reference star level, verbatim.
    pub requirement: String,
    /// ★ 引领性指标.
    #[serde(default)]
    pub leading: bool,
    /// Target per star level ("1" … "5") of the main measure.
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
    /// How the main measure is obtained.
    pub measure: Measure,
    /// Further measures that must all meet their targets too (e.g. #2's e-stop coverage).
    #[serde(default)]
    pub parts: Vec<Part>,
    /// A deduction item (#40) instead of a scored one: no targets, no weight.
    #[serde(default)]
    pub deduction: Option<Deduction>,
    /// 责任单位, verbatim.
    pub responsibility: String,
    /// 牵头单位 (or the responsible units when none is named as lead).
    pub lead: Vec<UnitRef>,
    /// 配合单位.
    #[serde(default)]
    pub partners: Vec<UnitRef>,
    /// Overrides the pack's default weight.
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A further measure of an indicator with its own targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Identifier within the indicator, e.g. `e_stop`.
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub targets: BTreeMap<String, Target>,
    pub measure: Measure,
}

/// A target: the measured value compared with `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub op: Op,
    pub value: f64,
    /// `%` (values 0–100), `count`, `bool` (1 = yes), `Mbit/s`, `万元`, `rank%` …
    pub unit: String,
    /// The standard gives no target at this star and refers to that star's (e.g. 5).
    #[serde(default)]
    pub refers_to_star: Option<u8>,
}

/// Comparison of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "=")]
    Eq,
}

impl Target {
    /// Whether `value` meets the target. Equality allows a relative 1e-9 for rounding.
    pub fn is_met(&self, value: f64) -> bool {
        let eps = 1e-9 * self.value.abs().max(1.0);
        match self.op {
            Op::Ge => value >= self.value - eps,
            Op::Gt => value > self.value + eps,
            Op::Le => value <= self.value + eps,
            Op::Lt => value < self.value - eps,
            Op::Eq => (value - self.value).abs() <= eps,
        }
    }

    /// How far `value` is from the target, relative to the target (0 when met).
    pub fn distance(&self, value: f64) -> f64 {
        if self.is_met(value) {
            return 0.0;
        }
        (self.value - value).abs() / self.value.abs().max(1.0)
    }
}

/// How a measure is obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// Computed from the platform's registry and history; no data when the kinds are absent.
    Auto { expr: Expr },
    /// Entered by the responsible department with evidence.
    Submitted,
    /// Computed where the data exist, otherwise entered.
    Hybrid { expr: Expr },
}

impl Measure {
    pub fn expr(&self) -> Option<&Expr> {
        match self {
            Measure::Auto { expr } | Measure::Hybrid { expr } => Some(expr),
            Measure::Submitted => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Measure::Auto { .. } => "auto",
            Measure::Submitted => "submitted",
            Measure::Hybrid { .. } => "hybrid",
        }
    }
}

/// A deduction item: each unit of the measured value (an incident) takes `per_unit` of the
/// total weight off the completed share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    /// Share of the total per unit, e.g. 0.02.
    pub per_unit: f64,
}

/// A responsible unit: its Chinese name as written, and the platform department id when the
/// unit is a registered department (`null` for collectives such as 各镇、街道 and for bodies
/// outside the registry such as the telecom operators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRef {
    pub name: String,
    pub id: Option<String>,
}

impl Pack {
    /// The county indicators of DB37/T 3890-2020 as annexed to the Yiyuan plan.
    pub fn builtin_county() -> Pack {
        Pack::from_json(BUILTIN_COUNTY.as_bytes()).expect("the builtin county pack is valid")
    }

    /// The JSON text of the builtin county pack.
    pub fn builtin_county_json() -> &'static str {
        BUILTIN_COUNTY
    }

    /// Parses and validates a pack.
    pub fn from_json(bytes: &[u8]) -> Result<Pack> {
        let pack: Pack = serde_json::from_slice(bytes).map_err(|e| Error::Parse {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        pack.validate()?;
        Ok(pack)
    }

    pub fn indicator(&self, number: u32) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.number == number)
    }

    /// The weight an indicator counts with (its own, else the pack's default); 0 for a
    /// deduction item.
    pub fn weight_of(&self, ind: &Indicator) -> f64 {
        if ind.deduction.is_some() {
            0.0
        } else {
            ind.weight.unwrap_or(self.default_weight)
        }
    }

    /// True when no indicator overrides the default weight (equal weights).
    pub fn weights_are_default(&self) -> bool {
        self.indicators.iter().all(|i| i.weight.is_none())
    }

    /// Every unit reference with no department id, as (indicator number, unit name).
    pub fn unmapped_units(&self) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for ind in &self.indicators {
            for u in ind.lead.iter().chain(&ind.partners) {
                if u.id.is_none() {
                    out.push((ind.number, u.name.clone()));
                }
            }
        }
        out
    }

    /// Checks the pack's consistency; errors name the indicator and the field.
    pub fn validate(&self) -> Result<()> {
        let pack_err = |field: &str, message: String| Error::InvalidPack {
            field: field.to_string(),
            message,
        };
        if self.id.trim().is_empty() {
            return Err(pack_err("id", "must not be empty".into()));
        }
        if !(self.default_weight.is_finite() && self.default_weight > 0.0) {
            return Err(pack_err(
                "default_weight",
                format!("must be a positive number, got {}", self.default_weight),
            ));
        }
        if !(self.pass_line > 0.0 && self.pass_line <= 1.0) {
            return Err(pack_err(
                "pass_line",
                format!("must be in (0, 1], got {}", self.pass_line),
            ));
        }
        if let Some(aim) = self.aim {
            if !(aim > 0.0 && aim <= 1.0) {
                return Err(pack_err("aim", format!("must be in (0, 1], got {aim}")));
            }
        }
        if self.indicators.is_empty() {
            return Err(pack_err("indicators", "the pack has no indicators".into()));
        }
        let mut seen = BTreeSet::new();
        for ind in &self.indicators {
            if !seen.insert(ind.number) {
                return Err(Error::InvalidIndicator {
                    number: ind.number,
                    field: "number".into(),
                    message: "appears twice".into(),
                });
            }
            ind.validate()?;
        }
        if self
            .indicators
            .iter()
            .all(|i| i.deduction.is_some() || self.weight_of(i) == 0.0)
        {
            return Err(pack_err("indicators", "no indicator carries weight".into()));
        }
        Ok(())
    }
}

impl Indicator {
    fn validate(&self) -> Result<()> {
        let err = |field: &str, message: String| Error::InvalidIndicator {
            number: self.number,
            field: field.to_string(),
            message,
        };
        if self.number == 0 {
            return Err(err("number", "numbers start at 1".into()));
        }
        for (field, v) in [
            ("group", &self.group),
            ("name", &self.name),
            ("name_en", &self.name_en),
            ("definition", &self.definition),
            ("requirement", &self.requirement),
        ] {
            if v.trim().is_empty() {
                return Err(err(field, "must not be empty".into()));
            }
        }
        if let Some(w) = self.weight {
            if !(w.is_finite() && w >= 0.0) {
                return Err(err("weight", format!("must be a number ≥ 0, got {w}")));
            }
        }
        match &self.deduction {
            Some(d) => {
                if !self.targets.is_empty() || !self.parts.is_empty() {
                    return Err(err(
                        "deduction",
                        "a deduction item has no targets and no parts".into(),
                    ));
                }
                if self.weight.is_some() {
                    return Err(err("weight", "a deduction item carries no weight".into()));
                }
                if !(d.per_unit.is_finite() && d.per_unit > 0.0 && d.per_unit <= 1.0) {
                    return Err(err(
                        "deduction.per_unit",
                        format!("must be in (0, 1], got {}", d.per_unit),
                    ));
                }
            }
            None => {
                if self.targets.is_empty() {
                    return Err(err("targets", "no target at any star level".into()));
                }
            }
        }
        validate_targets(&self.targets, "targets", &err)?;
        validate_measure(&self.measure, "measure", &err)?;
        let mut keys = BTreeSet::new();
        for (i, p) in self.parts.iter().enumerate() {
            let at = format!("parts[{i}]");
            if p.key.trim().is_empty() || !keys.insert(p.key.as_str()) {
                return Err(err(
                    &format!("{at}.key"),
                    format!("empty or repeated key {:?}", p.key),
                ));
            }
            if p.targets.is_empty() {
                return Err(err(&format!("{at}.targets"), "no target".into()));
            }
            // Every star the main measure grades must grade the part too.
            for star in self.targets.keys() {
                if !p.targets.contains_key(star) {
                    return Err(err(
                        &format!("{at}.targets"),
                        format!("no target for star {star}, which the main measure has"),
                    ));
                }
            }
            validate_targets(&p.targets, &format!("{at}.targets"), &err)?;
            validate_measure(&p.measure, &format!("{at}.measure"), &err)?;
        }
        if self.lead.is_empty() {
            return Err(err("lead", "no responsible unit".into()));
        }
        for (i, u) in self.lead.iter().chain(&self.partners).enumerate() {
            if u.name.trim().is_empty() {
                return Err(err(&format!("units[{i}].name"), "must not be empty".into()));
            }
            if let Some(id) = &u.id {
                if id.trim().is_empty() {
                    return Err(err(
                        &format!("units[{i}].id"),
                        "empty id: write null".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The target of the main measure at `star`.
    pub fn target(&self, star: u8) -> Option<&Target> {
        self.targets.get(&star.to_string())
    }
}

fn validate_targets(
    targets: &BTreeMap<String, Target>,
    at: &str,
    err: &dyn Fn(&str, String) -> Error,
) -> Result<()> {
    for (star, t) in targets {
        let field = format!("{at}.{star}");
        match star.parse::<u8>() {
            Ok(1..=5) => {}
            _ => return Err(err(&field, "star levels are \"1\" to \"5\"".into())),
        }
        if !t.value.is_finite() {
            return Err(err(&format!("{field}.value"), "must be finite".into()));
        }
        if t.unit.trim().is_empty() {
            return Err(err(&format!("{field}.unit"), "must not be empty".into()));
        }
        if t.unit == "%" && !(0.0..=100.0).contains(&t.value) {
            return Err(err(
                &format!("{field}.value"),
                format!("a percentage must be 0–100, got {}", t.value),
            ));
        }
        if let Some(r) = t.refers_to_star {
            if !(1..=5).contains(&r) || !targets.contains_key(&r.to_string()) {
                return Err(err(
                    &format!("{field}.refers_to_star"),
                    format!("star {r} has no target here"),
                ));
            }
        }
    }
    Ok(())
}

fn validate_measure(m: &Measure, at: &str, err: &dyn Fn(&str, String) -> Error) -> Result<()> {
    if let Some(e) = m.expr() {
        e.validate()
            .map_err(|msg| err(&format!("{at}.expr{}", msg.0), msg.1))?;
    }
    Ok(())
}
