//! Rule definitions: what a rule says, in JSON, and the checks that make it evaluable.
//!
//! A rule has an identity (`id`, `version`), a `name` people read, a [`Severity`], a [`Scope`]
//! (one entity kind or one entity, optionally one department) and a [`Condition`]. Every
//! struct refuses unknown fields, so a misspelt `for_secods` is an error rather than a rule
//! that raises at once.
//!
//! ```
//! use zhicheng_rules::{Condition, Rule};
//!
//! let rule = Rule::from_json(r#"{
//!     "id": "pm25-high", "version": 1, "name": "PM2.5 持续超标", "severity": "major",
//!     "scope": {"kind": "air_station"},
//!     "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75,
//!                   "clear": 60, "for_seconds": 3600}
//! }"#).unwrap();
//! assert!(matches!(rule.condition, Condition::Threshold(_)));
//!
//! let err = Rule::from_json(r#"{
//!     "id": "pm25-high", "version": 1, "name": "PM2.5", "severity": "major",
//!     "scope": {"kind": "air_station"},
//!     "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "clear": 80}
//! }"#).unwrap_err();
//! assert!(err.to_string().contains("condition.clear"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The longest duration or window a rule may name: 366 days. Longer is a mistake (and keeps
/// every millisecond computation far from overflow).
pub const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// One rule, as stored and exchanged (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Identifier, unique in the deployment: 1–64 of letters, digits, `- _ . :`.
    pub id: String,
    /// Version, from 1; a changed definition must carry a higher version.
    pub version: u32,
    /// What people read in the alarm list, e.g. `PM2.5 持续超标`.
    pub name: String,
    /// The severity of the alarms the rule raises.
    pub severity: Severity,
    /// A disabled rule is kept but not evaluated (default: enabled).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// Which readings (or cases) the rule looks at.
    pub scope: Scope,
    /// When it raises and when it clears.
    pub condition: Condition,
    /// Open a case (work order) for each alarm it raises (the engine does; default: none, a
    /// person opens one with a click).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseTemplate>,
}

/// The case a rule opens for each alarm it raises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTemplate {
    /// The case category code (of the engine's category tree, e.g. `ENV-AIR`).
    pub category: String,
    /// `normal`, `urgent` or `emergency` (default: the category's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
}

fn enabled_by_default() -> bool {
    true
}

/// Alarm severity, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 特别严重: act now.
    Critical,
    /// 严重.
    Major,
    /// 一般.
    Minor,
    /// 提示: worth a look.
    Warning,
}

impl Severity {
    /// `critical`, `major`, `minor` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which entities a rule applies to.
///
/// Reading rules name exactly one of `kind` and `entity`; `case_count` rules name neither (they
/// count cases per grid). `department`, when given, limits the rule to readings whose entity
/// belongs to that department.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Every entity of this kind (a kind id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// This one entity (an entity id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Only entities of this department (a department id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// When a rule raises and clears. JSON: an object with `"type"` and the variant's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// A metric beyond a value, with hysteresis and minimum durations.
    Threshold(Threshold),
    /// A metric changing faster than a limit within a window.
    Rate(Rate),
    /// No reading (of any metric, or of one) for a while.
    Offline(Offline),
    /// An AQI at or above an HJ 633 level.
    Aqi(Aqi),
    /// A count against a capacity.
    Occupancy(Occupancy),
    /// Cases of one category in one grid within a window.
    CaseCount(CaseCount),
}

