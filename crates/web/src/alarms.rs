//! Early-warning rules and alarms over HTTP (see `zhicheng_engine::alarms`).
//!
//! Rules (JSON, as `zhicheng_rules::Rule`):
//! - `GET /api/v1/rules`: the current rules the caller may see, each `{rule, source,
//!   updated_by, updated_ms, active_alarms}`.
//! - `POST /api/v1/rules` (the rule as the body) → 201, or an array of rules (an import: all
//!   checked, then stored in one transaction; all or none) → 201 with the array;
//!   `PUT /api/v1/rules/{id}` → 200 (the
//!   body's `id` must be `{id}`). A changed rule needs a higher `version` than every stored one
//!   (409 otherwise); an unchanged one is answered as it is. 422 names the field that is wrong.
//!   Admins and operators; department users for rules whose `scope.department` is theirs.
//! - `DELETE /api/v1/rules/{id}` → 204 (a tombstone version; its open alarms clear).
//! - `GET /api/v1/rules/{id}/versions`: every stored version, oldest first.
//!
//! Alarms (department users see their department's, others all):
//! - `GET /api/v1/alarms?status=active|cleared&acknowledged=true|false&severity=a,b&rule=&entity=
//!   &department=&assignee=&from=&to=&before=&limit=` (times in epoch ms; `before` an alarm id
//!   for paging; `limit` ≤ 1000, default 100), newest first.
//! - `GET /api/v1/alarms/{id}`: the alarm with its `comments`.
//! - `POST /api/v1/alarms/{id}/acknowledge`, `…/assign` `{assignee}` (null unassigns),
//!   `…/comments` `{text}`, `…/clear` `{note?}`: admins and operators for any alarm,
//!   department users for their department's; 409 when it does not apply (acknowledged twice,
//!   clearing a cleared alarm). Each answers the alarm and is pushed on `/api/v1/stream` as
//!   event `alarm`.
//!
//! Webhooks (admins; see `zhicheng_engine::webhooks`):
//! - `GET /api/v1/webhooks`: each `{id, url, signed, topics, min_severity, department, enabled,
//!   cursor, created_by, created_ms, stats}` (`stats`: the endpoint queue's live counters).
//! - `POST /api/v1/webhooks` `{id, url, secret?, topics?, min_severity?, department?,
//!   enabled?}` → 201; `PUT /api/v1/webhooks/{id}` replaces (keeping its cursor);
//!   `DELETE /api/v1/webhooks/{id}` → 204; `GET /api/v1/webhooks/{id}/log?limit=` the final
//!   outcomes, newest first.
//!
//! Notifications (anyone signed in; the events of the departments they may see):
//! - `GET /api/v1/notifications?limit=` → `{items: [{…event, unread}], unread, last_read}`.
//! - `POST /api/v1/notifications/read` `{upto?}` → `{last_read}`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use zhicheng_store::{AlarmAction, AlarmQuery};

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(list_rules).post(create_rule))
        .route(
            "/api/v1/rules/{id}",
            axum::routing::put(replace_rule).delete(delete_rule),
        )
        .route("/api/v1/rules/{id}/versions", get(versions))
        .route("/api/v1/alarms", get(list_alarms))
        .route("/api/v1/alarms/{id}", get(one_alarm))
        .route("/api/v1/alarms/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/alarms/{id}/assign", post(assign))
        .route("/api/v1/alarms/{id}/comments", post(comment))
        .route("/api/v1/alarms/{id}/clear", post(clear))
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::put(replace_webhook).delete(delete_webhook),
        )
        .route("/api/v1/webhooks/{id}/log", get(webhook_log))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(read_notifications))
}

type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;
type JsonResult<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn text(body: &Bytes) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|_| ApiError::bad_request("the body is not UTF-8"))
}

async fn list_rules(State(s): State<AppState>, Auth(a): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.rules(&a).await?).into_response())
}

async fn create_rule(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = text(&body)?;
    // An array is an import: every rule checked, then all stored in one transaction.
    if body.trim_start().starts_with('[') {
        let items: Vec<serde_json::Value> = serde_json::from_str(body).map_err(|e| {
            ApiError::bad_request(format!("the body is not a JSON array of rules: {e}"))
        })?;
        let defs: Vec<String> = items.iter().map(|v| v.to_string()).collect();
        let r = s.engine.put_rules(&a, &defs).await?;
        return Ok((StatusCode::CREATED, Json(r)).into_response());
    }
    let r = s.engine.put_rule(&a, body).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

async fn replace_rule(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = text(&body)?;
    let named: Option<String> = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned));
    if named.as_deref().is_some_and(|n| n != id) {
        return Err(ApiError::bad_request(format!(
            "the body's id is not {id}: a rule's id does not change"
        )));
    }
    Ok(Json(s.engine.put_rule(&a, body).await?).into_response())
}

