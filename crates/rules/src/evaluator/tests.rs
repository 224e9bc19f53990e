use super::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn rule(json: &str) -> Rule {
    Rule::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

/// "PM2.5 > 75 for 60 minutes; clear below 60".
fn pm25_rule(version: u32, extra: &str) -> Rule {
    rule(&format!(
        r#"{{"id": "pm25-high", "version": {version}, "name": "PM2.5 持续超标", "severity": "major",
            "scope": {{"kind": "air_station"}},
            "condition": {{"type": "threshold", "metric": "pm25", "op": ">", "value": 75,
                           "clear": 60, "for_seconds": 3600 {extra}}}}}"#
    ))
}

fn pm(ev: &mut Evaluator, entity: &str, minute: i64, v: f64) -> Vec<Transition> {
    ev.reading(&Reading::new(
        entity,
        "air_station",
        "pm25",
        minute * MIN,
        v,
    ))
}

fn names(ts: &[Transition]) -> Vec<&'static str> {
    ts.iter().map(Transition::name).collect()
}

fn only(ts: Vec<Transition>) -> Transition {
    assert_eq!(ts.len(), 1, "expected one transition, got {ts:?}");
    ts.into_iter().next().unwrap()
}

#[test]
fn hysteresis_raises_after_the_duration_holds_in_the_band_and_clears_below() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    assert!(pm(&mut ev, "aq-01", 0, 80.0).is_empty());
    assert_eq!(
        ev.phase("pm25-high", "aq-01"),
        Some(&Phase::Pending { since_ms: 0 })
    );
    assert!(pm(&mut ev, "aq-01", 30, 90.0).is_empty());
    assert!(
        pm(&mut ev, "aq-01", 59, 76.0).is_empty(),
        "59 minutes is not 60"
    );
    let Transition::Raised(a) = only(pm(&mut ev, "aq-01", 60, 81.0)) else {
        panic!("expected Raised");
    };
    assert_eq!(
        (a.since_ms, a.ts_ms, a.value, a.count),
        (0, 60 * MIN, 81.0, 1)
    );
    assert_eq!(
        (a.rule.as_str(), a.version, a.severity),
        ("pm25-high", 1, Severity::Major)
    );
    assert!(
        a.message
            .starts_with("PM2.5 持续超标：pm25 81（> 75），持续 1 小时"),
        "{}",
        a.message
    );
    // Between 60 and 75: neither raising nor clearing, the alarm stays open.
    for (m, v) in [(61, 70.0), (62, 74.9), (63, 60.0)] {
        assert!(pm(&mut ev, "aq-01", m, v).is_empty(), "{v}");
        assert!(matches!(
            ev.phase("pm25-high", "aq-01"),
            Some(Phase::Active(_))
        ));
    }
    let Transition::Cleared(a) = only(pm(&mut ev, "aq-01", 64, 59.9)) else {
        panic!("expected Cleared");
    };
    assert_eq!(a.value, 59.9);
    assert_eq!(ev.phase("pm25-high", "aq-01"), Some(&Phase::Idle));
    assert_eq!((ev.stats().raised, ev.stats().cleared), (1, 1));
}

#[test]
fn the_limit_itself_does_not_raise_a_strict_comparison() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    assert!(pm(&mut ev, "aq-01", 0, 75.0).is_empty());
    assert_eq!(ev.phase("pm25-high", "aq-01"), Some(&Phase::Idle));
}

#[test]
fn a_reading_that_breaks_the_condition_resets_the_duration() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    assert!(pm(&mut ev, "aq-01", 0, 80.0).is_empty());
    // 70 is in the hysteresis band: it does not clear, but it does not hold either.
    assert!(pm(&mut ev, "aq-01", 30, 70.0).is_empty());
    assert_eq!(ev.phase("pm25-high", "aq-01"), Some(&Phase::Idle));
    assert!(pm(&mut ev, "aq-01", 40, 80.0).is_empty());
    assert!(
        pm(&mut ev, "aq-01", 60, 80.0).is_empty(),
        "the run began at 40, not 0"
    );
    assert!(pm(&mut ev, "aq-01", 99, 80.0).is_empty());
    let Transition::Raised(a) = only(pm(&mut ev, "aq-01", 100, 80.0)) else {
        panic!("expected Raised");
    };
    assert_eq!(a.since_ms, 40 * MIN);
}

#[test]
fn the_clear_duration_must_hold_and_a_relapse_returns_to_active() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, r#", "clear_for_seconds": 600"#)]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    assert_eq!(names(&pm(&mut ev, "aq-01", 60, 80.0)), ["raised"]);
    assert!(pm(&mut ev, "aq-01", 61, 50.0).is_empty());
    assert_eq!(
        ev.phase("pm25-high", "aq-01")
            .map(|p| matches!(p, Phase::Clearing { since_ms, .. } if *since_ms == 61 * MIN)),
        Some(true)
    );
    // A reading in the band interrupts the clearing run: back to Active, silently.
    assert!(pm(&mut ev, "aq-01", 65, 65.0).is_empty());
    assert!(matches!(
        ev.phase("pm25-high", "aq-01"),
        Some(Phase::Active(_))
    ));
    assert!(pm(&mut ev, "aq-01", 66, 50.0).is_empty());
    assert!(
        pm(&mut ev, "aq-01", 75, 50.0).is_empty(),
        "9 minutes of clear"
    );
    // A relapse while clearing is an update of the same alarm, not a new one.
    let t = only(pm(&mut ev, "aq-01", 76, 90.0));
    assert!(
        matches!(&t, Transition::Updated(a) if a.count == 2 && a.peak == 90.0),
        "{t:?}"
    );
    assert!(pm(&mut ev, "aq-01", 77, 50.0).is_empty());
    assert!(pm(&mut ev, "aq-01", 86, 40.0).is_empty());
    let Transition::Cleared(a) = only(pm(&mut ev, "aq-01", 87, 45.0)) else {
        panic!("expected Cleared");
    };
    assert_eq!((a.since_ms, a.peak, a.value), (0, 90.0, 45.0));
}

