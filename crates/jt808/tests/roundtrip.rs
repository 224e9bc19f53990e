//! Property tests: encode → decode round trips for frames (escaping included), every typed
//! body, stream splitting at random cut points with garbage between frames, and
//! sub-package reassembly in any order.

use std::time::Duration;

use proptest::prelude::*;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use zhicheng_jt808::*;

// ---------- strategies ----------

fn phone(max_digits: usize) -> impl Strategy<Value = Phone> {
    proptest::string::string_regex(&format!("[0-9]{{1,{max_digits}}}"))
        .expect("regex")
        .prop_map(|s| Phone::new(&s).expect("digits"))
}

fn version() -> impl Strategy<Value = Version> {
    prop_oneof![
        Just(Version::V2013),
        any::<u8>().prop_map(|protocol_version| Version::V2019 { protocol_version }),
    ]
}

/// Bytes with plenty of 0x7E and 0x7D, so escaping is exercised.
fn wire_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![3 => any::<u8>(), 1 => Just(0x7e), 1 => Just(0x7d)],
        0..=max,
    )
}

fn header() -> impl Strategy<Value = Header> {
    (
        any::<u16>(),
        version(),
        0u8..8,
        any::<bool>(),
        any::<u16>(),
        prop::option::of((1u16..=u16::MAX).prop_flat_map(|t| (Just(t), 1..=t))),
    )
        .prop_flat_map(|(msg_id, version, encryption, reserved_bit, serial, pkg)| {
            phone(version.phone_digits()).prop_map(move |phone| Header {
                msg_id,
                version,
                encryption,
                reserved_bit,
                phone,
                serial,
                package: pkg.map(|(total, index)| Package { total, index }),
            })
        })
}

/// Text that GBK can carry: ASCII (no NUL) and some Chinese.
fn gbk_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => (0x20u8..0x7f).prop_map(char::from),
            1 => prop::sample::select("浙粤京沪测试中文车牌号码你好苏鲁".chars().collect::<Vec<_>>()),
        ],
        0..=max_chars,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// ASCII text of at most `max` bytes (fixed-width fields).
fn ascii(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9 .-]{{0,{max}}}")).expect("regex")
}

fn datetime(offset: UtcOffset) -> impl Strategy<Value = OffsetDateTime> {
    (
        2000i32..=2099,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
    )
        .prop_map(move |(y, mo, d, h, mi, s)| {
            let date = Date::from_calendar_date(y, Month::try_from(mo).unwrap(), d).unwrap();
            PrimitiveDateTime::new(date, Time::from_hms(h, mi, s).unwrap()).assume_offset(offset)
        })
}

fn beijing() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap()
}

fn location_item() -> impl Strategy<Value = LocationItem> {
    prop_oneof![
        any::<u32>().prop_map(LocationItem::Mileage),
        any::<u16>().prop_map(LocationItem::Fuel),
        any::<u16>().prop_map(LocationItem::RecorderSpeed),
        any::<u16>().prop_map(LocationItem::ManualAlarmId),
        any::<[u8; 30]>().prop_map(LocationItem::TyrePressure),
        any::<u16>().prop_map(LocationItem::CompartmentTemperature),
        (any::<u8>(), prop::option::of(any::<u32>())).prop_map(|(location_type, area_id)| {
            LocationItem::Overspeed {
                location_type,
                area_id,
            }
        }),
        (any::<u8>(), any::<u32>(), any::<u8>()).prop_map(|(location_type, area_id, direction)| {
            LocationItem::AreaAlarm {
                location_type,
                area_id,
                direction,
            }
        }),
        (any::<u32>(), any::<u16>(), any::<u8>()).prop_map(|(section_id, seconds, result)| {
            LocationItem::SectionTime {
                section_id,
                seconds,
                result,
            }
        }),
        any::<u32>().prop_map(LocationItem::VehicleSignals),
        any::<u16>().prop_map(LocationItem::IoStatus),
        any::<u32>().prop_map(LocationItem::Analog),
        any::<u8>().prop_map(LocationItem::SignalStrength),
        any::<u8>().prop_map(LocationItem::Satellites),
        // Anything else, in the form the decoder gives it (raw unless it happens to be typed).
        (any::<u8>(), wire_bytes(40)).prop_map(|(id, v)| LocationItem::from_bytes(id, &v)),
    ]
}

