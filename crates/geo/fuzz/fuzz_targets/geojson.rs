//! The GeoJSON decoder on untrusted bytes: it must never panic, hang or allocate without
//! bound; what it accepts must be in range and must survive encoding and decoding again.
#![no_main]

use geo::CoordsIter;
use libfuzzer_sys::fuzz_target;
use zhicheng_geo::geojson::{parse_area, parse_features, write_features, Decoder, Limits};

fuzz_target!(|data: &[u8]| {
    // Small limits too, so the limit paths are exercised.
    let small = Decoder::new(Limits {
        max_bytes: 4096,
        max_positions: 64,
        max_features: 8,
    });
    let _ = small.features(data);
    let _ = parse_area(data);
    if let Ok(features) = parse_features(data) {
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
        // Building fences from accepted areas must not panic either.
        let areas: Vec<_> = features
            .iter()
            .filter_map(|f| f.area())
            .enumerate()
            .collect();
        let _ = zhicheng_geo::FenceIndex::build(areas);
    }
});
