//! The vocabulary of zhicheng: regions, grids, departments, kinds, entities, readings,
//! users and roles, with the validation every interface shares.
//!
//! This crate is pure: no I/O, no async, no database. Everything that enters the platform
//! (an API body, an imported row, a device message) is turned into these types and checked
//! by the functions here, so a rule is written once.
//!
//! ```
//! use zhicheng_model::{validate_entity_id, RegionLevel};
//! assert!(validate_entity_id("air-0001").is_ok());
//! assert!(validate_entity_id("a/b").is_err()); // would break the MQTT topic city/{id}/telemetry
//! assert_eq!(RegionLevel::from_code("370323").unwrap(), RegionLevel::County);
//! ```

pub mod geometry;
pub mod identifier;
pub mod identity;
pub mod reading;
pub mod registry;
pub mod time_util;

pub use geometry::{BBox, GeometryError};
pub use identity::{Actor, Role};
pub use reading::{Reading, Step};
pub use registry::*;

/// A validation failure: which field, and why, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    /// The field (or path) that is wrong, e.g. `geometry` or `attributes.height_m`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Invalid {
    /// Build an error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result of validation.
pub type Result<T, E = Invalid> = std::result::Result<T, E>;

/// Checks an identifier used for entities, departments, grids and kinds.
///
/// 1–64 characters of ASCII letters, digits, `-`, `_`, `.` and `:`; this keeps identifiers safe
/// in URLs, MQTT topics (`city/{id}/telemetry` must not see `/`, `+` or `#`) and file names.
pub fn validate_entity_id(id: &str) -> Result<()> {
    validate_ident("id", id)
}

/// Same rule as [`validate_entity_id`], reported against `field`.
pub fn validate_ident(field: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 {
        return Err(Invalid::new(field, "must be 1 to 64 characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(Invalid::new(
            field,
            format!("character {c:?} not allowed (use letters, digits, - _ . :)"),
        ));
    }
    Ok(())
}

pub use registry::RegionLevel;
