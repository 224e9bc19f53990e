//! Checks of the seeded Yiyuan county: every item valid, codes nested, the towns tiling the
//! county, every entity inside its region and in a grid of its town, stable counts and ids.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use zhicheng_model::{RegionLevel, ValueType};
use zhicheng_sim::seed::{self, CountySeed};

type Pt = (f64, f64);

/// The outer rings of a Polygon or MultiPolygon (holes are not used by the seed).
fn rings(g: &Value) -> Vec<Vec<Pt>> {
    let ring = |r: &Value| -> Vec<Pt> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    };
    match g["type"].as_str() {
        Some("Polygon") => vec![ring(&g["coordinates"][0])],
        Some("MultiPolygon") => g["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| ring(&p[0]))
            .collect(),
        other => panic!("not an area: {other:?}"),
    }
}

/// Ray casting: is `p` inside the closed ring?
fn in_ring(p: Pt, ring: &[Pt]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > p.1) != (y2 > p.1) && p.0 < x1 + (p.1 - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

fn inside(p: Pt, g: &Value) -> bool {
    rings(g).iter().any(|r| in_ring(p, r))
}

/// Distance (degrees) from `p` to the nearest edge of the area.
fn edge_distance(p: Pt, g: &Value) -> f64 {
    let mut best = f64::INFINITY;
    for r in rings(g) {
        for w in r.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            let (dx, dy) = (x2 - x1, y2 - y1);
            let len2 = dx * dx + dy * dy;
            let t = if len2 == 0.0 {
                0.0
            } else {
                (((p.0 - x1) * dx + (p.1 - y1) * dy) / len2).clamp(0.0, 1.0)
            };
            let (cx, cy) = (x1 + t * dx, y1 + t * dy);
            best = best.min(((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt());
        }
    }
    best
}

/// Inside, or within ~10 m of the boundary (coordinates are rounded to 1e-5°).
fn inside_or_on(p: Pt, g: &Value) -> bool {
    inside(p, g) || edge_distance(p, g) < 1e-4
}

/// Area in km² (shoelace in a local plane).
fn area_km2(g: &Value) -> f64 {
    let k = 36.15_f64.to_radians().cos() * 111.32;
    rings(g)
        .iter()
        .map(|r| {
            r.windows(2)
                .map(|w| (w[0].0 * k) * (w[1].1 * 110.57) - (w[1].0 * k) * (w[0].1 * 110.57))
                .sum::<f64>()
                .abs()
                / 2.0
        })
        .sum()
}

fn point_of(g: &Value) -> Pt {
    assert_eq!(g["type"], "Point");
    (
        g["coordinates"][0].as_f64().unwrap(),
        g["coordinates"][1].as_f64().unwrap(),
    )
}

fn county() -> CountySeed {
    seed::yiyuan()
}

#[test]
fn every_item_validates() {
    let s = county();
    for r in &s.regions {
        let mut checked = r.clone();
        checked
            .validate()
            .unwrap_or_else(|e| panic!("region {}: {e}", r.code));
        assert_eq!(&checked, r, "validate() changes nothing");
    }
    for d in &s.departments {
        d.validate()
            .unwrap_or_else(|e| panic!("department {}: {e}", d.id));
    }
    for g in &s.grids {
        g.validate()
            .unwrap_or_else(|e| panic!("grid {}: {e}", g.id));
    }
    for k in &s.kinds {
        k.validate()
            .unwrap_or_else(|e| panic!("kind {}: {e}", k.id));
    }
    for e in &s.entities {
        e.validate()
            .unwrap_or_else(|err| panic!("entity {}: {err}", e.id));
        let kind = s
            .kind(&e.kind)
            .unwrap_or_else(|| panic!("{}: no kind {}", e.id, e.kind));
        kind.check_attributes(&e.attributes)
            .unwrap_or_else(|err| panic!("entity {}: {err}", e.id));
    }
    assert!(seed::try_yiyuan().is_ok());
}

#[test]
fn region_codes_are_unique_and_nested() {
    let s = county();
    let mut seen = HashSet::new();
    for r in &s.regions {
        assert!(seen.insert(r.code.clone()), "{} twice", r.code);
        assert_eq!(r.level, RegionLevel::from_code(&r.code).unwrap());
        match r.level {
            RegionLevel::County => assert!(r.parent.is_none()),
            _ => {
                let p = r.parent.as_deref().unwrap();
                assert!(r.code.starts_with(p), "{} under {p}", r.code);
                assert!(seen.contains(p), "{}: parent {p} listed first", r.code);
            }
        }
        assert!(r.geometry.is_some(), "{} has a boundary", r.code);
    }
    assert_eq!(s.regions[0].code, "370323");
    assert_eq!(s.regions[0].name, "沂源县");
    let towns: BTreeMap<&str, &str> = s
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::Town)
        .map(|r| (r.code.as_str(), r.name.as_str()))
        .collect();
    let expected = [
        ("370323001", "南麻街道"),
        ("370323002", "历山街道"),
        ("370323101", "悦庄镇"),
        ("370323102", "东里镇"),
        ("370323103", "西里镇"),
        ("370323104", "大张庄镇"),
        ("370323105", "中庄镇"),
        ("370323106", "张家坡镇"),
        ("370323107", "燕崖镇"),
        ("370323108", "石桥镇"),
        ("370323109", "鲁村镇"),
        ("370323110", "南鲁山镇"),
    ];
    assert_eq!(towns, expected.into_iter().collect());
    let villages: Vec<_> = s
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::Village)
        .collect();
    assert!(villages.len() >= 6);
    for v in villages {
        assert!(
            v.code.starts_with("370323001") || v.code.starts_with("370323002"),
            "{} is in the county seat",
            v.code
        );
    }
}

