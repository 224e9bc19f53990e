//! Property tests for identifiers: check characters catch every single-character change,
//! parse → Display round trips, masks never reveal more than their rule.

use proptest::prelude::*;
use time::macros::date;
use zhicheng_model::identifier::{
    citizen_id_check_char, credit_code_check_char, mask, CitizenId, CreditCode, Mobile, Plate,
};

const TODAY: time::Date = date!(2026 - 06 - 01);
const USCC: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid citizen ID: real province, real date, any sequence.
fn citizen_id() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(vec![11u32, 13, 22, 31, 37, 44, 46, 50, 54, 65, 71, 81, 82]),
        0u32..10000,
        (1900i32..2026, 1u8..=12, 1u8..=28),
        0u32..1000,
    )
        .prop_map(|(prov, rest, (y, m, d), seq)| {
            let first17 = format!("{prov:02}{rest:04}{y:04}{m:02}{d:02}{seq:03}");
            let c = citizen_id_check_char(&first17).unwrap();
            format!("{first17}{c}")
        })
}

/// A valid credit code: any authority/category, digit region, any org code body.
fn credit_code() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(0usize..31, 2),
        0u32..1_000_000,
        proptest::collection::vec(0usize..31, 9),
    )
        .prop_map(|(head, region, body)| {
            let ch = |i: usize| USCC.as_bytes()[i] as char;
            let mut first17: String = head.into_iter().map(ch).collect();
            first17.push_str(&format!("{region:06}"));
            first17.extend(body.into_iter().map(ch));
            let c = credit_code_check_char(&first17).unwrap();
            format!("{first17}{c}")
        })
}

