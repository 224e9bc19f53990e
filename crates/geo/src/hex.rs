//! H3 hexagonal cells for heat layers and spatial statistics.
//!
//! - [`cell_at`]: the cell holding a point at a [`Resolution`] (res 9 ≈ 0.1 km² per cell, a
//!   city block; res 7 ≈ 5 km², a town; see H3's table of cell areas).
//! - [`HexAggregator`]: count / sum / min / max / mean of values per cell, mergeable across
//!   threads or periods, rolled up to coarser resolutions for zooming out, and written as a
//!   GeoJSON FeatureCollection the command-centre map draws directly.
//! - [`cell_polygon`]: a cell's outline; [`cells_covering`]: the cells of a polygon, bounded.
//!
//! ```
//! use zhicheng_geo::hex::{HexAggregator, Resolution};
//! let mut heat = HexAggregator::new(Resolution::Nine);
//! heat.add((118.1701, 36.1801), 3.0)?;
//! heat.add((118.1702, 36.1802), 5.0)?; // same block, same cell
//! heat.add((118.2500, 36.2500), 1.0)?;
//! assert_eq!(heat.len(), 2);
//! let busiest = heat.iter().max_by_key(|(_, s)| s.count).unwrap().1;
//! assert_eq!((busiest.count, busiest.sum, busiest.mean()), (2, 8.0, 4.0));
//! let layer = heat.to_feature_collection();
//! assert_eq!(layer.features.len(), 2);
//! # Ok::<(), zhicheng_geo::Error>(())
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use geo::{Coord, LineString, Polygon};
pub use h3o::geom::ContainmentMode;
use h3o::geom::TilerBuilder;
pub use h3o::{CellIndex, Resolution};

use crate::{check_coord, Error, Result};

/// The H3 cell holding `p` at `resolution`.
pub fn cell_at(p: impl Into<Coord>, resolution: Resolution) -> Result<CellIndex> {
    let p = check_coord(p)?;
    let ll = h3o::LatLng::new(p.y, p.x).map_err(|_| Error::BadCoordinate { lon: p.x, lat: p.y })?;
    Ok(ll.to_cell(resolution))
}

/// The outline of `cell` as a closed polygon in lon/lat (6 vertices, or up to 10 for cells
/// cut by an icosahedron edge).
pub fn cell_polygon(cell: CellIndex) -> Polygon {
    let ring: Vec<Coord> = cell
        .boundary()
        .iter()
        .map(|ll| Coord {
            x: ll.lng(),
            y: ll.lat(),
        })
        .collect();
    Polygon::new(LineString::new(ring), vec![])
}

/// The centre of `cell`.
pub fn cell_center(cell: CellIndex) -> Coord {
    let ll = h3o::LatLng::from(cell);
    Coord {
        x: ll.lng(),
        y: ll.lat(),
    }
}

/// The cells of `polygon` at `resolution` by `mode` (H3's polyfill), refusing — before doing
/// the work — when H3's estimate exceeds `max_cells`.
///
/// [`ContainmentMode::ContainsCentroid`] gives each cell to exactly one of several adjacent
/// polygons (grids to cells); [`ContainmentMode::Covers`] leaves no part of the polygon
/// uncovered.
pub fn cells_covering(
    polygon: &Polygon,
    resolution: Resolution,
    mode: ContainmentMode,
    max_cells: usize,
) -> Result<Vec<CellIndex>> {
    for c in polygon
        .exterior()
        .0
        .iter()
        .chain(polygon.interiors().iter().flat_map(|r| r.0.iter()))
    {
        check_coord(*c)?;
    }
    let mut tiler = TilerBuilder::new(resolution).containment_mode(mode).build();
    tiler
        .add(polygon.clone())
        .map_err(|e| Error::Coverage(e.to_string()))?;
    let estimate = tiler.coverage_size_hint();
    if estimate > max_cells {
        return Err(Error::TooManyCells {
            needed: estimate,
            max: max_cells,
        });
    }
    let cells: Vec<CellIndex> = tiler.into_coverage().collect();
    if cells.len() > max_cells {
        return Err(Error::TooManyCells {
            needed: cells.len(),
            max: max_cells,
        });
    }
    Ok(cells)
}

