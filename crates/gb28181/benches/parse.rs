//! Parse throughput of the GB/T 28181 codec: prints messages per second.
//!
//! `CARGO_TARGET_DIR=/work/target-gb28181 cargo bench -p zhicheng-gb28181 --bench parse`
//!
//! Each case runs for about a second after a short warm-up; figures are single-threaded.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhicheng_gb28181::manscdp::{CatalogItem, CatalogResponse, Charset, Document, OnOff};
use zhicheng_gb28181::sip::{Limits, Message, Method, Request, StreamDecoder, Uri, MANSCDP_XML};

const REGISTER: &[u8] = include_bytes!("../tests/vectors/register_auth.sip");
const KEEPALIVE: &[u8] = include_bytes!("../tests/vectors/keepalive.sip");
const CATALOG_2: &[u8] = include_bytes!("../tests/vectors/catalog_response.sip");

fn run(name: &str, per_iter: u64, mut f: impl FnMut()) {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<44} {:>12.0} msg/s  {:>8.2} µs/msg",
        (n * per_iter) as f64 / secs,
        secs * 1e6 / (n * per_iter) as f64
    );
}

fn catalog_message(items: usize) -> Vec<u8> {
    let items = (0..items)
        .map(|i| CatalogItem {
            name: Some(format!("大门摄像机-{i}")),
            manufacturer: Some("Hikvision".into()),
            model: Some("IP Camera".into()),
            owner: Some("Owner".into()),
            civil_code: Some("330106".into()),
            address: Some("西门".into()),
            parental: Some(false),
            parent_id: Some("34020000001180000001".into()),
            safety_way: Some(0),
            register_way: Some(1),
            secrecy: Some(0),
            status: Some(OnOff::On),
            longitude: Some(120.155150),
            latitude: Some(30.274150),
            ..CatalogItem::new(&format!("3402000000131{i:07}"))
        })
        .collect();
    let page =
        CatalogResponse::paginate(17430, "34020000001180000001", items, usize::MAX).remove(0);
    Request::new(
        Method::Message,
        Uri::new("34020000002000000001", "3402000000"),
    )
    .with_header(
        "Via",
        "SIP/2.0/UDP 192.168.2.64:5060;rport;branch=z9hG4bK55",
    )
    .with_header("From", "<sip:34020000001180000001@3402000000>;tag=1")
    .with_header("To", "<sip:34020000002000000001@3402000000>")
    .with_header("Call-ID", "282416456")
    .with_header("CSeq", "21 MESSAGE")
    .with_body(MANSCDP_XML, Document::Catalog(page).encode(Charset::Gb2312))
    .encode()
}

fn sip_and_body(wire: &[u8]) -> usize {
    let msg = Message::parse(wire).unwrap();
    let h = msg.headers();
    black_box((
        h.call_id().unwrap(),
        h.cseq().unwrap(),
        h.from().unwrap(),
        h.top_via().unwrap(),
    ));
    match Document::parse(msg.body()).unwrap() {
        Document::Catalog(c) => c.items.len(),
        doc => black_box(doc).sn() as usize,
    }
}

fn main() {
    println!("zhicheng-gb28181 parse benchmark (single thread)");
    run("SIP REGISTER (with Authorization) parse", 1, || {
        let msg = Message::parse(black_box(REGISTER)).unwrap();
        let h = msg.headers();
        black_box((
            h.call_id().unwrap(),
            h.cseq().unwrap(),
            h.authorization().unwrap(),
            h.top_via().unwrap(),
        ));
    });
    run("SIP MESSAGE + Keepalive XML parse", 1, || {
        black_box(sip_and_body(black_box(KEEPALIVE)));
    });
    run("SIP MESSAGE + Catalog response, 2 items", 1, || {
        black_box(sip_and_body(black_box(CATALOG_2)));
    });
    let big = catalog_message(50);
    println!("  (50-item catalog message: {} bytes)", big.len());
    run("SIP MESSAGE + Catalog response, 50 items", 1, || {
        assert_eq!(sip_and_body(black_box(&big)), 50);
    });
    let mut stream = Vec::new();
    for _ in 0..100 {
        stream.extend_from_slice(KEEPALIVE);
    }
    run("TCP stream decoder, keepalives (SIP only)", 100, || {
        let mut dec = StreamDecoder::new(Limits::default());
        for chunk in stream.chunks(1460) {
            dec.feed(chunk);
            while let Some(m) = dec.next_message() {
                black_box(m.unwrap());
            }
        }
    });
}
