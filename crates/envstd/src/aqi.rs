//! Air quality index by HJ 633, in both editions: 2012 (superseded) and 2026 (in force since
//! 2026-03-01).
//!
//! * [`iaqi`] — one indicator's sub-index (IAQI), integer-exact and rounded up as the standard
//!   says ("全部向上进位取整数").
//! * [`daily_report`] / [`hourly_report`] — the daily report (日报) and real-time report (实时报)
//!   with AQI, primary pollutants, level, category and colour, following each edition's
//!   indicator set, its >800 footnotes and (2026) its missing-data rule.
//! * [`Edition::for_date`] / [`EditionChoice`] — which edition applies to the data's date.
//!
//! ```
//! use zhicheng_envstd::aqi::{iaqi, Edition, Indicator};
//! use zhicheng_envstd::Decimal;
//! let pm25 = Decimal::from_int(75);
//! assert_eq!(iaqi(Edition::Hj633_2012, Indicator::PM25_24H, pm25).unwrap().value, 100);
//! assert_eq!(iaqi(Edition::Hj633_2026, Indicator::PM25_24H, pm25).unwrap().value, 114);
//! ```

mod level;
mod report;
mod table;

use std::fmt;

use time::{Date, Month, OffsetDateTime, UtcOffset};

pub use level::{Colour, Level};
pub use report::{
    daily_report, hourly_report, AqiReport, DailyData, HourlyData, IndicatorReport, ItemNote,
    Measurement, ReportKind,
};
pub use table::{breakpoints, iaqi, iaqi_exact, IaqiError, IaqiNote, SubIndex, IAQI_STEPS};

/// The edition of HJ 633 that defines the computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edition {
    /// HJ 633-2012 (trial), in force until 2026-02-28.
    Hj633_2012,
    /// HJ 633-2026, in force from 2026-03-01.
    Hj633_2026,
}

impl Edition {
    /// First day (China Standard Time, UTC+8) on which HJ 633-2026 applies.
    pub const CUTOVER_2026: Date = match Date::from_calendar_date(2026, Month::March, 1) {
        Ok(d) => d,
        Err(_) => panic!("valid date"),
    };

    /// The edition in force on `date`, a calendar date in China Standard Time (UTC+8).
    ///
    /// For a daily report pass the day reported on; for a real-time report pass the date of the
    /// hour's start (the 23:00–24:00 hour of 2026-02-28 is still a 2012 hour).
    pub fn for_date(date: Date) -> Self {
        if date >= Self::CUTOVER_2026 {
            Edition::Hj633_2026
        } else {
            Edition::Hj633_2012
        }
    }

    /// The edition in force at an instant, judged by its date in UTC+8.
    pub fn for_instant(t: OffsetDateTime) -> Self {
        let cst = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
        Self::for_date(t.to_offset(cst).date())
    }

    /// The standard's number, e.g. `HJ 633-2026`.
    pub fn code(self) -> &'static str {
        match self {
            Edition::Hj633_2012 => "HJ 633-2012",
            Edition::Hj633_2026 => "HJ 633-2026",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How the edition is chosen: by the data's date (the default) or fixed by configuration,
/// e.g. to recompute old data under the new rules for comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EditionChoice {
    /// [`Edition::for_date`] of the data.
    #[default]
    ByDate,
    /// Always this edition.
    Fixed(Edition),
}

impl EditionChoice {
    /// The edition to use for data dated `date` (UTC+8).
    pub fn resolve(self, date: Date) -> Edition {
        match self {
            EditionChoice::ByDate => Edition::for_date(date),
            EditionChoice::Fixed(e) => e,
        }
    }
}

/// The six pollutants of HJ 633.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pollutant {
    /// Sulphur dioxide SO2, µg/m³.
    So2,
    /// Nitrogen dioxide NO2, µg/m³.
    No2,
    /// Carbon monoxide CO, mg/m³.
    Co,
    /// Ozone O3, µg/m³.
    O3,
    /// Particulate matter ≤ 10 µm, µg/m³.
    Pm10,
    /// Particulate matter ≤ 2.5 µm, µg/m³.
    Pm25,
}

