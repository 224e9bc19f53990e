//! Evaluation throughput and per-reading latency of the rules evaluator.
//!
//! ```text
//! cargo run --release -p zhicheng-rules --example bench -- --rules 10000 --readings 1000000
//! ```
//!
//! Builds `--rules` rules over `--kinds` entity kinds (ten rules a kind by default: threshold
//! with and without durations, below-thresholds, rate absolute and per cent, AQI level,
//! occupancy from an attribute, offline on any metric and on one, and one in ten scoped to a
//! single entity), `--entities` entities a kind, and feeds `--readings` readings of five metrics
//! in time order (each entity every ~60 s of simulated time) with values drawn so that a share
//! of the entities sit beyond their limits and alarms rise, update and clear. `tick` runs every
//! 10 s of simulated time. Prints readings per second, the latency of one `reading_into` call
//! (p50, p99, p99.9, max), the tick latency and the snapshot size and times. One thread: the
//! engine would shard the evaluator by entity if one core were not enough.

use std::time::{Duration, Instant};

use zhicheng_rules::{Evaluator, Reading, Rule, Transition};

struct Args {
    rules: usize,
    readings: usize,
    kinds: usize,
    entities: usize,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        rules: 10_000,
        readings: 1_000_000,
        kinds: 1_000,
        entities: 10,
        seed: 6,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || -> usize {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--rules" => a.rules = value(),
            "--readings" => a.readings = value(),
            "--kinds" => a.kinds = value(),
            "--entities" => a.entities = value(),
            "--seed" => a.seed = value() as u64,
            other => panic!("unknown flag {other} (--rules --readings --kinds --entities --seed)"),
        }
    }
    a
}

/// xorshift64*: enough randomness for a workload, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const METRICS: [&str; 5] = ["pm25", "temp", "level", "visitors", "aqi"];

fn rule_json(i: usize, type_index: usize, kind: &str, entity: &str) -> String {
    let (scope, condition) = match type_index % 10 {
        0 => (
            "kind",
            r#"{"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "clear": 60, "for_seconds": 600}"#,
        ),
        1 => (
            "kind",
            r#"{"type": "threshold", "metric": "temp", "op": ">=", "value": 35, "clear": 33}"#,
        ),
        2 => (
            "kind",
            r#"{"type": "threshold", "metric": "level", "op": "<", "value": 2, "clear": 2.5, "for_seconds": 300, "clear_for_seconds": 300}"#,
        ),
        3 => (
            "kind",
            r#"{"type": "rate", "metric": "level", "direction": "rise", "limit": 0.5, "window_seconds": 600}"#,
        ),
        4 => (
            "kind",
            r#"{"type": "rate", "metric": "pm25", "limit_percent": 50, "window_seconds": 900}"#,
        ),
        5 => ("kind", r#"{"type": "aqi", "level": 4}"#),
        6 => (
            "kind",
            r#"{"type": "occupancy", "metric": "visitors", "capacity": {"attribute": "capacity"}, "ratio": 0.9, "clear_ratio": 0.8}"#,
        ),
        7 => ("kind", r#"{"type": "offline", "after_seconds": 900}"#),
        8 => (
            "kind",
            r#"{"type": "offline", "metric": "pm25", "after_seconds": 1800}"#,
        ),
        _ => (
            "entity",
            r#"{"type": "threshold", "metric": "temp", "op": ">", "value": 30, "for_seconds": 120}"#,
        ),
    };
    let target = if scope == "kind" { kind } else { entity };
    format!(
        r#"{{"id": "r{i}", "version": 1, "name": "rule {i}", "severity": "minor",
            "scope": {{"{scope}": "{target}"}}, "condition": {condition}}}"#
    )
}

fn percentile(sorted: &[u32], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    Duration::from_nanos(u64::from(sorted[i]))
}

