//! REST routes under `/api/v1`.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use zhicheng_engine::auth::UserInput;
use zhicheng_engine::import::{Format, Target};
use zhicheng_model::time_util::{now_ms, parse_rfc3339_ms};
use zhicheng_model::{Actor, BBox, Department, Entity, EntityQuery, Grid, Kind, Region, Step};

use crate::error::ApiError;
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// Name of the browser session cookie.
pub(crate) const COOKIE: &str = "zhicheng_session";

/// The signed-in user of a request, from `Authorization: Bearer` or the session cookie.
pub(crate) struct Auth(pub(crate) Actor);

pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or_else(|| {
            ApiError::from(zhicheng_engine::Error::Unauthenticated(
                "sign in first (Authorization: Bearer or session cookie)".into(),
            ))
        })?;
        Ok(Auth(state.engine.authenticate(&token).await?))
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/regions", get(list_regions).post(create_region))
        .route(
            "/api/v1/regions/{code}",
            get(get_region).put(put_region).delete(delete_region),
        )
        .route(
            "/api/v1/departments",
            get(list_departments).post(create_department),
        )
        .route(
            "/api/v1/departments/{id}",
            get(get_department)
                .put(put_department)
                .delete(delete_department),
        )
        .route("/api/v1/grids", get(list_grids).post(create_grid))
        .route(
            "/api/v1/grids/{id}",
            get(get_grid).put(put_grid).delete(delete_grid),
        )
        .route("/api/v1/kinds", get(list_kinds).post(create_kind))
        .route(
            "/api/v1/kinds/{id}",
            get(get_kind).put(put_kind).delete(delete_kind),
        )
        .route("/api/v1/entities", get(list_entities).post(create_entity))
        .route(
            "/api/v1/entities/{id}",
            get(get_entity).put(put_entity).delete(delete_entity),
        )
        .route("/api/v1/entities/{id}/state", get(entity_state))
        .route("/api/v1/entities/{id}/history", get(entity_history))
        .route("/api/v1/entities/{id}/token", post(issue_token))
        .route("/api/v1/entities/{id}/tokens", get(list_tokens))
        .route(
            "/api/v1/entities/{id}/tokens/{token_id}",
            delete(revoke_token),
        )
        .route("/api/v1/import/{target}", post(import))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/audit", get(audit_log))
        .route(
            "/api/v1/users/{username}",
            get(get_user).put(put_user).delete(delete_user),
        )
}

