//! Monthly progress of the key tasks over HTTP (see `zhicheng_engine::tasks`).
//!
//! Every route but the first takes `?pack=yiyuan|yishui` (or the pack's id); without it, the
//! configured pack (`scorecard.task_pack`, default `yiyuan`). An unknown pack is 422.
//!
//! - `GET /api/v1/tasks/packs`: the shipped packs, `[{key, id, name, name_en, source, default,
//!   tasks, categories: {category: count}, with_deadline, center_tasks}]`.
//! - `GET /api/v1/tasks?pack=&period=YYYY-MM&all=true`: the board of the month (default: the
//!   current month, UTC+8): `{key, pack, name, name_en, period, total, finished, overdue,
//!   not_reported, tasks: [...]}`, each task with its units (`{name, id, center}`: `center` is a
//!   lead unit with no department, the big-data center's), `center_reports`, deadline, latest
//!   progress (with its `evidence`) and the `overdue` and `not_reported` flags. A department user
//!   gets its own tasks (`all=true` is 403 for it).
//! - `POST /api/v1/tasks/{task}/progress?pack=` `{percent, period?, narrative?, person, contact,
//!   department?}` → 201 with the report. 403 for another department's task or a viewer; 422
//!   when the percent goes down (unless admin).
//! - `GET /api/v1/tasks/{task}/progress?pack=`: the task's reports, newest first, each with its
//!   `evidence` list (`[{id, progress, file_name, content_type, size, sha256, uploaded_by,
//!   uploaded_ms}]`).
//! - `POST /api/v1/tasks/{task}/progress/{id}/evidence?pack=&name=FILE`: the raw file as the body
//!   with its `Content-Type` (PDF, PNG, JPEG, XLSX, DOCX; 415 otherwise, or when the bytes are not
//!   of that type), at most 20 MiB (413) → 201 with the evidence record. Admins and operators, or
//!   a department user on its own department's report (403 otherwise).
//! - `GET /api/v1/tasks/{task}/progress/{id}/evidence/{eid}?pack=`: the file, to whoever may read
//!   the task's progress.
//! - `GET /api/v1/tasks/reminders?pack=&period=`: per lead unit, the flagged tasks (admins and
//!   operators); `center: true` for a unit with no department.
//!
//! Contact phones are masked unless the reader is an admin or operator or belongs to the
//! report's department.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_engine::tasks::{ProgressInput, ProgressRef};

use crate::api::Auth;
use crate::error::ApiError;
use crate::files::{content_type, file_response, id_of};
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(board))
        .route("/api/v1/tasks/packs", get(packs))
        .route("/api/v1/tasks/reminders", get(reminders))
        .route("/api/v1/tasks/{task}/progress", get(history).post(report))
        .route(
            "/api/v1/tasks/{task}/progress/{id}/evidence",
            axum::routing::post(upload_evidence),
        )
        .route(
            "/api/v1/tasks/{task}/progress/{id}/evidence/{eid}",
            get(download_evidence),
        )
}

type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardQuery {
    pack: Option<String>,
    period: Option<String>,
    #[serde(default)]
    all: bool,
}

async fn packs(State(s): State<AppState>, Auth(_): Auth) -> Response {
    Json(s.engine.task_packs()).into_response()
}

async fn board(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<BoardQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let b = s
        .engine
        .task_board(&a, q.pack.as_deref(), q.period.as_deref(), q.all)
        .await?;
    Ok(Json(b).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    pack: Option<String>,
    period: Option<String>,
}

async fn reminders(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<PeriodQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let r = s
        .engine
        .task_reminders(&a, q.pack.as_deref(), q.period.as_deref())
        .await?;
    Ok(Json(r).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackQuery {
    pack: Option<String>,
}

async fn history(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(task): Path<String>,
    q: QueryResult<PackQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let h = s
        .engine
        .task_progress_history(&a, q.pack.as_deref(), &task)
        .await?;
    Ok(Json(h).into_response())
}

async fn report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(task): Path<String>,
    q: QueryResult<PackQuery>,
    body: Result<Json<ProgressInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let Json(input) = body?;
    let v = s
        .engine
        .report_task_progress(&a, q.pack.as_deref(), &task, input)
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    pack: Option<String>,
    name: Option<String>,
}

async fn upload_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((task, id)): Path<(String, String)>,
    q: QueryResult<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "progress report")?;
    let Query(q) = q?;
    let content_type = content_type(&headers);
    let r = ProgressRef {
        pack: q.pack.as_deref(),
        task: &task,
        id,
    };
    let e = s
        .engine
        .upload_task_evidence(&a, r, q.name.as_deref().unwrap_or(""), content_type, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn download_evidence(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((task, id, eid)): Path<(String, String, String)>,
    q: QueryResult<PackQuery>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "progress report")?;
    let eid = id_of(&eid, "evidence")?;
    let Query(q) = q?;
    let r = ProgressRef {
        pack: q.pack.as_deref(),
        task: &task,
        id,
    };
    let f = s.engine.task_evidence_file(&a, r, eid).await?;
    Ok(file_response(
        eid,
        &f.record.file_name,
        &f.record.content_type,
        f.bytes,
    ))
}
