//! [`FenceIndex`]: thousands of geofences (regions, grids, scenic areas, no-go zones) in an
//! R-tree, answering "which fences contain this point" and "which fences are in this box".
//!
//! Built once from `(id, area)` pairs and then read-only (share it behind an `Arc`; rebuild
//! and swap when fences change — building 10,000 fences takes tens of milliseconds).
//! For speed it keeps:
//!
//! - an R-tree ([`rstar`], bulk-loaded) of the fences' bounding boxes, for box and
//!   nearest-fence queries;
//! - for point queries, the hot path, a uniform grid over the fences' extent whose cells list
//!   the fences whose bounding box overlaps them, each entry carrying the fence's box and slab
//!   table inline: a query reads one short list, rejects most candidates on the box without
//!   touching the fence, and costs two or three cache misses instead of an R-tree descent
//!   (about twice as fast as `rstar`'s point query on 10,000 fences, see `benches/fences.rs`);
//! - every fence's edges in one flat array, grouped per fence into horizontal slabs
//!   (see [`crate::area`]), so the exact test reads a handful of contiguous edges.
//!
//! Points on a fence's edge follow the half-open rule of [`crate::area`]: of two fences that
//! share an edge, exactly one contains a point on it.
//!
//! ```
//! use zhicheng_geo::{FenceIndex, Rect};
//! use geo::polygon;
//! let fences = FenceIndex::build([
//!     (1u32, polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]),
//!     (2u32, polygon![(x: 0.5, y: 0.5), (x: 2.0, y: 0.5), (x: 2.0, y: 2.0), (x: 0.5, y: 2.0)]),
//! ])?;
//! let mut hits: Vec<u32> = fences.containing((0.75, 0.75)).copied().collect();
//! hits.sort();
//! assert_eq!(hits, [1, 2]);
//! assert_eq!(fences.first_containing((0.25, 0.25)), Some(&1));
//! let in_box: Vec<&u32> = fences.within_bbox(Rect::new((0.4, 0.4), (2.5, 2.5))).collect();
//! assert_eq!(in_box, [&2]);
//! # Ok::<(), zhicheng_geo::Error>(())
//! ```

use geo::{Coord, Intersects, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RStarInsertionStrategy, RTree, RTreeParams, AABB};

use crate::area::{boundary_distance_m, header_rect, Edge, SlabHeader};
use crate::distance::LocalFrame;
use crate::{check_coord, Error, Result};

/// Node size of the R-tree. Larger nodes than rstar's default (6) make a shallower tree,
/// which is faster for point queries over a read-only index.
struct FenceParams;

