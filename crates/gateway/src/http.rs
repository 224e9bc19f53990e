//! HTTP ingest: `POST /api/v1/ingest` with `Authorization: Bearer <device token>`.
//!
//! Bodies: JSON `{"readings":[{"entity","metric","ts","value"}, …]}` or, with
//! `Content-Type: application/x-ndjson`, one such reading object per line. Each reading is
//! checked on its own: the answer lists the refused ones with their reason and position, and
//! comes only after the accepted ones are durable.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use zhicheng_engine::{Engine, IngestReading, Rejection, Source};

/// Settings of the HTTP ingest route.
#[derive(Debug, Clone)]
pub struct HttpIngestConfig {
    /// Largest body accepted.
    pub max_body_bytes: usize,
    /// Most readings in one request.
    pub max_readings: usize,
}

impl Default for HttpIngestConfig {
    fn default() -> Self {
        HttpIngestConfig {
            max_body_bytes: 64 << 20,
            max_readings: 1_000_000,
        }
    }
}

#[derive(Clone)]
struct Ctx {
    engine: Engine,
    cfg: HttpIngestConfig,
}

/// The route, to be merged into the server's router.
pub fn router(engine: Engine, cfg: HttpIngestConfig) -> Router {
    let limit = cfg.max_body_bytes;
    Router::new()
        .route("/api/v1/ingest", post(ingest))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(Ctx { engine, cfg })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body<'a> {
    #[serde(borrow)]
    readings: Vec<IngestReading<'a>>,
}

fn error(status: StatusCode, code: &str, message: &str, message_zh: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": {"code": code, "message": message, "message_zh": message_zh}})),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Splits NDJSON into readings; a line that does not parse is refused on its own.
pub fn parse_ndjson(body: &[u8]) -> (Vec<IngestReading<'_>>, Vec<Rejection>) {
    let mut readings = Vec::new();
    let mut rejected = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<IngestReading>(line) {
            Ok(mut r) => {
                r.index = i;
                readings.push(r);
            }
            Err(e) => rejected.push(Rejection {
                index: i,
                entity: String::new(),
                metric: String::new(),
                reason: format!("malformed: line {}: {e}", i + 1),
            }),
        }
    }
    (readings, rejected)
}

async fn ingest(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(token) = bearer(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "a device token is required (Authorization: Bearer …)",
            "需要设备令牌",
        );
    };
    let Some(owner) = ctx.engine.device_entity(token) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "unknown or revoked device token",
            "设备令牌无效或已吊销",
        );
    };
    let ndjson = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.starts_with("application/x-ndjson") || v.starts_with("application/jsonl"))
        .unwrap_or(false);
    let (readings, rejected) = if ndjson {
        parse_ndjson(&body)
    } else {
        match serde_json::from_slice::<Body>(&body) {
            Ok(b) => (b.readings, Vec::new()),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "malformed",
                    &format!("body is not {{\"readings\":[…]}}: {e}"),
                    "请求体格式错误",
                )
            }
        }
    };
    if readings.len() + rejected.len() > ctx.cfg.max_readings {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_readings",
            &format!("at most {} readings per request", ctx.cfg.max_readings),
            "单次请求读数过多",
        );
    }
    match ctx
        .engine
        .ingest(Source::Http, readings, Some(&owner), rejected)
        .await
    {
        Ok(out) => {
            let status = if out.accepted == 0 && !out.rejected.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, Json(out)).into_response()
        }
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            &format!("not stored, retry: {e}"),
            "暂时无法写入，请重试",
        ),
    }
}
