//! Hostile and malformed input: DOCTYPE and entities refused, every size bound enforced
//! with an error naming it, bad messages on a stream reported and skipped.

use zhicheng_gb28181::manscdp::{Document, ParseOptions};
use zhicheng_gb28181::sip::{Limits, Message, StreamDecoder};
use zhicheng_gb28181::Error;

const KEEPALIVE: &str =
    "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n\
<SN>2</SN>\r\n<DeviceID>34020000001320000001</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n";

#[test]
fn doctype_and_external_entities_are_refused() {
    let xxe = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE Notify [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n\
        <Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>&xxe;</DeviceID><Status>OK</Status></Notify>";
    assert_eq!(Document::parse(xxe.as_bytes()), Err(Error::Doctype));

    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\
        <Notify><CmdType>&lol2;</CmdType></Notify>";
    assert_eq!(Document::parse(laughs.as_bytes()), Err(Error::Doctype));

    // Lower case, and in a GB2312 body too.
    let lower = "<?xml version=\"1.0\" encoding=\"GB2312\"?><!doctype Notify><Notify/>";
    assert_eq!(Document::parse(lower.as_bytes()), Err(Error::Doctype));
}

#[test]
fn undeclared_entities_are_refused_and_predefined_ones_work() {
    let custom = KEEPALIVE.replace("<SN>2</SN>", "<SN>2</SN><Note>&company;</Note>");
    match Document::parse(custom.as_bytes()) {
        Err(Error::Xml(reason)) => assert!(reason.contains("company"), "{reason}"),
        other => panic!("expected an XML error, got {other:?}"),
    }
    let char_ref = KEEPALIVE.replace(
        "<DeviceID>34020000001320000001</DeviceID>",
        "<DeviceID>&#51;4020000001320000001</DeviceID>",
    );
    assert_eq!(
        Document::parse(char_ref.as_bytes()).unwrap().device_id(),
        "34020000001320000001"
    );
    let predefined = "<Response><CmdType>DeviceInfo</CmdType><SN>1</SN><DeviceID>1</DeviceID>\
        <DeviceName>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#x5927;</DeviceName></Response>";
    let Document::DeviceInfo(info) = Document::parse(predefined.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(info.device_name.as_deref(), Some("<a> & \"b\" 'c' 大"));
}

#[test]
fn manscdp_bounds() {
    let opts = ParseOptions {
        max_body: KEEPALIVE.len() - 1,
        ..ParseOptions::default()
    };
    assert_eq!(
        Document::parse_with(KEEPALIVE.as_bytes(), &opts),
        Err(Error::TooLarge {
            what: "XML body",
            limit: KEEPALIVE.len() - 1
        })
    );

    let deep = format!("<Notify>{}{}</Notify>", "<a>".repeat(40), "</a>".repeat(40));
    assert!(matches!(
        Document::parse(deep.as_bytes()),
        Err(Error::TooLarge {
            what: "XML depth",
            limit: 16
        })
    ));

    let many = format!("<Notify>{}</Notify>", "<a/>".repeat(60_000));
    assert!(matches!(
        Document::parse(many.as_bytes()),
        Err(Error::TooLarge {
            what: "XML element count",
            limit: 50_000
        })
    ));

    let items: String = (0..5)
        .map(|i| format!("<Item><DeviceID>3402000000131000000{i}</DeviceID></Item>"))
        .collect();
    let catalog = format!(
        "<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000001180000001</DeviceID>\
         <SumNum>5</SumNum><DeviceList Num=\"5\">{items}</DeviceList></Response>"
    );
    let opts = ParseOptions {
        max_items: 4,
        ..ParseOptions::default()
    };
    assert_eq!(
        Document::parse_with(catalog.as_bytes(), &opts),
        Err(Error::TooLarge {
            what: "catalog items",
            limit: 4
        })
    );
    assert!(Document::parse(catalog.as_bytes()).is_ok());
}

#[test]
fn manscdp_structure_errors_name_the_problem() {
    let no_sn = KEEPALIVE.replace("<SN>2</SN>\r\n", "");
    assert_eq!(
        Document::parse(no_sn.as_bytes()),
        Err(Error::MissingElement("SN"))
    );
    let bad_sn = KEEPALIVE.replace("<SN>2</SN>", "<SN>two</SN>");
    assert!(
        matches!(Document::parse(bad_sn.as_bytes()), Err(Error::InvalidValue { element, .. }) if element == "SN")
    );
    let bad_root = KEEPALIVE.replace("Notify>", "Message>");
    assert!(matches!(
        Document::parse(bad_root.as_bytes()),
        Err(Error::InvalidValue { .. })
    ));
    let bad_status = KEEPALIVE.replace("<Status>OK", "<Status>MAYBE");
    assert!(
        matches!(Document::parse(bad_status.as_bytes()), Err(Error::InvalidValue { element, .. }) if element == "Status")
    );
    let unclosed = KEEPALIVE.replace("</Notify>", "");
    assert!(matches!(
        Document::parse(unclosed.as_bytes()),
        Err(Error::Xml(_))
    ));
    let mismatched = KEEPALIVE.replace("</SN>", "</Sn>");
    assert!(matches!(
        Document::parse(mismatched.as_bytes()),
        Err(Error::Xml(_))
    ));
    let latin1 = KEEPALIVE.replace("GB2312", "ISO-8859-1");
    assert_eq!(
        Document::parse(latin1.as_bytes()),
        Err(Error::Charset("ISO-8859-1".into()))
    );
}

#[test]
fn charset_choice_for_mislabelled_bodies() {
    // 0xC3 0xA9 is a common hanzi in GB2312 (茅) and also valid UTF-8 (é): a correctly
    // labelled GB2312 body must not be "sniffed" as UTF-8.
    let gb = b"<?xml version=\"1.0\" encoding=\"GB2312\"?><Response><CmdType>DeviceInfo</CmdType><SN>1</SN>\
<DeviceID>34020000001320000001</DeviceID><DeviceName>\xc3\xa9</DeviceName></Response>";
    let Document::DeviceInfo(info) = Document::parse(gb).unwrap() else {
        panic!()
    };
    assert_eq!(info.device_name.as_deref(), Some("茅"));
    // A device known to send UTF-8 under a GB2312 label can be read with the option.
    let utf8_mislabelled =
        "<?xml version=\"1.0\" encoding=\"GB2312\"?><Response><CmdType>DeviceInfo</CmdType>\
<SN>1</SN><DeviceID>34020000001320000001</DeviceID><DeviceName>大门</DeviceName></Response>";
    let Document::DeviceInfo(info) = Document::parse(utf8_mislabelled.as_bytes()).unwrap() else {
        panic!()
    };
    assert_ne!(
        info.device_name.as_deref(),
        Some("大门"),
        "by default the label is trusted"
    );
    let opts = ParseOptions {
        gb2312_may_be_utf8: true,
        ..ParseOptions::default()
    };
    let Document::DeviceInfo(info) =
        Document::parse_with(utf8_mislabelled.as_bytes(), &opts).unwrap()
    else {
        panic!()
    };
    assert_eq!(info.device_name.as_deref(), Some("大门"));
    // A body labelled UTF-8 (or unlabelled) that is not UTF-8 is read as GBK.
    let unlabelled: Vec<u8> = [
        &b"<Response><CmdType>DeviceInfo</CmdType><SN>1</SN><DeviceID>1</DeviceID><DeviceName>"[..],
        &[0xb4, 0xf3, 0xc3, 0xc5],
        b"</DeviceName></Response>",
    ]
    .concat();
    let Document::DeviceInfo(info) = Document::parse(&unlabelled).unwrap() else {
        panic!()
    };
    assert_eq!(info.device_name.as_deref(), Some("大门"));
}

fn register(extra: &str, body: &str) -> String {
    format!(
        "REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
         Call-ID: 1\r\nCSeq: 1 REGISTER\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn sip_bounds() {
    let limits = Limits {
        max_head: 512,
        max_line: 100,
        max_headers: 8,
        max_body: 16,
    };
    let long_line = register(&format!("User-Agent: {}\r\n", "x".repeat(200)), "");
    assert_eq!(
        Message::parse_with(long_line.as_bytes(), &limits),
        Err(Error::TooLarge {
            what: "header line",
            limit: 100
        })
    );
    let many = register(&"X-A: 1\r\n".repeat(10), "");
    assert_eq!(
        Message::parse_with(many.as_bytes(), &limits),
        Err(Error::TooLarge {
            what: "header count",
            limit: 8
        })
    );
    let big_body = register("", &"b".repeat(17));
    assert_eq!(
        Message::parse_with(big_body.as_bytes(), &limits),
        Err(Error::TooLarge {
            what: "body",
            limit: 16
        })
    );
    let huge_head = register(&"X-A: 1\r\n".repeat(100), "");
    assert_eq!(
        Message::parse_with(huge_head.as_bytes(), &limits),
        Err(Error::TooLarge {
            what: "header section",
            limit: 512
        })
    );
    assert!(Message::parse_with(register("", &"b".repeat(16)).as_bytes(), &limits).is_ok());
}

#[test]
fn sip_malformed_messages_are_refused_with_a_reason() {
    let short = register("", "hello");
    let cut = &short.as_bytes()[..short.len() - 2];
    assert_eq!(
        Message::parse(cut),
        Err(Error::Incomplete("body shorter than Content-Length"))
    );
    assert!(matches!(
        Message::parse(b"HELLO\r\n\r\n"),
        Err(Error::StartLine(_))
    ));
    assert!(matches!(
        Message::parse(b"SIP/2.0 2000 OK\r\n\r\n"),
        Err(Error::StartLine(_))
    ));
    assert!(matches!(
        Message::parse(b"REGISTER sip:a@b SIP/3.0\r\n\r\n"),
        Err(Error::StartLine(_))
    ));
    assert!(matches!(
        Message::parse(b"REGISTER http://a SIP/2.0\r\n\r\n"),
        Err(Error::Uri { .. })
    ));
    assert!(matches!(
        Message::parse(register("Bad Header\r\n", "").as_bytes()),
        Err(Error::Header { .. })
    ));
    assert_eq!(
        Message::parse(b"REGISTER sip:a@b SIP/2.0\r\nCall-ID: 1\r\n"),
        Err(Error::Incomplete("no blank line after the headers"))
    );
    let bad_length = register("", "").replace("Content-Length: 0", "Content-Length: -1");
    assert!(
        matches!(Message::parse(bad_length.as_bytes()), Err(Error::Header { name, .. }) if name == "Content-Length")
    );
    // Typed accessors report the header, the message itself still parses.
    let msg = Message::parse(register("Expires: soon\r\n", "").as_bytes()).unwrap();
    assert!(
        matches!(msg.headers().expires(), Err(Error::Header { name, .. }) if name == "Expires")
    );
    assert_eq!(msg.headers().from(), Err(Error::MissingHeader("From")));
}

#[test]
fn header_values_cannot_inject_headers() {
    let req = zhicheng_gb28181::sip::Request::new(
        zhicheng_gb28181::sip::Method::Message,
        "sip:a@b".parse().unwrap(),
    )
    .with_header("Subject", "x\r\nContent-Length: 99");
    let wire = req.encode();
    let parsed = Message::parse(&wire).unwrap();
    assert_eq!(parsed.headers().get_all("Content-Length").count(), 1);
    assert_eq!(parsed.headers().content_length().unwrap(), Some(0));
}

#[test]
fn stream_reports_bad_messages_and_carries_on() {
    let limits = Limits {
        max_head: 1024,
        max_line: 256,
        max_headers: 16,
        max_body: 32,
    };
    let good1 = register("", "one");
    let bad_header = register("Broken header line\r\n", "xyz");
    let too_big = register("", &"B".repeat(40));
    let good2 = register("", "two");
    let garbage = "\u{1}\u{2}this is not SIP\r\nnor this\r\n";
    let good3 = register("", "");
    let wire = format!("{good1}{bad_header}{too_big}{good2}{garbage}{good3}");
    for chunk in [1, 7, 64, wire.len()] {
        let mut dec = StreamDecoder::new(limits);
        let mut results = Vec::new();
        for piece in wire.as_bytes().chunks(chunk) {
            dec.feed(piece);
            while let Some(r) = dec.next_message() {
                results.push(r);
            }
            assert!(dec.buffered() <= limits.max_head + limits.max_body + chunk);
        }
        let bodies: Vec<Result<Vec<u8>, Error>> = results
            .into_iter()
            .map(|r| r.map(|m| m.body().to_vec()))
            .collect();
        assert_eq!(bodies.len(), 6, "chunk {chunk}: {bodies:?}");
        assert_eq!(bodies[0], Ok(b"one".to_vec()));
        assert!(
            matches!(bodies[1], Err(Error::Header { .. })),
            "{:?}",
            bodies[1]
        );
        assert_eq!(
            bodies[2],
            Err(Error::TooLarge {
                what: "body",
                limit: 32
            })
        );
        assert_eq!(bodies[3], Ok(b"two".to_vec()));
        assert!(
            matches!(bodies[4], Err(Error::StartLine(_))),
            "{:?}",
            bodies[4]
        );
        assert_eq!(bodies[5], Ok(Vec::new()));
    }
}

#[test]
fn stream_without_blank_line_is_bounded() {
    let limits = Limits {
        max_head: 256,
        max_line: 128,
        max_headers: 16,
        max_body: 64,
    };
    let mut dec = StreamDecoder::new(limits);
    dec.feed(b"REGISTER sip:a@b SIP/2.0\r\n");
    let mut errors = 0;
    for _ in 0..100 {
        dec.feed(b"X-Filler: 0123456789\r\n");
        while let Some(r) = dec.next_message() {
            assert!(r.is_err());
            errors += 1;
        }
        assert!(
            dec.buffered() <= limits.max_head + 64,
            "buffered {}",
            dec.buffered()
        );
    }
    assert!(errors >= 1, "an endless head is reported");
    // And the stream recovers for the next real message.
    dec.feed(b"\r\n\r\n");
    while dec.next_message().is_some() {}
    dec.feed(register("", "ok").as_bytes());
    let last = std::iter::from_fn(|| dec.next_message())
        .last()
        .unwrap()
        .unwrap();
    assert_eq!(last.body(), b"ok");
}

/// Found by `cargo fuzz run sip`: a `Date` with a multi-byte character inside the first 19
/// bytes made the date reader slice inside a character.
#[test]
fn regression_date_with_multibyte_character() {
    assert!(zhicheng_gb28181::sip::parse_gb_date("2024-05-01T08:30:0\u{fffd}.123").is_err());
    assert!(zhicheng_gb28181::sip::parse_gb_date("２024-05-01T08:30:00").is_err());
    let raw = "SIP/2.0 200 OK\r\nDate: 2024-05-01T08:30:0\u{fffd}\r\nContent-Length: 0\r\n\r\n";
    let msg = Message::parse(raw.as_bytes()).unwrap();
    assert!(matches!(msg.headers().date(), Err(Error::Date(_))));
}

#[test]
fn stream_body_trickling_in_byte_by_byte() {
    let body = "x".repeat(100_000);
    let wire = register("", &body);
    let mut dec = StreamDecoder::new(Limits::default());
    let mut got = Vec::new();
    for b in wire.as_bytes() {
        dec.feed(std::slice::from_ref(b));
        while let Some(m) = dec.next_message() {
            got.push(m.unwrap());
        }
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), body.as_bytes());
    assert_eq!(dec.buffered(), 0);
}

/// Found by `cargo fuzz run manscdp`: quick-xml reads `<\t/>` as an element with an empty
/// name, which could not be written back. Names are now checked.
#[test]
fn regression_empty_element_name() {
    let body = b"<Query><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><\t/></Query>";
    assert!(matches!(Document::parse(body), Err(Error::Xml(reason)) if reason.contains("name")));
    let attr =
        b"<Query a b=\"1\"><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID></Query>";
    assert!(Document::parse(attr).is_err());
}
