//! Scoring: completed weight, the 70 % line and 80 % aim, the security deduction, parts,
//! hybrid fallback, the community pass rule and the what-if order.

use serde_json::json;
use zhicheng_scorecard::pack::Op;
use zhicheng_scorecard::score::Source;
use zhicheng_scorecard::{measure, score, MemoryFacts, Observed, Pack, Status, Submissions};

/// A value that meets the target.
fn meeting(t: &zhicheng_scorecard::Target) -> f64 {
    match t.op {
        Op::Gt => t.value + 1.0,
        Op::Lt => t.value - 1.0,
        _ => t.value,
    }
}

/// Submissions meeting the four-star targets of indicators `numbers` (main and parts).
fn meet(pack: &Pack, numbers: impl IntoIterator<Item = u32>) -> Submissions {
    let mut s = Submissions::new();
    for n in numbers {
        let ind = pack.indicator(n).unwrap();
        s.insert((n, None), meeting(ind.target(4).unwrap()));
        for p in &ind.parts {
            s.insert((n, Some(p.key.clone())), meeting(&p.targets["4"]));
        }
    }
    s
}

fn non_auto(pack: &Pack) -> Vec<u32> {
    pack.indicators
        .iter()
        .filter(|i| i.measure.label() != "auto" && i.deduction.is_none())
        .map(|i| i.number)
        .collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn equal_default_weights_and_nothing_measured() {
    let pack = Pack::builtin_county();
    let card = score(
        &pack,
        &measure(&pack, &MemoryFacts::default(), &Submissions::new()),
        4,
    );
    assert!(card.weights_are_default);
    assert_eq!(card.default_weight, 1.0);
    // 43 scored indicators; #40 is a deduction item with no weight.
    close(card.total_weight, 43.0);
    close(card.completed, 0.0);
    assert!(!card.passed);
    assert_eq!(card.aim_reached, Some(false));
    assert_eq!(
        card.indicators
            .iter()
            .filter(|r| r.status == Status::NoData)
            .count(),
        43
    );
    assert_eq!(card.indicators[39].status, Status::Deduction);
    assert_eq!(card.steps_to_pass, Some(31)); // ⌈0.7 · 43⌉
    assert_eq!(card.steps_to_aim, Some(35)); // ⌈0.8 · 43⌉
}

#[test]
fn completed_weight_against_the_70_and_80_lines() {
    let pack = Pack::builtin_county();
    let facts = MemoryFacts::default();
    let all = non_auto(&pack);
    assert_eq!(all.len(), 32);

    // 30 of 43 met: 69.8 %, under the line.
    let card = score(
        &pack,
        &measure(&pack, &facts, &meet(&pack, all[..30].to_vec())),
        4,
    );
    close(card.met_weight, 30.0);
    close(card.completed, 30.0 / 43.0);
    assert!(!card.passed);
    assert_eq!(card.steps_to_pass, Some(1));

    // 31 met: 72.1 %, passed, aim not reached.
    let card = score(
        &pack,
        &measure(&pack, &facts, &meet(&pack, all[..31].to_vec())),
        4,
    );
    close(card.completed, 31.0 / 43.0);
    assert!(card.passed);
    assert_eq!(card.aim_reached, Some(false));
    assert_eq!(card.steps_to_pass, Some(0));

    // Auto indicators cannot be submitted: with no facts, 32 is the most (74.4 %).
    let mut subs = meet(&pack, all.clone());
    subs.extend(meet(&pack, [3, 9, 10]));
    let card = score(&pack, &measure(&pack, &facts, &subs), 4);
    close(card.completed, 32.0 / 43.0);
    assert_eq!(card.indicator_status(3), Status::NoData);
    // The what-if list holds the 11 auto indicators (no data, equal weight: by number), and
    // three of them reach the aim: 35/43 = 81.4 %.
    let order: Vec<u32> = card.what_if.iter().map(|w| w.number).collect();
    assert_eq!(order, vec![2, 3, 9, 10, 12, 13, 14, 15, 28, 29, 30]);
    assert_eq!(card.steps_to_aim, Some(3));
    assert!(!card.what_if[1].reaches_aim && card.what_if[2].reaches_aim);
    close(card.what_if[2].completed_after, 35.0 / 43.0);
    close(card.what_if[0].gain, 1.0 / 43.0);
}

#[test]
fn information_security_deduction_is_2_percent_per_incident() {
    let pack = Pack::builtin_county();
    let facts = MemoryFacts::default();
    let base = meet(&pack, non_auto(&pack)); // 32/43 = 74.42 %
    for (incidents, passed) in [(0.0, true), (1.0, true), (2.0, true), (3.0, false)] {
        let mut subs = base.clone();
        subs.insert((40, None), incidents);
        let card = score(&pack, &measure(&pack, &facts, &subs), 4);
        close(card.deduction, 0.02 * incidents);
        close(card.completed, 32.0 / 43.0 - 0.02 * incidents);
        assert_eq!(card.passed, passed, "{incidents} incidents");
    }
    // The share never goes below 0.
    let mut subs = Submissions::new();
    subs.insert((40, None), 10.0);
    let card = score(&pack, &measure(&pack, &facts, &subs), 4);
    close(card.completed, 0.0);
}

#[test]
fn auto_values_from_facts_and_hybrid_fallback() {
    let pack = Pack::builtin_county();
    let mut facts = MemoryFacts::default();
    facts.add_n(19, "streetlight", json!({"controllable": true}));
    facts.add("streetlight", json!({"controllable": false}));
    let mut subs = Submissions::new();
    subs.insert((3, None), 10.0); // ignored: #3 is auto
    subs.insert((7, None), 65.0); // used: #7 is hybrid and the county has no intersections
    let obs = measure(&pack, &facts, &subs);
    assert!(
        matches!(obs[&(3, None)], Observed::Value { value, source: Source::Auto, .. } if value == 95.0)
    );
    assert!(matches!(
        obs[&(7, None)],
        Observed::Value {
            source: Source::Submitted,
            ..
        }
    ));
    let card = score(&pack, &obs, 4);
    assert_eq!(card.indicator_status(3), Status::Met);
    assert_eq!(card.indicator_status(7), Status::Met);

    // Once intersections are registered, the hybrid is computed: 1 of 2 → 50 %, not met.
    facts.add(
        "intersection",
        json!({"important": true, "adaptive_signal": true}),
    );
    facts.add(
        "intersection",
        json!({"important": true, "adaptive_signal": false}),
    );
    let obs = measure(&pack, &facts, &subs);
    assert!(
        matches!(obs[&(7, None)], Observed::Value { value, source: Source::Auto, .. } if value == 50.0)
    );
    assert_eq!(score(&pack, &obs, 4).indicator_status(7), Status::NotMet);
}

#[test]
fn every_part_must_be_met() {
    let pack = Pack::builtin_county();
    let facts = MemoryFacts::default();
    let mut subs = Submissions::new();
    subs.insert((27, None), 70.0);
    subs.insert((27, Some("departments_served".into())), 5.0); // "多于5个": 5 is not enough
    subs.insert((38, None), 1.0);
    let card = score(&pack, &measure(&pack, &facts, &subs), 4);
    assert_eq!(card.indicator_status(27), Status::NotMet);
    assert_eq!(card.indicator_status(38), Status::NoData); // social capital not submitted
    subs.insert((27, Some("departments_served".into())), 6.0);
    subs.insert((38, Some("social_capital".into())), 2500.0);
    let card = score(&pack, &measure(&pack, &facts, &subs), 4);
    assert_eq!(card.indicator_status(27), Status::Met);
    assert_eq!(card.indicator_status(38), Status::Met);
    // #5 is a ranking: lower is better.
    subs.insert((5, None), 40.0);
    assert_eq!(
        score(&pack, &measure(&pack, &facts, &subs), 4).indicator_status(5),
        Status::Met
    );
    subs.insert((5, None), 60.0);
    assert_eq!(
        score(&pack, &measure(&pack, &facts, &subs), 4).indicator_status(5),
        Status::NotMet
    );
}

#[test]
fn other_star_levels_use_their_targets_or_say_there_is_none() {
    let pack = Pack::builtin_county();
    let subs = meet(&pack, [16, 24, 1]);
    let card = score(&pack, &measure(&pack, &MemoryFacts::default(), &subs), 5);
    assert_eq!(card.indicator_status(16), Status::Met);
    assert_eq!(card.indicator_status(24), Status::Met);
    // The annex gives only four-star targets for the rest.
    assert_eq!(card.indicator_status(1), Status::NoTarget);
    close(card.completed, 2.0 / 43.0);
}

const SMALL: &str = r#"{
  "id": "test", "standard": "T", "edition": "1", "name": "测试", "name_en": "Test",
  "level": "community", "default_weight": 1, "pass_line": 0.7,
  "indicators": [
    {"number": 1, "group": "A", "group_en": "A", "name": "一", "name_en": "one", "definition": "d", "requirement": "r",
     "targets": {"4": {"op": ">=", "value": 90, "unit": "%"}}, "measure": {"how": "submitted"},
     "responsibility": "x", "lead": [{"name": "x", "id": null}], "weight": 2},
    {"number": 2, "group": "A", "group_en": "A", "name": "二", "name_en": "two", "definition": "d", "requirement": "r",
     "targets": {"4": {"op": ">=", "value": 90, "unit": "%"}}, "measure": {"how": "submitted"},
     "responsibility": "x", "lead": [{"name": "x", "id": null}], "weight": 2},
    {"number": 3, "group": "A", "group_en": "A", "name": "三", "name_en": "three", "definition": "d", "requirement": "r",
     "targets": {"4": {"op": ">=", "value": 1, "unit": "count"}}, "measure": {"how": "submitted"},
     "responsibility": "x", "lead": [{"name": "x", "id": null}]},
    {"number": 4, "group": "A", "group_en": "A", "name": "四", "name_en": "four", "definition": "d", "requirement": "r",
     "targets": {"4": {"op": ">=", "value": 1, "unit": "count"}}, "measure": {"how": "submitted"},
     "responsibility": "x", "lead": [{"name": "x", "id": null}]},
    {"number": 5, "group": "A", "group_en": "A", "name": "五", "name_en": "five", "definition": "d", "requirement": "r",
     "targets": {"4": {"op": "=", "value": 1, "unit": "bool"}}, "measure": {"how": "submitted"},
     "responsibility": "x", "lead": [{"name": "x", "id": null}], "weight": 3}
  ]
}"#;

