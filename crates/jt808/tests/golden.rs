//! Every frame of standards.md §1.12 and §1.13 decodes to the fields listed there and
//! re-encodes to the same bytes.

use time::macros::datetime;
use zhicheng_jt808::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes through the stream decoder and through `decode_frame`, checks both agree, checks the
/// message re-encodes to the same bytes, and returns it.
fn golden(wire_hex: &str) -> Message {
    let wire = hex(wire_hex);
    let mut scratch = Vec::new();
    let frame = decode_frame(&wire, &mut scratch).expect("valid frame");
    let msg = Message::decode(frame).expect("valid body");

    let mut dec = StreamDecoder::new();
    assert_eq!(dec.push(&wire), wire.len());
    let streamed = dec.next_frame().expect("a frame").expect("valid");
    assert!(dec.next_frame().is_none());
    assert_eq!(streamed.as_ref(), frame);

    assert_eq!(
        msg.to_bytes().expect("encodes"),
        wire,
        "re-encoding {wire_hex}"
    );
    // The frame layer alone also round-trips.
    assert_eq!(frame.to_frame().to_bytes().unwrap(), wire);
    msg
}

fn phone(s: &str) -> Phone {
    Phone::new(s).unwrap()
}

fn registration(m: &Message) -> &Registration {
    match &m.body {
        Body::Registration(r) => r,
        other => panic!("not a registration: {other:?}"),
    }
}

fn location(m: &Message) -> &Location {
    match &m.body {
        Body::Location(l) => l,
        other => panic!("not a location: {other:?}"),
    }
}

#[test]
fn a_registration_2013_smallchi() {
    let m = golden("7E0100002D000123456789000A002800323132333400736D616C6C6368693132330000000000000000004348493132330001D4C14131323334358A7E");
    assert_eq!(m.header.msg_id, 0x0100);
    assert_eq!(m.header.version, Version::V2013);
    assert_eq!(m.header.phone, phone("000123456789"));
    assert_eq!(m.header.serial, 10);
    assert_eq!(
        registration(&m),
        &Registration {
            edition: Edition::V2013,
            province: 40,
            city: 50,
            manufacturer: "1234".into(),
            model: "smallchi123".into(),
            terminal_id: "CHI123".into(),
            plate_color: 1,
            plate: "粤A12345".into(),
        }
    );
}

#[test]
fn b_registration_2019_smallchi() {
    let m = golden("7E010040540100000000000123456789000A002800323132333400000000000000736D616C6C6368693132330000000000000000000000000000000000000043484931323300000000000000000000000000000000000000000000000001D4C1413132333435B27E");
    assert_eq!(
        m.header.version,
        Version::V2019 {
            protocol_version: 1
        }
    );
    assert_eq!(m.header.phone.padded(20), "00000000000123456789");
    assert_eq!(m.header.phone.as_str(), "123456789");
    assert_eq!(m.header.serial, 10);
    assert_eq!(
        registration(&m),
        &Registration {
            edition: Edition::V2019,
            province: 40,
            city: 50,
            manufacturer: "1234".into(),
            model: "smallchi123".into(),
            terminal_id: "CHI123".into(),
            plate_color: 1,
            plate: "粤A12345".into(),
        }
    );
}

#[test]
fn c_registration_2013_go_jt808() {
    let m = golden("7e010000301234567820130001001f006e63643132337777772e3830382e636f6d0000000000000000003736353433323101b2e2413132333435363738437e");
    assert_eq!(m.header.phone, phone("123456782013"));
    assert_eq!(m.header.serial, 1);
    assert_eq!(
        registration(&m),
        &Registration {
            edition: Edition::V2013,
            province: 31,
            city: 110,
            manufacturer: "cd123".into(),
            model: "www.808.com".into(),
            terminal_id: "7654321".into(),
            plate_color: 1,
            plate: "测A12345678".into(),
        }
    );
}

#[test]
fn d_registration_2019_go_jt808() {
    let m = golden("7e0100405701123456789012345620190001001f006e63643132333435363738397777772e3830382e636f6d0000000000000000000000000000000000000037363534333231000000000000000000000000000000000000000000000001b2e24131323334353637388e7e");
    assert_eq!(m.header.phone, phone("12345678901234562019"));
    assert_eq!(m.header.version, Version::V2019_1);
    let r = registration(&m);
    assert_eq!(r.edition, Edition::V2019);
    assert_eq!((r.province, r.city), (31, 110));
    assert_eq!(r.manufacturer, "cd123456789");
    assert_eq!(r.model, "www.808.com");
    assert_eq!(r.terminal_id, "7654321");
    assert_eq!(r.plate, "测A12345678");
}

