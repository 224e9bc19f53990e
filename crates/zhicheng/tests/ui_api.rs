//! The UI's read models over HTTP against the real binary, on SQLite and on PostgreSQL:
//! `ui/config`, `map/entities`, `overview`, `map/heat`, `series`, and the embedded UI files.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};
use zhicheng_model::time_util::now_ms;

both_backends!(command_center_read_models);

fn row<'a>(items: &'a Value, id: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == id)
        .unwrap_or_else(|| panic!("{id} not in {items}"))
}

async fn command_center_read_models(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_small(base, &admin).await;
    let env1 = login(base, "env1", "env1-password").await;

    // Signed out: refused.
    let (st, _) = call("GET", &format!("{api}/map/entities"), "nope", None).await;
    assert_eq!(st, 401);

    // The county and the (unconfigured) tile source.
    let (st, cfg) = call("GET", &format!("{api}/ui/config"), &admin, None).await;
    assert_eq!(st, 200, "{cfg}");
    assert_eq!(cfg["county"]["code"], "370323");
    assert_eq!(cfg["county"]["name"], "沂源县");
    assert_eq!(cfg["map"]["tiles"], Value::Null);
    assert_eq!(cfg["offline_after_ms"], 900_000);

    // Before any reading both stations are silent.
    let (st, m) = call("GET", &format!("{api}/map/entities"), &admin, None).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["fields"][7], "status");
    assert_eq!(m["items"].as_array().unwrap().len(), 2);
    let r = row(&m["items"], "air-001");
    assert_eq!(r[1], "air_station");
    assert_eq!(r[2], "南麻站");
    assert_eq!((r[5].as_f64(), r[6].as_f64()), (Some(118.17), Some(36.18)));
    assert_eq!(r[7], "silent");
    assert_eq!(r[8], Value::Null);

    // air-001 reports now, air-002 reported two hours ago.
    let now = now_ms();
    for (entity, ts, v) in [
        ("air-001", now - 1_000, 30.0),
        ("air-001", now - 500, 50.0),
        ("air-002", now - 7_200_000, 80.0),
    ] {
        let tok = device_token(base, &admin, entity).await;
        let r = client()
            .post(format!("{api}/ingest"))
            .bearer_auth(&tok)
            .json(
                &json!({"readings": [{"entity": entity, "metric": "pm25", "ts": ts, "value": v}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let (_, m) = call("GET", &format!("{api}/map/entities"), &admin, None).await;
    let a1 = row(&m["items"], "air-001");
    assert_eq!(a1[7], "online");
    assert_eq!(a1[8].as_i64(), Some(now - 500));
    assert_eq!(row(&m["items"], "air-002")[7], "offline");
    // Kind filter.
    let (_, m) = call(
        "GET",
        &format!("{api}/map/entities?kind=streetlight"),
        &admin,
        None,
    )
    .await;
    assert_eq!(m["items"].as_array().unwrap().len(), 0);

    // A department user sees its own station only, everywhere.
    let (_, m) = call("GET", &format!("{api}/map/entities"), &env1, None).await;
    let ids: Vec<&str> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["air-001"]);
    let (_, o) = call("GET", &format!("{api}/overview"), &env1, None).await;
    assert_eq!(o["totals"]["total"], 1);
    assert_eq!(o["totals"]["online"], 1);

    // The KPIs.
    let (st, o) = call("GET", &format!("{api}/overview"), &admin, None).await;
    assert_eq!(st, 200, "{o}");
    assert_eq!(
        o["totals"],
        json!({"total": 2, "online": 1, "offline": 1, "silent": 0, "inactive": 0})
    );
    assert_eq!(o["kinds"][0]["kind"], "air_station");
    assert_eq!(o["kinds"][0]["name"], "空气质量监测站");
    assert_eq!(o["kinds"][0]["online"], 1);
    assert!(
        o["readings_last_minute"].as_u64().unwrap() >= 3,
        "{}",
        o["readings_last_minute"]
    );
    let per_min = o["readings_per_minute"].as_array().unwrap();
    assert_eq!(per_min.len(), 60);
    let counted: u64 = per_min.iter().map(|p| p[1].as_u64().unwrap()).sum();
    assert!(counted >= 3);
    assert_eq!(o["freshness"]["latest_ts"].as_i64(), Some(now - 500));
    assert!(o["freshness"]["p90_age_ms"].as_i64().unwrap() >= 7_200_000);
    assert_eq!(o["slots"]["alarms"]["active"], 0, "{}", o["slots"]);
    assert_eq!(o["slots"]["alarms"]["by_severity"]["critical"], 0);
    assert_eq!(
        o["slots"]["cases"],
        serde_json::json!({"open": 0, "overdue": 0})
    );
    assert_eq!(o["slots"]["aqi"], Value::Null, "not built yet");

    // Heat: entity density, then the fresh pm25 values only.
    let (st, h) = call("GET", &format!("{api}/map/heat?res=7"), &admin, None).await;
    assert_eq!(st, 200, "{h}");
    let cells = h["cells"].as_array().unwrap();
    let total: u64 = cells.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 2);
    assert!(cells
        .iter()
        .all(|c| c["boundary"].as_array().unwrap().len() >= 7));
    let (_, h) = call(
        "GET",
        &format!("{api}/map/heat?res=9&metric=pm25"),
        &admin,
        None,
    )
    .await;
    let cells = h["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{h}");
    assert_eq!(cells[0]["value"], 50.0);
    let (st, e) = call("GET", &format!("{api}/map/heat?res=3"), &admin, None).await;
    assert_eq!(st, 422, "{e}");

    // One metric over the kind: the minute buckets of the last ten minutes hold air-001's two
    // readings (air-002's is older).
    let from = now - 600_000;
    let (st, s) = call(
        "GET",
        &format!("{api}/series?kind=air_station&metric=pm25&step=1m&from={from}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{s}");
    assert_eq!(s["entities"], 2);
    let n: i64 = s["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[4].as_i64().unwrap())
        .sum();
    assert_eq!(n, 2, "{s}");
    let sum: f64 = s["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap() * p[4].as_f64().unwrap())
        .sum();
    assert!((sum - 80.0).abs() < 1e-9, "{s}");
    let (_, s) = call(
        "GET",
        &format!(
            "{api}/series?kind=air_station&metric=pm25&step=1h&from={}",
            now - 86_400_000
        ),
        &env1,
        None,
    )
    .await;
    assert_eq!(s["entities"], 1);
    let (st, _) = call(
        "GET",
        &format!("{api}/series?kind=air_station&metric=nox"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 404);
    let (st, _) = call(
        "GET",
        &format!("{api}/series?kind=air_station&metric=pm25&step=2m"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn embedded_ui_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).unwrap();
    let srv = start(dir.path(), &db.url, "");
    let c = client();
    let r = c.get(format!("{}/", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("/assets/app.js") && html.contains("智城"));

    let r = c
        .get(format!("{}/assets/app.js", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(r.bytes().await.unwrap().len() > 10_000);
    let r = c
        .get(format!("{}/assets/app.js", srv.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = c
        .get(format!("{}/assets/app.css", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(".leaflet-"));
    for missing in ["nope.js", "index.html", "..%2fCargo.toml"] {
        let r = c
            .get(format!("{}/assets/{missing}", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{missing}");
    }
}
