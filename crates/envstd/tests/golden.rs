//! Golden vectors from `shared/specs/standards.md` §4 (HJ 633), §5.1 (GB 3096), §5.2 (GB 3838).

use time::macros::{date, datetime, time};
use zhicheng_envstd::aqi::{
    breakpoints, daily_report, hourly_report, iaqi, iaqi_exact, DailyData, Edition, EditionChoice,
    HourlyData, IaqiError, IaqiNote, Indicator, ItemNote, Level, Measurement, Pollutant,
    IAQI_STEPS,
};
use zhicheng_envstd::noise::{self, NoiseRules, Period, Railway4b, ZoneClass};
use zhicheng_envstd::water::{self, Parameter, WaterBody, WaterClass, WaterRules, WaterSample};
use zhicheng_envstd::Decimal;

const E12: Edition = Edition::Hj633_2012;
const E26: Edition = Edition::Hj633_2026;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn v(s: &str) -> Measurement {
    Measurement::Value(d(s))
}

fn sub(e: Edition, i: Indicator, c: &str) -> u16 {
    iaqi(e, i, d(c)).unwrap().value
}

// §4.8, every row, both editions.
#[test]
fn standards_4_8_test_vectors() {
    let rows: &[(Indicator, &str, u16, u16)] = &[
        (Indicator::PM25_24H, "35", 50, 50),
        (Indicator::PM25_24H, "60", 82, 100),
        (Indicator::PM25_24H, "75", 100, 114),
        (Indicator::PM25_24H, "80", 107, 119),
        (Indicator::PM25_24H, "100", 132, 137),
        (Indicator::PM10_24H, "130", 90, 104),
        (Indicator::PM10_24H, "150", 100, 112),
        (Indicator::SO2_24H, "100", 75, 75),
        (Indicator::NO2_24H, "50", 63, 63),
        (Indicator::CO_24H, "1.2", 30, 30),
        (Indicator::O3_8H, "170", 110, 110),
        (Indicator::O3_1H, "250", 125, 125),
    ];
    for &(ind, c, v12, v26) in rows {
        assert_eq!(sub(E12, ind, c), v12, "2012 {ind} {c}");
        assert_eq!(sub(E26, ind, c), v26, "2026 {ind} {c}");
    }
}

#[test]
fn breakpoint_rows_give_their_index_exactly() {
    // §4.2 Table 3 (2026) and §4.3 (2012) columns.
    let t26: &[(Indicator, &[u32])] = &[
        (
            Indicator::SO2_24H,
            &[0, 50, 150, 475, 800, 1600, 2100, 2620],
        ),
        (Indicator::SO2_1H, &[0, 150, 500, 650, 800]),
        (Indicator::NO2_24H, &[0, 40, 80, 180, 280, 565, 750, 940]),
        (
            Indicator::NO2_1H,
            &[0, 100, 200, 700, 1200, 2340, 3090, 3840],
        ),
        (Indicator::CO_24H, &[0, 2, 4, 14, 24, 36, 48, 60]),
        (Indicator::CO_1H, &[0, 5, 10, 35, 60, 90, 120, 150]),
        (Indicator::O3_8H, &[0, 100, 160, 215, 265, 800]),
        (Indicator::O3_1H, &[0, 160, 200, 300, 400, 800, 1000, 1200]),
        (Indicator::PM10_24H, &[0, 50, 120, 250, 350, 420, 500, 600]),
        (Indicator::PM25_24H, &[0, 35, 60, 115, 150, 250, 350, 500]),
        // §4.2.4: PM 1-h averages use the daily breakpoints in 2026.
        (Indicator::PM10_1H, &[0, 50, 120, 250, 350, 420, 500, 600]),
        (Indicator::PM25_1H, &[0, 35, 60, 115, 150, 250, 350, 500]),
    ];
    for &(ind, col) in t26 {
        assert_eq!(breakpoints(E26, ind), Some(col), "2026 {ind}");
        for (k, &bp) in col.iter().enumerate() {
            assert_eq!(
                iaqi(E26, ind, Decimal::from_int(bp)).unwrap().value,
                IAQI_STEPS[k]
            );
        }
    }
    assert_eq!(
        breakpoints(E12, Indicator::PM10_24H),
        Some(&[0, 50, 150, 250, 350, 420, 500, 600][..])
    );
    assert_eq!(
        breakpoints(E12, Indicator::PM25_24H),
        Some(&[0, 35, 75, 115, 150, 250, 350, 500][..])
    );
    for ind in [
        Indicator::SO2_24H,
        Indicator::SO2_1H,
        Indicator::NO2_24H,
        Indicator::NO2_1H,
        Indicator::CO_24H,
        Indicator::CO_1H,
        Indicator::O3_8H,
        Indicator::O3_1H,
    ] {
        assert_eq!(breakpoints(E12, ind), breakpoints(E26, ind), "{ind}");
    }
    assert_eq!(breakpoints(E12, Indicator::PM25_1H), None);
    assert!(matches!(
        iaqi(E12, Indicator::PM10_1H, d("10")),
        Err(IaqiError::NoBreakpoints { .. })
    ));
}

