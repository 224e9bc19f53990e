//! Body layouts the standards file gives no vector for, checked against hand-assembled bytes,
//! and the errors decoders report.

use time::macros::datetime;
use zhicheng_jt808::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn decode(id: u16, v: Version, bytes: &[u8]) -> Result<Body> {
    Body::decode(id, v, bytes, &DecodeOptions::default())
}

/// Decodes `bytes` and checks the body encodes back to them.
fn both_ways(id: u16, v: Version, bytes: &str, want: Body) {
    let bytes = hex(bytes);
    assert_eq!(decode(id, v, &bytes).unwrap(), want);
    assert_eq!(want.to_bytes().unwrap(), bytes);
}

#[test]
fn server_time_is_utc_bcd() {
    both_ways(
        0x8004,
        Version::V2019_1,
        "240501003000",
        Body::ServerTime(datetime!(2024-05-01 00:30:00 UTC)),
    );
    // Given in Beijing time, it is still written in UTC.
    let t = Body::ServerTime(datetime!(2024-05-01 08:30:00 +8));
    assert_eq!(t.to_bytes().unwrap(), hex("240501003000"));
    assert_eq!(
        decode(0x0004, Version::V2019_1, &[]),
        Ok(Body::QueryServerTime)
    );
}

#[test]
fn text_message_2013_and_2019() {
    // flags: display + TTS; "你好" in GBK is C4E3 BAC3.
    both_ways(
        0x8300,
        Version::V2013,
        "0C C4E3BAC3 41",
        Body::Text(TextMessage {
            flags: TextFlags::DISPLAY | TextFlags::TTS,
            text_type: None,
            text: "你好A".into(),
        }),
    );
    both_ways(
        0x8300,
        Version::V2019_1,
        "04 02 C4E3BAC3",
        Body::Text(TextMessage {
            flags: TextFlags::DISPLAY,
            text_type: Some(2),
            text: "你好".into(),
        }),
    );
}

#[test]
fn parameters_set_query_reply() {
    let set = "03 00000001 04 0000001E 00000013 0B 31302E302E302E313A3830 00000084 01 02";
    both_ways(
        0x8103,
        Version::V2013,
        set,
        Body::SetParams(vec![
            Param::HeartbeatInterval(30),
            Param::MainServerAddress("10.0.0.1:80".into()),
            Param::PlateColor(2),
        ]),
    );
    assert_eq!(decode(0x8104, Version::V2013, &[]), Ok(Body::QueryParams));
    both_ways(
        0x0104,
        Version::V2013,
        "0007 02 00000055 04 00000064 0000F123 02 ABCD",
        Body::ParamsResponse(ParamsResponse {
            serial: 7,
            params: vec![
                Param::MaxSpeed(100),
                Param::Other {
                    id: 0xF123,
                    value: vec![0xAB, 0xCD],
                },
            ],
        }),
    );
}

#[test]
fn location_query_and_response() {
    assert_eq!(decode(0x8201, Version::V2013, &[]), Ok(Body::QueryLocation));
    let loc = "00000000 00000002 01CDF266 07296C0E 000C 025D 005A 240501083000 3101 0C";
    let Body::LocationResponse(r) =
        decode(0x0201, Version::V2013, &hex(&format!("0009 {loc}"))).unwrap()
    else {
        panic!("not a location response")
    };
    assert_eq!(r.serial, 9);
    assert_eq!(r.location.satellites(), Some(12));
    assert_eq!(r.location.time, Some(datetime!(2024-05-01 00:30:00 UTC)));
    assert_eq!(
        Body::LocationResponse(r).to_bytes().unwrap(),
        hex(&format!("0009 {loc}"))
    );
}

