//! An exact, non-negative decimal number, so that no floating-point error ever decides a
//! ceiling (AQI), a half-to-even rounding (GB/T 8170) or a limit comparison (GB 3838).

use std::fmt;
use std::str::FromStr;

/// Fixed-point scale: one unit is 10⁻⁶ of the measured unit.
const SCALE: u64 = 1_000_000;
/// Number of fractional digits held exactly.
const DIGITS: usize = 6;

/// An exact, non-negative decimal with up to six fractional digits.
///
/// Stored as an integer count of millionths (`value × 10⁶`), so every decimal a monitoring
/// station reports (`35`, `35.5`, `1.25`, `0.025`) is held without error and comparisons and
/// roundings are exact. The unit is the one the standard uses for the quantity: µg/m³ for SO2,
/// NO2, O3, PM10 and PM2.5; mg/m³ for CO; mg/L for water parameters; count/L for fecal coliform;
/// none for pH.
///
/// Build one from text with [`str::parse`] (exact; more than six fractional digits is an error
/// unless the extra digits are zeros), from integers with [`Decimal::from_int`],
/// [`Decimal::from_tenths`] or [`Decimal::from_micros`], or from a float with
/// [`Decimal::from_f64`] (the only lossy door: the float is rounded to the nearest millionth).
///
/// ```
/// use zhicheng_envstd::Decimal;
/// let a: Decimal = "35.5".parse().unwrap();
/// assert_eq!(a, Decimal::from_tenths(355));
/// assert_eq!(a.round_half_even(0), Decimal::from_int(36)); // GB/T 8170: 35.5 → 36
/// assert_eq!("34.5".parse::<Decimal>().unwrap().round_half_even(0), Decimal::from_int(34));
/// assert_eq!(a.to_string(), "35.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal {
    micros: u64,
}

/// Why text or a float could not be turned into a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The text was empty.
    #[error("empty number")]
    Empty,
    /// The text is not a plain decimal number (digits, at most one `.`).
    #[error("not a decimal number: {0:?}")]
    Syntax(String),
    /// The value is negative; concentrations, levels and counts are never negative.
    #[error("negative value: {0}")]
    Negative(String),
    /// More than six fractional digits that are not zeros.
    #[error("more than {DIGITS} fractional digits: {0:?}")]
    TooPrecise(String),
    /// The value does not fit (above about 1.8 × 10¹³).
    #[error("value too large: {0}")]
    TooLarge(String),
    /// The float was NaN or infinite.
    #[error("not a finite number")]
    NotFinite,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal { micros: 0 };

    /// `micros × 10⁻⁶`.
    pub const fn from_micros(micros: u64) -> Self {
        Decimal { micros }
    }

    /// A whole number.
    pub const fn from_int(v: u32) -> Self {
        Decimal {
            micros: v as u64 * SCALE,
        }
    }

    /// `tenths / 10`, e.g. CO `12` → 1.2 mg/m³.
    pub const fn from_tenths(tenths: u32) -> Self {
        Decimal {
            micros: tenths as u64 * (SCALE / 10),
        }
    }

    /// `thousandths / 1000`, e.g. `25` → 0.025.
    pub const fn from_thousandths(thousandths: u32) -> Self {
        Decimal {
            micros: thousandths as u64 * (SCALE / 1000),
        }
    }

    /// Nearest millionth to a float. Lossy by nature (a float cannot hold 0.1 exactly); use it
    /// only when the data already arrive as floats, and prefer text or integers otherwise.
    pub fn from_f64(v: f64) -> Result<Self, DecimalError> {
        if !v.is_finite() {
            return Err(DecimalError::NotFinite);
        }
        if v < 0.0 {
            // -0.0 and tiny negatives that round to zero are zero.
            if (v * SCALE as f64).round() == 0.0 {
                return Ok(Decimal::ZERO);
            }
            return Err(DecimalError::Negative(v.to_string()));
        }
        let m = (v * SCALE as f64).round();
        if m >= u64::MAX as f64 {
            return Err(DecimalError::TooLarge(v.to_string()));
        }
        Ok(Decimal { micros: m as u64 })
    }

    /// The value in millionths.
    pub const fn micros(self) -> u64 {
        self.micros
    }

    /// The value as a float (for display and charts, never for decisions).
    pub fn to_f64(self) -> f64 {
        self.micros as f64 / SCALE as f64
    }

    /// Rounds to `digits` fractional digits (0–6) by GB/T 8170 "四舍六入五成双": above half
    /// rounds up, below half rounds down, exactly half rounds to the even neighbour.
    pub fn round_half_even(self, digits: u32) -> Self {
        let digits = digits.min(DIGITS as u32);
        let unit = 10u64.pow(DIGITS as u32 - digits);
        let q = self.micros / unit;
        let r = self.micros % unit;
        let half = unit / 2;
        let up = if unit == 1 {
            false
        } else {
            r > half || (r == half && q % 2 == 1)
        };
        let q = if up { q + 1 } else { q };
        Decimal {
            micros: q.saturating_mul(unit),
        }
    }
}