#[test]
fn e_location_2013_with_mileage_and_fuel() {
    let m = golden("7E020000260112233445500000000000010000000200BA7F0E07E4F11C0028003C000018071510101001040000006402020037AB7E");
    assert_eq!(m.header.phone, phone("011223344550"));
    let l = location(&m);
    assert_eq!(l.alarm, AlarmFlags::EMERGENCY);
    assert_eq!(l.status, StatusFlags::POSITIONED);
    assert_eq!(l.latitude_e6, 12_222_222);
    assert_eq!(l.longitude_e6, 132_444_444);
    assert_eq!(l.latitude(), 12.222222);
    assert_eq!(l.longitude(), 132.444444);
    assert_eq!((l.altitude, l.speed, l.direction), (40, 60, 0));
    assert_eq!(l.time, Some(datetime!(2018-07-15 10:10:10 +8)));
    assert_eq!(
        l.items,
        vec![LocationItem::Mileage(100), LocationItem::Fuel(55)]
    );
}

#[test]
fn f_location_2019_no_extras() {
    let m = golden("7e0200401c01123456789012345620190001000004000000080006eeb6ad02633df7013800030063241001235959947e");
    assert_eq!(m.header.phone, phone("12345678901234562019"));
    let l = location(&m);
    assert_eq!(l.alarm, AlarmFlags::TTS_FAULT);
    assert_eq!(l.status, StatusFlags::CIRCUIT_CUT);
    // The test data puts 116.3° into the latitude slot (a codec vector, not a place).
    assert_eq!(l.latitude(), 116.307629);
    assert_eq!(l.longitude(), 40.058359);
    assert_eq!((l.altitude, l.speed, l.direction), (312, 3, 99));
    assert_eq!(l.time, Some(datetime!(2024-10-01 23:59:59 +8)));
    assert!(l.items.is_empty());
}

#[test]
fn g_terminal_general_response() {
    let m = golden("7E0001000501234567890004B303E8000200D37E");
    assert_eq!(m.header.serial, 1203);
    assert_eq!(
        m.body,
        Body::TerminalResponse(GeneralResponse {
            serial: 1000,
            msg_id: 0x0002,
            result: ResultCode::Success
        })
    );
}

#[test]
fn h_platform_general_response() {
    let m = golden("7E80010005012345678900000A0064020000617E");
    assert_eq!(m.header.phone, phone("012345678900"));
    assert_eq!(m.header.serial, 10);
    assert_eq!(
        m.body,
        Body::PlatformResponse(GeneralResponse {
            serial: 100,
            msg_id: 0x0200,
            result: ResultCode::Success
        })
    );
}

#[test]
fn i_heartbeat() {
    let m = golden("7E00020000012345678900000A817E");
    assert_eq!(m.body, Body::Heartbeat);
    assert_eq!(m.header.serial, 10);
}

#[test]
fn j_registration_response_success() {
    let m = golden("7E81000009012345678900000A006400313233343536687E");
    assert_eq!(
        m.body,
        Body::RegistrationResponse(RegistrationResponse {
            serial: 100,
            result: RegistrationResult::Success,
            auth_code: Some("123456".into()),
        })
    );
}

#[test]
fn k_registration_response_terminal_unknown() {
    let m = golden("7E81000003012345678900000A006404617E");
    assert_eq!(
        m.body,
        Body::RegistrationResponse(RegistrationResponse {
            serial: 100,
            result: RegistrationResult::TerminalUnknown,
            auth_code: None,
        })
    );
}

#[test]
fn l_authentication_2013() {
    let m = golden("7E010200090123456789003039343536313231313131BE7E");
    assert_eq!(m.header.serial, 0x3039);
    assert_eq!(
        m.body,
        Body::Authentication(Authentication {
            auth_code: "456121111".into(),
            extension: None
        })
    );
}