#[test]
fn every_listed_location_item_is_typed() {
    let items = "01 04 00000001  02 02 0002  03 02 0003  04 02 0004  05 1E 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D
                 06 02 8005  11 05 01 00000011  12 06 02 00000012 01  13 07 00000013 0014 01
                 25 04 00000025  2A 02 0002  2B 04 00100020  30 01 1F  31 01 09  E1 03 AABBCC";
    let body = format!("00000000 00000000 00000000 00000000 0000 0000 0000 000000000000 {items}");
    let Body::Location(l) = decode(0x0200, Version::V2019_1, &hex(&body)).unwrap() else {
        panic!("not a location")
    };
    let mut tyres = [0u8; 30];
    for (i, t) in tyres.iter_mut().enumerate() {
        *t = i as u8;
    }
    assert_eq!(
        l.items,
        vec![
            LocationItem::Mileage(1),
            LocationItem::Fuel(2),
            LocationItem::RecorderSpeed(3),
            LocationItem::ManualAlarmId(4),
            LocationItem::TyrePressure(tyres),
            LocationItem::CompartmentTemperature(0x8005),
            LocationItem::Overspeed {
                location_type: 1,
                area_id: Some(0x11)
            },
            LocationItem::AreaAlarm {
                location_type: 2,
                area_id: 0x12,
                direction: 1
            },
            LocationItem::SectionTime {
                section_id: 0x13,
                seconds: 0x14,
                result: 1
            },
            LocationItem::VehicleSignals(0x25),
            LocationItem::IoStatus(2),
            LocationItem::Analog(0x0010_0020),
            LocationItem::SignalStrength(31),
            LocationItem::Satellites(9),
            LocationItem::Raw {
                id: 0xE1,
                value: vec![0xAA, 0xBB, 0xCC]
            },
        ]
    );
    assert_eq!(l.time, None);
    assert_eq!(Body::Location(l).to_bytes().unwrap(), hex(&body));
}

#[test]
fn alarm_and_status_bits_have_their_positions() {
    assert_eq!(AlarmFlags::EMERGENCY.bits(), 1);
    assert_eq!(AlarmFlags::FATIGUE_WARNING.bits(), 1 << 14);
    assert_eq!(AlarmFlags::RIGHT_TURN_BLIND_ZONE.bits(), 1 << 17);
    assert_eq!(AlarmFlags::ILLEGAL_DISPLACEMENT.bits(), 1 << 28);
    assert_eq!(AlarmFlags::ILLEGAL_DOOR_OPENING.bits(), 1 << 31);
    assert_eq!(
        AlarmFlags::all().bits(),
        u32::MAX,
        "every alarm bit has a name"
    );
    assert_eq!(StatusFlags::SOUTH.bits(), 1 << 2);
    assert_eq!(StatusFlags::DOOR5_OPEN.bits(), 1 << 17);
    assert_eq!(StatusFlags::GALILEO.bits(), 1 << 21);
    assert_eq!(
        StatusFlags::all().bits(),
        (1 << 23) - 1,
        "bits 0–22 named, 23–31 reserved"
    );
    let s = StatusFlags::from_bits_retain(0x0000_0300 | 1 << 30);
    assert_eq!(s.load(), Load::Full);
    assert_eq!(s.bits() >> 30, 1, "reserved bits are kept");
}

#[test]
fn decode_errors_name_the_problem() {
    assert_eq!(
        decode(0x0002, Version::V2013, &[0]),
        Err(Error::TrailingBytes { count: 1 })
    );
    assert!(matches!(
        decode(0x0001, Version::V2013, &[0, 1, 0, 2]),
        Err(Error::Truncated { field: "result" })
    ));
    assert!(matches!(
        decode(0x0200, Version::V2013, &[0; 27]),
        Err(Error::Truncated { .. })
    ));
    let mut bad_time = vec![0u8; 28];
    bad_time[22..28].copy_from_slice(&[0x24, 0x02, 0x30, 0, 0, 0]);
    assert!(matches!(
        decode(0x0200, Version::V2013, &bad_time),
        Err(Error::InvalidTime { field: "time", .. })
    ));
    bad_time[22] = 0xA4;
    assert!(matches!(
        decode(0x0200, Version::V2013, &bad_time),
        Err(Error::InvalidBcd { field: "time" })
    ));
    // 0x81 alone is not GBK.
    assert_eq!(
        decode(0x0102, Version::V2013, &[0x31, 0x81]),
        Err(Error::InvalidText { field: "auth_code" })
    );
    // 2019 authentication without its software version.
    let mut auth = vec![1, b'A'];
    auth.extend_from_slice(b"123456789012345");
    assert!(matches!(
        decode(0x0102, Version::V2019_1, &auth),
        Err(Error::Truncated {
            field: "software_version"
        })
    ));
    // A batch that announces more items than it carries.
    assert!(matches!(
        decode(0x0704, Version::V2013, &[0, 2, 0]),
        Err(Error::Truncated { .. })
    ));
}

