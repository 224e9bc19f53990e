//! Open311 GeoReport v2 (issue 6) against the real binary: a citizen's app files a request
//! with an API key, the county handles the case, and an independent Open311 client (the
//! `georeport` package from PyPI, not written by us) lists the services and reads the requests
//! in JSON and XML.
//!
//! The client is installed by `.ci/run` (pinned in `crates/open311/tests/client/
//! requirements.txt`); without it the client part says it skips, unless
//! `ZHICHENG_TEST_OPEN311_CLIENT=required`.

#[macro_use]
mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

both_backends!(citizens_file_requests_and_an_independent_client_reads_them);

const KEY: &str = "yiyuan-app-key-0123456789";

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

async fn form(url: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let body: String = form_body(fields);
    let r = client()
        .post(url)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (st, ct, r.text().await.unwrap())
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn get(url: &str) -> (u16, String, String) {
    let r = client().get(url).send().await.unwrap();
    let st = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (st, ct, r.text().await.unwrap())
}

/// Runs the independent client; `None` when it is not installed (and not required).
async fn georeport(base: &str, format: &str, service: &str, id: &str) -> Option<Value> {
    let python = std::env::var("ZHICHENG_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../open311/tests/client/georeport_client.py"
    );
    let mut cmd = tokio::process::Command::new(&python);
    cmd.arg(script)
        .args([base, "370323", format, service, id])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Ok(extra) = std::env::var("ZHICHENG_OPEN311_CLIENT_PYTHONPATH") {
        let path = match std::env::var("PYTHONPATH") {
            Ok(p) if !p.is_empty() => format!("{extra}:{p}"),
            _ => extra,
        };
        cmd.env("PYTHONPATH", path);
    }
    // A deadline so a hung client fails the test instead of hanging CI; not a timing check.
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("the client finishes within 120 s");
    let missing = match &out {
        Ok(o) if o.status.code() == Some(3) => {
            Some(String::from_utf8_lossy(&o.stderr).into_owned())
        }
        Ok(_) => None,
        Err(e) => Some(format!("cannot run {python}: {e}")),
    };
    if let Some(why) = missing {
        let required = std::env::var("ZHICHENG_TEST_OPEN311_CLIENT").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "the independent Open311 client is required and missing: {why}"
        );
        eprintln!("SKIPPED the independent client: {why} (pip install -r crates/open311/tests/client/requirements.txt)");
        return None;
    }
    let o = out.unwrap();
    assert!(
        o.status.success(),
        "the client failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(serde_json::from_slice(&o.stdout).expect("the client prints JSON"))
}

/// A value the client read: XML gives text, JSON gives typed values.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn citizens_file_requests_and_an_independent_client_reads_them(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    let keys = dir.path().join("open311-keys");
    std::fs::write(&keys, format!("# the county's app\nyiyuan-app {KEY}\n")).unwrap();
    let routing = dir.path().join("routing.json");
    std::fs::write(
        &routing,
        r#"{"command_center": "bigdata", "entries": [{"category": "E05", "department": "urban-mgmt", "level": "county"}]}"#,
    )
    .unwrap();
    let srv = start(
        dir.path(),
        &db.url,
        &format!(
            "[open311]\napi_keys_file = {:?}\n[cases]\nrouting_file = {:?}\n",
            keys.display().to_string(),
            routing.display().to_string()
        ),
    );
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let o311 = format!("{base}/open311/v2");
    let admin = login(base, "admin", ADMIN_PASSWORD).await;
    post(
        &api,
        &admin,
        "regions",
        json!({"code": "370323", "name": "沂源县", "geometry": square(118.0, 36.0, 0.5)}),
    )
    .await;
    for (id, name) in [
        ("bigdata", "县大数据中心"),
        ("urban-mgmt", "县综合行政执法局"),
    ] {
        post(&api, &admin, "departments", json!({"id": id, "name": name})).await;
    }
    post(&api, &admin, "users", json!({"username": "urb1", "role": "department", "department": "urban-mgmt", "password": "urb1-password"})).await;
    let urb = login(base, "urb1", "urb1-password").await;

    // Discovery and services, both formats.
    let (st, ct, d) = get(&format!("{o311}/discovery.json")).await;
    assert_eq!(
        (st, ct.as_str()),
        (200, "application/json; charset=utf-8"),
        "{d}"
    );
    let d: Value = serde_json::from_str(&d).unwrap();
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let (st, _, s) = get(&format!("{o311}/services.json")).await;
    assert_eq!(st, 200);
    let services: Value = serde_json::from_str(&s).unwrap();
    let stall = services
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["service_code"] == "E05-02")
        .expect("占道经营 is a service");
    assert_eq!(stall["service_name"], "占道经营");
    assert_eq!(stall["group"], "街面秩序");
    assert_eq!(stall["type"], "realtime");
    assert!(
        !services
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["service_code"] == "E05"),
        "classes with sub-classes are groups, not services"
    );
    let (st, ct, x) = get(&format!("{o311}/services.xml")).await;
    assert_eq!(st, 200);
    assert!(ct.starts_with("text/xml"), "{ct}");
    assert!(x.starts_with("<?xml") && x.contains("<service_code>E05-02</service_code>"));
    let (st, _, e) = get(&format!("{o311}/services.json?jurisdiction_id=110101")).await;
    assert_eq!(st, 404, "{e}");
    let (st, _, _) = get(&format!("{o311}/services.yaml")).await;
    assert_eq!(st, 404);

    // Filing: refused without a key, with a wrong key, for an unknown service, without a place.
    let good = [
        ("api_key", KEY),
        ("service_code", "E05-02"),
        ("lat", "36.18"),
        ("long", "118.17"),
        ("address_string", "沂源县城振兴路与城关路路口"),
        ("description", "路口有人占道摆摊，行人只能走机动车道"),
        ("first_name", "李"),
        ("last_name", "四"),
        ("phone", "13812345678"),
    ];
    let without = |name: &str| -> Vec<(&str, &str)> {
        good.iter().copied().filter(|(k, _)| *k != name).collect()
    };
    let (st, _, e) = form(&format!("{o311}/requests.json"), &without("api_key")).await;
    assert_eq!(st, 403, "{e}");
    let e: Value = serde_json::from_str(&e).unwrap();
    assert_eq!(e[0]["code"], 403);
    let mut wrong = without("api_key");
    wrong.push(("api_key", "not-the-key-0000000000"));
    let (st, _, _) = form(&format!("{o311}/requests.json"), &wrong).await;
    assert_eq!(st, 403);
    let mut unknown = without("service_code");
    unknown.push(("service_code", "NOPE"));
    let (st, _, e) = form(&format!("{o311}/requests.xml"), &unknown).await;
    assert_eq!(st, 400, "{e}");
    assert!(
        e.contains("<errors>") && e.contains("<code>400</code>"),
        "{e}"
    );
    let nowhere: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| !["lat", "long", "address_string"].contains(k))
        .collect();
    let (st, _, _) = form(&format!("{o311}/requests.json"), &nowhere).await;
    assert_eq!(st, 400);

    let (st, _, r) = form(&format!("{o311}/requests.json"), &good).await;
    assert_eq!(st, 200, "{r}");
    let r: Value = serde_json::from_str(&r).unwrap();
    let id = r[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(
        r[0].get("token").is_none_or(Value::is_null),
        "realtime: an id, no token"
    );

    // The case: from a citizen, reporter kept (masked for the department), waiting for the
    // command center.
    let (st, c) = call("GET", &format!("{api}/cases/{id}"), &admin, None).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["source"], "open311");
    assert_eq!(c["status"], "reported");
    assert_eq!(c["reporter_name"], "李 四");
    assert_eq!(c["reporter_phone"], "13812345678");
    assert_eq!(c["region"], "370323");

    // Open while reported; then the county handles it and it reads as closed.
    let (st, _, one) = get(&format!("{o311}/requests/{id}.json")).await;
    assert_eq!(st, 200);
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["status_notes"], "已上报");
    assert!(
        one[0].get("phone").is_none() && !one.to_string().contains("13812345678"),
        "no reporter in Open311"
    );
    for (token, body) in [
        (&admin, json!({"action": "register"})),
        (&admin, json!({"action": "dispatch", "department": ""})),
        (&urb, json!({"action": "accept"})),
        (&urb, json!({"action": "feedback", "note": "已清理"})),
        (&admin, json!({"action": "verify", "passed": true})),
        (&admin, json!({"action": "close"})),
    ] {
        let (st, b) = call(
            "POST",
            &format!("{api}/cases/{id}/actions"),
            token,
            Some(body),
        )
        .await;
        assert_eq!(st, 200, "{b}");
    }
    let (_, _, one) = get(&format!("{o311}/requests/{id}.json")).await;
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one[0]["status"], "closed", "{one}");
    assert_eq!(one[0]["agency_responsible"], "县综合行政执法局");
    assert_eq!(one[0]["status_notes"], "已结案");
    let (st, _, e) = get(&format!("{o311}/requests/AJ000.json")).await;
    assert_eq!(st, 404, "{e}");
    // A hotline matter (a 举报) is never public.
    let (st, h) = call(
        "POST",
        &format!("{api}/cases"),
        &admin,
        Some(json!({"category": "H04", "description": "举报某单位违规排污", "reporter_name": "王五"})),
    )
    .await;
    assert_eq!(st, 201, "{h}");
    let (st, _, e) = get(&format!(
        "{o311}/requests/{}.json",
        h["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(st, 404, "{e}");
    let (st, _, e) = get(&format!("{o311}/tokens/abc.json")).await;
    assert_eq!(st, 404, "{e}");
    // A second, open request, and the list filters.
    let (st, _, r2) = form(&format!("{o311}/requests.json"), &good).await;
    assert_eq!(st, 200);
    let id2 = serde_json::from_str::<Value>(&r2).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, l) = get(&format!("{o311}/requests.json?status=closed")).await;
    let l: Value = serde_json::from_str(&l).unwrap();
    assert_eq!(
        l.as_array()
            .unwrap()
            .iter()
            .map(|x| x["service_request_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [id.as_str()]
    );
    let (_, _, l) = get(&format!(
        "{o311}/requests.json?service_request_id={id2},{id}"
    ))
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&l)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (_, _, l) = get(&format!("{o311}/requests.json?page=2&page_size=1")).await;
    let l: Value = serde_json::from_str(&l).unwrap();
    assert_eq!(l.as_array().unwrap().len(), 1);
    assert_eq!(
        l[0]["service_request_id"],
        id.as_str(),
        "newest first: page 2 holds the older"
    );
    let (st, _, _) = get(&format!(
        "{o311}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"
    ))
    .await;
    assert_eq!(st, 400, "more than 90 days");

    // The independent client, in both formats.
    for format in ["json", "xml"] {
        let Some(read) = georeport(&o311, format, "E05-02", &id).await else {
            return;
        };
        assert_eq!(read["client"], "georeport");
        let services = read["services"].as_array().unwrap();
        let s = services
            .iter()
            .find(|x| text(&x["service_code"]) == "E05-02")
            .unwrap_or_else(|| panic!("({format}) no E05-02 in {services:?}"));
        assert_eq!(text(&s["service_name"]), "占道经营", "({format})");
        let reqs = read["requests"].as_array().unwrap();
        assert_eq!(reqs.len(), 2, "({format}) {reqs:?}");
        let by_code = read["by_code"].as_array().unwrap();
        assert_eq!(by_code.len(), 2, "({format})");
        let one = &read["request"];
        let one = if one.is_array() { &one[0] } else { one };
        let one = one.get("request").unwrap_or(one);
        let one = if one.is_array() { &one[0] } else { one };
        assert_eq!(text(&one["service_request_id"]), id, "({format}) {one}");
        assert_eq!(text(&one["status"]), "closed", "({format})");
        assert_eq!(
            text(&one["agency_responsible"]),
            "县综合行政执法局",
            "({format})"
        );
        assert_eq!(
            text(&one["description"]),
            "路口有人占道摆摊，行人只能走机动车道",
            "({format})"
        );
        assert!(
            text(&one["requested_datetime"]).ends_with("+08:00"),
            "({format}) {one}"
        );
        assert_eq!(
            text(&one["lat"]).parse::<f64>().unwrap(),
            36.18,
            "({format})"
        );
    }
    let m = metrics_text(base).await;
    let errors: f64 = m
        .lines()
        .find(|l| l.starts_with("zhicheng_open311_errors_total"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap();
    assert!(errors >= 9.0, "every refused request is counted: {errors}");
}
