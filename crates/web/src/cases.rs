//! Cases (work orders) over HTTP (see `zhicheng_engine::cases`).
//!
//! - `GET /api/v1/cases?status=a,b&open=&category=&region=&grid=&department=&source=&overdue=
//!   &from=&to=&before=&limit=`: the cases the caller may see (department users: assigned,
//!   co-assigned, or in their fused grid with their categories), newest first; reporters
//!   masked.
//! - `POST /api/v1/cases` `{category, description, lon?, lat?, address?, urgency?,
//!   reporter_name?, reporter_phone?, source?, source_ref?}` → 201 with the case (and
//!   `duplicates`: open cases of the category nearby). Admins and operators (hotline: the case
//!   is registered and routed at once), department users (grid workers: reported).
//! - `GET /api/v1/cases/{id}`: the case with `timeline`, `attachments` and the `actions` the
//!   caller may try.
//! - `POST /api/v1/cases/{id}/actions` `{"action": "dispatch", "department": …}` (the cases
//!   crate's `Action`; `dispatch` with `department: ""` follows the routing table) → the case.
//!   403 for the wrong actor, 409 for a step the status does not allow or a case that changed
//!   meanwhile, 422 for bad data.
//! - `POST /api/v1/cases/{id}/attachments?name=` (a PNG or JPEG body, ≤ 20 MiB) → 201;
//!   `GET /api/v1/cases/{id}/attachments/{aid}` the photo.
//! - `GET /api/v1/cases/stats?by=status|category|department|region|period&level=&period=day|week|month
//!   &from=&to=`: counts, on-time rate, mean handling time per group.
//! - `GET /api/v1/case-categories`, `GET /api/v1/case-routing` (`null` when none is
//!   configured); `PUT /api/v1/case-routing` `{command_center, entries: [{category, grid?,
//!   region_prefix?, department, level}]}` (admins) replaces the table: checked whole (422
//!   names what is wrong), saved to `[cases] routing_file`, in force for the next case (409
//!   when no routing file is configured).
//! - `POST /api/v1/alarms/{id}/case` `{category, urgency?}` → 201: a case from an alarm.
//! - `POST /api/v1/admin/clock` `{advance_ms}`: moves the case clock (test deployments only).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_cases::{Action, GroupBy, Period, Urgency};
use zhicheng_engine::cases::{CaseFilter, CaseInput};

use crate::api::Auth;
use crate::error::ApiError;
use crate::files::{content_type, file_response, id_of};
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list).post(create))
        .route("/api/v1/cases/stats", get(stats))
        .route("/api/v1/cases/{id}", get(one))
        .route("/api/v1/cases/{id}/actions", post(act))
        .route("/api/v1/cases/{id}/attachments", post(upload))
        .route("/api/v1/cases/{id}/attachments/{aid}", get(download))
        .route("/api/v1/case-categories", get(categories))
        .route("/api/v1/case-routing", get(routing).put(put_routing))
        .route("/api/v1/alarms/{id}/case", post(from_alarm))
        .route("/api/v1/admin/clock", post(clock))
}

type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;
type JsonResult<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<CaseFilter>,
) -> Result<Response, ApiError> {
    let Query(f) = q?;
    Ok(Json(s.engine.cases(&a, f).await?).into_response())
}

async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonResult<CaseInput>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let c = s.engine.create_case(&a, input).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

async fn one(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.engine.case(&a, &id).await?).into_response())
}

async fn act(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonResult<Action>,
) -> Result<Response, ApiError> {
    let Json(action) = body?;
    Ok(Json(s.engine.case_action(&a, &id, action).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    name: Option<String>,
}

async fn upload(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    q: QueryResult<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let f = s
        .engine
        .add_case_attachment(
            &a,
            &id,
            q.name.as_deref().unwrap_or(""),
            content_type(&headers),
            &body,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

async fn download(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let aid = id_of(&aid, "attachment")?;
    let (rec, bytes) = s.engine.case_attachment(&a, &id, aid).await?;
    Ok(file_response(aid, &rec.file_name, &rec.content_type, bytes))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    by: String,
    level: Option<usize>,
    period: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
}

async fn stats(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<StatsQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let by = match q.by.as_str() {
        "status" => GroupBy::Status,
        "category" => GroupBy::Category(q.level.unwrap_or(1).clamp(1, 4)),
        "department" => GroupBy::Department,
        "region" => GroupBy::Region(q.level.unwrap_or(9).clamp(2, 12)),
        "period" => GroupBy::Period(match q.period.as_deref().unwrap_or("month") {
            "day" => Period::Day,
            "week" => Period::Week,
            "month" => Period::Month,
            other => {
                return Err(ApiError::bad_request(format!(
                    "period {other} is not day, week or month"
                )))
            }
        }),
        other => {
            return Err(ApiError::bad_request(format!(
                "by {other} is not status, category, department, region or period"
            )))
        }
    };
    Ok(Json(s.engine.case_stats(&a, by, q.from, q.to).await?).into_response())
}

async fn categories(State(s): State<AppState>, Auth(_): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.case_categories()).into_response())
}

async fn routing(State(s): State<AppState>, Auth(_): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.case_routing()).into_response())
}

async fn put_routing(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonResult<zhicheng_cases::RoutingConfig>,
) -> Result<Response, ApiError> {
    let Json(config) = body?;
    Ok(Json(s.engine.put_case_routing(&a, config).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FromAlarm {
    category: String,
    urgency: Option<Urgency>,
}

async fn from_alarm(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonResult<FromAlarm>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "alarm")?;
    let Json(b) = body?;
    let c = s
        .engine
        .case_from_alarm(&a, id, &b.category, b.urgency)
        .await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Clock {
    advance_ms: i64,
}

async fn clock(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonResult<Clock>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let now = s.engine.advance_case_clock(&a, b.advance_ms).await?;
    Ok(Json(serde_json::json!({ "now_ms": now })).into_response())
}
