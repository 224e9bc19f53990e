//! Property tests: monotonicity, breakpoints, level boundaries, exact arithmetic.

use proptest::prelude::*;
use zhicheng_envstd::aqi::{
    breakpoints, daily_report, hourly_report, iaqi, iaqi_exact, DailyData, Edition, HourlyData,
    Indicator, Level, IAQI_STEPS,
};
use zhicheng_envstd::Decimal;

fn edition() -> impl Strategy<Value = Edition> {
    prop_oneof![Just(Edition::Hj633_2012), Just(Edition::Hj633_2026)]
}

fn indicator() -> impl Strategy<Value = Indicator> {
    proptest::sample::select(Indicator::ALL.to_vec())
}

/// Concentrations up to 5000 with up to three decimals, so rounding paths are exercised.
fn conc() -> impl Strategy<Value = Decimal> {
    (0u64..5_000_000).prop_map(|m| Decimal::from_micros(m * 1000))
}

fn value(e: Edition, i: Indicator, c: Decimal) -> Option<u16> {
    iaqi(e, i, c).ok().map(|s| s.value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// IAQI never decreases when a concentration increases (where the edition defines one).
    #[test]
    fn iaqi_monotonic(e in edition(), i in indicator(), a in conc(), b in conc()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        if let (Some(x), Some(y)) = (value(e, i, lo), value(e, i, hi)) {
            prop_assert!(x <= y, "{e} {i}: {lo} → {x}, {hi} → {y}");
        }
        if let (Ok(x), Ok(y)) = (iaqi_exact(e, i, lo), iaqi_exact(e, i, hi)) {
            prop_assert!(x.value <= y.value);
        }
    }

    /// The IAQI is within 0..=500 and, between two breakpoints, within their indices.
    #[test]
    fn iaqi_within_segment(e in edition(), i in indicator(), c in conc()) {
        let Some(bps) = breakpoints(e, i) else { return Ok(()) };
        let Ok(s) = iaqi_exact(e, i, c) else { return Ok(()) };
        prop_assert!(s.value <= 500);
        for k in 0..bps.len() - 1 {
            let lo = Decimal::from_int(bps[k]);
            let hi = Decimal::from_int(bps[k + 1]);
            if c >= lo && c <= hi {
                prop_assert!(s.value >= IAQI_STEPS[k] && s.value <= IAQI_STEPS[k + 1]);
            }
        }
    }

    /// The ceiling is exact: the result r satisfies r − 1 < exact ≤ r, checked by
    /// cross-multiplication in integers.
    #[test]
    fn ceiling_is_exact(e in edition(), i in indicator(), c in conc()) {
        let Some(bps) = breakpoints(e, i) else { return Ok(()) };
        let Ok(s) = iaqi_exact(e, i, c) else { return Ok(()) };
        if s.note.is_some() { return Ok(()); }
        let m = 1_000_000i128;
        let cm = i128::from(c.micros());
        let k = (0..bps.len() - 1).find(|&k| cm <= i128::from(bps[k + 1]) * m).unwrap();
        let (blo, bhi) = (i128::from(bps[k]) * m, i128::from(bps[k + 1]) * m);
        let (ilo, ihi) = (i128::from(IAQI_STEPS[k]), i128::from(IAQI_STEPS[k + 1]));
        // exact = ilo + (ihi − ilo)(c − blo)/(bhi − blo)
        let num = ilo * (bhi - blo) + (ihi - ilo) * (cm - blo);
        let den = bhi - blo;
        let r = i128::from(s.value);
        prop_assert!(r * den >= num && (r - 1) * den < num);
    }

    /// The daily AQI is non-decreasing in each concentration, for consistent data: the day's
    /// highest 1-h ozone is never below its highest 8-h mean. (The 2012 edition rates ozone
    /// above 800 µg/m³ (8 h) by its 1-h value instead, so a made-up day with 8 h = 801 and
    /// 1 h = 0 would rate lower than one with 8 h = 201; that is the standard, not a defect.)
    #[test]
    fn daily_aqi_monotonic(
        e in edition(),
        base in proptest::collection::vec(0u32..3000, 7),
        which in 0usize..7,
        bump in 0u32..2000,
    ) {
        let mk = |v: &[u32]| DailyData {
            so2: Decimal::from_int(v[0]).into(),
            no2: Decimal::from_int(v[1] / 3).into(),
            co: Decimal::from_tenths(v[2] / 4).into(),
            pm10: Decimal::from_int(v[3] / 5).into(),
            pm25: Decimal::from_int(v[4] / 6).into(),
            o3_8h: Decimal::from_int(v[5]).into(),
            o3_1h: Decimal::from_int(v[5].max(v[6] / 2)).into(),
        };
        let mut more = base.clone();
        more[which] += bump;
        let a = daily_report(&mk(&base), e).aqi;
        let b = daily_report(&mk(&more), e).aqi;
        if let (Some(a), Some(b)) = (a, b) {
            prop_assert!(a <= b, "{e}: {base:?} → {a}, {more:?} → {b}");
        }
    }

    /// The hourly AQI is non-decreasing in each concentration (2026: all six; 2012: all nine
    /// counted inputs, SO2 1 h kept ≤ 800 where the 24-h stand-in could lower it by design).
    #[test]
    fn hourly_aqi_monotonic(
        e in edition(),
        base in proptest::collection::vec(0u32..1500, 10),
        which in 0usize..10,
        bump in 0u32..1000,
    ) {
        let mk = |v: &[u32]| HourlyData {
            so2: Decimal::from_int(v[0].min(800)).into(),
            no2: Decimal::from_int(v[1]).into(),
            co: Decimal::from_tenths(v[2]).into(),
            o3: Decimal::from_int(v[3]).into(),
            pm10: Decimal::from_int(v[4]).into(),
            pm25: Decimal::from_int(v[5]).into(),
            o3_8h: Decimal::from_int(v[6].min(800)).into(),
            pm10_24h: Decimal::from_int(v[7]).into(),
            pm25_24h: Decimal::from_int(v[8]).into(),
            so2_24h: Decimal::from_int(v[9]).into(),
        };
        let mut more = base.clone();
        more[which] += bump;
        let a = hourly_report(&mk(&base), e).aqi.unwrap();
        let b = hourly_report(&mk(&more), e).aqi.unwrap();
        prop_assert!(a <= b, "{e}: {base:?} → {a}, {more:?} → {b}");
    }

    /// The AQI is the maximum IAQI and its level is the one whose range contains it.
    #[test]
    fn aqi_is_max_and_level_matches(e in edition(), v in proptest::collection::vec(0u32..700, 6)) {
        let d = DailyData {
            so2: Decimal::from_int(v[0]).into(),
            no2: Decimal::from_int(v[1]).into(),
            co: Decimal::from_tenths(v[2]).into(),
            pm10: Decimal::from_int(v[3]).into(),
            pm25: Decimal::from_int(v[4]).into(),
            o3_8h: Decimal::from_int(v[5]).into(),
            o3_1h: Decimal::from_int(v[5]).into(),
        };
        let r = daily_report(&d, e);
        let aqi = r.aqi.unwrap();
        let max = r.items.iter().filter_map(|i| i.iaqi.map(|s| s.value)).max().unwrap();
        prop_assert_eq!(aqi, max);
        let level = r.level.unwrap();
        let (lo, hi) = level.aqi_range(Edition::Hj633_2012);
        prop_assert!(aqi >= lo && hi.is_none_or(|h| aqi <= h));
        prop_assert_eq!(r.primary.is_empty(), aqi <= 50);
    }

    /// Level boundaries: 50/51, 100/101, 150/151, 200/201, 300/301 and monotone levels.
    #[test]
    fn levels_monotone(a in 0u16..1000, b in 0u16..1000) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(Level::from_aqi(lo) <= Level::from_aqi(hi));
    }

    /// Text parsing is exact and round-trips through Display.
    #[test]
    fn decimal_round_trip(int in 0u64..10_000_000, frac in 0u64..1_000_000) {
        let d = Decimal::from_micros(int * 1_000_000 + frac);
        prop_assert_eq!(d.to_string().parse::<Decimal>().unwrap(), d);
    }
}