#[test]
fn continuous_segments_not_epa_style() {
    // §4.1: 50–150 maps onto 50–100, so just above 35 PM2.5 is 51, not a jump.
    assert_eq!(sub(E26, Indicator::PM25_24H, "36"), 52); // 50 + ceil(50·1/25) = 52
    assert_eq!(sub(E12, Indicator::PM25_24H, "36"), 52); // 50 + ceil(50·1/40) = 52
    assert_eq!(sub(E26, Indicator::PM25_24H, "0"), 0);
    assert_eq!(sub(E26, Indicator::PM25_24H, "1"), 2); // ceil(50/35) = 2
}

#[test]
fn inputs_rounded_by_gbt_8170_before_the_ceiling() {
    // 34.5 → 34 (half to even), 35.5 → 36.
    assert_eq!(
        sub(E26, Indicator::PM25_24H, "34.5"),
        sub(E26, Indicator::PM25_24H, "34")
    );
    assert_eq!(
        sub(E26, Indicator::PM25_24H, "35.5"),
        sub(E26, Indicator::PM25_24H, "36")
    );
    assert_eq!(sub(E26, Indicator::PM25_24H, "35.4999"), 50);
    // CO keeps one decimal: 1.25 → 1.2 → 30; 1.35 → 1.4 → 35.
    assert_eq!(sub(E26, Indicator::CO_24H, "1.25"), 30);
    assert_eq!(sub(E26, Indicator::CO_24H, "1.35"), 35);
    // CO is not truncated to an integer (python-aqi's mistake, §4.9).
    assert_eq!(sub(E26, Indicator::CO_24H, "1.9"), 48);
    // iaqi_exact skips the input rounding: 35.4 → 50.57 → 51.
    assert_eq!(
        iaqi_exact(E26, Indicator::PM25_24H, d("35.4"))
            .unwrap()
            .value,
        51
    );
}

#[test]
fn above_800_rules_per_edition() {
    // 2026: SO2 1 h > 800 → 200; O3 8 h > 800 → 300.
    let s = iaqi(E26, Indicator::SO2_1H, d("801")).unwrap();
    assert_eq!((s.value, s.note), (200, Some(IaqiNote::So2HourAbove800)));
    let s = iaqi(E26, Indicator::O3_8H, d("1000")).unwrap();
    assert_eq!(
        (s.value, s.note),
        (300, Some(IaqiNote::O3EightHourAbove800))
    );
    assert_eq!(sub(E26, Indicator::SO2_1H, "800"), 200);
    assert_eq!(sub(E26, Indicator::O3_8H, "800"), 300);
    // 800.4 rounds to 800 first: table, not footnote.
    assert_eq!(iaqi(E26, Indicator::SO2_1H, d("800.4")).unwrap().note, None);
    // 2012: no IAQI; use the 24-h / 1-h average instead.
    assert_eq!(
        iaqi(E12, Indicator::SO2_1H, d("801")),
        Err(IaqiError::So2HourAbove800)
    );
    assert_eq!(
        iaqi(E12, Indicator::O3_8H, d("801")),
        Err(IaqiError::O3EightHourAbove800)
    );
}