#[test]
fn m_authentication_2019() {
    let m = golden("7e0102402d0112345678901234562019000109393837363534333231313233343536373839303132333435332e372e31350000000000000000000000000000b77e");
    assert_eq!(
        m.body,
        Body::Authentication(Authentication {
            auth_code: "987654321".into(),
            extension: Some(AuthExtension {
                imei: "123456789012345".into(),
                software_version: "3.7.15".into(),
            }),
        })
    );
}

#[test]
fn n_batch_location_smallchi() {
    let m = golden("7E0704005311223344556622B80002000026000000010000000200BA7F0E07E4F11C0028003C0000180715101010010400000064020200370026000000020000000100CB735507E6A32300290036007818071510103001040000006002020042D47E");
    assert_eq!(m.header.phone, phone("112233445566"));
    assert_eq!(m.header.serial, 0x22B8);
    let Body::BatchLocation(b) = &m.body else {
        panic!("not a batch")
    };
    assert_eq!(b.kind, 0);
    assert_eq!(b.items.len(), 2);
    let (x, y) = (&b.items[0], &b.items[1]);
    assert_eq!((x.alarm.bits(), x.status.bits()), (1, 2));
    assert_eq!((x.latitude_e6, x.longitude_e6), (12_222_222, 132_444_444));
    assert_eq!(
        x.items,
        vec![LocationItem::Mileage(100), LocationItem::Fuel(55)]
    );
    assert_eq!(
        (y.alarm, y.status),
        (AlarmFlags::OVERSPEED, StatusFlags::ACC_ON)
    );
    assert_eq!((y.latitude_e6, y.longitude_e6), (13_333_333, 132_555_555));
    assert_eq!((y.altitude, y.speed, y.direction), (41, 54, 120));
    assert_eq!(y.time, Some(datetime!(2018-07-15 10:10:30 +8)));
    assert_eq!(
        y.items,
        vec![LocationItem::Mileage(96), LocationItem::Fuel(66)]
    );
}

// ---- §1.13: our own worked examples ----

fn our_registration(edition: Edition, maker: &str) -> Registration {
    Registration {
        edition,
        province: 33,
        city: 106,
        manufacturer: maker.into(),
        model: "TM-808".into(),
        terminal_id: "T000001".into(),
        plate_color: 2,
        plate: "浙A12345".into(),
    }
}

#[test]
fn ours_registration_2013() {
    let wire = "7E0100002D01391234567800010021006A4142434445544D2D38303800000000000000000000000000005430303030303102D5E3413132333435027E";
    let m = golden(wire);
    assert_eq!(m.header.phone, phone("013912345678"));
    assert_eq!(m.header.serial, 1);
    let reg = our_registration(Edition::V2013, "ABCDE");
    assert_eq!(registration(&m), &reg);
    // Built from scratch (an 11-digit phone), it encodes to the same bytes.
    let built = Message::new(
        Body::Registration(reg),
        Version::V2013,
        phone("13912345678"),
        1,
    );
    assert_eq!(built.to_bytes().unwrap(), hex(wire));
}

#[test]
fn ours_registration_2019() {
    let wire = "7E01004054010000000001391234567800010021006A3333303130363132333435544D2D38303800000000000000000000000000000000000000000000000054303030303031000000000000000000000000000000000000000000000002D5E34131323334354D7E";
    let m = golden(wire);
    assert_eq!(m.header.phone.as_str(), "13912345678");
    let reg = our_registration(Edition::V2019, "33010612345");
    assert_eq!(registration(&m), &reg);
    let built = Message::new(
        Body::Registration(reg),
        Version::V2019_1,
        phone("13912345678"),
        1,
    );
    assert_eq!(built.to_bytes().unwrap(), hex(wire));
}

