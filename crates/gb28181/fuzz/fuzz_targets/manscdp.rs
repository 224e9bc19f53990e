//! The MANSCDP XML decoder on untrusted bytes: it may refuse, never panic; whatever parses
//! must re-encode (in both charsets) and parse back to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhicheng_gb28181::manscdp::{Charset, Document, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let opts = ParseOptions {
        max_body: 16 * 1024,
        max_depth: 12,
        max_elements: 2000,
        max_items: 200,
        gb2312_may_be_utf8: data.len() % 2 == 0,
    };
    if let Ok(doc) = Document::parse_with(data, &opts) {
        for charset in [Charset::Utf8, Charset::Gb2312] {
            let bytes = doc.encode(charset);
            let big = ParseOptions {
                max_body: usize::MAX,
                max_elements: usize::MAX,
                gb2312_may_be_utf8: false,
                ..opts
            };
            match Document::parse_with(&bytes, &big) {
                Ok(again) => assert_eq!(again, doc, "round trip through {charset:?}"),
                // Only a name (element or attribute) outside GBK cannot be written in GB2312;
                // text outside GBK becomes character references.
                Err(e) => {
                    let utf8 = doc.encode(Charset::Utf8);
                    let unmappable = encoding_rs::GBK
                        .encode(std::str::from_utf8(&utf8).unwrap())
                        .2;
                    assert!(charset == Charset::Gb2312 && unmappable, "{charset:?}: {e}");
                }
            }
        }
    }
});
