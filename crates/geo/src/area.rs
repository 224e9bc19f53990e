//! Point in polygon, with holes and multipolygons, by the crossing-number (even–odd) rule.
//!
//! # The rule, and the boundary
//!
//! A point is inside when a ray from it towards +longitude crosses the area's edges (exterior
//! and hole rings alike) an odd number of times. An edge from `lo` to `hi` (ordered so that
//! `lo.y < hi.y`; horizontal edges never count) is crossed when
//! `lo.y <= p.y < hi.y` and `p.x` is left of the edge at `p.y`. This *half-open* rule decides
//! points on the boundary as if the point were nudged an infinitesimal amount north and then
//! east (a symbolic perturbation), with these consequences:
//!
//! - a point on a western or southern edge is inside, on an eastern or northern edge outside;
//! - two areas that share an edge (the same two vertices, in either direction — e.g. adjacent
//!   grids 网格 cut from one boundary file) never both claim a point on it, and together claim
//!   it exactly once when they tile the neighbourhood: a case located on the line between two
//!   grids goes to exactly one grid. The same holds at a vertex shared by several tiles.
//! - this holds in floating point too: each edge is stored in one canonical orientation, so
//!   both areas sharing it compute the same crossing for the same point (the property tests
//!   check it on jittered tilings with decimal coordinates, probing shared vertices and edges).
//!
//! If you need "on the boundary counts as inside" with a tolerance, test the distance to the
//! boundary ([`PreparedArea::distance_m`]) against your tolerance as well.
//!
//! Validity is assumed, as in OGC: holes inside their exterior, parts of a multipolygon not
//! overlapping. With overlapping parts the even–odd rule makes the overlap a hole.
//!
//! ```
//! use zhicheng_geo::{area, PreparedArea};
//! use geo::{polygon, Polygon};
//! let square: Polygon = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)];
//! assert!(area::polygon_contains(&square, (1.0, 1.0)));
//! assert!(area::polygon_contains(&square, (0.0, 1.0)));  // western edge: inside
//! assert!(!area::polygon_contains(&square, (2.0, 1.0))); // eastern edge: outside
//! let prepared = PreparedArea::new(square)?;
//! assert!(prepared.contains((1.5, 0.5)));
//! # Ok::<(), zhicheng_geo::Error>(())
//! ```

use geo::{Coord, MultiPolygon, Polygon, Rect};

use crate::distance::{project_on_segment, LocalFrame};
use crate::{check_coord, Error, Result};

/// One non-horizontal edge in canonical orientation (`y_lo < y_hi`), ready for the crossing test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub y_lo: f64,
    pub y_hi: f64,
    /// `x` at `y_lo`.
    pub x_lo: f64,
    /// Change of `x` per unit of `y`.
    pub dxdy: f64,
}

impl Edge {
    /// The edge from `a` to `b`, or `None` when it is horizontal (it never counts).
    #[inline]
    pub fn new(a: Coord, b: Coord) -> Option<Edge> {
        let (lo, hi) = match a.y.partial_cmp(&b.y)? {
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
            std::cmp::Ordering::Equal => return None,
        };
        Some(Edge {
            y_lo: lo.y,
            y_hi: hi.y,
            x_lo: lo.x,
            dxdy: (hi.x - lo.x) / (hi.y - lo.y),
        })
    }

    /// Does the half-open ray from `(x, y)` towards +x cross this edge?
    #[inline(always)]
    pub fn crossed_by(&self, x: f64, y: f64) -> bool {
        (y >= self.y_lo) & (y < self.y_hi) & (x < self.x_lo + (y - self.y_lo) * self.dxdy)
    }
}

/// Every edge of every ring of `area`, horizontal ones dropped.
pub(crate) fn edges_of(area: &MultiPolygon) -> impl Iterator<Item = Edge> + '_ {
    area.0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines())
        .filter_map(|l| Edge::new(l.start, l.end))
}