#[test]
fn encode_errors() {
    let too_long = Registration {
        edition: Edition::V2013,
        province: 0,
        city: 0,
        manufacturer: "TOOLONG".into(),
        model: String::new(),
        terminal_id: String::new(),
        plate_color: 0,
        plate: String::new(),
    };
    assert_eq!(
        Body::Registration(too_long).to_bytes(),
        Err(Error::FieldTooLong {
            field: "manufacturer",
            len: 7,
            max: 5
        })
    );
    let emoji = Body::Text(TextMessage {
        flags: TextFlags::empty(),
        text_type: None,
        text: "🚗".into(),
    });
    assert_eq!(emoji.to_bytes(), Err(Error::Unencodable { field: "text" }));
    let mut l = Location::decode(&[0; 28]).unwrap();
    l.time = Some(datetime!(1999-12-31 16:00:00 UTC)); // 2000-01-01 00:00 in Beijing: fine
    assert!(Body::Location(l.clone()).to_bytes().is_ok());
    l.time = Some(datetime!(1999-12-31 15:59:59 UTC));
    assert_eq!(
        Body::Location(l).to_bytes(),
        Err(Error::TimeOutOfRange { field: "time" })
    );
    let big = Message::new(
        Body::Raw(vec![0; 1024]),
        Version::V2013,
        Phone::new("1").unwrap(),
        0,
    );
    assert_eq!(big.to_bytes(), Err(Error::BodyTooLong { len: 1024 }));
    let long_phone = Message::new(
        Body::Heartbeat,
        Version::V2013,
        Phone::new("1234567890123").unwrap(),
        0,
    );
    assert!(matches!(
        long_phone.to_bytes(),
        Err(Error::PhoneTooLong { digits: 12, .. })
    ));
}

#[test]
fn encrypted_and_split_bodies_stay_raw() {
    let phone = Phone::new("13912345678").unwrap();
    let mut h = Header::new(0x0200, Version::V2013, phone, 1);
    h.encryption = 1;
    let f = Frame {
        header: h,
        body: vec![1, 2, 3],
    };
    assert_eq!(
        Message::decode(f.as_ref()).unwrap().body,
        Body::Raw(vec![1, 2, 3])
    );
    h.encryption = 0;
    h.package = Some(Package { total: 2, index: 1 });
    let f = Frame {
        header: h,
        body: vec![1, 2, 3],
    };
    assert_eq!(
        Message::decode(f.as_ref()).unwrap().body,
        Body::Raw(vec![1, 2, 3])
    );
    // A message split into packets decodes once reassembled.
    let loc = hex("00000000 00000002 01CDF266 07296C0E 000C 025D 005A 240501083000");
    h.package = None;
    let mut r = Reassembler::new(ReassemblyConfig::default());
    let mut whole = None;
    for p in fragment(&h, &loc, 10).unwrap() {
        whole = r.push(p, std::time::Duration::ZERO).unwrap();
    }
    let whole = whole.unwrap();
    let Body::Location(l) = Message::decode(whole.as_ref()).unwrap().body else {
        panic!("not a location")
    };
    assert_eq!(l.latitude(), 30.27415);
}