impl RTreeParams for FenceParams {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 12;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A fence in a grid cell's list: its box and slab table inline, so that rejecting it on the
/// box, or finding its slab, reads nothing else.
#[derive(Debug, Clone, Copy)]
struct GridItem {
    header: SlabHeader,
    fence: u32,
}

/// A uniform grid over the fences' extent; cell `(ix, iy)` lists the fences whose bounding box
/// overlaps it, in `items[starts[c] .. starts[c + 1]]` with `c = iy * nx + ix`.
#[derive(Debug)]
struct PointGrid {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
    /// Cells per unit of x and of y.
    inv_cw: f64,
    inv_ch: f64,
    nx: usize,
    ny: usize,
    starts: Vec<u32>,
    items: Vec<GridItem>,
}

/// Most cells per axis.
const GRID_MAX_AXIS: usize = 4096;

impl PointGrid {
    fn build(headers: &[SlabHeader]) -> Result<PointGrid> {
        let mut g = PointGrid {
            min_x: f64::INFINITY,
            min_y: f64::INFINITY,
            max_x: f64::NEG_INFINITY,
            max_y: f64::NEG_INFINITY,
            inv_cw: 0.0,
            inv_ch: 0.0,
            nx: 1,
            ny: 1,
            starts: vec![0, 0],
            items: Vec::new(),
        };
        if headers.is_empty() {
            return Ok(g);
        }
        for h in headers {
            g.min_x = g.min_x.min(h.min_x);
            g.min_y = g.min_y.min(h.min_y);
            g.max_x = g.max_x.max(h.max_x);
            g.max_y = g.max_y.max(h.max_y);
        }
        // Cells about half the median fence's size: a typical fence covers some 3 × 3 cells
        // and a typical cell lists a few fences.
        let median = |f: fn(&SlabHeader) -> f64| {
            let mut v: Vec<f64> = headers.iter().map(f).collect();
            v.sort_unstable_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (w, h) = (g.max_x - g.min_x, g.max_y - g.min_y);
        let axis = |extent: f64, median: f64| -> usize {
            if extent > 0.0 && median > 0.0 {
                ((extent / (median / 2.0)).ceil() as usize).clamp(1, GRID_MAX_AXIS)
            } else {
                1
            }
        };
        g.nx = axis(w, median(|h| h.max_x - h.min_x));
        g.ny = axis(h, median(|h| h.max_y - h.min_y));
        // At most a few cells per fence (tiny fences spread wide would ask for millions).
        let max_cells = 4 * headers.len() + 4096;
        while g.nx * g.ny > max_cells {
            if g.nx >= g.ny {
                g.nx = g.nx.div_ceil(2);
            } else {
                g.ny = g.ny.div_ceil(2);
            }
        }
        // Coarser when big fences would make the lists too long in total.
        let budget = 16 * headers.len() + 65_536;
        loop {
            g.inv_cw = if w > 0.0 { g.nx as f64 / w } else { 0.0 };
            g.inv_ch = if h > 0.0 { g.ny as f64 / h } else { 0.0 };
            let total: usize = headers
                .iter()
                .map(|h| {
                    let (x0, x1, y0, y1) = g.cells_of(h);
                    (x1 - x0 + 1) * (y1 - y0 + 1)
                })
                .sum();
            if total <= budget || (g.nx == 1 && g.ny == 1) {
                break;
            }
            g.nx = g.nx.div_ceil(2);
            g.ny = g.ny.div_ceil(2);
        }
        let cells = g.nx * g.ny;
        let mut counts = vec![0u32; cells + 1];
        for h in headers {
            let (x0, x1, y0, y1) = g.cells_of(h);
            for iy in y0..=y1 {
                for c in &mut counts[iy * g.nx + x0..=iy * g.nx + x1] {
                    *c += 1;
                }
            }
        }
        let mut starts = Vec::with_capacity(cells + 1);
        let mut acc = 0u32;
        for c in &counts[..cells] {
            starts.push(acc);
            acc = acc.checked_add(*c).ok_or(Error::TooLarge {
                what: "grid entries",
                max: u32::MAX as usize,
            })?;
        }
        starts.push(acc);
        let mut fill = starts.clone();
        let placeholder = GridItem {
            header: headers[0],
            fence: 0,
        };
        let mut items = vec![placeholder; acc as usize];
        for (i, h) in headers.iter().enumerate() {
            let (x0, x1, y0, y1) = g.cells_of(h);
            for iy in y0..=y1 {
                for ix in x0..=x1 {
                    let slot = &mut fill[iy * g.nx + ix];
                    items[*slot as usize] = GridItem {
                        header: *h,
                        fence: i as u32,
                    };
                    *slot += 1;
                }
            }
        }
        g.starts = starts;
        g.items = items;
        Ok(g)
    }

    // Cell coordinates are monotone in x and y (as for slabs), so a point inside a fence's box
    // falls in a cell between the cells of the box's corners.
    #[inline(always)]
    fn ix(&self, x: f64) -> usize {
        (((x - self.min_x) * self.inv_cw) as usize).min(self.nx - 1)
    }

    #[inline(always)]
    fn iy(&self, y: f64) -> usize {
        (((y - self.min_y) * self.inv_ch) as usize).min(self.ny - 1)
    }

    fn cells_of(&self, h: &SlabHeader) -> (usize, usize, usize, usize) {
        (
            self.ix(h.min_x),
            self.ix(h.max_x),
            self.iy(h.min_y),
            self.iy(h.max_y),
        )
    }

    /// The candidates for a point: fences whose box overlaps its cell.
    #[inline(always)]
    fn candidates(&self, x: f64, y: f64) -> &[GridItem] {
        if !(x >= self.min_x && x <= self.max_x && y >= self.min_y && y <= self.max_y) {
            return &[];
        }
        let c = self.iy(y) * self.nx + self.ix(x);
        &self.items[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
}

/// Geofences in an R-tree with their edges stored flat for a fast exact test.
///
/// `K` is the fence's identifier (a grid code, an entity id, a number…).
#[derive(Debug)]
pub struct FenceIndex<K = String> {
    tree: RTree<Entry, FenceParams>,
    grid: PointGrid,
    keys: Vec<K>,
    areas: Vec<MultiPolygon>,
    headers: Vec<SlabHeader>,
    slabs: Vec<u32>,
    edges: Vec<Edge>,
}

impl<K> FenceIndex<K> {
    /// Builds the index from `(id, area)` pairs; an area is anything that converts into a
    /// [`MultiPolygon`] (a [`geo::Polygon`] does).
    ///
    /// Fails on the first bad area (see [`crate::PreparedArea::new`] for what is refused).
    /// Ids need not be unique; every matching pair is reported.
    pub fn build<A, I>(fences: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, A)>,
        A: Into<MultiPolygon>,
    {
        let mut index = FenceIndex {
            tree: RTree::new_with_params(),
            grid: PointGrid::build(&[])?,
            keys: Vec::new(),
            areas: Vec::new(),
            headers: Vec::new(),
            slabs: Vec::new(),
            edges: Vec::new(),
        };
        let mut entries = Vec::new();
        for (key, area) in fences {
            let area = area.into();
            let header = SlabHeader::build(&area, &mut index.slabs, &mut index.edges)?;
            let n = u32::try_from(index.keys.len()).map_err(|_| Error::TooLarge {
                what: "fence count",
                max: u32::MAX as usize,
            })?;
            entries.push(GeomWithData::new(
                Rectangle::from_corners([header.min_x, header.min_y], [header.max_x, header.max_y]),
                n,
            ));
            index.keys.push(key);
            index.areas.push(area);
            index.headers.push(header);
        }
        index.tree = RTree::bulk_load_with_params(entries);
        index.grid = PointGrid::build(&index.headers)?;
        Ok(index)
    }

    /// Number of fences.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No fences at all?
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Total number of edge entries held (edges are repeated in each slab they cross), a
    /// measure of the index's memory: 32 bytes each.
    pub fn edge_entries(&self) -> usize {
        self.edges.len()
    }

    /// Every fence, in the order given to [`build`](Self::build).
    pub fn iter(&self) -> impl Iterator<Item = (&K, &MultiPolygon)> {
        self.keys.iter().zip(&self.areas)
    }

    #[inline(always)]
    fn test(&self, i: u32, x: f64, y: f64) -> bool {
        self.headers[i as usize].contains(&self.slabs, &self.edges, x, y)
    }

    /// The fences that contain `p`, in no particular order. Allocates nothing.
    ///
    /// A point that is not a finite coordinate is in no fence.
    pub fn containing(&self, p: impl Into<Coord>) -> impl Iterator<Item = &K> + '_ {
        let p = p.into();
        self.grid
            .candidates(p.x, p.y)
            .iter()
            .filter(move |it| it.header.contains(&self.slabs, &self.edges, p.x, p.y))
            .map(|it| &self.keys[it.fence as usize])
    }

    /// [`containing`](Self::containing) through the R-tree instead of the grid: the same
    /// answer (in another order), kept to check and measure the grid against.
    pub fn containing_via_rtree(&self, p: impl Into<Coord>) -> impl Iterator<Item = &K> + '_ {
        let p = p.into();
        self.tree
            .locate_all_at_point(&[p.x, p.y])
            .filter(move |e| self.test(e.data, p.x, p.y))
            .map(|e| &self.keys[e.data as usize])
    }

    /// One fence that contains `p`, for callers who know fences do not overlap (the grids of
    /// a county): stops at the first match.
    pub fn first_containing(&self, p: impl Into<Coord>) -> Option<&K> {
        self.containing(p).next()
    }

    /// Calls `f` for every fence that contains `p`: [`containing`](Self::containing) as a
    /// callback, for loops that would otherwise fight the iterator's borrow.
    pub fn for_each_containing(&self, p: impl Into<Coord>, mut f: impl FnMut(&K)) {
        let p = p.into();
        for it in self.grid.candidates(p.x, p.y) {
            if it.header.contains(&self.slabs, &self.edges, p.x, p.y) {
                f(&self.keys[it.fence as usize]);
            }
        }
    }

    /// The fences whose area shares at least one point with `bbox` (exact, not just their
    /// bounding boxes).
    pub fn intersecting_bbox(&self, bbox: Rect) -> impl Iterator<Item = &K> + '_ {
        let envelope = aabb(&bbox);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(move |e| {
                let i = e.data as usize;
                // A fence whose box lies inside the query box is inside it: skip the exact test.
                bbox_within(&header_rect(&self.headers[i]), &bbox)
                    || self.areas[i].intersects(&bbox)
            })
            .map(|e| &self.keys[e.data as usize])
    }