#[test]
fn towns_tile_the_county() {
    let s = county();
    let county_geom = s.regions[0].geometry.as_ref().unwrap();
    let towns: Vec<_> = s
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::Town)
        .map(|r| (r.code.as_str(), r.geometry.as_ref().unwrap()))
        .collect();
    let total: f64 = towns.iter().map(|(_, g)| area_km2(g)).sum();
    let county_area = area_km2(county_geom);
    assert!(
        (total - county_area).abs() < 0.001 * county_area,
        "{total} vs {county_area}"
    );
    // About the real county's 1,636 km².
    assert!((1400.0..2000.0).contains(&county_area), "{county_area} km²");

    // On a fine lattice, every point of the county is in exactly one town, and no point outside
    // it is in any (points within ~10 m of a boundary are not decidable after rounding).
    let (mut tested, mut ambiguous) = (0, 0);
    for i in 0..150 {
        for j in 0..120 {
            let p = (117.85 + i as f64 * 0.0041, 35.93 + j as f64 * 0.0037);
            let hits: Vec<_> = towns.iter().filter(|(_, g)| inside(p, g)).collect();
            let near_edge = towns.iter().any(|(_, g)| edge_distance(p, g) < 1e-4);
            if near_edge {
                ambiguous += 1;
                continue;
            }
            tested += 1;
            if inside(p, county_geom) {
                assert_eq!(
                    hits.len(),
                    1,
                    "{p:?} is in {:?}",
                    hits.iter().map(|h| h.0).collect::<Vec<_>>()
                );
            } else {
                assert!(
                    hits.is_empty(),
                    "{p:?} outside the county but in {}",
                    hits[0].0
                );
            }
        }
    }
    assert!(
        tested > 17_000 && ambiguous < 200,
        "{tested} tested, {ambiguous} on edges"
    );
}

#[test]
fn towns_lie_roughly_where_they_are() {
    let s = county();
    let centre = |code: &str| {
        let b = s
            .region(code)
            .unwrap()
            .geometry
            .as_ref()
            .map(zhicheng_model::geometry::bbox)
            .unwrap()
            .unwrap();
        b.center()
    };
    let seat = centre("370323001");
    // 南麻街道 holds the county seat (118.17, 36.18).
    assert!(inside(
        (118.17, 36.18),
        s.region("370323001").unwrap().geometry.as_ref().unwrap()
    ));
    assert!(centre("370323109").0 < seat.0, "鲁村 west");
    assert!(
        centre("370323110").0 < seat.0 && centre("370323110").1 > seat.1,
        "南鲁山 north-west"
    );
    assert!(centre("370323101").1 > seat.1, "悦庄 north");
    assert!(centre("370323102").0 > seat.0, "东里 east");
    assert!(centre("370323106").0 > seat.0, "张家坡 east");
    assert!(centre("370323107").1 < seat.1, "燕崖 south");
}