fn location() -> impl Strategy<Value = Location> {
    (
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        (any::<u16>(), any::<u16>(), any::<u16>()),
        prop::option::of(datetime(beijing())),
        prop::collection::vec(location_item(), 0..6),
    )
        .prop_map(
            |((alarm, status, lat, lon), (altitude, speed, direction), time, items)| Location {
                alarm: AlarmFlags::from_bits_retain(alarm),
                status: StatusFlags::from_bits_retain(status),
                latitude_e6: lat,
                longitude_e6: lon,
                altitude,
                speed,
                direction,
                time,
                items,
            },
        )
}

fn param() -> impl Strategy<Value = Param> {
    prop_oneof![
        any::<u32>().prop_map(Param::HeartbeatInterval),
        any::<u32>().prop_map(Param::MaxSpeed),
        any::<u32>().prop_map(Param::Odometer),
        any::<u16>().prop_map(Param::FenceRadius),
        any::<u16>().prop_map(Param::Province),
        any::<u8>().prop_map(Param::PlateColor),
        gbk_text(20).prop_map(Param::MainServerAddress),
        gbk_text(10).prop_map(Param::PlateNumber),
        (any::<u32>(), wire_bytes(40)).prop_map(|(id, v)| Param::from_bytes(id, &v)),
        (0u32..0x100, wire_bytes(8)).prop_map(|(id, v)| Param::from_bytes(id, &v)),
    ]
}

fn registration() -> impl Strategy<Value = Registration> {
    prop_oneof![
        Just(Edition::V2011),
        Just(Edition::V2013),
        Just(Edition::V2019)
    ]
    .prop_flat_map(|edition| {
        let (wm, wt, wi) = Registration::widths(edition);
        (
            any::<u16>(),
            any::<u16>(),
            ascii(wm),
            ascii(wt),
            ascii(wi),
            any::<u8>(),
            gbk_text(12),
        )
            .prop_map(
                move |(province, city, manufacturer, model, terminal_id, plate_color, plate)| {
                    Registration {
                        edition,
                        province,
                        city,
                        manufacturer,
                        model,
                        terminal_id,
                        plate_color,
                        plate,
                    }
                },
            )
    })
}

fn general() -> impl Strategy<Value = GeneralResponse> {
    (any::<u16>(), any::<u16>(), any::<u8>()).prop_map(|(serial, msg_id, r)| GeneralResponse {
        serial,
        msg_id,
        result: r.into(),
    })
}

