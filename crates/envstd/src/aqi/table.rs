//! Breakpoint tables (HJ 633-2012 Table 1, HJ 633-2026 Table 3) and the IAQI computation.

use super::{Averaging, Edition, Indicator, Pollutant};
use crate::Decimal;

/// The IAQI value at each breakpoint row: 0, 50, 100, 150, 200, 300, 400, 500.
pub const IAQI_STEPS: [u16; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

// Concentration columns, in the standard's unit (µg/m³; CO mg/m³). A column shorter than
// IAQI_STEPS ends where the standard's footnote takes over (SO2 1 h, O3 8 h).
const SO2_24H: &[u32] = &[0, 50, 150, 475, 800, 1600, 2100, 2620];
const SO2_1H: &[u32] = &[0, 150, 500, 650, 800];
const NO2_24H: &[u32] = &[0, 40, 80, 180, 280, 565, 750, 940];
const NO2_1H: &[u32] = &[0, 100, 200, 700, 1200, 2340, 3090, 3840];
const CO_24H: &[u32] = &[0, 2, 4, 14, 24, 36, 48, 60];
const CO_1H: &[u32] = &[0, 5, 10, 35, 60, 90, 120, 150];
const O3_8H: &[u32] = &[0, 100, 160, 215, 265, 800];
const O3_1H: &[u32] = &[0, 160, 200, 300, 400, 800, 1000, 1200];
const PM10_2012: &[u32] = &[0, 50, 150, 250, 350, 420, 500, 600];
const PM25_2012: &[u32] = &[0, 35, 75, 115, 150, 250, 350, 500];
const PM10_2026: &[u32] = &[0, 50, 120, 250, 350, 420, 500, 600];
const PM25_2026: &[u32] = &[0, 35, 60, 115, 150, 250, 350, 500];

/// The concentration breakpoints of `indicator` in `edition`, in the pollutant's unit, row by
/// row against [`IAQI_STEPS`]; `None` when the edition defines no IAQI for it (PM 1-hour
/// averages in 2012, whose real-time report uses the 24-hour moving averages instead).
///
/// In 2026 the PM10/PM2.5 1-hour averages use the daily columns (§4.2.4). The SO2 1-hour column
/// stops at 800 (IAQI 200) and the O3 8-hour column at 800 (IAQI 300); beyond them the
/// edition's footnote applies (see [`iaqi`]).
pub fn breakpoints(edition: Edition, indicator: Indicator) -> Option<&'static [u32]> {
    use Averaging::*;
    use Pollutant::*;
    let new = edition == Edition::Hj633_2026;
    Some(match (indicator.pollutant, indicator.averaging) {
        (So2, Day) => SO2_24H,
        (So2, OneHour) => SO2_1H,
        (No2, Day) => NO2_24H,
        (No2, OneHour) => NO2_1H,
        (Co, Day) => CO_24H,
        (Co, OneHour) => CO_1H,
        (O3, EightHour) => O3_8H,
        (O3, OneHour) => O3_1H,
        (Pm10, Day) if new => PM10_2026,
        (Pm25, Day) if new => PM25_2026,
        (Pm10, OneHour) if new => PM10_2026,
        (Pm25, OneHour) if new => PM25_2026,
        (Pm10, Day) => PM10_2012,
        (Pm25, Day) => PM25_2012,
        _ => return None,
    })
}

/// How a sub-index was arrived at, when not plainly from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IaqiNote {
    /// The concentration is above the table's top row; the IAQI is capped at 500 ("爆表").
    /// HJ 633 gives no rule here; capping is common practice, flag it to the user.
    AboveTable,
    /// HJ 633-2026 footnote: SO2 1-hour average above 800 µg/m³ → IAQI 200.
    So2HourAbove800,
    /// HJ 633-2026 footnote: O3 8-hour average above 800 µg/m³ → IAQI 300.
    O3EightHourAbove800,
}

/// An individual air quality index (IAQI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubIndex {
    /// The IAQI, an integer rounded up.
    pub value: u16,
    /// Set when the value comes from a cap or a footnote rather than the table.
    pub note: Option<IaqiNote>,
}

