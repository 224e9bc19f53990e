//! Throughput of the hot paths, as a plain program (`harness = false`):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-geo cargo bench -p zhicheng-geo --bench fences
//! ```
//!
//! Prints point-in-geofence checks per second with 10,000 fences on one thread, the index build
//! time, H3 aggregation points per second, GCJ-02 conversions per second and route matches per
//! second. Figures depend on the machine and its load: the load average is printed first.

use std::hint::black_box;
use std::time::{Duration, Instant};

use zhicheng_geo::hex::{HexAggregator, Resolution};
use zhicheng_geo::{datum, FenceIndex, Route};

#[path = "../tests/support/mod.rs"]
mod support;

/// This thread's time on a CPU (Linux `/proc/thread-self/schedstat`, nanoseconds), if known.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

/// Wall time and CPU time of one run.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Runs `f` `reps` times and keeps the fastest run (least disturbed by other load).
fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut best = Timing {
        wall: Duration::MAX,
        cpu: None,
    };
    let mut out = None;
    for _ in 0..reps {
        let c = thread_cpu();
        let t = Instant::now();
        let r = f();
        let wall = t.elapsed();
        if wall < best.wall {
            best = Timing {
                wall,
                cpu: c.zip(thread_cpu()).map(|(a, b)| b.saturating_sub(a)),
            };
        }
        out = Some(r);
    }
    (best, out.expect("reps > 0"))
}

fn rate(n: usize, d: Duration) -> String {
    let r = n as f64 / d.as_secs_f64();
    if r >= 1e6 {
        format!("{:.2} M/s", r / 1e6)
    } else {
        format!("{:.0} k/s", r / 1e3)
    }
}

/// "`n`/wall-second (`n`/CPU-second)": on a loaded machine the thread is off the CPU part of
/// the time, and the CPU-time rate is what one core does.
fn per_sec(n: usize, t: Timing) -> String {
    match t.cpu {
        Some(cpu) if cpu > Duration::ZERO => {
            format!("{} wall, {} CPU", rate(n, t.wall), rate(n, cpu))
        }
        _ => format!("{} wall", rate(n, t.wall)),
    }
}

fn fence_bench(shape: &str, fences: &[(u32, geo::Polygon)], points: &[geo::Coord]) {
    let vertices: usize = fences.iter().map(|(_, p)| p.exterior().0.len() - 1).sum();
    let (build, index) = best_of(3, || {
        FenceIndex::build(fences.to_vec()).expect("valid fences")
    });
    println!(
        "[{shape} fences] index build: {:.1} ms wall for {} fences, {} vertices ({} edge entries, {:.1} MiB)",
        build.wall.as_secs_f64() * 1e3,
        index.len(),
        vertices,
        index.edge_entries(),
        index.edge_entries() as f64 * 32.0 / (1 << 20) as f64,
    );
    let (d, hits) = best_of(5, || {
        let mut hits = 0usize;
        for p in points {
            index.for_each_containing(*p, |_| hits += 1);
        }
        hits
    });
    println!(
        "[{shape} fences] point-in-geofence checks: {} ({} random points, {:.3} fences per point)",
        per_sec(points.len(), d),
        points.len(),
        hits as f64 / points.len() as f64
    );
    let (d, hits2) = best_of(5, || {
        points
            .iter()
            .map(|p| index.containing(*p).count())
            .sum::<usize>()
    });
    assert_eq!(hits, hits2);
    println!(
        "[{shape} fences]   via containing(): {}",
        per_sec(points.len(), d)
    );
    let (d, hits3) = best_of(3, || {
        points
            .iter()
            .map(|p| index.containing_via_rtree(*p).count())
            .sum::<usize>()
    });
    assert_eq!(hits, hits3);
    println!(
        "[{shape} fences]   via the R-tree instead of the grid: {}",
        per_sec(points.len(), d)
    );
}

fn main() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "zhicheng-geo bench (one thread); load average: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    let points = support::points(1_000_000, 2);
    for (shape, fences) in [
        ("smooth", support::smooth_fences(10_000, 1)),
        ("spiky", support::fences(10_000, 1)),
    ] {
        fence_bench(shape, &fences, &points);
    }

    let (d, cells) = best_of(3, || {
        let mut h = HexAggregator::new(Resolution::Nine);
        for (i, p) in points.iter().enumerate() {
            h.add(*p, i as f64).expect("valid point");
        }
        h.len()
    });
    println!(
        "H3 aggregation (res 9): {} ({} cells)",
        per_sec(points.len(), d),
        cells
    );

    let (d, _) = best_of(3, || {
        for p in &points {
            black_box(datum::wgs84_to_gcj02(black_box(*p)));
        }
    });
    println!("WGS84 -> GCJ-02: {}", per_sec(points.len(), d));
    let gcj: Vec<_> = points.iter().map(|p| datum::wgs84_to_gcj02(*p)).collect();
    let (d, _) = best_of(3, || {
        for p in &gcj {
            black_box(datum::gcj02_to_wgs84(black_box(*p)));
        }
    });
    println!(
        "GCJ-02 -> WGS84 (iterated to 1e-9 deg): {}",
        per_sec(gcj.len(), d)
    );

    let route_pts: Vec<_> = (0..500)
        .map(|i| {
            let t = i as f64 / 499.0;
            (118.0 + 0.34 * t, 36.05 + 0.26 * t + 0.01 * (t * 40.0).sin())
        })
        .collect();
    let route = Route::new(route_pts).expect("valid route");
    let q = &points[..100_000];
    let (d, near) = best_of(3, || {
        q.iter()
            .filter(|p| route.within(**p, 50.0).is_some())
            .count()
    });
    black_box(near);
    println!(
        "route corridor check (500-vertex route): {}",
        per_sec(q.len(), d)
    );
}