#[test]
fn one_open_alarm_per_rule_and_entity_repeats_update_it() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    let r = ev.rule("pm25-high").unwrap().clone();
    let Condition::Threshold(mut t) = r.condition.clone() else {
        unreachable!()
    };
    t.for_seconds = 0;
    ev.upsert(
        Rule {
            version: 2,
            condition: Condition::Threshold(t),
            ..r
        },
        0,
    )
    .unwrap();
    assert_eq!(names(&pm(&mut ev, "aq-01", 0, 80.0)), ["raised"]);
    assert_eq!(names(&pm(&mut ev, "aq-02", 0, 76.0)), ["raised"]);
    let Transition::Updated(a) = only(pm(&mut ev, "aq-01", 1, 90.0)) else {
        panic!("expected Updated");
    };
    assert_eq!((a.count, a.peak, a.since_ms), (2, 90.0, 0));
    let Transition::Updated(a) = only(pm(&mut ev, "aq-01", 2, 85.0)) else {
        panic!("expected Updated");
    };
    assert_eq!((a.count, a.peak, a.value), (3, 90.0, 85.0));
    assert!(a.message.contains("峰值 90，第 3 次"), "{}", a.message);
    let open = ev.open_alarms();
    assert_eq!(
        open.iter().map(|(r, e, _)| (*r, *e)).collect::<Vec<_>>(),
        [("pm25-high", "aq-01"), ("pm25-high", "aq-02")]
    );
    assert_eq!((ev.stats().raised, ev.stats().updated), (2, 2));
}

#[test]
fn a_below_threshold_tracks_the_lowest_value_as_peak() {
    let r = rule(
        r#"{"id": "frost", "version": 1, "name": "路面结冰", "severity": "warning",
            "scope": {"entity": "road-7"},
            "condition": {"type": "threshold", "metric": "temp", "op": "<=", "value": 0, "clear": 2}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    let at = |m: i64, v: f64| Reading::new("road-7", "road_sensor", "temp", m * MIN, v);
    assert!(ev.reading(&at(0, 0.5)).is_empty());
    assert_eq!(names(&ev.reading(&at(1, 0.0))), ["raised"]);
    let t = only(ev.reading(&at(2, -3.0)));
    assert_eq!(t.alarm().peak, -3.0);
    let t = only(ev.reading(&at(3, -1.0)));
    assert_eq!(t.alarm().peak, -3.0);
    assert!(ev.reading(&at(4, 1.5)).is_empty(), "band");
    assert_eq!(names(&ev.reading(&at(5, 2.5))), ["cleared"]);
    // The entity scope: another road is not this rule's.
    assert!(ev
        .reading(&Reading::new(
            "road-8",
            "road_sensor",
            "temp",
            6 * MIN,
            -9.0
        ))
        .is_empty());
}

#[test]
fn a_restart_in_the_middle_of_a_duration_continues_it() {
    let rules = || vec![pm25_rule(1, "")];
    let mut ev = Evaluator::new(rules()).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    pm(&mut ev, "aq-01", 30, 85.0);
    let json = serde_json::to_string(&ev.snapshot()).unwrap();
    drop(ev);

    let snapshot: StateSnapshot = serde_json::from_str(&json).unwrap();
    let (mut ev, report) = Evaluator::restore(rules(), snapshot.clone()).unwrap();
    assert_eq!((report.kept, report.dropped), (1, 0));
    assert!(report.transitions.is_empty());
    assert_eq!(
        ev.snapshot(),
        snapshot,
        "restore then snapshot gives the same state"
    );
    assert_eq!(ev.clock_ms(), 30 * MIN);
    // The reading at 30 delivered again after the restart is a replay, not a new run.
    assert!(pm(&mut ev, "aq-01", 30, 85.0).is_empty());
    assert_eq!(ev.stats().duplicates, 1);
    let Transition::Raised(a) = only(pm(&mut ev, "aq-01", 60, 81.0)) else {
        panic!("the duration begun before the restart must complete at 60");
    };
    assert_eq!(a.since_ms, 0);

    // Without the snapshot the same reading would only start a run: the state is what mattered.
    let mut fresh = Evaluator::new(rules()).unwrap();
    assert!(pm(&mut fresh, "aq-01", 60, 81.0).is_empty());

    // And an open alarm survives a restart as open: the next trigger updates, never re-raises.
    let json = serde_json::to_string(&ev.snapshot()).unwrap();
    let (mut ev, _) = Evaluator::restore(rules(), serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(names(&pm(&mut ev, "aq-01", 61, 82.0)), ["updated"]);
    assert_eq!(names(&pm(&mut ev, "aq-01", 62, 50.0)), ["cleared"]);
}

#[test]
fn a_snapshot_of_another_format_is_refused() {
    let mut snap = Evaluator::new(vec![]).unwrap().snapshot();
    snap.format = 99;
    assert!(matches!(
        Evaluator::restore(vec![], snap),
        Err(Error::SnapshotFormat { found: 99, .. })
    ));
}

fn offline_rule(extra: &str) -> Rule {
    rule(&format!(
        r#"{{"id": "silent", "version": 1, "name": "设备离线", "severity": "minor",
            "scope": {{"kind": "air_station"}},
            "condition": {{"type": "offline", "after_seconds": 900 {extra}}}}}"#
    ))
}

