//! Open311 GeoReport v2 at `/open311/v2/`, mapped onto cases (the wire format is the
//! `zhicheng-open311` crate's).
//!
//! - `discovery.{json|xml}`; `services.{fmt}`: the case categories a citizen may report (the
//!   leaves of the component, event and environment classes; `service_code` is the category
//!   code, `group` its parent's name); `services/{code}.{fmt}`: its definition (no attributes).
//! - `POST requests.{fmt}` (form-urlencoded, `api_key` required): a case from a citizen
//!   (source `open311`, reporter = `first_name last_name`, `phone`), located by `lat`/`long`;
//!   answered at once with its `service_request_id` (type `realtime`, so no tokens are issued
//!   and `tokens/{token}` is 404).
//! - `GET requests.{fmt}` (`service_request_id`, `service_code`, `start_date`, `end_date`,
//!   `status`, and `page`/`page_size` as an extension) and `GET requests/{id}.{fmt}`: status
//!   `open` or `closed` (closed, rejected or merged), the Chinese status name in `status_notes`,
//!   the assigned department in `agency_responsible`, the handle deadline as
//!   `expected_datetime`. Only cases of the public services are shown (never a 12345 hotline
//!   matter such as a 举报); the reporter is never shown.
//! - `jurisdiction_id`, when given, must be the county's region code (404 otherwise).
//! - Errors in the spec's format (`<errors><error><code/><description/></error></errors>` or
//!   the JSON array), with 400, 403 (missing or unknown `api_key`) or 404; a malformed request
//!   is counted in `zhicheng_open311_errors_total`.
//!
//! API keys are the `[open311] api_keys_file` (one `client-name key` per line), compared in
//! constant time; a deployment without keys refuses every POST.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use zhicheng_engine::cases::{CaseFilter, CaseInput, CaseView};
use zhicheng_model::time_util::now_ms;
use zhicheng_open311::{
    parse_post, parse_requests_query, resource_format, Discovery, EndpointType, Filter, Format,
    Open311Error, PostResponse, Receipt, Render, Service, ServiceDefinition, ServiceRequest,
    ServiceType, Status,
};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(post_request))
        .route("/open311/v2/services/{file}", get(definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

fn answer(format: Format, status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        body,
    )
        .into_response()
}

fn errors(s: &AppState, format: Format, list: Vec<Open311Error>) -> Response {
    s.engine.metrics().open311_error();
    let status = StatusCode::from_u16(zhicheng_open311::http_status(&list))
        .unwrap_or(StatusCode::BAD_REQUEST);
    answer(format, status, list.render(format))
}

fn engine_error(s: &AppState, format: Format, e: zhicheng_engine::Error) -> Response {
    let err = match &e {
        zhicheng_engine::Error::NotFound(m) => Open311Error::not_found(m.clone()),
        zhicheng_engine::Error::Forbidden(m) => Open311Error::forbidden(m.clone()),
        other => Open311Error::bad_request(other.to_string()),
    };
    errors(s, format, vec![err])
}

/// Who reads cases for Open311: every case, the reporter masked and never shown anyway.
fn reader() -> zhicheng_model::Actor {
    zhicheng_model::Actor {
        username: "open311".into(),
        role: zhicheng_model::Role::Viewer,
        department: None,
    }
}

/// The format of a `<name>.<fmt>` path segment, or the spec's 404.
fn split(file: &str) -> Result<(&str, Format), Open311Error> {
    resource_format(file)
}

/// The county's region code (the shortest code of the registry).
async fn jurisdiction(s: &AppState) -> Option<String> {
    s.engine
        .regions()
        .await
        .ok()?
        .into_iter()
        .map(|r| r.code)
        .min_by_key(|c| c.len())
}

async fn check_jurisdiction(s: &AppState, given: Option<&str>) -> Result<(), Open311Error> {
    match given {
        None | Some("") => Ok(()),
        Some(j) => match jurisdiction(s).await {
            Some(ours) if ours == j => Ok(()),
            _ => Err(Open311Error::unknown_jurisdiction(j)),
        },
    }
}

fn jurisdiction_param(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "jurisdiction_id")
        .map(|(_, v)| v.into_owned())
}