/// Is `p` inside `polygon` by the half-open crossing rule of [this module](self)?
///
/// Linear in the number of vertices with no set-up; for repeated tests of one area use
/// [`PreparedArea`], and for many areas [`crate::FenceIndex`].
pub fn polygon_contains(polygon: &Polygon, p: impl Into<Coord>) -> bool {
    let p = p.into();
    let mut inside = false;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for l in ring.lines() {
            if let Some(e) = Edge::new(l.start, l.end) {
                inside ^= e.crossed_by(p.x, p.y);
            }
        }
    }
    inside
}

/// Is `p` inside any polygon of `area`? See [`polygon_contains`].
pub fn multipolygon_contains(area: &MultiPolygon, p: impl Into<Coord>) -> bool {
    let p = p.into();
    edges_of(area).fold(false, |inside, e| inside ^ e.crossed_by(p.x, p.y))
}

/// The layout of one prepared area inside flat arrays: its bounding box and its horizontal
/// slabs. The edges crossing slab `s` are `edges[slabs[base + s] .. slabs[base + s + 1]]`.
///
/// Slabs turn the crossing test from "every edge" into "the few edges at this latitude":
/// with about four edges per slab a 200-vertex fence costs as much as a 10-vertex one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SlabHeader {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
    /// Slabs per unit of `y`.
    pub inv_h: f64,
    /// Number of slabs (at least 1).
    pub n: u32,
    /// Index of this area's first entry in the slab-offset array.
    pub base: u32,
}

/// Target number of edges per slab; the cost per test is about this plus two.
const EDGES_PER_SLAB: usize = 4;
/// Upper bound of slabs per area.
const MAX_SLABS: usize = 512;
/// Upper bound of the average number of slabs an edge is stored in.
const MAX_DUPLICATION: usize = 2;

impl SlabHeader {
    #[inline(always)]
    fn slab_of(&self, y: f64) -> usize {
        // Monotone in y (subtraction, multiplication by a positive constant and truncation
        // all are), which is what makes the slab assignment below sound. `as` saturates,
        // and NaN becomes 0.
        let s = ((y - self.min_y) * self.inv_h) as usize;
        s.min(self.n as usize - 1)
    }

    /// Appends the slab table and slab-grouped edges of `area` to the flat arrays.
    pub fn build(area: &MultiPolygon, slabs: &mut Vec<u32>, edges: &mut Vec<Edge>) -> Result<Self> {
        let mut bounds: Option<Rect> = None;
        for c in area
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.0.iter())
        {
            check_coord(*c)?;
            bounds = Some(match bounds {
                None => Rect::new(*c, *c),
                Some(r) => Rect::new(
                    Coord {
                        x: r.min().x.min(c.x),
                        y: r.min().y.min(c.y),
                    },
                    Coord {
                        x: r.max().x.max(c.x),
                        y: r.max().y.max(c.y),
                    },
                ),
            });
        }
        for p in &area.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                // geo closes rings, so a triangle has 4 positions.
                if ring.0.len() < 4 {
                    return Err(Error::TooFewPositions {
                        what: "polygon ring",
                        min: 4,
                        found: ring.0.len(),
                    });
                }
            }
        }
        let bounds = bounds.ok_or(Error::EmptyArea)?;
        let own: Vec<Edge> = edges_of(area).collect();
        let base = u32::try_from(slabs.len()).map_err(|_| too_large())?;
        let mut header = SlabHeader {
            min_x: bounds.min().x,
            min_y: bounds.min().y,
            max_x: bounds.max().x,
            max_y: bounds.max().y,
            inv_h: 0.0,
            n: 1,
            base,
        };
        // Fewer slabs when tall edges (a spiky outline) would be repeated in too many of them:
        // at most MAX_DUPLICATION entries per edge on average.
        let mut n = (own.len() / EDGES_PER_SLAB).clamp(1, MAX_SLABS);
        loop {
            header.n = n as u32;
            header.inv_h = if bounds.height() > 0.0 {
                n as f64 / bounds.height()
            } else {
                0.0
            };
            let entries: usize = own
                .iter()
                .map(|e| header.slab_of(e.y_hi) - header.slab_of(e.y_lo) + 1)
                .sum();
            if n == 1 || entries <= own.len() * MAX_DUPLICATION {
                break;
            }
            n /= 2;
        }
        // Each edge goes in every slab from slab_of(y_lo) to slab_of(y_hi): a point with
        // y_lo <= y < y_hi has slab_of(y_lo) <= slab_of(y) <= slab_of(y_hi), by monotonicity,
        // so its slab holds every edge that can count for it.
        let mut per_slab: Vec<Vec<Edge>> = vec![Vec::new(); header.n as usize];
        for e in &own {
            for bucket in &mut per_slab[header.slab_of(e.y_lo)..=header.slab_of(e.y_hi)] {
                bucket.push(*e);
            }
        }
        for bucket in per_slab {
            slabs.push(u32::try_from(edges.len()).map_err(|_| too_large())?);
            edges.extend(bucket);
        }
        slabs.push(u32::try_from(edges.len()).map_err(|_| too_large())?);
        Ok(header)
    }

    /// The crossing test against this area's slab of edges.
    #[inline(always)]
    pub fn contains(&self, slabs: &[u32], edges: &[Edge], x: f64, y: f64) -> bool {
        if !(x >= self.min_x && x <= self.max_x && y >= self.min_y && y <= self.max_y) {
            return false;
        }
        let s = self.base as usize + self.slab_of(y);
        let (from, to) = (slabs[s] as usize, slabs[s + 1] as usize);
        let mut inside = false;
        for e in &edges[from..to] {
            inside ^= e.crossed_by(x, y);
        }
        inside
    }
}