#[test]
fn ours_registration_response_and_authentication() {
    let m = golden("7E8100000B01391234567800010001004155544830303031B37E");
    assert_eq!(
        m.body,
        Body::RegistrationResponse(RegistrationResponse {
            serial: 1,
            result: RegistrationResult::Success,
            auth_code: Some("AUTH0001".into()),
        })
    );
    let m = golden("7E0102000801391234567800024155544830303031307E");
    assert_eq!(m.header.serial, 2);
    assert_eq!(
        m.body,
        Body::Authentication(Authentication {
            auth_code: "AUTH0001".into(),
            extension: None
        })
    );
    let wire = "7E0102402C0100000000013912345678000208415554483030303138363030303030303030303030303156312E302E300000000000000000000000000000057E";
    let m = golden(wire);
    let auth = Authentication {
        auth_code: "AUTH0001".into(),
        extension: Some(AuthExtension {
            imei: "860000000000001".into(),
            software_version: "V1.0.0".into(),
        }),
    };
    assert_eq!(m.body, Body::Authentication(auth.clone()));
    let built = Message::new(
        Body::Authentication(auth),
        Version::V2019_1,
        phone("13912345678"),
        2,
    );
    assert_eq!(built.to_bytes().unwrap(), hex(wire));
}

fn our_location() -> Location {
    Location {
        alarm: AlarmFlags::empty(),
        status: StatusFlags::ACC_ON | StatusFlags::POSITIONED,
        latitude_e6: 30_274_150,
        longitude_e6: 120_155_150,
        altitude: 12,
        speed: 605,
        direction: 90,
        time: Some(datetime!(2024-05-01 08:30:00 +8)),
        items: vec![
            LocationItem::Mileage(123_456),
            LocationItem::SignalStrength(31),
            LocationItem::Satellites(12),
        ],
    }
}

#[test]
fn ours_location_2013_and_2019() {
    let wire13 = "7E020000280139123456780003000000000000000301CDF26607296C0E000C025D005A24050108300001040001E24030011F31010CAB7E";
    let wire19 = "7E0200402801000000000139123456780003000000000000000301CDF26607296C0E000C025D005A24050108300001040001E24030011F31010CEA7E";
    for (wire, version) in [(wire13, Version::V2013), (wire19, Version::V2019_1)] {
        let m = golden(wire);
        assert_eq!(m.header.version, version);
        assert_eq!(m.header.serial, 3);
        let l = location(&m);
        assert_eq!(l, &our_location());
        assert_eq!((l.latitude(), l.longitude()), (30.27415, 120.15515));
        assert_eq!(l.speed_kmh(), 60.5);
        assert_eq!(l.mileage(), Some(123_456));
        assert_eq!(l.time.unwrap().unix_timestamp(), 1_714_523_400);
        let built = Message::new(
            Body::Location(our_location()),
            version,
            phone("13912345678"),
            3,
        );
        assert_eq!(built.to_bytes().unwrap(), hex(wire));
    }
    // The same instant given in UTC encodes to the same Beijing-time bytes.
    let mut utc = our_location();
    utc.time = Some(datetime!(2024-05-01 00:30:00 UTC));
    let built = Message::new(Body::Location(utc), Version::V2013, phone("13912345678"), 3);
    assert_eq!(built.to_bytes().unwrap(), hex(wire13));
}

#[test]
fn ours_platform_response_to_location() {
    let m = golden("7E8001000501391234567800020003020000B77E");
    assert_eq!(m.header.serial, 2);
    assert_eq!(
        m.body,
        Body::PlatformResponse(GeneralResponse {
            serial: 3,
            msg_id: 0x0200,
            result: ResultCode::Success
        })
    );
}

#[test]
fn ours_heartbeat_escaping() {
    let wire = "7E 00020000013912345678007D02 4C 7E";
    let m = golden(wire);
    assert_eq!(m.header.serial, 0x007E);
    assert_eq!(m.body, Body::Heartbeat);
}

#[test]
fn spec_checksum_escaping_example() {
    // §1.2: `7E 0002 0000 040021679287 002B 7D02 7E` carries checksum 0x7E, sent as 7D 02.
    let m = golden("7E 0002 0000 040021679287 002B 7D02 7E");
    assert_eq!(m.header.phone, phone("040021679287"));
    assert_eq!(m.header.serial, 0x2B);
}

#[test]
fn ours_batch_blind_area() {
    let wire = "7E0704003F0139123456780004000201001C000000000000000301CDF26607296C0E000C025D005A240501083000001C000000000000000301CDF26607296C0E000C025D005A2405010830000B7E";
    let m = golden(wire);
    assert_eq!(m.header.serial, 4);
    let mut item = our_location();
    item.items.clear();
    let batch = BatchLocation {
        kind: 1,
        items: vec![item.clone(), item],
    };
    assert_eq!(m.body, Body::BatchLocation(batch));
}
