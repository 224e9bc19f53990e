// Shared by the fuzz target (`fuzz_targets/identifiers.rs`) and the stable corpus replay test
// (`crates/model/tests/identifier_corpus.rs`): runs every identifier parser and mask on
// untrusted bytes and asserts their invariants. Any panic is a bug.

use zhicheng_model::identifier::{mask, CitizenId, CreditCode, Mobile, Plate, PlateRules};

/// Counts positions where the masked output shows the input's character.
fn revealed(input: &str, masked: &str) -> usize {
    input
        .chars()
        .zip(masked.chars())
        .filter(|(a, b)| a == b && *b != mask::MASK)
        .count()
}

pub fn check_identifiers(data: &[u8]) {
    let lossy = String::from_utf8_lossy(data);
    let s: &str = &lossy;
    let today = time::Date::from_calendar_date(2026, time::Month::June, 1).expect("date");

    if let Ok(id) = CitizenId::parse_on(s, today) {
        let text = id.to_string();
        assert_eq!(text.len(), 18);
        assert_eq!(CitizenId::parse_on(&text, today).as_ref(), Ok(&id));
        assert!(id.birth_date() <= today);
        let m = id.masked();
        assert_eq!(m.chars().count(), 18);
        assert_eq!(revealed(&text, &m), 10);
    }
    if let Ok(id) = CitizenId::from_legacy(s, today) {
        assert_eq!(
            CitizenId::parse_on(&id.to_string(), today).as_ref(),
            Ok(&id)
        );
    }
    if let Ok(c) = CreditCode::parse(s) {
        assert_eq!(CreditCode::parse(&c.to_string()).as_ref(), Ok(&c));
        let _ = (
            c.authority_name(),
            c.category_name(),
            c.region_code(),
            c.org_code(),
        );
    }
    if let Ok(c) = CreditCode::parse_strict(s) {
        assert!(c.org_code_valid());
    }
    let strict = Plate::parse_with(s, &PlateRules::STRICT);
    let plate = Plate::parse(s);
    if let Ok(p) = &strict {
        assert_eq!(plate.as_ref(), Ok(p), "strict ⊂ default");
    }
    if let Ok(p) = &plate {
        assert_eq!(Plate::parse(&p.to_string()).as_ref(), Ok(p));
        let n = p.as_str().chars().count();
        assert!(n == 7 || n == 8);
        let m = p.masked();
        assert_eq!(m.chars().filter(|&c| c != mask::MASK).count(), 5); // 2 + '·' + 2
        let _ = p.nev_power();
    }
    if let Ok(m) = Mobile::parse(s) {
        assert_eq!(Mobile::parse(&m.to_string()).as_ref(), Ok(&m));
        assert_eq!(Mobile::parse(&m.e164()).as_ref(), Ok(&m));
        assert_eq!(m.masked().chars().filter(|&c| c == mask::MASK).count(), 4);
    }

    // Masks take anything, never panic, keep the character count (of the trimmed text) and
    // reveal no more than their rule.
    let t = s.trim();
    let n = t.chars().count();
    for (out, head_tail) in [
        (mask::mask_citizen_id(s), 10),
        (mask::mask_citizen_id_strict(s), 7),
    ] {
        assert_eq!(out.chars().count(), n);
        let shown = revealed(t, &out);
        assert!(shown <= head_tail);
        if n < 18 {
            assert!(shown <= n / 2);
        }
    }
    let name = mask::mask_name(s);
    assert_eq!(name.chars().count(), n);
    let _ = mask::mask_mobile(s);
    let _ = mask::mask_plate(s);
}
