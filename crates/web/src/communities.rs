//! Smart communities and the 80 % rule over HTTP (see `zhicheng_engine::communities`).
//!
//! Communities are the village-level regions (12-digit codes) whose name ends with 社区. Each
//! month a community's completed weight of its required tasks, self-assessed against DB37/T
//! 3890.3-2020, is entered; it is smart at 80 % or more, and the share of smart communities
//! feeds county indicator #44 (智慧社区覆盖率) when the month has any assessment.
//!
//! - `GET /api/v1/scorecard/communities?period=YYYY-MM` (default: the current month, UTC+8):
//!   `{period, closed, smart_line: 80, indicator: 44, may_assess, totals: {communities,
//!   assessed, smart, coverage}, communities: [{code, name, name_en, parent, smart, latest}]}`.
//!   `latest` is the month's latest assessment (`{id, community, period, weight, note,
//!   department, assessed_by, assessed_ms, smart, evidence: [...]}`) or `null` (not assessed;
//!   `smart` is then `null` too); `coverage` is `smart / communities × 100`, `null` without any
//!   assessment. Any signed-in user.
//! - `POST /api/v1/scorecard/communities/{code}/assessments` `{period, weight, note?}` → 201
//!   with the assessment. Admins, operators and users of #44's lead departments; 403 for
//!   viewers and other departments, 404 for an unknown region, 422 for a region that is not a
//!   community or a weight outside 0–100, 409 for a closed month.
//! - `GET /api/v1/scorecard/communities/{code}/assessments`: its assessments, newest first,
//!   each with its `evidence`.
//! - `POST /api/v1/scorecard/communities/{code}/assessments/{id}/evidence?name=FILE`: the raw
//!   file as the body with its `Content-Type` (PDF, PNG, JPEG, XLSX, DOCX; 415 otherwise), at
//!   most 20 MiB (413) → 201 with the evidence record; whoever may assess, while the month is
//!   open (409 otherwise).
//! - `GET /api/v1/scorecard/communities/{code}/assessments/{id}/evidence/{eid}`: the file.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_engine::communities::AssessmentInput;

use crate::api::Auth;
use crate::error::ApiError;
use crate::files::{content_type, file_response, id_of};
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scorecard/communities", get(board))
        .route(
            "/api/v1/scorecard/communities/{code}/assessments",
            get(history).post(assess),
        )
        .route(
            "/api/v1/scorecard/communities/{code}/assessments/{id}/evidence",
            post(upload_evidence),
        )
        .route(
            "/api/v1/scorecard/communities/{code}/assessments/{id}/evidence/{eid}",
            get(download_evidence),
        )
}

type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardQuery {
    period: Option<String>,
}

async fn board(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<BoardQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let b = s.engine.community_board(&a, q.period.as_deref()).await?;
    Ok(Json(b).into_response())
}

async fn history(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let h = s.engine.community_assessments(&a, &code).await?;
    Ok(Json(h).into_response())
}

async fn assess(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(code): Path<String>,
    body: Result<Json<AssessmentInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let v = s.engine.assess_community(&a, &code, input).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    name: Option<String>,
}

async fn upload_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((code, id)): Path<(String, String)>,
    q: QueryResult<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "assessment")?;
    let Query(q) = q?;
    let content_type = content_type(&headers);
    let e = s
        .engine
        .upload_community_evidence(
            &a,
            &code,
            id,
            q.name.as_deref().unwrap_or(""),
            content_type,
            &body,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn download_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((code, id, eid)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "assessment")?;
    let eid = id_of(&eid, "evidence")?;
    let f = s.engine.community_evidence_file(&a, &code, id, eid).await?;
    Ok(file_response(
        eid,
        &f.record.file_name,
        &f.record.content_type,
        f.bytes,
    ))
}
