//! Property tests: the fast paths agree with `geo` and with brute force, conversions round-trip,
//! distances behave like distances.

mod support;

use geo::{Contains, Coord, Distance, Euclidean, Haversine, Intersects, Point, Polygon, Rect};
use proptest::prelude::*;
use zhicheng_geo::area::{multipolygon_contains, polygon_contains};
use zhicheng_geo::distance::{fast_distance_m, haversine_m};
use zhicheng_geo::{datum, FenceIndex, MultiPolygon, PreparedArea, Route};

/// A random polygon (spiky or smooth, with a hole or not) around the county's centre.
fn random_polygon(seed: u64, n: usize, spiky: bool, hole: bool) -> Polygon {
    let mut rng = support::rng(seed);
    let c = Coord {
        x: support::CENTER.0,
        y: support::CENTER.1,
    };
    // A hole needs enough vertices for the outline to stay clear of it.
    let n = if hole { n.max(20) } else { n };
    let outer = if spiky {
        support::star(&mut rng, c, 1000.0, n)
    } else {
        support::blob(&mut rng, c, 1000.0, n)
    };
    if !hole {
        return outer;
    }
    // Inside: the outline never comes nearer the centre than about 0.45 of the radius.
    let inner = support::star(&mut rng, c, 400.0, 12);
    Polygon::new(outer.exterior().clone(), vec![inner.exterior().clone()])
}