// ---- auth ----

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(s): State<AppState>,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(b) = body?;
    let r = s
        .engine
        .login(&b.username, &b.password)
        .await
        .map_err(|e| match e {
            zhicheng_engine::Error::Unauthenticated(_) => {
                ApiError::from(e).recode("bad_credentials", "用户名或密码错误")
            }
            e => ApiError::from(e),
        })?;
    let max_age = ((r.expires_ms - now_ms()) / 1000).max(0);
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        r.token,
        if s.cfg.cookie_secure { "; Secure" } else { "" }
    );
    let mut resp = Json(r).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    Auth(_): Auth,
) -> ApiResult<Response> {
    if let Some(t) = session_token(&headers) {
        s.engine.logout(&t).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("zhicheng_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(resp)
}

async fn me(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    let u = s.engine.user(&a, &a.username).await?;
    Ok(Json(u).into_response())
}

#[derive(Deserialize)]
struct PasswordBody {
    current: String,
    new: String,
}

async fn change_password(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: Result<Json<PasswordBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) = body?;
    s.engine.change_own_password(&a, &b.current, &b.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- registry ----

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn same_id(path: &str, body: &str) -> ApiResult<()> {
    if path != body {
        return Err(ApiError::bad_request(format!(
            "the id in the body ({body}) differs from the URL ({path})"
        )));
    }
    Ok(())
}

async fn list_regions(State(s): State<AppState>, Auth(_): Auth) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(s.engine.regions().await?))
}
async fn get_region(
    State(s): State<AppState>,
    Auth(_): Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<Region>> {
    Ok(Json(s.engine.region(&code).await?))
}
async fn create_region(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<Region>,
) -> ApiResult<(StatusCode, Json<Region>)> {
    let Json(r) = body?;
    Ok((StatusCode::CREATED, Json(s.engine.put_region(&a, r).await?)))
}
async fn put_region(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(code): Path<String>,
    body: JsonBody<Region>,
) -> ApiResult<Json<Region>> {
    let Json(r) = body?;
    same_id(&code, &r.code)?;
    Ok(Json(s.engine.put_region(&a, r).await?))
}
async fn delete_region(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_region(&a, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_departments(
    State(s): State<AppState>,
    Auth(_): Auth,
) -> ApiResult<Json<Vec<Department>>> {
    Ok(Json(s.engine.departments().await?))
}
async fn get_department(
    State(s): State<AppState>,
    Auth(_): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Department>> {
    Ok(Json(s.engine.department(&id).await?))
}
async fn create_department(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<Department>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    let Json(d) = body?;
    Ok((
        StatusCode::CREATED,
        Json(s.engine.put_department(&a, d).await?),
    ))
}
async fn put_department(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonBody<Department>,
) -> ApiResult<Json<Department>> {
    let Json(d) = body?;
    same_id(&id, &d.id)?;
    Ok(Json(s.engine.put_department(&a, d).await?))
}
async fn delete_department(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_department(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct GridQuery {
    region: Option<String>,
}
async fn list_grids(
    State(s): State<AppState>,
    Auth(_): Auth,
    q: Result<Query<GridQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<Grid>>> {
    let Query(q) = q?;
    Ok(Json(s.engine.grids(q.region.as_deref()).await?))
}
async fn get_grid(
    State(s): State<AppState>,
    Auth(_): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Grid>> {
    Ok(Json(s.engine.grid(&id).await?))
}
async fn create_grid(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<Grid>,
) -> ApiResult<(StatusCode, Json<Grid>)> {
    let Json(g) = body?;
    Ok((StatusCode::CREATED, Json(s.engine.put_grid(&a, g).await?)))
}
async fn put_grid(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonBody<Grid>,
) -> ApiResult<Json<Grid>> {
    let Json(g) = body?;
    same_id(&id, &g.id)?;
    Ok(Json(s.engine.put_grid(&a, g).await?))
}
async fn delete_grid(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_grid(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_kinds(State(s): State<AppState>, Auth(_): Auth) -> ApiResult<Json<Vec<Kind>>> {
    Ok(Json(s.engine.kinds().await?))
}
async fn get_kind(
    State(s): State<AppState>,
    Auth(_): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Kind>> {
    let k = s
        .engine
        .kind(&id)
        .ok_or_else(|| zhicheng_engine::Error::NotFound(format!("kind {id}")))?;
    Ok(Json((*k).clone()))
}
async fn create_kind(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<Kind>,
) -> ApiResult<(StatusCode, Json<Kind>)> {
    let Json(k) = body?;
    Ok((StatusCode::CREATED, Json(s.engine.put_kind(&a, k).await?)))
}
async fn put_kind(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonBody<Kind>,
) -> ApiResult<Json<Kind>> {
    let Json(k) = body?;
    same_id(&id, &k.id)?;
    Ok(Json(s.engine.put_kind(&a, k).await?))
}
async fn delete_kind(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_kind(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- entities ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityListQuery {
    kind: Option<String>,
    department: Option<String>,
    region: Option<String>,
    bbox: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

async fn list_entities(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<EntityListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let bbox = match q.bbox.as_deref() {
        Some(b) => Some(BBox::parse(b).map_err(|e| ApiError::bad_request(format!("bbox: {e}")))?),
        None => None,
    };
    let page = s
        .engine
        .entities(
            &a,
            EntityQuery {
                kind: q.kind,
                department: q.department,
                region: q.region,
                bbox,
                text: q.q.filter(|t| !t.is_empty()),
                after: q.cursor,
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(Json(page).into_response())
}
async fn get_entity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Entity>> {
    Ok(Json(s.engine.entity(&a, &id).await?))
}
async fn create_entity(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<Entity>,
) -> ApiResult<(StatusCode, Json<Entity>)> {
    let Json(e) = body?;
    Ok((
        StatusCode::CREATED,
        Json(s.engine.create_entity(&a, e).await?),
    ))
}
async fn put_entity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    body: JsonBody<Entity>,
) -> ApiResult<Json<Entity>> {
    let Json(e) = body?;
    same_id(&id, &e.id)?;
    Ok(Json(s.engine.update_entity(&a, e).await?))
}
async fn delete_entity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_entity(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn entity_state(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let state = s.engine.entity_state(&a, &id).await?;
    Ok(Json(serde_json::json!({"entity": id, "metrics": state})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    metric: String,
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    limit: Option<usize>,
}

pub(crate) fn parse_time(field: &str, v: &str) -> ApiResult<i64> {
    v.parse::<i64>()
        .ok()
        .or_else(|| parse_rfc3339_ms(v))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{field}: {v:?} is not RFC 3339 or epoch milliseconds"
            ))
        })
}

async fn entity_history(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
    q: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let to = match &q.to {
        Some(t) => parse_time("to", t)?,
        None => now_ms() + 1,
    };
    let from = match &q.from {
        Some(f) => parse_time("from", f)?,
        None => to - 86_400_000,
    };
    let step = match q.step.as_deref() {
        None | Some("") | Some("raw") => None,
        Some(st) => Some(Step::parse(st).ok_or_else(|| {
            ApiError::bad_request(format!("step: {st:?} is not raw, 1m, 1h or 1d"))
        })?),
    };
    let h = s
        .engine
        .history(
            &a,
            &id,
            &q.metric,
            zhicheng_engine::live::HistoryQuery {
                from,
                to,
                step,
                limit: q.limit.unwrap_or(10_000),
            },
        )
        .await?;
    Ok(
        Json(serde_json::json!({"entity": id, "from": from, "to": to, "history": h}))
            .into_response(),
    )
}

async fn issue_token(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Response)> {
    let t = s.engine.issue_device_token(&a, &id).await?;
    Ok((StatusCode::CREATED, Json(t).into_response()))
}
async fn list_tokens(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(s.engine.device_tokens(&a, &id).await?).into_response())
}
async fn revoke_token(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.engine.revoke_device_token(&a, &id, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    format: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

async fn import(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(target): Path<String>,
    headers: HeaderMap,
    q: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let target = match target.as_str() {
        "entities" => Target::Entities,
        "regions" => Target::Regions,
        "grids" => Target::Grids,
        other => {
            return Err(ApiError::bad_request(format!(
                "cannot import {other:?}: use entities, regions or grids"
            )))
        }
    };
    let hint = q
        .format
        .or_else(|| {
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let format = Format::guess(&hint).ok_or_else(|| {
        ApiError::bad_request(
            "give ?format=geojson or csv, or a Content-Type of application/geo+json or text/csv",
        )
    })?;
    let report = s
        .engine
        .import(&a, target, format, &body, q.dry_run)
        .await?;
    Ok(Json(report).into_response())
}

// ---- users ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    limit: Option<usize>,
    before: Option<i64>,
}

async fn audit_log(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q?;
    Ok(Json(
        s.engine
            .audit_log(&a, q.limit.unwrap_or(100), q.before)
            .await?,
    )
    .into_response())
}

async fn list_users(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    Ok(Json(s.engine.users(&a).await?).into_response())
}
async fn get_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(u): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(s.engine.user(&a, &u).await?).into_response())
}
async fn create_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    body: JsonBody<UserInput>,
) -> ApiResult<(StatusCode, Response)> {
    let Json(u) = body?;
    if s.engine
        .store()
        .get_user(&u.username)
        .await
        .map_err(zhicheng_engine::Error::from)?
        .is_some()
    {
        return Err(zhicheng_engine::Error::Conflict(format!("user {} exists", u.username)).into());
    }
    Ok((
        StatusCode::CREATED,
        Json(s.engine.put_user(&a, u).await?).into_response(),
    ))
}
async fn put_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(name): Path<String>,
    body: JsonBody<UserInput>,
) -> ApiResult<Response> {
    let Json(u) = body?;
    same_id(&name, &u.username)?;
    Ok(Json(s.engine.put_user(&a, u).await?).into_response())
}
async fn delete_user(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(u): Path<String>,
) -> ApiResult<StatusCode> {
    s.engine.delete_user(&a, &u).await?;
    Ok(StatusCode::NO_CONTENT)
}
