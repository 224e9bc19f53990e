//! Golden vectors from `shared/specs/standards.md` §3 (GB/T 28181): the registration exchange
//! with its digest, the keepalive, the catalog query and response, the device-ID coding —
//! plus RFC 2617's own digest example.
//!
//! The messages live in `tests/vectors/` as wire bytes (CRLF). Where the standards file
//! elides a header block ("same headers, CSeq: 2, new branch", "Via: copied from request")
//! the vector fills it in as the text says. `catalog_response.xml` adds a second item with
//! Chinese text in GB2312 to the single item the file shows ("<!-- second Item ... -->").

use zhicheng_gb28181::auth::{self, Algorithm, AuthError, Challenge, Credentials};
use zhicheng_gb28181::id::{IdClass, Industry, Network};
use zhicheng_gb28181::manscdp::{Charset, Document, Health, OnOff, Query};
use zhicheng_gb28181::sip::{format_gb_date, Message, Method, Request, Response, Uri, MANSCDP_XML};
use zhicheng_gb28181::{DeviceId, DeviceType};

const REGISTER: &[u8] = include_bytes!("vectors/register.sip");
const UNAUTHORIZED: &[u8] = include_bytes!("vectors/401.sip");
const REGISTER_AUTH: &[u8] = include_bytes!("vectors/register_auth.sip");
const REGISTER_OK: &[u8] = include_bytes!("vectors/200_register.sip");
const KEEPALIVE_SIP: &[u8] = include_bytes!("vectors/keepalive.sip");
const KEEPALIVE_XML: &[u8] = include_bytes!("vectors/keepalive.xml");
const CATALOG_QUERY: &[u8] = include_bytes!("vectors/catalog_query.xml");
const CATALOG_RESPONSE: &[u8] = include_bytes!("vectors/catalog_response.xml");
const CATALOG_SIP: &[u8] = include_bytes!("vectors/catalog_response.sip");

const DEVICE: &str = "34020000001320000001";
const SERVER: &str = "34020000002000000001";
const REALM: &str = "3402000000";
const NONCE: &str = "9bd055c6a7c9b1e6f8a2d3c4b5a69788";
const DIGEST_URI: &str = "sip:34020000002000000001@3402000000";
const PASSWORD: &str = "12345678";

fn request(bytes: &[u8]) -> Request {
    Request::parse(bytes).expect("golden request parses")
}

fn response(bytes: &[u8]) -> Response {
    Response::parse(bytes).expect("golden response parses")
}

fn lf(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

#[test]
fn register_without_auth_reads_every_header() {
    let req = request(REGISTER);
    assert_eq!(req.method, Method::Register);
    assert_eq!(req.uri, Uri::new(SERVER, REALM));
    let via = req.headers.top_via().unwrap();
    assert_eq!(
        (via.transport.as_str(), via.host.as_str(), via.port),
        ("UDP", "192.168.2.64", Some(5060))
    );
    assert_eq!(via.branch(), Some("z9hG4bK1235305492"));
    assert_eq!(via.rport(), Some(None), "rport requested without a value");
    let from = req.headers.from().unwrap();
    assert_eq!((from.user(), from.tag()), (Some(DEVICE), Some("180588994")));
    let to = req.headers.to().unwrap();
    assert_eq!((to.user(), to.tag()), (Some(DEVICE), None));
    assert_eq!(req.headers.call_id().unwrap(), "575393982");
    let cseq = req.headers.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (1, Method::Register));
    let contact = req.headers.contact().unwrap();
    assert_eq!(
        contact.uri.to_string(),
        "sip:34020000001320000001@192.168.2.64:5060"
    );
    assert_eq!(req.headers.max_forwards().unwrap(), Some(70));
    assert_eq!(req.headers.user_agent(), Some("IP Camera"));
    assert_eq!(req.headers.expires().unwrap(), Some(3600));
    assert_eq!(req.headers.content_length().unwrap(), Some(0));
    assert!(req.body.is_empty());
    assert!(req.headers.authorization().is_err());
    // Re-encoding reproduces the wire bytes exactly.
    assert_eq!(req.encode(), REGISTER);
}

