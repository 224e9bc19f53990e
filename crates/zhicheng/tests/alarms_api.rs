//! Early-warning rules and alarms (issue 6) over HTTP against the real binary, on SQLite and
//! PostgreSQL.
//!
//! - `threshold_rule_with_hysteresis_and_duration`: "PM2.5 > 75 for 60 s, clear below 60":
//!   pending readings raise nothing, the reading at 60 s raises with `since` at the first one,
//!   a reading between 60 and 75 keeps it active, one below 60 clears it; both changes arrive
//!   on `/api/v1/stream` as `alarm` events; department scoping, acknowledge / assign / comment
//!   / clear and their refusals; rule validation, versions and deletion.
//! - `offline_rule_raises_on_silence_and_clears_on_a_fresh_reading`: the tick raises an
//!   offline alarm for a station silent longer than the rule allows; a fresh reading clears it.
//! - `restart_in_the_middle_of_a_duration_window`: a pending run and an open alarm survive a
//!   SIGKILL (readings replayed from history) and a graceful stop (the saved state): the run
//!   completes after the restart with its original `since`, and the open alarm is updated, not
//!   raised twice.
//! - `rules_import_and_a_burst_in_one_batch`: an array of rules is stored all or none (a bad
//!   rule, a repeated id, another department's rule, a stale version each refuse the whole
//!   list); one request whose readings raise, clear and raise again gives two alarms and three
//!   events on the stream, in order, written with the readings.
//! - `alarms_the_store_refuses_never_hold_readings_back`: a trigger makes the store refuse one
//!   entity's alarm; its reading is still stored and acknowledged, the refusal is counted, and
//!   the next entity's alarm is raised as usual (the writer is not stuck behind it).

#[macro_use]
mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::sync::mpsc;

both_backends!(
    threshold_rule_with_hysteresis_and_duration,
    offline_rule_raises_on_silence_and_clears_on_a_fresh_reading,
    restart_in_the_middle_of_a_duration_window,
    rules_import_and_a_burst_in_one_batch,
    alarms_the_store_refuses_never_hold_readings_back
);

const PM25_RULE: &str = r#"{
    "id": "pm25-high", "version": 1, "name": "PM2.5 持续超标", "severity": "major",
    "scope": {"kind": "air_station"},
    "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75,
                  "clear": 60, "for_seconds": 60}
}"#;

/// Opens `/api/v1/stream` and forwards every `alarm` event's items.
async fn alarm_stream(base: &str, token: &str) -> mpsc::UnboundedReceiver<Value> {
    stream_items(base, token, "alarm").await
}

/// The next alarm event, waiting at most 20 s.
async fn next_alarm(rx: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an alarm event within 20 s")
        .expect("the stream is open")
}