/// Why no IAQI can be computed for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IaqiError {
    /// The edition defines no breakpoints for this indicator.
    #[error("{edition} defines no IAQI for {indicator}")]
    NoBreakpoints {
        /// The edition asked.
        edition: Edition,
        /// The indicator asked.
        indicator: Indicator,
    },
    /// HJ 633-2012 footnote (2): SO2 1-hour average above 800 µg/m³ gets no 1-hour IAQI; the
    /// SO2 IAQI is the one from the 24-hour average.
    #[error("HJ 633-2012: SO2 1-h above 800 µg/m³ has no 1-h IAQI; use the 24-h average")]
    So2HourAbove800,
    /// HJ 633-2012 footnote (3): O3 8-hour average above 800 µg/m³ gets no 8-hour IAQI; the
    /// O3 IAQI is the one from the 1-hour average.
    #[error("HJ 633-2012: O3 8-h above 800 µg/m³ has no 8-h IAQI; use the 1-h average")]
    O3EightHourAbove800,
}

/// The IAQI of one indicator, after rounding the concentration as HJ 633-2026 §4.2.2 says:
/// µg/m³ pollutants to integers and CO to one decimal, by GB/T 8170 (half to even). The same
/// input rounding is applied to 2012 data, whose published concentrations were integers too.
///
/// The interpolation is exact: `IAQI_Lo + ⌈(IAQI_Hi − IAQI_Lo)·(C − BP_Lo) / (BP_Hi − BP_Lo)⌉`
/// in integers, with segments continuous (a concentration on a breakpoint gives that row's
/// IAQI). Above the top row the IAQI is capped at 500 with [`IaqiNote::AboveTable`].
///
/// The >800 footnotes: in 2026 SO2 1 h > 800 gives 200 and O3 8 h > 800 gives 300 (with a
/// note); in 2012 both are errors telling the caller which other average to use.
pub fn iaqi(edition: Edition, indicator: Indicator, c: Decimal) -> Result<SubIndex, IaqiError> {
    iaqi_exact(
        edition,
        indicator,
        c.round_half_even(indicator.pollutant.input_decimals()),
    )
}

/// Like [`iaqi`] but without rounding the concentration first: the exact rational IAQI is
/// rounded up. For callers whose inputs are already rounded, or who want the unrounded
/// definition.
pub fn iaqi_exact(
    edition: Edition,
    indicator: Indicator,
    c: Decimal,
) -> Result<SubIndex, IaqiError> {
    let bps =
        breakpoints(edition, indicator).ok_or(IaqiError::NoBreakpoints { edition, indicator })?;
    if let Some(value) = interpolate(bps, c.micros()) {
        return Ok(SubIndex { value, note: None });
    }
    // Above the column's last row: footnotes first, then the cap.
    match (edition, indicator) {
        (Edition::Hj633_2026, Indicator::SO2_1H) => Ok(SubIndex {
            value: 200,
            note: Some(IaqiNote::So2HourAbove800),
        }),
        (Edition::Hj633_2026, Indicator::O3_8H) => Ok(SubIndex {
            value: 300,
            note: Some(IaqiNote::O3EightHourAbove800),
        }),
        (Edition::Hj633_2012, Indicator::SO2_1H) => Err(IaqiError::So2HourAbove800),
        (Edition::Hj633_2012, Indicator::O3_8H) => Err(IaqiError::O3EightHourAbove800),
        _ => Ok(SubIndex {
            value: 500,
            note: Some(IaqiNote::AboveTable),
        }),
    }
}

/// Linear interpolation with ceiling, all in integers; `None` above the last breakpoint.
fn interpolate(bps: &[u32], c_micros: u64) -> Option<u16> {
    const M: u128 = 1_000_000;
    let c = u128::from(c_micros);
    for i in 0..bps.len() - 1 {
        let lo = u128::from(bps[i]) * M;
        let hi = u128::from(bps[i + 1]) * M;
        if c <= hi {
            let i_lo = u128::from(IAQI_STEPS[i]);
            let i_hi = u128::from(IAQI_STEPS[i + 1]);
            let num = (i_hi - i_lo) * (c - lo);
            let den = hi - lo;
            let v = i_lo + num.div_ceil(den);
            return Some(v as u16);
        }
    }
    None
}
