//! Scoring a pack: what each indicator measures ([`measure`]), whether it meets its target at
//! a star level, the completed weight against the pass line and the aim, the deduction items,
//! and which unmet indicators would lift the score soonest ([`Scorecard::what_if`]).
//!
//! Pure functions: the caller supplies the facts and the departments' submitted values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::expr::{Call, Eval, Facts};
use crate::pack::{Measure, Pack, PartKey, Target};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Auto,
    Submitted,
}

/// The value of one measure (an indicator's main measure or one of its parts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Observed {
    Value {
        value: f64,
        source: Source,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        provenance: Vec<Call>,
    },
    NoData {
        reason: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        provenance: Vec<Call>,
    },
}

impl Observed {
    pub fn value(&self) -> Option<f64> {
        match self {
            Observed::Value { value, .. } => Some(*value),
            Observed::NoData { .. } => None,
        }
    }

    pub fn submitted(value: f64) -> Observed {
        Observed::Value {
            value,
            source: Source::Submitted,
            provenance: Vec::new(),
        }
    }
}

/// Values keyed by (indicator number, part key; `None` = main measure).
pub type Observations = BTreeMap<(u32, PartKey), Observed>;

/// Values entered by departments, keyed like [`Observations`].
pub type Submissions = BTreeMap<(u32, PartKey), f64>;

/// Measures every indicator of the pack: auto formulas against `facts`, submitted values from
/// `submitted`, hybrid ones auto where the formula has data and submitted otherwise.
pub fn measure(pack: &Pack, facts: &dyn Facts, submitted: &Submissions) -> Observations {
    let mut out = Observations::new();
    for ind in &pack.indicators {
        let measures = std::iter::once((None, &ind.measure))
            .chain(ind.parts.iter().map(|p| (Some(p.key.clone()), &p.measure)));
        for (key, m) in measures {
            let sub = submitted.get(&(ind.number, key.clone())).copied();
            let obs = observe(m, facts, sub);
            out.insert((ind.number, key), obs);
        }
    }
    out
}

fn observe(m: &Measure, facts: &dyn Facts, submitted: Option<f64>) -> Observed {
    let from_submission = |reason: String, provenance: Vec<Call>| match submitted {
        Some(value) => Observed::Value {
            value,
            source: Source::Submitted,
            provenance,
        },
        None => Observed::NoData { reason, provenance },
    };
    match m {
        Measure::Submitted => from_submission("not submitted".into(), Vec::new()),
        Measure::Auto { expr } => match expr.eval(facts) {
            Eval::Value { value, provenance } => Observed::Value {
                value,
                source: Source::Auto,
                provenance,
            },
            Eval::NoData { reason, provenance } => Observed::NoData { reason, provenance },
        },
        Measure::Hybrid { expr } => match expr.eval(facts) {
            Eval::Value { value, provenance } => Observed::Value {
                value,
                source: Source::Auto,
                provenance,
            },
            Eval::NoData { reason, provenance } => {
                from_submission(format!("{reason}; not submitted"), provenance)
            }
        },
    }
}

/// An indicator's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    /// A measure has no value; counted as not met in the completed weight.
    NoData,
    /// The indicator has no target at the chosen star; counted as not met.
    NoTarget,
    /// A deduction item: scored by deduction, not by weight.
    Deduction,
}

/// One measure of an indicator against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartResult {
    /// `None`: the main measure.
    pub key: PartKey,
    pub value: Option<f64>,
    pub target: Option<Target>,
    pub met: Option<bool>,
    /// Relative distance to the target (0 when met).
    pub distance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub number: u32,
    pub name: String,
    pub leading: bool,
    pub weight: f64,
    pub status: Status,
    pub parts: Vec<PartResult>,
}

impl IndicatorResult {
    /// The largest distance among the measures; `None` when any has no value.
    pub fn distance(&self) -> Option<f64> {
        self.parts
            .iter()
            .map(|p| p.distance)
            .try_fold(0.0f64, |acc, d| d.map(|d| acc.max(d)))
    }
}

/// A step of the what-if list: meeting this indicator, after all those before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    pub number: u32,
    pub name: String,
    pub status: Status,
    pub weight: f64,
    /// Share of the total weight the indicator adds.
    pub gain: f64,
    /// Relative distance to its target; `None` when it has no data.
    pub distance: Option<f64>,
    /// Completed share once this and every step before it are met.
    pub completed_after: f64,
    pub reaches_pass: bool,
    pub reaches_aim: bool,
}

/// A pack's scorecard at one star level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub pack: String,
    pub star: u8,
    pub indicators: Vec<IndicatorResult>,
    pub default_weight: f64,
    /// No indicator overrides the default: the weights are equal.
    pub weights_are_default: bool,
    pub total_weight: f64,
    pub met_weight: f64,
    /// Share of deductions taken off (e.g. 0.04 for two incidents at 2 %).
    pub deduction: f64,
    /// `met_weight / total_weight - deduction`, not below 0.
    pub completed: f64,
    pub pass_line: f64,
    pub aim: Option<f64>,
    pub passed: bool,
    pub aim_reached: Option<bool>,
    /// Unmet indicators in the order that lifts the score soonest: by weight, then distance.
    pub what_if: Vec<WhatIf>,
    /// How many what-if steps reach the pass line (0 when already passed, `None` if never).
    pub steps_to_pass: Option<usize>,
    pub steps_to_aim: Option<usize>,
}

