//! `zhicheng demo`: a simulated county, live. Seeds Yiyuan (沂源县) into a fresh embedded store,
//! serves it, and runs the `sim` crate's devices against the real ingest interface (HTTP by
//! default, MQTT when `--mqtt-url` names a broker).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use zhicheng_engine::Engine;
use zhicheng_model::Actor;
use zhicheng_sim::devices::{self, SimConfig, Transport};
use zhicheng_sim::seed::CountySeed;

use crate::app::{self, App};
use crate::config::{Config, TileDatum};

/// Options of `zhicheng demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Keep the data here (default: a fresh temporary directory, removed at exit).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// HTTP port (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Seconds between two reports of each simulated device.
    #[arg(long, default_value_t = 5)]
    interval: u64,
    /// Send simulated telemetry through this MQTT broker (and subscribe to it) instead of HTTP.
    #[arg(long)]
    mqtt_url: Option<String>,
    /// Use this database instead of the embedded SQLite store.
    #[arg(long)]
    database_url: Option<String>,
    /// Grow the county to this many entities (copies of its devices spread over the county):
    /// for load tests and the map benchmark. Default: the 392 of the seed.
    #[arg(long)]
    entities: Option<usize>,
    /// Seed and serve, but run no simulated devices (the entities stay silent until something
    /// reports for them): for tests that post their own readings.
    #[arg(long)]
    no_devices: bool,
    /// Base-map tiles: an XYZ URL template with {z}, {x}, {y} (Tianditu, an intranet server).
    /// Default: none (the county's own vector layers only).
    #[arg(long)]
    tile_url: Option<String>,
    /// Datum of those tiles: wgs84 (Tianditu, OpenStreetMap) or gcj02 (AMap, Tencent).
    #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "gcj02"])]
    tile_datum: String,
}

/// Seeds `county` into an empty store; returns false when it was already seeded.
pub async fn seed(engine: &Engine, county: &CountySeed) -> anyhow::Result<bool> {
    if engine.store().count_entities(None).await? > 0 {
        return Ok(false);
    }
    let sys = Actor::system();
    let mut regions = county.regions.clone();
    regions.sort_by_key(|r| r.code.len());
    for r in regions {
        engine.put_region(&sys, r).await?;
    }
    for d in county.departments.clone() {
        engine.put_department(&sys, d).await?;
    }
    for k in county.kinds.clone() {
        engine.put_kind(&sys, k).await?;
    }
    for g in county.grids.clone() {
        engine.put_grid(&sys, g).await?;
    }
    engine.seed_entities(&sys, county.entities.clone()).await?;
    for rule in zhicheng_sim::seed::demo_rules()? {
        engine.put_rule(&sys, &rule).await?;
    }
    Ok(true)
}

fn password() -> (String, bool) {
    match std::env::var("ZHICHENG_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => {
            const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let mut rng = rand::thread_rng();
            let p = (0..16)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            (p, true)
        }
    }
}