/// A body and the header version it belongs under.
fn body() -> impl Strategy<Value = (Body, Version)> {
    prop_oneof![
        (general(), version()).prop_map(|(g, v)| (Body::TerminalResponse(g), v)),
        (general(), version()).prop_map(|(g, v)| (Body::PlatformResponse(g), v)),
        version().prop_map(|v| (Body::Heartbeat, v)),
        version().prop_map(|v| (Body::Logout, v)),
        version().prop_map(|v| (Body::QueryServerTime, v)),
        version().prop_map(|v| (Body::QueryLocation, v)),
        version().prop_map(|v| (Body::QueryParams, v)),
        (datetime(UtcOffset::UTC), version()).prop_map(|(t, v)| (Body::ServerTime(t), v)),
        registration().prop_map(|r| {
            let v = if r.edition == Edition::V2019 {
                Version::V2019_1
            } else {
                Version::V2013
            };
            (Body::Registration(r), v)
        }),
        (
            any::<u16>(),
            any::<u8>(),
            prop::option::of(gbk_text(10).prop_filter("non-empty", |s| !s.is_empty())),
            version()
        )
            .prop_map(|(serial, r, auth_code, v)| (
                Body::RegistrationResponse(RegistrationResponse {
                    serial,
                    result: r.into(),
                    auth_code,
                }),
                v
            )),
        (gbk_text(20), Just(Version::V2013)).prop_map(|(auth_code, v)| (
            Body::Authentication(Authentication {
                auth_code,
                extension: None
            }),
            v
        )),
        (gbk_text(20), ascii(15), ascii(20)).prop_map(|(auth_code, imei, software_version)| (
            Body::Authentication(Authentication {
                auth_code,
                extension: Some(AuthExtension {
                    imei,
                    software_version
                }),
            }),
            Version::V2019_1
        )),
        (location(), version()).prop_map(|(l, v)| (Body::Location(l), v)),
        (
            any::<u8>(),
            prop::collection::vec(location(), 0..4),
            version()
        )
            .prop_map(|(kind, items, v)| (Body::BatchLocation(BatchLocation { kind, items }), v)),
        (any::<u16>(), location(), version()).prop_map(|(serial, location, v)| (
            Body::LocationResponse(LocationResponse { serial, location }),
            v
        )),
        (prop::collection::vec(param(), 0..8), version())
            .prop_map(|(p, v)| (Body::SetParams(p), v)),
        (
            any::<u16>(),
            prop::collection::vec(param(), 0..8),
            version()
        )
            .prop_map(|(serial, params, v)| (
                Body::ParamsResponse(ParamsResponse { serial, params }),
                v
            )),
        (any::<u8>(), gbk_text(30), version()).prop_map(|(f, text, v)| (
            Body::Text(TextMessage {
                flags: TextFlags::from_bits_retain(f),
                text_type: v.is_2019().then_some(f.rotate_left(3)),
                text,
            }),
            v
        )),
    ]
}

fn options_for(body: &Body) -> DecodeOptions {
    DecodeOptions {
        legacy_registration: match body {
            Body::Registration(r) if r.edition == Edition::V2011 => LegacyRegistration::V2011,
            _ => LegacyRegistration::V2013,
        },
    }
}

