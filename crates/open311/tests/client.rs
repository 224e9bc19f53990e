//! The independent client: `georeport` (PyPI, Apache-2.0, not ours) lists the services,
//! reads a definition, and reads requests from bodies this crate renders, in JSON and XML.
//!
//! Needs `python3` with `georeport` (`pip install georeport==0.3.1`, or pinned with its
//! dependencies: `pip install --target DIR -r tests/client/requirements.txt`). Without it the test
//! says so and passes, unless `ZHICHENG_TEST_OPEN311_CLIENT=required`. `ZHICHENG_PYTHON`
//! names another interpreter; `ZHICHENG_OPEN311_CLIENT_PYTHONPATH` is added to `PYTHONPATH`
//! (for `pip install --target DIR`).

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use zhicheng_open311::{
    http_status, parse_requests_query, resource_format, Attribute, AttributeValue, Datatype,
    Filter, Format, Open311Error, Render, Service, ServiceDefinition, ServiceRequest, ServiceType,
    Status,
};

const JURISDICTION: &str = "zhicheng.example";
/// 2026-11-30T14:05:00+08:00: the server's "now".
const NOW: i64 = 1_796_018_700_000;
const HOUR: i64 = 3_600_000;

fn services() -> Vec<Service> {
    vec![
        Service {
            service_code: "LAMP".into(),
            service_name: "路灯不亮".into(),
            description: "Street light out & flickering".into(),
            metadata: true,
            type_: ServiceType::Realtime,
            keywords: vec!["路灯".into(), "照明".into()],
            group: "市政设施".into(),
        },
        Service {
            service_code: "ROAD".into(),
            service_name: "道路破损".into(),
            description: "Potholes <and> cracks".into(),
            metadata: false,
            type_: ServiceType::Batch,
            keywords: vec![],
            group: "道路".into(),
        },
    ]
}

fn definition() -> ServiceDefinition {
    ServiceDefinition {
        service_code: "LAMP".into(),
        attributes: vec![
            Attribute {
                variable: true,
                code: "FAULT".into(),
                datatype: Datatype::Multivaluelist,
                required: true,
                datatype_description: None,
                order: 1,
                description: "故障现象".into(),
                values: vec![
                    AttributeValue {
                        key: "dark".into(),
                        name: "不亮".into(),
                    },
                    AttributeValue {
                        key: "flicker".into(),
                        name: "闪烁".into(),
                    },
                ],
            },
            Attribute {
                variable: true,
                code: "POLE".into(),
                datatype: Datatype::String,
                required: false,
                datatype_description: Some("灯杆编号，如 P-17".into()),
                order: 2,
                description: "灯杆编号".into(),
                values: vec![],
            },
        ],
    }
}

fn requests() -> Vec<ServiceRequest> {
    vec![
        ServiceRequest {
            service_request_id: "C-2026-0042".into(),
            status: Status::Open,
            status_notes: Some("已派单 dispatched".into()),
            service_name: "路灯不亮".into(),
            service_code: "LAMP".into(),
            description: Some("中山路 8 号路灯不亮 & 闪烁 <夜间>".into()),
            agency_responsible: Some("城管局".into()),
            service_notice: None,
            requested_datetime: NOW - 2 * HOUR,
            updated_datetime: Some(NOW - HOUR),
            expected_datetime: Some(NOW + 24 * HOUR),
            address: Some("中山路 8 号".into()),
            address_id: None,
            zipcode: Some("310000".into()),
            lat: Some(30.274084),
            long: Some(120.15507),
            media_url: Some("https://media.zhicheng.example/c/42.jpg".into()),
        },
        ServiceRequest {
            service_request_id: "C-2026-0007".into(),
            status: Status::Closed,
            status_notes: None,
            service_name: "道路破损".into(),
            service_code: "ROAD".into(),
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime: NOW - 30 * 24 * HOUR,
            updated_datetime: Some(NOW - 29 * 24 * HOUR),
            expected_datetime: None,
            address: None,
            address_id: Some("A-991".into()),
            zipcode: None,
            lat: None,
            long: None,
            media_url: None,
        },
    ]
}

/// What the server saw: each request's path and query.
type Seen = Arc<Mutex<Vec<String>>>;

fn body(format: Format, status: u16, text: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(header::CONTENT_TYPE, format.content_type())],
        text,
    )
        .into_response()
}

fn errors(format: Format, errors: Vec<Open311Error>) -> Response {
    body(format, http_status(&errors), errors.render(format))
}

