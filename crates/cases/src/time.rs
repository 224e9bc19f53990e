//! Calendar arithmetic in China Standard Time (UTC+8, no daylight saving).

/// Milliseconds per day.
pub(crate) const DAY_MS: i64 = 86_400_000;
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// Days since 1970-01-01 of the CST calendar day holding `ms`.
pub(crate) fn cst_day(ms: i64) -> i64 {
    (ms + CST_OFFSET_MS).div_euclid(DAY_MS)
}

/// (year, month 1–12, day 1–31) of a day number (H. Hinnant's `civil_from_days`).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day number of a civil date (`days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO 8601 (week-year, week) of a day number.
pub(crate) fn iso_week(days: i64) -> (i64, u32) {
    // 1970-01-01 was a Thursday; Monday = 0.
    let weekday = (days + 3).rem_euclid(7);
    let thursday = days - weekday + 3;
    let (y, _, _) = civil(thursday);
    let week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
    (y, week as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2026, 11, 30), 20_787);
        assert_eq!(civil(20_787), (2026, 11, 30));
        assert_eq!(civil(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        // 2026-11-29T16:00Z is 2026-11-30 00:00 in Beijing.
        assert_eq!(cst_day(20_786 * DAY_MS + 16 * 3_600_000), 20_787);
        assert_eq!(cst_day(20_786 * DAY_MS + 16 * 3_600_000 - 1), 20_786);
        // ISO weeks: 2026-11-30 is a Monday of week 49; 2021-01-03 belongs to 2020-W53.
        assert_eq!(iso_week(20_787), (2026, 49));
        assert_eq!(iso_week(days_from_civil(2021, 1, 3)), (2020, 53));
        assert_eq!(iso_week(days_from_civil(2021, 1, 4)), (2021, 1));
        assert_eq!(iso_week(days_from_civil(2024, 12, 30)), (2025, 1));
    }
}
