//! WGS84 ↔ GCJ-02 ↔ BD-09: the shifted coordinates of Chinese web maps.
//!
//! Devices (GNSS, JT/T 808 terminals) report WGS84/CGCS2000. Maps published in China must use
//! GCJ-02 (AMap/Gaode, Tencent, Google China), shifted from WGS84 by some 100–700 m by a
//! non-public but widely published algorithm on the Krasovsky 1940 ellipsoid; Baidu adds its own
//! BD-09 shift on top. Draw WGS84 data on a GCJ-02 tile layer and everything is off by a street:
//! convert on the way to such a map, and back for points picked on it.
//!
//! - [`wgs84_to_gcj02`] is the published forward transform (no closed-form inverse exists).
//! - [`gcj02_to_wgs84`] inverts it by fixed-point iteration to 1e-9° (0.1 mm; the widely copied
//!   one-step inverse is off by up to a few metres). Converges in 3–5 steps.
//! - [`gcj02_to_bd09`] / [`bd09_to_gcj02`] are Baidu's published pair; the published inverse is
//!   itself approximate (a few decimetres), so [`bd09_to_gcj02`] refines it by iteration too.
//! - Outside China the published algorithm applies no shift. "China" is its rough rectangle,
//!   lon 72.004–137.8347, lat 0.8293–55.8271 ([`in_china`]): it includes neighbouring
//!   countries' border areas and excludes nothing of China's mainland; Hong Kong, Macao and
//!   Taiwan are inside it although their maps are not shifted — that is what the map vendors do.
//!
//! ```
//! use zhicheng_geo::datum::{gcj02_to_wgs84, wgs84_to_gcj02, convert, Datum};
//! let wgs = (118.17, 36.18);
//! let gcj = wgs84_to_gcj02(wgs);
//! assert!((gcj.x - wgs.0).abs() > 1e-3); // shifted by hundreds of metres
//! let back = gcj02_to_wgs84(gcj);
//! assert!((back.x - wgs.0).abs() < 1e-9 && (back.y - wgs.1).abs() < 1e-9);
//! let bd = convert(wgs, Datum::Wgs84, Datum::Bd09);
//! let again = convert(bd, Datum::Bd09, Datum::Wgs84);
//! assert!((again.x - wgs.0).abs() < 1e-8);
//! // Paris is not shifted.
//! assert_eq!(wgs84_to_gcj02((2.35, 48.85)), (2.35, 48.85).into());
//! ```

use std::f64::consts::PI;

use geo::{Coord, MapCoordsInPlace};

/// Semi-major axis of the Krasovsky 1940 ellipsoid, as in the published algorithm.
const A: f64 = 6_378_245.0;
/// Its first eccentricity squared, as published (digit for digit, hence the allow).
#[allow(clippy::excessive_precision)]
const EE: f64 = 0.006_693_421_622_965_943_23;
/// Baidu's angular constant, as published.
const X_PI: f64 = PI * 3000.0 / 180.0;
/// Iteration stops when a step moves less than this (degrees).
const EPS_DEG: f64 = 1e-9;
const MAX_ITER: usize = 30;

/// A coordinate reference of Chinese web maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Datum {
    /// WGS84 / CGCS2000: GNSS, devices, OpenStreetMap, everything stored by zhicheng.
    Wgs84,
    /// GCJ-02 ("Mars coordinates"): AMap/Gaode, Tencent, Google Maps China.
    Gcj02,
    /// BD-09: Baidu Maps (lon/lat form, not Baidu's Mercator metres).
    Bd09,
}

