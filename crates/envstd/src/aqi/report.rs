//! Daily (日报) and real-time (实时报) reports.

use super::table::{iaqi, IaqiError, IaqiNote, SubIndex};
use super::{Edition, Indicator, Level, Pollutant};
use crate::Decimal;

/// One indicator's input, telling a missing value from one the monitoring plan does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Measurement {
    /// A valid concentration in the pollutant's unit.
    Value(Decimal),
    /// Missing or invalid (shown as `NA`). Triggers the 2026 missing-data rule.
    #[default]
    Missing,
    /// Not in the monitoring plan (shown as `/`). The caller asserts HJ 633-2026 §5.3.2 holds
    /// (the pollutant has not been primary at light pollution or worse for 3 consecutive years),
    /// so the report is published as normal from the other pollutants.
    NotCovered,
}

impl From<Decimal> for Measurement {
    fn from(v: Decimal) -> Self {
        Measurement::Value(v)
    }
}

impl From<Option<Decimal>> for Measurement {
    fn from(v: Option<Decimal>) -> Self {
        v.map_or(Measurement::Missing, Measurement::Value)
    }
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// 日报: the natural day.
    Daily,
    /// 实时报: one hour.
    Hourly,
}

/// Inputs of a daily report.
///
/// 2026 uses SO2, NO2, CO, PM10, PM2.5 daily averages and the O3 daily maximum 8-hour average
/// (6 indicators); 2012 adds the O3 daily maximum 1-hour average (7 indicators). `o3_1h` is
/// ignored in 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyData {
    /// SO2 daily average, µg/m³.
    pub so2: Measurement,
    /// NO2 daily average, µg/m³.
    pub no2: Measurement,
    /// CO daily average, mg/m³.
    pub co: Measurement,
    /// PM10 daily average, µg/m³.
    pub pm10: Measurement,
    /// PM2.5 daily average, µg/m³.
    pub pm25: Measurement,
    /// O3 daily maximum 8-hour moving average, µg/m³.
    pub o3_8h: Measurement,
    /// O3 daily maximum 1-hour average, µg/m³ (2012 only).
    pub o3_1h: Measurement,
}

/// Inputs of a real-time (hourly) report.
///
/// 2026: the 1-hour averages of SO2, NO2, CO, O3, PM10 and PM2.5 (6 indicators; PM uses the
/// daily breakpoints); the other fields are ignored.
///
/// 2012: the 1-hour averages of SO2, NO2, CO and O3, the O3 8-hour moving average and the
/// PM10/PM2.5 24-hour moving averages give the IAQIs; the PM 1-hour averages are published as
/// concentrations only. `so2_24h` is read only when the SO2 1-hour average is above 800
/// (footnote 2: the SO2 IAQI then comes from the 24-hour average).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourlyData {
    /// SO2 1-hour average, µg/m³.
    pub so2: Measurement,
    /// NO2 1-hour average, µg/m³.
    pub no2: Measurement,
    /// CO 1-hour average, mg/m³.
    pub co: Measurement,
    /// O3 1-hour average, µg/m³.
    pub o3: Measurement,
    /// PM10 1-hour average, µg/m³.
    pub pm10: Measurement,
    /// PM2.5 1-hour average, µg/m³.
    pub pm25: Measurement,
    /// O3 8-hour moving average, µg/m³ (2012 only).
    pub o3_8h: Measurement,
    /// PM10 24-hour moving average, µg/m³ (2012 only).
    pub pm10_24h: Measurement,
    /// PM2.5 24-hour moving average, µg/m³ (2012 only).
    pub pm25_24h: Measurement,
    /// SO2 24-hour moving average, µg/m³ (2012 only, used when SO2 1 h > 800).
    pub so2_24h: Measurement,
}

/// Why an indicator row has no IAQI, or how it got one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemNote {
    /// Missing or invalid input (`NA`).
    Missing,
    /// Not in the monitoring plan (`/`).
    NotCovered,
    /// A footnote forbids this IAQI (2012 >800 rules); another indicator stands in.
    NotComputed(IaqiError),
    /// Published as a concentration only (2012 real-time PM 1-hour averages).
    ConcentrationOnly,
    /// Included only as the stand-in demanded by a footnote (2012: SO2 24-hour for SO2 1 h > 800).
    StandIn,
}

/// One row of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndicatorReport {
    /// The indicator.
    pub indicator: Indicator,
    /// The input as given.
    pub measurement: Measurement,
    /// The concentration as published: rounded per GB/T 8170 (integers; CO one decimal).
    pub concentration: Option<Decimal>,
    /// The IAQI, when one is computed.
    pub iaqi: Option<SubIndex>,
    /// Why there is no IAQI, or how it came about.
    pub note: Option<ItemNote>,
}

