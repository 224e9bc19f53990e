//! Engine errors, each of which the web layer maps to one HTTP status.

use zhicheng_model::Invalid;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller is not signed in, or the token is unknown or expired.
    #[error("not authenticated: {0}")]
    Unauthenticated(String),
    /// Signed in, but the role or department does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such thing (or not visible to the caller).
    #[error("not found: {0}")]
    NotFound(String),
    /// The input is malformed.
    #[error("invalid {}: {}", .0.field, .0.reason)]
    Invalid(Invalid),
    /// Conflicts with what exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The engine is shutting down or the bus is closed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The upload is larger than allowed.
    #[error("too large: {0}")]
    TooLarge(String),
    /// The upload's type is not accepted (or the bytes are not of the declared type).
    #[error("unsupported type: {0}")]
    UnsupportedType(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(zhicheng_store::Error),
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(e)
    }
}

impl From<zhicheng_store::Error> for Error {
    fn from(e: zhicheng_store::Error) -> Self {
        match e {
            zhicheng_store::Error::NotFound(s) => Error::NotFound(s),
            zhicheng_store::Error::Conflict(s) => Error::Conflict(s),
            other => Error::Store(other),
        }
    }
}

/// Engine result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::Invalid(Invalid::new(field, reason))
}
