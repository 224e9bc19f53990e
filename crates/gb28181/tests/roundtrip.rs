//! Property tests: build → encode → parse gives back what was built, for SIP requests and
//! responses (datagram and stream), MANSCDP documents in both charsets, device IDs and the
//! digest exchange.

use proptest::prelude::*;
use zhicheng_gb28181::auth::{AuthError, Challenge, Credentials};
use zhicheng_gb28181::manscdp::{
    Alarm, AlarmInputStatus, CatalogAssembly, CatalogItem, CatalogResponse, Charset, DeviceInfo,
    DeviceStatus, Document, Element, Health, Keepalive, OnOff, Query,
};
use zhicheng_gb28181::sip::{
    CSeq, Limits, Message, Method, NameAddr, Params, Request, Response, StreamDecoder, Uri, Via,
};
use zhicheng_gb28181::DeviceId;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+~-]{0,11}"
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Register),
        Just(Method::Message),
        Just(Method::Invite),
        Just(Method::Ack),
        Just(Method::Bye),
        Just(Method::Subscribe),
        Just(Method::Notify),
        Just(Method::Info),
        "[A-Z]{3,9}".prop_map(|m| Method::parse(&m).unwrap()),
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "[0-9]{10}",
        "[a-z][a-z0-9-]{0,8}(\\.[a-z]{2,5}){0,2}",
        Just("[::1]".to_string()),
    ]
}

fn params() -> impl Strategy<Value = Params> {
    proptest::collection::vec((token(), proptest::option::of(token())), 0..3).prop_map(|ps| {
        let mut out = Params::default();
        for (n, v) in ps {
            if !out.contains(&n) {
                out.0.push((n, v));
            }
        }
        out
    })
}

fn uri() -> impl Strategy<Value = Uri> {
    (
        any::<bool>(),
        proptest::option::of("[0-9]{20}|[a-z0-9]{1,8}"),
        host(),
        proptest::option::of(any::<u16>()),
        params(),
    )
        .prop_map(|(secure, user, host, port, params)| Uri {
            secure,
            user,
            host,
            port,
            params,
            headers: None,
        })
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (
        proptest::option::of("[A-Za-z0-9 大门\"\\\\<>,;]{1,12}"),
        uri(),
        params(),
    )
        .prop_map(|(display, uri, params)| NameAddr {
            display,
            uri,
            params,
        })
}