impl Condition {
    /// The condition's type as written in JSON (`threshold`, `rate`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Condition::Threshold(_) => "threshold",
            Condition::Rate(_) => "rate",
            Condition::Offline(_) => "offline",
            Condition::Aqi(_) => "aqi",
            Condition::Occupancy(_) => "occupancy",
            Condition::CaseCount(_) => "case_count",
        }
    }

    /// The metric the condition reads; `None` for `offline` without a metric and `case_count`.
    pub fn metric(&self) -> Option<&str> {
        match self {
            Condition::Threshold(c) => Some(&c.metric),
            Condition::Rate(c) => Some(&c.metric),
            Condition::Offline(c) => c.metric.as_deref(),
            Condition::Aqi(c) => Some(&c.metric),
            Condition::Occupancy(c) => Some(&c.metric),
            Condition::CaseCount(_) => None,
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Above.
    #[serde(rename = ">")]
    Gt,
    /// At or above.
    #[serde(rename = ">=")]
    Ge,
    /// Below.
    #[serde(rename = "<")]
    Lt,
    /// At or below.
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    /// `>`, `>=`, `<` or `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    /// Whether `x op value` holds.
    pub fn holds(self, x: f64, value: f64) -> bool {
        match self {
            Op::Gt => x > value,
            Op::Ge => x >= value,
            Op::Lt => x < value,
            Op::Le => x <= value,
        }
    }

    /// True for `>` and `>=`: high values are the bad ones.
    pub fn upward(self) -> bool {
        matches!(self, Op::Gt | Op::Ge)
    }
}

/// `metric op value`, raised once it has held for `for_seconds`, cleared once the value is on
/// the safe side of `clear` for `clear_for_seconds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The metric compared.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The limit.
    pub value: f64,
    /// Hysteresis: the alarm clears only when the value is below `clear` (for `>`/`>=`) or
    /// above it (for `<`/`<=`); must be on the safe side of `value` (or equal). Without it the
    /// alarm clears as soon as the condition no longer holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear: Option<f64>,
    /// Minimum duration before raising; 0 raises on the first reading that holds.
    #[serde(default)]
    pub for_seconds: u64,
    /// Minimum duration of the clear condition before clearing (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_for_seconds: Option<u64>,
}

/// Which way of change a [`Rate`] rule watches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A rise: the reading against the lowest value of the window.
    Rise,
    /// A fall: the highest value of the window against the reading.
    Fall,
    /// Either (the default).
    #[default]
    Any,
}

/// The metric moved by more than a limit within `window_seconds`: a rise is the reading minus
/// the lowest value of the window, a fall the highest value minus the reading. Exactly one of
/// `limit` (in the metric's unit) and `limit_percent` (of that lowest or highest value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// The metric watched.
    pub metric: String,
    /// Rise, fall or either.
    #[serde(default)]
    pub direction: Direction,
    /// Absolute change that raises when exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Relative change in per cent that raises when exceeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_percent: Option<f64>,
    /// The window, in seconds.
    pub window_seconds: u64,
    /// Minimum duration of the excess before raising (default 0).
    #[serde(default)]
    pub for_seconds: u64,
    /// Minimum duration back within the limit before clearing (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_for_seconds: Option<u64>,
}

/// No reading for `after_seconds`: of any metric, or of `metric`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {
    /// Only readings of this metric count as signs of life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Silence that raises, in seconds.
    pub after_seconds: u64,
}

/// The AQI level (HJ 633: 1 优 … 6 严重污染) of `metric` at or above `level`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aqi {
    /// The metric carrying the AQI (default `aqi`).
    #[serde(default = "aqi_metric")]
    pub metric: String,
    /// The level that raises, 2–6 (level 1 always holds).
    pub level: u8,
    /// The alarm clears at this level or better; default one level of hysteresis: `level − 2`
    /// (at least 1), so an alarm raised at 4 (中度污染) stays through 3 and clears at 2 (良).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_level: Option<u8>,
    /// Minimum duration before raising (default 0).
    #[serde(default)]
    pub for_seconds: u64,
    /// Minimum duration at the clear level before clearing (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_for_seconds: Option<u64>,
}

fn aqi_metric() -> String {
    "aqi".to_owned()
}

/// Where an [`Occupancy`] rule finds the capacity: exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// The name of a numeric attribute of the entity, e.g. `capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// A fixed capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// `metric ÷ capacity ≥ ratio`, cleared below `clear_ratio`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Occupancy {
    /// The count, e.g. `visitors` or `occupied`.
    pub metric: String,
    /// The capacity.
    pub capacity: Capacity,
    /// The ratio that raises, e.g. 0.9.
    pub ratio: f64,
    /// The alarm clears below this ratio (default `ratio`); at most `ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_ratio: Option<f64>,
    /// Minimum duration before raising (default 0).
    #[serde(default)]
    pub for_seconds: u64,
    /// Minimum duration below `clear_ratio` before clearing (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_for_seconds: Option<u64>,
}