// ---------- properties ----------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn frame_round_trip(h in header(), body in wire_bytes(1023)) {
        let mut wire = Vec::new();
        encode_frame(&h, &body, &mut wire).unwrap();
        prop_assert_eq!(wire[0], 0x7e);
        prop_assert_eq!(*wire.last().unwrap(), 0x7e);
        prop_assert!(!wire[1..wire.len() - 1].contains(&0x7e), "flag inside the frame");
        let mut scratch = Vec::new();
        let f = decode_frame(&wire, &mut scratch).unwrap();
        prop_assert_eq!(f.header, h);
        prop_assert_eq!(f.body, &body[..]);
        // Unescaped length: header + body + checksum.
        prop_assert_eq!(scratch.len(), h.encoded_len() + body.len() + 1);
    }

    #[test]
    fn any_single_byte_change_is_caught_or_harmless(
        h in header(), body in wire_bytes(64), at in any::<prop::sample::Index>(), x in 1u8..=255
    ) {
        let mut wire = Vec::new();
        encode_frame(&h, &body, &mut wire).unwrap();
        let i = 1 + at.index(wire.len() - 2);
        wire[i] ^= x;
        let mut scratch = Vec::new();
        // A one-byte change inside the frame never yields the original frame back.
        if let Ok(f) = decode_frame(&wire, &mut scratch) {
            prop_assert!(f.header != h || f.body != &body[..]);
        }
    }

    #[test]
    fn body_round_trip((body, v) in body(), p in phone(12), serial in any::<u16>()) {
        let bytes = body.to_bytes().unwrap();
        let id = body.msg_id().unwrap();
        let opts = options_for(&body);
        prop_assert_eq!(&Body::decode(id, v, &bytes, &opts).unwrap(), &body);
        if bytes.len() <= 1023 {
            let msg = Message::new(body.clone(), v, p, serial);
            let wire = msg.to_bytes().unwrap();
            let mut scratch = Vec::new();
            let back = Message::decode_with(decode_frame(&wire, &mut scratch).unwrap(), &opts).unwrap();
            prop_assert_eq!(back, msg);
        }
    }

    #[test]
    fn registration_2011_auto_detected_when_short(mut r in registration()) {
        r.edition = Edition::V2011;
        r.manufacturer.truncate(5);
        r.model.truncate(8);
        r.terminal_id.truncate(7);
        r.plate.truncate(0);
        r.plate.push_str("A1");
        let bytes = Body::Registration(r.clone()).to_bytes().unwrap();
        prop_assert!(bytes.len() < 37);
        let back = Body::decode(0x0100, Version::V2013, &bytes, &DecodeOptions::default()).unwrap();
        prop_assert_eq!(back, Body::Registration(r));
    }

    #[test]
    fn stream_splits_anywhere(
        frames in prop::collection::vec((header(), wire_bytes(200)), 1..8),
        garbage in prop::collection::vec(wire_bytes(30), 8),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
        tight in any::<bool>(),
    ) {
        let mut wire = garbage[0].iter().copied().filter(|&b| b != 0x7e).collect::<Vec<_>>();
        for (i, (h, b)) in frames.iter().enumerate() {
            encode_frame(h, b, &mut wire).unwrap();
            wire.extend_from_slice(&garbage[(i + 1) % garbage.len()]);
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
        cuts.push(0);
        cuts.push(wire.len());
        cuts.sort_unstable();
        let config = if tight {
            StreamConfig { buffer_capacity: 0, ..StreamConfig::default() }
        } else {
            StreamConfig::default()
        };
        let mut dec = StreamDecoder::with_config(config);
        let mut got = Vec::new();
        let mut errors = [0usize; FrameErrorKind::COUNT];
        for w in cuts.windows(2) {
            dec.decode(&wire[w[0]..w[1]], |item| match item {
                Ok(f) => got.push(f.to_frame()),
                Err(e) => errors[e.kind() as usize] += 1,
            });
            prop_assert!(dec.buffered() <= dec.config().buffer_capacity);
        }
        let want: Vec<Frame> = frames
            .iter()
            .map(|(h, b)| Frame { header: *h, body: b.clone() })
            .collect();
        prop_assert_eq!(got, want);
        // Leading garbage (flags removed) is reported once as garbage.
        let lead = garbage[0].iter().filter(|&&b| b != 0x7e).count();
        prop_assert_eq!(errors[FrameErrorKind::Garbage as usize], usize::from(lead > 0));
    }

    #[test]
    fn reassembly_in_any_order(
        h in header(),
        body in wire_bytes(5000),
        chunk in 1usize..=1023,
        seed in any::<u64>(),
    ) {
        let frames = fragment(&h, &body, chunk).unwrap();
        let n = frames.len();
        // A permutation from the seed.
        let mut order: Vec<usize> = (0..n).collect();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (s >> 33) as usize % (i + 1));
        }
        let mut r = Reassembler::new(ReassemblyConfig { max_packets: u16::MAX, ..Default::default() });
        let mut done = None;
        for (k, &i) in order.iter().enumerate() {
            let t = Duration::from_millis(k as u64);
            prop_assert!(done.is_none());
            prop_assert!(r.expire(t).is_empty());
            done = r.push(frames[i].clone(), t).unwrap();
        }
        let whole = done.unwrap();
        prop_assert_eq!(&whole.body, &body);
        let mut want = h;
        want.package = None;
        prop_assert_eq!(whole.header, want);
        prop_assert_eq!(r.pending_bytes(), 0);
    }
}
