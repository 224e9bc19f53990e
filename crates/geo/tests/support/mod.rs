//! A synthetic county for tests and the benchmark: about 1,600 km² around lon 118.17,
//! lat 36.18, with star-shaped fences of 20–200 vertices and random points.
#![allow(dead_code)] // each test binary uses a different part

use geo::{Coord, LineString, Polygon};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Centre of the county.
pub const CENTER: (f64, f64) = (118.17, 36.18);
/// Half-height in degrees of latitude (20 km).
pub const HALF_LAT: f64 = 0.18;
/// Half-width in degrees of longitude (20 km at lat 36.18).
pub const HALF_LON: f64 = 0.223;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A random point of the county.
pub fn point(rng: &mut StdRng) -> Coord {
    Coord {
        x: CENTER.0 + rng.gen_range(-HALF_LON..HALF_LON),
        y: CENTER.1 + rng.gen_range(-HALF_LAT..HALF_LAT),
    }
}

/// A star-shaped polygon of `n` vertices around `c`, radii between half and all of `r_m`.
pub fn star(rng: &mut StdRng, c: Coord, r_m: f64, n: usize) -> Polygon {
    let (ky, kx) = (1.0 / 111_195.0, 1.0 / (111_195.0 * c.y.to_radians().cos()));
    let mut ring: Vec<Coord> = (0..n)
        .map(|i| {
            let a = (i as f64 + rng.gen_range(0.0..0.9)) / n as f64 * std::f64::consts::TAU;
            let r = r_m * rng.gen_range(0.5..1.0);
            Coord {
                x: c.x + r * a.cos() * kx,
                y: c.y + r * a.sin() * ky,
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// A polygon of `n` vertices around `c` with a smooth, irregular outline (a few low
/// harmonics and a little noise): what surveyed grids, parks and campuses look like.
pub fn blob(rng: &mut StdRng, c: Coord, r_m: f64, n: usize) -> Polygon {
    let (ky, kx) = (1.0 / 111_195.0, 1.0 / (111_195.0 * c.y.to_radians().cos()));
    let (p1, p2) = (rng.gen_range(0.0..6.3), rng.gen_range(0.0..6.3));
    let mut ring: Vec<Coord> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let k = 0.75 + 0.15 * (3.0 * a + p1).sin() + 0.07 * (7.0 * a + p2).sin();
            let r = r_m * (k + rng.gen_range(0.0..0.03));
            Coord {
                x: c.x + r * a.cos() * kx,
                y: c.y + r * a.sin() * ky,
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// `n` spiky fences (see [`star`]) over the county: radius 50–400 m, 20–200 vertices.
pub fn fences(n: usize, seed: u64) -> Vec<(u32, Polygon)> {
    let mut rng = rng(seed);
    (0..n as u32)
        .map(|id| {
            let c = point(&mut rng);
            let r = rng.gen_range(50.0..400.0);
            let v = rng.gen_range(20..=200);
            (id, star(&mut rng, c, r, v))
        })
        .collect()
}

/// `n` smooth fences (see [`blob`]) over the county: radius 50–400 m, 20–200 vertices.
pub fn smooth_fences(n: usize, seed: u64) -> Vec<(u32, Polygon)> {
    let mut rng = rng(seed);
    (0..n as u32)
        .map(|id| {
            let c = point(&mut rng);
            let r = rng.gen_range(50.0..400.0);
            let v = rng.gen_range(20..=200);
            (id, blob(&mut rng, c, r, v))
        })
        .collect()
}

/// `n` random points of the county.
pub fn points(n: usize, seed: u64) -> Vec<Coord> {
    let mut rng = rng(seed);
    (0..n).map(|_| point(&mut rng)).collect()
}