/// Statistics of the values that fell in one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStats {
    /// How many values.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl CellStats {
    fn one(v: f64) -> CellStats {
        CellStats {
            count: 1,
            sum: v,
            min: v,
            max: v,
        }
    }

    #[inline]
    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn merge(&mut self, o: &CellStats) {
        self.count += o.count;
        self.sum += o.sum;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// The arithmetic mean (`sum / count`).
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }
}

/// A hasher for cell indexes: H3 indexes of one resolution share their top and bottom bits, so
/// the index is spread with a folded 128-bit multiply (cheaper than SipHash, and not
/// attacker-facing: cells come from coordinates we validated).
#[derive(Default)]
struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        let m = u128::from(n ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        self.0 = (m >> 64) as u64 ^ m as u64;
    }
}

type CellMap = HashMap<CellIndex, CellStats, BuildHasherDefault<CellHasher>>;

/// Per-cell statistics of values at points, at one resolution.
#[derive(Debug, Clone)]
pub struct HexAggregator {
    resolution: Resolution,
    cells: CellMap,
}

impl HexAggregator {
    /// An empty aggregator at `resolution`.
    pub fn new(resolution: Resolution) -> HexAggregator {
        HexAggregator {
            resolution,
            cells: CellMap::default(),
        }
    }

    /// The resolution.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// Adds `value` at `p`; returns the cell it went to. Use `1.0` when only counts matter.
    pub fn add(&mut self, p: impl Into<Coord>, value: f64) -> Result<CellIndex> {
        if !value.is_finite() {
            return Err(Error::BadValue(value));
        }
        let cell = cell_at(p, self.resolution)?;
        self.add_to_cell(cell, value);
        Ok(cell)
    }

    /// Adds `value` to a known cell (of any resolution finer than or equal to this one's; a
    /// finer cell is counted in its parent).
    pub fn add_to_cell(&mut self, cell: CellIndex, value: f64) {
        let cell = cell.parent(self.resolution).unwrap_or(cell);
        self.cells
            .entry(cell)
            .and_modify(|s| s.add(value))
            .or_insert_with(|| CellStats::one(value));
    }

    /// Number of cells with at least one value.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// No values yet?
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The statistics of one cell.
    pub fn get(&self, cell: CellIndex) -> Option<&CellStats> {
        self.cells.get(&cell)
    }