#[test]
fn above_table_capped_at_500_and_flagged() {
    let s = iaqi(E26, Indicator::PM25_24H, d("501")).unwrap();
    assert_eq!((s.value, s.note), (500, Some(IaqiNote::AboveTable)));
    assert_eq!(iaqi(E26, Indicator::PM25_24H, d("500")).unwrap().note, None);
    let r = daily_report(
        &DailyData {
            so2: v("5"),
            no2: v("5"),
            co: v("0.5"),
            pm10: v("700"),
            pm25: v("900"),
            o3_8h: v("50"),
            ..Default::default()
        },
        E26,
    );
    assert_eq!(r.aqi, Some(500));
    assert!(r.above_table());
    assert_eq!(r.primary, vec![Pollutant::Pm10, Pollutant::Pm25]);
}

#[test]
fn levels_categories_colours_4_6() {
    // (lowest AQI, level, name, category, colour, RGB, hex)
    type Row = (
        u16,
        Level,
        &'static str,
        &'static str,
        &'static str,
        [u8; 3],
        &'static str,
    );
    let table: &[Row] = &[
        (50, Level::I, "一级", "优", "绿", [0, 228, 0], "#00E400"),
        (51, Level::II, "二级", "良", "黄", [255, 255, 0], "#FFFF00"),
        (
            101,
            Level::III,
            "三级",
            "轻度污染",
            "橙",
            [255, 126, 0],
            "#FF7E00",
        ),
        (
            151,
            Level::IV,
            "四级",
            "中度污染",
            "红",
            [255, 0, 0],
            "#FF0000",
        ),
        (
            201,
            Level::V,
            "五级",
            "重度污染",
            "紫",
            [153, 0, 76],
            "#99004C",
        ),
        (
            301,
            Level::VI,
            "六级",
            "严重污染",
            "褐红",
            [126, 0, 35],
            "#7E0023",
        ),
    ];
    for &(aqi, level, name, cat, colour, rgb, hex) in table {
        assert_eq!(Level::from_aqi(aqi), level);
        assert_eq!(level.name_zh(), name);
        assert_eq!(level.category_zh(), cat);
        assert_eq!(level.colour().name_zh, colour);
        assert_eq!(level.colour().rgb, rgb);
        assert_eq!(level.colour().hex(), hex);
    }
    assert_eq!(Level::V.colour().cmyk, [10, 100, 40, 30]);
    assert_eq!(Level::III.category_en(), "Lightly polluted");
    for (upper, lvl) in [
        (50, Level::I),
        (100, Level::II),
        (150, Level::III),
        (200, Level::IV),
        (300, Level::V),
    ] {
        assert_eq!(Level::from_aqi(upper), lvl);
        assert_eq!(Level::from_aqi(upper + 1).number(), lvl.number() + 1);
    }
    assert_eq!(Level::from_aqi(0), Level::I);
    assert_eq!(Level::I.aqi_range(E12), (0, Some(50)));
    assert_eq!(Level::I.aqi_range(E26), (1, Some(50)));
    assert_eq!(Level::VI.aqi_range(E26), (301, None));
}

#[test]
fn edition_by_date_with_override() {
    assert_eq!(Edition::for_date(date!(2026 - 02 - 28)), E12);
    assert_eq!(Edition::for_date(date!(2026 - 03 - 01)), E26);
    // 2026-02-28 16:00 UTC is 2026-03-01 00:00 in UTC+8.
    assert_eq!(Edition::for_instant(datetime!(2026-02-28 16:00 UTC)), E26);
    assert_eq!(
        Edition::for_instant(datetime!(2026-02-28 15:59:59 UTC)),
        E12
    );
    assert_eq!(EditionChoice::ByDate.resolve(date!(2025 - 06 - 01)), E12);
    assert_eq!(
        EditionChoice::Fixed(E26).resolve(date!(2025 - 06 - 01)),
        E26
    );
    assert_eq!(EditionChoice::default(), EditionChoice::ByDate);
}

fn clean_day() -> DailyData {
    DailyData {
        so2: v("10"),
        no2: v("20"),
        co: v("0.6"),
        pm10: v("40"),
        pm25: v("20"),
        o3_8h: v("80"),
        o3_1h: v("100"),
    }
}