#[test]
fn what_if_ranks_by_weight_then_distance() {
    let pack = Pack::from_json(SMALL.as_bytes()).unwrap();
    assert!(!pack.weights_are_default());
    let mut subs = Submissions::new();
    subs.insert((1, None), 50.0); // weight 2, 40 points short
    subs.insert((2, None), 80.0); // weight 2, 10 points short
    subs.insert((4, None), 1.0); // met, weight 1
    subs.insert((5, None), 0.0); // weight 3
                                 // #3 (weight 1) has no data.
    let card = score(&pack, &measure(&pack, &MemoryFacts::default(), &subs), 4);
    close(card.total_weight, 9.0);
    close(card.completed, 1.0 / 9.0);
    assert!(!card.weights_are_default);
    let order: Vec<u32> = card.what_if.iter().map(|w| w.number).collect();
    assert_eq!(order, vec![5, 2, 1, 3]);
    let after: Vec<f64> = card.what_if.iter().map(|w| w.completed_after).collect();
    for (a, b) in after.iter().zip([4.0 / 9.0, 6.0 / 9.0, 8.0 / 9.0, 1.0]) {
        close(*a, b);
    }
    close(card.what_if[1].distance.unwrap(), 10.0 / 90.0);
    assert_eq!(card.what_if[3].distance, None);
    assert_eq!(card.steps_to_pass, Some(3));
    assert_eq!(card.aim, None);
    assert_eq!(card.steps_to_aim, None);
}