#[test]
fn communities_and_grids_lie_in_their_towns() {
    let s = county();
    let geom = |code: &str| s.region(code).unwrap().geometry.clone().unwrap();
    let villages: Vec<_> = s
        .regions
        .iter()
        .filter(|r| r.level == RegionLevel::Village)
        .collect();
    for v in &villages {
        let town = geom(v.parent.as_deref().unwrap());
        for r in rings(v.geometry.as_ref().unwrap()) {
            for p in r {
                assert!(
                    inside_or_on(p, &town),
                    "{} corner {p:?} outside its town",
                    v.code
                );
            }
        }
    }
    // Communities do not overlap one another.
    for (i, a) in villages.iter().enumerate() {
        for b in &villages[i + 1..] {
            for p in &rings(b.geometry.as_ref().unwrap())[0] {
                let ga = a.geometry.as_ref().unwrap();
                assert!(
                    !inside(*p, ga) || edge_distance(*p, ga) < 1e-6,
                    "{} overlaps {}",
                    a.code,
                    b.code
                );
            }
        }
    }

    let mut per_town: HashMap<&str, Vec<&zhicheng_model::Grid>> = HashMap::new();
    for g in &s.grids {
        let town = geom(&g.region);
        for p in &rings(&g.geometry)[0] {
            assert!(
                inside_or_on(*p, &town),
                "grid {} corner {p:?} outside {}",
                g.id,
                g.region
            );
        }
        per_town.entry(g.region.as_str()).or_default().push(g);
    }
    assert_eq!(per_town.len(), 12, "every town has grids");
    for (town, grids) in &per_town {
        assert!(
            (2..=4).contains(&grids.len()),
            "{town} has {} grids",
            grids.len()
        );
        let sum: f64 = grids.iter().map(|g| area_km2(&g.geometry)).sum();
        let area = area_km2(&geom(town));
        assert!(
            (sum - area).abs() < 0.001 * area,
            "{town}: grids {sum} km² of {area} km²"
        );
    }
}

#[test]
fn entities_stand_in_their_region_and_a_grid_of_their_town() {
    let s = county();
    let county_geom = s.regions[0].geometry.clone().unwrap();
    for e in &s.entities {
        let p = point_of(e.geometry.as_ref().unwrap());
        let region = s.region(&e.region).unwrap();
        assert!(
            inside(p, region.geometry.as_ref().unwrap()),
            "{} not inside {}",
            e.id,
            e.region
        );
        let town = &e.region[..9];
        assert!(
            inside(p, s.region(town).unwrap().geometry.as_ref().unwrap()),
            "{} not in {town}",
            e.id
        );
        assert!(inside(p, &county_geom), "{} outside the county", e.id);
        let grids: Vec<_> = s.grids.iter().filter(|g| inside(p, &g.geometry)).collect();
        assert_eq!(grids.len(), 1, "{} is in {} grids", e.id, grids.len());
        assert_eq!(
            grids[0].region, town,
            "{}: grid {} of another town",
            e.id, grids[0].id
        );
    }
}

#[test]
fn entity_counts_and_ids() {
    let s = county();
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &s.entities {
        *per_kind.entry(e.kind.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("air_station", 15),
        ("electricity_meter", 60),
        ("gas_meter", 40),
        ("noise_station", 6),
        ("parking_lot", 12),
        ("scenic_gate", 14),
        ("streetlight", 180),
        ("water_meter", 60),
        ("water_quality_station", 5),
    ]
    .into_iter()
    .collect();
    assert_eq!(per_kind, expected);
    assert_eq!(s.entities.len(), 392);

    let ids: HashSet<_> = s.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), s.entities.len(), "ids are unique");
    for id in [
        "air-001",
        "air-015",
        "lamp-0001",
        "lamp-0180",
        "wmeter-0060",
        "emeter-0001",
        "gmeter-0040",
        "park-012",
        "gate-014",
        "noise-006",
        "wq-005",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    // One air station per town and street.
    let air_towns: HashSet<_> = s
        .entities
        .iter()
        .filter(|e| e.kind == "air_station")
        .map(|e| &e.region[..9])
        .collect();
    assert_eq!(air_towns.len(), 12);
}

#[test]
fn owners_are_the_responsible_departments() {
    let s = county();
    let owner = |kind: &str| {
        let owners: HashSet<_> = s
            .entities
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.department.as_str())
            .collect();
        owners.into_iter().collect::<Vec<_>>()
    };
    assert_eq!(owner("air_station"), ["eco-env"]);
    assert_eq!(owner("streetlight"), ["urban-mgmt"]);
    assert_eq!(owner("parking_lot"), ["urban-mgmt"]);
    assert_eq!(owner("scenic_gate"), ["culture-tourism"]);
    assert_eq!(owner("water_meter"), ["water"]);
    assert_eq!(owner("electricity_meter"), ["development"]);
    assert_eq!(owner("gas_meter"), ["housing"]);
}