#[test]
fn challenge_401_is_built_byte_for_byte_from_the_register() {
    let req = request(REGISTER);
    let challenge = Challenge::new(REALM, NONCE).with_qop_auth();
    let built = Response::for_request(&req, 401)
        .with_to_tag("776284809")
        .with_header("WWW-Authenticate", &challenge)
        .encode();
    assert_eq!(lf(&built), lf(UNAUTHORIZED));
    assert_eq!(built, UNAUTHORIZED);

    let resp = response(UNAUTHORIZED);
    assert_eq!((resp.status, resp.reason.as_str()), (401, "Unauthorized"));
    assert_eq!(resp.headers.to().unwrap().tag(), Some("776284809"));
    let parsed = resp.headers.www_authenticate().unwrap();
    assert_eq!(parsed, challenge);
    assert!(parsed.offers_auth());
}

#[test]
fn digest_vectors_of_the_standards_file() {
    let ha1 = auth::ha1(DEVICE, REALM, PASSWORD);
    assert_eq!(ha1, "8258341d7dd730ce4d3b8fd2db050320");
    assert_eq!(
        auth::md5_hex(&["REGISTER", DIGEST_URI]),
        "95fced343cf76247d3e2102931f17507"
    );
    assert_eq!(
        auth::digest_response(&ha1, NONCE, "REGISTER", DIGEST_URI, None),
        "27bd0bb6fe0b5d5ef875ae33c81cf8d7"
    );
    assert_eq!(
        auth::digest_response(
            &ha1,
            NONCE,
            "REGISTER",
            DIGEST_URI,
            Some(("00000001", "0a4f113b"))
        ),
        "8f1e610f082f762d4ce29458128e7e8c"
    );
}

#[test]
fn device_answers_the_challenge_with_the_golden_authorization() {
    let challenge = response(UNAUTHORIZED).headers.www_authenticate().unwrap();
    let creds = Credentials::answer(
        &challenge, "REGISTER", DIGEST_URI, DEVICE, PASSWORD, "0a4f113b", 1,
    )
    .unwrap();
    let golden = request(REGISTER_AUTH);
    assert_eq!(
        Some(creds.to_string().as_str()),
        golden.headers.get("Authorization")
    );
}

#[test]
fn device_answers_a_challenge_without_qop_in_rfc2069_form() {
    let challenge = Challenge::new(REALM, NONCE);
    let creds = Credentials::answer(
        &challenge, "REGISTER", DIGEST_URI, DEVICE, PASSWORD, "0a4f113b", 1,
    )
    .unwrap();
    assert_eq!(creds.response, "27bd0bb6fe0b5d5ef875ae33c81cf8d7");
    assert_eq!(
        (
            creds.qop.as_deref(),
            creds.nc.as_deref(),
            creds.cnonce.as_deref()
        ),
        (None, None, None)
    );
    assert!(creds.verify(&challenge, "REGISTER", PASSWORD).is_ok());
}

#[test]
fn platform_verifies_the_golden_authorization() {
    let req = request(REGISTER_AUTH);
    let creds = req.headers.authorization().unwrap();
    assert_eq!(creds.username, DEVICE);
    assert_eq!(creds.uri, DIGEST_URI);
    assert_eq!(
        (creds.qop.as_deref(), creds.nc.as_deref()),
        (Some("auth"), Some("00000001"))
    );
    assert_eq!(creds.algorithm, Some(Algorithm::Md5));
    let challenge = Challenge::new(REALM, NONCE).with_qop_auth();
    assert_eq!(
        creds.verify(&challenge, req.method.as_str(), PASSWORD),
        Ok(())
    );
    assert_eq!(
        creds.verify_ha1(&challenge, "REGISTER", "8258341d7dd730ce4d3b8fd2db050320"),
        Ok(())
    );
    // A wrong password is 403 material; a foreign nonce or realm is a fresh 401.
    assert_eq!(
        creds.verify(&challenge, "REGISTER", "87654321"),
        Err(AuthError::WrongResponse)
    );
    assert_eq!(
        creds.verify(
            &Challenge::new(REALM, "other").with_qop_auth(),
            "REGISTER",
            PASSWORD
        ),
        Err(AuthError::NonceMismatch)
    );
    assert_eq!(
        creds.verify(&Challenge::new("3402000001", NONCE), "REGISTER", PASSWORD),
        Err(AuthError::RealmMismatch)
    );
    // The digest covers the method.
    assert_eq!(
        creds.verify(&challenge, "MESSAGE", PASSWORD),
        Err(AuthError::WrongResponse)
    );
    // Many cameras ignore qop: the RFC 2069 answer to the same challenge is accepted.
    let mut no_qop = creds.clone();
    no_qop.qop = None;
    no_qop.nc = None;
    no_qop.cnonce = None;
    no_qop.response = "27bd0bb6fe0b5d5ef875ae33c81cf8d7".into();
    assert_eq!(no_qop.verify(&challenge, "REGISTER", PASSWORD), Ok(()));
}

