//! The spatial toolkit of zhicheng: which region, grid or geofence a point is in, how far a
//! vehicle is from its route, H3 heat-layer aggregation, the WGS84 ↔ GCJ-02 ↔ BD-09 shifts of
//! Chinese web maps, and GeoJSON in and out.
//!
//! This crate is pure: no I/O, no async, no database. Coordinates are longitude/latitude in
//! degrees on WGS84 (CGCS2000 differs from WGS84 by centimetres, below what any of this
//! resolves), held as [`geo::Coord`] with `x` = longitude and `y` = latitude. Functions take
//! `impl Into<Coord>`, so `(lon, lat)` tuples, `[lon, lat]` arrays and [`geo::Point`]s all work.
//!
//! | module | answers |
//! |---|---|
//! | [`distance`] | haversine metres; a fast local equirectangular approximation; a local metric frame |
//! | [`area`] | point in polygon (holes, multipolygons) with a documented boundary rule; [`PreparedArea`] |
//! | [`fence`] | [`FenceIndex`]: an R-tree over thousands of geofences — which contain this point, which lie in a box |
//! | [`route`] | [`Route`]: distance from a polyline, nearest segment, position along the route, corridor checks |
//! | [`hex`] | H3 cells: point → cell, per-cell count/sum/min/max/avg, cell outlines, polygon coverage |
//! | [`datum`] | WGS84 ↔ GCJ-02 ↔ BD-09 conversions for coordinates and whole geometries |
//! | [`geojson`] | GeoJSON decoding with bounded sizes and precise errors; encoding back |
//!
//! ```
//! use zhicheng_geo::{geojson, FenceIndex, Route, datum};
//!
//! // Two grids (网格) of a county, as GeoJSON features with an id.
//! let fc = br#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","id":"grid-1","properties":{},"geometry":{"type":"Polygon",
//!    "coordinates":[[[118.10,36.10],[118.20,36.10],[118.20,36.20],[118.10,36.20],[118.10,36.10]]]}},
//!   {"type":"Feature","id":"grid-2","properties":{},"geometry":{"type":"Polygon",
//!    "coordinates":[[[118.20,36.10],[118.30,36.10],[118.30,36.20],[118.20,36.20],[118.20,36.10]]]}}]}"#;
//! let fences = FenceIndex::build(geojson::parse_fences(fc, "id")?)?;
//! let hits: Vec<&String> = fences.containing((118.25, 36.15)).collect();
//! assert_eq!(hits, ["grid-2"]);
//!
//! // Is the bus within 50 m of its route, and how far along is it?
//! let route = Route::new(vec![(118.10, 36.15), (118.30, 36.15)])?;
//! let m = route.within((118.20, 36.1503), 50.0).expect("33 m from the line");
//! assert!((m.distance_m - 33.36).abs() < 0.01);
//! assert!((m.along_m - route.length_m() / 2.0).abs() < 1.0);
//!
//! // A position from a GCJ-02 map (AMap, Tencent) back to WGS84.
//! let wgs = datum::gcj02_to_wgs84((118.1745, 36.1786));
//! assert!((wgs.x - 118.1745).abs() < 0.01 && wgs.x != 118.1745);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod area;
pub mod datum;
pub mod distance;
pub mod fence;
pub mod geojson;
pub mod hex;
pub mod route;

pub use area::PreparedArea;
pub use fence::FenceIndex;
pub use geo::{Coord, LineString, MultiPolygon, Point, Polygon, Rect};
pub use route::{Route, RouteMatch};

/// A geometry or value this crate cannot work with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A coordinate is NaN, infinite, or outside longitude −180..180 / latitude −90..90.
    #[error("coordinate [{lon}, {lat}] is not a longitude in −180..180 and a latitude in −90..90")]
    BadCoordinate {
        /// The longitude given.
        lon: f64,
        /// The latitude given.
        lat: f64,
    },
    /// A line or area has fewer positions than its kind needs.
    #[error("{what} needs at least {min} positions, got {found}")]
    TooFewPositions {
        /// What was being built, e.g. `"route"` or `"polygon ring"`.
        what: &'static str,
        /// The minimum.
        min: usize,
        /// What was given.
        found: usize,
    },
    /// An area with no polygon in it.
    #[error("the area is empty (no polygon)")]
    EmptyArea,
    /// An input larger than the structure can hold (the index counts edges in `u32`).
    #[error("{what} is too large (at most {max})")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A value to aggregate is NaN or infinite.
    #[error("value {0} is not a finite number")]
    BadValue(f64),
    /// A polygon H3 cannot tile, with H3's reason.
    #[error("cannot cover the polygon with H3 cells: {0}")]
    Coverage(String),
    /// Covering a polygon would take more cells than the caller allowed.
    #[error("covering needs about {needed} cells, more than the {max} allowed")]
    TooManyCells {
        /// The estimate (or count) of cells needed.
        needed: usize,
        /// The caller's limit.
        max: usize,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that `c` is a finite longitude/latitude in range.
///
/// ```
/// assert!(zhicheng_geo::check_coord((118.17, 36.18)).is_ok());
/// assert!(zhicheng_geo::check_coord((f64::NAN, 36.18)).is_err());
/// assert!(zhicheng_geo::check_coord((181.0, 36.18)).is_err());
/// ```
pub fn check_coord(c: impl Into<Coord>) -> Result<Coord> {
    let c = c.into();
    // `contains` is false for NaN, so this also refuses non-finite values.
    if (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y) {
        Ok(c)
    } else {
        Err(Error::BadCoordinate { lon: c.x, lat: c.y })
    }
}
