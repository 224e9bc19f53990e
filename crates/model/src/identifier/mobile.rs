//! Mainland China mobile numbers.

use std::fmt;
use std::str::FromStr;

use super::{normalise_char, IdKind, IdentifierError, Result};

/// A mainland mobile number: 11 digits, `1` then `3`–`9`.
///
/// Accepted: an optional `+86`, `0086` or `86` country prefix, and spaces or hyphens between
/// digit groups (`+86 138-1234-5678`); full-width digits. Stored and displayed as the 11-digit
/// national number; [`Mobile::e164`] adds `+86`. Whether the 3-digit prefix is currently
/// allocated to a carrier is not checked (allocations change).
///
/// `Debug` prints the masked form; `Display` the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile {
    digits: [u8; 11],
}

impl Mobile {
    /// Parses and validates.
    pub fn parse(s: &str) -> Result<Self> {
        let c: Vec<char> = s
            .trim()
            .chars()
            .map(normalise_char)
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect();
        let rest: &[char] = if c.first() == Some(&'+') {
            match c.get(1..3) {
                Some(['8', '6']) => &c[3..],
                _ => {
                    return Err(IdentifierError::Character {
                        kind: IdKind::Mobile,
                        position: 2,
                        found: c.get(1).copied().unwrap_or('+'),
                    })
                }
            }
        } else if c.len() == 15 && c.starts_with(&['0', '0', '8', '6']) {
            &c[4..]
        } else if c.len() == 13 && c.starts_with(&['8', '6']) {
            &c[2..]
        } else {
            &c
        };
        if rest.len() != 11 {
            return Err(IdentifierError::Length {
                kind: IdKind::Mobile,
                expected: "11",
                found: rest.len(),
            });
        }
        let mut digits = [0u8; 11];
        for (i, &d) in rest.iter().enumerate() {
            if !d.is_ascii_digit() {
                return Err(IdentifierError::Character {
                    kind: IdKind::Mobile,
                    position: i + 1,
                    found: d,
                });
            }
            digits[i] = d as u8;
        }
        if digits[0] != b'1' || !(b'3'..=b'9').contains(&digits[1]) {
            return Err(IdentifierError::MobilePrefix);
        }
        Ok(Mobile { digits })
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }

    /// E.164 form, `+8613812345678`.
    pub fn e164(&self) -> String {
        format!("+86{}", self.as_str())
    }

    /// Masked for display: `138****5678`.
    pub fn masked(&self) -> String {
        super::mask::mask_mobile(self.as_str())
    }
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Mobile").field(&self.masked()).finish()
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mobile {
    type Err = IdentifierError;

    /// Same as [`Mobile::parse`].
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}