async fn delete_rule(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.engine.delete_rule(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn versions(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(s.engine.rule_versions(&a, &id).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AlarmParams {
    status: Option<String>,
    acknowledged: Option<bool>,
    severity: Option<String>,
    rule: Option<String>,
    entity: Option<String>,
    department: Option<String>,
    assignee: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    before: Option<i64>,
    limit: Option<usize>,
}

fn list(v: Option<String>) -> Vec<String> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

async fn list_alarms(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<AlarmParams>,
) -> Result<Response, ApiError> {
    let Query(p) = q?;
    if let Some(st) = p.status.as_deref() {
        if st != "active" && st != "cleared" {
            return Err(ApiError::bad_request("status must be active or cleared"));
        }
    }
    let severities = list(p.severity);
    if let Some(bad) = severities
        .iter()
        .find(|x| !["critical", "major", "minor", "warning"].contains(&x.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "severity {bad} is not critical, major, minor or warning"
        )));
    }
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 1000"));
    }
    let q = AlarmQuery {
        status: p.status,
        acknowledged: p.acknowledged,
        severities,
        rule: p.rule,
        entity: p.entity,
        departments: list(p.department),
        assignee: p.assignee,
        from_ms: p.from,
        to_ms: p.to,
        before_id: p.before,
        limit,
    };
    Ok(Json(s.engine.alarms(&a, q).await?).into_response())
}

async fn one_alarm(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(s.engine.alarm(&a, id).await?).into_response())
}

async fn act(
    s: &AppState,
    a: &zhicheng_model::Actor,
    id: i64,
    action: AlarmAction,
) -> Result<Response, ApiError> {
    Ok(Json(s.engine.alarm_action(a, id, action).await?).into_response())
}

async fn acknowledge(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    act(&s, &a, id, AlarmAction::Acknowledge).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    assignee: Option<String>,
}

async fn assign(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    body: JsonResult<AssignBody>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    act(
        &s,
        &a,
        id,
        AlarmAction::Assign {
            assignee: b.assignee,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    text: String,
}

async fn comment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    body: JsonResult<CommentBody>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let r = act(&s, &a, id, AlarmAction::Comment { text: b.text }).await?;
    Ok((StatusCode::CREATED, r).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClearBody {
    note: Option<String>,
}

async fn clear(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    body: Option<Json<ClearBody>>,
) -> Result<Response, ApiError> {
    let note = body.and_then(|Json(b)| b.note);
    act(&s, &a, id, AlarmAction::Clear { note }).await
}

async fn list_webhooks(State(s): State<AppState>, Auth(a): Auth) -> Result<Response, ApiError> {
    Ok(Json(s.engine.webhooks(&a).await?).into_response())
}

async fn create_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonResult<zhicheng_engine::webhooks::WebhookInput>,
) -> Result<Response, ApiError> {
    let Json(w) = body?;
    let v = s.engine.put_webhook(&a, w).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn replace_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonResult<zhicheng_engine::webhooks::WebhookInput>,
) -> Result<Response, ApiError> {
    let Json(w) = body?;
    if w.id != id {
        return Err(ApiError::bad_request(format!("the body's id is not {id}")));
    }
    Ok(Json(s.engine.put_webhook(&a, w).await?).into_response())
}

async fn delete_webhook(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    s.engine.delete_webhook(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitQuery {
    limit: Option<usize>,
}

async fn webhook_log(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    q: QueryResult<LimitQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    Ok(Json(
        s.engine
            .webhook_log(&a, &id, q.limit.unwrap_or(100))
            .await?,
    )
    .into_response())
}

async fn notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: QueryResult<LimitQuery>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    Ok(Json(s.engine.notifications(&a, q.limit.unwrap_or(50)).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    upto: Option<i64>,
}

async fn read_notifications(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: Option<Json<ReadBody>>,
) -> Result<Response, ApiError> {
    let upto = body.and_then(|Json(b)| b.upto);
    let n = s.engine.read_notifications(&a, upto).await?;
    Ok(Json(serde_json::json!({ "last_read": n })).into_response())
}
