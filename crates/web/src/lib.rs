//! The HTTP face of zhicheng: the REST API under `/api/v1`, authentication by bearer token or
//! session cookie, the live stream (Server-Sent Events), the operations endpoints
//! (`/healthz`, `/readyz`, `/metrics`) and the embedded web UI at `/`.
//!
//! Every `/api/v1` route except `POST /api/v1/auth/login` requires a signed-in user; the
//! engine decides what that user's role and department allow.

mod alarms;
mod api;
mod cases;
mod communities;
mod error;
mod files;
mod open311;
mod ops;
mod scorecard;
mod stream;
mod submission_import;
mod tasks;
mod ui;

use axum::Router;
use zhicheng_engine::Engine;

pub use error::ApiError;
pub use ui::TileSource;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub cookie_secure: bool,
    /// Largest request body for imports.
    pub max_body_bytes: usize,
    /// The base map's tile source; none = the county's own vector layers only.
    pub tiles: Option<TileSource>,
    /// Serve the UI from this directory (holding `index.html` and `dist/`) instead of the
    /// embedded copy: for UI development, so a rebuilt bundle shows on reload.
    pub ui_dir: Option<std::path::PathBuf>,
    /// The URL users reach the server at (Open311 discovery), if behind a proxy.
    pub public_url: Option<String>,
    /// Open311 submitting clients: (name, API key).
    pub open311_keys: Vec<(String, String)>,
}

/// The whole router (the binary merges the gateways' routes into it).
pub fn router(engine: Engine, cfg: WebConfig) -> Router {
    // Imports carry whole files; axum's 2 MiB default would refuse a county's lamp register.
    let limit = axum::extract::DefaultBodyLimit::max(cfg.max_body_bytes.max(1 << 20));
    let state = AppState { engine, cfg };
    // Compress the UI's files and the JSON reads, never the event stream (it would buffer).
    let compressed = Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(scorecard::routes())
        .merge(submission_import::routes())
        .merge(tasks::routes())
        .merge(communities::routes())
        .merge(alarms::routes())
        .merge(cases::routes())
        .merge(open311::routes())
        .layer(tower_http::compression::CompressionLayer::new());
    Router::new()
        .merge(compressed)
        .merge(stream::routes())
        .merge(ops::routes())
        .layer(limit)
        .with_state(state)
}

/// Shared state of the handlers.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) engine: Engine,
    pub(crate) cfg: WebConfig,
}
