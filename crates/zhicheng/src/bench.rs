//! `zhicheng bench ingest`: sustained ingest throughput and latency through the real HTTP
//! interface (and MQTT when a broker is given), into SQLite or PostgreSQL. Prints figures;
//! asserts nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{
    Actor, Department, Entity, EntityStatus, Kind, MetricDef, Region, RegionLevel, ValueType,
};

use crate::app::{self, App};
use crate::config::Config;

mod rules;

/// Benchmarks.
#[derive(clap::Subcommand)]
pub enum BenchCmd {
    /// Readings/s and receipt-to-queryable latency through HTTP (and MQTT) into the store.
    Ingest {
        /// Database URL (default: a fresh SQLite file in a temporary directory). A PostgreSQL
        /// database named here receives the bench tables and data: give it a dedicated one.
        #[arg(long)]
        database_url: Option<String>,
        /// Seconds of sustained load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Readings per HTTP request.
        #[arg(long, default_value_t = 5000)]
        batch: usize,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Entities (each client cycles through its share; one device token each).
        #[arg(long, default_value_t = 200)]
        entities: usize,
        /// Also publish through this MQTT broker (e.g. mqtt://127.0.0.1:1883).
        #[arg(long)]
        mqtt_url: Option<String>,
        /// Request bodies are built before the clock starts, as a load generator such as wrk
        /// does, so that the two cores measure the server rather than the client's JSON
        /// formatting: this many readings at most (the run ends early when they are all sent).
        #[arg(long, default_value_t = 24_000_000)]
        readings: u64,
        /// MQTT messages published but not yet stored, at most. An MQTT broker queues only so
        /// many messages per subscriber and drops the rest; with `&connections=N` in the URL
        /// the gateway has N sessions, and the window can grow with N.
        #[arg(long, default_value_t = 100)]
        mqtt_window: u64,
    },
    /// Rule evaluation in the ingest stream: readings/s with many rules active, and the
    /// latency from a probe reading's send to its alarm event on the live stream.
    Rules {
        /// Database URL (default: a fresh SQLite file in a temporary directory).
        #[arg(long)]
        database_url: Option<String>,
        /// Seconds of sustained load.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Readings/s the load clients are paced to.
        #[arg(long, default_value_t = 100_000)]
        rate: u64,
        /// Rules active (besides the probe's).
        #[arg(long, default_value_t = 10_000)]
        rules: usize,
        /// Entities the rules and the load are spread over.
        #[arg(long, default_value_t = 2_000)]
        entities: usize,
        /// Readings per HTTP request.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Milliseconds between probe readings.
        #[arg(long, default_value_t = 100)]
        probe_ms: u64,
    },
}

