//! Cases (work orders, issue 6) over HTTP against the real binary, on SQLite and PostgreSQL.
//!
//! - `case_through_the_whole_flow_with_escalation`: a hotline case at a point in a town's grid
//!   is located (grid, town), registered and routed to the town government; the town accepts;
//!   the test moves the case clock past the 72-hour handle deadline and the timer co-assigns
//!   the county department (乡呼县应), which now sees the case; feedback, a failed verification
//!   (rework), feedback, verification, closing and the satisfaction follow-up; wrong actors
//!   and steps the status does not allow are refused; the reporter is masked for the town and
//!   in full (audited) for the operator; a nearby case of the same category is suggested as a
//!   duplicate and merged; photos are attached; statistics count it all.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    case_through_the_whole_flow_with_escalation,
    case_counts_survive_a_crash_and_a_restart
);

/// A square GeoJSON polygon.
fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

const ROUTING: &str = r#"{
  "command_center": "bigdata",
  "entries": [
    {"category": "E05", "region_prefix": "370323001", "department": "nanma-town", "level": "town"},
    {"category": "E05", "department": "urban-mgmt", "level": "county"}
  ]
}"#;

async fn step(api: &str, token: &str, id: &str, action: Value) -> (u16, Value) {
    call(
        "POST",
        &format!("{api}/cases/{id}/actions"),
        token,
        Some(action),
    )
    .await
}