fn main() {
    let a = args();
    let mut rng = Rng(a.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let kinds: Vec<String> = (0..a.kinds).map(|k| format!("kind-{k}")).collect();
    let entities: Vec<(String, usize)> = (0..a.kinds * a.entities)
        .map(|e| (format!("e-{e}"), e / a.entities))
        .collect();

    let t = Instant::now();
    let rules: Vec<Rule> = (0..a.rules)
        .map(|i| {
            let k = i % a.kinds;
            let e = k * a.entities + rng.below(a.entities);
            Rule::from_json(&rule_json(i, i / a.kinds, &kinds[k], &entities[e].0))
                .expect("bench rule")
        })
        .collect();
    let mut ev = Evaluator::new(rules).expect("rules load");
    let load = t.elapsed();

    // Per entity: a base level per metric (some beyond their limits), capacity, and state of
    // a slow drift so that alarms rise and clear during the run.
    struct Sim {
        base: [f64; 5],
        capacity: f64,
    }
    let mut sims: Vec<Sim> = (0..entities.len())
        .map(|_| Sim {
            base: [
                rng.range(20.0, 90.0),
                rng.range(15.0, 38.0),
                rng.range(1.5, 5.0),
                rng.range(0.3, 1.0),
                rng.range(30.0, 220.0),
            ],
            capacity: rng.range(500.0, 5000.0).round(),
        })
        .collect();

    let step_ms = (60_000 / entities.len().max(1) as i64).max(1);
    let start_ms: i64 = 1_790_000_000_000;
    let mut lat: Vec<u32> = Vec::with_capacity(a.readings);
    let mut tick_lat: Vec<u32> = Vec::new();
    let (mut raised, mut updated, mut cleared) = (0u64, 0u64, 0u64);
    let mut out: Vec<Transition> = Vec::new();
    let mut tally = |out: &mut Vec<Transition>| {
        for t in out.drain(..) {
            match t {
                Transition::Raised(_) => raised += 1,
                Transition::Updated(_) => updated += 1,
                Transition::Cleared(_) => cleared += 1,
            }
        }
    };
    let mut next_tick = start_ms + 10_000;
    let mut eval_total = Duration::ZERO;
    let wall = Instant::now();
    for n in 0..a.readings {
        let ts = start_ms + n as i64 * step_ms;
        if ts >= next_tick {
            let t = Instant::now();
            let mut ticked = ev.tick(ts);
            tick_lat.push(t.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32);
            tally(&mut ticked);
            next_tick += 10_000;
        }
        // A few entities go quiet (offline alarms) and a few drift (threshold alarms).
        let e = rng.below(entities.len());
        if e.is_multiple_of(97) && (ts / 1_200_000) % 2 == 1 {
            continue;
        }
        let m = rng.below(METRICS.len());
        let sim = &mut sims[e];
        if rng.below(2_000) == 0 {
            sim.base[m] *= rng.range(0.7, 1.4);
        }
        let noise = rng.range(-0.1, 0.1);
        let value = match m {
            2 => sim.base[m] + noise * 3.0,
            3 => (sim.base[m] + noise) * sim.capacity,
            _ => sim.base[m] * (1.0 + noise),
        };
        let cap = sim.capacity;
        let attrs = move |name: &str| (name == "capacity").then_some(cap);
        let (id, k) = &entities[e];
        let r = Reading::new(id, &kinds[*k], METRICS[m], ts, value).attributes(&attrs);
        let t = Instant::now();
        ev.reading_into(&r, &mut out);
        let d = t.elapsed();
        eval_total += d;
        lat.push(d.as_nanos().min(u128::from(u32::MAX)) as u32);
        tally(&mut out);
    }
    let wall = wall.elapsed();

    let t = Instant::now();
    let snap = ev.snapshot();
    let snap_time = t.elapsed();
    let t = Instant::now();
    let json = serde_json::to_vec(&snap).expect("snapshot JSON");
    let json_time = t.elapsed();
    let pairs: usize = snap.rules.iter().map(|r| r.pairs.len()).sum();
    let rules_again: Vec<Rule> = ev.rules().cloned().collect();
    let t = Instant::now();
    let snap: zhicheng_rules::StateSnapshot = serde_json::from_slice(&json).expect("parse");
    let (_, report) = Evaluator::restore(rules_again, snap).expect("restore");
    let restore_time = t.elapsed();

    lat.sort_unstable();
    tick_lat.sort_unstable();
    let evaluated = lat.len();
    let s = ev.stats();
    println!("zhicheng-rules bench");
    println!(
        "  machine: {} cores available",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  rules {} over {} kinds, {} entities ({} a kind), loaded in {:.1?}",
        a.rules,
        a.kinds,
        entities.len(),
        a.entities,
        load
    );
    println!(
        "  readings {evaluated} (simulated {:.0} min), rule checks {} ({:.2} a reading)",
        (evaluated as f64 * step_ms as f64) / 60_000.0,
        s.checks,
        s.checks as f64 / evaluated.max(1) as f64
    );
    println!("  transitions: raised {raised}, updated {updated}, cleared {cleared}");
    println!(
        "  throughput: {:.0} readings/s evaluated (evaluation time only), {:.0} readings/s wall (with the workload generator)",
        evaluated as f64 / eval_total.as_secs_f64(),
        evaluated as f64 / wall.as_secs_f64()
    );
    println!(
        "  latency per reading: p50 {:.2?}, p99 {:.2?}, p99.9 {:.2?}, max {:.2?}",
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        percentile(&lat, 0.999),
        percentile(&lat, 1.0)
    );
    println!(
        "  tick (every 10 s simulated, {} ticks): p50 {:.2?}, max {:.2?}",
        tick_lat.len(),
        percentile(&tick_lat, 0.50),
        percentile(&tick_lat, 1.0)
    );
    println!(
        "  snapshot: {pairs} pairs, {:.1} MiB JSON; snapshot {:.1?}, to JSON {:.1?}, parse + restore {:.1?} (kept {})",
        json.len() as f64 / (1024.0 * 1024.0),
        snap_time,
        json_time,
        restore_time,
        report.kept
    );
}
