//! Environmental quality standards as pure functions: air quality index by HJ 633 (2012 and
//! 2026 editions), acoustic environment by GB 3096-2008 and surface water by GB 3838-2002.
//!
//! No I/O, no async, no floating point where a rounding or a limit is decided: concentrations
//! are [`Decimal`]s, exact integers of millionths, so the AQI's "round every IAQI up" is a
//! true ceiling of a rational number and a value on a breakpoint gives that breakpoint's index.
//!
//! * [`aqi`] — IAQI, AQI, primary pollutants, level, category, colour; daily and real-time
//!   reports; the edition chosen by the data's date (2026 from 2026-03-01, UTC+8).
//! * [`noise`] — GB 3096 limits by zone class and period, exceedance, night L_max.
//! * [`water`] — GB 3838 class per parameter and overall, 劣V, parameters above a target.
//!
//! ```
//! use zhicheng_envstd::aqi::{daily_report, DailyData, Edition, Level, Pollutant};
//! use zhicheng_envstd::Decimal;
//! use time::macros::date;
//!
//! let edition = Edition::for_date(date!(2026 - 03 - 01));
//! assert_eq!(edition, Edition::Hj633_2026);
//! let day = DailyData {
//!     so2: Decimal::from_int(8).into(),
//!     no2: Decimal::from_int(35).into(),
//!     co: "0.9".parse::<Decimal>().unwrap().into(),
//!     o3_8h: Decimal::from_int(120).into(),
//!     pm10: Decimal::from_int(130).into(),
//!     pm25: Decimal::from_int(60).into(),
//!     ..Default::default()
//! };
//! let r = daily_report(&day, edition);
//! assert_eq!(r.aqi, Some(104)); // PM10 130 → 104 in 2026 (90 in 2012)
//! assert_eq!(r.primary, vec![Pollutant::Pm10]);
//! assert_eq!(r.level, Some(Level::III));
//! assert_eq!(r.level.unwrap().colour().hex(), "#FF7E00");
//! ```

#![warn(missing_docs)]

pub mod aqi;
mod decimal;
pub mod noise;
pub mod water;

pub use decimal::{Decimal, DecimalError};