#[test]
fn community_pack_passes_at_80_percent() {
    let mut v: serde_json::Value = serde_json::from_str(SMALL).unwrap();
    v["pass_line"] = 0.8.into();
    for ind in v["indicators"].as_array_mut().unwrap() {
        ind.as_object_mut().unwrap().remove("weight");
    }
    let pack = Pack::from_json(v.to_string().as_bytes()).unwrap();
    let subs = |met: &[u32]| {
        let mut s = Submissions::new();
        for n in 1..=5u32 {
            let t = pack.indicator(n).unwrap().target(4).unwrap();
            s.insert((n, None), if met.contains(&n) { t.value } else { 0.0 });
        }
        s
    };
    let card = score(
        &pack,
        &measure(&pack, &MemoryFacts::default(), &subs(&[1, 2, 3, 4])),
        4,
    );
    close(card.completed, 0.8);
    assert!(card.passed);
    let card = score(
        &pack,
        &measure(&pack, &MemoryFacts::default(), &subs(&[1, 2, 3])),
        4,
    );
    assert!(!card.passed);
    assert_eq!(card.steps_to_pass, Some(1));
}

#[test]
fn scorecard_serialises() {
    let pack = Pack::builtin_county();
    let card = score(
        &pack,
        &measure(&pack, &MemoryFacts::default(), &Submissions::new()),
        4,
    );
    let v = serde_json::to_value(&card).unwrap();
    assert_eq!(v["indicators"][0]["status"], "no_data");
    assert_eq!(v["weights_are_default"], true);
}