/// RFC 2617 §3.5: Mufasa / "Circle Of Life".
#[test]
fn rfc2617_mufasa_example() {
    let challenge: Challenge = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
        nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
        .parse()
        .unwrap();
    assert!(challenge.offers_auth());
    let creds: Credentials = "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
        nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, nc=00000001, \
        cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", \
        opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
        .parse()
        .unwrap();
    assert_eq!(creds.verify(&challenge, "GET", "Circle Of Life"), Ok(()));
    assert_eq!(
        creds.verify(&challenge, "GET", "Circle of Life"),
        Err(AuthError::WrongResponse)
    );
    let mut other_opaque = challenge.clone();
    other_opaque.opaque = Some("x".into());
    assert_eq!(
        creds.verify(&other_opaque, "GET", "Circle Of Life"),
        Err(AuthError::OpaqueMismatch)
    );

    let answer = Credentials::answer(
        &challenge,
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle Of Life",
        "0a4f113b",
        1,
    )
    .unwrap();
    assert_eq!(answer.response, "6629fae49393a05397450978507c4ef1");
    assert_eq!(
        answer.opaque.as_deref(),
        Some("5ccc069c403ebaf9f0171e9517f40e41")
    );
}

#[test]
fn register_ok_carries_the_time_sync_date() {
    let req = request(REGISTER_AUTH);
    let date = zhicheng_gb28181::sip::parse_gb_date("2024-05-01T08:30:00.123").unwrap();
    let built = Response::for_request(&req, 200)
        .with_to_tag("776284809")
        .with_header("Contact", req.headers.contact().unwrap())
        .with_header("Expires", req.headers.expires().unwrap().unwrap())
        .with_header("Date", format_gb_date(date))
        .encode();
    assert_eq!(lf(&built), lf(REGISTER_OK));

    let ok = response(REGISTER_OK);
    assert!(ok.is_success());
    assert_eq!(ok.headers.cseq().unwrap().seq, 2);
    assert_eq!(ok.headers.date().unwrap(), Some(date));
    assert_eq!(
        (date.year(), date.hour(), date.millisecond()),
        (2024, 8, 123)
    );
    assert_eq!(ok.headers.expires().unwrap(), Some(3600));
    // The RFC 1123 SIP date is not what GB devices expect, and is refused.
    assert!(zhicheng_gb28181::sip::parse_gb_date("Wed, 01 May 2024 08:30:00 GMT").is_err());
}

#[test]
fn keepalive_message_and_body() {
    let req = request(KEEPALIVE_SIP);
    assert_eq!(req.method, Method::Message);
    assert_eq!(req.headers.content_type(), Some(MANSCDP_XML));
    assert!(req.headers.is_manscdp());
    assert_eq!(
        req.headers.content_length().unwrap(),
        Some(KEEPALIVE_XML.len())
    );
    assert_eq!(req.body, KEEPALIVE_XML);
    assert_eq!(req.headers.cseq().unwrap().to_string(), "20 MESSAGE");
    let Document::Keepalive(k) = Document::parse(&req.body).unwrap() else {
        panic!("not a keepalive")
    };
    assert_eq!(
        (k.sn, k.device_id.as_str(), k.status),
        (2, DEVICE, Health::Ok)
    );
    assert!(k.faulty.is_empty());
    // Building the same keepalive gives the golden body (CRLF line ends).
    let built = Document::Keepalive(k).encode(Charset::Gb2312);
    assert_eq!(lf(&built), lf(KEEPALIVE_XML));
    // And the whole MESSAGE rebuilds byte for byte.
    let rebuilt = Request::new(Method::Message, req.uri.clone());
    let rebuilt = req
        .headers
        .iter()
        .fold(rebuilt, |r, (n, v)| r.with_header(n, v))
        .with_body(MANSCDP_XML, KEEPALIVE_XML);
    assert_eq!(rebuilt.encode(), KEEPALIVE_SIP);
}