#[test]
fn offline_raises_on_tick_and_clears_on_a_fresh_reading() {
    let mut ev = Evaluator::new(vec![offline_rule("")]).unwrap();
    let s = 1000;
    // Any metric is a sign of life.
    ev.reading(&Reading::new("aq-01", "air_station", "temp", 0, 20.0));
    assert!(ev.tick(899 * s).is_empty());
    let Transition::Raised(a) = only(ev.tick(900 * s)) else {
        panic!("expected Raised");
    };
    assert_eq!((a.since_ms, a.ts_ms, a.value), (0, 900 * s, 900.0));
    assert!(
        ev.tick(1000 * s).is_empty(),
        "raised once, not at every tick"
    );
    let Transition::Cleared(a) = only(ev.reading(&Reading::new(
        "aq-01",
        "air_station",
        "pm25",
        1000 * s,
        30.0,
    ))) else {
        panic!("expected Cleared");
    };
    assert_eq!(a.value, 1000.0);
    // Silent again; a late reading from a device buffer (newer than the last, but older than
    // the clock by more than the limit) does not prove the device is back.
    assert_eq!(names(&ev.tick(3000 * s)), ["raised"]);
    assert!(ev
        .reading(&Reading::new(
            "aq-01",
            "air_station",
            "pm25",
            1500 * s,
            30.0
        ))
        .is_empty());
    assert!(matches!(
        ev.phase("silent", "aq-01"),
        Some(Phase::Active(_))
    ));
    assert_eq!(
        names(&ev.reading(&Reading::new(
            "aq-01",
            "air_station",
            "pm25",
            3000 * s,
            30.0
        ))),
        ["cleared"]
    );
}

#[test]
fn offline_on_one_metric_ignores_the_others_and_track_covers_the_never_seen() {
    let mut ev = Evaluator::new(vec![offline_rule(r#", "metric": "pm25""#)]).unwrap();
    let s = 1000;
    ev.reading(&Reading::new("aq-01", "air_station", "pm25", 0, 30.0));
    ev.reading(&Reading::new("aq-01", "air_station", "temp", 800 * s, 20.0));
    assert_eq!(names(&ev.tick(900 * s)), ["raised"], "temp is not pm25");
    ev.track("aq-09", "air_station", None, 100 * s);
    ev.track("cam-1", "camera", None, 100 * s);
    let t = ev.tick(1000 * s);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].alarm().entity, "aq-09");
    // Tracking an entity that already reports changes nothing.
    ev.track("aq-01", "air_station", None, 999 * s);
    assert!(ev.tick(1001 * s).is_empty());
}

#[test]
fn a_tick_does_not_complete_a_pending_duration() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    assert!(ev.tick(5 * HOUR).is_empty());
    assert_eq!(
        ev.phase("pm25-high", "aq-01"),
        Some(&Phase::Pending { since_ms: 0 })
    );
}

#[test]
fn rate_rises_and_falls_within_the_window() {
    let rise = rule(
        r#"{"id": "flood", "version": 1, "name": "水位陡涨", "severity": "critical",
            "scope": {"kind": "water_gauge"},
            "condition": {"type": "rate", "metric": "level", "direction": "rise", "limit": 10, "window_seconds": 600}}"#,
    );
    let fall = rule(
        r#"{"id": "pressure", "version": 1, "name": "管网失压", "severity": "major",
            "scope": {"kind": "water_gauge"},
            "condition": {"type": "rate", "metric": "pressure", "direction": "fall", "limit_percent": 50, "window_seconds": 600}}"#,
    );
    let mut ev = Evaluator::new(vec![rise, fall]).unwrap();
    let s = 1000;
    let level = |t: i64, v: f64| Reading::new("g-1", "water_gauge", "level", t * s, v);
    assert!(ev.reading(&level(0, 100.0)).is_empty());
    assert!(ev.reading(&level(60, 104.0)).is_empty());
    // Falling first does not make a rise.
    assert!(ev.reading(&level(100, 95.0)).is_empty());
    let Transition::Raised(a) = only(ev.reading(&level(120, 107.0))) else {
        panic!("expected Raised: 107 − 95 > 10");
    };
    assert_eq!(a.value, 12.0);
    assert!(a.message.contains("上升 12"), "{}", a.message);
    assert_eq!(names(&ev.reading(&level(180, 108.0))), ["updated"]);
    // 95 at 100 s is still in the window at 500 s.
    assert_eq!(names(&ev.reading(&level(500, 108.0))), ["updated"]);
    // At 800 s only the 500 s reading is in the window: steady, so the alarm clears.
    assert_eq!(names(&ev.reading(&level(800, 108.0))), ["cleared"]);
    // After a gap longer than the window there is no reference: nothing to say.
    assert!(ev.reading(&level(2000, 150.0)).is_empty());
    assert!(matches!(ev.phase("flood", "g-1"), Some(Phase::Idle)));

    let p = |t: i64, v: f64| Reading::new("g-1", "water_gauge", "pressure", t * s, v);
    assert!(ev.reading(&p(0, 0.40)).is_empty());
    assert!(ev.reading(&p(60, 0.30)).is_empty(), "25 %");
    let t = only(ev.reading(&p(120, 0.18)));
    assert!(
        matches!(&t, Transition::Raised(a) if (a.value - 55.0).abs() < 1e-9),
        "{t:?}"
    );
    assert!(
        t.alarm().message.contains("下降 55 %"),
        "{}",
        t.alarm().message
    );
}

