//! The builtin county pack: shape, verbatim texts, unit mapping, and errors of malformed packs.

use std::collections::BTreeSet;

use zhicheng_scorecard::pack::Op;
use zhicheng_scorecard::{Error, Measure, Pack};

const DEPARTMENTS: &str = include_str!("../../sim/data/yiyuan/departments.json");

/// The seed documents live beside the repository; tests that compare texts skip without them.
fn seed(name: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            eprintln!("skipping: {} not found", path.display());
            None
        }
    }
}

fn department_ids() -> BTreeSet<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(DEPARTMENTS).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn builtin_has_44_indicators_numbered_1_to_44_with_targets() {
    let pack = Pack::builtin_county();
    assert_eq!(pack.indicators.len(), 44);
    let numbers: Vec<u32> = pack.indicators.iter().map(|i| i.number).collect();
    assert_eq!(numbers, (1..=44).collect::<Vec<_>>());
    for ind in &pack.indicators {
        if ind.number == 40 {
            assert!(ind.deduction.is_some() && ind.targets.is_empty());
            continue;
        }
        let t = ind
            .target(4)
            .unwrap_or_else(|| panic!("#{} has no four-star target", ind.number));
        assert!(t.value.is_finite());
        for p in &ind.parts {
            assert!(
                p.targets.contains_key("4"),
                "#{} part {}",
                ind.number,
                p.key
            );
        }
    }
    assert_eq!(pack.level, zhicheng_scorecard::pack::Level::County);
    assert_eq!(pack.pass_line, 0.70);
    assert_eq!(pack.aim, Some(0.80));
    assert!(pack.weights_are_default());
    assert_eq!(pack.default_weight, 1.0);
}

#[test]
fn groups_leading_marks_and_measures() {
    let pack = Pack::builtin_county();
    let groups: Vec<(&str, std::ops::RangeInclusive<u32>)> = vec![
        ("数字惠民", 1..=9),
        ("数字政府", 10..=16),
        ("数字经济", 17..=24),
        ("基础设施", 25..=34),
        ("保障措施", 35..=40),
        ("地方特色", 41..=44),
    ];
    for (g, range) in groups {
        for n in range {
            assert_eq!(pack.indicator(n).unwrap().group, g, "#{n}");
        }
    }
    let leading: Vec<u32> = pack
        .indicators
        .iter()
        .filter(|i| i.leading)
        .map(|i| i.number)
        .collect();
    assert_eq!(leading, vec![3, 12, 19, 21, 23, 24, 32, 33, 38, 39]);
    let by = |how: &str| -> Vec<u32> {
        pack.indicators
            .iter()
            .filter(|i| i.measure.label() == how)
            .map(|i| i.number)
            .collect()
    };
    assert_eq!(by("auto"), vec![2, 3, 9, 10, 12, 13, 14, 15, 28, 29, 30]);
    assert_eq!(by("hybrid"), vec![7, 11, 16, 44]);
    assert_eq!(by("submitted").len(), 29);
    // No name keeps the ★ mark: it is the `leading` flag.
    assert!(pack.indicators.iter().all(|i| !i.name.contains('★')));
}

#[test]
fn interpreted_targets() {
    let pack = Pack::builtin_county();
    // #16 and #24 have no four-star level and refer to the five-star one.
    for n in [16, 24] {
        let ind = pack.indicator(n).unwrap();
        let four = ind.target(4).unwrap();
        assert_eq!(four.refers_to_star, Some(5));
        assert_eq!(four.value, ind.target(5).unwrap().value);
        assert!(ind.requirement.contains("该项指标无四星级"));
    }
    // #5: ranking percentile, lower is better.
    let t5 = pack.indicator(5).unwrap().target(4).unwrap();
    assert_eq!((t5.op, t5.value, t5.unit.as_str()), (Op::Le, 50.0, "rank%"));
    // #27: more than 5 departments served.
    let p27 = &pack.indicator(27).unwrap().parts[0];
    assert_eq!(p27.targets["4"].op, Op::Gt);
    assert_eq!(p27.targets["4"].value, 5.0);
    // Two-part indicators.
    for (n, key) in [
        (2, "e_stop"),
        (27, "departments_served"),
        (28, "intact"),
        (38, "social_capital"),
    ] {
        assert_eq!(pack.indicator(n).unwrap().parts[0].key, key);
    }
    assert_eq!(
        pack.indicator(40)
            .unwrap()
            .deduction
            .as_ref()
            .unwrap()
            .per_unit,
        0.02
    );
}