fn services(s: &AppState) -> Vec<Service> {
    let cats = s.engine.case_categories();
    let name_of = |code: &str| {
        cats.iter()
            .find(|c| c.code == code)
            .map(|c| c.name_zh.clone())
            .unwrap_or_default()
    };
    cats.iter()
        .filter(|c| {
            !matches!(c.group, zhicheng_cases::CategoryGroup::Hotline)
                && !cats
                    .iter()
                    .any(|x| x.parent.as_deref() == Some(c.code.as_str()))
        })
        .map(|c| Service {
            service_code: c.code.clone(),
            service_name: c.name_zh.clone(),
            description: c.name_en.clone(),
            metadata: false,
            type_: ServiceType::Realtime,
            keywords: vec![c.name_en.clone()],
            group: c.parent.as_deref().map(name_of).unwrap_or_default(),
        })
        .collect()
}

async fn top(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (name, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return errors(&s, Format::Xml, vec![e]),
    };
    if let Err(e) = check_jurisdiction(&s, jurisdiction_param(query.as_deref()).as_deref()).await {
        return errors(&s, format, vec![e]);
    }
    match name {
        "discovery" => {
            let base = s
                .cfg
                .public_url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned();
            let d = Discovery::new(
                0,
                "12345 政务服务便民热线",
                "api_key: ask the county big-data center",
            )
            .georeport_v2(format!("{base}/open311/v2"), EndpointType::Production);
            answer(format, StatusCode::OK, d.render(format))
        }
        "services" => answer(format, StatusCode::OK, services(&s).render(format)),
        "requests" => list_requests(&s, format, query.as_deref()).await,
        other => errors(
            &s,
            format,
            vec![Open311Error::not_found(format!("no resource {other}"))],
        ),
    }
}

async fn definition(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (code, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return errors(&s, Format::Xml, vec![e]),
    };
    if let Err(e) = check_jurisdiction(&s, jurisdiction_param(query.as_deref()).as_deref()).await {
        return errors(&s, format, vec![e]);
    }
    if !services(&s).iter().any(|x| x.service_code == code) {
        return errors(
            &s,
            format,
            vec![Open311Error::not_found(format!("no service {code}"))],
        );
    }
    let d = ServiceDefinition {
        service_code: code.to_owned(),
        attributes: Vec::new(),
    };
    answer(format, StatusCode::OK, d.render(format))
}

fn record(c: &CaseView, agency: Option<String>) -> ServiceRequest {
    let st = &c.state;
    ServiceRequest {
        service_request_id: st.id.clone(),
        status: if st.status.is_open() {
            Status::Open
        } else {
            Status::Closed
        },
        status_notes: Some(st.status.name_zh().to_owned()),
        service_name: c
            .category_name
            .as_ref()
            .map(|n| n.0.clone())
            .unwrap_or_default(),
        service_code: st.category.clone(),
        description: Some(c.description.clone()),
        agency_responsible: agency,
        service_notice: None,
        requested_datetime: st.created_ms,
        updated_datetime: Some(st.closed_ms.unwrap_or(st.updated_ms)),
        expected_datetime: st.deadlines.handle_ms,
        address: c.address.clone(),
        address_id: None,
        zipcode: None,
        lat: st.lat,
        long: st.lon,
        media_url: None,
    }
}

async fn records(s: &AppState, cases: Vec<CaseView>) -> Vec<ServiceRequest> {
    let deps = s.engine.departments().await.unwrap_or_default();
    cases
        .iter()
        .map(|c| {
            let agency = c.state.department.as_ref().map(|d| {
                deps.iter()
                    .find(|x| &x.id == d)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| d.clone())
            });
            record(c, agency)
        })
        .collect()
}

async fn list_requests(s: &AppState, format: Format, query: Option<&str>) -> Response {
    let q = match parse_requests_query(query.unwrap_or(""), now_ms()) {
        Ok(q) => q,
        Err(e) => return errors(s, format, e),
    };
    let sys = reader();
    let cases: Vec<CaseView> = match &q.filter {
        Filter::Ids(ids) => {
            let mut out = Vec::new();
            for id in ids {
                if let Ok(d) = s.engine.case(&sys, id).await {
                    out.push(d.case);
                }
            }
            out
        }
        Filter::Search {
            service_codes,
            start_ms,
            end_ms,
            statuses,
        } => {
            let open = match statuses.as_slice() {
                [Status::Open] => Some(true),
                [Status::Closed] => Some(false),
                _ => None,
            };
            let mut all = match s
                .engine
                .cases(
                    &sys,
                    CaseFilter {
                        open,
                        from: Some(*start_ms),
                        to: Some(end_ms.saturating_add(1)),
                        limit: Some(1000),
                        ..CaseFilter::default()
                    },
                )
                .await
            {
                Ok(c) => c,
                Err(e) => return engine_error(s, format, e),
            };
            if !service_codes.is_empty() {
                all.retain(|c| service_codes.contains(&c.state.category));
            }
            all
        }
    };
    // Only cases of the public services: hotline matters (举报 above all) are never listed.
    let public = services(s);
    let page: Vec<CaseView> = cases
        .into_iter()
        .filter(|c| public.iter().any(|x| x.service_code == c.state.category))
        .skip(usize::try_from(q.offset()).unwrap_or(usize::MAX))
        .take(q.page_size as usize)
        .collect();
    answer(
        format,
        StatusCode::OK,
        records(s, page).await.render(format),
    )
}

