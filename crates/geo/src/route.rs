//! Route corridors: how far a vehicle is from its route, which segment it is on and how far
//! along the route that is.
//!
//! A [`Route`] is a polyline (a bus line, a sanitation truck's round, a pipeline) prepared with
//! its cumulative length. [`Route::nearest`] projects a point onto every segment in a local
//! metric plane centred on the point (see [`LocalFrame`]), keeps the nearest, and reports the
//! haversine distance to it; [`Route::within`] is the corridor test ("is this bus within
//! 50 m of its route"). Cost is linear in the number of segments (about 10 ns each), fine for
//! routes of thousands of vertices.
//!
//! Where a route passes the same place twice (a loop, a there-and-back line), the nearest
//! segment is the first of equally near ones; use [`Route::nearest_in`] with the previous
//! along-route position to follow a vehicle along the right leg.
//!
//! ```
//! use zhicheng_geo::Route;
//! // An L-shaped route: 0.01° east, then 0.01° north.
//! let r = Route::new(vec![(118.00, 36.00), (118.01, 36.00), (118.01, 36.01)])?;
//! let m = r.nearest((118.0103, 36.005));
//! assert_eq!(m.segment, 1);
//! assert!((m.distance_m - 26.98).abs() < 0.02, "{}", m.distance_m);
//! assert!((m.along_m - (899.59 + 555.97)).abs() < 0.05);
//! assert!(r.within((118.0103, 36.005), 20.0).is_none());
//! # Ok::<(), zhicheng_geo::Error>(())
//! ```

use geo::{Coord, LineString};

use crate::distance::{haversine_m, project_on_segment, LocalFrame};
use crate::{check_coord, Error, Result};

/// A polyline prepared for distance and along-route queries.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    coords: Vec<Coord>,
    /// Distance from the start to each vertex, metres (haversine per segment).
    cum_m: Vec<f64>,
}

/// Where a point is relative to a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteMatch {
    /// Distance in metres from the point to the route.
    pub distance_m: f64,
    /// Index of the nearest segment (segment `i` runs from vertex `i` to vertex `i + 1`).
    pub segment: usize,
    /// Position of the nearest point along that segment, 0 at its start, 1 at its end.
    pub fraction: f64,
    /// Distance along the route from its start to the nearest point, metres.
    pub along_m: f64,
    /// The nearest point on the route.
    pub nearest: Coord,
}

impl Route {
    /// Prepares a route from its vertices in travel order; needs at least two valid
    /// coordinates. Repeated vertices are allowed (zero-length segments are never nearest
    /// ahead of a real one at the same place).
    pub fn new(line: impl Into<LineString>) -> Result<Route> {
        let coords = line.into().0;
        if coords.len() < 2 {
            return Err(Error::TooFewPositions {
                what: "route",
                min: 2,
                found: coords.len(),
            });
        }
        let mut cum_m = Vec::with_capacity(coords.len());
        let mut total = 0.0;
        for (i, c) in coords.iter().enumerate() {
            check_coord(*c)?;
            if i > 0 {
                total += haversine_m(coords[i - 1], *c);
            }
            cum_m.push(total);
        }
        Ok(Route { coords, cum_m })
    }

    /// Length in metres.
    pub fn length_m(&self) -> f64 {
        self.cum_m[self.cum_m.len() - 1]
    }

    /// The vertices.
    pub fn coords(&self) -> &[Coord] {
        &self.coords
    }

    /// Number of segments.
    pub fn segments(&self) -> usize {
        self.coords.len() - 1
    }

    /// The nearest point of the route to `p`, with distance and along-route position.
    pub fn nearest(&self, p: impl Into<Coord>) -> RouteMatch {
        self.nearest_among(p.into(), 0, self.segments())
    }

    /// Like [`nearest`](Self::nearest), but only among the segments overlapping the stretch
    /// `from_m..=to_m` metres along the route — for following a vehicle whose previous position
    /// along the route is known, on routes that pass the same place twice.
    pub fn nearest_in(&self, p: impl Into<Coord>, from_m: f64, to_m: f64) -> RouteMatch {
        // First segment whose end is at or after from_m; last whose start is at or before to_m.
        let first = self.cum_m[1..].partition_point(|&c| c < from_m);
        let last = self.cum_m[..self.cum_m.len() - 1].partition_point(|&c| c <= to_m);
        let first = first.min(self.segments() - 1);
        let end = last.max(first + 1).min(self.segments());
        self.nearest_among(p.into(), first, end)
    }