    /// Every cell with its statistics, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (CellIndex, &CellStats)> {
        self.cells.iter().map(|(c, s)| (*c, s))
    }

    /// Adds everything `other` holds (e.g. from another thread). `other` must be at the same
    /// or a finer resolution; finer cells are counted in their parents.
    pub fn merge(&mut self, other: &HexAggregator) {
        for (cell, s) in &other.cells {
            let cell = cell.parent(self.resolution).unwrap_or(*cell);
            self.cells
                .entry(cell)
                .and_modify(|t| t.merge(s))
                .or_insert(*s);
        }
    }

    /// The same statistics at a coarser `resolution` (for a zoomed-out map). A resolution
    /// finer than this one's gives an unchanged copy.
    pub fn rollup(&self, resolution: Resolution) -> HexAggregator {
        let resolution = resolution.min(self.resolution);
        let mut out = HexAggregator::new(resolution);
        out.merge(self);
        out
    }

    /// The heat layer: one Polygon feature per cell with properties `cell` (H3 index in hex),
    /// `count`, `sum`, `min`, `max` and `mean`, sorted by cell for stable output.
    pub fn to_feature_collection(&self) -> ::geojson::FeatureCollection {
        let mut cells: Vec<_> = self.cells.iter().collect();
        cells.sort_unstable_by_key(|(c, _)| **c);
        let features = cells
            .into_iter()
            .map(|(cell, s)| {
                let mut props = serde_json::Map::new();
                props.insert("cell".into(), cell.to_string().into());
                props.insert("count".into(), s.count.into());
                props.insert("sum".into(), s.sum.into());
                props.insert("min".into(), s.min.into());
                props.insert("max".into(), s.max.into());
                props.insert("mean".into(), s.mean().into());
                ::geojson::Feature {
                    bbox: None,
                    geometry: Some(::geojson::Geometry::new(::geojson::Value::from(
                        &cell_polygon(*cell),
                    ))),
                    id: Some(::geojson::feature::Id::String(cell.to_string())),
                    properties: Some(props),
                    foreign_members: None,
                }
            })
            .collect();
        ::geojson::FeatureCollection {
            bbox: None,
            features,
            foreign_members: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point};

    #[test]
    fn cell_contains_its_point_and_centre() {
        let p = (118.17, 36.18);
        let cell = cell_at(p, Resolution::Nine).unwrap();
        assert_eq!(cell.resolution(), Resolution::Nine);
        let poly = cell_polygon(cell);
        assert!(poly.exterior().0.len() >= 7, "closed hexagon");
        assert!(poly.contains(&Point::from(p)));
        assert!(poly.contains(&Point::from(cell_center(cell))));
        // Known index of this point at res 9 is stable: parent at res 0 is one of H3's base
        // cells and the cell string is 15 hex digits starting with 89.
        assert!(cell.to_string().starts_with("89"));
        assert_eq!(cell.to_string().len(), 15);
        assert!(cell_at((f64::NAN, 36.0), Resolution::Nine).is_err());
    }

    #[test]
    fn aggregates_and_rolls_up() {
        let mut h = HexAggregator::new(Resolution::Ten);
        let pts = [(118.17, 36.18), (118.1701, 36.1801), (118.30, 36.30)];
        for (i, p) in pts.iter().enumerate() {
            h.add(*p, i as f64).unwrap();
        }
        assert!(h.add((118.0, 36.0), f64::NAN).is_err());
        assert!(h.add((200.0, 36.0), 1.0).is_err());
        let total: u64 = h.iter().map(|(_, s)| s.count).sum();
        assert_eq!(total, 3);
        let c0 = cell_at(pts[0], Resolution::Ten).unwrap();
        let s = h.get(c0).unwrap();
        assert_eq!((s.count, s.min, s.max, s.sum), (2, 0.0, 1.0, 1.0));
        let coarse = h.rollup(Resolution::Five);
        assert_eq!(coarse.resolution(), Resolution::Five);
        assert_eq!(coarse.iter().map(|(_, s)| s.count).sum::<u64>(), 3);
        assert!(coarse.len() <= h.len());
        let mut twice = h.clone();
        twice.merge(&h);
        assert_eq!(twice.get(c0).unwrap().count, 4);
        assert_eq!(twice.get(c0).unwrap().mean(), 0.5);
    }

    #[test]
    fn heat_layer_is_geojson() {
        let mut h = HexAggregator::new(Resolution::Eight);
        h.add((118.17, 36.18), 2.0).unwrap();
        let fc = h.to_feature_collection();
        let json = fc.to_string();
        assert!(json.contains("\"count\":1"), "{json}");
        assert!(json.contains("\"Polygon\""));
        let props = fc.features[0].properties.as_ref().unwrap();
        assert_eq!(props["mean"], 2.0);
    }

    #[test]
    fn covering_a_polygon() {
        let square = Polygon::new(
            LineString::from(vec![
                (118.10, 36.10),
                (118.12, 36.10),
                (118.12, 36.12),
                (118.10, 36.12),
                (118.10, 36.10),
            ]),
            vec![],
        );
        // About 4 km², cells of res 9 are 0.105 km²: some 40 cells by centroid.
        let cells = cells_covering(
            &square,
            Resolution::Nine,
            ContainmentMode::ContainsCentroid,
            1000,
        )
        .unwrap();
        assert!((25..=60).contains(&cells.len()), "{}", cells.len());
        for c in &cells {
            assert!(square.contains(&Point::from(cell_center(*c))));
        }
        let covers =
            cells_covering(&square, Resolution::Nine, ContainmentMode::Covers, 1000).unwrap();
        assert!(covers.len() > cells.len());
        assert!(matches!(
            cells_covering(&square, Resolution::Twelve, ContainmentMode::Covers, 100),
            Err(Error::TooManyCells { max: 100, .. })
        ));
    }
}
