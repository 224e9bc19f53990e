//! 机动车号牌, GA 36-2018 (public-security plates).

use std::fmt;
use std::str::FromStr;

use super::{normalise_char, IdKind, IdentifierError, Result};

/// Province abbreviations, plus 使 and 领 (diplomatic) as the standards file's regex lists them.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";
/// Characters stripped as separators between the authority letter and the serial (and
/// anywhere else): spaces, hyphens, dots and middle dots as they appear in forms.
const SEPARATORS: &[char] = &[
    ' ', '\t', '\u{3000}', '·', '•', '‧', '・', '･', '.', '。', '-', '－', '—', '–', '_',
];

/// Pure-electric letters: D in GA 36-2018; A, B, C, E reported in later expansions.
const NEV_ELECTRIC_EXTENDED: &str = "DABCE";
/// Non-pure-electric letters: F in GA 36-2018; G, H, J, K reported in later expansions.
const NEV_HYBRID_EXTENDED: &str = "FGHJK";

fn is_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn is_serial(c: char) -> bool {
    is_letter(c) || c.is_ascii_digit()
}

/// What kind of plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlateKind {
    /// Ordinary 7-character plate with an all-alphanumeric serial.
    Ordinary,
    /// 挂: trailer.
    Trailer,
    /// 学: driving-school coach.
    Coach,
    /// 警: police.
    Police,
    /// 港: Hong Kong cross-border.
    HongKong,
    /// 澳: Macao cross-border.
    Macao,
    /// 领: consulate (suffix form, e.g. `沪A·1234领`).
    Consulate,
    /// New-energy small vehicle (gradient green): energy letter first, e.g. `粤B·D12345`.
    NewEnergySmall,
    /// New-energy large vehicle (yellow-green): energy letter last, e.g. `粤B·12345D`.
    NewEnergyLarge,
}

/// The power type a new-energy plate's letter encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NevPower {
    /// D (and A, B, C, E under the extended set): pure electric.
    PureElectric,
    /// F (and G, H, J, K under the extended set): plug-in hybrid, fuel cell and other
    /// non-pure-electric.
    NonPureElectric,
}

/// Plate parsing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlateRules {
    /// Accept the expanded new-energy letters (pure electric D A B C E, non-pure F G H J K)
    /// besides GA 36-2018's D and F. The standards file reports the expansion from several 2024
    /// validators but has not confirmed it against the GA text. Default `true`: rejecting a real
    /// plate at a city counter costs more than accepting an odd one; use
    /// [`PlateRules::STRICT`] for D/F only.
    pub extended_nev_letters: bool,
}

impl PlateRules {
    /// D and F only.
    pub const STRICT: PlateRules = PlateRules {
        extended_nev_letters: false,
    };
}

impl Default for PlateRules {
    fn default() -> Self {
        PlateRules {
            extended_nev_letters: true,
        }
    }
}

/// A valid motor-vehicle plate number.
///
/// Ordinary (7 characters): province abbreviation, issuing-authority letter (A–Z without I, O),
/// 5 serial characters from `[A-HJ-NP-Z0-9]`, the last of which may be 挂 学 警 港 澳 or 领.
/// New-energy (8 characters): province, authority letter, then either an energy letter, one
/// serial character and 4 digits (small) or 5 digits and an energy letter (large).
///
/// Normalisation: separators (`·`, `-`, spaces, dots) are removed, letters upper-cased,
/// full-width letters and digits made ASCII, so `鲁C·12345`, `鲁C12345`, `鲁c-12345` are one
/// plate. [`Display`](fmt::Display) writes `鲁C·12345`.
///
/// Not covered: military, armed-police and emergency (应急) series, embassy plates of the
/// `使` + digits form; they need rules of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plate {
    text: String,
    kind: PlateKind,
}

/// Removes separators and normalises case and width; used by parsing and masking.
pub(crate) fn normalise(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| !SEPARATORS.contains(c))
        .map(normalise_char)
        .collect()
}

fn bad(position: usize, found: char) -> IdentifierError {
    IdentifierError::Character {
        kind: IdKind::Plate,
        position,
        found,
    }
}

impl Plate {
    /// Parses with the default [`PlateRules`].
    pub fn parse(s: &str) -> Result<Self> {
        Self::parse_with(s, &PlateRules::default())
    }

