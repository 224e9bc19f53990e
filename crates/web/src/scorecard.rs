//! The county's live scorecard (DB37/T 3890-2020) over HTTP.
//!
//! - `GET /api/v1/scorecard?star=4`: every indicator with its value (or `null`: no data),
//!   status, provenance and units, and the totals against the pass line and the aim, the
//!   weights statement and the what-if list. `star` defaults to 4; a star the pack does not
//!   grade answers 422.
//!   `period=YYYY-MM` (default: the current month, UTC+8) picks the month whose approved
//!   submissions count; a closed month is served from its snapshot, the same bytes every time.
//!   `period=YYYY-Qn` is a quarter: the scorecard of its last month that has begun, with
//!   `scope: {kind: "quarter", quarter, months}` and the trend cut to the quarter. Every
//!   scorecard carries `by_group`, `by_unit` and `trend` (closed months of the last twelve, then
//!   this one; see `zhicheng_engine::trend`).
//! - `GET /api/v1/scorecard/pack`: the indicator pack itself.
//! - `GET /api/v1/scorecard/report.xlsx?period=&star=` and `…/report.html?period=&star=`: the
//!   monthly report (sheets 指标 and 汇总; a printable standalone page), byte-identical for a
//!   closed month.
//!
//! Base figures (see `zhicheng_engine::base_figures`):
//!
//! - `GET /api/v1/scorecard/inputs?period=`: the `input(name)` figures the pack's formulas read
//!   (e.g. `households` for #9), each with the indicators reading it, the entry that holds for
//!   the month and the history; any signed-in user.
//! - `POST /api/v1/scorecard/inputs/{name}` `{period, value, note?}` → 201: admins and
//!   operators; an unknown name is 404, a closed month 409.
//!
//! Acceptance (see `zhicheng_engine::trend`):
//!
//! - `GET /api/v1/scorecard/acceptance`: the mid-term check and the final acceptance as
//!   configured — date, the month assessed, days left, `upcoming`/`this_month`/`past`, closed.
//! - `GET /api/v1/scorecard/acceptance/{midterm|final}?star=`: the scorecard the milestone is
//!   assessed on, with `scope: {kind: "acceptance", milestone: {…}}`; 404 when its date is not configured.
//! - `GET /api/v1/scorecard/acceptance/{midterm|final}/report.xlsx` and `…/report.html`: the
//!   self-assessment report (自评报告) with its conclusion.
//!
//! Periods (see `zhicheng_engine::periods`):
//!
//! - `GET /api/v1/scorecard/periods`: the months ever closed.
//! - `POST /api/v1/scorecard/periods/{YYYY-MM}/close` `{star?}`: admins and operators; keeps
//!   the snapshot; 409 when closed already.
//! - `POST /api/v1/scorecard/periods/{YYYY-MM}/reopen` `{reason}`: admins only, reason
//!   required (422); 409 when not closed.
//!
//! Any signed-in user may read both: the scorecard is the county's figure.
//!
//! Smart communities, whose assessments feed #44, have their own routes under
//! `/api/v1/scorecard/communities` (see `crate::communities`).
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
use zhicheng_engine::base_figures::BaseFigureInput;
use zhicheng_engine::report::ReportFormat;
use zhicheng_engine::submissions::{Decision, SubmissionFilter, SubmissionInput};
use zhicheng_engine::trend::MilestoneKind;

use crate::api::Auth;
use crate::error::ApiError;
use crate::files::{content_type, file_response, id_of};
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scorecard", get(scorecard))
        .route("/api/v1/scorecard/pack", get(pack))
        .route("/api/v1/scorecard/report.xlsx", get(report_xlsx))
        .route("/api/v1/scorecard/report.html", get(report_html))
        .route("/api/v1/scorecard/inputs", get(base_figures))
        .route("/api/v1/scorecard/inputs/{name}", post(enter_base_figure))
        .route("/api/v1/scorecard/acceptance", get(acceptance))
        .route("/api/v1/scorecard/acceptance/{kind}", get(acceptance_card))
        .route(
            "/api/v1/scorecard/acceptance/{kind}/report.xlsx",
            get(acceptance_xlsx),
        )
        .route(
            "/api/v1/scorecard/acceptance/{kind}/report.html",
            get(acceptance_html),
        )
        .route("/api/v1/scorecard/periods", get(periods))
        .route(
            "/api/v1/scorecard/periods/{period}/close",
            post(close_period),
        )
        .route(
            "/api/v1/scorecard/periods/{period}/reopen",
            post(reopen_period),
        )
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
    period: Option<String>,
}