fn via() -> impl Strategy<Value = Via> {
    (
        prop_oneof![Just("UDP"), Just("TCP"), Just("TLS")],
        host(),
        proptest::option::of(any::<u16>()),
        token(),
        any::<bool>(),
    )
        .prop_map(|(t, h, p, branch, rport)| {
            let mut v = Via::new(t, &h, p, &format!("z9hG4bK{branch}"));
            if !rport {
                v.params.remove("rport");
            }
            v
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..300)
}

fn request() -> impl Strategy<Value = (Request, Vec<Via>, NameAddr, NameAddr, CSeq)> {
    (
        method(),
        uri(),
        proptest::collection::vec(via(), 1..3),
        name_addr(),
        name_addr(),
        token(),
        (any::<u32>(), method()),
        proptest::option::of(any::<u32>()),
        body(),
        proptest::collection::vec(("X-[A-Za-z]{1,8}", "[ -~]{0,20}"), 0..3),
    )
        .prop_map(
            |(m, u, vias, from, to, call_id, (seq, cm), expires, body, extra)| {
                let cseq = CSeq::new(seq, cm);
                let mut req = Request::new(m, u);
                for v in &vias {
                    req = req.with_header("Via", v);
                }
                req = req
                    .with_header("From", &from)
                    .with_header("To", &to)
                    .with_header("Call-ID", &call_id)
                    .with_header("CSeq", &cseq)
                    .with_header("Max-Forwards", 70);
                if let Some(e) = expires {
                    req = req.with_header("Expires", e);
                }
                for (n, v) in extra {
                    req = req.with_header(&n, v.trim());
                }
                if !body.is_empty() {
                    req = req.with_body("Application/MANSCDP+xml", body);
                }
                (req, vias, from, to, cseq)
            },
        )
}

/// What parsing gives back: the same, plus the Content-Length header encoding adds.
fn with_length(mut req: Request) -> Request {
    let n = req.body.len();
    req.headers.push("Content-Length", n.to_string());
    req
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sip_request_round_trip((req, vias, from, to, cseq) in request()) {
        let wire = req.encode();
        let parsed = Request::parse(&wire).unwrap();
        prop_assert_eq!(&parsed, &with_length(req.clone()));
        prop_assert_eq!(parsed.headers.vias().unwrap(), vias.clone());
        prop_assert_eq!(parsed.headers.from().unwrap(), from);
        prop_assert_eq!(parsed.headers.to().unwrap(), to);
        prop_assert_eq!(parsed.headers.cseq().unwrap(), cseq);
        prop_assert_eq!(parsed.headers.top_via().unwrap(), vias[0].clone());
        // Datagrams may carry trailing junk after Content-Length (it is discarded).
        let mut padded = wire.clone();
        padded.extend_from_slice(b"\r\n\r\n");
        prop_assert_eq!(Request::parse(&padded).unwrap(), parsed);
    }

    #[test]
    fn sip_response_round_trip((req, ..) in request(), status in 100u16..700, tag in token(), reason in "[A-Za-z][A-Za-z ]{0,20}[a-z]") {
        let mut resp = Response::for_request(&req, status).with_to_tag(&tag);
        resp.reason = reason;
        resp.body = req.body.clone();
        let parsed = Response::parse(&resp.encode()).unwrap();
        prop_assert_eq!(parsed.status, status);
        let (got_to, sent_to) = (parsed.headers.to().unwrap(), req.headers.to().unwrap());
        prop_assert_eq!(got_to.tag().unwrap(), sent_to.tag().unwrap_or(&tag));
        prop_assert_eq!(parsed.headers.vias().unwrap(), req.headers.vias().unwrap());
        prop_assert_eq!(parsed.headers.call_id().unwrap(), req.headers.call_id().unwrap());
        let mut expected = resp.clone();
        expected.headers.push("Content-Length", resp.body.len().to_string());
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn stream_decoder_splits_any_chunking(reqs in proptest::collection::vec(request(), 1..5), chunk in 1usize..200, pings in any::<bool>()) {
        let mut wire = Vec::new();
        for (r, ..) in &reqs {
            if pings {
                wire.extend_from_slice(b"\r\n\r\n");
            }
            wire.extend_from_slice(&r.encode());
        }
        let mut dec = StreamDecoder::new(Limits::default());
        let mut got = Vec::new();
        for piece in wire.chunks(chunk) {
            dec.feed(piece);
            while let Some(m) = dec.next_message() {
                got.push(m.unwrap());
            }
        }
        let expected: Vec<Message> = reqs.into_iter().map(|(r, ..)| Message::Request(with_length(r))).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn stream_decoder_recovers_after_garbage(
        (good, ..) in request(),
        garbage in proptest::collection::vec(any::<u8>(), 1..200),
        chunk in 1usize..64,
    ) {
        // Garbage ends with a line break, so the good message starts a line as on a real stream.
        let mut wire = garbage.clone();
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(&good.encode());
        let mut dec = StreamDecoder::new(Limits::default());
        let mut oks = Vec::new();
        for piece in wire.chunks(chunk) {
            dec.feed(piece);
            while let Some(m) = dec.next_message() {
                if let Ok(m) = m {
                    oks.push(m);
                }
            }
        }
        // Whatever the garbage, the last message decoded is the good one.
        prop_assert_eq!(oks.last().cloned(), Some(Message::Request(with_length(good))));
    }

    #[test]
    fn device_id_round_trip(digits in "[0-9]{20}") {
        let id = DeviceId::parse(&digits).unwrap();
        prop_assert_eq!(id.to_string(), digits.clone());
        prop_assert_eq!(digits.parse::<DeviceId>().unwrap(), id);
        let rebuilt = format!(
            "{}{:02}{:03}{}{:06}",
            id.centre_code(), id.industry_code(), id.type_code(), id.network_code(), id.serial()
        );
        prop_assert_eq!(rebuilt, digits);
    }

    #[test]
    fn device_id_from_parts(
        province in prop::sample::select(vec![11u8, 33, 34, 44, 65, 82]),
        city in 1u8..100, county in 0u8..100,
        industry in 0u8..100, type_code in 111u16..600, network in 0u8..10, serial in 0u32..1_000_000,
    ) {
        let centre = if county == 0 { format!("{province:02}{city:02}0000") } else { format!("{province:02}{city:02}{county:02}00") };
        let id = DeviceId::new(&centre, industry, type_code, network, serial).unwrap();
        prop_assert_eq!(id.centre_code(), centre.as_str());
        prop_assert_eq!((id.industry_code(), id.type_code(), id.network_code(), id.serial()), (industry, type_code, network, serial));
        prop_assert!(id.validate().is_ok());
    }

    #[test]
    fn non_digit_ids_are_refused(s in "[0-9]{0,19}[^0-9][0-9]{0,19}") {
        prop_assert!(DeviceId::parse(&s).is_err());
    }

    #[test]
    fn digest_answer_verifies(user in token(), realm in "[0-9]{10}", nonce in "[0-9a-f]{32}", password in "[ -~]{1,20}",
                              cnonce in "[0-9a-f]{8}", nc in 1u32..1000, qop in any::<bool>(), wrong in "[ -~]{1,20}") {
        let mut challenge = Challenge::new(&realm, &nonce);
        if qop {
            challenge = challenge.with_qop_auth();
        }
        let uri = format!("sip:{realm}@{realm}");
        let creds = Credentials::answer(&challenge, "REGISTER", &uri, &user, &password, &cnonce, nc).unwrap();
        // The header text reads back the same and still verifies.
        let header = creds.to_string();
        let back: Credentials = header.parse().unwrap();
        prop_assert_eq!(&back, &creds);
        prop_assert_eq!(back.verify(&challenge, "REGISTER", &password), Ok(()));
        prop_assert_eq!(challenge.to_string().parse::<Challenge>().unwrap(), challenge.clone());
        if wrong != password {
            prop_assert_eq!(back.verify(&challenge, "REGISTER", &wrong), Err(AuthError::WrongResponse));
        }
    }
}

/// Text as devices write it: no edge whitespace; XML specials, GB2312 hanzi, and characters
/// outside GBK (written as character references in GB2312).
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9大门西摄像机&<>\"'😀-]([A-Za-z0-9 大门西摄像机&<>\"'😀#;-]{0,14}[A-Za-z0-9大门西&<>😀])?"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn coord() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(-180.0f64..180.0)
}

fn on_off() -> impl Strategy<Value = Option<OnOff>> {
    proptest::option::of(prop_oneof![Just(OnOff::On), Just(OnOff::Off)])
}

fn health() -> impl Strategy<Value = Health> {
    prop_oneof![Just(Health::Ok), Just(Health::Error)]
}

fn extra() -> impl Strategy<Value = Vec<Element>> {
    proptest::collection::vec(
        ("Ext[A-Z][a-z]{0,6}", text()).prop_map(|(n, t)| Element::leaf(n, t)),
        0..2,
    )
}

fn item() -> impl Strategy<Value = CatalogItem> {
    (
        (
            "[0-9]{20}|[0-9]{6}",
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
        ),
        (
            proptest::option::of(any::<bool>()),
            opt_text(),
            proptest::option::of(0u8..5),
            proptest::option::of(1u8..4),
        ),
        (
            proptest::option::of(0u8..2),
            opt_text(),
            proptest::option::of(any::<u16>()),
            on_off(),
            coord(),
            coord(),
        ),
        (opt_text(), opt_text(), extra()),
    )
        .prop_map(
            |(
                (id, name, man, model, owner, civil),
                (parental, parent, safety, reg),
                (secrecy, ip, port, status, lon, lat),
                (block, bg, extra),
            )| {
                CatalogItem {
                    device_id: id,
                    name,
                    manufacturer: man,
                    model,
                    owner,
                    civil_code: civil,
                    block,
                    address: None,
                    parental,
                    parent_id: parent,
                    safety_way: safety,
                    register_way: reg,
                    secrecy,
                    ip_address: ip,
                    port,
                    status,
                    longitude: lon,
                    latitude: lat,
                    business_group_id: bg,
                    extra,
                }
            },
        )
}

fn document() -> impl Strategy<Value = Document> {
    let id = "[0-9]{20}";
    prop_oneof![
        (
            any::<u32>(),
            id,
            health(),
            proptest::collection::vec("[0-9]{20}", 0..3)
        )
            .prop_map(|(sn, d, status, faulty)| Document::Keepalive(Keepalive {
                sn,
                device_id: d,
                status,
                faulty
            })),
        (any::<u32>(), id).prop_map(|(sn, d)| Document::CatalogQuery(Query::new(sn, &d))),
        (any::<u32>(), id).prop_map(|(sn, d)| Document::DeviceInfoQuery(Query::new(sn, &d))),
        (any::<u32>(), id).prop_map(|(sn, d)| Document::DeviceStatusQuery(Query::new(sn, &d))),
        (
            any::<u32>(),
            id,
            any::<u32>(),
            proptest::collection::vec(item(), 0..4)
        )
            .prop_map(|(sn, d, sum, items)| Document::Catalog(CatalogResponse {
                sn,
                device_id: d,
                sum_num: sum,
                items
            })),
        (
            any::<u32>(),
            id,
            (
                opt_text(),
                proptest::option::of(health()),
                opt_text(),
                opt_text(),
                opt_text(),
                opt_text()
            ),
            proptest::option::of(any::<u32>()),
            extra()
        )
            .prop_map(
                |(sn, d, (name, result, ty, man, model, fw), channel, extra)| Document::DeviceInfo(
                    DeviceInfo {
                        sn,
                        device_id: d,
                        device_name: name,
                        result,
                        device_type: ty,
                        manufacturer: man,
                        model,
                        firmware: fw,
                        channel,
                        extra,
                    }
                )
            ),
        (
            any::<u32>(),
            id,
            (
                proptest::option::of(health()),
                on_off(),
                proptest::option::of(health()),
                opt_text(),
                on_off(),
                on_off()
            ),
            proptest::option::of("20[0-9]{2}-0[1-9]-1[0-9]T0[0-9]:[0-5][0-9]:[0-5][0-9]"),
            proptest::collection::vec(
                (
                    "[0-9]{20}",
                    prop_oneof![Just("ONDUTY"), Just("OFFDUTY"), Just("ALARM")]
                ),
                0..3
            ),
            extra()
        )
            .prop_map(
                |(sn, d, (result, online, status, reason, encode, record), time, alarms, extra)| {
                    Document::DeviceStatus(DeviceStatus {
                        sn,
                        device_id: d,
                        result,
                        online,
                        status,
                        reason,
                        encode,
                        record,
                        device_time: time,
                        alarm_inputs: alarms
                            .into_iter()
                            .map(|(device_id, s)| AlarmInputStatus {
                                device_id,
                                duty_status: s.into(),
                            })
                            .collect(),
                        extra,
                    })
                }
            ),
        (
            any::<u32>(),
            id,
            proptest::option::of(1u8..5),
            proptest::option::of(1u8..8),
            opt_text(),
            coord(),
            coord(),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            extra()
        )
            .prop_map(
                |(
                    sn,
                    d,
                    priority,
                    method,
                    description,
                    longitude,
                    latitude,
                    alarm_type,
                    event_type,
                    extra,
                )| Document::Alarm(Alarm {
                    sn,
                    device_id: d,
                    priority,
                    method,
                    time: Some("2024-05-01T08:30:00".into()),
                    description,
                    longitude,
                    latitude,
                    alarm_type,
                    event_type,
                    extra,
                })
            ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn manscdp_round_trip(doc in document()) {
        for charset in [Charset::Gb2312, Charset::Utf8] {
            let bytes = doc.encode(charset);
            let back = Document::parse(&bytes).unwrap();
            prop_assert_eq!(&back, &doc, "{:?}: {}", charset, String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn manscdp_inside_a_sip_message(doc in document()) {
        let req = Request::new(Method::Message, Uri::new("34020000002000000001", "3402000000"))
            .with_body(zhicheng_gb28181::sip::MANSCDP_XML, doc.encode(Charset::Gb2312));
        let parsed = Request::parse(&req.encode()).unwrap();
        prop_assert!(parsed.headers.is_manscdp());
        prop_assert_eq!(Document::parse(&parsed.body).unwrap(), doc);
    }

    #[test]
    fn catalog_pages_reassemble(items in proptest::collection::vec(item(), 0..30), per_page in 1usize..8, sn in any::<u32>()) {
        // Distinct IDs, as a real catalog has.
        let items: Vec<CatalogItem> = items.into_iter().enumerate().map(|(i, mut it)| { it.device_id = format!("3402000000131{i:07}"); it }).collect();
        let pages = CatalogResponse::paginate(sn, "34020000001180000001", items.clone(), per_page);
        prop_assert_eq!(pages.len(), items.len().div_ceil(per_page).max(1));
        let mut asm = CatalogAssembly::new(sn, 10_000);
        let mut done = false;
        for page in &pages {
            prop_assert!(page.items.len() <= per_page);
            // Every page goes over the wire and back.
            let Document::Catalog(back) = Document::parse(&Document::Catalog(page.clone()).encode(Charset::Gb2312)).unwrap() else {
                panic!("not a catalog");
            };
            done = asm.add(back.clone()).unwrap();
            // A retransmitted page changes nothing.
            prop_assert_eq!(asm.add(back).unwrap(), done);
        }
        prop_assert!(done);
        prop_assert_eq!(asm.into_items(), items);
    }
}