#[test]
fn daily_report_indicator_sets() {
    let r26 = daily_report(&clean_day(), E26);
    let r12 = daily_report(&clean_day(), E12);
    assert_eq!(r26.items.len(), 6); // 2026: 6 indicators
    assert_eq!(r12.items.len(), 7); // 2012: + O3 daily max 1 h
    assert!(!r26.items.iter().any(|i| i.indicator == Indicator::O3_1H));
    // AQI ≤ 50: no primary pollutant.
    assert_eq!(r26.aqi, Some(40)); // O3 8 h 80 → 40
    assert!(r26.primary.is_empty());
    assert_eq!(r26.primary_text(), "—");
    assert_eq!(r26.level, Some(Level::I));
}

#[test]
fn primary_pollutant_ties_are_all_listed() {
    // PM2.5 75 (2012) → 100 and PM10 150 (2012) → 100: tie.
    let mut day = clean_day();
    day.pm25 = v("75");
    day.pm10 = v("150");
    let r = daily_report(&day, E12);
    assert_eq!(r.aqi, Some(100));
    assert_eq!(r.primary, vec![Pollutant::Pm10, Pollutant::Pm25]);
    assert_eq!(r.primary_text(), "PM10、PM2.5");
    assert!(r.non_attainment.is_empty()); // 100 is not > 100
    let r26 = daily_report(&day, E26);
    assert_eq!(r26.aqi, Some(114));
    assert_eq!(r26.primary, vec![Pollutant::Pm25]);
    assert!(r26.non_attainment.is_empty()); // definition deleted in 2026
    day.pm25 = v("80");
    assert_eq!(
        daily_report(&day, E12).non_attainment,
        vec![Pollutant::Pm25]
    );
}

#[test]
fn daily_2012_o3_8h_above_800_uses_1h() {
    let mut day = clean_day();
    day.o3_8h = v("850");
    day.o3_1h = v("850"); // 800–1000 → 300–400: 300 + ceil(100·50/200) = 325
    let r = daily_report(&day, E12);
    assert_eq!(r.aqi, Some(325));
    assert!(r.missing.is_empty());
    assert_eq!(r.primary, vec![Pollutant::O3]);
    let o3_8 = r
        .items
        .iter()
        .find(|i| i.indicator == Indicator::O3_8H)
        .unwrap();
    assert_eq!(
        o3_8.note,
        Some(ItemNote::NotComputed(IaqiError::O3EightHourAbove800))
    );
    // 2026 for the same day: 300 from the footnote.
    assert_eq!(daily_report(&day, E26).aqi, Some(300));
}

fn hour() -> HourlyData {
    HourlyData {
        so2: v("20"),
        no2: v("60"),
        co: v("0.8"),
        o3: v("120"),
        pm10: v("90"),
        pm25: v("70"),
        o3_8h: v("100"),
        pm10_24h: v("80"),
        pm25_24h: v("50"),
        so2_24h: v("15"),
    }
}

#[test]
fn hourly_2026_pm_uses_daily_breakpoints() {
    let r = hourly_report(&hour(), E26);
    assert_eq!(r.items.len(), 6);
    // PM2.5 1 h 70 on the daily column: 100 + ceil(50·10/55) = 110.
    assert_eq!(r.aqi, Some(110));
    assert_eq!(r.primary, vec![Pollutant::Pm25]);
}

#[test]
fn hourly_2012_pm_from_24h_moving_averages() {
    let r = hourly_report(&hour(), E12);
    assert_eq!(r.items.len(), 9); // 9 indicators
    let pm25_1h = r
        .items
        .iter()
        .find(|i| i.indicator == Indicator::PM25_1H)
        .unwrap();
    assert_eq!(pm25_1h.iaqi, None);
    assert_eq!(pm25_1h.note, Some(ItemNote::ConcentrationOnly));
    assert_eq!(pm25_1h.concentration, Some(d("70")));
    // PM2.5 24 h 50 (2012): 50 + ceil(50·15/40) = 69; O3 1 h 120 → 38; NO2 1 h 60 → 30;
    // PM10 24 h 80 → 50 + 15 = 65; O3 8 h 100 → 50.
    assert_eq!(r.aqi, Some(69));
    assert_eq!(r.primary, vec![Pollutant::Pm25]);
}