fn too_large() -> Error {
    Error::TooLarge {
        what: "edge count",
        max: u32::MAX as usize,
    }
}

/// An area (polygon or multipolygon) prepared for fast repeated point tests.
///
/// Holds its bounding box and its edges in horizontal slabs, so a test touches only the few
/// edges at the point's latitude. Keeps the original geometry for distances and output.
#[derive(Debug, Clone)]
pub struct PreparedArea {
    area: MultiPolygon,
    header: SlabHeader,
    slabs: Vec<u32>,
    edges: Vec<Edge>,
}

impl PreparedArea {
    /// Prepares `area`. Fails on a coordinate out of range or non-finite, on a ring with fewer
    /// than four positions (three corners and the closing one; `geo` closes rings itself), or
    /// on an empty multipolygon.
    pub fn new(area: impl Into<MultiPolygon>) -> Result<PreparedArea> {
        let area = area.into();
        let (mut slabs, mut edges) = (Vec::new(), Vec::new());
        let header = SlabHeader::build(&area, &mut slabs, &mut edges)?;
        Ok(PreparedArea {
            area,
            header,
            slabs,
            edges,
        })
    }

    /// Is `p` inside, by the rule of [this module](self)?
    #[inline]
    pub fn contains(&self, p: impl Into<Coord>) -> bool {
        let p = p.into();
        self.header.contains(&self.slabs, &self.edges, p.x, p.y)
    }

    /// Distance in metres from `p` to the area: 0 inside, otherwise to the nearest edge.
    ///
    /// Measured in a local plane around `p` (see [`LocalFrame`]), so accurate to 0.1 % for
    /// distances up to some 20 km.
    pub fn distance_m(&self, p: impl Into<Coord>) -> f64 {
        let p = p.into();
        if self.contains(p) {
            return 0.0;
        }
        boundary_distance_m(&self.area, p)
    }

    /// The bounding box.
    pub fn bbox(&self) -> Rect {
        header_rect(&self.header)
    }

    /// The original geometry.
    pub fn area(&self) -> &MultiPolygon {
        &self.area
    }
}

pub(crate) fn header_rect(h: &SlabHeader) -> Rect {
    Rect::new(
        Coord {
            x: h.min_x,
            y: h.min_y,
        },
        Coord {
            x: h.max_x,
            y: h.max_y,
        },
    )
}

