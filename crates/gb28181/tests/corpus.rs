//! Replays the fuzz corpus (`fuzz/corpus/<target>/*`) on stable, with the same checks as the
//! fuzz targets, so CI keeps every input the fuzzer found interesting.

use std::path::{Path, PathBuf};

use zhicheng_gb28181::manscdp::{Charset, Document, ParseOptions};
use zhicheng_gb28181::sip::{Limits, Message, StreamDecoder};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

#[test]
fn sip_corpus_replays() {
    let limits = Limits {
        max_head: 2048,
        max_line: 512,
        max_headers: 32,
        max_body: 4096,
    };
    let mut parsed = 0;
    for (path, data) in corpus("sip") {
        if let Ok(msg) = Message::parse_with(&data, &limits) {
            parsed += 1;
            let again =
                Message::parse(&msg.encode()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(again.body(), msg.body(), "{}", path.display());
        }
        let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
        let mut dec = StreamDecoder::new(limits);
        for chunk in data.chunks(step) {
            dec.feed(chunk);
            let mut n = 0;
            while dec.next_message().is_some() {
                n += 1;
                assert!(n <= data.len() + 1, "{}: no progress", path.display());
            }
            assert!(
                dec.buffered() <= limits.max_head + limits.max_body + step + 4,
                "{}",
                path.display()
            );
        }
    }
    assert!(parsed > 0, "the corpus keeps at least one valid message");
}

#[test]
fn manscdp_corpus_replays() {
    let mut parsed = 0;
    for (path, data) in corpus("manscdp") {
        for may_be_utf8 in [false, true] {
            let opts = ParseOptions {
                max_body: 16 * 1024,
                max_depth: 12,
                max_elements: 2000,
                max_items: 200,
                gb2312_may_be_utf8: may_be_utf8,
            };
            let Ok(doc) = Document::parse_with(&data, &opts) else {
                continue;
            };
            parsed += 1;
            let utf8 = doc.encode(Charset::Utf8);
            let strict = ParseOptions {
                max_body: usize::MAX,
                max_elements: usize::MAX,
                gb2312_may_be_utf8: false,
                ..opts
            };
            assert_eq!(
                Document::parse_with(&utf8, &strict).as_ref(),
                Ok(&doc),
                "{}",
                path.display()
            );
            if let Ok(back) = Document::parse_with(&doc.encode(Charset::Gb2312), &strict) {
                assert_eq!(back, doc, "{}", path.display());
            }
        }
    }
    assert!(parsed > 0, "the corpus keeps at least one valid document");
}