fn actions(c: &Value) -> Vec<String> {
    c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn case_through_the_whole_flow_with_escalation(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    let routing = dir.path().join("routing.json");
    std::fs::write(&routing, ROUTING).unwrap();
    let srv = start(
        dir.path(),
        &db.url,
        &format!(
            "[cases]\nrouting_file = {:?}\ntest_clock = true\ntimer_interval_seconds = 3600\n",
            routing.display().to_string()
        ),
    );
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let admin = login(base, "admin", ADMIN_PASSWORD).await;
    post(
        &api,
        &admin,
        "regions",
        json!({"code": "370323", "name": "沂源县", "geometry": square(118.0, 36.0, 0.5)}),
    )
    .await;
    post(&api, &admin, "regions", json!({"code": "370323001", "name": "南麻街道", "parent": "370323", "geometry": square(118.1, 36.1, 0.1)})).await;
    for (id, name) in [
        ("bigdata", "县大数据中心"),
        ("nanma-town", "南麻街道办事处"),
        ("urban-mgmt", "县综合行政执法局"),
        ("water", "县水务局"),
    ] {
        post(&api, &admin, "departments", json!({"id": id, "name": name})).await;
    }
    post(
        &api,
        &admin,
        "grids",
        json!({"id": "nm-g01", "name": "南麻第一网格", "region": "370323001",
        "departments": ["nanma-town"], "geometry": square(118.12, 36.12, 0.02)}),
    )
    .await;
    for (user, role, dep) in [
        ("op1", "operator", None),
        ("town1", "department", Some("nanma-town")),
        ("urb1", "department", Some("urban-mgmt")),
        ("water1", "department", Some("water")),
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
    let op = login(base, "op1", "op1-password").await;
    let town = login(base, "town1", "town1-password").await;
    let urb = login(base, "urb1", "urb1-password").await;
    let water = login(base, "water1", "water1-password").await;
    let view = login(base, "view1", "view1-password").await;

    // Refused input: a category not in the tree, half a position, an empty description.
    for (bad, field) in [
        (json!({"category": "X99", "description": "x"}), "category"),
        (
            json!({"category": "E05-02", "description": "x", "lon": 118.13}),
            "lon",
        ),
        (
            json!({"category": "E05-02", "description": "  "}),
            "description",
        ),
    ] {
        let (st, e) = call("POST", &format!("{api}/cases"), &op, Some(bad)).await;
        assert_eq!(st, 422, "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    let (st, _) = call(
        "POST",
        &format!("{api}/cases"),
        &view,
        Some(json!({"category": "E05-02", "description": "x"})),
    )
    .await;
    assert_eq!(st, 403, "viewers do not open cases");

    let mut town_live = stream_items(base, &town, "case").await;
    let mut water_live = stream_items(base, &water, "case").await;
    // The hotline: located, registered and routed to the town at once.
    let (st, c) = call(
        "POST",
        &format!("{api}/cases"),
        &op,
        Some(json!({"category": "E05-02", "description": "振兴路口占道经营，堵塞人行道",
            "lon": 118.13, "lat": 36.13, "address": "振兴路与城关路路口",
            "reporter_name": "张三", "reporter_phone": "13912345678", "source_ref": "12345-20261130-001"})),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("AJ"), "{id}");
    assert_eq!(c["status"], "dispatched");
    assert_eq!(c["source"], "hotline");
    assert_eq!(c["grid"], "nm-g01");
    assert_eq!(c["region"], "370323001");
    assert_eq!(
        c["department"], "nanma-town",
        "routed by the table to the town"
    );
    assert_eq!(
        c["reporter_phone"], "13912345678",
        "the operator sees the reporter"
    );
    assert_eq!(c["category_name"][0], "占道经营");
    // The town's open inbox hears of it at once on the live stream.
    let live = tokio::time::timeout(std::time::Duration::from_secs(10), town_live.recv())
        .await
        .expect("a case event within 10 s")
        .unwrap();
    assert_eq!(live["id"], id.as_str(), "{live}");
    assert_eq!(live["status"], "dispatched");
    assert_eq!(live["department"], "nanma-town");
    assert!(live.get("reporter_phone").is_none() && live.get("visible_to").is_none());
    let dispatched_ms = c["dispatched_ms"].as_i64().unwrap();
    assert_eq!(
        c["deadlines"]["handle_ms"],
        dispatched_ms + 72 * 3_600_000,
        "normal: 72 hours"
    );

    // A second report of the same thing nearby is suggested as a duplicate.
    let (st, c2) = call(
        "POST",
        &format!("{api}/cases"),
        &town,
        Some(json!({"category": "E05-02", "description": "路口有人摆摊", "lon": 118.1302, "lat": 36.1301})),
    )
    .await;
    assert_eq!(st, 201, "{c2}");
    assert_eq!(c2["source"], "grid");
    assert_eq!(
        c2["status"], "reported",
        "a grid worker's report waits for registration"
    );
    assert_eq!(c2["duplicates"][0]["id"], id.as_str(), "{c2}");
    let id2 = c2["id"].as_str().unwrap().to_owned();
    // The grid worker's department keeps seeing its report (and may add a photo to it).
    let (st, _) = call("GET", &format!("{api}/cases/{id2}"), &town, None).await;
    assert_eq!(st, 200, "the reporter's department sees its report");
    let (st, m) = step(&api, &op, &id2, json!({"action": "merge", "into_case": id})).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["status"], "merged");
    assert_eq!(m["merged_into"], id.as_str());

    // Who sees what: the town (assigned) with the reporter masked; not the county department
    // yet, nor the water bureau.
    let (st, d) = call("GET", &format!("{api}/cases/{id}"), &town, None).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["reporter_phone"], "139****5678");
    assert_eq!(d["reporter_name"], "张*");
    assert_eq!(d["reporter_masked"], true);
    assert_eq!(d["merged_cases"], json!([id2]));
    assert!(
        d["actions"].as_array().unwrap().contains(&json!("accept")),
        "{d}"
    );
    for t in [&urb, &water] {
        let (st, _) = call("GET", &format!("{api}/cases/{id}"), t, None).await;
        assert_eq!(st, 404);
    }
    let (st, list) = call("GET", &format!("{api}/cases?open=true"), &town, None).await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["reporter_phone"], "139****5678");

    // Wrong actors and steps the status does not allow.
    let (st, e) = step(&api, &water, &id, json!({"action": "accept"})).await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = step(
        &api,
        &town,
        &id,
        json!({"action": "reassign", "department": "water", "reason": "不归我们"}),
    )
    .await;
    assert_eq!(st, 403, "only the command center reassigns: {e}");
    let (st, e) = step(&api, &op, &id, json!({"action": "close"})).await;
    assert_eq!(st, 409, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{e}"
    );
    let (st, _) = step(
        &api,
        &view,
        &id,
        json!({"action": "comment", "text": "看看"}),
    )
    .await;
    assert_eq!(st, 403);

    let (st, d) = step(&api, &town, &id, json!({"action": "accept"})).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["status"], "handling");

    // 73 hours later: overdue at the town, escalated to the county department.
    let (st, clk) = call(
        "POST",
        &format!("{api}/admin/clock"),
        &op,
        Some(json!({"advance_ms": 1})),
    )
    .await;
    assert_eq!(st, 403, "only an admin moves the clock: {clk}");
    let (st, clk) = call(
        "POST",
        &format!("{api}/admin/clock"),
        &admin,
        Some(json!({"advance_ms": 73 * 3_600_000})),
    )
    .await;
    assert_eq!(st, 200, "{clk}");
    let (st, d) = call("GET", &format!("{api}/cases/{id}"), &op, None).await;
    assert_eq!(st, 200);
    assert_eq!(d["escalation_level"], 1, "{d}");
    assert_eq!(d["co_departments"], json!(["urban-mgmt"]));
    assert_eq!(
        d["department"], "nanma-town",
        "the town keeps it; the county helps"
    );
    let last = d["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "escalate");
    assert_eq!(last["actor"]["role"], "system", "{last}");
    assert_eq!(last["department"], "urban-mgmt");
    let (st, _) = call("GET", &format!("{api}/cases/{id}"), &urb, None).await;
    assert_eq!(st, 200, "the county department sees the escalated case");
    let (st, overdue) = call("GET", &format!("{api}/cases?overdue=true"), &op, None).await;
    assert_eq!(st, 200);
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    // The command center's case tile counts what each one may see.
    let tile = |o: &Value| {
        (
            o["slots"]["cases"]["open"].clone(),
            o["slots"]["cases"]["overdue"].clone(),
        )
    };
    let (_, o) = call("GET", &format!("{api}/overview"), &op, None).await;
    assert_eq!(tile(&o).1, 1, "{}", o["slots"]);
    let (_, o) = call("GET", &format!("{api}/overview"), &urb, None).await;
    assert_eq!(tile(&o), (json!(1), json!(1)), "{}", o["slots"]);
    let (_, o) = call("GET", &format!("{api}/overview"), &water, None).await;
    assert_eq!(tile(&o), (json!(0), json!(0)), "{}", o["slots"]);
    // The timer does not escalate twice at one level.
    let (st, _) = call(
        "POST",
        &format!("{api}/admin/clock"),
        &admin,
        Some(json!({"advance_ms": 1000})),
    )
    .await;
    assert_eq!(st, 200);
    let (_, d) = call("GET", &format!("{api}/cases/{id}"), &op, None).await;
    assert_eq!(actions(&d).iter().filter(|a| *a == "escalate").count(), 1);

    // Photos: a PNG by the town; a text file is refused.
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let (st, a) = upload(
        &format!("{api}/cases/{id}/attachments?name=after.png"),
        &town,
        "image/png",
        png.clone(),
    )
    .await;
    assert_eq!(st, 201, "{a}");
    let (st, _) = upload(
        &format!("{api}/cases/{id}/attachments?name=x.txt"),
        &town,
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(st, 415);
    let (st, ct, bytes) =
        download(&format!("{api}/cases/{id}/attachments/{}", a["id"]), &urb).await;
    assert_eq!((st, ct.as_str()), (200, "image/png"));
    assert_eq!(bytes, png);

    // Feedback, a failed check (rework), feedback again, a passed check, closing.
    let (st, d) = step(
        &api,
        &town,
        &id,
        json!({"action": "feedback", "note": "已劝离摊贩", "attachments": [a["id"].to_string()]}),
    )
    .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["status"], "handled");
    let (st, d) = step(
        &api,
        &op,
        &id,
        json!({"action": "verify", "passed": false, "note": "现场仍有摊位"}),
    )
    .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        (d["status"].as_str(), d["rework_count"].as_i64()),
        (Some("handling"), Some(1))
    );
    let (st, d) = step(
        &api,
        &urb,
        &id,
        json!({"action": "feedback", "note": "执法队员现场清理完毕"}),
    )
    .await;
    assert_eq!(
        st, 200,
        "the co-assigned county department may feed back: {d}"
    );
    let (st, d) = step(&api, &op, &id, json!({"action": "verify", "passed": true})).await;
    assert_eq!((st, d["status"].as_str()), (200, Some("verified")));
    let (st, d) = step(&api, &op, &id, json!({"action": "close", "note": "结案"})).await;
    assert_eq!((st, d["status"].as_str()), (200, Some("closed")));
    let (st, d) = step(
        &api,
        &op,
        &id,
        json!({"action": "satisfaction", "score": 5, "note": "满意"}),
    )
    .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["satisfaction"]["score"], 5);
    let (st, _) = step(
        &api,
        &op,
        &id,
        json!({"action": "satisfaction", "score": 4}),
    )
    .await;
    assert_eq!(st, 409, "one follow-up");
    assert_eq!(
        actions(&d),
        [
            "report",
            "register",
            "dispatch",
            "merge_in",
            "accept",
            "escalate",
            "feedback",
            "verify",
            "feedback",
            "verify",
            "close",
            "satisfaction"
        ]
    );

    // Statistics: two cases, one closed (late: handled after its deadline), one merged.
    let (st, s) = call("GET", &format!("{api}/cases/stats?by=status"), &op, None).await;
    assert_eq!(st, 200, "{s}");
    let by: std::collections::BTreeMap<String, i64> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_owned(),
                g["total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [("closed".to_owned(), 1), ("merged".to_owned(), 1)]
            .into_iter()
            .collect()
    );
    let (st, s) = call(
        "GET",
        &format!("{api}/cases/stats?by=department"),
        &op,
        None,
    )
    .await;
    assert_eq!(st, 200);
    let town_row = s
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "nanma-town")
        .unwrap();
    assert_eq!(town_row["closed"], 1);
    assert_eq!(
        town_row["on_time_rate"], 0.0,
        "fed back after the deadline: {town_row}"
    );
    let (st, _) = call("GET", &format!("{api}/cases/stats?by=weather"), &op, None).await;
    assert_eq!(st, 400);

    // The event log carries the steps (the outbox of webhooks and notifications), and the
    // operator's reads of the reporter are audited.
    let (st, audit) = call("GET", &format!("{api}/audit?limit=500"), &admin, None).await;
    assert_eq!(st, 200, "{audit}");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "case.reporter.read" && a["actor"] == "op1"),
        "{audit}"
    );
    // The routing table is edited through the API (admins only), checked whole, saved to the
    // routing file and in force for the next case.
    let table = |town: &str| {
        json!({"command_center": "bigdata", "entries": [
            {"category": "E05", "region_prefix": "370323001", "department": town, "level": "town"},
            {"category": "E05", "department": "urban-mgmt", "level": "county"}
        ]})
    };
    let url = format!("{api}/case-routing");
    let (st, _) = call("PUT", &url, &op, Some(table("nanma-town"))).await;
    assert_eq!(st, 403, "operators do not change the table");
    let (st, e) = call("PUT", &url, &admin, Some(table("no-such-town"))).await;
    assert_eq!(st, 422, "{e}");
    assert!(e.to_string().contains("no-such-town"), "{e}");
    let mut bad = table("nanma-town");
    bad["entries"][0]["category"] = json!("ZZ99");
    let (st, e) = call("PUT", &url, &admin, Some(bad)).await;
    assert_eq!(st, 422, "{e}");
    let mut twice = table("nanma-town");
    twice["entries"][1] = twice["entries"][0].clone();
    let (st, e) = call("PUT", &url, &admin, Some(twice)).await;
    assert_eq!(st, 422, "a repeated entry: {e}");
    // Town cases of this area go to another registered department from now on.
    let (st, t) = call("PUT", &url, &admin, Some(table("water"))).await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["entries"][0]["department"], "water");
    let (_, now_table) = call("GET", &url, &view, None).await;
    assert_eq!(now_table, t);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&routing).unwrap()).unwrap();
    assert_eq!(saved, t, "saved to the routing file");
    let (st, c) = call(
        "POST",
        &format!("{api}/cases"),
        &op,
        Some(json!({"category": "E05-02", "description": "再次占道", "lon": 118.13, "lat": 36.13})),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["department"], "water", "routed by the new table");

    // The town heard of every step of its case; the water bureau of none of it.
    let mut heard = Vec::new();
    while let Ok(c) = town_live.try_recv() {
        if c["id"] == id.as_str() {
            heard.push(c["action"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        heard.contains(&"close".to_owned()) && heard.contains(&"accept".to_owned()),
        "{heard:?}"
    );
    let water_heard: Vec<Value> = std::iter::from_fn(|| water_live.try_recv().ok()).collect();
    assert!(
        water_heard.iter().all(|c| c["id"] != id.as_str()),
        "the water bureau heard nothing of the town's case: {water_heard:?}"
    );
}

/// A `case_count` rule ("2 or more 占道经营 in one grid within 24 h") across a SIGKILL right
/// after a case (no snapshot holds it) and a graceful restart (the snapshot holds both): the
/// windows are rebuilt from the stored cases, so the case is neither lost nor counted twice.
async fn case_counts_survive_a_crash_and_a_restart(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    let srv = start(
        dir.path(),
        &db.url,
        "[rules]\nsnapshot_interval_seconds = 3600\n",
    );
    let base = srv.base.clone();
    let api = format!("{base}/api/v1");
    let admin = login(&base, "admin", ADMIN_PASSWORD).await;
    post(
        &api,
        &admin,
        "regions",
        json!({"code": "370323", "name": "沂源县", "geometry": square(118.0, 36.0, 0.5)}),
    )
    .await;
    post(
        &api,
        &admin,
        "departments",
        json!({"id": "nanma-town", "name": "南麻街道办事处"}),
    )
    .await;
    post(
        &api,
        &admin,
        "grids",
        json!({"id": "nm-g01", "name": "南麻第一网格", "region": "370323",
        "departments": ["nanma-town"], "geometry": square(118.12, 36.12, 0.02)}),
    )
    .await;
    let rule = json!({"id": "stall-cluster", "version": 1, "name": "占道经营高发", "severity": "warning",
        "scope": {}, "condition": {"type": "case_count", "category": "E05-02",
        "within_seconds": 86400, "at_least": 2}});
    let (st, r) = call("POST", &format!("{api}/rules"), &admin, Some(rule)).await;
    assert_eq!(st, 201, "{r}");
    // Without a routing file there is no table to edit: said so, not half-done.
    let (st, e) = call(
        "PUT",
        &format!("{api}/case-routing"),
        &admin,
        Some(json!({"command_center": "nanma-town", "entries": []})),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    assert!(e.to_string().contains("routing_file"), "{e}");
    let (_, none) = call("GET", &format!("{api}/case-routing"), &admin, None).await;
    assert_eq!(none, Value::Null);
    let report = |n: u32| {
        json!({"category": "E05-02", "description": format!("占道经营 {n}"),
               "lon": 118.13, "lat": 36.13})
    };
    let cluster = |api: String, token: String| async move {
        let (st, b) = call(
            "GET",
            &format!("{api}/alarms?rule=stall-cluster"),
            &token,
            None,
        )
        .await;
        assert_eq!(st, 200, "{b}");
        b.as_array().unwrap().clone()
    };
    let (st, c) = call("POST", &format!("{api}/cases"), &admin, Some(report(1))).await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["grid"], "nm-g01");
    assert!(cluster(api.clone(), admin.clone()).await.is_empty());

    // SIGKILL: no snapshot holds the first case.
    let config = srv.config.clone();
    drop(srv);
    let srv = restart(dir.path(), &config);
    let api = format!("{}/api/v1", srv.base);
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    let (st, c) = call("POST", &format!("{api}/cases"), &admin, Some(report(2))).await;
    assert_eq!(st, 201, "{c}");
    let alarms = cluster(api.clone(), admin.clone()).await;
    assert_eq!(
        alarms.len(),
        1,
        "the case before the crash still counts: {alarms:?}"
    );
    assert_eq!(alarms[0]["entity"], "nm-g01");
    assert_eq!(alarms[0]["value"], 2.0);
    assert_eq!(alarms[0]["status"], "active");

    // A graceful stop saves both in the snapshot; after the restart they are not counted again.
    srv.terminate();
    let srv = restart(dir.path(), &config);
    let api = format!("{}/api/v1", srv.base);
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    let (st, c) = call("POST", &format!("{api}/cases"), &admin, Some(report(3))).await;
    assert_eq!(st, 201, "{c}");
    let alarms = cluster(api.clone(), admin.clone()).await;
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0]["value"], 3.0, "three cases, none counted twice");
    assert_eq!(alarms[0]["count"], 2, "raised, then updated once");
}
