//! Golden vectors for identifiers, from `shared/specs/standards.md` §6.

use time::macros::date;
use zhicheng_model::identifier::{
    citizen_id_check_char, credit_code_check_char, is_province_code, mask, org_code_check_char,
    CitizenId, CreditCode, IdKind, IdentifierError, Mobile, NevPower, Plate, PlateKind, PlateRules,
    Sex,
};

const TODAY: time::Date = date!(2026 - 06 - 01);

fn id(s: &str) -> Result<CitizenId, IdentifierError> {
    CitizenId::parse_on(s, TODAY)
}

#[test]
fn citizen_id_spec_samples() {
    // §6.1: S = 167, r = 2 → X.
    let a = id("11010519491231002X").unwrap();
    assert_eq!(a.check_char(), 'X');
    assert_eq!(a.region_code(), "110105");
    assert_eq!(a.province_code(), "11");
    assert_eq!(a.birth_date(), date!(1949 - 12 - 31));
    assert_eq!(a.sequence(), 2);
    assert_eq!(a.sex(), Sex::Female);
    assert_eq!(a.age_on(date!(2026 - 01 - 01)), 76);
    assert_eq!(a.age_on(date!(1949 - 12 - 30)), 0);
    // §6.1: r = 8 → 4.
    let b = id("440524188001010014").unwrap();
    assert_eq!(b.birth_date(), date!(1880 - 01 - 01));
    assert_eq!(b.sex(), Sex::Male);
    // Lower-case x is normalised.
    assert_eq!(id("11010519491231002x").unwrap(), a);
    assert_eq!(id(" 11010519491231002X\n").unwrap(), a);
    // Full-width digits from a Chinese IME.
    assert_eq!(id("１１０１０５１９４９１２３１００２Ｘ").unwrap(), a);
}