fn plate() -> impl Strategy<Value = String> {
    let prov = proptest::sample::select(
        "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
            .chars()
            .collect::<Vec<_>>(),
    );
    let letter = proptest::sample::select("ABCDEFGHJKLMNPQRSTUVWXYZ".chars().collect::<Vec<_>>());
    let serial = proptest::sample::select(
        "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
            .chars()
            .collect::<Vec<_>>(),
    );
    let suffix = proptest::sample::select(
        "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789挂学警港澳领"
            .chars()
            .collect::<Vec<_>>(),
    );
    let sep = proptest::sample::select(vec!["", "·", "-", " "]);
    prop_oneof![
        (
            prov.clone(),
            letter.clone(),
            sep.clone(),
            proptest::collection::vec(serial.clone(), 4),
            suffix
        )
            .prop_map(|(p, l, s, v, x)| format!(
                "{p}{l}{s}{}{x}",
                v.into_iter().collect::<String>()
            )),
        (
            prov.clone(),
            letter.clone(),
            sep.clone(),
            proptest::sample::select(vec!['D', 'F']),
            serial,
            0u32..10000
        )
            .prop_map(|(p, l, s, e, c, n)| format!("{p}{l}{s}{e}{c}{n:04}")),
        (
            prov,
            letter,
            sep,
            0u32..100000,
            proptest::sample::select(vec!['D', 'F'])
        )
            .prop_map(|(p, l, s, n, e)| format!("{p}{l}{s}{n:05}{e}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// MOD 11-2 detects every single-character substitution (weights are non-zero mod 11 and 11
    /// is prime); any other change of a digit or the check character is rejected.
    #[test]
    fn citizen_id_single_change_detected(s in citizen_id(), pos in 0usize..18, shift in 1usize..11) {
        prop_assert!(CitizenId::parse_on(&s, TODAY).is_ok());
        let alphabet: Vec<char> = "0123456789X".chars().collect();
        let mut chars: Vec<char> = s.chars().collect();
        let old = alphabet.iter().position(|&c| c == chars[pos]).unwrap();
        chars[pos] = alphabet[(old + shift) % 11]; // always a different character
        let changed: String = chars.into_iter().collect();
        prop_assert!(CitizenId::parse_on(&changed, TODAY).is_err(), "{s} → {changed}");
    }

    /// MOD 11-2 also catches any transposition of two adjacent different digits in positions
    /// 1–17 (adjacent weights differ mod 11).
    #[test]
    fn citizen_id_adjacent_swap_detected(s in citizen_id(), pos in 0usize..16) {
        let mut chars: Vec<char> = s.chars().collect();
        if chars[pos] == chars[pos + 1] {
            return Ok(()); // a swap of equal digits is no change
        }
        chars.swap(pos, pos + 1);
        let changed: String = chars.into_iter().collect();
        prop_assert!(CitizenId::parse_on(&changed, TODAY).is_err());
    }

    #[test]
    fn citizen_id_round_trip(s in citizen_id()) {
        let id = CitizenId::parse_on(&s, TODAY).unwrap();
        prop_assert_eq!(id.to_string(), s.clone());
        prop_assert_eq!(CitizenId::parse_on(&id.to_string(), TODAY).unwrap(), id.clone());
        prop_assert_eq!(CitizenId::parse_on(&s.to_lowercase(), TODAY).unwrap(), id.clone());
        // The legacy form upgrades back to the same number (1900–1999 births only).
        if &s[6..8] == "19" {
            let legacy = format!("{}{}", &s[..6], &s[8..17]);
            prop_assert_eq!(CitizenId::from_legacy(&legacy, TODAY).unwrap(), id);
        }
    }

    /// MOD 31 detects every single-character substitution within the 31-character set.
    #[test]
    fn credit_code_single_change_detected(s in credit_code(), pos in 0usize..18, shift in 1usize..31) {
        prop_assert!(CreditCode::parse(&s).is_ok());
        let mut chars: Vec<char> = s.chars().collect();
        let old = USCC.find(chars[pos]).unwrap();
        chars[pos] = USCC.as_bytes()[(old + shift) % 31] as char; // always a different character
        let changed: String = chars.into_iter().collect();
        prop_assert!(CreditCode::parse(&changed).is_err(), "{s} → {changed}");
    }

    #[test]
    fn credit_code_round_trip(s in credit_code()) {
        let c = CreditCode::parse(&s).unwrap();
        prop_assert_eq!(c.to_string(), s.clone());
        prop_assert_eq!(CreditCode::parse(&s.to_lowercase()).unwrap(), c);
    }

    #[test]
    fn plate_round_trip(s in plate()) {
        let p = Plate::parse(&s).unwrap();
        prop_assert_eq!(Plate::parse(&p.to_string()).unwrap(), p.clone());
        prop_assert_eq!(Plate::parse(p.as_str()).unwrap(), p.clone());
        let m = p.masked();
        // Only province, authority, '·' and the last two serial characters are visible.
        prop_assert_eq!(m.chars().filter(|&c| c != mask::MASK).count(), 5);
        let shown: Vec<char> = p.to_string().chars().collect();
        let masked: Vec<char> = m.chars().collect();
        prop_assert_eq!(masked.len(), shown.len());
        let n = shown.len();
        for (i, (&a, &b)) in shown.iter().zip(&masked).enumerate() {
            let visible = i < 3 || i >= n - 2; // province, authority, '·' … last two
            prop_assert_eq!(b, if visible { a } else { mask::MASK });
        }
    }

    #[test]
    fn mobile_round_trip(
        n in 0u64..1_000_000_000,
        second in 3u8..=9,
        prefix in proptest::sample::select(vec!["", "+86", "86", "0086", "+86 "]),
    ) {
        let s = format!("1{second}{n:09}");
        let m = Mobile::parse(&format!("{prefix}{s}")).unwrap();
        prop_assert_eq!(m.to_string(), s.clone());
        prop_assert_eq!(m.masked(), format!("{}****{}", &s[..3], &s[7..]));
    }

    /// Masks of arbitrary text: same character count (after trimming), never more than the
    /// rule's head + tail visible, at most half when shorter than the identifier; never panic.
    #[test]
    fn masks_never_reveal_too_much(s in "\\PC{0,40}") {
        let t = s.trim();
        let n = t.chars().count();
        let shown = |m: &str| t.chars().zip(m.chars()).filter(|(a, b)| a == b && *b != '*').count();
        for (m, max, expected) in [
            (mask::mask_citizen_id(&s), 10, 18),
            (mask::mask_citizen_id_strict(&s), 7, 18),
        ] {
            prop_assert_eq!(m.chars().count(), n);
            prop_assert!(shown(&m) <= max);
            if n < expected {
                prop_assert!(shown(&m) <= n / 2);
            }
        }
        let m = mask::mask_mobile(&s);
        prop_assert!(m.chars().filter(|&c| c != '*').count() <= 7);
        let m = mask::mask_plate(&s);
        prop_assert!(m.chars().filter(|&c| c != '*').count() <= 5);
        let m = mask::mask_name(&s);
        prop_assert_eq!(m.chars().count(), n);
        let is_sep = |c: char| matches!(c, '·' | '•' | '・' | '.' | ' ' | '\u{3000}' | '-');
        let visible = t.chars().zip(m.chars()).filter(|&(a, b)| a == b && b != '*' && !is_sep(b)).count();
        prop_assert!(visible <= 2);
        // Some non-separator position is always masked.
        let masked = t.chars().zip(m.chars()).filter(|&(a, b)| b == '*' && !is_sep(a)).count();
        if t.chars().any(|c| !is_sep(c)) {
            prop_assert!(masked >= 1, "{t:?} → {m:?}");
        }
    }

    /// Chinese names: the surname (1 or 2 characters) and nothing else is shown.
    #[test]
    fn name_mask_shows_surname_only(given in "[\\u{4e00}-\\u{9fa5}]{1,3}", compound in any::<bool>()) {
        let surname = if compound { "欧阳" } else { "李" };
        let m = mask::mask_name(&format!("{surname}{given}"));
        prop_assert_eq!(m, format!("{surname}{}", "*".repeat(given.chars().count())));
    }
}