/// At least `at_least` cases of `category` in one grid within `within_seconds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseCount {
    /// The case category.
    pub category: String,
    /// The sliding window, in seconds.
    pub within_seconds: u64,
    /// How many cases raise (at least 1).
    pub at_least: u32,
}

impl Rule {
    /// Parses one rule from JSON and validates it.
    pub fn from_json(json: &str) -> Result<Rule> {
        let rule: Rule = serde_json::from_str(json).map_err(Error::from_json)?;
        rule.validate()?;
        Ok(rule)
    }

    /// Parses a JSON array of rules and validates each (ids must be unique).
    pub fn list_from_json(json: &str) -> Result<Vec<Rule>> {
        let rules: Vec<Rule> = serde_json::from_str(json).map_err(Error::from_json)?;
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            r.validate()?;
            if !seen.insert(r.id.as_str()) {
                return Err(Error::DuplicateRule { rule: r.id.clone() });
            }
        }
        Ok(rules)
    }

    /// Checks every field; the error names the first wrong one (`condition.clear`, …).
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| Error::Invalid {
            rule: self.id.clone(),
            field: field.to_owned(),
            message,
        };
        check_ident(&self.id).map_err(|m| bad("id", m))?;
        if self.version == 0 {
            return Err(bad("version", "must be 1 or more".into()));
        }
        if self.name.trim().is_empty() {
            return Err(bad("name", "must not be empty".into()));
        }
        if self.name.chars().count() > 200 {
            return Err(bad("name", "at most 200 characters".into()));
        }
        for (field, v) in [
            ("scope.kind", &self.scope.kind),
            ("scope.entity", &self.scope.entity),
            ("scope.department", &self.scope.department),
        ] {
            if let Some(v) = v {
                check_ident(v).map_err(|m| bad(field, m))?;
            }
        }
        if let Some(c) = &self.case {
            if c.category.trim().is_empty() || c.category.chars().count() > 64 {
                return Err(bad("case.category", "1 to 64 characters".into()));
            }
            if let Some(u) = c.urgency.as_deref() {
                if !["normal", "urgent", "emergency"].contains(&u) {
                    return Err(bad("case.urgency", "normal, urgent or emergency".into()));
                }
            }
        }
        let is_case = matches!(self.condition, Condition::CaseCount(_));
        match (&self.scope.kind, &self.scope.entity, is_case) {
            (Some(_), Some(_), false) => {
                return Err(bad(
                    "scope",
                    "name either `kind` or `entity`, not both".into(),
                ))
            }
            (None, None, false) => {
                return Err(bad("scope", "name a `kind` or an `entity`".into()));
            }
            (Some(_), _, true) | (_, Some(_), true) => {
                return Err(bad(
                    "scope",
                    "a case_count rule counts cases per grid: it names no `kind` or `entity`"
                        .into(),
                ));
            }
            _ => {}
        }
        let seconds = |field: &str, s: u64, zero_ok: bool| -> Result<()> {
            if s == 0 && !zero_ok {
                return Err(bad(field, "must be more than 0".into()));
            }
            if s > MAX_SECONDS {
                return Err(bad(
                    field,
                    format!("at most {MAX_SECONDS} seconds (366 days)"),
                ));
            }
            Ok(())
        };
        let finite = |field: &str, v: f64| -> Result<()> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(bad(field, "must be a finite number".into()))
            }
        };
        if let Some(m) = self.condition.metric() {
            check_ident(m).map_err(|e| bad("condition.metric", e))?;
        }
        match &self.condition {
            Condition::Threshold(t) => {
                finite("condition.value", t.value)?;
                if let Some(c) = t.clear {
                    finite("condition.clear", c)?;
                    if t.op.upward() && c > t.value {
                        return Err(bad(
                            "condition.clear",
                            format!(
                                "must be at or below value ({}) for `{}`: the alarm clears below it",
                                t.value,
                                t.op.symbol()
                            ),
                        ));
                    }
                    if !t.op.upward() && c < t.value {
                        return Err(bad(
                            "condition.clear",
                            format!(
                                "must be at or above value ({}) for `{}`: the alarm clears above it",
                                t.value,
                                t.op.symbol()
                            ),
                        ));
                    }
                }
                seconds("condition.for_seconds", t.for_seconds, true)?;
                if let Some(s) = t.clear_for_seconds {
                    seconds("condition.clear_for_seconds", s, true)?;
                }
            }
            Condition::Rate(r) => {
                match (r.limit, r.limit_percent) {
                    (Some(_), Some(_)) => {
                        return Err(bad(
                            "condition.limit",
                            "give `limit` or `limit_percent`, not both".into(),
                        ))
                    }
                    (None, None) => {
                        return Err(bad(
                            "condition.limit",
                            "give `limit` (absolute) or `limit_percent`".into(),
                        ))
                    }
                    (Some(l), None) => {
                        finite("condition.limit", l)?;
                        if l <= 0.0 {
                            return Err(bad("condition.limit", "must be more than 0".into()));
                        }
                    }
                    (None, Some(p)) => {
                        finite("condition.limit_percent", p)?;
                        if p <= 0.0 {
                            return Err(bad(
                                "condition.limit_percent",
                                "must be more than 0".into(),
                            ));
                        }
                    }
                }
                seconds("condition.window_seconds", r.window_seconds, false)?;
                seconds("condition.for_seconds", r.for_seconds, true)?;
                if let Some(s) = r.clear_for_seconds {
                    seconds("condition.clear_for_seconds", s, true)?;
                }
            }
            Condition::Offline(o) => {
                seconds("condition.after_seconds", o.after_seconds, false)?;
            }
            Condition::Aqi(a) => {
                if !(2..=6).contains(&a.level) {
                    return Err(bad(
                        "condition.level",
                        "must be 2 to 6 (HJ 633 levels; level 1, 优, always holds)".into(),
                    ));
                }
                if let Some(c) = a.clear_level {
                    if c < 1 || c >= a.level {
                        return Err(bad(
                            "condition.clear_level",
                            format!("must be 1 to {} (below level)", a.level - 1),
                        ));
                    }
                }
                seconds("condition.for_seconds", a.for_seconds, true)?;
                if let Some(s) = a.clear_for_seconds {
                    seconds("condition.clear_for_seconds", s, true)?;
                }
            }
            Condition::Occupancy(o) => {
                match (&o.capacity.attribute, o.capacity.value) {
                    (Some(_), Some(_)) => {
                        return Err(bad(
                            "condition.capacity",
                            "give `attribute` or `value`, not both".into(),
                        ))
                    }
                    (None, None) => {
                        return Err(bad(
                            "condition.capacity",
                            "give `attribute` (the entity's) or a fixed `value`".into(),
                        ))
                    }
                    (Some(a), None) => {
                        check_ident(a).map_err(|m| bad("condition.capacity.attribute", m))?
                    }
                    (None, Some(v)) => {
                        finite("condition.capacity.value", v)?;
                        if v <= 0.0 {
                            return Err(bad(
                                "condition.capacity.value",
                                "must be more than 0".into(),
                            ));
                        }
                    }
                }
                finite("condition.ratio", o.ratio)?;
                if o.ratio <= 0.0 {
                    return Err(bad("condition.ratio", "must be more than 0".into()));
                }
                if let Some(c) = o.clear_ratio {
                    finite("condition.clear_ratio", c)?;
                    if c < 0.0 || c > o.ratio {
                        return Err(bad(
                            "condition.clear_ratio",
                            format!(
                                "must be 0 to ratio ({}): the alarm clears below it",
                                o.ratio
                            ),
                        ));
                    }
                }
                seconds("condition.for_seconds", o.for_seconds, true)?;
                if let Some(s) = o.clear_for_seconds {
                    seconds("condition.clear_for_seconds", s, true)?;
                }
            }
            Condition::CaseCount(c) => {
                check_ident(&c.category).map_err(|m| bad("condition.category", m))?;
                seconds("condition.within_seconds", c.within_seconds, false)?;
                if c.at_least == 0 {
                    return Err(bad("condition.at_least", "must be 1 or more".into()));
                }
            }
        }
        Ok(())
    }
}

