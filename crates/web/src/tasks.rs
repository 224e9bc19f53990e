//! Monthly progress of the key tasks over HTTP (see `zhicheng_engine::tasks`).
//!
//! - `GET /api/v1/tasks?period=YYYY-MM&all=true`: the board of the month (default: the current
//!   month, UTC+8): every task with its units, deadline, latest progress and the `overdue` and
//!   `not_reported` flags. A department user gets its own tasks (`all=true` is 403 for it).
//! - `POST /api/v1/tasks/{task}/progress` `{percent, period?, narrative?, person, contact,
//!   department?}` → 201 with the report. 403 for another department's task or a viewer; 422
//!   when the percent goes down (unless admin).
//! - `GET /api/v1/tasks/{task}/progress`: the task's reports, newest first.
//! - `GET /api/v1/tasks/reminders?period=`: per lead unit, the flagged tasks (admins and
//!   operators).
//!
//! Contact phones are masked unless the reader is an admin or operator or belongs to the
//! report's department.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_engine::tasks::ProgressInput;

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(board))
        .route("/api/v1/tasks/reminders", get(reminders))
        .route("/api/v1/tasks/{task}/progress", get(history).post(report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardQuery {
    period: Option<String>,
    #[serde(default)]
    all: bool,
}

async fn board(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    Ok(Json(s.engine.task_board(&a, q.period.as_deref(), q.all).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    period: Option<String>,
}

async fn reminders(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    Ok(Json(s.engine.task_reminders(&a, q.period.as_deref()).await?).into_response())
}

async fn history(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(task): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.engine.task_progress_history(&a, &task).await?).into_response())
}

async fn report(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(task): Path<String>,
    body: Result<Json<ProgressInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let v = s.engine.report_task_progress(&a, &task, input).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