#[test]
fn hourly_2012_so2_above_800_uses_24h() {
    let mut h = hour();
    h.so2 = v("900");
    h.so2_24h = v("500"); // 24 h: 475–800 → 150–200: 150 + ceil(50·25/325) = 154
    let r = hourly_report(&h, E12);
    assert_eq!(r.aqi, Some(154));
    assert_eq!(r.primary, vec![Pollutant::So2]);
    assert!(r.missing.is_empty());
    let stand_in = r
        .items
        .iter()
        .find(|i| i.indicator == Indicator::SO2_24H)
        .unwrap();
    assert_eq!(stand_in.note, Some(ItemNote::StandIn));
    // Without the 24-h average the SO2 IAQI is missing.
    h.so2_24h = Measurement::Missing;
    let r = hourly_report(&h, E12);
    assert_eq!(r.missing, vec![Indicator::SO2_1H]);
    assert_eq!(r.aqi, Some(69)); // 2012 publishes from what is available
                                 // 2026: 200 by footnote.
    let r = hourly_report(&h, E26);
    assert_eq!(r.aqi, Some(200));
    assert_eq!(r.primary, vec![Pollutant::So2]);
}

#[test]
fn missing_data_rule_2026() {
    // AQI of the others ≤ 100 → AQI, primary, level, category are NA.
    let mut day = clean_day();
    day.pm25 = Measurement::Missing;
    let r = daily_report(&day, E26);
    assert_eq!(r.aqi, None);
    assert_eq!(r.partial_aqi, Some(40));
    assert_eq!(r.aqi_text(), "NA");
    assert_eq!(r.primary_text(), "NA");
    assert_eq!(r.category_zh(), "NA");
    assert_eq!(r.level, None);
    assert_eq!(r.missing, vec![Indicator::PM25_24H]);
    // IAQIs of the others are still there.
    assert_eq!(r.items.iter().filter(|i| i.iaqi.is_some()).count(), 5);
    // Others' AQI > 100 → still published.
    day.pm10 = v("200"); // 120–250 → 100–150: 100 + ceil(50·80/130) = 131
    let r = daily_report(&day, E26);
    assert_eq!(r.aqi, Some(131));
    assert_eq!(r.primary, vec![Pollutant::Pm10]);
    // Exactly 100 is not "> 100".
    day.pm10 = v("120");
    assert_eq!(daily_report(&day, E26).aqi, None);
    // A pollutant outside the monitoring plan (/) does not trigger the rule.
    let mut day = clean_day();
    day.co = Measurement::NotCovered;
    let r = daily_report(&day, E26);
    assert_eq!(r.aqi, Some(40));
    assert!(r.missing.is_empty());
    // 2012 has no such rule: published from the rest.
    let mut day = clean_day();
    day.pm25 = Measurement::Missing;
    // SO2 10 → 10, NO2 20 → 25, CO 0.6 → 15, O3 1 h 100 → 32, O3 8 h 80 → 40, PM10 40 → 40.
    let r = daily_report(&day, E12);
    assert_eq!(r.aqi, Some(40));
    assert_eq!(r.missing, vec![Indicator::PM25_24H]);
}

#[test]
fn nothing_measured_is_na() {
    let r = daily_report(&DailyData::default(), E26);
    assert_eq!(r.aqi, None);
    assert_eq!(r.partial_aqi, None);
    let r = daily_report(&DailyData::default(), E12);
    assert_eq!(r.aqi, None);
}

#[test]
fn published_concentrations_are_rounded() {
    let mut day = clean_day();
    day.pm25 = v("34.5");
    day.co = v("1.25");
    let r = daily_report(&day, E26);
    let conc = |ind| {
        r.items
            .iter()
            .find(|i| i.indicator == ind)
            .unwrap()
            .concentration
    };
    assert_eq!(conc(Indicator::PM25_24H), Some(d("34")));
    assert_eq!(conc(Indicator::CO_24H), Some(d("1.2")));
}

#[test]
fn sensitive_groups_table_2() {
    assert_eq!(
        Pollutant::Co.sensitive_groups(),
        &["people with cardiovascular disease"]
    );
    assert_eq!(Pollutant::So2.sensitive_groups().len(), 3);
    assert_eq!(
        Pollutant::Pm25.sensitive_groups(),
        Pollutant::Pm10.sensitive_groups()
    );
}