/// Distance in metres from `p` to the nearest edge of `area`, in a local frame around `p`.
pub(crate) fn boundary_distance_m(area: &MultiPolygon, p: Coord) -> f64 {
    let frame = LocalFrame::new(p);
    let mut best = f64::INFINITY;
    for ring in area
        .0
        .iter()
        .flat_map(|q| std::iter::once(q.exterior()).chain(q.interiors()))
    {
        for l in ring.lines() {
            let pr = project_on_segment((0.0, 0.0), frame.to_xy(l.start), frame.to_xy(l.end));
            best = best.min(pr.dist2);
        }
    }
    best.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square_with_hole() -> Polygon {
        polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
        )
    }

    #[test]
    fn holes_are_outside() {
        let p = square_with_hole();
        let prepared = PreparedArea::new(p.clone()).unwrap();
        for (pt, want) in [
            ((1.0, 1.0), true),
            ((5.0, 5.0), false),
            ((3.9, 5.0), true),
            ((6.1, 5.0), true),
            ((11.0, 5.0), false),
            ((-1.0, 5.0), false),
            ((5.0, 10.5), false),
        ] {
            assert_eq!(polygon_contains(&p, pt), want, "{pt:?}");
            assert_eq!(prepared.contains(pt), want, "prepared {pt:?}");
        }
    }

    #[test]
    fn boundary_rule_is_half_open() {
        let p = square_with_hole();
        let prepared = PreparedArea::new(p.clone()).unwrap();
        for (pt, want) in [
            ((0.0, 5.0), true),   // west edge
            ((10.0, 5.0), false), // east edge
            ((5.0, 0.0), true),   // south edge
            ((5.0, 10.0), false), // north edge
            ((0.0, 0.0), true),   // south-west corner
            ((10.0, 10.0), false),
            ((4.0, 5.0), false), // hole's west edge: the hole claims it
            ((6.0, 5.0), true),  // hole's east edge: the area claims it
        ] {
            assert_eq!(polygon_contains(&p, pt), want, "{pt:?}");
            assert_eq!(prepared.contains(pt), want, "prepared {pt:?}");
        }
    }

    #[test]
    fn multipolygon_parts_and_slab_edges() {
        // A many-sided polygon so that several slabs are used.
        let n = 200;
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 1.0 } else { 0.6 };
                (r * a.cos(), r * a.sin())
            })
            .collect();
        let star = Polygon::new(ring.into(), vec![]);
        let far: Polygon = polygon![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0)];
        let mp = MultiPolygon(vec![star.clone(), far.clone()]);
        let prepared = PreparedArea::new(mp.clone()).unwrap();
        assert!(prepared.header.n > 10);
        let mut checked = 0;
        for i in 0..=100 {
            for j in 0..=100 {
                let pt = (-1.2 + 7.4 * i as f64 / 100.0, -1.2 + 7.4 * j as f64 / 100.0);
                let want = polygon_contains(&star, pt) || polygon_contains(&far, pt);
                assert_eq!(prepared.contains(pt), want, "{pt:?}");
                assert_eq!(multipolygon_contains(&mp, pt), want, "{pt:?}");
                checked += usize::from(want);
            }
        }
        assert!(checked > 300, "the grid must hit the areas: {checked}");
    }

    #[test]
    fn bad_areas_are_refused() {
        assert_eq!(
            PreparedArea::new(MultiPolygon::<f64>(vec![])).unwrap_err(),
            Error::EmptyArea
        );
        let nan: Polygon = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
        assert!(matches!(
            PreparedArea::new(nan),
            Err(Error::BadCoordinate { .. })
        ));
        let line = Polygon::new(vec![(0.0, 0.0), (1.0, 1.0)].into(), vec![]);
        assert!(matches!(
            PreparedArea::new(line),
            Err(Error::TooFewPositions { .. })
        ));
    }

    #[test]
    fn distance_to_an_area() {
        let p: Polygon = polygon![(x: 118.0, y: 36.0), (x: 118.1, y: 36.0), (x: 118.1, y: 36.1), (x: 118.0, y: 36.1)];
        let a = PreparedArea::new(p).unwrap();
        assert_eq!(a.distance_m((118.05, 36.05)), 0.0);
        // 0.001° north of the north edge: 111.2 m.
        let d = a.distance_m((118.05, 36.101));
        assert!((d - 111.19).abs() < 0.05, "{d}");
        assert_eq!(a.bbox().min(), Coord { x: 118.0, y: 36.0 });
    }
}
