//! Departments' indicator values from Excel over HTTP (see `zhicheng_engine::submission_import`).
//!
//! - `GET /api/v1/scorecard/submissions/template.xlsx?period=YYYY-MM`: the workbook to fill in
//!   (default month: the current one, UTC+8): one row per indicator the user may submit, the
//!   `部门` column for admins and operators; viewers 403, a bad month 422.
//! - `POST /api/v1/scorecard/submissions/import?dry_run=true|false`: the raw `.xlsx` as the
//!   body (any `Content-Type`; the bytes decide) → 200 with the report
//!   `{dry_run, sheet, header_row, rows, imported, refused, skipped, errors: [{row, cell?,
//!   column, field, indicator?, reason, error, message_zh}], submissions: [id…]}`. `dry_run`
//!   defaults to false, as for the other imports; a dry run stores nothing. The good rows of a
//!   real import are stored as submissions awaiting review, whatever the bad rows. A file
//!   refused whole answers the usual error: not XLSX 415 `unsupported_type`, over 5 MiB or
//!   2,000 rows 413 `too_large`, empty or without a header 422 `invalid`; viewers 403.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_engine::submission_import::XLSX_CONTENT_TYPE;
use zhicheng_engine::submissions::current_period;

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scorecard/submissions/template.xlsx", get(template))
        .route(
            "/api/v1/scorecard/submissions/import",
            post(import_submissions),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateQuery {
    period: Option<String>,
}

async fn template(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<TemplateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let period = q
        .period
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(current_period);
    let bytes = s.engine.submission_template(&a, &period).await?;
    // The month was checked by the engine: the name is plain ASCII.
    let who = a
        .department
        .as_deref()
        .filter(|d| {
            d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(|d| format!("-{d}"))
        .unwrap_or_default();
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"submissions-template-{period}{who}.xlsx\""
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(XLSX_CONTENT_TYPE),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

async fn import_submissions(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let report = s.engine.import_submissions(&a, &body, q.dry_run).await?;
    Ok(Json(report).into_response())
}
