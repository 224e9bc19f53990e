//! End-to-end tests of the HTTP API against the real binary, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    auth_and_operations,
    registry_filters_and_pagination,
    department_isolation,
    ingest_state_history_and_stream,
    import_reports_row_errors,
);

async fn auth_and_operations(backend: Backend) {
    let Some((_d, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let c = client();
    assert_eq!(
        c.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready: Value = c
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["ready"], true, "{ready}");
    let metrics = c
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("zhicheng_bus_depth"), "{metrics}");

    // Every API route but login needs a user.
    for path in ["entities", "regions", "users", "stream", "auth/me"] {
        let r = c.get(format!("{base}/api/v1/{path}")).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "unauthenticated");
    }
    let bad = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let b: Value = bad.json().await.unwrap();
    assert_eq!(b["error"]["code"], "bad_credentials");
    assert_eq!(b["error"]["message_zh"], "用户名或密码错误");
    let garbage = c
        .post(format!("{base}/api/v1/auth/login"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);

    // The browser gets an HttpOnly SameSite cookie that works on its own.
    let r = c
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let me: Value = c
        .get(format!("{base}/api/v1/auth/me"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");

    // Logout ends the session.
    let (st, _) = call("POST", &format!("{base}/api/v1/auth/logout"), &admin, None).await;
    assert_eq!(st, 204);
    let (st, _) = call("GET", &format!("{base}/api/v1/auth/me"), &admin, None).await;
    assert_eq!(st, 401);
}

async fn registry_filters_and_pagination(backend: Backend) {
    let Some((_d, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    seed_small(base, &admin).await;
    let api = format!("{base}/api/v1");
    let ids = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };

    let (_, b) = call(
        "GET",
        &format!("{api}/entities?department=eco-env"),
        &admin,
        None,
    )
    .await;
    assert_eq!(ids(&b), ["air-001"]);
    let (_, b) = call(
        "GET",
        &format!("{api}/entities?region=370323"),
        &admin,
        None,
    )
    .await;
    assert_eq!(ids(&b), ["air-001", "air-002"]);
    let (_, b) = call(
        "GET",
        &format!("{api}/entities?bbox=118.165,36.17,118.18,36.185"),
        &admin,
        None,
    )
    .await;
    assert_eq!(ids(&b), ["air-001"]);
    let (_, b) = call(
        "GET",
        &format!("{api}/entities?q=%E5%9F%8E%E7%AE%A1"),
        &admin,
        None,
    )
    .await; // 城管
    assert_eq!(ids(&b), ["air-002"]);
    let (_, b) = call(
        "GET",
        &format!("{api}/entities?kind=streetlight"),
        &admin,
        None,
    )
    .await;
    assert!(ids(&b).is_empty());
    let (st, b) = call("GET", &format!("{api}/entities?bbox=1,2,3"), &admin, None).await;
    assert_eq!(st, 400, "{b}");

    // Cursor pagination walks every entity once.
    let (_, p1) = call("GET", &format!("{api}/entities?limit=1"), &admin, None).await;
    assert_eq!(ids(&p1), ["air-001"]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = call(
        "GET",
        &format!("{api}/entities?limit=1&cursor={cursor}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(ids(&p2), ["air-002"]);
    assert!(
        p2.get("next_cursor").is_none() || p2["next_cursor"].is_null() || {
            let (_, p3) = call(
                "GET",
                &format!(
                    "{api}/entities?limit=1&cursor={}",
                    p2["next_cursor"].as_str().unwrap()
                ),
                &admin,
                None,
            )
            .await;
            ids(&p3).is_empty()
        }
    );

    // Validation errors name the field.
    let (st, b) = call("POST", &format!("{api}/entities"), &admin, Some(json!({"id": "x/y", "kind": "air_station", "name": "n", "department": "eco-env", "region": "370323"}))).await;
    assert_eq!(st, 422, "{b}");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("id"),
        "{b}"
    );
    let (st, _) = call("POST", &format!("{api}/entities"), &admin, Some(json!({"id": "air-001", "kind": "air_station", "name": "dup", "department": "eco-env", "region": "370323"}))).await;
    assert_eq!(st, 409);
    let (st, b) = call("POST", &format!("{api}/entities"), &admin, Some(json!({"id": "z1", "kind": "nope", "name": "n", "department": "eco-env", "region": "370323"}))).await;
    assert_eq!(st, 422, "{b}");

    // Update and delete; a region that still has entities cannot go.
    let (st, e) = call("PUT", &format!("{api}/entities/air-001"), &admin, Some(json!({"id": "air-001", "kind": "air_station", "name": "南麻站(新)", "department": "eco-env", "region": "370323001", "status": "maintenance"}))).await;
    assert_eq!(st, 200, "{e}");
    assert_eq!(e["status"], "maintenance");
    let (st, _) = call("DELETE", &format!("{api}/regions/370323001"), &admin, None).await;
    assert_eq!(st, 409);
    let (st, _) = call("DELETE", &format!("{api}/entities/air-002"), &admin, None).await;
    assert_eq!(st, 204);
    let (st, _) = call("GET", &format!("{api}/entities/air-002"), &admin, None).await;
    assert_eq!(st, 404);
}

async fn department_isolation(backend: Backend) {
    let Some((_d, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    seed_small(base, &admin).await;
    let api = format!("{base}/api/v1");
    let env1 = login(base, "env1", "env1-password").await;

    let (_, b) = call("GET", &format!("{api}/entities"), &env1, None).await;
    let ids: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["air-001"]);
    let (_, b) = call(
        "GET",
        &format!("{api}/entities?department=urban-mgmt"),
        &env1,
        None,
    )
    .await;
    assert!(b["items"].as_array().unwrap().is_empty());
    // Another department's entity: not readable, not changeable, not deletable, no tokens.
    for (m, path, body) in [
        ("GET", "entities/air-002", None),
        ("GET", "entities/air-002/state", None),
        ("GET", "entities/air-002/history?metric=pm25", None),
        (
            "PUT",
            "entities/air-002",
            Some(
                json!({"id": "air-002", "kind": "air_station", "name": "hijack", "department": "urban-mgmt", "region": "370323001"}),
            ),
        ),
        ("DELETE", "entities/air-002", None),
        ("POST", "entities/air-002/token", None),
    ] {
        let (st, b) = call(m, &format!("{api}/{path}"), &env1, body).await;
        assert!(st == 404 || st == 403, "{m} {path}: {st} {b}");
    }
    // Nor can it hand its own entity to another department, or create one there.
    let (st, _) = call("PUT", &format!("{api}/entities/air-001"), &env1, Some(json!({"id": "air-001", "kind": "air_station", "name": "n", "department": "urban-mgmt", "region": "370323001"}))).await;
    assert_eq!(st, 403);
    let (st, _) = call("POST", &format!("{api}/entities"), &env1, Some(json!({"id": "x1", "kind": "air_station", "name": "n", "department": "urban-mgmt", "region": "370323001"}))).await;
    assert_eq!(st, 403);
    // Its own entity it may change, and the shared registry it may not.
    let (st, _) = call("PUT", &format!("{api}/entities/air-001"), &env1, Some(json!({"id": "air-001", "kind": "air_station", "name": "改名", "department": "eco-env", "region": "370323001"}))).await;
    assert_eq!(st, 200);
    let (st, _) = call(
        "POST",
        &format!("{api}/regions"),
        &env1,
        Some(json!({"code": "370323002", "name": "历山街道"})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = call("GET", &format!("{api}/users"), &env1, None).await;
    assert_eq!(st, 403);
    // The other entity is untouched.
    let (_, e) = call("GET", &format!("{api}/entities/air-002"), &admin, None).await;
    assert_eq!(e["name"], "城管站");
    // A viewer reads everything and changes nothing.
    let viewer = login(base, "view1", "view1-password").await;
    let (_, b) = call("GET", &format!("{api}/entities"), &viewer, None).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    let (st, _) = call("DELETE", &format!("{api}/entities/air-001"), &viewer, None).await;
    assert_eq!(st, 403);

    // The live stream of a department user carries only its own department's changes.
    let mut sse = client()
        .get(format!("{api}/stream"))
        .bearer_auth(&env1)
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    let tok2 = device_token(base, &admin, "air-002").await;
    let (st, _) = call(
        "POST",
        &format!("{api}/ingest"),
        &tok2,
        Some(json!({"readings": [{"entity": "air-002", "metric": "pm25", "value": 77.0}]})),
    )
    .await;
    assert_eq!(st, 200);

    // A device token writes its own entity only.
    let tok = device_token(base, &admin, "air-001").await;
    let (st, b) = call(
        "POST",
        &format!("{api}/ingest"),
        &tok,
        Some(json!({"readings": [
        {"entity": "air-001", "metric": "pm25", "value": 10.0},
        {"entity": "air-002", "metric": "pm25", "value": 99.0}]})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["accepted"], 1);
    assert_eq!(b["rejected"][0]["index"], 1);
    assert!(
        b["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not_owner"),
        "{b}"
    );
    let (_, s) = call(
        "GET",
        &format!("{api}/entities/air-002/state"),
        &admin,
        None,
    )
    .await;
    let m = s["metrics"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{s}");
    assert_eq!(
        m[0]["value"], 77.0,
        "the refused 99.0 must not have landed: {s}"
    );
    let mut seen = String::new();
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(chunk) = sse.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("air-001") {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(got, Ok(true)), "stream said: {seen}");
    assert!(
        !seen.contains("air-002"),
        "a department user saw another department's change: {seen}"
    );
    // A user session is not a device token, and a revoked token stops working.
    let (st, _) = call(
        "POST",
        &format!("{api}/ingest"),
        &admin,
        Some(json!({"readings": []})),
    )
    .await;
    assert_eq!(st, 401);
    let (_, toks) = call(
        "GET",
        &format!("{api}/entities/air-001/tokens"),
        &admin,
        None,
    )
    .await;
    let tid = toks[0]["id"].as_str().unwrap();
    let (st, _) = call(
        "DELETE",
        &format!("{api}/entities/air-001/tokens/{tid}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 204);
    let (st, _) = call(
        "POST",
        &format!("{api}/ingest"),
        &tok,
        Some(json!({"readings": [{"entity": "air-001", "metric": "pm25", "value": 1}]})),
    )
    .await;
    assert_eq!(st, 401);
}

async fn ingest_state_history_and_stream(backend: Backend) {
    let Some((_d, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    seed_small(base, &admin).await;
    let api = format!("{base}/api/v1");
    let tok = device_token(base, &admin, "air-001").await;

    // Subscribe to the live stream first (filtered to the entity).
    let mut sse = client()
        .get(format!("{api}/stream?entity=air-001"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);

    // 2026-11-23T10:00:00+08:00 and the minutes after it.
    let t0: i64 = 1_795_399_200_000;
    let body = json!({"readings": [
        {"entity": "air-001", "metric": "pm25", "ts": "2026-11-23T10:00:00+08:00", "value": 30.0},
        {"entity": "air-001", "metric": "pm25", "ts": t0 + 20_000, "value": 40.0},
        {"entity": "air-001", "metric": "pm25", "ts": t0 + 60_000, "value": 50.0},
        {"entity": "air-001", "metric": "aqi", "ts": t0, "value": 45},
        {"entity": "air-001", "metric": "online", "ts": t0, "value": true},
        {"entity": "air-001", "metric": "nox", "ts": t0, "value": 1.0},
        {"entity": "air-001", "metric": "pm25", "ts": t0, "value": "high"},
        {"entity": "air-001", "metric": "aqi", "ts": t0, "value": 45.5},
        {"entity": "air-001", "metric": "pm25", "ts": "2099-01-01T00:00:00Z", "value": 1.0},
        {"entity": "air-001", "metric": "pm25", "ts": "yesterday", "value": 1.0},
        {"entity": "air-999", "metric": "pm25", "ts": t0, "value": 1.0}
    ]});
    let (st, out) = call("POST", &format!("{api}/ingest"), &tok, Some(body.clone())).await;
    assert_eq!(st, 200, "{out}");
    assert_eq!(out["accepted"], 5, "{out}");
    let reasons: Vec<(u64, String)> = out["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["reason"]
                    .as_str()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (5, "unknown_metric".to_string()),
            (6, "wrong_type".into()),
            (7, "wrong_type".into()),
            (8, "future".into()),
            (9, "bad_time".into()),
            (10, "unknown_entity".into())
        ]
    );

    // The change arrives on the stream.
    let mut seen = String::new();
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(chunk) = sse.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: state") && seen.contains("\"pm25\"") {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(got, Ok(true)), "stream said: {seen}");

    // Replaying the same request doubles nothing.
    let (st, _) = call("POST", &format!("{api}/ingest"), &tok, Some(body)).await;
    assert_eq!(st, 200);
    let range = format!("from={}&to={}", t0 - 1, t0 + 3_600_000);
    let (st, h) = call(
        "GET",
        &format!("{api}/entities/air-001/history?metric=pm25&{range}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{h}");
    assert_eq!(
        h["history"]["points"],
        json!([[t0, 30.0], [t0 + 20_000, 40.0], [t0 + 60_000, 50.0]])
    );

    // NDJSON, with one malformed line that is refused on its own.
    let nd = format!(
        "{}\nnot json\n{}\n",
        json!({"entity": "air-001", "metric": "pm25", "ts": t0 + 120_000, "value": 60.0}),
        json!({"entity": "air-001", "metric": "pm25", "ts": t0 + 3_000_000, "value": 70.0})
    );
    let r = client()
        .post(format!("{api}/ingest"))
        .bearer_auth(&tok)
        .header("content-type", "application/x-ndjson")
        .body(nd)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["accepted"], 2, "{out}");
    assert_eq!(out["rejected"][0]["index"], 1);
    // A body that is not JSON at all is a 400, not a crash.
    let r = client()
        .post(format!("{api}/ingest"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{\"readings\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Latest state: the newest value per metric, booleans as 1.
    let (_, s) = call(
        "GET",
        &format!("{api}/entities/air-001/state"),
        &admin,
        None,
    )
    .await;
    let m: std::collections::HashMap<String, (i64, f64)> = s["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["metric"].as_str().unwrap().to_string(),
                (x["ts"].as_i64().unwrap(), x["value"].as_f64().unwrap()),
            )
        })
        .collect();
    assert_eq!(m["pm25"], (t0 + 3_000_000, 70.0));
    assert_eq!(m["online"], (t0, 1.0));
    assert_eq!(m["aqi"], (t0, 45.0));

    // Roll-ups by minute and hour, worked by hand: minute 0 = {30, 40}, 1 = {50}, 2 = {60}, 50 = {70}.
    let (_, h) = call(
        "GET",
        &format!("{api}/entities/air-001/history?metric=pm25&{range}&step=1m"),
        &admin,
        None,
    )
    .await;
    let b = &h["history"]["buckets"];
    assert_eq!(b.as_array().unwrap().len(), 4, "{h}");
    assert_eq!(
        (
            b[0]["ts"].as_i64().unwrap(),
            b[0]["min"].as_f64().unwrap(),
            b[0]["max"].as_f64().unwrap(),
            b[0]["avg"].as_f64().unwrap(),
            b[0]["count"].as_i64().unwrap()
        ),
        (t0, 30.0, 40.0, 35.0, 2)
    );
    let (_, h) = call(
        "GET",
        &format!("{api}/entities/air-001/history?metric=pm25&{range}&step=1h"),
        &admin,
        None,
    )
    .await;
    let b = &h["history"]["buckets"];
    assert_eq!(b.as_array().unwrap().len(), 1, "{h}");
    assert_eq!(b[0]["count"], 5);
    assert_eq!(b[0]["avg"].as_f64().unwrap(), 50.0);
    assert_eq!(b[0]["min"].as_f64().unwrap(), 30.0);
    assert_eq!(b[0]["max"].as_f64().unwrap(), 70.0);
    let (st, _) = call(
        "GET",
        &format!("{api}/entities/air-001/history?metric=pm25&step=5m"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 400);

    // The counters saw it all.
    let metrics = metrics_text(base).await;
    assert!(
        metrics.contains("zhicheng_readings_stored_total{gateway=\"http\"} 12"),
        "{metrics}"
    );
    assert!(metrics.contains("reason=\"unknown_metric\""), "{metrics}");
}

async fn import_reports_row_errors(backend: Backend) {
    let Some((_d, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    seed_small(base, &admin).await;
    let csv = "id,kind,name,department,region,lon,lat\n\
               air-010,air_station,东站,eco-env,370323001,118.18,36.18\n\
               air-011,air_station,坏站,eco-env,370323001,abc,36.18\n\
               air-012,air_station,无部门,nobody,370323001,118.18,36.18\n\
               air-013,air_station,西站,eco-env,370323001,118.15,36.17\n";
    let r = client()
        .post(format!("{base}/api/v1/import/entities?format=csv"))
        .bearer_auth(&admin)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rep: Value = r.json().await.unwrap();
    assert_eq!(rep["imported"], 2, "{rep}");
    let rows: Vec<u64> = rep["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4], "{rep}");
    assert!(
        rep["errors"][1]["error"]
            .as_str()
            .unwrap()
            .contains("department"),
        "{rep}"
    );
    let (st, _) = call(
        "GET",
        &format!("{base}/api/v1/entities/air-013"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = call(
        "GET",
        &format!("{base}/api/v1/entities/air-011"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 404);

    // GeoJSON grids with one outside-the-world polygon.
    let gj = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "g1", "name": "一网格", "region": "370323001", "departments": "eco-env,urban-mgmt"},
         "geometry": {"type": "Polygon", "coordinates": [[[118.1,36.1],[118.2,36.1],[118.2,36.2],[118.1,36.1]]]}},
        {"type": "Feature", "properties": {"id": "g2", "name": "坏网格", "region": "370323001"},
         "geometry": {"type": "Polygon", "coordinates": [[[218.1,36.1],[118.2,36.1],[118.2,36.2],[218.1,36.1]]]}}]});
    let r = client()
        .post(format!("{base}/api/v1/import/grids"))
        .bearer_auth(&admin)
        .header("content-type", "application/geo+json")
        .body(gj.to_string())
        .send()
        .await
        .unwrap();
    let rep: Value = r.json().await.unwrap();
    assert_eq!(rep["imported"], 1, "{rep}");
    assert_eq!(rep["errors"][0]["row"], 2);
    let (_, g) = call("GET", &format!("{base}/api/v1/grids/g1"), &admin, None).await;
    assert_eq!(g["departments"], json!(["eco-env", "urban-mgmt"]));
}