/// The platform's identifier rule (the same as `zhicheng-model`'s): 1–64 of letters, digits,
/// `- _ . :`.
fn check_ident(id: &str) -> std::result::Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(format!(
            "character {c:?} not allowed (use letters, digits, - _ . :)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_with(condition: &str, scope: &str) -> String {
        format!(
            r#"{{"id": "r1", "version": 1, "name": "test", "severity": "minor",
                "scope": {scope}, "condition": {condition}}}"#
        )
    }

    fn field_of(json: &str) -> String {
        match Rule::from_json(json) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_rule_of_each_type_parses() {
        let kind = r#"{"kind": "air_station"}"#;
        for c in [
            r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "clear": 60, "for_seconds": 3600, "clear_for_seconds": 600}"#,
            r#"{"type": "rate", "metric": "level", "direction": "rise", "limit": 0.5, "window_seconds": 600}"#,
            r#"{"type": "rate", "metric": "level", "limit_percent": 20, "window_seconds": 600}"#,
            r#"{"type": "offline", "after_seconds": 900}"#,
            r#"{"type": "offline", "metric": "pm25", "after_seconds": 900}"#,
            r#"{"type": "aqi", "level": 4}"#,
            r#"{"type": "occupancy", "metric": "visitors", "capacity": {"attribute": "capacity"}, "ratio": 0.9, "clear_ratio": 0.8}"#,
        ] {
            let r = Rule::from_json(&rule_with(c, kind)).unwrap_or_else(|e| panic!("{c}: {e}"));
            assert!(r.enabled);
        }
        let r = Rule::from_json(&rule_with(
            r#"{"type": "case_count", "category": "garbage", "within_seconds": 86400, "at_least": 3}"#,
            "{}",
        ))
        .unwrap();
        assert_eq!(r.condition.type_name(), "case_count");
        // Round trip: what we write we read back.
        let back = Rule::from_json(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn validation_errors_name_the_field() {
        let kind = r#"{"kind": "air_station"}"#;
        let cases = [
            (
                rule_with(
                    r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "clear": 80}"#,
                    kind,
                ),
                "condition.clear",
            ),
            (
                rule_with(
                    r#"{"type": "threshold", "metric": "t", "op": "<", "value": 0, "clear": -5}"#,
                    kind,
                ),
                "condition.clear",
            ),
            (
                rule_with(
                    r#"{"type": "threshold", "metric": "pm 25", "op": ">", "value": 75}"#,
                    kind,
                ),
                "condition.metric",
            ),
            (
                rule_with(
                    r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "for_seconds": 99999999}"#,
                    kind,
                ),
                "condition.for_seconds",
            ),
            (
                rule_with(
                    r#"{"type": "rate", "metric": "l", "window_seconds": 60}"#,
                    kind,
                ),
                "condition.limit",
            ),
            (
                rule_with(
                    r#"{"type": "rate", "metric": "l", "limit": 1, "limit_percent": 5, "window_seconds": 60}"#,
                    kind,
                ),
                "condition.limit",
            ),
            (
                rule_with(
                    r#"{"type": "rate", "metric": "l", "limit": 1, "window_seconds": 0}"#,
                    kind,
                ),
                "condition.window_seconds",
            ),
            (
                rule_with(r#"{"type": "offline", "after_seconds": 0}"#, kind),
                "condition.after_seconds",
            ),
            (
                rule_with(r#"{"type": "aqi", "level": 1}"#, kind),
                "condition.level",
            ),
            (
                rule_with(r#"{"type": "aqi", "level": 7}"#, kind),
                "condition.level",
            ),
            (
                rule_with(r#"{"type": "aqi", "level": 4, "clear_level": 4}"#, kind),
                "condition.clear_level",
            ),
            (
                rule_with(
                    r#"{"type": "occupancy", "metric": "v", "capacity": {}, "ratio": 0.9}"#,
                    kind,
                ),
                "condition.capacity",
            ),
            (
                rule_with(
                    r#"{"type": "occupancy", "metric": "v", "capacity": {"value": 0}, "ratio": 0.9}"#,
                    kind,
                ),
                "condition.capacity.value",
            ),
            (
                rule_with(
                    r#"{"type": "occupancy", "metric": "v", "capacity": {"value": 10}, "ratio": 0.9, "clear_ratio": 0.95}"#,
                    kind,
                ),
                "condition.clear_ratio",
            ),
            (
                rule_with(
                    r#"{"type": "case_count", "category": "g", "within_seconds": 60, "at_least": 0}"#,
                    "{}",
                ),
                "condition.at_least",
            ),
            (
                rule_with(
                    r#"{"type": "case_count", "category": "g", "within_seconds": 60, "at_least": 3}"#,
                    kind,
                ),
                "scope",
            ),
            (
                rule_with(r#"{"type": "offline", "after_seconds": 60}"#, "{}"),
                "scope",
            ),
            (
                rule_with(
                    r#"{"type": "offline", "after_seconds": 60}"#,
                    r#"{"kind": "a", "entity": "b"}"#,
                ),
                "scope",
            ),
            (
                rule_with(
                    r#"{"type": "offline", "after_seconds": 60}"#,
                    r#"{"kind": "a", "department": "x y"}"#,
                ),
                "scope.department",
            ),
        ];
        for (json, field) in cases {
            assert_eq!(field_of(&json), field, "{json}");
        }
        let zero_version = r#"{"id": "r", "version": 0, "name": "n", "severity": "minor",
            "scope": {"kind": "k"}, "condition": {"type": "offline", "after_seconds": 60}}"#;
        assert_eq!(field_of(zero_version), "version");
        let bad_id = r#"{"id": "r 1", "version": 1, "name": "n", "severity": "minor",
            "scope": {"kind": "k"}, "condition": {"type": "offline", "after_seconds": 60}}"#;
        assert_eq!(field_of(bad_id), "id");
        let no_name = r#"{"id": "r", "version": 1, "name": " ", "severity": "minor",
            "scope": {"kind": "k"}, "condition": {"type": "offline", "after_seconds": 60}}"#;
        assert_eq!(field_of(no_name), "name");
    }

    #[test]
    fn unknown_fields_and_types_are_refused_with_a_position() {
        let kind = r#"{"kind": "air_station"}"#;
        for json in [
            rule_with(
                r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "for_secods": 60}"#,
                kind,
            ),
            rule_with(
                r#"{"type": "threshold", "metric": "pm25", "op": "!=", "value": 75}"#,
                kind,
            ),
            rule_with(r#"{"type": "median", "metric": "pm25"}"#, kind),
            rule_with(
                r#"{"type": "offline", "after_seconds": 60}"#,
                r#"{"kind": "a", "grid": "g"}"#,
            ),
            r#"{"id": "r", "version": 1, "name": "n", "severity": "fatal", "scope": {"kind": "k"},
                "condition": {"type": "offline", "after_seconds": 60}}"#
                .to_owned(),
        ] {
            match Rule::from_json(&json) {
                Err(Error::Parse { line, .. }) => assert!(line >= 1),
                other => panic!("{json}: expected a parse error, got {other:?}"),
            }
        }
        let e = Rule::from_json(&rule_with(
            r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "for_secods": 60}"#,
            kind,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("for_secods"), "{e}");
    }

    #[test]
    fn a_list_refuses_duplicate_ids() {
        let one = rule_with(
            r#"{"type": "offline", "after_seconds": 60}"#,
            r#"{"kind": "k"}"#,
        );
        let list = format!("[{one}, {one}]");
        assert!(matches!(
            Rule::list_from_json(&list),
            Err(Error::DuplicateRule { rule }) if rule == "r1"
        ));
        assert_eq!(Rule::list_from_json(&format!("[{one}]")).unwrap().len(), 1);
    }
}