#[test]
fn citizen_id_check_table() {
    // r → check: 0→1 1→0 2→X 3→9 … 10→2. Build a 17-digit prefix for each r by varying the
    // last digit of a base (weight 2).
    let expected = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    for d in 0..10u32 {
        let first17 = format!("1101051949123100{d}");
        let s: u32 = first17
            .bytes()
            .zip([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        assert_eq!(
            citizen_id_check_char(&first17),
            Some(expected[(s % 11) as usize])
        );
    }
    assert_eq!(citizen_id_check_char("1234"), None);
    assert_eq!(citizen_id_check_char("1101051949123100A"), None);
}

#[test]
fn citizen_id_rejections() {
    assert!(matches!(
        id("11010519491231002"),
        Err(IdentifierError::Length {
            kind: IdKind::CitizenId,
            found: 17,
            ..
        })
    ));
    assert!(matches!(
        id("110105194912310029"),
        Err(IdentifierError::CheckCharacter {
            expected: 'X',
            found: '9',
            ..
        })
    ));
    assert!(matches!(
        id("1101051949123100X2"),
        Err(IdentifierError::Character {
            position: 17,
            found: 'X',
            ..
        })
    ));
    // 1949-02-30 is not a date (check digit recomputed so only the date is wrong).
    let bad = format!(
        "11010519490230002{}",
        citizen_id_check_char("11010519490230002").unwrap()
    );
    assert!(matches!(id(&bad), Err(IdentifierError::BirthDate(_))));
    let bad = format!(
        "11010519491331002{}",
        citizen_id_check_char("11010519491331002").unwrap()
    );
    assert!(matches!(id(&bad), Err(IdentifierError::BirthDate(_))));
    // Born after the reference day.
    let fut = format!(
        "11010520300101002{}",
        citizen_id_check_char("11010520300101002").unwrap()
    );
    assert!(matches!(id(&fut), Err(IdentifierError::FutureBirthDate(_))));
    // Leap day.
    let leap = format!(
        "11010520000229002{}",
        citizen_id_check_char("11010520000229002").unwrap()
    );
    assert!(id(&leap).is_ok());
    let noleap = format!(
        "11010519000229002{}",
        citizen_id_check_char("11010519000229002").unwrap()
    );
    assert!(id(&noleap).is_err());
    // Province 99 does not exist.
    let p = format!(
        "99010519491231002{}",
        citizen_id_check_char("99010519491231002").unwrap()
    );
    assert!(matches!(id(&p), Err(IdentifierError::Province(_))));
    assert!(is_province_code("37") && is_province_code("83") && !is_province_code("10"));
    assert!(!is_province_code("3") && !is_province_code("+1"));
}

#[test]
fn citizen_id_legacy_upgrade() {
    let a = CitizenId::from_legacy("110105491231002", TODAY).unwrap();
    assert_eq!(a.as_str(), "11010519491231002X");
    assert!(CitizenId::from_legacy("11010549123100", TODAY).is_err());
    assert!(CitizenId::from_legacy("11010549123100X", TODAY).is_err());
    assert!(CitizenId::from_legacy("110105491331002", TODAY).is_err()); // month 13
                                                                        // parse() does not silently take 15 digits.
    assert!(id("110105491231002").is_err());
}

#[test]
fn citizen_id_debug_is_masked() {
    let a = id("11010519491231002X").unwrap();
    assert_eq!(format!("{a:?}"), "CitizenId(\"110105********002X\")");
    assert_eq!(a.to_string(), "11010519491231002X");
}

#[test]
fn credit_code_spec_sample() {
    let c = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(c.check_char(), '3');
    assert_eq!(c.authority_code(), '9');
    assert_eq!(c.authority_name(), Some("工商"));
    assert_eq!(c.category_code(), '1');
    assert_eq!(c.category_name(), Some("企业"));
    assert_eq!(c.region_code(), "350100");
    assert_eq!(c.org_code(), "M000100Y4");
    assert!(c.org_code_valid());
    assert_eq!(CreditCode::parse_strict("91350100M000100Y43").unwrap(), c);
    assert_eq!(CreditCode::parse("91350100m000100y43").unwrap(), c);
    assert_eq!(credit_code_check_char("91350100M000100Y4"), Some('3'));
    assert_eq!(org_code_check_char("M000100Y"), Some('4'));
    assert_eq!(c.to_string(), "91350100M000100Y43");
}

#[test]
fn credit_code_rejections() {
    assert!(matches!(
        CreditCode::parse("91350100M000100Y44"),
        Err(IdentifierError::CheckCharacter {
            expected: '3',
            found: '4',
            ..
        })
    ));
    // I, O, Z, S, V are not in the set.
    for bad in ['I', 'O', 'Z', 'S', 'V'] {
        let s = format!("91350100M000100{bad}43");
        assert!(matches!(
            CreditCode::parse(&s),
            Err(IdentifierError::Character { position: 16, .. })
        ));
    }
    // Region positions 3–8 must be digits.
    let first17 = "9135010AM000100Y4";
    let s = format!("{first17}{}", credit_code_check_char(first17).unwrap());
    assert!(matches!(
        CreditCode::parse(&s),
        Err(IdentifierError::Character { position: 8, .. })
    ));
    // A valid USCC check with a broken org-code check: accepted by parse, not parse_strict.
    let first17 = "91350100M000100Y5";
    let s = format!("{first17}{}", credit_code_check_char(first17).unwrap());
    let c = CreditCode::parse(&s).unwrap();
    assert!(!c.org_code_valid());
    assert!(CreditCode::parse_strict(&s).is_err());
    assert!(CreditCode::parse("91350100M000100Y4").is_err());
}

#[test]
fn credit_code_categories() {
    let mk = |first2: &str| {
        let first17 = format!("{first2}350100M000100Y4");
        CreditCode::parse(&format!(
            "{first17}{}",
            credit_code_check_char(&first17).unwrap()
        ))
        .unwrap()
    };
    assert_eq!(mk("92").category_name(), Some("个体工商户"));
    assert_eq!(mk("93").category_name(), Some("农民专业合作社"));
    assert_eq!(mk("12").category_name(), Some("事业单位"));
    assert_eq!(mk("53").category_name(), Some("基金会"));
    assert_eq!(mk("51").authority_name(), Some("民政"));
    assert_eq!(mk("Y1").authority_name(), Some("其他"));
    assert_eq!(mk("Y1").category_name(), None);
    assert_eq!(mk("B1").authority_name(), None);
}

#[test]
fn plates_ordinary_and_separators() {
    let p = Plate::parse("鲁C·12345").unwrap();
    assert_eq!(p.to_string(), "鲁C·12345");
    assert_eq!(p.as_str(), "鲁C12345");
    assert_eq!(
        (p.province(), p.authority(), p.serial()),
        ('鲁', 'C', "12345")
    );
    assert_eq!(p.kind(), PlateKind::Ordinary);
    for s in [
        "鲁C12345",
        "鲁C-12345",
        "鲁c 12345",
        "鲁C•12345",
        "鲁Ｃ１２３４５",
        " 鲁C.12345 ",
    ] {
        assert_eq!(Plate::parse(s).unwrap(), p, "{s}");
    }
    assert_eq!(Plate::parse("浙AB1C23").unwrap().serial(), "B1C23");
    let kinds = [
        ("京A1234学", PlateKind::Coach),
        ("鲁C1234警", PlateKind::Police),
        ("粤Z1234港", PlateKind::HongKong),
        ("粤Z1234澳", PlateKind::Macao),
        ("鲁C1234挂", PlateKind::Trailer),
        ("沪A1234领", PlateKind::Consulate),
        ("使A12345", PlateKind::Ordinary),
    ];
    for (s, k) in kinds {
        assert_eq!(Plate::parse(s).unwrap().kind(), k, "{s}");
    }
}

#[test]
fn plates_new_energy() {
    let small = Plate::parse("粤B·D12345").unwrap();
    assert_eq!(small.kind(), PlateKind::NewEnergySmall);
    assert_eq!(small.nev_power(), Some(NevPower::PureElectric));
    assert!(small.is_new_energy());
    let large = Plate::parse("粤B12345F").unwrap();
    assert_eq!(large.kind(), PlateKind::NewEnergyLarge);
    assert_eq!(large.nev_power(), Some(NevPower::NonPureElectric));
    assert_eq!(large.to_string(), "粤B·12345F");
    assert_eq!(
        Plate::parse("粤BFA1234").unwrap().nev_power(),
        Some(NevPower::NonPureElectric)
    );
    // Extended letters: accepted by default, rejected by STRICT.
    for s in ["粤BA12345", "粤B12345K", "粤BG12345"] {
        assert!(Plate::parse(s).is_ok(), "{s}");
        assert!(Plate::parse_with(s, &PlateRules::STRICT).is_err(), "{s}");
    }
    assert!(Plate::parse_with("粤BD12345", &PlateRules::STRICT).is_ok());
    assert_eq!(
        Plate::parse("粤BC12345").unwrap().nev_power(),
        Some(NevPower::PureElectric)
    );
    assert_eq!(Plate::parse("鲁C12345").unwrap().nev_power(), None);
}

#[test]
fn plates_rejected() {
    for s in [
        "鲁I12345",   // authority letter I
        "鲁O12345",   // authority letter O
        "鲁C1234O",   // O in serial
        "鲁CI2345",   // I in serial
        "鲁C1234",    // too short
        "鲁C1234567", // too long
        "XC12345",    // not a province
        "台A12345",   // not in the list
        "鲁C12345学", // suffix on an 8-character plate
        "鲁C学1234",  // suffix not last
        "粤BX12345",  // X is not an energy letter
        "粤BD1234A",  // small NEV: last 4 digits
        "粤B1234AD",  // large NEV: 5 digits
        "",
    ] {
        assert!(Plate::parse(s).is_err(), "{s:?}");
    }
}

#[test]
fn mobiles() {
    let m = Mobile::parse("13812345678").unwrap();
    assert_eq!(m.to_string(), "13812345678");
    assert_eq!(m.e164(), "+8613812345678");
    for s in [
        "+8613812345678",
        "8613812345678",
        "008613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        "１３８１２３４５６７８",
    ] {
        assert_eq!(Mobile::parse(s).unwrap(), m, "{s}");
    }
    assert_eq!(format!("{m:?}"), "Mobile(\"138****5678\")");
    for s in ["12812345678", "10812345678", "23812345678"] {
        assert_eq!(Mobile::parse(s), Err(IdentifierError::MobilePrefix), "{s}");
    }
    for s in [
        "1381234567",
        "138123456789",
        "+1 13812345678",
        "+8513812345678",
        "1381234567a",
        "",
    ] {
        assert!(Mobile::parse(s).is_err(), "{s}");
    }
    assert!(Mobile::parse("19912345678").is_ok());
}

#[test]
fn masks_golden() {
    assert_eq!(
        mask::mask_citizen_id("370323199001011234"),
        "370323********1234"
    );
    assert_eq!(
        mask::mask_citizen_id("11010519491231002X"),
        "110105********002X"
    );
    assert_eq!(
        mask::mask_citizen_id_strict("11010519491231002X"),
        "110***********002X"
    );
    assert_eq!(mask::mask_mobile("13956785678"), "139****5678");
    assert_eq!(mask::mask_mobile("+86 138-1234-5678"), "138****5678");
    assert_eq!(mask::mask_plate("鲁C·12345"), "鲁C·***45");
    assert_eq!(mask::mask_plate("浙A12345"), "浙A·***45");
    assert_eq!(mask::mask_plate("粤BD12345"), "粤B·****45");
    assert_eq!(mask::mask_plate("京A1234学"), "京A·***4学");
    assert_eq!(mask::mask_name("张三"), "张*");
    assert_eq!(mask::mask_name("张三丰"), "张**");
    assert_eq!(mask::mask_name("欧阳修"), "欧阳*");
    assert_eq!(mask::mask_name("欧阳娜娜"), "欧阳**");
    assert_eq!(mask::mask_name("欧阳"), "欧*"); // a surname alone: single surname + 1 char
    assert_eq!(mask::mask_name("张"), "*");
    assert_eq!(mask::mask_name("买买提·艾力"), "买**·**");
    assert_eq!(mask::mask_name("John Smith"), "J*** *****");
    // Malformed input is masked, never echoed.
    assert_eq!(mask::mask_citizen_id(""), "");
    assert_eq!(mask::mask_citizen_id("1234"), "1**4");
    assert_eq!(mask::mask_citizen_id("123"), "***");
    assert_eq!(mask::mask_mobile("1381234"), "1*****4");
    assert_eq!(mask::mask_plate("鲁C1234"), "鲁****4");
    assert_eq!(mask::mask_citizen_id("张三李四王五"), "张****五");
    assert_eq!(
        mask::mask_citizen_id("1101051949123100200X"),
        "110105**********200X"
    );
    // Parsed types mask the same way.
    let id = CitizenId::parse_on("11010519491231002X", TODAY).unwrap();
    assert_eq!(id.masked(), "110105********002X");
    assert_eq!(Plate::parse("鲁C12345").unwrap().masked(), "鲁C·***45");
    assert_eq!(
        Mobile::parse("13812345678").unwrap().masked(),
        "138****5678"
    );
}

#[test]
fn name_mask_degenerate_inputs() {
    assert_eq!(mask::mask_name("a·"), "*·");
    assert_eq!(mask::mask_name("·张三"), "·张*");
    assert_eq!(mask::mask_name("  李四  "), "李*");
    assert_eq!(mask::mask_name("🌀*"), "🌀*");
    assert_eq!(mask::mask_name("e\u{301}x"), "e**"); // combining mark counts as a char
}