#[test]
fn rate_with_a_gap_longer_than_the_window_has_no_reference() {
    let r = rule(
        r#"{"id": "jump", "version": 1, "name": "跳变", "severity": "minor",
            "scope": {"kind": "k"},
            "condition": {"type": "rate", "metric": "m", "limit": 5, "window_seconds": 60}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    ev.reading(&Reading::new("e", "k", "m", 0, 0.0));
    assert!(ev
        .reading(&Reading::new("e", "k", "m", 3_600_000, 100.0))
        .is_empty());
    assert_eq!(
        names(&ev.reading(&Reading::new("e", "k", "m", 3_610_000, 90.0))),
        ["raised"],
        "direction any: a fall of 10 within the window"
    );
}

#[test]
fn aqi_level_with_one_level_of_hysteresis() {
    let r = rule(
        r#"{"id": "aqi-4", "version": 1, "name": "中度污染", "severity": "major",
            "scope": {"kind": "air_station"}, "condition": {"type": "aqi", "level": 4}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    let at = |m: i64, v: f64| Reading::new("aq-01", "air_station", "aqi", m * MIN, v);
    assert!(ev.reading(&at(0, 150.0)).is_empty(), "150 is level 3");
    let Transition::Raised(a) = only(ev.reading(&at(1, 151.0))) else {
        panic!("151 is level 4");
    };
    assert!(a.message.contains("4 级 中度污染"), "{}", a.message);
    assert_eq!(names(&ev.reading(&at(2, 210.0))), ["updated"]);
    assert!(
        ev.reading(&at(3, 120.0)).is_empty(),
        "level 3 holds the alarm"
    );
    assert!(matches!(ev.phase("aqi-4", "aq-01"), Some(Phase::Active(_))));
    let Transition::Cleared(a) = only(ev.reading(&at(4, 100.0))) else {
        panic!("100 is level 2: clears");
    };
    assert_eq!(a.peak, 210.0);
    // An explicit clear level.
    let r = rule(
        r#"{"id": "aqi-5", "version": 1, "name": "重度污染", "severity": "critical",
            "scope": {"kind": "air_station"}, "condition": {"type": "aqi", "level": 5, "clear_level": 4}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    assert_eq!(names(&ev.reading(&at(0, 201.0))), ["raised"]);
    assert_eq!(names(&ev.reading(&at(1, 200.0))), ["cleared"]);
}

#[test]
fn occupancy_reads_the_capacity_attribute() {
    let r = rule(
        r#"{"id": "crowd", "version": 1, "name": "景区客流预警", "severity": "major",
            "scope": {"kind": "scenic_spot"},
            "condition": {"type": "occupancy", "metric": "visitors", "capacity": {"attribute": "capacity"},
                          "ratio": 0.9, "clear_ratio": 0.8}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    let attrs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(r#"{"capacity": 1000, "name_en": "Lushan"}"#).unwrap();
    let at = |m: i64, v: f64| {
        Reading::new("spot-1", "scenic_spot", "visitors", m * MIN, v).attributes(&attrs)
    };
    assert!(ev.reading(&at(0, 899.0)).is_empty());
    let Transition::Raised(a) = only(ev.reading(&at(1, 920.0))) else {
        panic!("92 % ≥ 90 %");
    };
    assert!((a.value - 0.92).abs() < 1e-12);
    assert!(
        a.message.contains("visitors 920/1000，92.0 %"),
        "{}",
        a.message
    );
    let Transition::Updated(a) = only(ev.reading(&at(2, 950.0))) else {
        panic!("95 % updates");
    };
    assert!(
        a.message.ends_with("（峰值 95.0 %，第 2 次）"),
        "{}",
        a.message
    );
    assert!(ev.reading(&at(3, 850.0)).is_empty(), "85 % is in the band");
    assert_eq!(names(&ev.reading(&at(4, 790.0))), ["cleared"]);
    // No capacity attribute: skipped and counted, never divided by nothing.
    let none = |name: &str| (name == "area").then_some(5.0);
    let t =
        ev.reading(&Reading::new("spot-2", "scenic_spot", "visitors", 0, 5000.0).attributes(&none));
    assert!(t.is_empty());
    assert_eq!(ev.stats().no_capacity, 1);
}

#[test]
fn case_counting_slides_per_grid() {
    let r = rule(
        r#"{"id": "garbage-3", "version": 1, "name": "同类案件高发", "severity": "minor", "scope": {},
            "condition": {"type": "case_count", "category": "garbage", "within_seconds": 86400, "at_least": 3}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    let case = |grid: &str, h: f64| CaseEvent {
        category: "garbage".into(),
        grid: grid.into(),
        ts_ms: (h * HOUR as f64) as i64,
    };
    assert!(ev.case_event(&case("g-a", 0.0)).is_empty());
    assert!(ev.case_event(&case("g-a", 5.0)).is_empty());
    assert!(ev.case_event(&case("g-b", 6.0)).is_empty(), "another grid");
    let other = CaseEvent {
        category: "noise".into(),
        ..case("g-a", 7.0)
    };
    assert!(ev.case_event(&other).is_empty(), "another category");
    let Transition::Raised(a) = only(ev.case_event(&case("g-a", 23.0))) else {
        panic!("3 in g-a within 24 h");
    };
    assert_eq!((a.entity.as_str(), a.value, a.since_ms), ("g-a", 3.0, 0));
    let Transition::Updated(a) = only(ev.case_event(&case("g-a", 23.5))) else {
        panic!("a fourth updates");
    };
    assert_eq!(a.value, 4.0);
    assert!(
        ev.tick(25 * HOUR).is_empty(),
        "the 0 h case left, three remain"
    );
    assert_eq!(
        names(&ev.tick(29 * HOUR + MIN)),
        ["cleared"],
        "the 5 h case left too"
    );
    // A case older than the window when it arrives is stale.
    assert!(ev.case_event(&case("g-a", 1.0)).is_empty());
    assert_eq!(ev.stats().stale_cases, 1);
    // g-b alone never reached three; the window emptied and its state went away.
    assert!(ev.tick(40 * HOUR).is_empty());
    assert_eq!(ev.phase("garbage-3", "g-b"), None);
}

#[test]
fn case_windows_survive_a_restart() {
    let rules = || {
        vec![rule(
            r#"{"id": "garbage-3", "version": 1, "name": "同类案件高发", "severity": "minor", "scope": {},
                "condition": {"type": "case_count", "category": "garbage", "within_seconds": 86400, "at_least": 3}}"#,
        )]
    };
    let mut ev = Evaluator::new(rules()).unwrap();
    for h in [1, 2] {
        ev.case_event(&CaseEvent {
            category: "garbage".into(),
            grid: "g-a".into(),
            ts_ms: h * HOUR,
        });
    }
    let json = serde_json::to_string(&ev.snapshot()).unwrap();
    let (mut ev, _) = Evaluator::restore(rules(), serde_json::from_str(&json).unwrap()).unwrap();
    let t = ev.case_event(&CaseEvent {
        category: "garbage".into(),
        grid: "g-a".into(),
        ts_ms: 3 * HOUR,
    });
    assert_eq!(names(&t), ["raised"]);
}

#[test]
fn versions_replace_a_rule_and_drop_only_its_state() {
    let other = offline_rule("");
    let mut ev = Evaluator::new(vec![pm25_rule(1, ""), other]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    assert_eq!(names(&pm(&mut ev, "aq-01", 60, 80.0)), ["raised"]);
    pm(&mut ev, "aq-02", 60, 80.0);

    // Same version, same definition: nothing happens.
    assert!(ev.upsert(pm25_rule(1, ""), 61 * MIN).unwrap().is_empty());
    // Same version, another definition; or a lower version: refused.
    assert!(matches!(
        ev.upsert(pm25_rule(1, r#", "clear_for_seconds": 60"#), 61 * MIN),
        Err(Error::Version {
            current: 1,
            given: 1,
            ..
        })
    ));
    ev.upsert(pm25_rule(3, ""), 61 * MIN).unwrap();
    assert!(matches!(
        ev.upsert(pm25_rule(2, ""), 61 * MIN),
        Err(Error::Version {
            current: 3,
            given: 2,
            ..
        })
    ));
    let silent_before = ev.phase("silent", "aq-01").cloned();
    assert!(silent_before.is_some());

    // Fresh start: v1's alarm was closed by the replacement, v3 starts its own run.
    let mut ev = Evaluator::new(vec![pm25_rule(1, ""), offline_rule("")]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    pm(&mut ev, "aq-01", 60, 80.0);
    pm(&mut ev, "aq-02", 60, 80.0);
    let t = ev.upsert(pm25_rule(2, ""), 61 * MIN).unwrap();
    let Transition::Cleared(a) = only(t) else {
        panic!("the open v1 alarm closes");
    };
    assert_eq!(
        (a.version, a.entity.as_str(), a.ts_ms),
        (1, "aq-01", 61 * MIN)
    );
    assert!(a.message.contains("已更新为第 2 版"), "{}", a.message);
    assert_eq!(ev.phase("pm25-high", "aq-01"), None, "v1 state dropped");
    assert_eq!(
        ev.phase("pm25-high", "aq-02"),
        None,
        "pending state dropped too"
    );
    assert!(
        ev.phase("silent", "aq-01").is_some(),
        "the other rule keeps its state"
    );
    assert!(
        pm(&mut ev, "aq-01", 62, 80.0).is_empty(),
        "v2 starts a new run"
    );
    let Transition::Raised(a) = only(pm(&mut ev, "aq-01", 122, 80.0)) else {
        panic!("v2 raises after its own hour");
    };
    assert_eq!(a.version, 2);

    // Removing closes the open alarm and stops evaluation.
    let t = ev.remove("pm25-high", 123 * MIN).unwrap();
    assert_eq!(names(&t), ["cleared"]);
    assert!(pm(&mut ev, "aq-01", 124, 99.0).is_empty());
    assert!(ev.remove("pm25-high", 0).is_none());
    assert!(ev.rule("silent").is_some());
}

#[test]
fn restoring_under_a_new_version_drops_the_state_and_closes_open_alarms() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    pm(&mut ev, "aq-01", 60, 80.0);
    pm(&mut ev, "aq-02", 60, 80.0);
    let snap = ev.snapshot();
    let (mut ev, report) = Evaluator::restore(vec![pm25_rule(2, "")], snap.clone()).unwrap();
    assert_eq!((report.kept, report.dropped), (0, 2));
    let [Transition::Cleared(a)] = &report.transitions[..] else {
        panic!("{:?}", report.transitions);
    };
    assert_eq!(
        (a.entity.as_str(), a.version, a.ts_ms),
        ("aq-01", 1, 60 * MIN)
    );
    assert!(a.message.contains("已更新为第 2 版"), "{}", a.message);
    assert!(
        pm(&mut ev, "aq-01", 61, 80.0).is_empty(),
        "new run under v2"
    );
    // A rule that is gone.
    let (_, report) = Evaluator::restore(vec![], snap).unwrap();
    assert_eq!(report.dropped, 2);
    assert!(report.transitions[0].alarm().message.contains("已删除"));
}

#[test]
fn out_of_order_readings_are_ignored_and_counted() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    pm(&mut ev, "aq-01", 30, 80.0);
    // An older reading that would break the run if it counted.
    assert!(pm(&mut ev, "aq-01", 20, 10.0).is_empty());
    assert_eq!(ev.stats().out_of_order, 1);
    assert_eq!(
        ev.phase("pm25-high", "aq-01"),
        Some(&Phase::Pending { since_ms: 0 })
    );
    assert_eq!(names(&pm(&mut ev, "aq-01", 60, 80.0)), ["raised"]);
    assert!(
        pm(&mut ev, "aq-01", 60, 80.0).is_empty(),
        "same time: a replay"
    );
    assert_eq!(ev.stats().duplicates, 1);
    // Order is per pair: another station's older clock is its own business.
    assert!(pm(&mut ev, "aq-02", 5, 80.0).is_empty());
    assert_eq!(ev.stats().out_of_order, 1);
}

#[test]
fn the_index_checks_only_the_rules_of_the_entity_kind_metric_and_department() {
    let dept = rule(
        r#"{"id": "dept", "version": 1, "name": "环保局站点", "severity": "minor",
            "scope": {"kind": "air_station", "department": "hbj"},
            "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75}}"#,
    );
    let disabled = rule(
        r#"{"id": "off", "version": 1, "name": "停用", "severity": "minor", "enabled": false,
            "scope": {"kind": "air_station"},
            "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 1}}"#,
    );
    let mut ev = Evaluator::new(vec![pm25_rule(1, ""), dept, disabled]).unwrap();
    ev.reading(&Reading::new("aq-01", "air_station", "pm10", 0, 500.0));
    ev.reading(&Reading::new("cam-1", "camera", "pm25", 0, 500.0));
    assert_eq!(ev.stats().checks, 0, "other metric, other kind");
    let t = ev.reading(&Reading::new("aq-01", "air_station", "pm25", 0, 500.0).department("jtj"));
    assert!(t.is_empty());
    let t = ev.reading(&Reading::new("aq-02", "air_station", "pm25", 0, 500.0).department("hbj"));
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].alarm().rule, "dept");
    assert_eq!(
        ev.phase("off", "aq-02"),
        None,
        "a disabled rule is not evaluated"
    );
    assert_eq!(
        ev.stats().checks,
        4,
        "pm25-high and dept, twice; never `off`"
    );
    // Not finite: counted, not evaluated.
    ev.reading(&Reading::new("aq-02", "air_station", "pm25", MIN, f64::NAN));
    assert_eq!((ev.stats().not_finite, ev.stats().checks), (1, 4));
}

#[test]
fn duplicate_rule_ids_are_refused() {
    assert!(matches!(
        Evaluator::new(vec![pm25_rule(1, ""), pm25_rule(2, "")]),
        Err(Error::DuplicateRule { .. })
    ));
}

#[test]
fn transitions_serialize_with_their_name() {
    let mut ev = Evaluator::new(vec![pm25_rule(1, "")]).unwrap();
    pm(&mut ev, "aq-01", 0, 80.0);
    let t = only(pm(&mut ev, "aq-01", 60, 80.0));
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["transition"], "raised");
    assert_eq!(json["severity"], "major");
    assert_eq!(json["entity"], "aq-01");
    let back: Transition = serde_json::from_value(json).unwrap();
    assert_eq!(back, t);
}

#[test]
fn a_rate_window_survives_a_restart() {
    let rules = || {
        vec![rule(
            r#"{"id": "flood", "version": 1, "name": "水位陡涨", "severity": "critical",
                "scope": {"kind": "water_gauge"},
                "condition": {"type": "rate", "metric": "level", "direction": "rise", "limit": 10, "window_seconds": 600}}"#,
        )]
    };
    let level = |t: i64, v: f64| Reading::new("g-1", "water_gauge", "level", t * 1000, v);
    let mut ev = Evaluator::new(rules()).unwrap();
    ev.reading(&level(0, 100.0));
    let json = serde_json::to_string(&ev.snapshot()).unwrap();
    let (mut ev, _) = Evaluator::restore(rules(), serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(names(&ev.reading(&level(60, 112.0))), ["raised"]);
}

#[test]
fn clear_by_hand_holds_the_pair_until_the_condition_ends_by_itself() {
    let rule = Rule::from_json(
        r#"{"id": "hot", "version": 1, "name": "高温", "severity": "minor",
            "scope": {"kind": "k"},
            "condition": {"type": "threshold", "metric": "t", "op": ">", "value": 30,
                          "clear": 25}}"#,
    )
    .unwrap();
    let mut ev = Evaluator::new(vec![rule]).unwrap();
    let r = |ts: i64, v: f64| Reading::new("e1", "k", "t", ts, v);
    assert!(matches!(
        &ev.reading(&r(1_000, 31.0))[..],
        [Transition::Raised(_)]
    ));
    assert!(
        ev.clear("hot", "e2", 1_500, "op").is_none(),
        "nothing open for e2"
    );
    let Some(Transition::Cleared(a)) = ev.clear("hot", "e1", 1_500, "op") else {
        panic!("expected a cleared alarm");
    };
    assert_eq!((a.ts_ms, a.since_ms, a.value), (1_500, 1_000, 31.0));
    assert!(a.message.contains("由 op 手动解除"));
    assert_eq!(ev.phase("hot", "e1"), Some(&Phase::Held));
    assert!(ev.clear("hot", "e1", 1_600, "op").is_none(), "cleared once");
    // The order check survived: an older reading is still ignored.
    assert!(ev.reading(&r(900, 40.0)).is_empty());
    // Still hot, or in the band: quiet — the operator has dealt with it.
    assert!(ev.reading(&r(2_000, 32.0)).is_empty());
    assert!(ev.reading(&r(3_000, 28.0)).is_empty());
    assert_eq!(ev.phase("hot", "e1"), Some(&Phase::Held));
    // The condition ends by itself; the next episode is a new alarm.
    assert!(ev.reading(&r(4_000, 20.0)).is_empty());
    assert_eq!(ev.phase("hot", "e1"), Some(&Phase::Idle));
    assert!(
        matches!(&ev.reading(&r(5_000, 33.0))[..], [Transition::Raised(a)] if a.since_ms == 5_000)
    );
    // The held phase survives a snapshot.
    ev.clear("hot", "e1", 5_500, "op").unwrap();
    let json = serde_json::to_string(&ev.snapshot()).unwrap();
    let (ev2, _) = Evaluator::restore(
        ev.rules().cloned().collect(),
        serde_json::from_str(&json).unwrap(),
    )
    .unwrap();
    assert_eq!(ev2.phase("hot", "e1"), Some(&Phase::Held));
}

#[test]
fn an_offline_alarm_cleared_by_hand_stays_quiet_until_the_device_reports() {
    let mut ev = Evaluator::new(vec![offline_rule("")]).unwrap();
    let s = 1000;
    let pm = |ts: i64| Reading::new("aq-01", "air_station", "pm25", ts, 30.0);
    ev.reading(&pm(0));
    assert_eq!(names(&ev.tick(900 * s)), ["raised"]);
    assert!(ev.clear("silent", "aq-01", 950 * s, "op").is_some());
    assert!(
        ev.tick(1000 * s).is_empty() && ev.tick(5000 * s).is_empty(),
        "still silent, but someone has dealt with it"
    );
    // A late reading from a buffer is not the device back.
    assert!(ev.reading(&pm(1000 * s)).is_empty());
    assert_eq!(ev.phase("silent", "aq-01"), Some(&Phase::Held));
    assert!(ev.tick(6000 * s).is_empty());
    // It reports: watched again, and the next silence raises.
    assert!(ev.reading(&pm(6000 * s)).is_empty());
    assert_eq!(ev.phase("silent", "aq-01"), Some(&Phase::Idle));
    assert_eq!(names(&ev.tick(6900 * s)), ["raised"]);
}

#[test]
fn a_case_cluster_cleared_by_hand_stays_quiet_until_it_thins_out() {
    let r = rule(
        r#"{"id": "garbage-3", "version": 1, "name": "同类案件高发", "severity": "minor", "scope": {},
            "condition": {"type": "case_count", "category": "garbage", "within_seconds": 86400, "at_least": 3}}"#,
    );
    let mut ev = Evaluator::new(vec![r]).unwrap();
    let case = |h: f64| CaseEvent {
        category: "garbage".into(),
        grid: "g-a".into(),
        ts_ms: (h * HOUR as f64) as i64,
    };
    ev.case_event(&case(0.0));
    ev.case_event(&case(1.0));
    assert_eq!(names(&ev.case_event(&case(2.0))), ["raised"]);
    assert!(ev.clear("garbage-3", "g-a", 3 * HOUR, "op").is_some());
    assert!(ev.case_event(&case(4.0)).is_empty(), "a fourth: held");
    // The window thins out below three, then fills again: a new alarm.
    assert!(ev.tick(26 * HOUR).is_empty());
    assert_eq!(ev.phase("garbage-3", "g-a"), Some(&Phase::Idle));
    ev.case_event(&case(26.5));
    assert_eq!(names(&ev.case_event(&case(27.0))), ["raised"]);
}

#[test]
fn a_rule_may_open_cases_and_its_template_is_checked() {
    let r = rule(
        r#"{"id": "hot", "version": 1, "name": "高温", "severity": "minor", "scope": {"kind": "k"},
            "condition": {"type": "threshold", "metric": "t", "op": ">", "value": 30},
            "case": {"category": "ENV-OTHER", "urgency": "urgent"}}"#,
    );
    let c = r.case.as_ref().unwrap();
    assert_eq!(
        (c.category.as_str(), c.urgency.as_deref()),
        ("ENV-OTHER", Some("urgent"))
    );
    let err = Rule::from_json(
        r#"{"id": "hot", "version": 1, "name": "高温", "severity": "minor", "scope": {"kind": "k"},
            "condition": {"type": "threshold", "metric": "t", "op": ">", "value": 30},
            "case": {"category": "ENV-OTHER", "urgency": "soon"}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("case.urgency"), "{err}");
}

#[test]
fn case_windows_are_rebuilt_from_the_stored_cases_at_start() {
    let rules = || {
        vec![rule(
            r#"{"id": "garbage-3", "version": 1, "name": "同类案件高发", "severity": "minor", "scope": {},
                "condition": {"type": "case_count", "category": "garbage", "within_seconds": 86400, "at_least": 3}}"#,
        )]
    };
    let case = |grid: &str, h: f64| CaseEvent {
        category: "garbage".into(),
        grid: grid.into(),
        ts_ms: (h * HOUR as f64) as i64,
    };
    let mut ev = Evaluator::new(rules()).unwrap();
    assert_eq!(ev.case_window_ms(), 24 * HOUR);
    assert_eq!(
        Evaluator::new(vec![pm25_rule(1, "")])
            .unwrap()
            .case_window_ms(),
        0
    );
    ev.case_event(&case("g-a", 1.0));
    ev.case_event(&case("g-a", 2.0));
    let snap = serde_json::to_string(&ev.snapshot()).unwrap();
    // Handed in after the snapshot, then the process died: the restored state lacks it.
    ev.case_event(&case("g-a", 3.0));
    let (mut lost, _) = Evaluator::restore(rules(), serde_json::from_str(&snap).unwrap()).unwrap();
    let (mut rebuilt, _) =
        Evaluator::restore(rules(), serde_json::from_str(&snap).unwrap()).unwrap();
    // Without the store the cluster is seen a case late: the fourth raises, counting three.
    let Transition::Raised(a) = only(lost.case_event(&case("g-a", 4.0))) else {
        panic!("expected the late raise");
    };
    assert_eq!(a.value, 3.0);
    let stored = [case("g-a", 1.0), case("g-a", 2.0), case("g-a", 3.0)];
    let t = rebuilt.rebuild_case_windows(&stored, 3 * HOUR + 1);
    let Transition::Raised(a) = only(t) else {
        panic!("three in the window: the cluster formed while down");
    };
    assert_eq!((a.value, a.since_ms, a.ts_ms), (3.0, HOUR, 3 * HOUR));
    // Rebuilding again with the same cases counts nothing twice.
    assert!(rebuilt
        .rebuild_case_windows(&stored, 3 * HOUR + 2)
        .is_empty());
    let Transition::Updated(a) = only(rebuilt.case_event(&case("g-a", 4.0))) else {
        panic!("a fourth updates");
    };
    assert_eq!(a.value, 4.0);
    // An open alarm whose stored window no longer holds enough clears (a case the snapshot
    // counted was, say, in another grid after all); a held pair stays held while it holds.
    let t = rebuilt.rebuild_case_windows(&[case("g-a", 3.5)], 4 * HOUR);
    assert_eq!(names(&t), ["cleared"]);
    assert_eq!(rebuilt.phase("garbage-3", "g-a"), Some(&Phase::Idle));
    // Another category and cases out of the window are not counted.
    let other = CaseEvent {
        category: "noise".into(),
        ..case("g-b", 10.0)
    };
    assert!(rebuilt
        .rebuild_case_windows(&[other, case("g-b", 1.0), case("g-b", 11.0)], 30 * HOUR)
        .is_empty());
    assert_eq!(rebuilt.phase("garbage-3", "g-b"), Some(&Phase::Idle));
}