    /// The fences lying wholly inside `bbox` (boundary included). Exact, because an area is
    /// inside a box exactly when its bounding box is.
    pub fn within_bbox(&self, bbox: Rect) -> impl Iterator<Item = &K> + '_ {
        self.tree
            .locate_in_envelope(&aabb(&bbox))
            .map(|e| &self.keys[e.data as usize])
    }

    /// The fence nearest to `p` among those within `max_m` metres of it, with its distance
    /// (0 when `p` is inside). For mapping a position that GPS error put just outside every
    /// grid to the grid it is meant for.
    pub fn nearest_within(&self, p: impl Into<Coord>, max_m: f64) -> Option<(&K, f64)> {
        let p = check_coord(p).ok()?;
        let (dx, dy) = LocalFrame::new(p).degrees_for(max_m.max(0.0));
        let envelope = AABB::from_corners([p.x - dx, p.y - dy], [p.x + dx, p.y + dy]);
        let mut best: Option<(u32, f64)> = None;
        for e in self.tree.locate_in_envelope_intersecting(&envelope) {
            let d = if self.test(e.data, p.x, p.y) {
                0.0
            } else {
                boundary_distance_m(&self.areas[e.data as usize], p)
            };
            if d <= max_m && best.is_none_or(|(_, b)| d < b) {
                best = Some((e.data, d));
            }
        }
        best.map(|(i, d)| (&self.keys[i as usize], d))
    }
}