impl From<u32> for Decimal {
    fn from(v: u32) -> Self {
        Decimal::from_int(v)
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DecimalError::Empty);
        }
        let (neg, body) = match t.as_bytes()[0] {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !ok(int) || !ok(frac) {
            return Err(DecimalError::Syntax(s.to_string()));
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > DIGITS {
            return Err(DecimalError::TooPrecise(s.to_string()));
        }
        let int = int.trim_start_matches('0');
        let too_large = || DecimalError::TooLarge(s.to_string());
        let int_v: u64 = if int.is_empty() {
            0
        } else if int.len() > 19 {
            return Err(too_large());
        } else {
            int.parse().map_err(|_| too_large())?
        };
        let mut frac_v: u64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_v += u64::from(b - b'0') * 10u64.pow((DIGITS - 1 - i) as u32);
        }
        let micros = int_v
            .checked_mul(SCALE)
            .and_then(|m| m.checked_add(frac_v))
            .ok_or_else(too_large)?;
        if neg && micros != 0 {
            return Err(DecimalError::Negative(s.to_string()));
        }
        Ok(Decimal { micros })
    }
}

impl fmt::Display for Decimal {
    /// Shortest exact form: `35`, `35.5`, `0.025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.micros / SCALE;
        let frac = self.micros % SCALE;
        if frac == 0 {
            return write!(f, "{int}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{int}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!("0.025".parse::<Decimal>().unwrap().micros(), 25_000);
        assert_eq!("12".parse::<Decimal>().unwrap(), Decimal::from_int(12));
        assert_eq!(".5".parse::<Decimal>().unwrap(), Decimal::from_tenths(5));
        assert_eq!("5.".parse::<Decimal>().unwrap(), Decimal::from_int(5));
        assert_eq!(
            "1.0000000".parse::<Decimal>().unwrap(),
            Decimal::from_int(1)
        );
        assert_eq!("-0".parse::<Decimal>().unwrap(), Decimal::ZERO);
        assert!(matches!(
            "1.0000001".parse::<Decimal>(),
            Err(DecimalError::TooPrecise(_))
        ));
        assert!(matches!(
            "-1".parse::<Decimal>(),
            Err(DecimalError::Negative(_))
        ));
        assert!(matches!(
            "1e3".parse::<Decimal>(),
            Err(DecimalError::Syntax(_))
        ));
        assert!(matches!(
            ".".parse::<Decimal>(),
            Err(DecimalError::Syntax(_))
        ));
        assert!(matches!("".parse::<Decimal>(), Err(DecimalError::Empty)));
        assert!(matches!(
            "99999999999999999999".parse::<Decimal>(),
            Err(DecimalError::TooLarge(_))
        ));
    }

    #[test]
    fn rounds_half_even() {
        let r = |s: &str, d| s.parse::<Decimal>().unwrap().round_half_even(d).to_string();
        assert_eq!(r("34.5", 0), "34");
        assert_eq!(r("35.5", 0), "36");
        assert_eq!(r("34.500001", 0), "35");
        assert_eq!(r("34.49", 0), "34");
        assert_eq!(r("1.25", 1), "1.2");
        assert_eq!(r("1.35", 1), "1.4");
        assert_eq!(r("1.251", 1), "1.3");
        assert_eq!(r("0.123456", 6), "0.123456");
    }

    #[test]
    fn float_door() {
        assert_eq!(Decimal::from_f64(0.1).unwrap(), Decimal::from_tenths(1));
        assert_eq!(Decimal::from_f64(-0.0).unwrap(), Decimal::ZERO);
        assert!(Decimal::from_f64(f64::NAN).is_err());
        assert!(Decimal::from_f64(-1.0).is_err());
    }
}
