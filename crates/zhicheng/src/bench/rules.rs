//! `zhicheng bench rules`: rule evaluation in the ingest stream under load, through the real
//! HTTP interfaces. Prints figures; asserts nothing.
//!
//! The bench county (`seed_bench`) gets `--rules` rules scoped to its entities (thresholds
//! with hysteresis, with durations, below-limits, rates, offline), and HTTP clients post
//! prebuilt batches paced to `--rate` readings/s. A probe entity has one rule (`m0 > 1000`,
//! clear below 0); a probe client posts one reading every `--probe-ms`, alternately 2000 and -1,
//! and a live-stream client (`GET /api/v1/stream`, Server-Sent Events) waits for the alarm
//! change each probe causes. The latency printed is from the probe's send to its `alarm` event
//! on the stream: the reading accepted, evaluated, stored with its alarm and the alarm's event
//! (one transaction), and pushed to a browser. The rules are stored first with one
//! `POST /api/v1/rules` of all of them (an import). `ZHICHENG_BENCH_NO_COMPACT=1` turns
//! roll-up folding off for the run, to see its share of the tail.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Entity, EntityStatus};

use super::{percentile, prebuild, seed_bench, METRICS};
use crate::app::{self, App};
use crate::config::Config;

/// What `bench rules` is asked for.
pub struct Args {
    pub database_url: Option<String>,
    pub seconds: u64,
    pub rate: u64,
    pub rules: usize,
    pub entities: usize,
    pub batch: usize,
    pub clients: usize,
    pub probe_ms: u64,
}

fn rule_json(i: usize, entity: &str) -> String {
    let m = (i / 7) % METRICS;
    let cond = match i % 5 {
        0 => format!(
            r#"{{"type": "threshold", "metric": "m{m}", "op": ">", "value": 96, "clear": 90}}"#
        ),
        1 => format!(
            r#"{{"type": "threshold", "metric": "m{m}", "op": ">", "value": 95, "clear": 80, "for_seconds": 1}}"#
        ),
        2 => format!(
            r#"{{"type": "threshold", "metric": "m{m}", "op": "<", "value": 1, "clear": 5}}"#
        ),
        3 => format!(
            r#"{{"type": "rate", "metric": "m{m}", "direction": "rise", "limit": 90, "window_seconds": 60}}"#
        ),
        _ => r#"{"type": "offline", "after_seconds": 600}"#.to_owned(),
    };
    format!(
        r#"{{"id": "bench-{i:05}", "version": 1, "name": "压测规则 {i}", "severity": "minor",
            "scope": {{"entity": "{entity}"}}, "condition": {cond}}}"#
    )
}

