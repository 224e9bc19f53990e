//! The county's live scorecard (DB37/T 3890-2020) over HTTP.
//!
//! - `GET /api/v1/scorecard?star=4`: every indicator with its value (or `null`: no data),
//!   status, provenance and units, and the totals against the pass line and the aim, the
//!   weights statement and the what-if list. `star` defaults to 4; a star the pack does not
//!   grade answers 422.
//! - `GET /api/v1/scorecard/pack`: the indicator pack itself.
//!
//! Any signed-in user may read both: the scorecard is the county's figure.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::Auth;
use crate::error::ApiError;
use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scorecard", get(scorecard))
        .route("/api/v1/scorecard/pack", get(pack))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StarQuery {
    star: Option<u8>,
}

async fn scorecard(
    State(s): State<AppState>,
    Auth(a): Auth,
    q: Result<Query<StarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let star = q.star.unwrap_or(zhicheng_engine::scorecard::DEFAULT_STAR);
    Ok(Json(s.engine.scorecard(&a, star).await?).into_response())
}

async fn pack(State(s): State<AppState>, Auth(_): Auth) -> Response {
    Json(s.engine.scorecard_pack()).into_response()
}
