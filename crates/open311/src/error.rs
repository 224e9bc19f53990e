//! Open311 errors: the `<errors>` body and the HTTP status that goes with it.
//!
//! The spec gives three statuses: **404** when the resource or the jurisdiction is not found,
//! **403** when the `api_key` is missing or invalid, **400** for anything else. A body may
//! carry several errors; its `code`s may be more specific than the HTTP status, so
//! [`http_status`] reduces a list to one status: 403 if any error is 403 (who asks is settled
//! first), else 404 if any is 404, else 400.

use serde::{Deserialize, Serialize};

/// One `<error>`: a code and a human description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {description}")]
pub struct Open311Error {
    /// The error code of the body (an HTTP status, or a more specific number).
    pub code: u16,
    /// What is wrong, for a person; names the field when one is at fault.
    pub description: String,
}

impl Open311Error {
    /// An error with this code and description.
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    /// 400: a missing or wrong parameter, or a general failure.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, description)
    }

    /// 403: the `api_key` is missing or invalid.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(403, description)
    }

    /// 404: the resource (service, request, token) is not found.
    pub fn not_found(description: impl Into<String>) -> Self {
        Self::new(404, description)
    }

    /// 404 for a `jurisdiction_id` this endpoint does not serve.
    pub fn unknown_jurisdiction(jurisdiction_id: &str) -> Self {
        Self::not_found(format!("jurisdiction_id `{jurisdiction_id}` was not found"))
    }

    /// 400 for a `jurisdiction_id` that is required (several jurisdictions) and not given.
    pub fn missing_jurisdiction() -> Self {
        Self::bad_request("jurisdiction_id was not provided")
    }

    /// 403 for a missing `api_key`.
    pub fn missing_api_key() -> Self {
        Self::forbidden("api_key was not provided")
    }

    /// 403 for an `api_key` that is not valid.
    pub fn invalid_api_key() -> Self {
        Self::forbidden("api_key is not valid")
    }

    /// The HTTP status for this error alone: 403, 404, or 400 for anything else.
    pub fn http_status(&self) -> u16 {
        match self.code {
            403 => 403,
            404 => 404,
            _ => 400,
        }
    }
}

/// The HTTP status of a response that carries these errors: 403 if any error is 403, else
/// 404 if any is 404, else 400 (also for an empty list).
pub fn http_status(errors: &[Open311Error]) -> u16 {
    let statuses = || errors.iter().map(Open311Error::http_status);
    if statuses().any(|s| s == 403) {
        403
    } else if statuses().any(|s| s == 404) {
        404
    } else {
        400
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_of_a_list_puts_403_before_404_before_400() {
        let bad = Open311Error::bad_request("service_code was not provided");
        let missing = Open311Error::not_found("service `x` was not found");
        let key = Open311Error::missing_api_key();
        assert_eq!(http_status(std::slice::from_ref(&bad)), 400);
        assert_eq!(http_status(&[bad.clone(), missing.clone()]), 404);
        assert_eq!(
            http_status(&[missing.clone(), bad.clone(), key.clone()]),
            403
        );
        assert_eq!(http_status(&[]), 400);
        assert_eq!(Open311Error::new(4001, "more specific").http_status(), 400);
        assert_eq!(
            Open311Error::unknown_jurisdiction("x.gov").http_status(),
            404
        );
        assert_eq!(Open311Error::invalid_api_key().code, 403);
        assert_eq!(key.to_string(), "403: api_key was not provided");
    }
}