/// A minimal GeoReport v2 endpoint at `/open311/v2/` over the fixtures.
async fn endpoint(State(seen): State<Seen>, uri: Uri) -> Response {
    let query = uri.query().unwrap_or("");
    seen.lock().unwrap().push(format!("{}?{query}", uri.path()));
    let Some(path) = uri.path().strip_prefix("/open311/v2/") else {
        return errors(
            Format::Xml,
            vec![Open311Error::not_found("no such resource")],
        );
    };
    let (resource, format) = match resource_format(path) {
        Ok(rf) => rf,
        Err(e) => return errors(Format::Xml, vec![e]),
    };
    let jurisdiction = form_jurisdiction(query);
    if jurisdiction.as_deref() != Some(JURISDICTION) {
        let e = match jurisdiction {
            Some(j) => Open311Error::unknown_jurisdiction(&j),
            None => Open311Error::missing_jurisdiction(),
        };
        return errors(format, vec![e]);
    }
    match resource.split_once('/') {
        None if resource == "services" => body(format, 200, services().render(format)),
        Some(("services", "LAMP")) => body(format, 200, definition().render(format)),
        None if resource == "requests" => match parse_requests_query(query, NOW) {
            Ok(q) => {
                let all = requests();
                let found: Vec<ServiceRequest> = all
                    .into_iter()
                    .filter(|r| match &q.filter {
                        Filter::Ids(ids) => ids.contains(&r.service_request_id),
                        Filter::Search {
                            service_codes,
                            start_ms,
                            end_ms,
                            statuses,
                        } => {
                            (service_codes.is_empty() || service_codes.contains(&r.service_code))
                                && (statuses.is_empty() || statuses.contains(&r.status))
                                && (*start_ms..=*end_ms).contains(&r.requested_datetime)
                        }
                    })
                    .collect();
                body(format, 200, found.render(format))
            }
            Err(e) => errors(format, e),
        },
        Some(("requests", id)) => {
            let found: Vec<ServiceRequest> = requests()
                .into_iter()
                .filter(|r| r.service_request_id == id)
                .collect();
            if found.is_empty() {
                errors(
                    format,
                    vec![Open311Error::not_found(format!(
                        "request `{id}` was not found"
                    ))],
                )
            } else {
                body(format, 200, found.render(format))
            }
        }
        _ => errors(
            format,
            vec![Open311Error::not_found(format!(
                "`{resource}` was not found"
            ))],
        ),
    }
}

fn form_jurisdiction(query: &str) -> Option<String> {
    // The test server's own reading; the crate's query parser is exercised on /requests.
    query
        .split('&')
        .find_map(|p| p.strip_prefix("jurisdiction_id="))
        .map(str::to_owned)
}

/// A JSON value as the text XML would have: strings as they are, numbers and booleans written.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

enum Outcome {
    Read(Value),
    Missing(String),
}

async fn run_client(base: &str, format: Format) -> Outcome {
    let python = std::env::var("ZHICHENG_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/client/georeport_client.py"
    );
    let mut cmd = tokio::process::Command::new(&python);
    cmd.arg(script)
        .args([
            base,
            JURISDICTION,
            format.extension(),
            "LAMP",
            "C-2026-0042",
        ])
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
    let output = match tokio::time::timeout(Duration::from_secs(120), cmd.output()).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Outcome::Missing(format!("cannot run `{python}`: {e}")),
        Err(_) => panic!("the georeport client did not finish within 120 s"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        return Outcome::Missing(stderr.trim().to_owned());
    }
    assert!(
        output.status.success(),
        "the client failed ({}):\n{stderr}",
        output.status
    );
    Outcome::Read(serde_json::from_slice(&output.stdout).expect("the client prints JSON"))
}