/// An AQI report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AqiReport {
    /// The edition applied.
    pub edition: Edition,
    /// Daily or real-time.
    pub kind: ReportKind,
    /// The indicator rows, in the standard's order.
    pub items: Vec<IndicatorReport>,
    /// The AQI; `None` is published as `NA` (no data, or the 2026 missing-data rule).
    pub aqi: Option<u16>,
    /// The maximum of the IAQIs that could be computed, even when `aqi` is withheld.
    pub partial_aqi: Option<u16>,
    /// Primary pollutants (首要污染物), all of those tied at the AQI; empty when AQI ≤ 50 or `NA`.
    pub primary: Vec<Pollutant>,
    /// The level; `None` when the AQI is `NA`.
    pub level: Option<Level>,
    /// Indicators of this report that are missing, invalid or could not be computed with no
    /// stand-in.
    pub missing: Vec<Indicator>,
    /// HJ 633-2012 non-attainment pollutants (超标污染物, IAQI > 100); always empty in 2026,
    /// which deleted the definition.
    pub non_attainment: Vec<Pollutant>,
}

impl AqiReport {
    /// The AQI as published: the number, or `NA`.
    pub fn aqi_text(&self) -> String {
        self.aqi.map_or_else(|| "NA".to_string(), |a| a.to_string())
    }

    /// Primary pollutants as published: `NA`, `—` (none, AQI ≤ 50), or symbols joined by `、`.
    pub fn primary_text(&self) -> String {
        if self.aqi.is_none() {
            "NA".to_string()
        } else if self.primary.is_empty() {
            "—".to_string()
        } else {
            let v: Vec<&str> = self.primary.iter().map(|p| p.symbol()).collect();
            v.join("、")
        }
    }

    /// The category in Chinese, `NA` when the AQI is.
    pub fn category_zh(&self) -> &'static str {
        self.level.map_or("NA", Level::category_zh)
    }

    /// True when some IAQI was capped at 500 above the table ("爆表"); show it in the UI.
    pub fn above_table(&self) -> bool {
        self.items
            .iter()
            .any(|i| i.iaqi.is_some_and(|s| s.note == Some(IaqiNote::AboveTable)))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Counted,
    DisplayOnly,
}

/// The daily report (日报) of `data` under `edition`.
///
/// ```
/// use zhicheng_envstd::aqi::{daily_report, DailyData, Edition, Level, Pollutant};
/// use zhicheng_envstd::Decimal;
/// let d = DailyData {
///     so2: Decimal::from_int(10).into(),
///     no2: Decimal::from_int(30).into(),
///     co: Decimal::from_tenths(8).into(),
///     pm10: Decimal::from_int(150).into(),
///     pm25: Decimal::from_int(75).into(),
///     o3_8h: Decimal::from_int(90).into(),
///     ..Default::default()
/// };
/// let r = daily_report(&d, Edition::Hj633_2026);
/// assert_eq!(r.aqi, Some(114));
/// assert_eq!(r.primary, vec![Pollutant::Pm25]);
/// assert_eq!(r.level, Some(Level::III));
/// ```
///
/// Missing data: in 2026 (§5.3.1) the AQI is computed from the others and published only if it
/// is above 100, otherwise AQI, primary pollutant and level are `NA` (`None`). HJ 633-2012 had
/// no such rule; a 2012 report is published from whatever is available, and `missing` lists
/// what was absent.
pub fn daily_report(data: &DailyData, edition: Edition) -> AqiReport {
    let mut rows = vec![
        (Indicator::SO2_24H, data.so2, Role::Counted),
        (Indicator::NO2_24H, data.no2, Role::Counted),
        (Indicator::CO_24H, data.co, Role::Counted),
    ];
    if edition == Edition::Hj633_2012 {
        rows.push((Indicator::O3_1H, data.o3_1h, Role::Counted));
    }
    rows.extend([
        (Indicator::O3_8H, data.o3_8h, Role::Counted),
        (Indicator::PM10_24H, data.pm10, Role::Counted),
        (Indicator::PM25_24H, data.pm25, Role::Counted),
    ]);
    build(edition, ReportKind::Daily, &rows, Measurement::Missing)
}