#[test]
fn catalog_query_reads_and_builds() {
    let doc = Document::parse(CATALOG_QUERY).unwrap();
    assert_eq!(doc, Document::CatalogQuery(Query::new(17430, DEVICE)));
    assert_eq!((doc.cmd_type(), doc.sn()), ("Catalog", 17430));
    assert_eq!(lf(&doc.encode(Charset::Gb2312)), lf(CATALOG_QUERY));
}

#[test]
fn catalog_response_in_gb2312() {
    let req = request(CATALOG_SIP);
    assert_eq!(req.body, CATALOG_RESPONSE);
    let Document::Catalog(cat) = Document::parse(&req.body).unwrap() else {
        panic!("not a catalog response")
    };
    assert_eq!(
        (cat.sn, cat.device_id.as_str(), cat.sum_num),
        (17430, "34020000001180000001", 2)
    );
    assert_eq!(cat.items.len(), 2);
    let gate = &cat.items[0];
    assert_eq!(gate.device_id, "34020000001310000001");
    assert_eq!(gate.name.as_deref(), Some("Gate-1"));
    assert_eq!(gate.manufacturer.as_deref(), Some("Hikvision"));
    assert_eq!(gate.model.as_deref(), Some("IP Camera"));
    assert_eq!(gate.owner.as_deref(), Some("Owner"));
    assert_eq!(gate.civil_code.as_deref(), Some("330106"));
    assert_eq!(gate.address.as_deref(), Some("Main gate"));
    assert_eq!(gate.parental, Some(false));
    assert_eq!(gate.parent_id.as_deref(), Some("34020000001180000001"));
    assert_eq!(
        (gate.safety_way, gate.register_way, gate.secrecy),
        (Some(0), Some(1), Some(0))
    );
    assert_eq!(gate.status, Some(OnOff::On));
    assert_eq!(
        (gate.longitude, gate.latitude),
        (Some(120.15515), Some(30.27415))
    );
    assert!(gate.extra.is_empty());
    assert_eq!(gate.id().unwrap().device_type(), DeviceType::Camera);
    // The second item's Chinese text arrives as GB2312 bytes.
    let second = &cat.items[1];
    assert!(
        CATALOG_RESPONSE
            .windows(4)
            .any(|w| w == [0xb4, 0xf3, 0xc3, 0xc5]),
        "大门 in GB2312"
    );
    assert_eq!(second.name.as_deref(), Some("大门-2"));
    assert_eq!(second.address.as_deref(), Some("西门"));
    assert_eq!(second.status, Some(OnOff::Off));

    // Re-encoding in either charset reads back the same catalog.
    for charset in [Charset::Gb2312, Charset::Utf8] {
        let bytes = Document::Catalog(cat.clone()).encode(charset);
        assert_eq!(
            Document::parse(&bytes).unwrap(),
            Document::Catalog(cat.clone())
        );
    }
    let gb = Document::Catalog(cat.clone()).encode(Charset::Gb2312);
    assert!(gb.windows(4).any(|w| w == [0xb4, 0xf3, 0xc3, 0xc5]));
    assert!(String::from_utf8_lossy(&gb).contains("<DeviceList Num=\"2\">"));
}

