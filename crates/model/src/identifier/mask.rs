//! Masking personal identifiers for display, exports and logs.
//!
//! The formats are common practice (GB/T 35273-2020 guidance, PIPL), not mandated by the
//! identifiers' own standards:
//!
//! | what | rule | example |
//! |---|---|---|
//! | citizen ID | first 6 + last 4 ([`mask_citizen_id`]); first 3 + last 4 ([`mask_citizen_id_strict`]) | `370323********1234`, `370***********1234` |
//! | mobile | first 3 + last 4 | `138****5678` |
//! | plate | province + authority + last 2 | `鲁C·***45` |
//! | name | surname kept (compound surnames too) | `张*`, `欧阳**` |
//!
//! Unified social credit codes identify organisations, not people, and are not masked.
//!
//! Every function takes any string and never panics. Each character becomes one `*`
//! (char-boundary correct for Chinese text). Input that does not have the expected shape is
//! still masked, more strictly: when it is shorter than the identifier, at most a quarter of
//! its characters are shown at each end, so a fragment never shows more than half of itself.
//!
//! ```
//! use zhicheng_model::identifier::mask::*;
//! assert_eq!(mask_citizen_id("370323199001011234"), "370323********1234");
//! assert_eq!(mask_mobile("+86 138 1234 5678"), "138****5678");
//! assert_eq!(mask_plate("鲁C-12345"), "鲁C·***45");
//! assert_eq!(mask_name("张三"), "张*");
//! assert_eq!(mask_citizen_id("12345"), "1***5"); // not an ID: still masked
//! assert_eq!(mask_name(""), "");
//! ```

use super::{Mobile, Plate};

/// The masking character.
pub const MASK: char = '*';

/// Compound surnames kept whole by [`mask_name`].
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史",
    "申屠", "万俟", "闻人", "赫连", "钟离", "宗政", "濮阳", "淳于", "单于", "仲孙", "拓跋", "第五",
    "左丘", "东郭", "司空", "谷梁", "段干", "梁丘", "漆雕", "乐正", "壤驷", "公良", "巫马", "公西",
    "颛孙", "子车", "亓官", "司寇", "羊舌", "微生", "公羊", "鲜于", "闾丘", "东门", "南门",
];

/// Keeps `head` characters at the start and `tail` at the end of a string of `expected` or more
/// characters; shorter strings keep at most a quarter at each end.
pub fn mask_ends(s: &str, head: usize, tail: usize, expected: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (h, t) = if n >= expected && n > head + tail {
        (head, tail)
    } else {
        (head.min(n / 4), tail.min(n / 4))
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < h || i >= n - t { c } else { MASK })
        .collect()
}

/// Citizen ID, first 6 (the region) and last 4 shown: `370323********1234`. Surrounding
/// whitespace is dropped; the checksum is not required (a mistyped number is masked too).
pub fn mask_citizen_id(s: &str) -> String {
    mask_ends(s.trim(), 6, 4, 18)
}

/// Citizen ID for stricter uses, first 3 and last 4 shown: `370***********1234`.
pub fn mask_citizen_id_strict(s: &str) -> String {
    mask_ends(s.trim(), 3, 4, 18)
}

/// Mobile number, first 3 and last 4 of the national number shown: `138****5678`. A parsable
/// number is first normalised (prefix and separators dropped).
pub fn mask_mobile(s: &str) -> String {
    match Mobile::parse(s) {
        Ok(m) => mask_ends(m.as_str(), 3, 4, 11),
        Err(_) => mask_ends(s.trim(), 3, 4, 11),
    }
}

/// Plate, province and authority letter shown, serial hidden but its last 2 characters:
/// `鲁C·***45`, `粤B·****45`. An unparsable plate has its separators removed and is masked as
/// a string of 7 (first 2, last 2).
pub fn mask_plate(s: &str) -> String {
    match Plate::parse(s) {
        Ok(p) => {
            let serial: Vec<char> = p.serial().chars().collect();
            let keep = serial.len().saturating_sub(2);
            let mut out = format!("{}{}·", p.province(), p.authority());
            out.extend(std::iter::repeat_n(MASK, keep));
            out.extend(&serial[keep..]);
            out
        }
        Err(_) => {
            let norm: String = super::plate::normalise(s).into_iter().collect();
            mask_ends(&norm, 2, 2, 7)
        }
    }
}

/// Personal name, surname shown and the given name hidden: `张*`, `张**`, `欧阳*`, `欧阳**`.
///
/// Compound surnames from [`COMPOUND_SURNAMES`] are kept whole when a given name follows. A
/// one-character string becomes `*`. Names with a separator (`买买提·艾力`, `John Smith`) keep
/// their first letter and the separators, and hide every other letter (all of them when there
/// is only one).
pub fn mask_name(s: &str) -> String {
    let t = s.trim();
    let chars: Vec<char> = t.chars().collect();
    let n = chars.len();
    if n <= 1 {
        return MASK.to_string().repeat(n);
    }
    let is_sep = |c: char| matches!(c, '·' | '•' | '・' | '.' | ' ' | '\u{3000}' | '-');
    if chars.iter().any(|&c| is_sep(c)) {
        // Keep the first letter only when another letter remains hidden.
        let letters = chars.iter().filter(|&&c| !is_sep(c)).count();
        let keep = chars
            .iter()
            .position(|&c| !is_sep(c))
            .filter(|_| letters >= 2);
        return chars
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if Some(i) == keep || is_sep(c) {
                    c
                } else {
                    MASK
                }
            })
            .collect();
    }
    let surname = if n >= 3 && COMPOUND_SURNAMES.iter().any(|cs| t.starts_with(cs)) {
        2
    } else {
        1
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < surname { c } else { MASK })
        .collect()
}
