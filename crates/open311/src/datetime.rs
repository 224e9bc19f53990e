//! W3C date-times (a subset of ISO 8601, a zone required), to and from epoch milliseconds.
//!
//! Written in our zone, +08:00, to the second: `2026-11-30T14:05:00+08:00`. Read with any
//! zone (`Z` or `±HH:MM`), with or without seconds and fractions of a second.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Our zone: China Standard Time, UTC+08:00.
pub const ZONE: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(z) => z,
    Err(_) => panic!("+08:00 is a valid offset"),
};

/// The error of [`parse`]: the text is not a W3C date-time with a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a W3C date-time with a zone (e.g. 2026-11-30T14:05:00+08:00 or 2026-11-30T06:05:00Z)")]
pub struct DateTimeError(pub String);

/// Epoch milliseconds as a W3C date-time in +08:00, to the second (milliseconds dropped,
/// toward the past). Out-of-range instants are clamped to the years 1..9999.
pub fn format(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let min = -62_135_596_800; // 0001-01-01T00:00:00Z
    let max = 253_402_300_799 - 8 * 3600; // 9999-12-31T23:59:59+08:00
    let t = OffsetDateTime::from_unix_timestamp(secs.clamp(min, max))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(ZONE);
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    t.format(&fmt).unwrap_or_default()
}

/// A W3C date-time with a zone to epoch milliseconds. Accepts `2010-01-01T00:00:00Z`,
/// `2010-01-01T08:00:00+08:00`, fractions of a second, and no seconds (`2010-01-01T00:00Z`).
/// A date-time without a zone is refused, as the spec requires one.
pub fn parse(text: &str) -> Result<i64, DateTimeError> {
    let err = || DateTimeError(text.chars().take(64).collect());
    let t = text.trim();
    if t.len() > 64 {
        return Err(err());
    }
    let parsed = OffsetDateTime::parse(t, &Rfc3339).or_else(|_| parse_without_seconds(t));
    let dt = parsed.map_err(|_| err())?;
    Ok(dt.unix_timestamp_nanos().div_euclid(1_000_000) as i64)
}

/// `YYYY-MM-DDThh:mmTZD`, which the W3C note allows and RFC 3339 does not.
fn parse_without_seconds(t: &str) -> Result<OffsetDateTime, ()> {
    let (local, zone) = if let Some(local) = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        (local, UtcOffset::UTC)
    } else {
        let split = t.len().checked_sub(6).ok_or(())?;
        let (local, zone) = (t.get(..split).ok_or(())?, t.get(split..).ok_or(())?);
        let zfmt = format_description!("[offset_hour sign:mandatory]:[offset_minute]");
        (local, UtcOffset::parse(zone, &zfmt).map_err(|_| ())?)
    };
    let lfmt = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local = PrimitiveDateTime::parse(local, &lfmt).map_err(|_| ())?;
    Ok(local.assume_offset(zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-30T14:05:00+08:00 = 2026-11-30T06:05:00Z
    const AT: i64 = 1_796_018_700_000;

    #[test]
    fn formats_in_plus_eight() {
        assert_eq!(format(AT), "2026-11-30T14:05:00+08:00");
        assert_eq!(format(AT + 999), "2026-11-30T14:05:00+08:00");
        assert_eq!(format(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(format(-1), "1970-01-01T07:59:59+08:00");
        assert_eq!(format(i64::MAX), "9999-12-31T23:59:59+08:00");
        assert_eq!(format(i64::MIN), "0001-01-01T08:00:00+08:00");
    }

    #[test]
    fn parses_any_zone() {
        assert_eq!(parse("2026-11-30T14:05:00+08:00"), Ok(AT));
        assert_eq!(parse("2026-11-30T06:05:00Z"), Ok(AT));
        assert_eq!(parse("2026-11-30T01:05:00-05:00"), Ok(AT));
        assert_eq!(parse("2026-11-30T06:05:00.250Z"), Ok(AT + 250));
        assert_eq!(parse("2026-11-30T06:05Z"), Ok(AT));
        assert_eq!(parse("2026-11-30T14:05+08:00"), Ok(AT));
        assert_eq!(parse(&format(AT)), Ok(AT));
    }

    #[test]
    fn refuses_no_zone_and_garbage() {
        for bad in [
            "2026-11-30T14:05:00",
            "2026-11-30",
            "2026-13-30T14:05:00Z",
            "yesterday",
            "",
            "2026-11-30T14:05+8",
            "2026-11-30T14:05:00+08:00 and more text that goes on and on and on and on",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