#[test]
fn device_ids_of_the_standards_file() {
    let ipc = DeviceId::parse(DEVICE).unwrap();
    assert_eq!(ipc.centre_code(), "34020000");
    assert_eq!(
        (ipc.province_code(), ipc.city_code(), ipc.county_code()),
        ("34", "3402", "340200")
    );
    assert_eq!(ipc.industry_code(), 0);
    assert_eq!(ipc.industry(), Industry::PublicSecurity);
    assert_eq!(ipc.type_code(), 132);
    assert_eq!(ipc.device_type(), DeviceType::Ipc);
    assert_eq!(ipc.class(), IdClass::Device);
    assert_eq!(ipc.network_code(), 0);
    assert_eq!(ipc.network(), Network::VideoTransmission);
    assert_eq!(ipc.serial(), 1);
    assert_eq!(ipc.to_string(), DEVICE);
    assert!(ipc.validate().is_ok());

    // SIP realm convention: the first 10 digits of the server ID.
    let server: DeviceId = SERVER.parse().unwrap();
    assert_eq!(server.domain(), REALM);
    assert_eq!(
        (server.device_type(), server.class()),
        (DeviceType::SipServer, IdClass::Platform)
    );

    let table = [
        ("34020000001180000001", DeviceType::Nvr, IdClass::Device),
        ("34020000001110000001", DeviceType::Dvr, IdClass::Device),
        ("34020000001310000001", DeviceType::Camera, IdClass::Device),
        (
            "34020000001340000001",
            DeviceType::AlarmInput,
            IdClass::Device,
        ),
        (
            "34020000002150000001",
            DeviceType::BusinessGroup,
            IdClass::BusinessGroup,
        ),
        (
            "34020000002160000001",
            DeviceType::VirtualOrganisation,
            IdClass::VirtualOrganisation,
        ),
        (
            "34020000002020000001",
            DeviceType::MediaServer,
            IdClass::Platform,
        ),
        (
            "34020000003000000001",
            DeviceType::CentreUser,
            IdClass::User,
        ),
        (
            "34020000005050000001",
            DeviceType::AnalysisDevice,
            IdClass::Application,
        ),
        (
            "34020000001990000001",
            DeviceType::Other(199),
            IdClass::Device,
        ),
    ];
    for (id, ty, class) in table {
        let id = DeviceId::parse(id).unwrap();
        assert_eq!((id.device_type(), id.class()), (ty, class), "{id}");
        assert_eq!(id.device_type().code(), id.type_code());
    }

    // A county-level centre (33010600) with traffic-checkpoint industry code 05, Internet (7).
    let county = DeviceId::new("33010600", 5, 121, 7, 42).unwrap();
    assert_eq!(county.to_string(), "33010600051217000042");
    assert_eq!(
        (county.industry(), county.network()),
        (Industry::Traffic, Network::Internet)
    );
    assert_eq!(county.serial(), 42);

    // Form and ranges.
    for bad in [
        "3402000000132000000",
        "340200000013200000011",
        "3402000000132000000a",
        " 34020000001320000001",
        "３4020000001320000001",
    ] {
        assert!(DeviceId::parse(bad).is_err(), "{bad:?}");
    }
    for out_of_range in [
        "00020000001320000001",
        "34000100001320000001",
        "34020000000010000001",
        "34020000009990000001",
    ] {
        let id = DeviceId::parse(out_of_range).unwrap();
        assert!(
            id.validate().is_err(),
            "{out_of_range} should fail validation"
        );
    }
}

#[test]
fn compact_header_forms_are_accepted() {
    let raw = "MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\n\
        v: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK77;received=10.0.0.9;rport=40000\r\n\
        f: \"Cam 1\" <sip:34020000001320000001@3402000000>;tag=a\r\n\
        t: sip:34020000002000000001@3402000000\r\n\
        i: call-7\r\n\
        CSeq: 4 MESSAGE\r\n\
        m: <sip:34020000001320000001@10.0.0.1:5060>;expires=60\r\n\
        c: Application/MANSCDP+xml\r\n\
        o: Catalog;id=1\r\n\
        s: 34020000001320000001:0200000001,34020000002000000001:0\r\n\
        l: 3\r\n\r\nabc";
    let Message::Request(req) = Message::parse(raw.as_bytes()).unwrap() else {
        panic!("not a request")
    };
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Via",
            "From",
            "To",
            "Call-ID",
            "CSeq",
            "Contact",
            "Content-Type",
            "Event",
            "Subject",
            "Content-Length"
        ]
    );
    let via = req.headers.top_via().unwrap();
    assert_eq!(
        (via.transport.as_str(), via.received(), via.rport()),
        ("TCP", Some("10.0.0.9"), Some(Some(40000)))
    );
    let from = req.headers.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("Cam 1"));
    assert_eq!(req.headers.to().unwrap().user(), Some(SERVER));
    assert_eq!(req.headers.call_id().unwrap(), "call-7");
    assert_eq!(
        req.headers.contact().unwrap().params.value("expires"),
        Some("60")
    );
    assert!(req.headers.is_manscdp());
    assert_eq!(req.headers.event(), Some("Catalog;id=1"));
    let subject = req.headers.subject().unwrap().unwrap();
    assert_eq!(
        (subject.sender_id.as_str(), subject.sender_seq.as_str()),
        (DEVICE, "0200000001")
    );
    assert_eq!(
        subject.to_string(),
        "34020000001320000001:0200000001,34020000002000000001:0"
    );
    assert_eq!(req.body, b"abc");
    // Lookups accept either form.
    assert_eq!(req.headers.get("i"), req.headers.get("call-id"));
}
