//! History write benchmark: writes SERIES × STEPS points in batches into a fresh store and
//! prints points per second, then folds the roll-ups and prints dirty minutes per second.
//!
//! ```text
//! cargo run --release -p zhicheng-store --example write_bench [SERIES] [STEPS] [BATCH]
//! ```
//!
//! Defaults: 10,000 series × 200 readings (10 s apart) = 2,000,000 points, 20,000 per batch.
//! Always runs on a fresh SQLite file in a temporary directory (synchronous=FULL, the default,
//! then NORMAL); also on a fresh PostgreSQL database when `ZHICHENG_TEST_POSTGRES_URL` is set.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Instant;

use sqlx::{Connection, Executor, PgConnection};
use zhicheng_store::sqlite::{SqliteOptions, SqliteStore};
use zhicheng_store::{Point, Store};

/// 2026-11-23T00:00:00+08:00.
const START: i64 = 1_795_363_200_000;

struct Shape {
    series: usize,
    steps: usize,
    batch: usize,
}

async fn bench(label: &str, store: Arc<dyn Store>, shape: &Shape) -> anyhow_free::Result<()> {
    store.migrate().await?;
    let keys: Vec<(String, String)> = (0..shape.series)
        .map(|i| (format!("dev-{i:05}"), "pm25".to_string()))
        .collect();
    let t = Instant::now();
    let series = store.ensure_series(&keys).await?;
    let ensure = t.elapsed();

    // Time-major, as a live feed delivers them: every series' reading at t, then t + 10 s...
    let points: Vec<Point> = (0..shape.steps)
        .flat_map(|step| {
            series.iter().map(move |s| Point {
                series: s.id,
                ts: START + step as i64 * 10_000,
                value: ((s.id * 31 + step as i64 * 7) % 500) as f64 / 10.0,
            })
        })
        .collect();

    let t = Instant::now();
    let mut inserted = 0;
    let mut latencies = Vec::new();
    for chunk in points.chunks(shape.batch) {
        let b = Instant::now();
        inserted += store.write_batch(chunk).await?.inserted;
        latencies.push(b.elapsed().as_secs_f64() * 1000.0);
    }
    let write = t.elapsed();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    assert_eq!(inserted as usize, points.len());

    // Replay one batch: the duplicate path.
    let replay = &points[..shape.batch.min(points.len())];
    let t = Instant::now();
    let stats = store.write_batch(replay).await?;
    let dup = t.elapsed();
    assert_eq!(stats.inserted, 0);

    let t = Instant::now();
    let mut folded = 0;
    loop {
        let n = store.compact_rollups(20_000).await?;
        if n == 0 {
            break;
        }
        folded += n;
    }
    let compact = t.elapsed();

    println!(
        "{label:<14} batch latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "{label:<14} ensure {n} series {:>4.0} ms | write {} points {:>6.2} s = {:>7.0} points/s \
         ({} per batch) | replay {:>7.0} points/s | compact {folded} minutes {:>5.2} s \
         = {:>6.0} /s",
        ensure.as_secs_f64() * 1000.0,
        points.len(),
        write.as_secs_f64(),
        points.len() as f64 / write.as_secs_f64(),
        shape.batch,
        replay.len() as f64 / dup.as_secs_f64(),
        compact.as_secs_f64(),
        folded as f64 / compact.as_secs_f64(),
        n = series.len(),
    );
    store.close().await;
    Ok(())
}

/// Enough error plumbing for an example without pulling anyhow into the crate.
mod anyhow_free {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[host_start..]
        .find('/')
        .map_or(base.len(), |i| host_start + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow_free::Result<()> {
    let shape = Shape {
        series: arg(1, 10_000),
        steps: arg(2, 200),
        batch: arg(3, 20_000),
    };
    let dir = tempfile::tempdir()?;

    for (name, full) in [("sqlite FULL", true), ("sqlite NORMAL", false)] {
        let path = dir.path().join(format!("bench-{full}.db"));
        let store = SqliteStore::open_with(
            &format!("sqlite://{}", path.display()),
            SqliteOptions {
                synchronous_full: full,
                ..SqliteOptions::default()
            },
        )
        .await?;
        bench(name, Arc::new(store), &shape).await?;
        let size = std::fs::metadata(&path)?.len();
        println!("{:<14} file {:.1} MiB", "", size as f64 / 1_048_576.0);
    }

    if let Ok(server) = std::env::var("ZHICHENG_TEST_POSTGRES_URL") {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        let name = format!("zc_bench_{:016x}", h.finish());
        let mut admin = PgConnection::connect(&server).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        let url = with_database(&server, &name);
        let result = match zhicheng_store::open(&url).await {
            Ok(store) => bench("postgres", store, &shape).await,
            Err(e) => Err(e.into()),
        };
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await?;
        result?;
    } else {
        println!("postgres: skipped (ZHICHENG_TEST_POSTGRES_URL not set)");
    }
    Ok(())
}
