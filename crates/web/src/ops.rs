//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the store answers and has no pending migrations.
async fn readyz(State(s): State<AppState>) -> Response {
    let store = s.engine.store();
    if let Err(e) = store.ping().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"ready": false, "reason": format!("store unreachable: {e}")})),
        )
            .into_response();
    }
    match store.migration_status().await {
        Ok(st) if st.pending.is_empty() => Json(serde_json::json!({"ready": true, "backend": store.backend(), "migrations": st.applied})).into_response(),
        Ok(st) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"ready": false, "reason": "migrations pending", "pending": st.pending}))).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"ready": false, "reason": format!("migration status: {e}")}))).into_response(),
    }
}

async fn metrics(State(s): State<AppState>) -> Response {
    let body = s.engine.metrics().render(s.engine.bus_depth());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