/// Runs the benchmark.
pub async fn run(a: Args) -> anyhow::Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix("zhicheng-bench-")
        .tempdir()?;
    let mut cfg = Config {
        data_dir: tmp.path().to_path_buf(),
        database_url: a.database_url.clone(),
        ..Config::default()
    };
    cfg.server.listen = "127.0.0.1:0".into();
    cfg.log.filter = "warn".into();
    if std::env::var_os("ZHICHENG_BENCH_NO_COMPACT").is_some() {
        // To see what roll-up folding costs the tail: none during the run.
        cfg.history.compact_interval_seconds = 3600;
    }
    app::init_logging(&cfg);
    let engine = app::open_engine(&cfg).await?;
    let (ids, tokens) = seed_bench(&engine, a.entities).await?;
    let sys = Actor::system();
    // The probe and its rule.
    let probe = format!("probe-{:x}", now_ms());
    engine
        .seed_entities(
            &sys,
            vec![Entity {
                id: probe.clone(),
                kind: "bench_sensor".into(),
                name: "探针".into(),
                department: "bench".into(),
                region: "370323".into(),
                geometry: None,
                attributes: Default::default(),
                status: EntityStatus::Active,
                created_ms: 0,
                updated_ms: 0,
            }],
        )
        .await?;
    let probe_token = engine.issue_device_token(&sys, &probe).await?.token;
    let password = format!("bench-{:x}", now_ms());
    engine.bootstrap_admin(&password).await?;
    let app = App::serve(engine.clone(), &cfg).await?;
    let base = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().no_proxy().build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let admin = login["token"].as_str().context("login")?.to_owned();

    // The rules, through the API as one import (an array: one transaction).
    let mut defs: Vec<serde_json::Value> = (0..a.rules)
        .map(|i| serde_json::from_str(&rule_json(i, &ids[i % ids.len()])))
        .collect::<Result<_, _>>()?;
    defs.push(
        serde_json::json!({"id": "probe", "version": 1, "name": "探针", "severity": "major",
        "scope": {"entity": probe},
        "condition": {"type": "threshold", "metric": "m0", "op": ">", "value": 1000, "clear": 0}}),
    );
    let t = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/rules"))
        .bearer_auth(&admin)
        .json(&defs)
        .send()
        .await?;
    anyhow::ensure!(
        r.status().is_success(),
        "rules import: {} {}",
        r.status(),
        r.text().await?
    );
    eprintln!(
        "bench: {} rules stored and loaded in {:.2} s (one POST /api/v1/rules)",
        defs.len(),
        t.elapsed().as_secs_f64()
    );

    // The live stream: alarm events of the probe, by the reading time that caused them.
    let seen: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let mut sse = client
        .get(format!("{base}/api/v1/stream?entity={probe}"))
        .bearer_auth(&admin)
        .send()
        .await?;
    let s2 = seen.clone();
    let reader = tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = sse.chunk().await {
            let at = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let ev: String = buf.drain(..end + 2).collect();
                if !ev.lines().any(|l| l.trim() == "event: alarm") {
                    continue;
                }
                let Some(data) = ev.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(data.trim()) {
                    for i in items {
                        let ts = match i["change"].as_str() {
                            Some("raised") => i["alarm"]["raised_ms"].as_i64(),
                            Some("cleared") => i["alarm"]["cleared_ms"].as_i64(),
                            _ => None,
                        };
                        if let Some(ts) = ts {
                            s2.lock().unwrap_or_else(|p| p.into_inner()).insert(ts, at);
                        }
                    }
                }
            }
        }
    });

    // The load: prebuilt bodies, paced.
    let base_ts = now_ms() - 3_600_000;
    let total = a.rate * a.seconds;
    let requests = total.div_ceil(a.batch.max(1) as u64) as usize;
    let bodies = prebuild(&tokens, a.clients, a.batch, requests, base_ts).await?;
    let per_client = a.rate as f64 / a.clients.max(1) as f64 / a.batch.max(1) as f64;
    let gap = Duration::from_secs_f64(1.0 / per_client.max(1e-6));
    eprintln!(
        "bench: {} clients × {} readings/request, one request every {:.1} ms each (target {} readings/s), {} s; probe every {} ms",
        a.clients,
        a.batch,
        gap.as_secs_f64() * 1e3,
        a.rate,
        a.seconds,
        a.probe_ms
    );
    let url = format!("{base}/api/v1/ingest");
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for mine in bodies {
        let (client, url, sent) = (client.clone(), url.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for (token, n, body) in mine {
                tick.tick().await;
                if Instant::now() >= deadline {
                    break;
                }
                match client
                    .post(&url)
                    .bearer_auth(&*token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        sent.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        eprintln!("bench: HTTP {}", r.status());
                        break;
                    }
                    Err(e) => {
                        eprintln!("bench: {e}");
                        break;
                    }
                }
            }
        }));
    }
    // The probe.
    let mut sends: Vec<(i64, Instant)> = Vec::new();
    let mut k = 0i64;
    let mut tick = tokio::time::interval(Duration::from_millis(a.probe_ms.max(10)));
    while Instant::now() < deadline {
        tick.tick().await;
        let ts = now_ms().max(sends.last().map_or(0, |s| s.0 + 1));
        let value = if k % 2 == 0 { 2000.0 } else { -1.0 };
        k += 1;
        let at = Instant::now();
        let r = client
            .post(&url)
            .bearer_auth(&probe_token)
            .json(&serde_json::json!({"readings": [{"entity": probe, "metric": "m0", "ts": ts, "value": value}]}))
            .send()
            .await?;
        if r.status().is_success() {
            sends.push((ts, at));
        }
    }
    for t in tasks {
        t.await.context("bench client")?;
    }
    let elapsed = start.elapsed();
    // Give the last probes' events a moment to arrive (bounded, not a measurement).
    let wait_until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < wait_until {
        let n = seen.lock().unwrap_or_else(|p| p.into_inner()).len();
        if n >= sends.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    reader.abort();
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut lat: Vec<Duration> = sends
        .iter()
        .filter_map(|(ts, at)| seen.get(ts).map(|s| s.saturating_duration_since(*at)))
        .collect();
    lat.sort();
    let n = sent.load(Ordering::Relaxed);
    let metrics = engine.metrics().render(0);
    let counter = |name: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .fold(0.0, |a, b| a + b)
    };
    println!(
        "rules: {} rules; load {n} readings in {:.2} s = {:.0} readings/s (target {}); evaluated {:.0}",
        a.rules + 1,
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        a.rate,
        counter("zhicheng_rules_readings_total"),
    );
    println!(
        "alarm changes written: raised {:.0}, updated {:.0}, cleared {:.0}",
        counter("zhicheng_alarm_changes_total{change=\"raised\""),
        counter("zhicheng_alarm_changes_total{change=\"updated\""),
        counter("zhicheng_alarm_changes_total{change=\"cleared\""),
    );
    println!(
        "probe: {} of {} alarm changes seen on the stream; send → alarm event p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        sends.len(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    // Where the time goes, from the server's own histograms (means over the run).
    let mean = |name: &str| -> f64 {
        let n = counter(&format!("{name}_count"));
        if n > 0.0 {
            counter(&format!("{name}_sum")) / n * 1e3
        } else {
            0.0
        }
    };
    println!(
        "server means: history batch write {:.1} ms; receipt to stored {:.1} ms; receipt to alarm published {:.1} ms (batches that changed alarms)",
        mean("zhicheng_write_batch_seconds"),
        mean("zhicheng_reading_queryable_seconds"),
        mean("zhicheng_alarm_seconds"),
    );
    app.shutdown().await?;
    Ok(())
}