// §5.1 GB 3096.
#[test]
fn noise_limits_table() {
    let r = NoiseRules::default();
    let table = [
        (ZoneClass::Class0, 50, 40),
        (ZoneClass::Class1, 55, 45),
        (ZoneClass::Class2, 60, 50),
        (ZoneClass::Class3, 65, 55),
        (ZoneClass::Class4a, 70, 55),
        (ZoneClass::Class4b, 70, 60),
    ];
    for (z, day, night) in table {
        assert_eq!(noise::limit(z, Period::Day, &r), day, "{z}");
        assert_eq!(noise::limit(z, Period::Night, &r), night, "{z}");
        assert_eq!(z.label().parse::<ZoneClass>().unwrap(), z);
    }
    let existing = NoiseRules {
        railway_4b: Railway4b::ExistingLineBackground,
        ..Default::default()
    };
    assert_eq!(
        noise::limit(ZoneClass::Class4b, Period::Night, &existing),
        55
    );
    assert_eq!(noise::limit(ZoneClass::Class4b, Period::Day, &existing), 70);
    assert_eq!("4A类".parse::<ZoneClass>().unwrap(), ZoneClass::Class4a);
    assert!("5".parse::<ZoneClass>().is_err());
}

#[test]
fn noise_day_night_and_exceedance() {
    let r = NoiseRules::default();
    let dn = r.day_night;
    assert_eq!(dn.period_at(time!(06:00)), Period::Day);
    assert_eq!(dn.period_at(time!(05:59:59)), Period::Night);
    assert_eq!(dn.period_at(time!(21:59:59)), Period::Day);
    assert_eq!(dn.period_at(time!(22:00)), Period::Night);
    assert_eq!(dn.period_at(time!(00:00)), Period::Night);
    // Local rule: day 07:00–23:00.
    let local = noise::DayNight::new(time!(07:00), time!(23:00)).unwrap();
    assert_eq!(local.period_at(time!(06:30)), Period::Night);
    assert_eq!(local.period_at(time!(22:30)), Period::Day);
    assert!(noise::DayNight::new(time!(07:00), time!(07:00)).is_err());

    let a = noise::assess_at(ZoneClass::Class2, time!(12:00), 63.47, None, &r);
    assert_eq!(
        (a.limit_db, a.laeq_db, a.exceedance_db, a.exceeds),
        (60, 63.5, 3.5, true)
    );
    assert_eq!(a.lmax_limit_db, None); // L_max rule is night only
    let a = noise::assess(ZoneClass::Class2, Period::Day, 60.0, None, &r);
    assert_eq!((a.exceedance_db, a.exceeds), (0.0, false)); // at the limit is within
    let a = noise::assess(ZoneClass::Class2, Period::Night, 49.0, Some(65.0), &r);
    assert_eq!(a.lmax_limit_db, Some(65));
    assert!(!a.lmax_exceeds);
    let a = noise::assess(ZoneClass::Class2, Period::Night, 49.0, Some(65.1), &r);
    assert_eq!(a.lmax_exceedance_db, Some(0.1));
    assert!(a.lmax_exceeds && !a.exceeds);
}