/// Distance in degrees from `p` to the nearest ring of `poly`.
fn boundary_distance_deg(poly: &Polygon, p: Point) -> f64 {
    std::iter::once(poly.exterior())
        .chain(poly.interiors())
        .map(|r| Euclidean::distance(&p, r))
        .fold(f64::INFINITY, f64::min)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn point_in_polygon_agrees_with_geo_contains(
        seed in any::<u64>(),
        n in 3usize..200,
        spiky in any::<bool>(),
        hole in any::<bool>(),
        pts in prop::collection::vec((-1.2f64..1.2, -1.2f64..1.2), 64),
    ) {
        let poly = random_polygon(seed, n, spiky, hole);
        let prepared = PreparedArea::new(poly.clone()).unwrap();
        let mp = MultiPolygon(vec![poly.clone()]);
        let index = FenceIndex::build([(0u8, poly.clone())]).unwrap();
        let (kx, ky) = (1000.0 / 111_195.0 / support::CENTER.1.to_radians().cos(), 1000.0 / 111_195.0);
        for (dx, dy) in pts {
            let p = Point::new(support::CENTER.0 + dx * kx, support::CENTER.1 + dy * ky);
            // Off the boundary only: on it, geo says "not contained" and we follow the
            // half-open rule.
            if boundary_distance_deg(&poly, p) < 1e-9 {
                continue;
            }
            let want = poly.contains(&p);
            prop_assert_eq!(polygon_contains(&poly, p), want);
            prop_assert_eq!(multipolygon_contains(&mp, p), want);
            prop_assert_eq!(prepared.contains(p), want);
            prop_assert_eq!(index.containing(p).count(), usize::from(want));
        }
    }

    #[test]
    fn fence_index_queries_equal_brute_force(
        seed in any::<u64>(),
        n in 1usize..250,
        smooth in any::<bool>(),
    ) {
        let fences = if smooth { support::smooth_fences(n, seed) } else { support::fences(n, seed) };
        let index = FenceIndex::build(fences.clone()).unwrap();
        let mut rng = support::rng(seed ^ 0x5eed);
        for _ in 0..100 {
            let p = support::point(&mut rng);
            let mut want: Vec<u32> = fences.iter().filter(|(_, f)| polygon_contains(f, p)).map(|(k, _)| *k).collect();
            let mut got: Vec<u32> = index.containing(p).copied().collect();
            let mut via_tree: Vec<u32> = index.containing_via_rtree(p).copied().collect();
            want.sort_unstable();
            got.sort_unstable();
            via_tree.sort_unstable();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(&via_tree, &want);
        }
        // Box queries: a random box of up to 4 km.
        let a = support::point(&mut rng);
        let (w, h) = (rng_f(&mut rng) * 0.05, rng_f(&mut rng) * 0.04);
        let bbox = Rect::new(a, Coord { x: a.x + w, y: a.y + h });
        let mut want_in: Vec<u32> = fences.iter().filter(|(_, f)| bbox.contains(f)).map(|(k, _)| *k).collect();
        let mut got_in: Vec<u32> = index.within_bbox(bbox).copied().collect();
        want_in.sort_unstable();
        got_in.sort_unstable();
        prop_assert_eq!(got_in, want_in);
        let mut want_x: Vec<u32> = fences.iter().filter(|(_, f)| f.intersects(&bbox)).map(|(k, _)| *k).collect();
        let mut got_x: Vec<u32> = index.intersecting_bbox(bbox).copied().collect();
        want_x.sort_unstable();
        got_x.sort_unstable();
        prop_assert_eq!(got_x, want_x);
    }


    #[test]
    fn a_tiling_claims_every_point_exactly_once(seed in any::<u64>()) {
        // A 12 × 12 grid of quadrilaterals with jittered shared vertices (decimal
        // coordinates, so the arithmetic is not exact), like grids cut from one boundary file.
        use rand::Rng;
        let mut rng = support::rng(seed);
        let n = 12;
        let (w, h) = (0.4 / n as f64, 0.3 / n as f64);
        let v: Vec<Vec<Coord>> = (0..=n).map(|i| (0..=n).map(|j| {
            let edge = i == 0 || j == 0 || i == n || j == n;
            let jit = if edge { 0.0 } else { 0.3 };
            Coord {
                x: 118.0 + (i as f64 + rng.gen_range(-jit..=jit)) * w,
                y: 36.0 + (j as f64 + rng.gen_range(-jit..=jit)) * h,
            }
        }).collect()).collect();
        let mut tiles = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let ring = vec![v[i][j], v[i + 1][j], v[i + 1][j + 1], v[i][j + 1], v[i][j]];
                tiles.push(((i, j), Polygon::new(ring.into(), vec![])));
            }
        }
        let index = FenceIndex::build(tiles).unwrap();
        let mut probes: Vec<Coord> = Vec::new();
        // Every interior vertex, shared by four tiles.
        for row in &v[1..n] {
            probes.extend(&row[1..n]);
        }
        // Points on shared edges (as near as floating point puts them), in both directions.
        #[allow(clippy::needless_range_loop)]
        for i in 1..n {
            for j in 0..n {
                let t: f64 = rng.gen_range(0.0..1.0);
                let (a, b) = (v[i][j], v[i][j + 1]);
                probes.push(Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
                let (a, b) = (v[j][i], v[j + 1][i]);
                probes.push(Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
            }
        }
        // And random points strictly inside the tiled square.
        for _ in 0..300 {
            probes.push(Coord { x: 118.0 + rng.gen_range(0.001..0.399), y: 36.0 + rng.gen_range(0.001..0.299) });
        }
        for p in probes {
            let hits: Vec<_> = index.containing(p).collect();
            prop_assert_eq!(hits.len(), 1, "{:?} in {:?}", p, hits);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn gcj02_round_trip_is_within_half_a_metre(lon in 73.0f64..135.0, lat in 18.0f64..53.5) {
        let wgs = Coord { x: lon, y: lat };
        let gcj = datum::wgs84_to_gcj02(wgs);
        prop_assert!(haversine_m(wgs, gcj) > 1.0, "China is shifted");
        let back = datum::gcj02_to_wgs84(gcj);
        prop_assert!(haversine_m(wgs, back) < 0.5);
        prop_assert!((back.x - lon).abs() < 1e-8 && (back.y - lat).abs() < 1e-8);
        let bd = datum::wgs84_to_bd09(wgs);
        prop_assert!(haversine_m(wgs, datum::bd09_to_wgs84(bd)) < 0.5);
    }

    #[test]
    fn haversine_is_a_distance(
        a in (-180.0f64..180.0, -90.0f64..90.0),
        b in (-180.0f64..180.0, -90.0f64..90.0),
        c in (-180.0f64..180.0, -90.0f64..90.0),
    ) {
        let (ab, ba) = (haversine_m(a, b), haversine_m(b, a));
        prop_assert!((ab - ba).abs() <= 1e-9 * ab.max(1.0));
        prop_assert!((0.0..=20_015_087.0).contains(&ab));
        prop_assert!(ab <= haversine_m(a, c) + haversine_m(c, b) + 1e-6);
        // The same sphere as geo's haversine.
        let g = Haversine::distance(Point::from(a), Point::from(b));
        prop_assert!((g - ab).abs() < 1e-6 * ab.max(1.0));
    }

    #[test]
    fn fast_distance_is_within_its_documented_error(
        lon in 73.0f64..135.0, lat in 18.0f64..54.0,
        bearing in 0.0f64..std::f64::consts::TAU,
        d_km in 0.001f64..50.0,
    ) {
        let a = Coord { x: lon, y: lat };
        let k = 111.195 * lat.to_radians().cos();
        let b = Coord { x: lon + d_km * bearing.sin() / k, y: lat + d_km * bearing.cos() / 111.195 };
        let (h, f) = (haversine_m(a, b), fast_distance_m(a, b));
        let rel = (h - f).abs() / h;
        let bound = if h <= 10_000.0 { 1e-4 } else { 5e-4 };
        prop_assert!(rel < bound, "{} m: {} vs {} ({:e})", h, h, f, rel);
        prop_assert_eq!(fast_distance_m(a, b), fast_distance_m(b, a));
    }

    #[test]
    fn route_match_is_the_nearest_point(
        seed in any::<u64>(),
        n in 2usize..60,
        p in (-0.05f64..0.05, -0.05f64..0.05),
    ) {
        let mut rng = support::rng(seed);
        let line: Vec<Coord> = (0..n).map(|_| {
            let q = support::point(&mut rng);
            Coord { x: 118.17 + (q.x - 118.17) / 5.0, y: 36.18 + (q.y - 36.18) / 5.0 }
        }).collect();
        let route = Route::new(line.clone()).unwrap();
        let p = Coord { x: 118.17 + p.0, y: 36.18 + p.1 };
        let m = route.nearest(p);
        // No vertex is nearer than the match (allowing for the plane approximation).
        let nearest_vertex = line.iter().map(|v| haversine_m(p, *v)).fold(f64::INFINITY, f64::min);
        prop_assert!(m.distance_m <= nearest_vertex * (1.0 + 1e-3) + 1e-6);
        prop_assert!((m.distance_m - haversine_m(p, m.nearest)).abs() < 1e-6);
        prop_assert!(m.along_m >= 0.0 && m.along_m <= route.length_m() + 1e-6);
        prop_assert!((0.0..=1.0).contains(&m.fraction) && m.segment < route.segments());
        let back = route.point_at(m.along_m);
        prop_assert!(haversine_m(back, m.nearest) < 0.01);
        prop_assert_eq!(route.within(p, m.distance_m + 1.0).is_some(), true);
    }
}

fn rng_f(rng: &mut rand::rngs::StdRng) -> f64 {
    use rand::Rng;
    rng.gen_range(0.0..1.0)
}