/// Runs the demo until Ctrl-C.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let (tmp, data_dir) = match &args.data_dir {
        Some(d) => (None, d.clone()),
        None => {
            let t = tempfile::Builder::new()
                .prefix("zhicheng-demo-")
                .tempdir()?;
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    };
    let mut cfg = Config {
        data_dir: data_dir.clone(),
        database_url: args.database_url.clone(),
        ..Config::default()
    };
    cfg.server.listen = format!("{}:{}", args.bind, args.port);
    cfg.mqtt.url = args.mqtt_url.clone();
    cfg.history.compact_interval_seconds = 2;
    // Devices report every few seconds here: call one offline after it misses a minute or so.
    cfg.ingest.offline_after_seconds = (args.interval * 12).max(60);
    cfg.map.tile_url = args.tile_url.clone();
    cfg.map.tile_datum = if args.tile_datum == "gcj02" {
        TileDatum::Gcj02
    } else {
        TileDatum::Wgs84
    };
    // A pilot under way: the mid-term check at the end of the month four months from now, the
    // final acceptance a year after it.
    {
        use zhicheng_engine::trend::{month_add, month_end};
        let now = zhicheng_engine::submissions::current_period();
        cfg.scorecard.midterm_date = month_end(&month_add(&now, 4));
        cfg.scorecard.final_date = month_end(&month_add(&now, 16));
    }
    // Cases are routed by category to the county departments of the seed.
    std::fs::create_dir_all(&data_dir)?;
    let routing = data_dir.join("routing.json");
    if !routing.exists() {
        std::fs::write(&routing, zhicheng_sim::seed::demo_routing())?;
    }
    cfg.cases.routing_file = Some(routing);
    cfg.validate()
        .map_err(|e| anyhow::anyhow!(e.render("demo")))?;
    app::init_logging(&cfg);

    let engine = app::open_engine(&cfg).await?;
    let base = zhicheng_sim::seed::yiyuan();
    let county = match args.entities {
        Some(n) => base.scaled(n, 2021),
        None => base,
    };
    let seeded = seed(&engine, &county).await.context("seeding Yiyuan")?;
    let (pw, generated) = password();
    let admin_created = engine.bootstrap_admin(&pw).await?;
    // Tokens for the simulated devices (one per device, as a real deployment would issue).
    let sys = Actor::system();
    let mut devs = Vec::new();
    let fleet = if args.no_devices {
        Vec::new()
    } else {
        devices::reporting_devices(&county, |_| String::new())
    };
    for d in fleet {
        let t = engine.issue_device_token(&sys, &d.entity).await?;
        devs.push(devices::SimDevice {
            token: t.token,
            ..d
        });
    }
    let app = App::serve(engine.clone(), &cfg).await?;
    let url = format!("http://{}", app.addr);
    println!();
    println!("  智城 zhicheng demo — 沂源县 Yiyuan County (370323)");
    println!(
        "  {} entities{}, {} simulated devices reporting every {} s over {}",
        engine.store().count_entities(None).await?,
        if seeded { " seeded" } else { "" },
        devs.len(),
        args.interval,
        if args.mqtt_url.is_some() {
            "MQTT"
        } else {
            "HTTP"
        }
    );
    println!("  open:     {url}/");
    if admin_created {
        println!(
            "  login:    admin / {pw}{}",
            if generated {
                "   (generated; set ZHICHENG_ADMIN_PASSWORD to choose)"
            } else {
                ""
            }
        );
    } else {
        println!(
            "  login:    admin (password unchanged from the first run in {})",
            data_dir.display()
        );
    }
    println!(
        "  data dir: {}{}",
        data_dir.display(),
        if tmp.is_some() { " (temporary)" } else { "" }
    );
    println!("  stop:     Ctrl-C");
    println!();

    if devs.is_empty() {
        // --no-devices: serve until Ctrl-C.
        let _ = tokio::signal::ctrl_c().await;
    } else {
        let transport = match &args.mqtt_url {
            Some(u) => Transport::Mqtt { url: u.clone() },
            None => Transport::Http {
                base_url: url.clone(),
            },
        };
        let (sim_stop, sim_rx) = tokio::sync::watch::channel(false);
        let sim = tokio::spawn(devices::run(
            SimConfig {
                transport,
                devices: devs,
                interval: Duration::from_secs(args.interval.max(1)),
                seed: 2021,
            },
            sim_rx,
        ));
        let _ = tokio::signal::ctrl_c().await;
        let _ = sim_stop.send(true);
        match sim.await {
            Ok(Ok(st)) => tracing::info!(sent = st.sent, failed = st.failed, "simulator stopped"),
            Ok(Err(e)) => tracing::error!(error = %e, "simulator failed"),
            Err(e) => tracing::error!(error = %e, "simulator task failed"),
        }
    }
    app.shutdown().await?;
    drop(tmp);
    Ok(())
}