#[test]
fn departments_match_the_plan() {
    let s = county();
    let names: HashMap<_, _> = s
        .departments
        .iter()
        .map(|d| (d.id.as_str(), d.name.as_str()))
        .collect();
    for (id, name) in [
        ("bigdata", "县大数据中心"),
        ("police", "县公安局"),
        ("traffic-police", "县交警大队"),
        ("urban-mgmt", "县综合行政执法局"),
        ("eco-env", "市生态环境局沂源分局"),
        ("housing", "县住房城乡建设局"),
        ("transport", "县交通运输局"),
        ("culture-tourism", "县文化和旅游局"),
        ("water", "县水利局"),
        ("emergency", "县应急局"),
        ("political-legal", "县委政法委"),
        ("civil-affairs", "县民政局"),
        ("market", "县市场监管局"),
        ("development", "县发展改革局"),
        ("industry-it", "县工业和信息化局"),
        ("approval", "县行政审批服务局"),
        ("natural-resources", "县自然资源局"),
        ("education", "县教育和体育局"),
        ("health", "县卫生健康局"),
        ("agriculture", "县农业农村局"),
        ("commerce", "县商务局"),
    ] {
        assert_eq!(names.get(id), Some(&name), "{id}");
    }
    assert!(s.departments.iter().all(|d| d.name_en.is_some()));
    let known: HashSet<_> = names.keys().copied().collect();
    for g in &s.grids {
        for d in &g.departments {
            assert!(known.contains(d.as_str()), "grid {}: {d}", g.id);
        }
    }
    for e in &s.entities {
        assert!(known.contains(e.department.as_str()), "{}", e.id);
    }
}

#[test]
fn several_grids_fuse_four_or_more_departments() {
    let s = county();
    let fused: Vec<_> = s
        .grids
        .iter()
        .filter(|g| g.departments.len() >= 4)
        .collect();
    assert!(fused.len() >= 12, "{} fused grids", fused.len());
    for g in &fused {
        assert!(
            g.departments.iter().any(|d| d == "political-legal"),
            "{} led by 政法委",
            g.id
        );
    }
    for g in &s.grids {
        assert!(!g.departments.is_empty(), "{} has an owner", g.id);
    }
}

#[test]
fn lamp_control_rate_meets_the_indicator() {
    let s = county();
    let lamps: Vec<_> = s
        .entities
        .iter()
        .filter(|e| e.kind == "streetlight")
        .collect();
    let controlled = lamps
        .iter()
        .filter(|e| e.attributes["controllable"] == Value::Bool(true))
        .count();
    let rate = controlled as f64 / lamps.len() as f64;
    assert!((0.9..1.0).contains(&rate), "{rate}");
}

#[test]
fn kinds_are_labelled_with_units() {
    let s = county();
    for k in &s.kinds {
        assert!(k.name_en.is_some(), "{}", k.id);
        for m in &k.metrics {
            assert!(m.label.is_some(), "{}.{}", k.id, m.name);
            if m.ty != ValueType::Boolean && m.name != "ph" {
                assert!(m.unit.is_some(), "{}.{} has a unit", k.id, m.name);
            }
        }
    }
    let lot = s.kind("parking_lot").unwrap();
    let total = lot
        .attributes
        .iter()
        .find(|a| a.name == "total_spots")
        .unwrap();
    assert!(total.required && total.ty == ValueType::Integer);
    assert_eq!(lot.metric("occupied_spots").unwrap().ty, ValueType::Integer);
    let lamp = s.kind("streetlight").unwrap();
    assert_eq!(lamp.metric("power_state").unwrap().ty, ValueType::Boolean);
    assert_eq!(seed::kinds().unwrap(), s.kinds);
}

#[test]
fn the_seed_is_deterministic() {
    let a = county();
    let b = county();
    assert_eq!(a, b);
    let json = |s: &CountySeed| {
        serde_json::to_string(&(&s.regions, &s.departments, &s.grids, &s.kinds, &s.entities))
            .unwrap()
    };
    assert_eq!(json(&a), json(&b));
}

#[test]
fn scaled_county_has_the_count_unique_ids_and_points_inside() {
    let c = county();
    let county_geom = c.regions[0].geometry.clone().unwrap();
    let big = c.scaled(10_000, 7);
    assert_eq!(big.entities.len(), 10_000);
    assert_eq!(big.entities[..c.entities.len()], c.entities[..]);
    let ids: HashSet<&str> = big.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 10_000);
    for e in &big.entities[c.entities.len()..] {
        e.validate().unwrap();
        assert!(big.kind(&e.kind).is_some());
        let p = point_of(e.geometry.as_ref().unwrap());
        assert!(inside_or_on(p, &county_geom), "{} at {p:?}", e.id);
    }
    // Deterministic, and never shrinks.
    assert_eq!(c.scaled(10_000, 7), big);
    assert_eq!(c.scaled(10, 7), c);
}
