//! The live DB37/T 3890 scorecard over HTTP against the real binary, on SQLite and PostgreSQL:
//! a registry seeded through the API, auto indicators checked against values worked out by
//! hand (#3 smart lighting, #9 home meters, #10 monitoring coverage by area, #12 grid fusion),
//! "no data" cases, the totals, who may read it, and the overview's completion slot; and the
//! department workflow: submitted values with evidence, the big-data center's review, and the
//! approved value in the scorecard; closed periods served from their snapshots, byte for byte,
//! with the monthly report as HTML and XLSX (read back by Python's openpyxl); the trend against
//! closed months, the breakdown by group and by responsible unit, quarters, and the acceptance
//! milestones with their self-assessment report.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    live_scorecard,
    submissions_and_review,
    closed_periods_and_reports,
    trend_quarters_and_acceptance
);

/// H3's authalic Earth radius (km): the cells' areas are on this sphere.
const R_KM: f64 = 6_371.007_180_918_475;

fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

fn square(lon0: f64, lat0: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d], [lon0, lat0]]]})
}

fn indicator(card: &Value, n: u64) -> &Value {
    card["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == n)
        .unwrap_or_else(|| panic!("indicator {n} missing"))
}

/// The answer of the provenance call starting with `prefix`.
fn call_result(row: &Value, prefix: &str) -> Value {
    row["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no call {prefix} in {}", row["provenance"]))["result"]
        .clone()
}

fn close(got: &Value, want: f64, rel: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!(
        (g - want).abs() <= rel * want.abs(),
        "{what}: got {g}, want {want} ± {}%",
        rel * 100.0
    );
}

