//! Acoustic environment quality by GB 3096-2008 (声环境质量标准): limits of the equivalent
//! continuous A-weighted level L_Aeq by zone class and period, exceedances, and the night-time
//! sudden-noise (L_max) rule.
//!
//! ```
//! use zhicheng_envstd::noise::{assess_at, NoiseRules, ZoneClass};
//! use time::macros::time;
//! let a = assess_at(ZoneClass::Class1, time!(23:30), 48.3, Some(62.0), &NoiseRules::default());
//! assert_eq!(a.limit_db, 45);
//! assert_eq!(a.exceedance_db, 3.3);
//! assert_eq!(a.lmax_limit_db, Some(60)); // night: L_max ≤ limit + 15
//! assert!(a.lmax_exceeds);
//! ```

use std::fmt;
use std::str::FromStr;

use time::Time;

/// Functional zone class (声环境功能区类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZoneClass {
    /// Class 0: convalescent / sanatorium areas needing special quiet. 50 / 40.
    Class0,
    /// Class 1: mainly residential, medical, education, research, administration. 55 / 45.
    Class1,
    /// Class 2: commercial, finance, markets, or mixed residential-commercial-industrial. 60 / 50.
    Class2,
    /// Class 3: industrial production, warehousing and logistics. 65 / 55.
    Class3,
    /// Class 4a: both sides of expressways, class-1/2 highways, urban expressways, arterials and
    /// sub-arterials, surface urban rail, inland waterways. 70 / 55.
    Class4a,
    /// Class 4b: both sides of railway trunk lines. 70 / 60 (see [`Railway4b`]).
    Class4b,
}

impl ZoneClass {
    /// All six classes.
    pub const ALL: [ZoneClass; 6] = [
        ZoneClass::Class0,
        ZoneClass::Class1,
        ZoneClass::Class2,
        ZoneClass::Class3,
        ZoneClass::Class4a,
        ZoneClass::Class4b,
    ];

    /// The label used in the standard: `0`, `1`, `2`, `3`, `4a`, `4b`.
    pub fn label(self) -> &'static str {
        ["0", "1", "2", "3", "4a", "4b"][self as usize]
    }
}

impl fmt::Display for ZoneClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A zone class label that is not one of `0`, `1`, `2`, `3`, `4a`, `4b`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown GB 3096 zone class {0:?} (expected 0, 1, 2, 3, 4a or 4b)")]
pub struct UnknownZoneClass(pub String);

impl FromStr for ZoneClass {
    type Err = UnknownZoneClass;

    /// Accepts `0`–`3`, `4a`, `4b` (any case), optionally followed by `类`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t.strip_suffix('类').unwrap_or(t);
        Ok(match t.to_ascii_lowercase().as_str() {
            "0" => ZoneClass::Class0,
            "1" => ZoneClass::Class1,
            "2" => ZoneClass::Class2,
            "3" => ZoneClass::Class3,
            "4a" => ZoneClass::Class4a,
            "4b" => ZoneClass::Class4b,
            _ => return Err(UnknownZoneClass(s.to_string())),
        })
    }
}

/// Day (昼间) or night (夜间).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// 昼间, 06:00–22:00 by default.
    Day,
    /// 夜间, 22:00–06:00 by default.
    Night,
}

/// Where day ends and night begins. GB 3096 sets 06:00–22:00 as day and lets county-level or
/// higher governments set other hours locally (e.g. 07:00–23:00 in summer); build those with
/// [`DayNight::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DayNight {
    day_start: Time,
    night_start: Time,
}

/// Day and night boundaries that are the same instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("day start and night start must differ")]
pub struct EmptyPeriod;

impl Default for DayNight {
    fn default() -> Self {
        DayNight {
            day_start: Time::from_hms(6, 0, 0).unwrap_or(Time::MIDNIGHT),
            night_start: Time::from_hms(22, 0, 0).unwrap_or(Time::MIDNIGHT),
        }
    }
}

impl DayNight {
    /// Day from `day_start` (inclusive) to `night_start` (exclusive), night the rest. Either may
    /// be the earlier time of day.
    pub fn new(day_start: Time, night_start: Time) -> Result<Self, EmptyPeriod> {
        if day_start == night_start {
            return Err(EmptyPeriod);
        }
        Ok(DayNight {
            day_start,
            night_start,
        })
    }

    /// When day starts.
    pub fn day_start(&self) -> Time {
        self.day_start
    }

    /// When night starts.
    pub fn night_start(&self) -> Time {
        self.night_start
    }