impl Pollutant {
    /// All six, in the standard's table order.
    pub const ALL: [Pollutant; 6] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Co,
        Pollutant::O3,
        Pollutant::Pm10,
        Pollutant::Pm25,
    ];

    /// The usual symbol: `SO2`, `NO2`, `CO`, `O3`, `PM10`, `PM2.5`.
    pub fn symbol(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Co => "CO",
            Pollutant::O3 => "O3",
            Pollutant::Pm10 => "PM10",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    /// The Chinese name as the standard writes it.
    pub fn name_zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "二氧化硫",
            Pollutant::No2 => "二氧化氮",
            Pollutant::Co => "一氧化碳",
            Pollutant::O3 => "臭氧",
            Pollutant::Pm10 => "颗粒物（粒径小于等于10μm）",
            Pollutant::Pm25 => "颗粒物（粒径小于等于2.5μm）",
        }
    }

    /// The concentration unit: `mg/m³` for CO, `µg/m³` for the rest.
    pub fn unit(self) -> &'static str {
        match self {
            Pollutant::Co => "mg/m³",
            _ => "µg/m³",
        }
    }

    /// Fractional digits the input is rounded to before the IAQI (HJ 633-2026 §4.2.2):
    /// 1 for CO, 0 for the rest.
    pub fn input_decimals(self) -> u32 {
        match self {
            Pollutant::Co => 1,
            _ => 0,
        }
    }

    /// Sensitive groups once this pollutant's IAQI is above 100 (HJ 633-2026 Table 2).
    pub fn sensitive_groups(self) -> &'static [&'static str] {
        match self {
            Pollutant::So2 => &["asthmatics", "children and teenagers", "the elderly"],
            Pollutant::No2 => &[
                "people with respiratory disease such as asthma",
                "children and teenagers",
                "the elderly",
            ],
            Pollutant::Co => &["people with cardiovascular disease"],
            Pollutant::O3 => &[
                "people with respiratory disease",
                "children and teenagers",
                "people often active outdoors",
                "the elderly",
            ],
            Pollutant::Pm10 | Pollutant::Pm25 => &[
                "people with cardiovascular or respiratory disease",
                "children and teenagers",
                "people often active outdoors",
                "the elderly",
            ],
        }
    }
}

impl fmt::Display for Pollutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// The averaging period of a concentration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Averaging {
    /// 1-hour average.
    OneHour,
    /// 8-hour (moving) average; for a daily report the day's maximum 8-hour average.
    EightHour,
    /// 24-hour average: the daily average, or (2012 real-time report) the 24-hour moving average.
    Day,
}

/// One AQI indicator: a pollutant and an averaging period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Indicator {
    /// The pollutant.
    pub pollutant: Pollutant,
    /// The averaging period.
    pub averaging: Averaging,
}

impl Indicator {
    /// SO2 24-hour / daily average.
    pub const SO2_24H: Indicator = Indicator::new(Pollutant::So2, Averaging::Day);
    /// SO2 1-hour average.
    pub const SO2_1H: Indicator = Indicator::new(Pollutant::So2, Averaging::OneHour);
    /// NO2 24-hour / daily average.
    pub const NO2_24H: Indicator = Indicator::new(Pollutant::No2, Averaging::Day);
    /// NO2 1-hour average.
    pub const NO2_1H: Indicator = Indicator::new(Pollutant::No2, Averaging::OneHour);
    /// CO 24-hour / daily average.
    pub const CO_24H: Indicator = Indicator::new(Pollutant::Co, Averaging::Day);
    /// CO 1-hour average.
    pub const CO_1H: Indicator = Indicator::new(Pollutant::Co, Averaging::OneHour);
    /// O3 8-hour (moving / daily maximum) average.
    pub const O3_8H: Indicator = Indicator::new(Pollutant::O3, Averaging::EightHour);
    /// O3 1-hour average (or the day's maximum 1-hour average in a 2012 daily report).
    pub const O3_1H: Indicator = Indicator::new(Pollutant::O3, Averaging::OneHour);
    /// PM10 24-hour / daily average.
    pub const PM10_24H: Indicator = Indicator::new(Pollutant::Pm10, Averaging::Day);
    /// PM10 1-hour average.
    pub const PM10_1H: Indicator = Indicator::new(Pollutant::Pm10, Averaging::OneHour);
    /// PM2.5 24-hour / daily average.
    pub const PM25_24H: Indicator = Indicator::new(Pollutant::Pm25, Averaging::Day);
    /// PM2.5 1-hour average.
    pub const PM25_1H: Indicator = Indicator::new(Pollutant::Pm25, Averaging::OneHour);

    /// All twelve combinations the standards mention.
    pub const ALL: [Indicator; 12] = [
        Self::SO2_24H,
        Self::SO2_1H,
        Self::NO2_24H,
        Self::NO2_1H,
        Self::CO_24H,
        Self::CO_1H,
        Self::O3_8H,
        Self::O3_1H,
        Self::PM10_24H,
        Self::PM10_1H,
        Self::PM25_24H,
        Self::PM25_1H,
    ];

    /// An indicator.
    pub const fn new(pollutant: Pollutant, averaging: Averaging) -> Self {
        Indicator {
            pollutant,
            averaging,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match self.averaging {
            Averaging::OneHour => "1h",
            Averaging::EightHour => "8h",
            Averaging::Day => "24h",
        };
        write!(f, "{} {p}", self.pollutant)
    }
}
