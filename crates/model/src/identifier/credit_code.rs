//! 统一社会信用代码, GB 32100-2015.

use std::fmt;
use std::str::FromStr;

use super::{normalise_char, IdKind, IdentifierError, Result};

/// The 31 characters, in value order 0–30 (no I, O, Z, S, V).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|v| v as u32)
}

/// A valid unified social credit code.
///
/// Layout: registration authority (1), organisation category (1), administrative division
/// code (6 digits), GB 11714 organisation code (9), check character (1).
///
/// Accepted: surrounding whitespace, lower case and full-width characters (normalised).
/// Checked: the 31-character set, the MOD 31 check character and that positions 3–8 are digits.
/// The embedded organisation code's own check (GB 11714) is *not* required by [`CreditCode::parse`],
/// because codes issued to some organisation types are known to fail it; ask
/// [`CreditCode::org_code_valid`] or use [`CreditCode::parse_strict`].
/// Unknown authority or category codes are accepted (the code lists grow); their names are
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode {
    chars: [u8; 18],
}

/// The MOD 31 check character for the first 17 characters, or `None` if one is outside the
/// character set or the length is wrong.
///
/// ```
/// use zhicheng_model::identifier::credit_code_check_char;
/// assert_eq!(credit_code_check_char("91350100M000100Y4"), Some('3'));
/// ```
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut s = 0u32;
    for (&c, w) in b.iter().zip(WEIGHTS) {
        s += value(c)? * w;
    }
    let c = (31 - s % 31) % 31;
    Some(CHARSET[c as usize] as char)
}

/// The GB 11714 organisation-code check character for its first 8 characters (digits, or
/// letters A=10 … Z=35), or `None` if the input is not 8 such characters.
///
/// ```
/// use zhicheng_model::identifier::org_code_check_char;
/// assert_eq!(org_code_check_char("M000100Y"), Some('4'));
/// ```
pub fn org_code_check_char(first8: &str) -> Option<char> {
    let b = first8.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let mut s = 0u32;
    for (&c, w) in b.iter().zip(ORG_WEIGHTS) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        s += v * w;
    }
    Some(match 11 - s % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    })
}

impl CreditCode {
    /// Parses and validates a code (see the type's documentation for what is checked).
    pub fn parse(s: &str) -> Result<Self> {
        let chars: Vec<char> = s.trim().chars().map(normalise_char).collect();
        if chars.len() != 18 {
            return Err(IdentifierError::Length {
                kind: IdKind::CreditCode,
                expected: "18",
                found: chars.len(),
            });
        }
        let mut out = [0u8; 18];
        for (i, &c) in chars.iter().enumerate() {
            let in_set = c.is_ascii() && value(c as u8).is_some();
            let digit_needed = (2..8).contains(&i);
            if !in_set || (digit_needed && !c.is_ascii_digit()) {
                return Err(IdentifierError::Character {
                    kind: IdKind::CreditCode,
                    position: i + 1,
                    found: c,
                });
            }
            out[i] = c as u8;
        }
        let text = std::str::from_utf8(&out).unwrap_or_default();
        let expected = credit_code_check_char(&text[..17]).unwrap_or('0');
        if expected != out[17] as char {
            return Err(IdentifierError::CheckCharacter {
                kind: IdKind::CreditCode,
                expected,
                found: out[17] as char,
            });
        }
        Ok(CreditCode { chars: out })
    }

    /// Like [`CreditCode::parse`], and also requires the embedded organisation code's check.
    pub fn parse_strict(s: &str) -> Result<Self> {
        let code = Self::parse(s)?;
        let expected = org_code_check_char(&code.as_str()[8..16]).unwrap_or('0');
        let found = code.chars[16] as char;
        if expected != found {
            return Err(IdentifierError::CheckCharacter {
                kind: IdKind::CreditCode,
                expected,
                found,
            });
        }
        Ok(code)
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.chars).unwrap_or_default()
    }

    /// Position 1, the registration authority code.
    pub fn authority_code(&self) -> char {
        self.chars[0] as char
    }

    /// The registration authority's name, for codes the standards file or the GB 32100 code
    /// list name: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
    /// 9 工商 (市场监管), A 中央军委改革和编制管理机构, N 农业, Y 其他.
    pub fn authority_name(&self) -> Option<&'static str> {
        Some(match self.chars[0] {
            b'1' => "机构编制",
            b'2' => "外交",
            b'3' => "司法行政",
            b'4' => "文化",
            b'5' => "民政",
            b'6' => "旅游",
            b'7' => "宗教",
            b'8' => "工会",
            b'9' => "工商",
            b'A' => "中央军委改革和编制管理机构",
            b'N' => "农业",
            b'Y' => "其他",
            _ => return None,
        })
    }

    /// Position 2, the organisation category within the authority.
    pub fn category_code(&self) -> char {
        self.chars[1] as char
    }

    /// The category's name where the standards file lists it (authorities 1, 5 and 9).
    pub fn category_name(&self) -> Option<&'static str> {
        Some(match (self.chars[0], self.chars[1]) {
            (b'1', b'1') => "机关",
            (b'1', b'2') => "事业单位",
            (b'1', b'3') => "群众团体",
            (b'1', b'9') => "其他",
            (b'5', b'1') => "社会团体",
            (b'5', b'2') => "民办非企业单位",
            (b'5', b'3') => "基金会",
            (b'5', b'9') => "其他",
            (b'9', b'1') => "企业",
            (b'9', b'2') => "个体工商户",
            (b'9', b'3') => "农民专业合作社",
            _ => return None,
        })
    }

    /// Positions 3–8, the administrative division code of the registering authority.
    pub fn region_code(&self) -> &str {
        &self.as_str()[2..8]
    }

    /// Positions 9–17, the GB 11714 organisation code (main body and its check character).
    pub fn org_code(&self) -> &str {
        &self.as_str()[8..17]
    }

    /// Whether the embedded organisation code passes its own GB 11714 check.
    pub fn org_code_valid(&self) -> bool {
        org_code_check_char(&self.as_str()[8..16]) == Some(self.chars[16] as char)
    }

    /// The check character.
    pub fn check_char(&self) -> char {
        self.chars[17] as char
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CreditCode {
    type Err = IdentifierError;

    /// Same as [`CreditCode::parse`].
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}