#[test]
fn every_unit_maps_to_a_department_or_is_a_known_collective() {
    let pack = Pack::builtin_county();
    let deps = department_ids();
    for ind in &pack.indicators {
        for u in ind.lead.iter().chain(&ind.partners) {
            if let Some(id) = &u.id {
                assert!(
                    deps.contains(&(id.clone(), u.name.clone())),
                    "#{}: {} → {id} is not in departments.json",
                    ind.number,
                    u.name
                );
            } else {
                // A unit left unmapped must not be a registered department.
                assert!(
                    deps.iter().all(|(_, name)| name != &u.name),
                    "#{}: {} is a department but has no id",
                    ind.number,
                    u.name
                );
            }
            assert!(
                ind.responsibility.contains(&u.name),
                "#{} {}",
                ind.number,
                u.name
            );
        }
    }
    let unmapped: BTreeSet<String> = pack.unmapped_units().into_iter().map(|(_, n)| n).collect();
    let expected: BTreeSet<String> = [
        "县直各部门单位",
        "县直有关部门、单位",
        "各通信运营商",
        "各镇、街道",
        "有关部门、单位",
        "相关街道",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(unmapped, expected);
    // Spot checks.
    let lead12: Vec<_> = pack
        .indicator(12)
        .unwrap()
        .lead
        .iter()
        .map(|u| u.id.clone())
        .collect();
    assert_eq!(lead12, vec![Some("political-legal".to_string())]);
    assert_eq!(pack.indicator(12).unwrap().partners.len(), 6);
    let lead40: Vec<_> = pack
        .indicator(40)
        .unwrap()
        .lead
        .iter()
        .filter_map(|u| u.id.clone())
        .collect();
    assert_eq!(lead40, ["secrecy", "cyberspace", "police", "bigdata"]);
}

#[test]
fn chinese_texts_are_verbatim_from_the_annex() {
    let Some(plan) = seed("yiyuan-implementation-plan.txt") else {
        return;
    };
    let annex = &plan[plan.find("附件1").unwrap()..];
    let lines: BTreeSet<&str> = annex.lines().map(str::trim).collect();
    let pack = Pack::builtin_county();
    for ind in &pack.indicators {
        let title = if ind.leading {
            format!("{}★", ind.name)
        } else {
            ind.name.clone()
        };
        assert!(lines.contains(title.as_str()), "#{} name", ind.number);
        for para in ind.definition.split('\n') {
            assert!(lines.contains(para), "#{} definition: {para}", ind.number);
        }
        assert!(
            ind.definition.contains(&ind.formula_text),
            "#{} formula",
            ind.number
        );
        assert!(
            lines.contains(ind.requirement.as_str()),
            "#{} requirement",
            ind.number
        );
        assert!(
            lines.contains(ind.responsibility.as_str()),
            "#{} units",
            ind.number
        );
        for p in &ind.parts {
            assert!(annex.contains(&p.name), "#{} part {}", ind.number, p.name);
        }
    }
    // Formulas are given for the ratio indicators.
    for n in [1, 2, 3, 9, 10, 13, 14, 15, 29, 30, 44] {
        assert!(
            pack.indicator(n).unwrap().formula_text.contains('='),
            "#{n}"
        );
    }
}

#[test]
fn auto_formulas_name_kinds() {
    let pack = Pack::builtin_county();
    let kinds = |n: u32| {
        pack.indicator(n)
            .unwrap()
            .measure
            .expr()
            .unwrap()
            .kinds()
            .into_iter()
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(3), ["streetlight"]);
    assert_eq!(kinds(9), ["electricity_meter", "gas_meter", "water_meter"]);
    assert_eq!(
        kinds(10),
        ["air_station", "noise_station", "water_quality_station"]
    );
    assert!(matches!(
        pack.indicator(1).unwrap().measure,
        Measure::Submitted
    ));
}

fn builtin_value() -> serde_json::Value {
    serde_json::from_str(Pack::builtin_county_json()).unwrap()
}

fn load(v: &serde_json::Value) -> Result<Pack, Error> {
    Pack::from_json(serde_json::to_string_pretty(v).unwrap().as_bytes())
}

fn expect_indicator_error(v: &serde_json::Value, number: u32, field_part: &str) {
    match load(v) {
        Err(Error::InvalidIndicator {
            number: n,
            field,
            message,
        }) => {
            assert_eq!(n, number, "{field}: {message}");
            assert!(
                field.contains(field_part),
                "field {field:?} lacks {field_part:?} ({message})"
            );
        }
        other => panic!("expected an error on #{number} {field_part}, got {other:?}"),
    }
}

#[test]
fn round_trips_through_from_json() {
    let pack = Pack::builtin_county();
    let again = Pack::from_json(serde_json::to_string(&pack).unwrap().as_bytes()).unwrap();
    assert_eq!(pack, again);
}

#[test]
fn malformed_packs_name_the_place() {
    // Unknown field: a parse error with line and column.
    let mut v = builtin_value();
    v["indicators"][4]["colour"] = "red".into();
    match load(&v) {
        Err(Error::Parse { line, message, .. }) => {
            assert!(line > 1);
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Not JSON at all.
    assert!(matches!(
        Pack::from_json(b"{\"id\": "),
        Err(Error::Parse { line: 1, .. })
    ));

    let mut v = builtin_value();
    v["indicators"][2]["targets"]["6"] = serde_json::json!({"op": ">=", "value": 95, "unit": "%"});
    expect_indicator_error(&v, 3, "targets.6");

    let mut v = builtin_value();
    v["indicators"][2]["targets"]["4"]["value"] = 900.into();
    expect_indicator_error(&v, 3, "targets.4.value");

    let mut v = builtin_value();
    v["indicators"][8]["measure"]["expr"]["percent"]["weighted"][1]["weight"] = (-1).into();
    expect_indicator_error(&v, 9, "measure.expr.percent.weighted[1].weight");

    let mut v = builtin_value();
    v["indicators"][5]["number"] = 5.into();
    expect_indicator_error(&v, 5, "number");

    let mut v = builtin_value();
    v["indicators"][0]["lead"] = serde_json::json!([]);
    expect_indicator_error(&v, 1, "lead");

    let mut v = builtin_value();
    v["indicators"][39]["targets"] =
        serde_json::json!({"4": {"op": "=", "value": 0, "unit": "count"}});
    expect_indicator_error(&v, 40, "deduction");

    let mut v = builtin_value();
    v["indicators"][15]["targets"]["4"]["refers_to_star"] = 3.into();
    expect_indicator_error(&v, 16, "refers_to_star");

    let mut v = builtin_value();
    v["indicators"][1]["parts"][0]["targets"] =
        serde_json::json!({"5": {"op": ">=", "value": 10, "unit": "%"}});
    expect_indicator_error(&v, 2, "parts[0].targets");

    let mut v = builtin_value();
    v["pass_line"] = 70.into();
    match load(&v) {
        Err(Error::InvalidPack { field, .. }) => assert_eq!(field, "pass_line"),
        other => panic!("{other:?}"),
    }

    // An unknown expression operator is a parse error naming it.
    let mut v = builtin_value();
    v["indicators"][2]["measure"]["expr"] = serde_json::json!({"median": []});
    match load(&v) {
        Err(e @ Error::Parse { .. }) => assert!(e.to_string().contains("median"), "{e}"),
        other => panic!("{other:?}"),
    }
    // A condition that is neither a scalar, {exists} nor a bounded range.
    let mut v = builtin_value();
    v["indicators"][2]["measure"]["expr"]["percent"]["ratio"]["num"]["count"]["where"]
        ["controllable"] = serde_json::json!({});
    expect_indicator_error(
        &v,
        3,
        "measure.expr.percent.ratio.num.count.where.controllable",
    );
    let mut v = builtin_value();
    v["indicators"][2]["measure"]["expr"]["percent"]["ratio"]["num"]["count"]["where"]
        ["controllable"] = serde_json::json!({"exists": true, "gte": 1});
    assert!(load(&v).is_err());

    // Errors display the indicator and the field.
    let mut v = builtin_value();
    v["indicators"][2]["targets"]["4"]["unit"] = "".into();
    let e = load(&v).unwrap_err().to_string();
    assert_eq!(e, "indicator 3, field `targets.4.unit`: must not be empty");
}

#[test]
fn community_coverage_is_hybrid_over_the_assessment_inputs() {
    let pack = Pack::builtin_county();
    let ind = pack.indicator(44).unwrap();
    assert_eq!(ind.measure.label(), "hybrid");
    let e = ind.measure.expr().unwrap();
    let mut f = zhicheng_scorecard::MemoryFacts::default();
    // No assessments: no inputs, no data (never 0).
    assert_eq!(e.eval(&f).value(), None);
    f.set_input("communities", 5.0);
    f.set_input("smart_communities", 2.0);
    assert_eq!(e.eval(&f).value(), Some(40.0));
    let t = ind.target(4).unwrap();
    assert_eq!((t.value, t.unit.as_str()), (40.0, "%"));
}
