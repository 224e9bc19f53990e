//! 公民身份号码, GB 11643-1999.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::{normalise_char, IdKind, IdentifierError, Result};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// Sex, from the parity of the sequence code (odd male, even female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 男: odd sequence code.
    Male,
    /// 女: even sequence code.
    Female,
}

/// A valid 18-character citizen identity number.
///
/// Layout `AAAAAA YYYYMMDD SSS C`: address code (GB/T 2260), birth date, sequence code (odd
/// male, even female) and the ISO 7064 MOD 11-2 check character (`X` for 10).
///
/// Accepted: surrounding whitespace (trimmed), lower-case `x` and full-width digits (normalised).
/// Checked: the check character; the birth date is a real date, from 1800 on (the standard's
/// own sample is born in 1880) and not after the reference day; the first two digits are a
/// province-level code ([`is_province_code`]). The remaining four address digits are only
/// checked to be digits: address codes of abolished counties stay valid on old cards, so no
/// table of current codes can decide them.
///
/// `Debug` prints the masked form, so a stray `{:?}` does not leak the number into logs;
/// `Display` and [`CitizenId::as_str`] give the full number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId {
    chars: [u8; 18],
    birth: Date,
}

/// Whether `code` (two digits) is a province-level code that can lead a citizen ID:
/// 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71 (Taiwan), 81 (Hong Kong), 82 (Macao), and 83
/// (residence permits of Taiwan residents, which GB 11643 numbers carry as 830000).
pub fn is_province_code(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 2 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = (b[0] - b'0') * 10 + (b[1] - b'0');
    matches!(n, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

/// The MOD 11-2 check character for the first 17 digits, or `None` if `first17` is not 17
/// ASCII digits.
///
/// ```
/// use zhicheng_model::identifier::citizen_id_check_char;
/// assert_eq!(citizen_id_check_char("11010519491231002"), Some('X'));
/// assert_eq!(citizen_id_check_char("44052418800101001"), Some('4'));
/// ```
pub fn citizen_id_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let s: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK[(s % 11) as usize] as char)
}

fn today_cst() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(cst).date()
}

fn err_char(position: usize, found: char) -> IdentifierError {
    IdentifierError::Character {
        kind: IdKind::CitizenId,
        position,
        found,
    }
}

impl CitizenId {
    /// Parses an 18-character number, judging "not in the future" against today in UTC+8.
    pub fn parse(s: &str) -> Result<Self> {
        Self::parse_on(s, today_cst())
    }

    /// Parses an 18-character number, with `today` as the latest acceptable birth date.
    pub fn parse_on(s: &str, today: Date) -> Result<Self> {
        let chars: Vec<char> = s.trim().chars().map(normalise_char).collect();
        if chars.len() != 18 {
            return Err(IdentifierError::Length {
                kind: IdKind::CitizenId,
                expected: "18",
                found: chars.len(),
            });
        }
        let mut out = [0u8; 18];
        for (i, &c) in chars.iter().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok {
                return Err(err_char(i + 1, c));
            }
            out[i] = c as u8;
        }
        Self::from_digits(out, today)
    }

    /// Upgrades a 15-digit legacy number (`AAAAAA YYMMDD SSS`, no check digit, year 19YY) to 18
    /// characters by inserting `19` and computing the check character.
    ///
    /// ```
    /// use zhicheng_model::identifier::CitizenId;
    /// use time::macros::date;
    /// let id = CitizenId::from_legacy("110105491231002", date!(2026 - 01 - 01)).unwrap();
    /// assert_eq!(id.as_str(), "11010519491231002X");
    /// ```
    pub fn from_legacy(s: &str, today: Date) -> Result<Self> {
        let chars: Vec<char> = s.trim().chars().map(normalise_char).collect();
        if chars.len() != 15 {
            return Err(IdentifierError::Length {
                kind: IdKind::CitizenId,
                expected: "15",
                found: chars.len(),
            });
        }
        if let Some((i, &c)) = chars.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(err_char(i + 1, c));
        }
        let mut first17: String = chars[..6].iter().collect();
        first17.push_str("19");
        first17.extend(&chars[6..]);
        let check = citizen_id_check_char(&first17).unwrap_or('0');
        let mut out = [0u8; 18];
        out[..17].copy_from_slice(first17.as_bytes());
        out[17] = check as u8;
        Self::from_digits(out, today)
    }

    fn from_digits(d: [u8; 18], today: Date) -> Result<Self> {
        let text = std::str::from_utf8(&d).unwrap_or_default();
        if !is_province_code(&text[..2]) {
            return Err(IdentifierError::Province(text[..2].to_string()));
        }
        let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
        let (y, m, day) = (num(6..10), num(10..12), num(12..14));
        let bad_date = || IdentifierError::BirthDate(text[6..14].to_string());
        let month = u8::try_from(m)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or_else(bad_date)?;
        if y < 1800 {
            return Err(bad_date());
        }
        let birth = Date::from_calendar_date(y as i32, month, day as u8).map_err(|_| bad_date())?;
        if birth > today {
            return Err(IdentifierError::FutureBirthDate(birth));
        }
        let expected = citizen_id_check_char(&text[..17]).unwrap_or('0');
        let found = d[17] as char;
        if expected != found {
            return Err(IdentifierError::CheckCharacter {
                kind: IdKind::CitizenId,
                expected,
                found,
            });
        }
        Ok(CitizenId { chars: d, birth })
    }

    /// The 18 characters, check character `X` upper case.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.chars).unwrap_or_default()
    }

    /// The 6-digit address code (GB/T 2260) of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.as_str()[..6]
    }

    /// The 2-digit province-level code.
    pub fn province_code(&self) -> &str {
        &self.as_str()[..2]
    }

    /// Date of birth.
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// Age in whole years on `date` (0 before the first birthday; born on 29 February, the
    /// birthday counts on 1 March in common years).
    pub fn age_on(&self, date: Date) -> u32 {
        let b = self.birth;
        if date <= b {
            return 0;
        }
        let mut years = date.year() - b.year();
        if (date.month() as u8, date.day()) < (b.month() as u8, b.day()) {
            years -= 1;
        }
        years.max(0) as u32
    }

    /// The 3-digit sequence code.
    pub fn sequence(&self) -> u16 {
        self.as_str()[14..17].parse().unwrap_or(0)
    }

    /// Sex from the sequence code's parity.
    pub fn sex(&self) -> Sex {
        if self.sequence() % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The check character, `0`–`9` or `X`.
    pub fn check_char(&self) -> char {
        self.chars[17] as char
    }

    /// Masked for display: first 6 and last 4 characters, e.g. `110105********002X`.
    pub fn masked(&self) -> String {
        super::mask::mask_citizen_id(self.as_str())
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CitizenId").field(&self.masked()).finish()
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CitizenId {
    type Err = IdentifierError;

    /// Same as [`CitizenId::parse`].
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}