fn check(read: &Value, format: Format) {
    let at = format!("({})", format.extension());
    assert_eq!(read["client"], "georeport");

    let services = read["services"].as_array().expect("services");
    assert_eq!(services.len(), 2, "{at} {services:?}");
    let lamp = &services[0];
    assert_eq!(text(&lamp["service_code"]), "LAMP", "{at}");
    assert_eq!(text(&lamp["service_name"]), "路灯不亮", "{at}");
    assert_eq!(
        text(&lamp["description"]),
        "Street light out & flickering",
        "{at}"
    );
    assert_eq!(text(&lamp["metadata"]), "true", "{at}");
    assert_eq!(text(&lamp["type"]), "realtime", "{at}");
    assert_eq!(text(&lamp["keywords"]), "路灯, 照明", "{at}");
    assert_eq!(text(&lamp["group"]), "市政设施", "{at}");
    assert_eq!(text(&services[1]["service_code"]), "ROAD", "{at}");
    assert_eq!(
        text(&services[1]["description"]),
        "Potholes <and> cracks",
        "{at}"
    );
    assert_eq!(text(&services[1]["metadata"]), "false", "{at}");
    assert_eq!(text(&services[1]["type"]), "batch", "{at}");

    let def = &read["definition"];
    assert_eq!(text(&def["service_code"]), "LAMP", "{at}");
    let attrs = def["attributes"].as_array().expect("attributes");
    assert_eq!(attrs.len(), 2, "{at}");
    assert_eq!(text(&attrs[0]["code"]), "FAULT", "{at}");
    assert_eq!(text(&attrs[0]["datatype"]), "multivaluelist", "{at}");
    assert_eq!(text(&attrs[0]["required"]), "true", "{at}");
    assert_eq!(text(&attrs[0]["order"]), "1", "{at}");
    let values = attrs[0]["values"].as_array().expect("values");
    assert_eq!(values.len(), 2, "{at}");
    assert_eq!(
        (text(&values[1]["key"]), text(&values[1]["name"])),
        ("flicker".into(), "闪烁".into())
    );
    assert_eq!(
        text(&attrs[1]["datatype_description"]),
        "灯杆编号，如 P-17",
        "{at}"
    );

    let list = read["requests"].as_array().expect("requests");
    let ids: Vec<String> = list
        .iter()
        .map(|r| text(&r["service_request_id"]))
        .collect();
    assert_eq!(ids, ["C-2026-0042", "C-2026-0007"], "{at}");
    let by_code = read["by_code"].as_array().expect("by_code");
    assert_eq!(by_code.len(), 1, "{at}");
    assert_eq!(
        text(&by_code[0]["service_request_id"]),
        "C-2026-0042",
        "{at}"
    );
    let closed = &list[1];
    assert_eq!(text(&closed["status"]), "closed", "{at}");
    assert_eq!(
        text(&closed["updated_datetime"]),
        "2026-11-01T14:05:00+08:00",
        "{at}"
    );
    assert_eq!(text(&closed["address_id"]), "A-991", "{at}");
    assert!(
        closed.get("lat").is_none() && closed.get("description").is_none(),
        "{at}"
    );

    let one = &read["request"];
    for (field, want) in [
        ("service_request_id", "C-2026-0042"),
        ("status", "open"),
        ("status_notes", "已派单 dispatched"),
        ("service_name", "路灯不亮"),
        ("service_code", "LAMP"),
        ("description", "中山路 8 号路灯不亮 & 闪烁 <夜间>"),
        ("agency_responsible", "城管局"),
        ("requested_datetime", "2026-11-30T12:05:00+08:00"),
        ("updated_datetime", "2026-11-30T13:05:00+08:00"),
        ("expected_datetime", "2026-12-01T14:05:00+08:00"),
        ("address", "中山路 8 号"),
        ("zipcode", "310000"),
        ("lat", "30.274084"),
        ("long", "120.15507"),
        ("media_url", "https://media.zhicheng.example/c/42.jpg"),
    ] {
        assert_eq!(text(&one[field]), want, "{at} field {field}");
    }
    assert!(one.get("service_notice").is_none(), "{at}");
}

#[tokio::test]
async fn georeport_client_lists_services_and_reads_requests() {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(endpoint).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/open311/v2");

    for format in [Format::Json, Format::Xml] {
        match run_client(&base, format).await {
            Outcome::Read(read) => check(&read, format),
            Outcome::Missing(why) => {
                let required =
                    std::env::var("ZHICHENG_TEST_OPEN311_CLIENT").is_ok_and(|v| v == "required");
                assert!(
                    !required,
                    "ZHICHENG_TEST_OPEN311_CLIENT=required and the client is missing: {why}"
                );
                eprintln!(
                    "SKIPPED: the independent Open311 client is not installed ({why}); \
                     install it with `pip install georeport==0.3.1`"
                );
                server.abort();
                return;
            }
        }
    }
    server.abort();

    // The client asked in both formats, always with our jurisdiction.
    let seen = seen.lock().unwrap();
    for fmt in ["json", "xml"] {
        for path in [
            format!("/open311/v2/services.{fmt}?jurisdiction_id={JURISDICTION}"),
            format!("/open311/v2/services/LAMP.{fmt}?jurisdiction_id={JURISDICTION}"),
            format!("/open311/v2/requests/C-2026-0042.{fmt}?jurisdiction_id={JURISDICTION}"),
        ] {
            assert!(seen.contains(&path), "{path} not in {seen:?}");
        }
    }
}
