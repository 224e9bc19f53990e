//! Replays the fuzz corpus (`fuzz/corpus/geojson`, minimized by `cargo fuzz cmin`) on stable,
//! with the same checks as the fuzz target: no panic; accepted coordinates in range; our own
//! output decodes again.

use geo::CoordsIter;
use zhicheng_geo::geojson::{parse_area, parse_features, write_features, Decoder, Limits};

fn check(data: &[u8]) -> bool {
    let small = Decoder::new(Limits {
        max_bytes: 4096,
        max_positions: 64,
        max_features: 8,
    });
    let _ = small.features(data);
    let _ = parse_area(data);
    let Ok(features) = parse_features(data) else {
        return false;
    };
    for f in &features {
        if let Some(g) = &f.geometry {
            for c in g.coords_iter() {
                assert!((-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y));
            }
        }
    }
    let text = write_features(&features);
    let again = parse_features(text.as_bytes()).expect("our own output decodes");
    assert_eq!(again.len(), features.len());
    let areas: Vec<_> = features
        .iter()
        .filter_map(|f| f.area())
        .enumerate()
        .collect();
    let _ = zhicheng_geo::FenceIndex::build(areas);
    true
}

#[test]
fn every_corpus_file_decodes_or_fails_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/geojson");
    let mut files = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus directory") {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        let ok = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("{} panicked", path.display()));
        files += 1;
        accepted += usize::from(ok);
    }
    // The minimized corpus holds some 1,500 inputs, valid and invalid; the hand-written valid
    // seeds (point, polygon with hole, multipolygon, collection, features) were merged into it.
    println!("{files} corpus files, {accepted} accepted");
    assert!(files >= 500, "corpus has only {files} files");
    assert!(
        accepted >= 5,
        "only {accepted} of {files} corpus files decode"
    );
}