    /// Is `p` within `corridor_m` metres of the route? The match if so.
    pub fn within(&self, p: impl Into<Coord>, corridor_m: f64) -> Option<RouteMatch> {
        let m = self.nearest(p);
        (m.distance_m <= corridor_m).then_some(m)
    }

    /// The point `along_m` metres from the start (clamped to the route).
    pub fn point_at(&self, along_m: f64) -> Coord {
        let along_m = along_m.clamp(0.0, self.length_m());
        let i = self.cum_m[1..]
            .partition_point(|&c| c < along_m)
            .min(self.segments() - 1);
        let len = self.cum_m[i + 1] - self.cum_m[i];
        let t = if len > 0.0 {
            (along_m - self.cum_m[i]) / len
        } else {
            0.0
        };
        lerp(self.coords[i], self.coords[i + 1], t)
    }

    fn nearest_among(&self, p: Coord, from: usize, to: usize) -> RouteMatch {
        let frame = LocalFrame::new(p);
        let mut best = (f64::INFINITY, from, 0.0);
        let mut a = frame.to_xy(self.coords[from]);
        for i in from..to {
            let b = frame.to_xy(self.coords[i + 1]);
            let pr = project_on_segment((0.0, 0.0), a, b);
            if pr.dist2 < best.0 {
                best = (pr.dist2, i, pr.t);
            }
            a = b;
        }
        let (_, segment, fraction) = best;
        let nearest = lerp(self.coords[segment], self.coords[segment + 1], fraction);
        RouteMatch {
            distance_m: haversine_m(p, nearest),
            segment,
            fraction,
            along_m: self.cum_m[segment]
                + fraction * (self.cum_m[segment + 1] - self.cum_m[segment]),
            nearest,
        }
    }
}

fn lerp(a: Coord, b: Coord, t: f64) -> Coord {
    Coord {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_short_or_bad_routes_are_refused() {
        assert!(matches!(
            Route::new(vec![(118.0, 36.0)]),
            Err(Error::TooFewPositions { found: 1, .. })
        ));
        assert!(matches!(
            Route::new(vec![(118.0, 36.0), (118.0, 95.0)]),
            Err(Error::BadCoordinate { .. })
        ));
    }

    #[test]
    fn ends_and_vertices() {
        let r = Route::new(vec![(118.00, 36.00), (118.01, 36.00), (118.01, 36.01)]).unwrap();
        // Before the start: the nearest point is the first vertex.
        let m = r.nearest((117.99, 36.00));
        assert_eq!((m.segment, m.fraction, m.along_m), (0, 0.0, 0.0));
        assert!((m.distance_m - 899.59).abs() < 0.01, "{}", m.distance_m);
        // Past the end.
        let m = r.nearest((118.01, 36.02));
        assert_eq!((m.segment, m.fraction), (1, 1.0));
        assert!((m.along_m - r.length_m()).abs() < 1e-9);
        // On the route.
        let m = r.nearest((118.005, 36.00));
        assert!(m.distance_m < 1e-6 && (m.fraction - 0.5).abs() < 1e-9);
        // point_at inverts along_m.
        let p = r.point_at(m.along_m);
        assert!((p.x - 118.005).abs() < 1e-12 && p.y == 36.0);
        assert_eq!(r.point_at(-5.0), r.coords()[0]);
        assert_eq!(r.point_at(1e9), r.coords()[2]);
    }

    #[test]
    fn nearest_in_follows_the_right_leg_of_a_there_and_back_route() {
        // Out along y = 36.0000 and back along y = 36.0002 (22 m apart).
        let r = Route::new(vec![
            (118.00, 36.0000),
            (118.02, 36.0000),
            (118.02, 36.0002),
            (118.00, 36.0002),
        ])
        .unwrap();
        let p = (118.01, 36.00012); // nearer the return leg
        assert_eq!(r.nearest(p).segment, 2);
        let half = r.cum_m[1] / 2.0;
        let m = r.nearest_in(p, half - 200.0, half + 200.0);
        assert_eq!(m.segment, 0);
        assert!((m.along_m - half).abs() < 1.0);
        assert!((m.distance_m - 13.3).abs() < 0.2, "{}", m.distance_m);
    }
}