    /// Parses with explicit rules.
    pub fn parse_with(s: &str, rules: &PlateRules) -> Result<Self> {
        let c = normalise(s);
        if c.len() != 7 && c.len() != 8 {
            return Err(IdentifierError::Length {
                kind: IdKind::Plate,
                expected: "7 or 8",
                found: c.len(),
            });
        }
        if !PROVINCES.contains(c[0]) {
            return Err(bad(1, c[0]));
        }
        if !is_letter(c[1]) {
            return Err(bad(2, c[1]));
        }
        let electric = |x: char| {
            if rules.extended_nev_letters {
                NEV_ELECTRIC_EXTENDED.contains(x)
            } else {
                x == 'D'
            }
        };
        let hybrid = |x: char| {
            if rules.extended_nev_letters {
                NEV_HYBRID_EXTENDED.contains(x)
            } else {
                x == 'F'
            }
        };
        let energy = |x: char| electric(x) || hybrid(x);
        let kind = if c.len() == 7 {
            if let Some(i) = (2..6).find(|&i| !is_serial(c[i])) {
                return Err(bad(i + 1, c[i]));
            }
            match c[6] {
                x if is_serial(x) => PlateKind::Ordinary,
                '挂' => PlateKind::Trailer,
                '学' => PlateKind::Coach,
                '警' => PlateKind::Police,
                '港' => PlateKind::HongKong,
                '澳' => PlateKind::Macao,
                '领' => PlateKind::Consulate,
                x => return Err(bad(7, x)),
            }
        } else if c[2].is_ascii_digit() {
            if let Some(i) = (2..7).find(|&i| !c[i].is_ascii_digit()) {
                return Err(bad(i + 1, c[i]));
            }
            if !energy(c[7]) {
                return Err(IdentifierError::PlateLayout(
                    "a large new-energy plate ends with its energy letter",
                ));
            }
            PlateKind::NewEnergyLarge
        } else {
            if !energy(c[2]) {
                return Err(IdentifierError::PlateLayout(
                    "a small new-energy plate starts its serial with its energy letter",
                ));
            }
            if !is_serial(c[3]) {
                return Err(bad(4, c[3]));
            }
            if let Some(i) = (4..8).find(|&i| !c[i].is_ascii_digit()) {
                return Err(bad(i + 1, c[i]));
            }
            PlateKind::NewEnergySmall
        };
        Ok(Plate {
            text: c.into_iter().collect(),
            kind,
        })
    }

    /// The plate without separators, e.g. `鲁C12345`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The province abbreviation (or 使/领).
    pub fn province(&self) -> char {
        self.text.chars().next().unwrap_or('?')
    }

    /// The issuing-authority letter (发牌机关代号).
    pub fn authority(&self) -> char {
        self.text.chars().nth(1).unwrap_or('?')
    }

    /// The serial after the authority letter (5 or 6 characters).
    pub fn serial(&self) -> &str {
        let start = self.text.char_indices().nth(2).map_or(0, |(i, _)| i);
        &self.text[start..]
    }

    /// The kind of plate.
    pub fn kind(&self) -> PlateKind {
        self.kind
    }

    /// Whether it is a new-energy plate.
    pub fn is_new_energy(&self) -> bool {
        matches!(
            self.kind,
            PlateKind::NewEnergySmall | PlateKind::NewEnergyLarge
        )
    }

    /// The power type of a new-energy plate; `None` for other plates.
    pub fn nev_power(&self) -> Option<NevPower> {
        let letter = match self.kind {
            PlateKind::NewEnergySmall => self.serial().chars().next(),
            PlateKind::NewEnergyLarge => self.serial().chars().last(),
            _ => None,
        }?;
        Some(if NEV_ELECTRIC_EXTENDED.contains(letter) {
            NevPower::PureElectric
        } else {
            NevPower::NonPureElectric
        })
    }

    /// Masked for display: province, authority, then the serial with all but its last two
    /// characters hidden, e.g. `鲁C·***45`.
    pub fn masked(&self) -> String {
        super::mask::mask_plate(&self.text)
    }
}

impl fmt::Display for Plate {
    /// `鲁C·12345`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}·{}",
            self.province(),
            self.authority(),
            self.serial()
        )
    }
}

impl FromStr for Plate {
    type Err = IdentifierError;

    /// Same as [`Plate::parse`].
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}
