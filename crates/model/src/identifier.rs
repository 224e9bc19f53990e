//! Chinese identifiers: parsing, validation and masking.
//!
//! * [`CitizenId`] — 公民身份号码, GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check,
//!   birth date, sex, region code; 15-digit legacy numbers upgraded by [`CitizenId::from_legacy`].
//! * [`CreditCode`] — 统一社会信用代码, GB 32100-2015: 18 characters over a 31-character set,
//!   MOD 31 check, registration authority, category, region and the embedded GB 11714
//!   organisation code.
//! * [`Plate`] — 机动车号牌, GA 36-2018: ordinary (7 characters, with the 挂 学 警 港 澳 领
//!   suffixes) and new-energy (8 characters) plates; separators normalised.
//! * [`Mobile`] — mainland mobile numbers, `1[3-9]` + 9 digits, optional `+86`/`86`/`0086`.
//! * [`mask`] — masking for display and logs: `370323********1234`, `138****5678`,
//!   `鲁C·***45`, `张*`. Masking takes any string and never panics.
//!
//! Parsers take untrusted text; they are fuzzed (`crates/model/fuzz`, target `identifiers`).
//!
//! ```
//! use zhicheng_model::identifier::{mask, CitizenId, Plate, Sex};
//! use time::macros::date;
//! let id = CitizenId::parse_on("11010519491231002x", date!(2026 - 01 - 01)).unwrap();
//! assert_eq!(id.to_string(), "11010519491231002X");
//! assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
//! assert_eq!(id.sex(), Sex::Female);
//! assert_eq!(id.masked(), "110105********002X");
//! let plate: Plate = "鲁C-12345".parse().unwrap();
//! assert_eq!(plate.to_string(), "鲁C·12345");
//! assert_eq!(mask::mask_plate("鲁C12345"), "鲁C·***45");
//! assert_eq!(mask::mask_name("欧阳娜娜"), "欧阳**");
//! ```

mod citizen_id;
mod credit_code;
pub mod mask;
mod mobile;
mod plate;

use std::fmt;

pub use citizen_id::{citizen_id_check_char, is_province_code, CitizenId, Sex};
pub use credit_code::{credit_code_check_char, org_code_check_char, CreditCode};
pub use mobile::Mobile;
pub use plate::{NevPower, Plate, PlateKind, PlateRules};

/// Which kind of identifier an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// Citizen identity number (GB 11643).
    CitizenId,
    /// Unified social credit code (GB 32100).
    CreditCode,
    /// Motor-vehicle plate (GA 36).
    Plate,
    /// Mainland mobile number.
    Mobile,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::CitizenId => "citizen ID number",
            IdKind::CreditCode => "unified social credit code",
            IdKind::Plate => "vehicle plate",
            IdKind::Mobile => "mobile number",
        })
    }
}

/// Why a string is not a valid identifier. Messages name the position (1-based, in characters)
/// but never repeat the whole input, so they are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// The number of characters is wrong.
    #[error("{kind}: expected {expected} characters, found {found}")]
    Length {
        /// What was being parsed.
        kind: IdKind,
        /// The accepted length(s), e.g. `18` or `7 or 8`.
        expected: &'static str,
        /// Characters found (after normalisation).
        found: usize,
    },
    /// A character is not allowed at its position.
    #[error("{kind}: character {found:?} not allowed at position {position}")]
    Character {
        /// What was being parsed.
        kind: IdKind,
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The check character does not match the others.
    #[error("{kind}: check character should be {expected:?}, found {found:?}")]
    CheckCharacter {
        /// What was being parsed.
        kind: IdKind,
        /// The check character computed from the others.
        expected: char,
        /// The one given.
        found: char,
    },
    /// The citizen ID's birth date is not a calendar date (or is before 1800).
    #[error("citizen ID number: birth date {0} is not a valid date")]
    BirthDate(String),
    /// The citizen ID's birth date is after the reference date.
    #[error("citizen ID number: birth date {0} is in the future")]
    FutureBirthDate(time::Date),
    /// The citizen ID's first two digits are not a province-level code.
    #[error("citizen ID number: {0} is not a province-level region code")]
    Province(String),
    /// The plate matches neither the ordinary nor the new-energy layout.
    #[error("vehicle plate: {0}")]
    PlateLayout(&'static str),
    /// The mobile number's prefix is not a mainland mobile prefix (1 then 3–9).
    #[error("mobile number: must start with 13–19")]
    MobilePrefix,
}

/// Result of identifier parsing.
pub type Result<T, E = IdentifierError> = std::result::Result<T, E>;

/// Upper-cases ASCII letters and maps full-width ASCII (`Ａ`, `１`) to plain ASCII: users type
/// both on Chinese keyboards.
fn normalise_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_uppercase()
}
