//! The web UI: its embedded files, its settings, and the read models the command center and
//! the maps ask for (entities with live status, KPIs, heat cells, a metric over a kind).
//!
//! The bundle (`assets/dist/app.{js,css}`) is built from `ui/` by esbuild and committed, so the
//! binary needs no Node.js; `include_bytes!` embeds it. With `ui_dir` set (development), the
//! files are read from disk at each request instead, so a rebuilt bundle shows on reload.

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{RegionLevel, Step};

use crate::api::{parse_time, Auth};
use crate::error::ApiError;
use crate::AppState;

/// An XYZ tile source for the UI's base map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TileSource {
    /// URL template with `{z}`, `{x}`, `{y}` and optionally `{s}`.
    pub url: String,
    /// Substitutions for `{s}`.
    pub subdomains: String,
    /// Attribution text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Highest zoom served.
    pub max_zoom: u8,
    /// `wgs84` or `gcj02`.
    pub datum: &'static str,
}

/// The embedded files: (name, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/dist/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/dist/app.css"),
    ),
];

/// FNV-1a of each embedded file, computed once, as its ETag.
fn etags() -> &'static [String] {
    static E: OnceLock<Vec<String>> = OnceLock::new();
    E.get_or_init(|| FILES.iter().map(|(_, _, b)| etag_of(b)).collect())
}

fn etag_of(b: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{h:016x}-{}\"", b.len())
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/api/v1/ui/config", get(config))
        .route("/api/v1/map/entities", get(map_entities))
        .route("/api/v1/map/heat", get(heat))
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/series", get(series))
}

async fn index(State(s): State<AppState>, headers: HeaderMap) -> Response {
    serve_file(&s, "index.html", &headers)
}

async fn asset(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if file == "index.html" {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    serve_file(&s, &file, &headers)
}

fn serve_file(s: &AppState, name: &str, headers: &HeaderMap) -> Response {
    let Some(i) = FILES.iter().position(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let (_, ctype, embedded) = FILES[i];
    let (body, tag): (Vec<u8>, String) = match &s.cfg.ui_dir {
        Some(dir) => {
            let path: PathBuf = if name == "index.html" {
                dir.join(name)
            } else {
                dir.join("dist").join(name)
            };
            match std::fs::read(&path) {
                Ok(b) => {
                    let t = etag_of(&b);
                    (b, t)
                }
                Err(e) => {
                    return (
                        StatusCode::NOT_FOUND,
                        format!("{}: {e} (ui_dir is set)", path.display()),
                    )
                        .into_response()
                }
            }
        }
        None => (embedded.to_vec(), etags()[i].clone()),
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, ctype)], body).into_response()
    };
    let h = resp.headers_mut();
    // Revalidate every time: a new binary serves a new bundle under the same name.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    if name == "index.html" {
        // Everything the page loads comes from this server; tiles from the configured source.
        let tiles = s
            .cfg
            .tiles
            .as_ref()
            .and_then(|t| tile_origin(&t.url))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'self'; img-src 'self' data: blob: {tiles}; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
}

/// `https://t{s}.example.com/...` → `https://*.example.com` style origin for the CSP.
fn tile_origin(url: &str) -> Option<String> {
    if url.starts_with('/') {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    let host = if host.contains("{s}") {
        // A subdomain placeholder: allow the parent domain's subdomains.
        let parent = host.split_once('.').map(|(_, p)| p)?;
        format!("*.{parent}")
    } else {
        host.to_string()
    };
    Some(format!("{scheme}://{host}"))
}

#[derive(Serialize)]
struct County {
    code: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geometry: Option<serde_json::Value>,
}

async fn config(State(s): State<AppState>, Auth(_): Auth) -> Result<Response, ApiError> {
    let regions = s.engine.regions().await?;
    // The deployment's county: the county-level region without a parent (else the first one).
    let county = regions
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .min_by_key(|r| (r.parent.is_some(), r.code.clone()))
        .or_else(|| {
            regions
                .iter()
                .min_by_key(|r| (r.code.len(), r.code.clone()))
        })
        .map(|r| County {
            code: r.code.clone(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            geometry: r.geometry.clone(),
        });
    Ok(Json(serde_json::json!({
        "county": county,
        "map": {"tiles": s.cfg.tiles},
        "offline_after_ms": s.engine.offline_after_ms(),
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFilter {
    kind: Option<String>,
}

async fn map_entities(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<KindFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let kind = q.kind.filter(|k| !k.is_empty());
    let items = s.engine.map_entities(&a, kind.as_deref());
    Ok(Json(serde_json::json!({
        "now": now_ms(),
        "offline_after_ms": s.engine.offline_after_ms(),
        "fields": zhicheng_engine::overview::MAP_FIELDS,
        "items": items,
    }))
    .into_response())
}

async fn overview(State(s): State<AppState>, Auth(a): Auth) -> Response {
    Json(s.engine.overview(&a).await).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeatQuery {
    res: Option<u8>,
    kind: Option<String>,
    metric: Option<String>,
}

async fn heat(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<HeatQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let h = s.engine.heat(
        &a,
        q.res.unwrap_or(7),
        q.kind.as_deref().filter(|k| !k.is_empty()),
        q.metric.as_deref().filter(|m| !m.is_empty()),
    )?;
    Ok(Json(h).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesQuery {
    kind: String,
    metric: String,
    step: Option<String>,
    from: Option<String>,
    to: Option<String>,
    region: Option<String>,
}

async fn series(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<SeriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let step = match q.step.as_deref() {
        None | Some("") => Step::Hour,
        Some(st) => Step::parse(st)
            .ok_or_else(|| ApiError::bad_request(format!("step: {st:?} is not 1m, 1h or 1d")))?,
    };
    let to = match &q.to {
        Some(t) => parse_time("to", t)?,
        None => now_ms() + 1,
    };
    let from = match &q.from {
        Some(f) => parse_time("from", f)?,
        None => to - 86_400_000,
    };
    let r = s
        .engine
        .kind_series(
            &a,
            zhicheng_engine::overview::KindSeriesQuery {
                kind: &q.kind,
                metric: &q.metric,
                step,
                from,
                to,
                region: q.region.as_deref().filter(|r| !r.is_empty()),
            },
        )
        .await?;
    Ok(Json(r).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_origin_for_csp() {
        assert_eq!(
            tile_origin("https://t{s}.tianditu.gov.cn/DataServer?x={x}").as_deref(),
            Some("https://*.tianditu.gov.cn")
        );
        assert_eq!(
            tile_origin("http://10.1.2.3:8090/tiles/{z}/{x}/{y}.png").as_deref(),
            Some("http://10.1.2.3:8090")
        );
        assert_eq!(tile_origin("/tiles/{z}/{x}/{y}.png"), None);
    }

    #[test]
    fn embedded_files_are_the_built_bundle() {
        // The shell loads exactly the files that are embedded.
        let html = std::str::from_utf8(FILES[0].2).unwrap();
        assert!(html.contains("/assets/app.js") && html.contains("/assets/app.css"));
        assert!(FILES.iter().all(|(_, _, b)| !b.is_empty()));
        assert_ne!(etags()[1], etags()[2]);
    }
}