impl Scorecard {
    /// The status of indicator `number` (`NoTarget` if the pack has no such indicator).
    pub fn indicator_status(&self, number: u32) -> Status {
        self.indicators
            .iter()
            .find(|r| r.number == number)
            .map_or(Status::NoTarget, |r| r.status)
    }
}

/// Scores `pack` at `star` from the observations.
pub fn score(pack: &Pack, obs: &Observations, star: u8) -> Scorecard {
    let star_key = star.to_string();
    let mut indicators = Vec::with_capacity(pack.indicators.len());
    let mut deduction = 0.0;
    for ind in &pack.indicators {
        let weight = pack.weight_of(ind);
        if let Some(d) = &ind.deduction {
            let o = obs.get(&(ind.number, None));
            let value = o.and_then(Observed::value);
            // No report of incidents is no deduction; the status says so.
            deduction += d.per_unit * value.unwrap_or(0.0).max(0.0);
            indicators.push(IndicatorResult {
                number: ind.number,
                name: ind.name.clone(),
                leading: ind.leading,
                weight,
                status: Status::Deduction,
                parts: vec![PartResult {
                    key: None,
                    value,
                    target: None,
                    met: None,
                    distance: None,
                    reason: reason_of(o),
                }],
            });
            continue;
        }
        let measures = std::iter::once((None, ind.targets.get(&star_key)))
            .chain(
                ind.parts
                    .iter()
                    .map(|p| (Some(p.key.clone()), p.targets.get(&star_key))),
            )
            .collect::<Vec<_>>();
        let mut parts = Vec::new();
        let (mut any_no_target, mut any_no_data, mut any_unmet) = (false, false, false);
        for (key, target) in measures {
            let o = obs.get(&(ind.number, key.clone()));
            let value = o.and_then(Observed::value);
            let (met, distance) = match (target, value) {
                (Some(t), Some(v)) => (Some(t.is_met(v)), Some(t.distance(v))),
                _ => (None, None),
            };
            any_no_target |= target.is_none();
            any_no_data |= value.is_none();
            any_unmet |= met == Some(false);
            parts.push(PartResult {
                key,
                value,
                target: target.cloned(),
                met,
                distance,
                reason: if target.is_none() {
                    Some(format!("no target at {star} stars"))
                } else {
                    reason_of(o)
                },
            });
        }
        let status = if any_no_target {
            Status::NoTarget
        } else if any_unmet {
            Status::NotMet
        } else if any_no_data {
            Status::NoData
        } else {
            Status::Met
        };
        indicators.push(IndicatorResult {
            number: ind.number,
            name: ind.name.clone(),
            leading: ind.leading,
            weight,
            status,
            parts,
        });
    }

    let total_weight: f64 = indicators.iter().map(|r| r.weight).sum();
    let met_weight: f64 = indicators
        .iter()
        .filter(|r| r.status == Status::Met)
        .map(|r| r.weight)
        .sum();
    let share = |met: f64| {
        if total_weight > 0.0 {
            (met / total_weight - deduction).max(0.0)
        } else {
            0.0
        }
    };
    let completed = share(met_weight);
    // A float sum of equal weights can land a hair under the line: compare with a tolerance.
    let reaches = |c: f64, line: f64| c + 1e-9 >= line;

    let mut candidates: Vec<&IndicatorResult> = indicators
        .iter()
        .filter(|r| !matches!(r.status, Status::Met | Status::Deduction) && r.weight > 0.0)
        .collect();
    candidates.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| match (a.distance(), b.distance()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.number.cmp(&b.number))
    });
    let mut running = met_weight;
    let what_if: Vec<WhatIf> = candidates
        .into_iter()
        .map(|r| {
            running += r.weight;
            let after = share(running);
            WhatIf {
                number: r.number,
                name: r.name.clone(),
                status: r.status,
                weight: r.weight,
                gain: if total_weight > 0.0 {
                    r.weight / total_weight
                } else {
                    0.0
                },
                distance: r.distance(),
                completed_after: after,
                reaches_pass: reaches(after, pack.pass_line),
                reaches_aim: pack.aim.is_some_and(|a| reaches(after, a)),
            }
        })
        .collect();
    let steps_to = |line: f64, flag: fn(&WhatIf) -> bool| {
        if reaches(completed, line) {
            Some(0)
        } else {
            what_if.iter().position(flag).map(|i| i + 1)
        }
    };
    let steps_to_pass = steps_to(pack.pass_line, |w| w.reaches_pass);
    let steps_to_aim = pack.aim.and_then(|a| steps_to(a, |w| w.reaches_aim));

    Scorecard {
        pack: pack.id.clone(),
        star,
        default_weight: pack.default_weight,
        weights_are_default: pack.weights_are_default(),
        total_weight,
        met_weight,
        deduction,
        completed,
        pass_line: pack.pass_line,
        aim: pack.aim,
        passed: reaches(completed, pack.pass_line),
        aim_reached: pack.aim.map(|a| reaches(completed, a)),
        indicators,
        what_if,
        steps_to_pass,
        steps_to_aim,
    }
}

fn reason_of(o: Option<&Observed>) -> Option<String> {
    match o {
        None => Some("not measured".into()),
        Some(Observed::NoData { reason, .. }) => Some(reason.clone()),
        Some(Observed::Value { .. }) => None,
    }
}