impl StarQuery {
    fn star(&self) -> u8 {
        self.star
            .unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR)
    }
}

async fn scorecard(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<StarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let doc = s
        .engine
        .scorecard_doc_any(&a, q.period.as_deref(), q.star())
        .await?;
    Ok(json_text(doc.json))
}

async fn report(
    s: AppState,
    a: zhicheng_model::Actor,
    q: StarQuery,
    format: ReportFormat,
) -> Result<Response, ApiError> {
    let r = s
        .engine
        .scorecard_report(&a, q.period.as_deref(), q.star(), format)
        .await?;
    Ok(report_response(r, format))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    period: Option<String>,
}

async fn base_figures(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    Ok(Json(s.engine.base_figures(&a, q.period.as_deref()).await?).into_response())
}

async fn enter_base_figure(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
    body: Result<Json<BaseFigureInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let f = s.engine.enter_base_figure(&a, &name, b).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// A scorecard's JSON text as served (for a closed month: the snapshot's bytes).
fn json_text(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

fn milestone(kind: &str) -> Result<MilestoneKind, ApiError> {
    MilestoneKind::parse(kind).ok_or_else(|| {
        ApiError::from(zhicheng_engine::Error::NotFound(format!(
            "acceptance milestone {kind:?}: midterm or final"
        )))
    })
}

async fn acceptance(State(s): State<AppState>, Auth(a): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.acceptance_milestones(&a).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OnlyStar {
    star: Option<u8>,
}

async fn acceptance_card(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(kind): Path<String>,
    q: Result<Query<OnlyStar>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let star = q.star.unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR);
    let doc = s.engine.acceptance_doc(&a, milestone(&kind)?, star).await?;
    Ok(json_text(doc.json))
}

async fn acceptance_report(
    s: AppState,
    a: zhicheng_model::Actor,
    kind: String,
    q: OnlyStar,
    format: ReportFormat,
) -> Result<Response, ApiError> {
    let star = q.star.unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR);
    let r = s
        .engine
        .acceptance_report(&a, milestone(&kind)?, star, format)
        .await?;
    Ok(report_response(r, format))
}

async fn acceptance_xlsx(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(kind): Path<String>,
    q: Result<Query<OnlyStar>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    acceptance_report(s, a, kind, q, ReportFormat::Xlsx).await
}

async fn acceptance_html(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(kind): Path<String>,
    q: Result<Query<OnlyStar>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    acceptance_report(s, a, kind, q, ReportFormat::Html).await
}

/// A rendered report as a download (XLSX) or an inline page (HTML) that may run no script.
fn report_response(r: zhicheng_engine::report::Report, format: ReportFormat) -> Response {
    let disposition = match format {
        ReportFormat::Xlsx => "attachment",
        ReportFormat::Html => "inline",
    };
    let disposition =
        HeaderValue::from_str(&format!("{disposition}; filename=\"{}\"", r.file_name))
            .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(r.content_type),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        r.bytes,
    )
        .into_response()
}

async fn report_xlsx(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<StarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    report(s, a, q, ReportFormat::Xlsx).await
}

async fn report_html(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<StarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    report(s, a, q, ReportFormat::Html).await
}

async fn periods(State(s): State<AppState>, Auth(a): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.scorecard_periods(&a).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    star: Option<u8>,
}

async fn close_period(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(period): Path<String>,
    body: Option<Json<CloseBody>>,
) -> Result<Response, ApiError> {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let star = b.star.unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR);
    Ok(Json(s.engine.close_period(&a, &period, star).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReopenBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn reopen_period(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(period): Path<String>,
    body: Result<Json<ReopenBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let reason = b.reason.unwrap_or_default();
    Ok(Json(s.engine.reopen_period(&a, &period, &reason).await?).into_response())
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
    let content_type = content_type(&headers);
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
    Ok(file_response(
        eid,
        &f.record.file_name,
        &f.record.content_type,
        f.bytes,
    ))
}
