//! Replays every file of the fuzz corpus (`fuzz/corpus/identifiers/`) through the fuzz
//! target's checks on stable Rust, so a fixed crash stays fixed without nightly.

use std::path::Path;

include!("../fuzz/check_identifiers.rs");

#[test]
fn replay_fuzz_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/identifiers");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus directory") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            check_identifiers(&std::fs::read(&path).expect("read corpus file"));
            n += 1;
        }
    }
    assert!(n >= 20, "corpus has only {n} files");
}

#[test]
fn replay_edge_inputs() {
    for s in [
        &b""[..],
        b"\xff\xfe",
        b"\xe9\xb2\x81",
        "鲁".as_bytes(),
        "１１０１０５１９４９１２３１００２Ｘ".as_bytes(),
        b"+",
        b"+8",
        b"0086",
        "𝟙𝟚𝟛".as_bytes(),
        "\u{FF5E}\u{FF01}".as_bytes(),
    ] {
        check_identifiers(s);
    }
}