async fn live_scorecard(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");

    // The county: a 0.2° × 0.2° square at 36° N (spherical area 399.61 km²).
    post(
        &api,
        &admin,
        "regions",
        json!({"code": "370323", "name": "沂源县", "geometry": square(118.0, 36.0, 0.2)}),
    )
    .await;
    post(
        &api,
        &admin,
        "regions",
        json!({"code": "370323001", "name": "南麻街道"}),
    )
    .await;
    for (id, name) in [
        ("eco-env", "市生态环境局沂源分局"),
        ("urban-mgmt", "县综合行政执法局"),
        ("housing", "县住房城乡建设局"),
        ("public-security", "县公安局"),
        ("bigdata", "县大数据中心"),
    ] {
        post(&api, &admin, "departments", json!({"id": id, "name": name})).await;
    }
    // #12: two grids fuse two departments each (4 departments); the third has one.
    for (id, deps) in [
        ("g1", json!(["eco-env", "urban-mgmt"])),
        ("g2", json!(["housing", "public-security"])),
        ("g3", json!(["bigdata"])),
    ] {
        post(
            &api,
            &admin,
            "grids",
            json!({"id": id, "name": id, "region": "370323001", "departments": deps,
                   "geometry": square(118.05, 36.05, 0.01)}),
        )
        .await;
    }
    let attr = |name: &str, ty: &str| json!({"name": name, "type": ty});
    for (id, attrs) in [
        ("streetlight", json!([attr("controllable", "boolean")])),
        ("water_meter", json!([attr("household", "text")])),
        ("electricity_meter", json!([attr("household", "text")])),
        ("gas_meter", json!([attr("household", "text")])),
        ("air_station", json!([])),
        ("water_quality_station", json!([])),
        ("noise_station", json!([])),
        // Registered, but no entity: #2 has no data.
        ("bus_line", json!([attr("realtime_prediction", "boolean")])),
    ] {
        post(
            &api,
            &admin,
            "kinds",
            json!({"id": id, "name": id, "attributes": attrs}),
        )
        .await;
    }
    let mut entities = Vec::new();
    // #3: nine controllable lamps of ten in service; a retired one does not count.
    for i in 1..=10 {
        entities.push(json!({"id": format!("sl-{i:02}"), "kind": "streetlight",
            "name": format!("路灯{i}"), "department": "urban-mgmt", "region": "370323001",
            "geometry": point(118.1, 36.1), "attributes": {"controllable": i <= 9}}));
    }
    entities.push(
        json!({"id": "sl-old", "kind": "streetlight", "name": "旧路灯",
        "department": "urban-mgmt", "region": "370323001", "status": "retired",
        "attributes": {"controllable": false}}),
    );
    // #9: meters, two water meters of three tied to a household.
    for (id, kind, hh) in [
        ("wm-1", "water_meter", Some("h1")),
        ("wm-2", "water_meter", Some("h2")),
        ("wm-3", "water_meter", None),
        ("em-1", "electricity_meter", Some("h1")),
        ("gm-1", "gas_meter", Some("h1")),
    ] {
        let attrs = match hh {
            Some(h) => json!({"household": h}),
            None => json!({}),
        };
        entities.push(
            json!({"id": id, "kind": kind, "name": id, "department": "housing",
            "region": "370323001", "attributes": attrs}),
        );
    }
    // #10: air stations on the west edge (two at one site) and one outside the county;
    // a water station at the centre; two noise stations far apart.
    for (id, kind, lon, lat) in [
        ("air-1", "air_station", 118.0, 36.1),
        ("air-2", "air_station", 118.0, 36.1),
        ("air-3", "air_station", 119.0, 36.1),
        ("wq-1", "water_quality_station", 118.1, 36.1),
        ("ns-1", "noise_station", 118.05, 36.05),
        ("ns-2", "noise_station", 118.15, 36.15),
    ] {
        entities.push(
            json!({"id": id, "kind": kind, "name": id, "department": "eco-env",
            "region": "370323001", "geometry": point(lon, lat)}),
        );
    }
    for e in entities {
        post(&api, &admin, "entities", e).await;
    }
    for (user, role, dep) in [
        ("urb1", "department", Some("urban-mgmt")),
        ("view1", "viewer", None),
    ] {
        post(
            &api,
            &admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }

    let (st, card) = call("GET", &format!("{api}/scorecard?star=4"), &admin, None).await;
    assert_eq!(st, 200, "{card}");
    assert_eq!(card["star"], 4);
    assert_eq!(card["levels"], json!([4, 5]));
    assert_eq!(card["pack"]["id"], "db37t3890-2020-county");
    assert_eq!(card["indicators"].as_array().unwrap().len(), 44);

    // #3 smart lighting: 9 / 10 = 90 % ≥ 90 %: met.
    let r3 = indicator(&card, 3);
    assert_eq!(r3["value"], 90.0, "{r3}");
    assert_eq!(r3["status"], "met");
    assert_eq!(r3["how"], "auto");
    assert_eq!(r3["source"], "auto");
    assert_eq!(r3["leading"], true);
    assert_eq!(r3["group"], "数字惠民");
    assert_eq!(r3["name_en"], "Smart lighting installation rate");
    assert_eq!(
        r3["target"],
        json!({"op": ">=", "value": 90.0, "unit": "%", "refers_to_star": null})
    );
    assert_eq!(
        r3["lead"],
        json!([{"name": "县综合行政执法局", "id": "urban-mgmt"}])
    );
    assert_eq!(r3["partners"][0]["id"], "housing");
    assert_eq!(
        r3["provenance"],
        json!([{"call": "count(streetlight, controllable=true)", "result": 9.0},
               {"call": "count(streetlight)", "result": 10.0}])
    );

    // #9 home meters: counted, but the households base figure is not entered: no data.
    let r9 = indicator(&card, 9);
    assert_eq!(r9["value"], Value::Null, "{r9}");
    assert_eq!(r9["status"], "no_data");
    assert!(
        r9["reason"].as_str().unwrap().contains("households"),
        "{r9}"
    );
    assert_eq!(call_result(r9, "count(water_meter"), 2.0);
    assert_eq!(call_result(r9, "count(electricity_meter"), 1.0);
    assert_eq!(call_result(r9, "count(gas_meter"), 1.0);
    assert_eq!(call_result(r9, "input(households)"), Value::Null);

    // #10 monitoring coverage, by hand with A = R²·Δλ·(sin 36.2° − sin 36°) = 399.61 km²:
    // air: half a 4 km disk on the west edge (the co-located pair counts once, the station
    // outside adds nothing) = 8π = 25.13 km²; water: a 5 km disk = 25π = 78.54 km²; noise: two
    // 0.5 km disks = 0.5π = 1.571 km². 100 × (0.4·25.13 + 0.4·78.54 + 0.2·1.571) / 399.61 =
    // 10.456 %. The cells approximate areas within 0.5 % (county), 2 % (4–5 km disks) and 5 %
    // (0.5 km disks).
    let pi = std::f64::consts::PI;
    let a = R_KM
        * R_KM
        * 0.2f64.to_radians()
        * (36.2f64.to_radians().sin() - 36.0f64.to_radians().sin());
    let r10 = indicator(&card, 10);
    assert_eq!(r10["status"], "not_met", "{r10}");
    close(
        &call_result(r10, "area_covered([air_station]"),
        8.0 * pi,
        0.02,
        "air",
    );
    close(
        &call_result(r10, "area_covered([water_quality_station]"),
        25.0 * pi,
        0.02,
        "water",
    );
    close(
        &call_result(r10, "area_covered([noise_station]"),
        0.5 * pi,
        0.05,
        "noise",
    );
    close(&call_result(r10, "county_area()"), a, 0.005, "county");
    let want10 = 100.0 * (0.4 * 8.0 * pi + 0.4 * 25.0 * pi + 0.2 * 0.5 * pi) / a;
    assert!((want10 - 10.456).abs() < 0.001);
    close(&r10["value"], want10, 0.02, "#10");

    // #12: four departments share grids with another: ≥ 4, met.
    let r12 = indicator(&card, 12);
    assert_eq!(r12["value"], 4.0, "{r12}");
    assert_eq!(r12["status"], "met");

    // A registered kind without entities, and kinds never registered: no data, never 0.
    let r2 = indicator(&card, 2);
    assert_eq!(r2["value"], Value::Null);
    assert_eq!(r2["status"], "no_data");
    assert!(
        r2["reason"].as_str().unwrap().contains("`bus_line`"),
        "{r2}"
    );
    assert_eq!(r2["parts"][0]["key"], "e_stop");
    assert_eq!(r2["parts"][0]["value"], Value::Null);
    assert_eq!(indicator(&card, 29)["status"], "no_data");
    // Submitted ones wait for submissions.
    let r1 = indicator(&card, 1);
    assert_eq!(
        (r1["how"].as_str(), r1["status"].as_str()),
        (Some("submitted"), Some("no_data"))
    );
    assert_eq!(r1["reason"], "not submitted");
    assert_eq!(indicator(&card, 40)["status"], "deduction");

    // Totals: #3 and #12 met out of 43 scored indicators.
    let t = &card["totals"];
    assert_eq!(t["met"], 2, "{t}");
    assert_eq!(t["scored"], 43);
    assert_eq!(t["not_met"], 1); // #10
    close(&t["completed_weight"], 2.0 / 43.0, 1e-9, "completed");
    assert_eq!(t["pass_line"], 0.7);
    assert_eq!(t["aim"], 0.8);
    assert_eq!(t["passed"], false);
    assert_eq!(t["aimed"], false);
    assert_eq!(card["weights"]["equal"], true);
    assert!(card["weights"]["statement_zh"]
        .as_str()
        .unwrap()
        .contains("默认等权"));
    let what_if = card["what_if"].as_array().unwrap();
    assert_eq!(what_if.len(), 41);
    // Equal weights: the one with data and the smallest distance comes first (#10).
    assert_eq!(what_if[0]["number"], 10);

    // A department user and a viewer read the same county figure; signed out may not.
    for (user, pw) in [("urb1", "urb1-password"), ("view1", "view1-password")] {
        let tok = login(base, user, pw).await;
        let (st, c) = call("GET", &format!("{api}/scorecard"), &tok, None).await;
        assert_eq!(st, 200, "{user}: {c}");
        assert_eq!(c["star"], 4);
        assert_eq!(c["totals"]["met"], 2, "{user}");
        assert_eq!(indicator(&c, 9)["provenance"], r9["provenance"]);
        let (st, _) = call("GET", &format!("{api}/scorecard/pack"), &tok, None).await;
        assert_eq!(st, 200);
    }
    let (st, _) = call("GET", &format!("{api}/scorecard"), "nope", None).await;
    assert_eq!(st, 401);

    // Star levels: 5 is graded (most indicators have no five-star target), 3 is not.
    let (st, c5) = call("GET", &format!("{api}/scorecard?star=5"), &admin, None).await;
    assert_eq!(st, 200, "{c5}");
    assert_eq!(c5["star"], 5);
    assert_eq!(indicator(&c5, 3)["status"], "no_target");
    assert_eq!(indicator(&c5, 3)["value"], 90.0);
    let (st, e) = call("GET", &format!("{api}/scorecard?star=3"), &admin, None).await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["code"], "invalid");
    let (st, _) = call("GET", &format!("{api}/scorecard?star=x"), &admin, None).await;
    assert_eq!(st, 400);
    // The four-star answer did not change after asking for five.
    let (_, again) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    assert_eq!(indicator(&again, 3)["status"], "met");

    // The pack itself.
    let (st, p) = call("GET", &format!("{api}/scorecard/pack"), &admin, None).await;
    assert_eq!(st, 200);
    assert_eq!(p["id"], "db37t3890-2020-county");
    assert_eq!(p["indicators"].as_array().unwrap().len(), 44);
    assert_eq!(p["pass_line"], 0.7);

    // The command center's completion slot.
    let (st, o) = call("GET", &format!("{api}/overview"), &admin, None).await;
    assert_eq!(st, 200, "{o}");
    let slot = &o["slots"]["indicator_completion"];
    assert_eq!(slot["star"], 4, "{slot}");
    assert_eq!(slot["met"], 2);
    assert_eq!(slot["scored"], 43);
    assert_eq!(slot["pass_line"], 0.7);
    assert_eq!(slot["aim"], 0.8);
    close(&slot["completed_weight"], 2.0 / 43.0, 1e-9, "slot");

    // A registry change shows at once (the cache is dropped): a tenth in-service lamp without
    // control makes #3 9 / 11 = 81.8 %, not met.
    post(
        &api,
        &admin,
        "entities",
        json!({"id": "sl-11", "kind": "streetlight", "name": "路灯11", "department": "urban-mgmt",
               "region": "370323001", "attributes": {"controllable": false}}),
    )
    .await;
    let (_, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    let r3 = indicator(&card, 3);
    close(&r3["value"], 900.0 / 11.0, 1e-9, "#3 after");
    assert_eq!(r3["status"], "not_met");
    assert_eq!(card["totals"]["met"], 1);

    // Base figures: households is what #9 still lacks. Only the big-data center enters it.
    let urb = login(base, "urb1", "urb1-password").await;
    let view = login(base, "view1", "view1-password").await;
    let inputs = format!("{api}/scorecard/inputs");
    let (st, list) = call("GET", &inputs, &view, None).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list[0]["name"], "households");
    assert_eq!(list[0]["indicators"], json!([9]));
    assert_eq!(list[0]["current"], Value::Null);
    let period = card["period"].as_str().unwrap().to_string();
    let body = json!({"period": period, "value": 4.0, "note": "统计局 2025 年末户数"});
    let (st, e) = call(
        "POST",
        &format!("{inputs}/households"),
        &urb,
        Some(body.clone()),
    )
    .await;
    assert_eq!(st, 403, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{inputs}/population"),
        &admin,
        Some(body.clone()),
    )
    .await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{inputs}/households"),
        &admin,
        Some(json!({"period": period, "value": -1.0})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, f) = call("POST", &format!("{inputs}/households"), &admin, Some(body)).await;
    assert_eq!(st, 201, "{f}");
    assert_eq!(f["value"], 4.0);

    // #13 pipe networks, by length with ⅓ weights: water 300 of 400 m monitored, power 500 of
    // 500 m, gas 200 of 800 m.
    for id in ["water_pipe", "power_cable", "gas_pipe"] {
        post(
            &api,
            &admin,
            "kinds",
            json!({"id": id, "name": id, "attributes": [attr("monitored", "boolean"),
                   attr("length_m", "number")]}),
        )
        .await;
    }
    for (i, (kind, monitored, length)) in [
        ("water_pipe", true, 300.0),
        ("water_pipe", false, 100.0),
        ("power_cable", true, 500.0),
        ("gas_pipe", true, 200.0),
        ("gas_pipe", false, 600.0),
    ]
    .into_iter()
    .enumerate()
    {
        post(
            &api,
            &admin,
            "entities",
            json!({"id": format!("pipe-{i}"), "kind": kind, "name": format!("管段{i}"),
                   "department": "housing", "region": "370323001",
                   "attributes": {"monitored": monitored, "length_m": length}}),
        )
        .await;
    }
    let (_, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    // #9 home meters, ⅓ each over 4 households: 100 × (2/4 + 1/4 + 1/4) / 3 = 33.33 %.
    let r9 = indicator(&card, 9);
    close(&r9["value"], 100.0 / 3.0, 1e-9, "#9");
    assert_eq!(r9["source"], "auto");
    assert_eq!(call_result(r9, "input(households)"), 4.0);
    // #13: 100 × (0.75 + 1 + 0.25) / 3 = 66.67 %, under the 85 % target.
    let r13 = indicator(&card, 13);
    close(&r13["value"], 200.0 / 3.0, 1e-9, "#13");
    assert_eq!(r13["status"], "not_met", "{r13}");
    assert_eq!(call_result(r13, "sum(gas_pipe, monitored=true"), 200.0);
    let water: Vec<f64> = r13["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["call"].as_str().unwrap().starts_with("sum(water_pipe"))
        .map(|c| c["result"].as_f64().unwrap())
        .collect();
    assert_eq!(water, vec![300.0, 400.0], "{}", r13["provenance"]);
    let (_, list) = call("GET", &inputs, &view, None).await;
    assert_eq!(list[0]["current"]["value"], 4.0);
    assert_eq!(list[0]["current"]["entered_by"], "admin");
}

async fn submissions_and_review(backend: Backend) {
    let Some((dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    for (id, name) in [("education", "县教育和体育局"), ("health", "县卫生健康局")] {
        post(&api, &admin, "departments", json!({"id": id, "name": name})).await;
    }
    for (user, role, dep) in [
        ("edu1", "department", Some("education")),
        ("hlth1", "department", Some("health")),
        ("view1", "viewer", None),
        ("op1", "operator", None),
    ] {
        post(
            &api,
            &admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }
    let edu = login(base, "edu1", "edu1-password").await;
    let hlth = login(base, "hlth1", "hlth1-password").await;
    let view = login(base, "view1", "view1-password").await;
    let op = login(base, "op1", "op1-password").await;
    let subs = format!("{api}/scorecard/submissions");

    // Nothing submitted: #4 (smart education, led by education, ≥ 50 %) has no data.
    let (st, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    assert_eq!(st, 200, "{card}");
    let period = card["period"].as_str().unwrap().to_string();
    assert_eq!(period.len(), 7, "{period}");
    let r4 = indicator(&card, 4);
    assert_eq!(
        (r4["how"].as_str(), r4["status"].as_str()),
        (Some("submitted"), Some("no_data"))
    );
    assert_eq!(r4["lead"][0]["id"], "education");
    assert_eq!(card["totals"]["met"], 0);

    // The department submits #4 for this month.
    let (st, s1) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 40.0, "note": "第一次填报"})),
    )
    .await;
    assert_eq!(st, 201, "{s1}");
    assert_eq!(s1["status"], "submitted");
    assert_eq!(s1["department"], "education");
    assert_eq!(s1["submitted_by"], "edu1");
    assert_eq!(s1["value"], 40.0);
    assert_eq!(s1["evidence"], json!([]));
    let id1 = s1["id"].as_i64().unwrap();

    // Evidence: a small PDF.
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let (st, ev) = upload(
        &format!("{subs}/{id1}/evidence?name=%E8%AF%81%E6%98%8E.pdf"),
        &edu,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 201, "{ev}");
    assert_eq!(ev["file_name"], "证明.pdf");
    assert_eq!(ev["content_type"], "application/pdf");
    assert_eq!(ev["size"], pdf.len());
    assert_eq!(ev["sha256"].as_str().unwrap().len(), 64);
    assert!(ev.get("path").is_none(), "{ev}");
    let eid = ev["id"].as_i64().unwrap();
    let sha = ev["sha256"].as_str().unwrap();
    // Stored by content under the data directory.
    let stored = dir.path().join("evidence").join(&sha[..2]).join(sha);
    assert_eq!(std::fs::read(&stored).unwrap(), pdf);
    let r = client()
        .get(format!("{subs}/{id1}/evidence/{eid}"))
        .bearer_auth(&edu)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let (st, got) = call("GET", &format!("{subs}/{id1}"), &edu, None).await;
    assert_eq!(st, 200, "{got}");
    assert_eq!(got["evidence"][0]["id"], eid);

    // Refused evidence: a type not accepted, bytes not of the declared type, too large, no name.
    let (st, e) = upload(
        &format!("{subs}/{id1}/evidence?name=a.txt"),
        &edu,
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(st, 415, "{e}");
    assert_eq!(e["error"]["code"], "unsupported_type");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PDF, PNG, JPEG, XLSX or DOCX"),
        "{e}"
    );
    let (st, e) = upload(
        &format!("{subs}/{id1}/evidence?name=a.pdf"),
        &edu,
        "application/pdf",
        b"not a pdf".to_vec(),
    )
    .await;
    assert_eq!(st, 415, "{e}");
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let (st, e) = upload(
        &format!("{subs}/{id1}/evidence?name=big.pdf"),
        &edu,
        "application/pdf",
        big,
    )
    .await;
    assert_eq!(st, 413, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("20 MiB"),
        "{e}"
    );
    let (st, e) = upload(
        &format!("{subs}/{id1}/evidence"),
        &edu,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 422, "{e}");

    // Not another department's indicator; not as a viewer; not an auto indicator; a bad month.
    let (st, e) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 6, "period": period, "value": 1.0})),
    )
    .await;
    assert_eq!(st, 403, "{e}");
    let (st, _) = call(
        "POST",
        &subs,
        &view,
        Some(json!({"indicator": 4, "period": period, "value": 1.0})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, e) = call(
        "POST",
        &subs,
        &admin,
        Some(json!({"indicator": 3, "period": period, "value": 1.0})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    for bad in ["2026-13", "2999-01", "November"] {
        let (st, e) = call(
            "POST",
            &subs,
            &edu,
            Some(json!({"indicator": 4, "period": bad, "value": 1.0})),
        )
        .await;
        assert_eq!(st, 422, "{bad}: {e}");
    }
    let (st, _) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 99, "period": period, "value": 1.0})),
    )
    .await;
    assert_eq!(st, 422);

    // Health's submission is invisible to education, and the reverse.
    let (st, s2) = call(
        "POST",
        &subs,
        &hlth,
        Some(json!({"indicator": 6, "period": period, "value": 2.0})),
    )
    .await;
    assert_eq!(st, 201, "{s2}");
    let id2 = s2["id"].as_i64().unwrap();
    let (st, _) = call("GET", &format!("{subs}/{id2}"), &edu, None).await;
    assert_eq!(st, 404);
    let (st, _) = call("GET", &format!("{subs}/{id1}"), &hlth, None).await;
    assert_eq!(st, 404);
    let (st, _) = call("GET", &format!("{subs}/{id1}/evidence/{eid}"), &hlth, None).await;
    assert_eq!(st, 404);
    let (st, _) = upload(
        &format!("{subs}/{id1}/evidence?name=x.pdf"),
        &hlth,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 404);
    let (st, list) = call("GET", &subs, &edu, None).await;
    assert_eq!(st, 200, "{list}");
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id1]);
    let (_, list) = call("GET", &format!("{subs}?department=health"), &edu, None).await;
    assert_eq!(list, json!([]));
    let (_, list) = call("GET", &subs, &op, None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (st, _) = call("GET", &format!("{subs}/{id2}"), &view, None).await;
    assert_eq!(st, 200);
    let (st, _) = call("GET", &format!("{subs}?status=done"), &op, None).await;
    assert_eq!(st, 422);

    // Only the big-data center reviews; a return needs a comment.
    let (st, _) = call(
        "POST",
        &format!("{subs}/{id1}/review"),
        &edu,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = call(
        "POST",
        &format!("{subs}/{id1}/review"),
        &view,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, e) = call(
        "POST",
        &format!("{subs}/{id2}/review"),
        &op,
        Some(json!({"decision": "return"})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{subs}/{id2}/review"),
        &op,
        Some(json!({"decision": "return", "comment": "  "})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, r) = call(
        "POST",
        &format!("{subs}/{id2}/review"),
        &op,
        Some(json!({"decision": "return", "comment": "请补充证明材料"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "returned");
    assert_eq!(r["review_comment"], "请补充证明材料");
    assert_eq!(r["reviewed_by"], "op1");
    let (st, _) = call(
        "POST",
        &format!("{subs}/{id2}/review"),
        &op,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 409);

    // Approved at 40 %: #4 shows the submitted value, not met.
    let (st, r) = call(
        "POST",
        &format!("{subs}/{id1}/review"),
        &op,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "approved");
    let (_, card) = call("GET", &format!("{api}/scorecard"), &edu, None).await;
    let r4 = indicator(&card, 4);
    assert_eq!(r4["value"], 40.0, "{r4}");
    assert_eq!(r4["status"], "not_met");
    assert_eq!(r4["source"], "submitted");
    assert_eq!(card["totals"]["met"], 0);
    assert_eq!(card["totals"]["not_met"], 1);
    // The returned #6 does not count.
    assert_eq!(indicator(&card, 6)["status"], "no_data");
    // Reviewed: no more evidence, no second review.
    let (st, _) = upload(
        &format!("{subs}/{id1}/evidence?name=late.pdf"),
        &edu,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 409);
    let (st, _) = call(
        "POST",
        &format!("{subs}/{id1}/review"),
        &admin,
        Some(json!({"decision": "return", "comment": "x"})),
    )
    .await;
    assert_eq!(st, 409);

    // A corrected value, approved by the admin: met, and the completed weight moves.
    let (st, s3) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 62.5})),
    )
    .await;
    assert_eq!(st, 201, "{s3}");
    let id3 = s3["id"].as_i64().unwrap();
    // Pending values do not count yet.
    let (_, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    assert_eq!(indicator(&card, 4)["value"], 40.0);
    let (st, _) = call(
        "POST",
        &format!("{subs}/{id3}/review"),
        &admin,
        Some(json!({"decision": "approve", "comment": "核实无误"})),
    )
    .await;
    assert_eq!(st, 200);
    let (_, card) = call("GET", &format!("{api}/scorecard"), &view, None).await;
    let r4 = indicator(&card, 4);
    assert_eq!(r4["value"], 62.5, "{r4}");
    assert_eq!(r4["status"], "met");
    assert_eq!(r4["source"], "submitted");
    assert_eq!(card["totals"]["met"], 1);
    close(
        &card["totals"]["completed_weight"],
        1.0 / 43.0,
        1e-9,
        "completed",
    );
    let (_, o) = call("GET", &format!("{api}/overview"), &admin, None).await;
    assert_eq!(o["slots"]["indicator_completion"]["met"], 1, "{o}");

    let (st, list) = call(
        "GET",
        &format!("{subs}?status=approved&indicator=4&period={period}"),
        &op,
        None,
    )
    .await;
    assert_eq!(st, 200, "{list}");
    let vals: Vec<f64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    assert_eq!(vals, vec![62.5, 40.0]);
}

/// The body of a GET as bytes, with its status and content type.
async fn get_bytes(url: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = client().get(url).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// The month before `YYYY-MM`.
fn previous_month(p: &str) -> String {
    let (y, m) = (
        p[..4].parse::<i32>().unwrap(),
        p[5..].parse::<u32>().unwrap(),
    );
    if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

/// Reads an XLSX with Python's openpyxl: sheet names, the `指标` sheet's header and rows, the
/// `汇总` sheet, and the creation time. `None` (the test skips that part) when python3 or
/// openpyxl is missing — unless `ZHICHENG_TEST_BROWSER=required` (CI), where it fails.
fn read_xlsx_with_openpyxl(path: &std::path::Path) -> Option<Value> {
    let py = python()?;
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["指标"]
created = wb.properties.created
print(json.dumps({
    "sheets": wb.sheetnames,
    "header": [c.value for c in ws[1]],
    "rows": [[c.value for c in r] for r in ws.iter_rows(min_row=2)],
    "summary": [[c.value for c in r] for r in wb["汇总"].iter_rows()],
    "all": {n: [[c.value for c in r] for r in wb[n].iter_rows()] for n in wb.sheetnames},
    "created": created.strftime("%Y-%m-%dT%H:%M:%S") if created else None,
}, ensure_ascii=False))
"#;
    let out = run_python(&py, script, &[path.to_str().unwrap()]);
    Some(serde_json::from_slice(&out).expect("openpyxl output"))
}

/// Street lamp `i` of the lamp county: urban-mgmt's, in 南麻街道.
fn lamp(i: u32, controllable: bool) -> Value {
    json!({"id": format!("sl-{i:02}"), "kind": "streetlight", "name": format!("路灯{i}"),
           "department": "urban-mgmt", "region": "370323001",
           "geometry": point(118.1, 36.1), "attributes": {"controllable": controllable}})
}

/// The county of the period tests: the county and one street, urban-mgmt and education, and
/// ten lamps of which nine are controllable (#3 at 90 %).
async fn seed_lamp_county(api: &str, admin: &str) {
    post(
        api,
        admin,
        "regions",
        json!({"code": "370323", "name": "沂源县", "geometry": square(118.0, 36.0, 0.2)}),
    )
    .await;
    post(
        api,
        admin,
        "regions",
        json!({"code": "370323001", "name": "南麻街道"}),
    )
    .await;
    for (id, name) in [
        ("urban-mgmt", "县综合行政执法局"),
        ("education", "县教育和体育局"),
    ] {
        post(api, admin, "departments", json!({"id": id, "name": name})).await;
    }
    post(
        api,
        admin,
        "kinds",
        json!({"id": "streetlight", "name": "路灯",
               "attributes": [{"name": "controllable", "type": "boolean"}]}),
    )
    .await;
    for i in 1..=10 {
        post(api, admin, "entities", lamp(i, i <= 9)).await;
    }
}

async fn closed_periods_and_reports(backend: Backend) {
    let Some((dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_lamp_county(&api, &admin).await;
    for (user, role, dep) in [
        ("urb1", "department", Some("urban-mgmt")),
        ("edu1", "department", Some("education")),
        ("op1", "operator", None),
    ] {
        post(
            &api,
            &admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }
    let urb = login(base, "urb1", "urb1-password").await;
    let edu = login(base, "edu1", "edu1-password").await;
    let op = login(base, "op1", "op1-password").await;
    let subs = format!("{api}/scorecard/submissions");

    let (st, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    assert_eq!(st, 200, "{card}");
    let period = card["period"].as_str().unwrap().to_string();
    let prev = previous_month(&period);
    assert_eq!(indicator(&card, 3)["value"], 90.0);

    // #4 for this month, approved.
    let (st, s1) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 60.0})),
    )
    .await;
    assert_eq!(st, 201, "{s1}");
    let (st, r) = call(
        "POST",
        &format!("{subs}/{}/review", s1["id"]),
        &op,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    // A pending one, to be reviewed after the closing.
    let (st, pending) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 10.0})),
    )
    .await;
    assert_eq!(st, 201, "{pending}");

    // A department user cannot close; the big-data center can, once.
    let periods = format!("{api}/scorecard/periods");
    let (st, e) = call(
        "POST",
        &format!("{periods}/{period}/close"),
        &urb,
        Some(json!({"star": 4})),
    )
    .await;
    assert_eq!(st, 403, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{periods}/2026-13/close"),
        &op,
        Some(json!({})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, closed) = call(
        "POST",
        &format!("{periods}/{period}/close"),
        &op,
        Some(json!({"star": 4})),
    )
    .await;
    assert_eq!(st, 200, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_by"], "op1");
    let sha = closed["snapshot_sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    let closed_ms = closed["closed_ms"].as_i64().unwrap();
    let (st, e) = call("POST", &format!("{periods}/{period}/close"), &admin, None).await;
    assert_eq!(st, 409, "{e}");

    let urls = [
        format!("{api}/scorecard?period={period}&star=4"),
        format!("{api}/scorecard/report.html?period={period}&star=4"),
        format!("{api}/scorecard/report.xlsx?period={period}&star=4"),
        format!("{api}/scorecard?period={period}&star=5"),
    ];
    let mut before = Vec::new();
    for u in &urls {
        let (st, ct, body) = get_bytes(u, &edu).await;
        assert_eq!(st, 200, "{u}: {}", String::from_utf8_lossy(&body));
        before.push((ct, body));
    }
    let snap: Value = serde_json::from_slice(&before[0].1).unwrap();
    assert_eq!(snap["closed"]["by"], "op1");
    assert_eq!(snap["period"], period.as_str());
    assert_eq!(indicator(&snap, 3)["value"], 90.0);
    assert_eq!(indicator(&snap, 3)["status"], "met");
    assert_eq!(indicator(&snap, 4)["value"], 60.0);
    // The current month without ?period= is the same snapshot.
    let (_, _, current) = get_bytes(&format!("{api}/scorecard?star=4"), &admin).await;
    assert_eq!(current, before[0].1);
    assert!(before[1].0.starts_with("text/html"), "{}", before[1].0);
    let page = String::from_utf8(before[1].1.clone()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("智能照明设备安装率"));
    assert!(page.contains("<style>"));
    assert!(!page.to_lowercase().contains("<script"), "no scripts");
    assert!(page.contains("已关账"));
    assert!(before[2].1.starts_with(b"PK\x03\x04"), "{}", before[2].0);
    assert_eq!(
        before[2].0,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );

    // The data change: ten more lamps, none controllable (#3 would be 45 %), last month's #4
    // approved; this month takes no more submissions or reviews.
    for i in 11..=20 {
        post(&api, &admin, "entities", lamp(i, false)).await;
    }
    let (st, s2) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": prev, "value": 20.0})),
    )
    .await;
    assert_eq!(st, 201, "{s2}");
    let (st, r) = call(
        "POST",
        &format!("{subs}/{}/review", s2["id"]),
        &admin,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (st, e) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 99.0})),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{subs}/{}/review", pending["id"]),
        &op,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    // The data did change: last month, live, sees the new lamps and its own submission.
    let (st, live) = call(
        "GET",
        &format!("{api}/scorecard?period={prev}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{live}");
    assert_eq!(indicator(&live, 3)["value"], 45.0);
    assert_eq!(indicator(&live, 4)["value"], 20.0);
    assert!(live.get("closed").is_none(), "{}", live["closed"]);

    // The closed month: byte-identical, scorecard and both reports.
    for (u, (ct, body)) in urls.iter().zip(&before) {
        let (st, ct2, body2) = get_bytes(u, &urb).await;
        assert_eq!(st, 200, "{u}");
        assert_eq!(&ct2, ct, "{u}");
        assert!(body2 == *body, "{u} changed after the data did");
    }

    // The XLSX read back by an independent reader.
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, &before[2].1).unwrap();
    if let Some(x) = read_xlsx_with_openpyxl(&path) {
        assert_eq!(
            x["sheets"],
            json!(["指标", "按指标组", "按责任单位", "趋势", "证明材料", "汇总"])
        );
        assert_eq!(
            x["header"],
            json!([
                "序号",
                "一级指标",
                "指标名称",
                "取数方式",
                "目标值",
                "当前值",
                "状态",
                "牵头单位",
                "数据来源/说明"
            ])
        );
        let rows = x["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 44);
        let r3 = rows.iter().find(|r| r[0] == 3).expect("row of #3");
        assert_eq!(r3[2], "智能照明设备安装率");
        assert_eq!(r3[3], "平台自动取数");
        assert_eq!(r3[5], 90);
        assert_eq!(r3[6], "达标");
        assert!(r3[8].as_str().unwrap().contains("count("), "{}", r3[8]);
        let r1 = rows.iter().find(|r| r[0] == 1).expect("row of #1");
        assert_eq!((&r1[5], &r1[6]), (&json!("无数据"), &json!("无数据")));
        let summary = x["summary"].as_array().unwrap();
        let item = |k: &str| {
            summary
                .iter()
                .find(|r| r[0] == k)
                .unwrap_or_else(|| panic!("summary {k}"))[1]
                .clone()
        };
        assert_eq!(item("期间"), period.as_str());
        assert_eq!(item("星级"), "4星");
        assert_eq!(item("及格线"), "70%");
        assert_eq!(item("目标线"), "80%");
        assert!(item("权重说明").as_str().unwrap().contains("默认等权"));
        let t = time::OffsetDateTime::from_unix_timestamp(closed_ms.div_euclid(1000)).unwrap();
        assert_eq!(
            x["created"],
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        );
    }

    // Reopening: admins only, with a reason.
    let reopen = format!("{periods}/{period}/reopen");
    let (st, e) = call("POST", &reopen, &op, Some(json!({"reason": "更正"}))).await;
    assert_eq!(st, 403, "{e}");
    let (st, e) = call("POST", &reopen, &admin, Some(json!({}))).await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = call("POST", &reopen, &admin, Some(json!({"reason": "  "}))).await;
    assert_eq!(st, 422, "{e}");
    let (st, opened) = call(
        "POST",
        &reopen,
        &admin,
        Some(json!({"reason": "教育局更正填报数据"})),
    )
    .await;
    assert_eq!(st, 200, "{opened}");
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["reopened_by"], "admin");
    assert_eq!(opened["snapshot_sha256"], Value::Null);
    let (st, e) = call("POST", &reopen, &admin, Some(json!({"reason": "again"}))).await;
    assert_eq!(st, 409, "{e}");
    let (st, list) = call("GET", &periods, &edu, None).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list[0]["period"], period.as_str());
    assert_eq!(list[0]["status"], "open");
    // Live again: the new lamps count, and the month takes submissions.
    let (st, card) = call(
        "GET",
        &format!("{api}/scorecard?period={period}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{card}");
    assert_eq!(indicator(&card, 3)["value"], 45.0);
    assert!(card.get("closed").is_none());
    let (st, s3) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": period, "value": 70.0})),
    )
    .await;
    assert_eq!(st, 201, "{s3}");
    // Closed again: a new snapshot with today's data.
    let (st, again) = call("POST", &format!("{periods}/{period}/close"), &admin, None).await;
    assert_eq!(st, 200, "{again}");
    assert_ne!(again["snapshot_sha256"], sha.as_str());
    let (_, _, after) = get_bytes(&urls[0], &admin).await;
    let snap2: Value = serde_json::from_slice(&after).unwrap();
    assert_eq!(indicator(&snap2, 3)["value"], 45.0);
}

/// The last day of the month `YYYY-MM`.
fn month_end(p: &str) -> String {
    let (y, m) = (
        p[..4].parse::<i32>().unwrap(),
        p[5..].parse::<u8>().unwrap(),
    );
    let days = time::Month::try_from(m).unwrap().length(y);
    format!("{p}-{days:02}")
}

/// The quarter `YYYY-Qn` of a month.
fn quarter_of(p: &str) -> String {
    let m: u32 = p[5..].parse().unwrap();
    format!("{}-Q{}", &p[..4], (m - 1) / 3 + 1)
}

async fn trend_quarters_and_acceptance(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    // The mid-term check was last month; the final acceptance is far ahead.
    let this_month = {
        let t = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
        format!("{:04}-{:02}", t.year(), u8::from(t.month()))
    };
    let prev = previous_month(&this_month);
    let srv = start(
        dir.path(),
        &db.url,
        &format!(
            "[scorecard]\nmidterm_date = {:?}\nfinal_date = \"2999-06-30\"\n",
            month_end(&prev)
        ),
    );
    let base = &srv.base;
    let admin = login(base, "admin", ADMIN_PASSWORD).await;
    let api = format!("{base}/api/v1");
    seed_lamp_county(&api, &admin).await;
    post(
        &api,
        &admin,
        "users",
        json!({"username": "edu1", "role": "department", "department": "education",
               "password": "edu1-password"}),
    )
    .await;
    let edu = login(base, "edu1", "edu1-password").await;
    let subs = format!("{api}/scorecard/submissions");
    let periods = format!("{api}/scorecard/periods");

    // Last month: #4 submitted with a PDF, approved, and the month closed (#3 at 90 %, met).
    let (st, s1) = call(
        "POST",
        &subs,
        &edu,
        Some(json!({"indicator": 4, "period": prev, "value": 60.0, "note": "全县 60 所"})),
    )
    .await;
    assert_eq!(st, 201, "{s1}");
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let (st, ev) = upload(
        &format!("{subs}/{}/evidence?name=%E8%AF%81%E6%98%8E.pdf", s1["id"]),
        &edu,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 201, "{ev}");
    let (st, r) = call(
        "POST",
        &format!("{subs}/{}/review", s1["id"]),
        &admin,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (st, c) = call("POST", &format!("{periods}/{prev}/close"), &admin, None).await;
    assert_eq!(st, 200, "{c}");
    let (st, last) = call("GET", &format!("{api}/scorecard?period={prev}"), &edu, None).await;
    assert_eq!(st, 200, "{last}");
    // The closed month cites the submission and its evidence.
    let sub = &indicator(&last, 4)["submission"];
    assert_eq!(sub["id"], s1["id"]);
    assert_eq!(sub["reviewed_by"], "admin");
    assert_eq!(sub["note"], "全县 60 所");
    assert_eq!(sub["evidence"][0]["file_name"], "证明.pdf");
    assert_eq!(sub["evidence"][0]["size"], pdf.len());
    assert!(indicator(&last, 3).get("submission").is_none());

    // Ten more lamps, none controllable: #3 falls to 45 % this month.
    for i in 11..=20 {
        post(&api, &admin, "entities", lamp(i, false)).await;
    }
    let (st, card) = call("GET", &format!("{api}/scorecard"), &edu, None).await;
    assert_eq!(st, 200, "{card}");
    assert_eq!(card["period"], this_month.as_str());
    let trend = card["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 2, "{}", card["trend"]);
    assert_eq!(
        (&trend[0]["period"], &trend[0]["closed"]),
        (&json!(prev), &json!(true))
    );
    assert_eq!(
        (&trend[1]["period"], &trend[1]["closed"]),
        (&json!(this_month), &json!(false))
    );
    let value = |pt: &Value, n: u64| {
        pt["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["number"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(
        value(&trend[0], 3),
        json!({"number": 3, "value": 90.0, "status": "met"})
    );
    assert_eq!(
        value(&trend[1], 3),
        json!({"number": 3, "value": 45.0, "status": "not_met"})
    );
    // #4 was approved for last month only.
    assert_eq!(value(&trend[0], 4)["status"], "met");
    assert_eq!(value(&trend[1], 4)["status"], "no_data");
    assert_eq!(
        trend[0]["completed_weight"],
        last["totals"]["completed_weight"]
    );
    assert_eq!(
        trend[1]["completed_weight"],
        card["totals"]["completed_weight"]
    );

    // By group and by unit, worked out from the indicator rows.
    let rows = card["indicators"].as_array().unwrap();
    let scored: Vec<&Value> = rows.iter().filter(|r| r["status"] != "deduction").collect();
    let groups = card["by_group"].as_array().unwrap();
    for g in groups {
        let mine: Vec<&&Value> = scored.iter().filter(|r| r["group"] == g["group"]).collect();
        assert_eq!(g["scored"], mine.len(), "{g}");
        assert_eq!(
            g["met"],
            mine.iter().filter(|r| r["status"] == "met").count(),
            "{g}"
        );
    }
    assert_eq!(
        groups
            .iter()
            .map(|g| g["scored"].as_u64().unwrap())
            .sum::<u64>(),
        scored.len() as u64
    );
    let unit = |id: &str| {
        card["by_unit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .unwrap_or_else(|| panic!("unit {id}"))
            .clone()
    };
    let urban = unit("urban-mgmt");
    let led: Vec<u64> = scored
        .iter()
        .filter(|r| {
            r["lead"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["id"] == "urban-mgmt")
        })
        .map(|r| r["number"].as_u64().unwrap())
        .collect();
    assert!(led.contains(&3));
    assert_eq!(urban["lead"], led.len());
    assert!(
        urban["open"].as_array().unwrap().contains(&json!(3)),
        "{urban}"
    );

    // This month closed: its snapshot keeps the trend, so reopening last month changes nothing.
    let (st, c) = call(
        "POST",
        &format!("{periods}/{this_month}/close"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{c}");
    let card_url = format!("{api}/scorecard?period={this_month}");
    let xlsx_url = format!("{api}/scorecard/report.xlsx?period={this_month}");
    let (_, _, closed_json) = get_bytes(&card_url, &admin).await;
    let (_, _, closed_xlsx) = get_bytes(&xlsx_url, &admin).await;
    let closed: Value = serde_json::from_slice(&closed_json).unwrap();
    assert_eq!(closed["trend"].as_array().unwrap().len(), 2);
    assert_eq!(closed["trend"][1]["closed"], true);

    // Acceptance: the mid-term check is last month's closed scorecard; the final is upcoming
    // and assessed on this month.
    let (st, ms) = call("GET", &format!("{api}/scorecard/acceptance"), &edu, None).await;
    assert_eq!(st, 200, "{ms}");
    assert_eq!(ms[0]["kind"], "midterm");
    assert_eq!(ms[0]["name"], "中期考核");
    assert_eq!(ms[0]["date"], month_end(&prev));
    assert_eq!(ms[0]["state"], "past");
    assert_eq!(ms[0]["assessed_period"], prev.as_str());
    assert_eq!(ms[0]["closed"], true);
    assert!(ms[0]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(ms[1]["kind"], "final");
    assert_eq!(ms[1]["state"], "upcoming");
    assert_eq!(ms[1]["assessed_period"], this_month.as_str());
    assert!(ms[1]["days_left"].as_i64().unwrap() > 0);
    let (st, mid) = call(
        "GET",
        &format!("{api}/scorecard/acceptance/midterm"),
        &edu,
        None,
    )
    .await;
    assert_eq!(st, 200, "{mid}");
    assert_eq!(mid["scope"]["kind"], "acceptance");
    assert_eq!(mid["period"], prev.as_str());
    assert_eq!(indicator(&mid, 3)["value"], 90.0);
    let (st, e) = call(
        "GET",
        &format!("{api}/scorecard/acceptance/yearly"),
        &edu,
        None,
    )
    .await;
    assert_eq!(st, 404, "{e}");
    let (st, ct, page) = get_bytes(
        &format!("{api}/scorecard/acceptance/midterm/report.html"),
        &edu,
    )
    .await;
    assert_eq!(st, 200);
    assert!(ct.starts_with("text/html"));
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("中期考核自评报告"), "title");
    assert!(page.contains("自评结论"));
    assert!(page.contains("证明.pdf"));
    assert!(page.contains("按责任单位"));
    let (st, _, mid_xlsx) = get_bytes(
        &format!("{api}/scorecard/acceptance/midterm/report.xlsx"),
        &edu,
    )
    .await;
    assert_eq!(st, 200);
    let path = dir.path().join("acceptance.xlsx");
    std::fs::write(&path, &mid_xlsx).unwrap();
    if let Some(x) = read_xlsx_with_openpyxl(&path) {
        let all = &x["all"];
        let summary = x["summary"].as_array().unwrap();
        let conclusion = summary.iter().find(|r| r[0] == "自评结论").unwrap();
        assert!(
            conclusion[1].as_str().unwrap().contains("未达到及格线 70%"),
            "{conclusion:?}"
        );
        let evidence = all["证明材料"].as_array().unwrap();
        assert_eq!(evidence.len(), 2, "{evidence:?}");
        assert_eq!(evidence[1][0], 4);
        assert_eq!(evidence[1][2], s1["id"]);
        assert_eq!(evidence[1][3], "education");
        assert_eq!(evidence[1][6], "证明.pdf");
        let units = all["按责任单位"].as_array().unwrap();
        assert_eq!(units[0][0], "责任单位");
        assert!(units.iter().any(|u| u[0] == "县综合行政执法局"));
        let trend = all["趋势"].as_array().unwrap();
        assert_eq!(trend[0][2], prev.as_str(), "{:?}", trend[0]);
        let r3 = trend.iter().find(|r| r[0] == 3).unwrap();
        assert_eq!(r3[2], 90);
    }

    // A quarter: its last month that has begun, the trend cut to its months.
    let q = quarter_of(&this_month);
    let (st, qc) = call("GET", &format!("{api}/scorecard?period={q}"), &edu, None).await;
    assert_eq!(st, 200, "{qc}");
    assert_eq!(qc["scope"]["kind"], "quarter");
    assert_eq!(qc["scope"]["quarter"], q.as_str());
    assert_eq!(qc["period"], this_month.as_str());
    let want = if quarter_of(&prev) == q { 2 } else { 1 };
    assert_eq!(
        qc["trend"].as_array().unwrap().len(),
        want,
        "{}",
        qc["trend"]
    );
    let (st, _, qpage) = get_bytes(&format!("{api}/scorecard/report.html?period={q}"), &edu).await;
    assert_eq!(st, 200);
    assert!(String::from_utf8(qpage)
        .unwrap()
        .contains(&format!("季度报告 {q}")));
    for bad in ["2026-Q5", "2999-Q1", "Q4"] {
        let (st, e) = call("GET", &format!("{api}/scorecard?period={bad}"), &edu, None).await;
        assert_eq!(st, 422, "{bad}: {e}");
    }

    // Reopening last month leaves this closed month's scorecard and report as they were.
    let (st, r) = call(
        "POST",
        &format!("{periods}/{prev}/reopen"),
        &admin,
        Some(json!({"reason": "更正"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(get_bytes(&card_url, &edu).await.2, closed_json);
    assert_eq!(get_bytes(&xlsx_url, &edu).await.2, closed_xlsx);
    // …while an open month's trend no longer has it.
    let (st, c) = call(
        "POST",
        &format!("{periods}/{this_month}/reopen"),
        &admin,
        Some(json!({"reason": "更正"})),
    )
    .await;
    assert_eq!(st, 200, "{c}");
    let (_, card) = call("GET", &format!("{api}/scorecard"), &edu, None).await;
    assert_eq!(
        card["trend"].as_array().unwrap().len(),
        1,
        "{}",
        card["trend"]
    );
}
