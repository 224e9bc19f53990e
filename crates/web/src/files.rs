//! Helpers of the routes that take and give files (evidence of submissions, task reports and
//! community assessments): ids from the path, the declared type of an upload, and a stored
//! file as a download.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// A numeric id from the path; anything else names nothing (404).
pub(crate) fn id_of(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::from(zhicheng_engine::Error::NotFound(format!("{what} {raw}"))))
}

/// The `Content-Type` an upload declares (`""` when none).
pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A stored file as a download: its type, `nosniff`, and the name in `Content-Disposition`
/// (RFC 5987: percent-encoded UTF-8, with an ASCII fallback `evidence-{eid}`).
pub(crate) fn file_response(
    eid: i64,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Response {
    let ct = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"evidence-{eid}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response()
}