    /// The period a local time of day falls in.
    pub fn period_at(&self, t: Time) -> Period {
        let in_day = if self.day_start < self.night_start {
            t >= self.day_start && t < self.night_start
        } else {
            t >= self.day_start || t < self.night_start
        };
        if in_day {
            Period::Day
        } else {
            Period::Night
        }
    }
}

/// Which limits apply in a class 4b zone.
///
/// GB 3096 gives 70 / 60 for 4b, applicable to new railway trunk lines whose EIA was approved
/// from 2011-01-01. For existing trunk lines through urban areas (and their rebuilds), the
/// background noise when no train is passing is assessed against 70 / 55. The standards file
/// marks that wording as recalled from memory (uncertain); the choice is left to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Railway4b {
    /// The table's 70 day / 60 night (new lines).
    #[default]
    NewLine,
    /// 70 day / 55 night: background noise without a passing train beside an existing line.
    ExistingLineBackground,
}

/// Local settings for noise assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NoiseRules {
    /// Day and night hours.
    pub day_night: DayNight,
    /// Class 4b variant.
    pub railway_4b: Railway4b,
}

/// The L_Aeq limit in dB(A).
pub fn limit(zone: ZoneClass, period: Period, rules: &NoiseRules) -> u8 {
    use Period::*;
    use ZoneClass::*;
    match (zone, period) {
        (Class0, Day) => 50,
        (Class0, Night) => 40,
        (Class1, Day) => 55,
        (Class1, Night) => 45,
        (Class2, Day) => 60,
        (Class2, Night) => 50,
        (Class3, Day) => 65,
        (Class3, Night) => 55,
        (Class4a, Day) => 70,
        (Class4a, Night) => 55,
        (Class4b, Day) => 70,
        (Class4b, Night) => match rules.railway_4b {
            Railway4b::NewLine => 60,
            Railway4b::ExistingLineBackground => 55,
        },
    }
}

/// Night-time sudden noise: L_max may exceed the limit by at most this many dB(A).
pub const NIGHT_LMAX_MARGIN_DB: u8 = 15;

/// The result of comparing a measurement with its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseAssessment {
    /// The zone class.
    pub zone: ZoneClass,
    /// Day or night.
    pub period: Period,
    /// The L_Aeq limit, dB(A).
    pub limit_db: u8,
    /// The measured L_Aeq rounded to 0.1 dB.
    pub laeq_db: f64,
    /// How far L_Aeq is above the limit, to 0.1 dB; 0 when within.
    pub exceedance_db: f64,
    /// L_Aeq above the limit.
    pub exceeds: bool,
    /// At night, the L_max limit (limit + 15); `None` by day.
    pub lmax_limit_db: Option<u8>,
    /// At night with an L_max given, how far it is above its limit, to 0.1 dB (0 when within).
    pub lmax_exceedance_db: Option<f64>,
    /// L_max above its night limit.
    pub lmax_exceeds: bool,
}

/// Tenths of a dB; NaN becomes 0 and infinities saturate (float-to-int casts saturate).
fn tenths(v: f64) -> i64 {
    (v * 10.0).round() as i64
}

/// Assesses one measurement in a known period. Levels are rounded to 0.1 dB first, as
/// monitoring reports them, so the comparison is made on tenths and is exact.
pub fn assess(
    zone: ZoneClass,
    period: Period,
    laeq_db: f64,
    lmax_db: Option<f64>,
    rules: &NoiseRules,
) -> NoiseAssessment {
    let lim = limit(zone, period, rules);
    let l = tenths(laeq_db);
    let over = l.saturating_sub(i64::from(lim) * 10).max(0);
    let lmax_limit_db = (period == Period::Night).then_some(lim + NIGHT_LMAX_MARGIN_DB);
    let lmax_over = match (lmax_limit_db, lmax_db) {
        (Some(ml), Some(m)) => Some(tenths(m).saturating_sub(i64::from(ml) * 10).max(0)),
        _ => None,
    };
    NoiseAssessment {
        zone,
        period,
        limit_db: lim,
        laeq_db: l as f64 / 10.0,
        exceedance_db: over as f64 / 10.0,
        exceeds: over > 0,
        lmax_limit_db,
        lmax_exceedance_db: lmax_over.map(|o| o as f64 / 10.0),
        lmax_exceeds: lmax_over.is_some_and(|o| o > 0),
    }
}

/// Assesses a measurement taken at local time `t` (China Standard Time), the period coming from
/// `rules.day_night`.
pub fn assess_at(
    zone: ZoneClass,
    t: Time,
    laeq_db: f64,
    lmax_db: Option<f64>,
    rules: &NoiseRules,
) -> NoiseAssessment {
    assess(zone, rules.day_night.period_at(t), laeq_db, lmax_db, rules)
}
