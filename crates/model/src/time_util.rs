//! Times: stored as UTC epoch milliseconds, read as RFC 3339 or epoch milliseconds.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Now as epoch milliseconds (UTC).
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Parses RFC 3339 (`2026-11-23T10:00:00+08:00`) into epoch milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Parses a time given either as RFC 3339 text or as a JSON number of epoch milliseconds.
pub fn parse_ts_value(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => parse_rfc3339_ms(s),
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        _ => None,
    }
}

/// Formats epoch milliseconds as RFC 3339 in UTC+8 (Asia/Shanghai has no daylight saving).
pub fn format_ms_cst(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offset() {
        assert_eq!(
            parse_rfc3339_ms("2026-11-23T10:00:00+08:00"),
            Some(1_795_399_200_000)
        );
        assert_eq!(
            format_ms_cst(1_795_399_200_000),
            "2026-11-23T10:00:00+08:00"
        );
    }

    #[test]
    fn epoch_ms_and_garbage() {
        assert_eq!(parse_ts_value(&serde_json::json!(1000)), Some(1000));
        assert_eq!(parse_ts_value(&serde_json::json!("yesterday")), None);
        assert_eq!(parse_ts_value(&serde_json::json!(true)), None);
    }
}