async fn ingest(api: &str, token: &str, entity: &str, ts: i64, value: f64) {
    let (st, b) = call(
        "POST",
        &format!("{api}/ingest"),
        token,
        Some(json!({"readings": [{"entity": entity, "metric": "pm25", "ts": ts, "value": value}]})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["accepted"], 1, "{b}");
}

async fn alarms(api: &str, token: &str, query: &str) -> Vec<Value> {
    let (st, b) = call("GET", &format!("{api}/alarms?{query}"), token, None).await;
    assert_eq!(st, 200, "{b}");
    b.as_array().unwrap().clone()
}

async fn threshold_rule_with_hysteresis_and_duration(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_small(base, &admin).await;
    let env1 = login(base, "env1", "env1-password").await;
    let urb1 = login(base, "urb1", "urb1-password").await;
    let view1 = login(base, "view1", "view1-password").await;

    // Rules: validation names the field; department users edit only their department's.
    let bad = PM25_RULE.replace("\"clear\": 60", "\"clear\": 80");
    let (st, e) = call_text("POST", &format!("{api}/rules"), &admin, &bad).await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("condition.clear"),
        "{e}"
    );
    let (st, _) = call_text("POST", &format!("{api}/rules"), &env1, PM25_RULE).await;
    assert_eq!(st, 403, "an unscoped rule is not a department's to make");
    let (st, _) = call_text("POST", &format!("{api}/rules"), &view1, PM25_RULE).await;
    assert_eq!(st, 403);
    let (st, r) = call_text("POST", &format!("{api}/rules"), &admin, PM25_RULE).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["rule"]["version"], 1);
    assert_eq!(r["source"], "api");
    // The same definition again changes nothing; another at the same version is refused.
    let (st, _) = call_text("POST", &format!("{api}/rules"), &admin, PM25_RULE).await;
    assert_eq!(st, 201);
    let (st, e) = call_text(
        "PUT",
        &format!("{api}/rules/pm25-high"),
        &admin,
        &PM25_RULE.replace("\"major\"", "\"critical\""),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    let (st, rules) = call("GET", &format!("{api}/rules"), &env1, None).await;
    assert_eq!(st, 200);
    assert_eq!(rules.as_array().unwrap().len(), 1);

    let mut stream = alarm_stream(base, &env1).await;
    let mut urb_stream = alarm_stream(base, &urb1).await;
    let dev = device_token(base, &admin, "air-001").await;
    let t0 = now_ms() - 120_000;

    ingest(&api, &dev, "air-001", t0, 80.0).await;
    ingest(&api, &dev, "air-001", t0 + 30_000, 82.0).await;
    assert!(
        alarms(&api, &admin, "").await.is_empty(),
        "59 s is still pending"
    );
    ingest(&api, &dev, "air-001", t0 + 60_000, 81.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "raised", "{ev}");
    let a = &ev["alarm"];
    assert_eq!(a["rule"], "pm25-high");
    assert_eq!(a["entity"], "air-001");
    assert_eq!(a["entity_name"], "南麻站");
    assert_eq!(a["department"], "eco-env");
    assert_eq!(a["severity"], "major");
    assert_eq!(a["status"], "active");
    assert_eq!(
        a["since_ms"], t0,
        "the run began at the first reading over 75"
    );
    assert_eq!(a["raised_ms"], t0 + 60_000);
    assert_eq!(a["value"], 81.0);
    let id = a["id"].as_i64().unwrap();

    // Between the clear value and the threshold: still active (hysteresis), one alarm.
    ingest(&api, &dev, "air-001", t0 + 61_000, 70.0).await;
    let list = alarms(&api, &admin, "status=active").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id);
    // Scoping: the other department sees nothing of it.
    assert!(alarms(&api, &urb1, "").await.is_empty());
    let (st, _) = call("GET", &format!("{api}/alarms/{id}"), &urb1, None).await;
    assert_eq!(st, 404);
    let (st, _) = call(
        "GET",
        &format!("{api}/alarms?department=eco-env"),
        &urb1,
        None,
    )
    .await;
    assert_eq!(st, 403);

    // People: acknowledge once, assign within the department, comment.
    let act = |what: &str| format!("{api}/alarms/{id}/{what}");
    let (st, _) = call("POST", &act("acknowledge"), &view1, None).await;
    assert_eq!(st, 403, "viewers look, they do not act");
    let (st, _) = call("POST", &act("acknowledge"), &urb1, None).await;
    assert_eq!(
        st, 404,
        "another department's alarm does not exist for them"
    );
    let (st, b) = call("POST", &act("acknowledge"), &env1, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["acknowledged_by"], "env1");
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "acknowledged");
    let (st, _) = call("POST", &act("acknowledge"), &admin, None).await;
    assert_eq!(st, 409);
    let (st, e) = call(
        "POST",
        &act("assign"),
        &env1,
        Some(json!({"assignee": "urb1"})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, b) = call(
        "POST",
        &act("assign"),
        &env1,
        Some(json!({"assignee": "env1"})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["assignee"], "env1");
    let (st, e) = call("POST", &act("comments"), &env1, Some(json!({"text": "  "}))).await;
    assert_eq!(st, 422, "{e}");
    let (st, _) = call(
        "POST",
        &act("comments"),
        &env1,
        Some(json!({"text": "已派人现场核查"})),
    )
    .await;
    assert_eq!(st, 201);
    let (st, detail) = call("GET", &format!("{api}/alarms/{id}"), &env1, None).await;
    assert_eq!(st, 200);
    assert_eq!(detail["comments"][0]["text"], "已派人现场核查");
    assert_eq!(detail["comments"][0]["author"], "env1");
    for want in ["assigned", "commented"] {
        assert_eq!(next_alarm(&mut stream).await["change"], want);
    }

    // Below 60: cleared by the rule, live.
    ingest(&api, &dev, "air-001", t0 + 62_000, 59.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "cleared", "{ev}");
    assert_eq!(ev["alarm"]["id"], id);
    assert_eq!(ev["alarm"]["cleared_ms"], t0 + 62_000);
    assert_eq!(ev["alarm"]["cleared_by"], Value::Null);
    assert!(alarms(&api, &admin, "status=active").await.is_empty());
    let (st, _) = call("POST", &act("clear"), &env1, None).await;
    assert_eq!(st, 409, "a cleared alarm does not clear again");

    // A second run: raised, then cleared by hand; quiet while the level stays high, and the
    // rule starts over once it has come down by itself.
    ingest(&api, &dev, "air-001", t0 + 70_000, 90.0).await;
    ingest(&api, &dev, "air-001", t0 + 130_000, 91.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "raised");
    let id2 = ev["alarm"]["id"].as_i64().unwrap();
    assert_ne!(id2, id);
    let (st, b) = call(
        "POST",
        &format!("{api}/alarms/{id2}/clear"),
        &env1,
        Some(json!({"note": "设备校准中"})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["cleared_by"], "env1");
    assert_eq!(next_alarm(&mut stream).await["change"], "cleared");
    // Still over 75 for another minute: nothing new (an ingest answers after the commit that
    // would hold the alarm).
    ingest(&api, &dev, "air-001", t0 + 140_000, 92.0).await;
    ingest(&api, &dev, "air-001", t0 + 200_000, 93.0).await;
    assert!(
        alarms(&api, &admin, "status=active").await.is_empty(),
        "cleared by hand while still high: held"
    );
    ingest(&api, &dev, "air-001", t0 + 210_000, 50.0).await;

    // A rule edit (new version) and deletion are versioned.
    let v2 = PM25_RULE
        .replace("\"version\": 1", "\"version\": 2")
        .replace("\"value\": 75", "\"value\": 115");
    let (st, r) = call_text("PUT", &format!("{api}/rules/pm25-high"), &admin, &v2).await;
    assert_eq!(st, 200, "{r}");
    let (st, e) = call_text("PUT", &format!("{api}/rules/other"), &admin, &v2).await;
    assert_eq!(st, 400, "{e}");
    let (st, _) = call("DELETE", &format!("{api}/rules/pm25-high"), &env1, None).await;
    assert_eq!(st, 403);
    let (st, _) = call("DELETE", &format!("{api}/rules/pm25-high"), &admin, None).await;
    assert_eq!(st, 204);
    let (st, v) = call(
        "GET",
        &format!("{api}/rules/pm25-high/versions"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200);
    let versions: Vec<(i64, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["version"].as_i64().unwrap(),
                x["deleted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(1, false), (2, false), (3, true)]);
    let (st, rules) = call("GET", &format!("{api}/rules"), &admin, None).await;
    assert_eq!(st, 200);
    assert!(rules.as_array().unwrap().is_empty());
    // Re-creating needs a version above the tombstone.
    let (st, _) = call_text("POST", &format!("{api}/rules"), &admin, PM25_RULE).await;
    assert_eq!(st, 409);

    // The department's stream never carried the other department's changes (there were
    // none), and the urban-management stream saw none of eco-env's.
    assert!(urb_stream.try_recv().is_err());
    let m = metrics_text(base).await;
    assert!(
        m.lines().any(|l| l
            .starts_with("zhicheng_alarm_changes_total{change=\"raised\",severity=\"major\"} 2")),
        "{m}"
    );
}

async fn offline_rule_raises_on_silence_and_clears_on_a_fresh_reading(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    let srv = start(dir.path(), &db.url, "[rules]\ntick_ms = 100\n");
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let admin = login(base, "admin", ADMIN_PASSWORD).await;
    seed_small(base, &admin).await;
    let rule = r#"{"id": "station-offline", "version": 1, "name": "监测站离线", "severity": "minor",
        "scope": {"kind": "air_station", "department": "urban-mgmt"},
        "condition": {"type": "offline", "after_seconds": 60},
        "case": {"category": "C06", "urgency": "urgent"}}"#;
    let urb1 = login(base, "urb1", "urb1-password").await;
    let dev = device_token(base, &admin, "air-002").await;
    let now = now_ms();
    // The last sign of life two minutes ago; the rule, made now, watches from it, so the
    // next tick finds the station silent.
    ingest(&api, &dev, "air-002", now - 120_000, 30.0).await;
    let mut stream = alarm_stream(base, &admin).await;
    // A department may make a rule scoped to itself.
    let (st, r) = call_text("POST", &format!("{api}/rules"), &urb1, rule).await;
    assert_eq!(st, 201, "{r}");
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "raised", "{ev}");
    assert_eq!(ev["alarm"]["rule"], "station-offline");
    assert_eq!(ev["alarm"]["entity"], "air-002");
    assert_eq!(ev["alarm"]["since_ms"], now - 120_000);
    assert!(ev["alarm"]["value"].as_f64().unwrap() >= 120.0, "{ev}");
    // Only the rule's department: air-001 (eco-env) is silent from the start but not watched.
    assert_eq!(alarms(&api, &admin, "status=active").await.len(), 1);
    // The rule opens a case for its alarm, once, at the station, for its department to see.
    let alarm_id = ev["alarm"]["id"].as_i64().unwrap();
    let case = eventually("the rule's case", || {
        let (api, admin) = (api.clone(), admin.clone());
        async move {
            let (_, l) = call("GET", &format!("{api}/cases?source=alarm"), &admin, None).await;
            l.as_array().and_then(|a| a.first().cloned())
        }
    })
    .await;
    assert_eq!(case["source_ref"], alarm_id.to_string());
    assert_eq!(case["category"], "C06");
    assert_eq!(case["urgency"], "urgent");
    assert_eq!(
        (case["lon"].as_f64(), case["lat"].as_f64()),
        (Some(118.16), Some(36.19))
    );
    assert_eq!(
        case["status"], "registered",
        "registered; no routing table to dispatch it"
    );
    let (st, e) = call(
        "POST",
        &format!("{api}/alarms/{alarm_id}/case"),
        &admin,
        Some(json!({"category": "C06"})),
    )
    .await;
    assert_eq!(st, 409, "one case per alarm: {e}");
    ingest(&api, &dev, "air-002", now_ms(), 31.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "cleared", "{ev}");
    assert!(alarms(&api, &urb1, "status=active").await.is_empty());
    assert_eq!(alarms(&api, &urb1, "status=cleared").await.len(), 1);
}

async fn restart_in_the_middle_of_a_duration_window(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    // No periodic snapshot during the test: after the SIGKILL, only the replay of stored
    // readings can know about the pending run.
    let srv = start(
        dir.path(),
        &db.url,
        "[rules]\nsnapshot_interval_seconds = 3600\n",
    );
    let base = srv.base.clone();
    let api = format!("{base}/api/v1");
    let admin = login(&base, "admin", ADMIN_PASSWORD).await;
    seed_small(&base, &admin).await;
    let (st, r) = call_text("POST", &format!("{api}/rules"), &admin, PM25_RULE).await;
    assert_eq!(st, 201, "{r}");
    let dev1 = device_token(&base, &admin, "air-001").await;
    let dev2 = device_token(&base, &admin, "air-002").await;
    let t0 = now_ms() - 240_000;
    // air-001: a run begins (pending). air-002: an alarm opens.
    ingest(&api, &dev1, "air-001", t0, 80.0).await;
    ingest(&api, &dev2, "air-002", t0, 90.0).await;
    ingest(&api, &dev2, "air-002", t0 + 60_000, 95.0).await;
    let open = eventually("air-002's alarm", || {
        let (api, admin) = (api.clone(), admin.clone());
        async move {
            let l = alarms(&api, &admin, "status=active").await;
            (l.len() == 1).then(|| l[0].clone())
        }
    })
    .await;
    assert_eq!(open["entity"], "air-002");

    // SIGKILL: nothing saved the pending run.
    let config = srv.config.clone();
    drop(srv);
    let srv = restart(dir.path(), &config);
    let api = format!("{}/api/v1", srv.base);
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    let mut stream = alarm_stream(&srv.base, &admin).await;
    ingest(&api, &dev1, "air-001", t0 + 60_000, 81.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "raised", "{ev}");
    assert_eq!(ev["alarm"]["entity"], "air-001");
    assert_eq!(
        ev["alarm"]["since_ms"], t0,
        "the run began before the restart"
    );
    // The open alarm goes on: updated, not raised twice.
    ingest(&api, &dev2, "air-002", t0 + 70_000, 99.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "updated", "{ev}");
    assert_eq!(ev["alarm"]["id"], open["id"]);
    assert_eq!(ev["alarm"]["count"], 2);
    assert_eq!(ev["alarm"]["peak"], 99.0);

    // A graceful stop saves the state; a new run begun before it completes after it.
    ingest(&api, &dev1, "air-001", t0 + 100_000, 50.0).await; // clears air-001
    assert_eq!(next_alarm(&mut stream).await["change"], "cleared");
    ingest(&api, &dev1, "air-001", t0 + 110_000, 85.0).await; // a new run
    srv.terminate();
    let srv = restart(dir.path(), &config);
    let api = format!("{}/api/v1", srv.base);
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    let mut stream = alarm_stream(&srv.base, &admin).await;
    ingest(&api, &dev1, "air-001", t0 + 170_000, 86.0).await;
    let ev = next_alarm(&mut stream).await;
    assert_eq!(ev["change"], "raised", "{ev}");
    assert_eq!(ev["alarm"]["since_ms"], t0 + 110_000);
    let all = alarms(&api, &admin, "").await;
    let per_pair: Vec<(&str, &str)> = all
        .iter()
        .map(|a| (a["entity"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        per_pair,
        [
            ("air-001", "active"),
            ("air-001", "cleared"),
            ("air-002", "active")
        ],
        "three alarms in all: none lost, none doubled"
    );
}

async fn rules_import_and_a_burst_in_one_batch(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_small(base, &admin).await;
    let env1 = login(base, "env1", "env1-password").await;
    let rule = |id: &str, version: u32, value: f64, department: Option<&str>| {
        let mut scope = json!({"kind": "air_station"});
        if let Some(d) = department {
            scope["department"] = json!(d);
        }
        json!({"id": id, "version": version, "name": format!("规则 {id}"), "severity": "minor",
               "scope": scope,
               "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": value,
                             "clear": value - 10.0}})
    };
    let stored = |rules: &Value| {
        let mut ids: Vec<String> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let (api_ref, admin_ref) = (&api, &admin);
    let rules_now = move || async move {
        let (st, b) = call("GET", &format!("{api_ref}/rules"), admin_ref, None).await;
        assert_eq!(st, 200);
        stored(&b)
    };

    // All or none: each bad list leaves nothing behind.
    let mut bad = rule("b", 1, 100.0, None);
    bad["condition"]["clear"] = json!(200);
    for (list, status, why) in [
        (json!([rule("a", 1, 100.0, None), bad]), 422, "a bad rule"),
        (
            json!([rule("a", 1, 100.0, None), rule("a", 1, 100.0, None)]),
            422,
            "a repeated id",
        ),
        (json!([]), 422, "an empty list"),
    ] {
        let (st, e) = call_text("POST", &format!("{api}/rules"), &admin, &list.to_string()).await;
        assert_eq!(st, status, "{why}: {e}");
        assert!(rules_now().await.is_empty(), "{why}: nothing stored");
    }
    let (st, e) = call_text(
        "POST",
        &format!("{api}/rules"),
        &env1,
        &json!([
            rule("e1", 1, 100.0, Some("eco-env")),
            rule("u1", 1, 100.0, Some("urban"))
        ])
        .to_string(),
    )
    .await;
    assert_eq!(st, 403, "another department's rule refuses the list: {e}");
    assert!(rules_now().await.is_empty());
    let (st, e) = call_text("POST", &format!("{api}/rules"), &admin, "[1, 2").await;
    assert_eq!(st, 400, "{e}");

    // A good list: stored and evaluated at once.
    let list = json!([
        rule("burst", 1, 100.0, None),
        rule("e1", 1, 500.0, Some("eco-env")),
    ]);
    let (st, r) = call_text("POST", &format!("{api}/rules"), &admin, &list.to_string()).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(stored(&r), ["burst", "e1"]);
    assert_eq!(rules_now().await, ["burst", "e1"]);
    // Again: unchanged rules are answered as they are; a changed one at a stale version
    // refuses the whole list.
    let (st, _) = call_text("POST", &format!("{api}/rules"), &admin, &list.to_string()).await;
    assert_eq!(st, 201);
    let stale = json!([rule("burst", 1, 120.0, None), rule("new", 1, 100.0, None)]);
    let (st, e) = call_text("POST", &format!("{api}/rules"), &admin, &stale.to_string()).await;
    assert_eq!(st, 409, "{e}");
    assert_eq!(rules_now().await, ["burst", "e1"]);
    let (st, v) = call("GET", &format!("{api}/rules/burst/versions"), &admin, None).await;
    assert_eq!(st, 200);
    assert_eq!(v.as_array().unwrap().len(), 1);

    // One request whose readings raise, clear and raise again: one batch, one transaction.
    let mut stream = alarm_stream(base, &admin).await;
    let dev = device_token(base, &admin, "air-001").await;
    let t0 = now_ms() - 60_000;
    let readings: Vec<Value> = [(0, 120.0), (1_000, 80.0), (2_000, 130.0), (3_000, 135.0)]
        .iter()
        .map(|(dt, v)| json!({"entity": "air-001", "metric": "pm25", "ts": t0 + dt, "value": v}))
        .collect();
    let (st, b) = call(
        "POST",
        &format!("{api}/ingest"),
        &dev,
        Some(json!({ "readings": readings })),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["accepted"], 4);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let ev = next_alarm(&mut stream).await;
        seen.push((
            ev["change"].as_str().unwrap().to_owned(),
            ev["alarm"]["status"].as_str().unwrap().to_owned(),
            ev["alarm"]["value"].as_f64().unwrap(),
            ev["alarm"]["id"].as_i64().unwrap(),
        ));
    }
    let steps: Vec<(&str, &str, f64)> = seen
        .iter()
        .map(|(c, s, v, _)| (c.as_str(), s.as_str(), *v))
        .collect();
    assert_eq!(
        steps,
        [
            ("raised", "active", 120.0),
            ("cleared", "cleared", 80.0),
            ("raised", "active", 135.0),
        ],
        "the last raise carries the reading after it (merged within the batch)"
    );
    assert_eq!(seen[0].3, seen[1].3);
    assert_ne!(seen[1].3, seen[2].3);
    let all = alarms(&api, &admin, "rule=burst").await;
    let rows: Vec<(i64, &str, i64, Option<i64>)> = all
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["status"].as_str().unwrap(),
                a["raised_ms"].as_i64().unwrap(),
                a["cleared_ms"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (seen[2].3, "active", t0 + 2_000, None),
            (seen[0].3, "cleared", t0, Some(t0 + 1_000)),
        ]
    );
}

async fn alarms_the_store_refuses_never_hold_readings_back(backend: Backend) {
    let Some((_dir, db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_small(base, &admin).await;
    let rule = PM25_RULE
        .replace("\"pm25-high\"", "\"pm25-now\"")
        .replace(", \"for_seconds\": 60", "");
    let (st, r) = call_text("POST", &format!("{api}/rules"), &admin, &rule).await;
    assert_eq!(st, 201, "{r}");
    // The store refuses any alarm of air-002 (as a broken constraint would).
    match backend {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(
                "CREATE TRIGGER poison BEFORE INSERT ON alarm WHEN NEW.entity = 'air-002' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
            )
            .execute(&mut c)
            .await
            .unwrap();
            c.close().await.unwrap();
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            for sql in [
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.entity = 'air-002' THEN RAISE EXCEPTION 'poisoned'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER poison BEFORE INSERT ON alarm FOR EACH ROW \
                 EXECUTE FUNCTION poison()",
            ] {
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
            c.close().await.unwrap();
        }
    }
    let dev2 = device_token(base, &admin, "air-002").await;
    let dev1 = device_token(base, &admin, "air-001").await;
    let t0 = now_ms() - 10_000;
    ingest(&api, &dev2, "air-002", t0, 90.0).await;
    let (st, h) = call(
        "GET",
        &format!(
            "{api}/entities/air-002/history?metric=pm25&from={}&to={}",
            t0 - 1,
            t0 + 1
        ),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{h}");
    assert!(h.to_string().contains("90"), "the reading is stored: {h}");
    // The next entity's alarm goes through as usual.
    ingest(&api, &dev1, "air-001", t0 + 1_000, 91.0).await;
    let active = alarms(&api, &admin, "status=active").await;
    let entities: Vec<&str> = active
        .iter()
        .map(|a| a["entity"].as_str().unwrap())
        .collect();
    assert_eq!(entities, ["air-001"]);
    let failures = metric(base, "zhicheng_alarm_write_failures").await;
    assert!(
        failures >= 5.0,
        "refused with its batch, three times alone, then on its own: {failures}"
    );
}
