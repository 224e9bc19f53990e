//! The county's live scorecard (DB37/T 3890-2020) over HTTP.
//!
//! - `GET /api/v1/scorecard?star=4`: every indicator with its value (or `null`: no data),
//!   status, provenance and units, and the totals against the pass line and the aim, the
//!   weights statement and the what-if list. `star` defaults to 4; a star the pack does not
//!   grade answers 422.
//! - `GET /api/v1/scorecard/pack`: the indicator pack itself.
//!
//! Any signed-in user may read both: the scorecard is the county's figure.
//!
//! Departments' submitted values and their review (see `zhicheng_engine::submissions`):
//!
//! - `POST /api/v1/scorecard/submissions` `{indicator, period, value, note?, department?}` →
//!   201 with the submission (`status: "submitted"`, `evidence: []`).
//! - `GET /api/v1/scorecard/submissions?status=&indicator=&period=&department=`: newest first;
//!   a department user gets its own department's only.
//! - `GET /api/v1/scorecard/submissions/{id}`: one, with its evidence list (another
//!   department's answers 404).
//! - `POST /api/v1/scorecard/submissions/{id}/review` `{decision: "approve"|"return",
//!   comment?}`: admins and operators; a return needs a comment; a second review is 409.
//! - `POST /api/v1/scorecard/submissions/{id}/evidence?name=FILE`: the raw file as the body with
//!   its `Content-Type` (PDF, PNG, JPEG, XLSX, DOCX; 415 otherwise, or when the bytes are not of
//!   that type), at most 20 MiB (413) → 201 with the evidence record.
//! - `GET /api/v1/scorecard/submissions/{id}/evidence/{eid}`: the file, to whoever may read the
//!   submission.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_engine::submissions::{Decision, SubmissionFilter, SubmissionInput};

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scorecard", get(scorecard))
        .route("/api/v1/scorecard/pack", get(pack))
        .route(
            "/api/v1/scorecard/submissions",
            get(list_submissions).post(create_submission),
        )
        .route("/api/v1/scorecard/submissions/{id}", get(submission))
        .route(
            "/api/v1/scorecard/submissions/{id}/review",
            post(review_submission),
        )
        .route(
            "/api/v1/scorecard/submissions/{id}/evidence",
            post(upload_evidence),
        )
        .route(
            "/api/v1/scorecard/submissions/{id}/evidence/{eid}",
            get(download_evidence),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StarQuery {
    star: Option<u8>,
}

async fn scorecard(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<StarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let star = q.star.unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR);
    Ok(Json(s.engine.scorecard(&a, star).await?).into_response())
}

async fn pack(State(s): State<AppState>, Auth(_): Auth) -> Response {
    Json(s.engine.scorecard_pack()).into_response()
}

async fn create_submission(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: Result<Json<SubmissionInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let v = s.engine.submit_indicator_value(&a, input).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn list_submissions(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<SubmissionFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(f) = q?;
    Ok(Json(s.engine.submissions(&a, f).await?).into_response())
}

/// A numeric id from the path; anything else is no such submission.
fn id_of(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::from(zhicheng_engine::Error::NotFound(format!("{what} {raw}"))))
}

async fn submission(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "submission")?;
    Ok(Json(s.engine.submission(&a, id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    decision: Decision,
    #[serde(default)]
    comment: Option<String>,
}

async fn review_submission(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: Result<Json<ReviewBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "submission")?;
    let Json(b) = body?;
    let v = s
        .engine
        .review_submission(&a, id, b.decision, b.comment)
        .await?;
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameQuery {
    name: Option<String>,
}

async fn upload_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    q: Result<Query<NameQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "submission")?;
    let Query(q) = q?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let e = s
        .engine
        .upload_evidence(&a, id, q.name.as_deref().unwrap_or(""), content_type, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn download_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, eid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "submission")?;
    let eid = id_of(&eid, "evidence")?;
    let f = s.engine.evidence_file(&a, id, eid).await?;
    let ct = HeaderValue::from_str(&f.record.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    // RFC 5987: the name percent-encoded as UTF-8, with an ASCII fallback.
    let encoded: String = f
        .record
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence-{eid}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        f.bytes,
    )
        .into_response())
}
