//! Auto formulas of the builtin pack against hand-worked figures.

use serde_json::json;
use zhicheng_scorecard::expr::{Eval, Expr};
use zhicheng_scorecard::{MemoryFacts, Pack};

fn formula(n: u32) -> Expr {
    Pack::builtin_county()
        .indicator(n)
        .unwrap()
        .measure
        .expr()
        .unwrap()
        .clone()
}

fn part_formula(n: u32, key: &str) -> Expr {
    let pack = Pack::builtin_county();
    let ind = pack.indicator(n).unwrap();
    ind.parts
        .iter()
        .find(|p| p.key == key)
        .unwrap()
        .measure
        .expr()
        .unwrap()
        .clone()
}

fn value(e: &Expr, f: &MemoryFacts) -> f64 {
    match e.eval(f) {
        Eval::Value { value, .. } => value,
        Eval::NoData { reason, .. } => panic!("no data: {reason}"),
    }
}

fn no_data(e: &Expr, f: &MemoryFacts) -> String {
    match e.eval(f) {
        Eval::NoData { reason, .. } => reason,
        Eval::Value { value, .. } => panic!("expected no data, got {value}"),
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn smart_lighting_3() {
    let mut f = MemoryFacts::default();
    f.add_n(9, "streetlight", json!({"controllable": true}));
    f.add("streetlight", json!({"controllable": false}));
    close(value(&formula(3), &f), 90.0);
    // Booleans travel as 1/0 on the platform: they match too.
    let mut g = MemoryFacts::default();
    g.add_n(3, "streetlight", json!({"controllable": 1}));
    g.add("streetlight", json!({"controllable": 0}));
    close(value(&formula(3), &g), 75.0);
    // No streetlights: no data, not 0 %.
    let reason = no_data(&formula(3), &MemoryFacts::default());
    assert!(reason.contains("streetlight"), "{reason}");
}

#[test]
fn household_meters_9_weighted_a_third_each() {
    let mut f = MemoryFacts::default();
    f.set_input("households", 1000.0);
    f.add_n(800, "water_meter", json!({"household": "h"}));
    f.add_n(50, "water_meter", json!({"community": "public toilets"})); // not a household meter
    f.add_n(1200, "electricity_meter", json!({"household": "h"})); // capped at 100 %
    f.add_n(300, "gas_meter", json!({"household": "h"}));
    // (0.8 + 1.0 + 0.3) / 3 = 0.7
    let v = value(&formula(9), &f);
    close(v, 70.0);
    // Exactly on the four-star target, despite float rounding.
    let t = Pack::builtin_county()
        .indicator(9)
        .unwrap()
        .target(4)
        .unwrap()
        .clone();
    assert!(t.is_met(v));

    // Without gas meters: no data, naming the missing kind.
    let mut g = MemoryFacts::default();
    g.set_input("households", 1000.0);
    g.add_n(800, "water_meter", json!({"household": "h"}));
    g.add_n(900, "electricity_meter", json!({"household": "h"}));
    let reason = no_data(&formula(9), &g);
    assert!(reason.contains("gas_meter"), "{reason}");
    // Without the household count: no data.
    let mut h = f.clone();
    h.inputs.clear();
    assert!(no_data(&formula(9), &h).contains("households"));
    // Zero households: no data, never a division by zero.
    h.set_input("households", 0.0);
    assert_eq!(no_data(&formula(9), &h), "denominator is 0");
    // A denominator so small the ratio overflows: no data, never an infinite "met".
    h.set_input("households", 1e-310);
    assert!(
        no_data(&formula(9), &h).contains("not a finite number"),
        "{}",
        no_data(&formula(9), &h)
    );
}

#[test]
fn environment_monitoring_10_weighted_40_40_20() {
    let mut f = MemoryFacts {
        county_area: Some(1000.0),
        ..Default::default()
    };
    f.add("air_station", json!({}));
    f.add("water_quality_station", json!({}));
    f.add("noise_station", json!({}));
    f.set_area("air_station", 600.0)
        .set_area("water_quality_station", 500.0)
        .set_area("noise_station", 900.0);
    // 0.4·0.6 + 0.4·0.5 + 0.2·0.9 = 0.62
    let e = formula(10);
    close(value(&e, &f), 62.0);
    // Provenance lists every primitive call with its answer.
    let Eval::Value { provenance, .. } = e.eval(&f) else {
        unreachable!()
    };
    let calls: Vec<&str> = provenance.iter().map(|c| c.call.as_str()).collect();
    assert_eq!(
        calls,
        [
            "area_covered([air_station], 4000 m)",
            "county_area()",
            "area_covered([water_quality_station], 5000 m)",
            "county_area()",
            "area_covered([noise_station], 500 m)",
            "county_area()"
        ]
    );
    assert_eq!(provenance[0].result, Some(600.0));
    // No noise stations: no data, and the provenance shows which call had none.
    f.entities.retain(|e| e.kind != "noise_station");
    let Eval::NoData { reason, provenance } = formula(10).eval(&f) else {
        panic!("expected no data")
    };
    assert!(reason.contains("noise_station"));
    assert!(provenance
        .iter()
        .any(|c| c.call.contains("noise_station") && c.result.is_none()));
}

#[test]
fn pipe_networks_13_by_length_a_third_each() {
    let mut f = MemoryFacts::default();
    f.add("water_pipe", json!({"length_m": 900.0, "monitored": true}));
    f.add("water_pipe", json!({"length_m": 100.0, "monitored": false}));
    f.add("power_cable", json!({"length_m": 500, "monitored": true}));
    f.add("power_cable", json!({"length_m": 250}));
    f.add("power_cable", json!({"length_m": 250, "monitored": false}));
    f.add("gas_pipe", json!({"length_m": 300, "monitored": true}));
    // (0.9 + 0.5 + 1.0) / 3 = 0.8
    close(value(&formula(13), &f), 80.0);
    f.entities.retain(|e| e.kind != "gas_pipe");
    assert!(no_data(&formula(13), &f).contains("gas_pipe"));
}

#[test]
fn grid_fusion_12() {
    let mut f = MemoryFacts::default();
    assert_eq!(no_data(&formula(12), &f), "no grids registered");
    f.grids = vec![
        vec![
            "political-legal".into(),
            "police".into(),
            "urban-mgmt".into(),
            "eco-env".into(),
        ],
        vec!["political-legal".into(), "market".into()],
        vec!["emergency".into()], // a single department's grid fuses nothing
    ];
    close(value(&formula(12), &f), 5.0);
}

#[test]
fn data_sharing_14_and_open_categories_15() {
    let mut f = MemoryFacts {
        departments: Some(10),
        ..Default::default()
    };
    f.add(
        "data_catalog",
        json!({"department": "bigdata", "shared": true}),
    );
    f.add(
        "data_catalog",
        json!({"department": "bigdata", "shared": true}),
    );
    f.add(
        "data_catalog",
        json!({"department": "police", "shared": true}),
    );
    f.add(
        "data_catalog",
        json!({"department": "water", "shared": false}),
    );
    close(value(&formula(14), &f), 20.0);

    f.add(
        "open_dataset",
        json!({"category": "信用服务", "open": true}),
    );
    f.add(
        "open_dataset",
        json!({"category": "信用服务", "open": true}),
    );
    f.add(
        "open_dataset",
        json!({"category": "医疗卫生", "open": true}),
    );
    f.add(
        "open_dataset",
        json!({"category": "交通运输", "open": false}),
    );
    f.add(
        "open_dataset",
        json!({"category": "星座运势", "open": true}),
    ); // not one of the 22
    close(value(&formula(15), &f), 200.0 / 22.0);
}

#[test]
fn cameras_28_29_and_e_police_30() {
    let mut f = MemoryFacts::default();
    f.add_n(4, "key_public_area", json!({}));
    f.add(
        "camera",
        json!({"key_area": "A", "hd": true, "networked": true}),
    );
    f.add(
        "camera",
        json!({"key_area": "B", "hd": true, "networked": true}),
    );
    f.add(
        "camera",
        json!({"key_area": "C", "hd": false, "networked": true}),
    );
    f.add_with_status(
        "camera",
        json!({"key_area": "A", "hd": true, "networked": false}),
        "offline",
    );
    f.add("camera", json!({"hd": true, "networked": true})); // outside key areas
                                                             // HD coverage: areas A and B of 4.
    close(value(&formula(28), &f), 50.0);
    // Intact: 3 of the 4 cameras in key areas are online.
    close(value(&part_formula(28, "intact"), &f), 75.0);
    // Networked: 3 of 4.
    close(value(&formula(29), &f), 75.0);

    assert!(no_data(&formula(30), &f).contains("intersection"));
    f.add_n(
        9,
        "intersection",
        json!({"important": true, "e_police": true}),
    );
    f.add(
        "intersection",
        json!({"important": true, "e_police": false}),
    );
    f.add_n(
        5,
        "intersection",
        json!({"important": false, "e_police": false}),
    );
    close(value(&formula(30), &f), 90.0);
}

#[test]
fn bus_prediction_and_e_stops_2() {
    let mut f = MemoryFacts::default();
    f.add_n(7, "bus_line", json!({"realtime_prediction": true}));
    f.add_n(3, "bus_line", json!({"realtime_prediction": false}));
    f.add_n(
        2,
        "bus_stop",
        json!({"urban": true, "electronic_sign": true}),
    );
    f.add_n(18, "bus_stop", json!({"urban": true}));
    f.add_n(
        30,
        "bus_stop",
        json!({"urban": false, "electronic_sign": true}),
    );
    close(value(&formula(2), &f), 70.0);
    close(value(&part_formula(2, "e_stop"), &f), 10.0);
}

#[test]
fn expression_language_basics() {
    let e: Expr = serde_json::from_value(json!({"max": [
        {"const": 2},
        {"min": [{"const": 7}, {"count": {"kind": "lamp", "where": {"power": {"gte": 100, "lt": 200}}}}]},
    ]}))
    .unwrap();
    let mut f = MemoryFacts::default();
    f.add("lamp", json!({"power": 100}));
    f.add("lamp", json!({"power": 150}));
    f.add("lamp", json!({"power": 200}));
    f.add("lamp", json!({}));
    close(value(&e, &f), 2.0);
    f.add_n(3, "lamp", json!({"power": 120}));
    close(value(&e, &f), 5.0);
    let ex: Expr = serde_json::from_value(
        json!({"count": {"kind": "lamp", "where": {"power": {"exists": false}}}}),
    )
    .unwrap();
    close(value(&ex, &f), 1.0);
    // Serialises back to the same JSON.
    let back = serde_json::to_value(&e).unwrap();
    assert_eq!(serde_json::from_value::<Expr>(back).unwrap(), e);
}
