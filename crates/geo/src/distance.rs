//! Distances on the Earth in metres.
//!
//! - [`haversine_m`]: great-circle distance on a sphere of radius [`EARTH_RADIUS_M`]. The sphere
//!   itself is the main error against the WGS84 ellipsoid: up to about 0.3 % (typically 0.1 %),
//!   which is 5 cm over 50 m and 30 m over 10 km. Use it for anything reported to a person.
//! - [`fast_distance_m`]: the local equirectangular approximation (longitude scaled by the cosine
//!   of the mean latitude, then Pythagoras), about four times cheaper. Against haversine it is
//!   within 0.01 % for points up to 10 km apart and 0.05 % up to 50 km, between latitudes 18° and
//!   54° (all of China); the tests check this. Use it for thresholds over short distances
//!   (geofence margins, route corridors, clustering), not across hundreds of kilometres.
//! - [`LocalFrame`]: a tangent-plane frame in metres around a reference point, for doing plane
//!   geometry (projections onto segments, buffers) on a county-sized area.
//!
//! ```
//! use zhicheng_geo::distance::{fast_distance_m, haversine_m};
//! // One minute of latitude is one nautical mile, give or take the sphere.
//! let d = haversine_m((118.17, 36.0), (118.17, 36.0 + 1.0 / 60.0));
//! assert!((d - 1853.2).abs() < 0.5);
//! let f = fast_distance_m((118.17, 36.0), (118.17, 36.0 + 1.0 / 60.0));
//! assert!((f - d).abs() < 0.01);
//! ```

use geo::Coord;

/// Mean Earth radius (IUGG R₁ = (2a + b) / 3 of WGS84), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude (and of longitude at the equator) on that sphere.
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance in metres between two lon/lat points (haversine formula).
///
/// Symmetric, zero for equal points, and obeys the triangle inequality. Numerically stable
/// for small distances (unlike the spherical law of cosines).
pub fn haversine_m(a: impl Into<Coord>, b: impl Into<Coord>) -> f64 {
    let (a, b) = (a.into(), b.into());
    let (lat1, lat2) = (a.y.to_radians(), b.y.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.x - a.x).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // `min` guards asin against h a rounding error above 1 for antipodal points.
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Equirectangular approximation of the distance in metres, for short distances.
///
/// See the [module documentation](self) for its accuracy. Longitude differences are taken the
/// short way round, so points either side of the antimeridian are near.
pub fn fast_distance_m(a: impl Into<Coord>, b: impl Into<Coord>) -> f64 {
    let (a, b) = (a.into(), b.into());
    let k = ((a.y + b.y) * 0.5).to_radians().cos();
    let dx = wrap_lon_delta(b.x - a.x) * k;
    let dy = b.y - a.y;
    (dx * dx + dy * dy).sqrt() * METRES_PER_DEGREE
}

/// A longitude difference folded into −180..180.
fn wrap_lon_delta(d: f64) -> f64 {
    if d > 180.0 {
        d - 360.0
    } else if d < -180.0 {
        d + 360.0
    } else {
        d
    }
}

/// A local tangent-plane frame: metres east (`x`) and north (`y`) of an origin.
///
/// The scale of longitude is fixed at the origin's latitude, so the frame is accurate to
/// better than 0.1 % within about 20 km of the origin (a county). Converting is a subtraction
/// and a multiplication, which is why the route and corridor code use it.
///
/// ```
/// use zhicheng_geo::distance::LocalFrame;
/// let f = LocalFrame::new((118.17, 36.18));
/// let (x, y) = f.to_xy((118.18, 36.18));
/// assert!((x - 897.53).abs() < 0.01 && y == 0.0);
/// let back = f.to_lonlat(x, y);
/// assert!((back.x - 118.18).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    origin: Coord,
    /// Metres per degree of longitude at the origin.
    kx: f64,
}

impl LocalFrame {
    /// A frame centred on `origin` (lon/lat degrees).
    pub fn new(origin: impl Into<Coord>) -> LocalFrame {
        let origin = origin.into();
        LocalFrame {
            origin,
            kx: METRES_PER_DEGREE * origin.y.to_radians().cos(),
        }
    }

    /// The origin.
    pub fn origin(&self) -> Coord {
        self.origin
    }

    /// Metres east and north of the origin.
    #[inline]
    pub fn to_xy(&self, c: impl Into<Coord>) -> (f64, f64) {
        let c = c.into();
        (
            wrap_lon_delta(c.x - self.origin.x) * self.kx,
            (c.y - self.origin.y) * METRES_PER_DEGREE,
        )
    }

    /// The lon/lat of a point `x` metres east and `y` metres north of the origin.
    pub fn to_lonlat(&self, x: f64, y: f64) -> Coord {
        Coord {
            x: self.origin.x + x / self.kx,
            y: self.origin.y + y / METRES_PER_DEGREE,
        }
    }

    /// Degrees of longitude and latitude spanned by `metres` at the origin: a box of this
    /// half-size around a point contains every point within `metres` of it.
    pub fn degrees_for(&self, metres: f64) -> (f64, f64) {
        // A little slack for the change of cos(lat) across the box.
        (
            metres / self.kx * 1.01 + 1e-9,
            metres / METRES_PER_DEGREE * 1.01 + 1e-9,
        )
    }
}

/// Where a point projects onto a segment, in a plane frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SegmentProjection {
    /// Position along the segment, 0 at its start and 1 at its end.
    pub t: f64,
    /// Squared plane distance from the point to the projection.
    pub dist2: f64,
}

/// Projects `p` onto the segment `a`–`b` (all in the same plane frame).
#[inline]
pub(crate) fn project_on_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> SegmentProjection {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    SegmentProjection {
        t,
        dist2: qx * qx + qy * qy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // Quarter of a meridian: πR/2.
        let q = haversine_m((0.0, 0.0), (0.0, 90.0));
        assert!((q - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
        // Antipodes: πR, no NaN.
        let a = haversine_m((0.0, 0.0), (180.0, 0.0));
        assert!((a - EARTH_RADIUS_M * std::f64::consts::PI).abs() < 1e-6);
        assert_eq!(haversine_m((118.17, 36.18), (118.17, 36.18)), 0.0);
        // Beijing Tiananmen → Shanghai People's Square, about 1,067 km on the sphere.
        let d = haversine_m((116.3975, 39.9087), (121.4737, 31.2304));
        assert!((d - 1_067_000.0).abs() < 3_000.0, "{d}");
    }

    #[test]
    fn fast_distance_is_close_in_a_county_and_wraps_the_antimeridian() {
        let a = (118.17, 36.18);
        for b in [(118.20, 36.19), (118.05, 36.30), (118.17, 36.0)] {
            let (h, f) = (haversine_m(a, b), fast_distance_m(a, b));
            assert!((h - f).abs() / h < 1e-4, "{b:?}: {h} vs {f}");
        }
        let w = fast_distance_m((179.999, 0.0), (-179.999, 0.0));
        assert!((w - 222.4).abs() < 0.5, "{w}");
    }

    #[test]
    fn projection_clamps_to_the_segment() {
        let p = project_on_segment((5.0, 3.0), (0.0, 0.0), (10.0, 0.0));
        assert_eq!((p.t, p.dist2), (0.5, 9.0));
        let p = project_on_segment((-4.0, 3.0), (0.0, 0.0), (10.0, 0.0));
        assert_eq!((p.t, p.dist2), (0.0, 25.0));
        let p = project_on_segment((1.0, 1.0), (0.0, 0.0), (0.0, 0.0));
        assert_eq!((p.t, p.dist2), (0.0, 2.0));
    }
}