const METRICS: usize = 10;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Runs a benchmark.
pub async fn run(cmd: BenchCmd) -> anyhow::Result<()> {
    let cmd = match cmd {
        BenchCmd::Rules {
            database_url,
            seconds,
            rate,
            rules,
            entities,
            batch,
            clients,
            probe_ms,
        } => {
            return rules::run(rules::Args {
                database_url,
                seconds,
                rate,
                rules,
                entities,
                batch,
                clients,
                probe_ms,
            })
            .await
        }
        ingest => ingest,
    };
    let BenchCmd::Ingest {
        database_url,
        seconds,
        batch,
        clients,
        entities,
        mqtt_url,
        readings,
        mqtt_window,
    } = cmd
    else {
        unreachable!("bench rules returned above")
    };
    let tmp = tempfile::Builder::new()
        .prefix("zhicheng-bench-")
        .tempdir()?;
    let mut cfg = Config {
        data_dir: tmp.path().to_path_buf(),
        database_url: database_url.clone(),
        ..Config::default()
    };
    cfg.server.listen = "127.0.0.1:0".into();
    cfg.mqtt.url = mqtt_url.clone();
    cfg.log.filter = "warn".into();
    app::init_logging(&cfg);
    let engine = app::open_engine(&cfg).await?;
    let (ids, tokens) = seed_bench(&engine, entities).await?;
    let app = App::serve(engine.clone(), &cfg).await?;
    let url = format!("http://{}/api/v1/ingest", app.addr);
    let backend = engine.store().backend();
    eprintln!("bench: {backend:?}, {clients} clients × {batch} readings/request, {entities} entities, {seconds} s");

    if let Some(m) = &mqtt_url {
        bench_mqtt(&engine, m, &ids, seconds, mqtt_window).await?;
    }
    let client = reqwest::Client::builder().no_proxy().build()?;
    let sent = Arc::new(AtomicU64::new(0));
    let base_ts = now_ms() - 86_400_000 * 2;
    let requests = readings.div_ceil(batch.max(1) as u64) as usize;
    let bodies = prebuild(&tokens, clients, batch, requests, base_ts).await?;
    eprintln!(
        "bench: {} request bodies built ({} MB)",
        requests,
        bodies.iter().flatten().map(|b| b.2.len()).sum::<usize>() >> 20
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for mine in bodies {
        let client = client.clone();
        let url = url.clone();
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for (token, n, body) in mine {
                if Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        lat.push(t0.elapsed());
                        sent.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Ok(resp) => {
                        eprintln!(
                            "bench: HTTP {}: {}",
                            resp.status(),
                            resp.text().await.unwrap_or_default()
                        );
                        break;
                    }
                    Err(e) => {
                        eprintln!("bench: {e}");
                        break;
                    }
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.context("bench client")?);
    }
    let elapsed = start.elapsed();
    lat.sort();
    let n = sent.load(Ordering::Relaxed);
    println!(
        "http → {backend:?}: {n} readings in {:.2} s = {:.0} readings/s; request (= receipt to durable and queryable) p50 {:.1} ms, p99 {:.1} ms, {} requests",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.len()
    );
    // Roll-ups are folded in the background and on read; say how long the backlog took.
    let t = Instant::now();
    let mut folded = 0;
    loop {
        let n = engine.store().compact_rollups(10_000).await?;
        folded += n;
        if n == 0 {
            break;
        }
    }
    println!(
        "roll-ups: {folded} dirty (series, minute) buckets left after the run, folded in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    app.shutdown().await?;
    if let Some(url) = &mqtt_url {
        // The gateway's persistent sessions would keep collecting messages: remove them.
        zhicheng_gateway::mqtt::forget_sessions(&zhicheng_gateway::mqtt::MqttConfig::new(url))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// The bench county: a region, a department, a kind of `METRICS` numeric metrics, `entities`
/// active entities with a device token each. Returns the ids and (id, token) pairs.
async fn seed_bench(
    engine: &zhicheng_engine::Engine,
    entities: usize,
) -> anyhow::Result<(Vec<String>, Vec<(String, String)>)> {
    let sys = Actor::system();
    let run_id = format!("{:x}", now_ms());
    engine
        .put_region(
            &sys,
            Region {
                code: "370323".into(),
                name: "沂源县".into(),
                name_en: None,
                level: RegionLevel::County,
                parent: None,
                geometry: None,
            },
        )
        .await?;
    engine
        .put_department(
            &sys,
            Department {
                id: "bench".into(),
                name: "压测".into(),
                name_en: None,
                region: None,
            },
        )
        .await?;
    let kind = Kind {
        id: "bench_sensor".into(),
        name: "压测传感器".into(),
        name_en: None,
        attributes: vec![],
        metrics: (0..METRICS)
            .map(|i| MetricDef {
                name: format!("m{i}"),
                label: None,
                unit: None,
                ty: ValueType::Number,
            })
            .collect(),
        retention_days: None,
    };
    engine.put_kind(&sys, kind).await?;
    let ids: Vec<String> = (0..entities)
        .map(|i| format!("bench-{run_id}-{i:05}"))
        .collect();
    engine
        .seed_entities(
            &sys,
            ids.iter()
                .map(|id| Entity {
                    id: id.clone(),
                    kind: "bench_sensor".into(),
                    name: id.clone(),
                    department: "bench".into(),
                    region: "370323".into(),
                    geometry: None,
                    attributes: Default::default(),
                    status: EntityStatus::Active,
                    created_ms: 0,
                    updated_ms: 0,
                })
                .collect(),
        )
        .await?;
    let mut tokens = Vec::new();
    for id in &ids {
        tokens.push((id.clone(), engine.issue_device_token(&sys, id).await?.token));
    }
    Ok((ids, tokens))
}

/// A request ready to send: the device token, the readings in it, the JSON body.
type Prebuilt = (Arc<str>, usize, bytes::Bytes);

/// Builds `requests` request bodies, dealt round-robin to `clients` lists, each for one entity
/// (with its token) and `batch` readings of consecutive times, on both cores.
async fn prebuild(
    tokens: &[(String, String)],
    clients: usize,
    batch: usize,
    requests: usize,
    base_ts: i64,
) -> anyhow::Result<Vec<Vec<Prebuilt>>> {
    let clients = clients.max(1);
    let tokens: Arc<Vec<(String, Arc<str>)>> = Arc::new(
        tokens
            .iter()
            .map(|(e, t)| (e.clone(), Arc::from(t.as_str())))
            .collect(),
    );
    let mut parts = Vec::new();
    for c in 0..clients {
        let tokens = tokens.clone();
        parts.push(tokio::task::spawn_blocking(move || {
            use std::fmt::Write;
            // Client c sends the entities c, c + clients, ... in turn.
            let mine: Vec<&(String, Arc<str>)> = tokens.iter().skip(c).step_by(clients).collect();
            let mut out = Vec::new();
            let mut seq = vec![0i64; mine.len()];
            for r in (c..requests).step_by(clients) {
                let Some(k) = (!mine.is_empty()).then(|| (r / clients) % mine.len()) else {
                    break;
                };
                let (entity, token) = mine[k];
                let mut body = String::with_capacity(batch * 72 + 16);
                body.push_str("{\"readings\":[");
                for i in 0..batch {
                    if i > 0 {
                        body.push(',');
                    }
                    // Each entity's series move forward in time, 10 ms apart.
                    let ts = base_ts + (seq[k] + (i / METRICS) as i64) * 10;
                    let _ = write!(
                        body,
                        "{{\"entity\":\"{entity}\",\"metric\":\"m{}\",\"ts\":{ts},\"value\":{}.5}}",
                        i % METRICS,
                        i % 97
                    );
                }
                seq[k] += batch.div_ceil(METRICS) as i64;
                body.push_str("]}");
                out.push((token.clone(), batch, bytes::Bytes::from(body)));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for p in parts {
        all.push(p.await.context("building request bodies")?);
    }
    Ok(all)
}

/// Publishes QoS 1 messages of 10 values each for `seconds`, keeping at most `window`
/// messages published but not yet stored (an MQTT broker queues only so many messages for a
/// slow subscriber and drops the rest, so an unthrottled publisher would measure the broker's
/// drops, not us). Prints the sustained stored rate.
async fn bench_mqtt(
    engine: &zhicheng_engine::Engine,
    url: &str,
    ids: &[String],
    seconds: u64,
    window: u64,
) -> anyhow::Result<()> {
    let stored = || engine.metrics().stored_total(zhicheng_engine::Source::Mqtt);
    let before = stored();
    let (host, port) = {
        let rest = url
            .trim_start_matches("mqtt://")
            .trim_start_matches("tcp://");
        let hp = rest.split(['/', '?']).next().unwrap_or(rest);
        let (h, p) = hp.rsplit_once(':').unwrap_or((hp, "1883"));
        (h.to_string(), p.parse::<u16>().unwrap_or(1883))
    };
    let mut opts =
        rumqttc::MqttOptions::new(format!("zhicheng-bench-pub-{}", now_ms()), host, port);
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_inflight(1000);
    let (client, mut el) = rumqttc::AsyncClient::new(opts, 10_000);
    let poll = tokio::spawn(async move {
        loop {
            if el.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    // The server subscribes asynchronously: probe until a message makes it through.
    let probe_until = Instant::now() + Duration::from_secs(30);
    while stored() == before {
        anyhow::ensure!(
            Instant::now() < probe_until,
            "the server did not take MQTT messages within 30 s"
        );
        let payload =
            serde_json::json!({"ts": now_ms() - 172_800_000, "values": {"m0": 0}}).to_string();
        client
            .publish(
                format!("city/{}/telemetry", ids[0]),
                rumqttc::QoS::AtLeastOnce,
                false,
                payload,
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = stored();
    // Publish → queryable: when each message's first value shows up on the live stream, which
    // the writer feeds right after the commit.
    let mut changes = engine.subscribe();
    let (stop_probe, mut probe_stopped) = tokio::sync::oneshot::channel::<()>();
    let seen = tokio::spawn(async move {
        let mut seen: Vec<(Arc<str>, i64, Instant)> = Vec::new();
        loop {
            let r = tokio::select! {
                _ = &mut probe_stopped => break,
                r = changes.recv() => r,
            };
            match r {
                Ok(batch) => {
                    let now = Instant::now();
                    seen.extend(
                        batch
                            .iter()
                            .filter(|c| &*c.metric == "m0")
                            .map(|c| (c.entity.clone(), c.ts, now)),
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("bench: latency probe lagged, {n} batches not timed");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        seen
    });
    let mut sent_at: std::collections::HashMap<(String, i64), Instant> = Default::default();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let base_ts = now_ms() - 86_400_000;
    let mut published = 0u64;
    let mut i = 0usize;
    while Instant::now() < deadline {
        if published * METRICS as u64 > stored() - before + window * METRICS as u64 {
            tokio::time::sleep(Duration::from_micros(200)).await;
            continue;
        }
        let id = &ids[i % ids.len()];
        let ts = base_ts + (i / ids.len()) as i64;
        i += 1;
        let values: serde_json::Map<String, serde_json::Value> = (0..METRICS)
            .map(|k| (format!("m{k}"), serde_json::json!(k as f64 + 0.25)))
            .collect();
        let payload = serde_json::json!({"ts": ts, "values": values}).to_string();
        sent_at.insert((id.clone(), ts), Instant::now());
        client
            .publish(
                format!("city/{id}/telemetry"),
                rumqttc::QoS::AtLeastOnce,
                false,
                payload,
            )
            .await?;
        published += 1;
    }
    let want = before + published * METRICS as u64;
    let wait_until = Instant::now() + Duration::from_secs(60);
    while stored() < want && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed();
    poll.abort();
    // Let the probe take the last batches, then stop it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop_probe.send(());
    let mut lat: Vec<Duration> = seen
        .await
        .context("latency probe")?
        .into_iter()
        .filter_map(|(e, ts, at)| {
            let sent = sent_at.get(&(e.to_string(), ts))?;
            Some(at.saturating_duration_since(*sent))
        })
        .collect();
    lat.sort();
    let got = stored() - before;
    println!(
        "mqtt → {:?}: {published} messages = {} readings published, {got} stored in {:.2} s = {:.0} readings/s ({:.0} messages/s); publish to queryable p50 {:.1} ms, p99 {:.1} ms ({} messages timed)",
        engine.store().backend(),
        published * METRICS as u64,
        elapsed.as_secs_f64(),
        got as f64 / elapsed.as_secs_f64(),
        got as f64 / METRICS as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.len()
    );
    Ok(())
}