// §5.2 GB 3838.
#[test]
fn water_parameter_classes_at_limits() {
    let river = WaterBody::River;
    let lake = WaterBody::LakeReservoir;
    let cases: &[(Parameter, WaterBody, [&str; 5])] = &[
        (
            Parameter::PermanganateIndex,
            river,
            ["2", "4", "6", "10", "15"],
        ),
        (Parameter::Cod, river, ["15", "15", "20", "30", "40"]),
        (Parameter::Bod5, river, ["3", "3", "4", "6", "10"]),
        (
            Parameter::AmmoniaNitrogen,
            river,
            ["0.15", "0.5", "1.0", "1.5", "2.0"],
        ),
        (
            Parameter::TotalPhosphorus,
            river,
            ["0.02", "0.1", "0.2", "0.3", "0.4"],
        ),
        (
            Parameter::TotalPhosphorus,
            lake,
            ["0.01", "0.025", "0.05", "0.1", "0.2"],
        ),
        (
            Parameter::TotalNitrogen,
            lake,
            ["0.2", "0.5", "1.0", "1.5", "2.0"],
        ),
        (
            Parameter::FecalColiform,
            river,
            ["200", "2000", "10000", "20000", "40000"],
        ),
    ];
    for &(p, body, limits) in cases {
        for (k, lim) in limits.iter().enumerate() {
            let c = water::parameter_class(p, d(lim), body);
            // On the limit: meets it. Equal limits (COD I/II) give the better class.
            let first = limits.iter().position(|l| d(l) == d(lim)).unwrap();
            assert_eq!(c, WaterClass::LIMITED[first], "{p} {lim}");
            assert!(c <= WaterClass::LIMITED[k]);
        }
        let worse = Decimal::from_micros(d(limits[4]).micros() + 1);
        assert_eq!(
            water::parameter_class(p, worse, body),
            WaterClass::WorseThanV
        );
    }
    // DO: higher is better.
    let dox = |s| water::parameter_class(Parameter::DissolvedOxygen, d(s), river);
    assert_eq!(dox("7.5"), WaterClass::I);
    assert_eq!(dox("7.49"), WaterClass::II);
    assert_eq!(dox("6"), WaterClass::II);
    assert_eq!(dox("5"), WaterClass::III);
    assert_eq!(dox("3"), WaterClass::IV);
    assert_eq!(dox("2"), WaterClass::V);
    assert_eq!(dox("1.99"), WaterClass::WorseThanV);
    // pH 6–9 in every class.
    let ph = |s| water::parameter_class(Parameter::Ph, d(s), river);
    assert_eq!(ph("6"), WaterClass::I);
    assert_eq!(ph("9"), WaterClass::I);
    assert_eq!(ph("9.1"), WaterClass::WorseThanV);
    assert_eq!(ph("5.9"), WaterClass::WorseThanV);
}

#[test]
fn water_overall_is_worst_and_tn_rule() {
    let mut s = WaterSample::new(WaterBody::River);
    s.set(Parameter::Ph, d("7.2"))
        .set(Parameter::DissolvedOxygen, d("6.8")) // II
        .set(Parameter::Cod, d("18")) // III
        .set(Parameter::AmmoniaNitrogen, d("0.4")) // II
        .set(Parameter::TotalNitrogen, d("3.0")); // 劣V, not counted for rivers
    let a = water::assess(&s, &WaterRules::default());
    assert_eq!(a.overall, Some(WaterClass::III));
    assert_eq!(a.meets(WaterClass::III), Some(true));
    assert!(a.exceeding(WaterClass::III).is_empty());
    let over: Vec<Parameter> = a
        .exceeding(WaterClass::II)
        .iter()
        .map(|p| p.parameter)
        .collect();
    assert_eq!(over, vec![Parameter::Cod]);
    let tn = a
        .parameters
        .iter()
        .find(|p| p.parameter == Parameter::TotalNitrogen)
        .unwrap();
    assert_eq!((tn.class, tn.counted), (WaterClass::WorseThanV, false));
    let with_tn = WaterRules {
        river_total_nitrogen: true,
    };
    let a = water::assess(&s, &with_tn);
    assert_eq!(a.overall, Some(WaterClass::WorseThanV));
    assert_eq!(a.overall.unwrap().label_zh(), "劣V类");
    assert_eq!(a.overall.unwrap().project_colour(), "#FF0000");
    // In a lake TN counts.
    s.body = WaterBody::LakeReservoir;
    assert_eq!(
        water::assess(&s, &WaterRules::default()).overall,
        Some(WaterClass::WorseThanV)
    );
    // DO saturation ≥ 90 % also makes DO class I.
    let mut s = WaterSample::new(WaterBody::River);
    s.set(Parameter::DissolvedOxygen, d("7.0"));
    s.do_saturation_percent = Some(d("92"));
    assert_eq!(
        water::assess(&s, &WaterRules::default()).overall,
        Some(WaterClass::I)
    );
    // Empty sample.
    assert_eq!(
        water::assess(&WaterSample::new(WaterBody::River), &WaterRules::default()).overall,
        None
    );
}

#[test]
fn noise_odd_floats_do_not_panic() {
    let r = NoiseRules::default();
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -20.0, 1e300] {
        let a = noise::assess(ZoneClass::Class1, Period::Night, x, Some(x), &r);
        assert!(a.exceedance_db >= 0.0);
    }
    let a = noise::assess(ZoneClass::Class1, Period::Night, f64::INFINITY, None, &r);
    assert!(a.exceeds);
}