fn aabb(r: &Rect) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

fn bbox_within(inner: &Rect, outer: &Rect) -> bool {
    inner.min().x >= outer.min().x
        && inner.min().y >= outer.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// A 4×4 tiling of unit squares with exactly representable coordinates.
    fn tiles() -> FenceIndex<(i32, i32)> {
        let mut v = Vec::new();
        for i in 0..4 {
            for j in 0..4 {
                let (x, y) = (f64::from(i), f64::from(j));
                v.push((
                    (i, j),
                    polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)],
                ));
            }
        }
        FenceIndex::build(v).unwrap()
    }

    #[test]
    fn shared_edges_and_vertices_belong_to_exactly_one_tile() {
        let idx = tiles();
        // Every quarter point strictly inside the tiled square, including all shared edges
        // and vertices.
        for i in 1..16 {
            for j in 1..16 {
                let p = (f64::from(i) * 0.25, f64::from(j) * 0.25);
                let hits: Vec<_> = idx.containing(p).collect();
                assert_eq!(hits.len(), 1, "{p:?}: {hits:?}");
                let mut n = 0;
                idx.for_each_containing(p, |_| n += 1);
                assert_eq!(n, 1);
            }
        }
        // The tile that owns an interior vertex is the one to its north-east.
        assert_eq!(idx.first_containing((2.0, 1.0)), Some(&(2, 1)));
    }

    #[test]
    fn bbox_queries() {
        let idx = tiles();
        let mut within: Vec<_> = idx
            .within_bbox(Rect::new((0.5, 0.5), (3.0, 2.0)))
            .copied()
            .collect();
        within.sort();
        assert_eq!(within, [(1, 1), (2, 1)]);
        let inter = idx
            .intersecting_bbox(Rect::new((0.5, 0.5), (1.5, 1.5)))
            .count();
        assert_eq!(inter, 4);
        // Touching a corner is intersecting.
        let touch: Vec<_> = idx
            .intersecting_bbox(Rect::new((4.0, 4.0), (5.0, 5.0)))
            .collect();
        assert_eq!(touch, [&(3, 3)]);
    }

    #[test]
    fn a_triangle_does_not_claim_its_bbox_corner() {
        let idx = FenceIndex::build([(
            "t",
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)],
        )])
        .unwrap();
        assert_eq!(idx.containing((0.9, 0.9)).count(), 0);
        assert_eq!(idx.containing((0.1, 0.1)).count(), 1);
        // The box (0.6..1, 0.6..1) touches the triangle's bbox but not the triangle.
        assert_eq!(
            idx.intersecting_bbox(Rect::new((0.6, 0.6), (1.0, 1.0)))
                .count(),
            0
        );
        assert_eq!(idx.containing((f64::NAN, 0.5)).count(), 0);
    }

    #[test]
    fn nearest_within_snaps_a_point_just_outside() {
        let idx = FenceIndex::build([
            (
                "a",
                polygon![(x: 118.0, y: 36.0), (x: 118.01, y: 36.0), (x: 118.01, y: 36.01), (x: 118.0, y: 36.01)],
            ),
            (
                "b",
                polygon![(x: 118.02, y: 36.0), (x: 118.03, y: 36.0), (x: 118.03, y: 36.01), (x: 118.02, y: 36.01)],
            ),
        ])
        .unwrap();
        // 0.0002° east of "a" (about 18 m), 0.0008° west of "b".
        let (k, d) = idx.nearest_within((118.0102, 36.005), 30.0).unwrap();
        assert_eq!(*k, "a");
        assert!((d - 18.0).abs() < 0.5, "{d}");
        assert!(idx.nearest_within((118.0102, 36.005), 10.0).is_none());
        assert_eq!(
            idx.nearest_within((118.025, 36.005), 10.0),
            Some((&"b", 0.0))
        );
    }
}