/// The real-time report (实时报) of one hour of `data` under `edition`; see [`HourlyData`] for
/// which fields each edition reads and [`daily_report`] for the missing-data rule.
///
/// ```
/// use zhicheng_envstd::aqi::{hourly_report, Edition, HourlyData};
/// use zhicheng_envstd::Decimal;
/// let h = HourlyData {
///     so2: Decimal::from_int(900).into(), // > 800: IAQI 200 in 2026
///     no2: Decimal::from_int(50).into(),
///     co: Decimal::from_int(1).into(),
///     o3: Decimal::from_int(100).into(),
///     pm10: Decimal::from_int(60).into(),
///     pm25: Decimal::from_int(40).into(),
///     ..Default::default()
/// };
/// let r = hourly_report(&h, Edition::Hj633_2026);
/// assert_eq!(r.aqi, Some(200));
/// assert_eq!(r.primary_text(), "SO2");
/// ```
pub fn hourly_report(data: &HourlyData, edition: Edition) -> AqiReport {
    let rows: Vec<(Indicator, Measurement, Role)> = match edition {
        Edition::Hj633_2026 => vec![
            (Indicator::SO2_1H, data.so2, Role::Counted),
            (Indicator::NO2_1H, data.no2, Role::Counted),
            (Indicator::CO_1H, data.co, Role::Counted),
            (Indicator::O3_1H, data.o3, Role::Counted),
            (Indicator::PM10_1H, data.pm10, Role::Counted),
            (Indicator::PM25_1H, data.pm25, Role::Counted),
        ],
        Edition::Hj633_2012 => vec![
            (Indicator::SO2_1H, data.so2, Role::Counted),
            (Indicator::NO2_1H, data.no2, Role::Counted),
            (Indicator::CO_1H, data.co, Role::Counted),
            (Indicator::O3_1H, data.o3, Role::Counted),
            (Indicator::O3_8H, data.o3_8h, Role::Counted),
            (Indicator::PM10_1H, data.pm10, Role::DisplayOnly),
            (Indicator::PM25_1H, data.pm25, Role::DisplayOnly),
            (Indicator::PM10_24H, data.pm10_24h, Role::Counted),
            (Indicator::PM25_24H, data.pm25_24h, Role::Counted),
        ],
    };
    build(edition, ReportKind::Hourly, &rows, data.so2_24h)
}

fn row(edition: Edition, indicator: Indicator, m: Measurement, role: Role) -> IndicatorReport {
    let mut r = IndicatorReport {
        indicator,
        measurement: m,
        concentration: None,
        iaqi: None,
        note: None,
    };
    match m {
        Measurement::Missing => r.note = Some(ItemNote::Missing),
        Measurement::NotCovered => r.note = Some(ItemNote::NotCovered),
        Measurement::Value(c) => {
            r.concentration = Some(c.round_half_even(indicator.pollutant.input_decimals()));
            if role == Role::DisplayOnly {
                r.note = Some(ItemNote::ConcentrationOnly);
            } else {
                match iaqi(edition, indicator, c) {
                    Ok(s) => r.iaqi = Some(s),
                    Err(e) => r.note = Some(ItemNote::NotComputed(e)),
                }
            }
        }
    }
    r
}

fn build(
    edition: Edition,
    kind: ReportKind,
    rows: &[(Indicator, Measurement, Role)],
    so2_stand_in: Measurement,
) -> AqiReport {
    let mut items: Vec<IndicatorReport> = rows
        .iter()
        .map(|&(ind, m, role)| row(edition, ind, m, role))
        .collect();

    // 2012 footnote (2): SO2 1 h > 800 → the SO2 IAQI is the 24-h one.
    let so2_blocked = items
        .iter()
        .any(|i| i.note == Some(ItemNote::NotComputed(IaqiError::So2HourAbove800)));
    if so2_blocked {
        let mut stand_in = row(edition, Indicator::SO2_24H, so2_stand_in, Role::Counted);
        if stand_in.iaqi.is_some() {
            stand_in.note = Some(ItemNote::StandIn);
        }
        items.insert(1, stand_in);
    }

    let has_iaqi = |items: &[IndicatorReport], ind: Indicator| {
        items.iter().any(|i| i.indicator == ind && i.iaqi.is_some())
    };
    let mut missing = Vec::new();
    for i in &items {
        let lacking = match i.note {
            Some(ItemNote::Missing) => !(so2_blocked && i.indicator == Indicator::SO2_24H),
            Some(ItemNote::NotComputed(IaqiError::So2HourAbove800)) => {
                !has_iaqi(&items, Indicator::SO2_24H)
            }
            Some(ItemNote::NotComputed(IaqiError::O3EightHourAbove800)) => {
                !has_iaqi(&items, Indicator::O3_1H)
            }
            Some(ItemNote::NotComputed(IaqiError::NoBreakpoints { .. })) => true,
            _ => false,
        };
        if lacking {
            missing.push(i.indicator);
        }
    }

    let partial_aqi = items.iter().filter_map(|i| i.iaqi.map(|s| s.value)).max();
    let publish = match partial_aqi {
        None => false,
        Some(_) if missing.is_empty() => true,
        Some(a) => edition == Edition::Hj633_2012 || a > 100,
    };
    let aqi = if publish { partial_aqi } else { None };

    let mut primary = Vec::new();
    let mut non_attainment = Vec::new();
    if let Some(a) = aqi {
        for i in &items {
            let Some(s) = i.iaqi else { continue };
            let p = i.indicator.pollutant;
            if a > 50 && s.value == a && !primary.contains(&p) {
                primary.push(p);
            }
            if edition == Edition::Hj633_2012 && s.value > 100 && !non_attainment.contains(&p) {
                non_attainment.push(p);
            }
        }
    }

    AqiReport {
        edition,
        kind,
        items,
        aqi,
        partial_aqi,
        primary,
        level: aqi.map(Level::from_aqi),
        missing,
        non_attainment,
    }
}