/// Is `c` inside the rectangle where the published algorithm applies a shift?
pub fn in_china(c: impl Into<Coord>) -> bool {
    let c = c.into();
    (72.004..=137.8347).contains(&c.x) && (0.8293..=55.8271).contains(&c.y)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// The GCJ-02 offset (degrees) at a WGS84 point inside China.
fn gcj_delta(lon: f64, lat: f64) -> (f64, f64) {
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    (
        (dlon * 180.0) / (A / sqrt_magic * radlat.cos() * PI),
        (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI),
    )
}

/// WGS84 → GCJ-02 (the published transform). Unchanged outside [`in_china`].
pub fn wgs84_to_gcj02(c: impl Into<Coord>) -> Coord {
    let c = c.into();
    if !in_china(c) {
        return c;
    }
    let (dx, dy) = gcj_delta(c.x, c.y);
    Coord {
        x: c.x + dx,
        y: c.y + dy,
    }
}

/// GCJ-02 → WGS84, exact to 1e-9° by iteration. Unchanged outside [`in_china`].
pub fn gcj02_to_wgs84(c: impl Into<Coord>) -> Coord {
    let g = c.into();
    if !in_china(g) {
        return g;
    }
    invert(g, wgs84_to_gcj02)
}

/// Solves `forward(w) = target` for `w` by the fixed-point step `w ← w − (forward(w) − target)`,
/// which converges fast because `forward` is the identity plus a slowly varying shift.
fn invert(target: Coord, forward: fn(Coord) -> Coord) -> Coord {
    let mut w = target;
    for _ in 0..MAX_ITER {
        let f = forward(w);
        let (ex, ey) = (f.x - target.x, f.y - target.y);
        w.x -= ex;
        w.y -= ey;
        if ex.abs() < EPS_DEG && ey.abs() < EPS_DEG {
            break;
        }
    }
    w
}

/// GCJ-02 → BD-09 (Baidu's published transform).
pub fn gcj02_to_bd09(c: impl Into<Coord>) -> Coord {
    let c = c.into();
    let z = (c.x * c.x + c.y * c.y).sqrt() + 0.00002 * (c.y * X_PI).sin();
    let theta = c.y.atan2(c.x) + 0.000003 * (c.x * X_PI).cos();
    Coord {
        x: z * theta.cos() + 0.0065,
        y: z * theta.sin() + 0.006,
    }
}

/// BD-09 → GCJ-02: Baidu's published approximate inverse, refined by iteration so that
/// [`gcj02_to_bd09`] of the result gives back `c` to 1e-9°.
pub fn bd09_to_gcj02(c: impl Into<Coord>) -> Coord {
    let b = c.into();
    let x = b.x - 0.0065;
    let y = b.y - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let mut w = Coord {
        x: z * theta.cos(),
        y: z * theta.sin(),
    };
    for _ in 0..MAX_ITER {
        let f = gcj02_to_bd09(w);
        let (ex, ey) = (f.x - b.x, f.y - b.y);
        w.x -= ex;
        w.y -= ey;
        if ex.abs() < EPS_DEG && ey.abs() < EPS_DEG {
            break;
        }
    }
    w
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(c: impl Into<Coord>) -> Coord {
    gcj02_to_bd09(wgs84_to_gcj02(c))
}

/// BD-09 → WGS84.
pub fn bd09_to_wgs84(c: impl Into<Coord>) -> Coord {
    gcj02_to_wgs84(bd09_to_gcj02(c))
}

/// Converts a coordinate from one datum to another.
pub fn convert(c: impl Into<Coord>, from: Datum, to: Datum) -> Coord {
    let c = c.into();
    let wgs = match from {
        Datum::Wgs84 => c,
        Datum::Gcj02 => gcj02_to_wgs84(c),
        Datum::Bd09 => bd09_to_wgs84(c),
    };
    match to {
        Datum::Wgs84 => wgs,
        Datum::Gcj02 => wgs84_to_gcj02(wgs),
        Datum::Bd09 => wgs84_to_bd09(wgs),
    }
}

/// Converts every coordinate of a geometry (any `geo` type: point, polygon, collection…) in
/// place — e.g. a route drawn on an AMap layer back to WGS84.
pub fn convert_geometry<G: MapCoordsInPlace<f64>>(g: &mut G, from: Datum, to: Datum) {
    if from != to {
        g.map_coords_in_place(|c| convert(c, from, to));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Coord, b: (f64, f64), tol: f64) -> bool {
        (a.x - b.0).abs() < tol && (a.y - b.1).abs() < tol
    }

    /// Published pairs of the Krasovsky transform: the coordtransform (wandergis) README
    /// example and the eviltransform test table (Shanghai, Shenzhen, Beijing).
    #[test]
    fn golden_wgs84_to_gcj02() {
        let pairs = [
            ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
            (
                (121.5272106, 31.1774276),
                (121.531541859215, 31.17530398364597),
            ),
            (
                (113.912316, 22.543847),
                (113.9171764808363, 22.540796131694766),
            ),
            (
                (116.377817, 39.911954),
                (116.38404722455657, 39.91334545536069),
            ),
        ];
        for (wgs, gcj) in pairs {
            let got = wgs84_to_gcj02(wgs);
            assert!(
                close(got, gcj, 1e-9),
                "{wgs:?} → {got:?}, published {gcj:?}"
            );
            let back = gcj02_to_wgs84(gcj);
            assert!(close(back, wgs, 1e-8), "{gcj:?} → {back:?}, want {wgs:?}");
        }
    }

    #[test]
    fn golden_bd09() {
        // coordtransform README: gcj02tobd09(116.404, 39.915) and bd09togcj02(116.404, 39.915).
        let bd = gcj02_to_bd09((116.404, 39.915));
        assert!(
            close(bd, (116.41036949371029, 39.92133699351021), 1e-12),
            "{bd:?}"
        );
        // The published inverse is approximate; ours is refined, and agrees to ~1e-5°.
        let gcj = bd09_to_gcj02((116.404, 39.915));
        assert!(
            close(gcj, (116.39762729119315, 39.90865673957631), 2e-5),
            "{gcj:?}"
        );
        let again = gcj02_to_bd09(gcj);
        assert!(close(again, (116.404, 39.915), 1e-9), "{again:?}");
    }

    #[test]
    fn no_shift_outside_china() {
        for c in [(2.35, 48.85), (-74.0, 40.7), (139.69, 35.69), (100.0, -1.0)] {
            assert_eq!(wgs84_to_gcj02(c), c.into());
            assert_eq!(gcj02_to_wgs84(c), c.into());
        }
        assert!(in_china((118.17, 36.18)));
    }

    #[test]
    fn geometries_convert_in_place() {
        let mut line = geo::LineString::from(vec![(118.17, 36.18), (118.18, 36.19)]);
        let orig = line.clone();
        convert_geometry(&mut line, Datum::Wgs84, Datum::Gcj02);
        assert_eq!(line.0[0], wgs84_to_gcj02(orig.0[0]));
        convert_geometry(&mut line, Datum::Gcj02, Datum::Wgs84);
        assert!(close(line.0[1], (118.18, 36.19), 1e-9));
    }
}
