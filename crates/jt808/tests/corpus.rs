//! Replays the saved fuzz corpus (`fuzz/corpus/<target>/*`) through the fuzz targets'
//! invariants on stable Rust, so CI keeps checking what fuzzing found.

use std::fs;
use std::path::Path;

use zhicheng_jt808::fuzzing::{check_frame_body, check_stream};

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_file() {
            let data = fs::read(&path).expect("corpus file");
            let r = std::panic::catch_unwind(|| check(&data));
            assert!(r.is_ok(), "{} fails its invariant", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn stream_corpus() {
    let n = replay("stream", check_stream);
    assert!(n >= 10, "only {n} stream corpus files");
}

#[test]
fn frame_body_corpus() {
    let n = replay("frame_body", check_frame_body);
    assert!(n >= 10, "only {n} frame_body corpus files");
}
