//! How long to wait before the next attempt: exponential back-off with full jitter.
//!
//! After failed attempt `n` (from 1) the wait is drawn uniformly from
//! `[initial, min(max, initial × 2^(n-1))]`: the first retry waits `initial`, later ones spread
//! over a window that doubles up to `max`, so that many deliveries failing together do not come
//! back together. A `Retry-After` in seconds from the receiver replaces the draw, capped by
//! `max`.

use std::time::Duration;

/// The wait after failed attempt `attempt` (from 1), with `unit` in `[0, 1]` choosing the
/// point in the window (`0` its start, `1` its end). Never below `initial` nor above `max`
/// (given `initial <= max`).
pub fn backoff(initial: Duration, max: Duration, attempt: u32, unit: f64) -> Duration {
    let exp = attempt.saturating_sub(1).min(63);
    let ceiling = initial
        .checked_mul(1u32 << exp.min(31))
        .unwrap_or(max)
        .min(max);
    let floor = initial.min(max);
    let span = ceiling.saturating_sub(floor);
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    floor + span.mul_f64(unit)
}

/// [`backoff`] with a random point in the window.
pub(crate) fn jittered(initial: Duration, max: Duration, attempt: u32) -> Duration {
    backoff(initial, max, attempt, rand::random::<f64>())
}

/// The wait a `Retry-After` header asks for, when it is a number of seconds, capped by `max`.
/// An HTTP date is not honoured (the back-off applies).
pub(crate) fn retry_after(value: &str, max: Duration) -> Option<Duration> {
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn first_retry_waits_the_initial_delay() {
        for unit in [0.0, 0.5, 1.0] {
            assert_eq!(backoff(100 * MS, 10_000 * MS, 1, unit), 100 * MS);
        }
    }

    #[test]
    fn window_doubles_then_stops_at_max() {
        let (i, m) = (100 * MS, 1_000 * MS);
        assert_eq!(backoff(i, m, 2, 1.0), 200 * MS);
        assert_eq!(backoff(i, m, 3, 1.0), 400 * MS);
        assert_eq!(backoff(i, m, 4, 1.0), 800 * MS);
        assert_eq!(backoff(i, m, 5, 1.0), m);
        assert_eq!(backoff(i, m, 5, 0.0), i);
        assert_eq!(backoff(i, m, u32::MAX, 1.0), m);
        assert_eq!(backoff(i, m, 40, 0.5), 550 * MS);
    }

    #[test]
    fn always_within_bounds() {
        let (i, m) = (7 * MS, 600_000 * MS);
        for attempt in 1..=70 {
            for k in 0..=20 {
                let d = backoff(i, m, attempt, f64::from(k) / 20.0);
                assert!(d >= i && d <= m, "attempt {attempt}: {d:?}");
            }
            let d = jittered(i, m, attempt);
            assert!(d >= i && d <= m, "attempt {attempt}: {d:?}");
        }
        assert_eq!(backoff(i, m, 3, f64::NAN), i);
        assert_eq!(backoff(i, m, 3, 7.0), 28 * MS);
    }

    #[test]
    fn retry_after_seconds_capped() {
        assert_eq!(retry_after("0", 5 * MS), Some(Duration::ZERO));
        assert_eq!(
            retry_after(" 3 ", Duration::from_secs(60)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("3600", Duration::from_secs(60)),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", Duration::from_secs(60)),
            None
        );
        assert_eq!(retry_after("-1", Duration::from_secs(60)), None);
    }
}