async fn one_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (id, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return errors(&s, Format::Xml, vec![e]),
    };
    if let Err(e) = check_jurisdiction(&s, jurisdiction_param(query.as_deref()).as_deref()).await {
        return errors(&s, format, vec![e]);
    }
    match s.engine.case(&reader(), id).await {
        Ok(d)
            if services(&s)
                .iter()
                .any(|x| x.service_code == d.case.state.category) =>
        {
            answer(
                format,
                StatusCode::OK,
                records(&s, vec![d.case]).await.render(format),
            )
        }
        Ok(_) => errors(
            &s,
            format,
            vec![Open311Error::not_found(format!("no request {id}"))],
        ),
        Err(e) => engine_error(&s, format, e),
    }
}

async fn token(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let format = split(&file).map(|x| x.1).unwrap_or(Format::Xml);
    // Requests are answered at once with their id (type realtime): no token is ever issued.
    errors(
        &s,
        format,
        vec![Open311Error::not_found(
            "no such token: requests here are realtime",
        )],
    )
}

/// The client whose key `given` is (every key compared in full: no early exit on a match).
fn key_ok(keys: &[(String, String)], given: &str) -> Option<String> {
    let mut found = None;
    for (name, k) in keys {
        let same = k.len() == given.len()
            && k.bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0;
        if same && found.is_none() {
            found = Some(name.clone());
        }
    }
    found.filter(|_| !given.is_empty())
}

async fn post_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (name, format) = match split(&file) {
        Ok(x) => x,
        Err(e) => return errors(&s, Format::Xml, vec![e]),
    };
    if name != "requests" {
        return errors(
            &s,
            format,
            vec![Open311Error::not_found(format!(
                "no resource {name} to POST to"
            ))],
        );
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let req = match parse_post(&body, ct) {
        Ok(r) => r,
        Err(e) => return errors(&s, format, e),
    };
    let Some(client) = key_ok(&s.cfg.open311_keys, &req.api_key) else {
        return errors(
            &s,
            format,
            vec![if req.api_key.is_empty() {
                Open311Error::missing_api_key()
            } else {
                Open311Error::invalid_api_key()
            }],
        );
    };
    if let Err(e) = check_jurisdiction(&s, req.jurisdiction_id.as_deref()).await {
        return errors(&s, format, vec![e]);
    }
    if !services(&s)
        .iter()
        .any(|x| x.service_code == req.service_code)
    {
        return errors(
            &s,
            format,
            vec![Open311Error::bad_request(format!(
                "service_code {} is not a service here",
                req.service_code
            ))],
        );
    }
    let (lat, lon) = match req.location.lat_long {
        Some((lat, lon)) => (Some(lat), Some(lon)),
        None => (None, None),
    };
    let reporter = [req.first_name.as_deref(), req.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let description = req
        .description
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| req.service_code.clone());
    let input = CaseInput {
        category: req.service_code.clone(),
        urgency: None,
        description,
        lon,
        lat,
        address: req.location.address_string.clone(),
        reporter_name: (!reporter.is_empty()).then_some(reporter),
        reporter_phone: req.phone.clone(),
        source: None,
        source_ref: Some(format!("open311:{client}")),
    };
    match s.engine.create_citizen_case(input).await {
        Ok(c) => {
            let r = [PostResponse {
                receipt: Receipt::ServiceRequestId(c.state.id.clone()),
                service_notice: Some(
                    "已受理，将按时限处置 (received; it will be handled within its time limit)"
                        .into(),
                ),
                account_id: req.account_id.clone(),
            }];
            answer(format, StatusCode::OK, r.render(format))
        }
        Err(e) => engine_error(&s, format, e),
    }
}