#[test]
fn level_boundaries_exact() {
    let edges = [
        (50, Level::I, Level::II),
        (100, Level::II, Level::III),
        (150, Level::III, Level::IV),
        (200, Level::IV, Level::V),
        (300, Level::V, Level::VI),
    ];
    for (edge, below, above) in edges {
        assert_eq!(Level::from_aqi(edge), below);
        assert_eq!(Level::from_aqi(edge + 1), above);
        for e in [Edition::Hj633_2012, Edition::Hj633_2026] {
            assert_eq!(below.aqi_range(e).1, Some(edge));
            assert_eq!(above.aqi_range(e).0, edge + 1);
        }
    }
}

#[test]
fn every_breakpoint_of_every_column_both_editions() {
    for e in [Edition::Hj633_2012, Edition::Hj633_2026] {
        for i in Indicator::ALL {
            let Some(bps) = breakpoints(e, i) else {
                continue;
            };
            for (k, &bp) in bps.iter().enumerate() {
                let s = iaqi(e, i, Decimal::from_int(bp)).unwrap();
                assert_eq!(s.value, IAQI_STEPS[k], "{e} {i} at {bp}");
                assert_eq!(s.note, None);
                // One unit (0.1 mg for CO) above a breakpoint is strictly above its index.
                let step = if i.pollutant == zhicheng_envstd::aqi::Pollutant::Co {
                    Decimal::from_micros(u64::from(bp) * 1_000_000 + 100_000)
                } else {
                    Decimal::from_int(bp + 1)
                };
                match iaqi(e, i, step) {
                    // Above the column's last row: the cap or a footnote, flagged.
                    Ok(s) if k == bps.len() - 1 => assert!(s.note.is_some(), "{e} {i}"),
                    Ok(s) => assert!(s.value > IAQI_STEPS[k], "{e} {i} above {bp}"),
                    // 2012 footnotes: no IAQI above 800.
                    Err(_) => assert_eq!((e, bp), (Edition::Hj633_2012, 800)),
                }
            }
        }
    }
}
