//! Wiring: configuration → store → engine → gateways and web server, and the orderly stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use zhicheng_engine::{Engine, EngineConfig};
use zhicheng_store::Store;

use crate::config::{Config, LogFormat};

/// Hides the password in a database URL for printing.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Sets up structured logging (text or JSON) filtered by `RUST_LOG` or the configuration.
pub fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.filter));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match cfg.log.format {
        LogFormat::Json => b.json().try_init(),
        LogFormat::Text => b.try_init(),
    };
}

/// Opens the configured store (creating the data directory for SQLite).
pub async fn open_store(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = cfg
        .database_url()
        .map_err(|e| anyhow::anyhow!(e.render("config")))?;
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    }
    zhicheng_store::open(&url)
        .await
        .with_context(|| format!("opening the store at {}", redact(&url)))
}

/// Engine settings from the configuration.
pub fn engine_config(cfg: &Config) -> EngineConfig {
    EngineConfig {
        bus_capacity: cfg.ingest.bus_capacity,
        batch_max_points: cfg.ingest.batch_max_points,
        batch_max_wait: Duration::from_millis(cfg.ingest.batch_max_wait_ms),
        max_future: Duration::from_secs(cfg.ingest.max_future_seconds),
        session_ttl: Duration::from_secs(cfg.auth.session_ttl_hours * 3600),
        raw_retention_days: cfg.history.raw_retention_days,
        compact_interval: Duration::from_secs(cfg.history.compact_interval_seconds),
        retention_interval: Duration::from_secs(cfg.history.retention_interval_seconds),
        offline_after: Duration::from_secs(cfg.ingest.offline_after_seconds),
        evidence_dir: Some(cfg.data_dir.join("evidence")),
        task_pack: cfg.scorecard.task_pack,
        acceptance: zhicheng_engine::trend::AcceptanceDates {
            midterm: Some(cfg.scorecard.midterm_date.clone()).filter(|d| !d.is_empty()),
            final_: Some(cfg.scorecard.final_date.clone()).filter(|d| !d.is_empty()),
        },
        rules: zhicheng_engine::alarms::RulesConfig {
            tick_interval: Duration::from_millis(cfg.rules.tick_ms),
            snapshot_interval: Duration::from_secs(cfg.rules.snapshot_interval_seconds),
            replay_lateness: Duration::from_secs(cfg.rules.replay_lateness_seconds),
            dir: cfg.rules.dir.clone(),
        },
        cases: zhicheng_engine::cases::CasesConfig {
            categories_file: cfg.cases.categories_file.clone(),
            limits_file: cfg.cases.limits_file.clone(),
            routing_file: cfg.cases.routing_file.clone(),
            timer_interval: Duration::from_secs(cfg.cases.timer_interval_seconds),
            duplicate_radius_m: f64::from(cfg.cases.duplicate_radius_m),
            duplicate_window: Duration::from_secs(cfg.cases.duplicate_window_hours * 3600),
            test_clock: cfg.cases.test_clock,
        },
    }
}

/// Opens the store, migrates it and starts an engine (for CLI commands).
pub async fn open_engine(cfg: &Config) -> anyhow::Result<Engine> {
    let store = open_store(cfg).await?;
    store.migrate().await.context("migrating the store")?;
    Ok(Engine::start(store, engine_config(cfg)).await?)
}

/// A running server.
pub struct App {
    /// The engine.
    pub engine: Engine,
    /// Where the HTTP server listens.
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    mqtt: Option<tokio::task::JoinHandle<()>>,
    grace: Duration,
}

impl App {
    /// Opens and migrates the store, starts the engine, the HTTP server and the MQTT gateway.
    pub async fn start(cfg: &Config) -> anyhow::Result<App> {
        let store = open_store(cfg).await?;
        let st = store.migrate().await.context("migrating the store")?;
        tracing::info!(backend = ?store.backend(), migrations = ?st.applied, "store ready");
        let engine = Engine::start(store, engine_config(cfg)).await?;
        if let Some(p) = cfg
            .auth
            .initial_admin_password()
            .map_err(|e| anyhow::anyhow!(e.render("config")))?
        {
            if engine.bootstrap_admin(&p).await? {
                tracing::info!("created the first admin user 'admin'");
            }
        }
        Self::serve(engine, cfg).await
    }

    /// Serves an already started engine.
    pub async fn serve(engine: Engine, cfg: &Config) -> anyhow::Result<App> {
        let open311_keys = match &cfg.open311.api_keys_file {
            Some(p) => read_open311_keys(p)?,
            None => Vec::new(),
        };
        let router = zhicheng_web::router(
            engine.clone(),
            zhicheng_web::WebConfig {
                cookie_secure: cfg.auth.cookie_secure,
                max_body_bytes: cfg.server.max_body_bytes,
                tiles: cfg
                    .map
                    .tile_url
                    .clone()
                    .map(|url| zhicheng_web::TileSource {
                        url,
                        subdomains: cfg.map.tile_subdomains.clone(),
                        attribution: cfg.map.tile_attribution.clone(),
                        max_zoom: cfg.map.tile_max_zoom,
                        datum: match cfg.map.tile_datum {
                            crate::config::TileDatum::Wgs84 => "wgs84",
                            crate::config::TileDatum::Gcj02 => "gcj02",
                        },
                    }),
                // UI development: serve the bundle from disk (see crates/web/ui/README.md).
                ui_dir: std::env::var_os("ZHICHENG_UI_DIR").map(Into::into),
                public_url: cfg.server.public_url.clone(),
                open311_keys,
            },
        )
        .merge(zhicheng_gateway::http::router(
            engine.clone(),
            zhicheng_gateway::http::HttpIngestConfig {
                max_body_bytes: cfg.server.max_body_bytes,
                max_readings: cfg.ingest.max_readings_per_request,
            },
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::decompression::RequestDecompressionLayer::new());
        let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
            .await
            .with_context(|| format!("listening on {}", cfg.server.listen))?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let mut srv_stop = stop_rx.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = srv_stop.wait_for(|s| *s).await;
                })
                .await
        });
        let mqtt = match mqtt_config(cfg)? {
            Some(mcfg) => {
                let e = engine.clone();
                let rx = stop_rx.clone();
                Some(tokio::spawn(async move {
                    if let Err(err) = zhicheng_gateway::mqtt::run(e, mcfg, rx).await {
                        tracing::error!(error = %err, "MQTT gateway could not start");
                    }
                }))
            }
            None => None,
        };
        // The line tests and scripts look for: it carries the real port when listen uses port 0.
        println!("zhicheng listening on http://{addr}");
        tracing::info!(%addr, "listening");
        Ok(App {
            engine,
            addr,
            stop,
            server,
            mqtt,
            grace: Duration::from_secs(cfg.server.shutdown_grace_seconds),
        })
    }

    /// Serves until SIGINT or SIGTERM, then stops in order.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("stopping: no new requests; flushing what was accepted");
        self.shutdown().await
    }

    /// Stops the listeners (in-flight requests finish within the grace period), then flushes
    /// the bus into the store and closes it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        if tokio::time::timeout(self.grace, self.server).await.is_err() {
            tracing::warn!("some requests did not finish within the grace period");
        }
        if let Some(m) = self.mqtt {
            let _ = tokio::time::timeout(self.grace, m).await;
        }
        self.engine.shutdown().await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The MQTT gateway's settings from the configuration (`None` without `mqtt.url`).
pub fn mqtt_config(cfg: &Config) -> anyhow::Result<Option<zhicheng_gateway::mqtt::MqttConfig>> {
    let Some(url) = &cfg.mqtt.url else {
        return Ok(None);
    };
    Ok(Some(zhicheng_gateway::mqtt::MqttConfig {
        url: url.clone(),
        topic: cfg.mqtt.topic.clone(),
        username: cfg.mqtt.username.clone(),
        password: cfg
            .mqtt
            .password()
            .map_err(|e| anyhow::anyhow!(e.render("config")))?,
    }))
}

/// Reads the Open311 API keys: one `client-name key` per line; blank lines and `#` comments
/// are skipped. A key shorter than 16 characters is refused (a guessable key is no key).
pub fn read_open311_keys(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading open311.api_keys_file {}", path.display()))?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, key)) = line.split_once(char::is_whitespace) else {
            anyhow::bail!(
                "{} line {}: expected `client-name key`",
                path.display(),
                i + 1
            );
        };
        let key = key.trim();
        if key.len() < 16 {
            anyhow::bail!(
                "{} line {}: the key of {name} is shorter than 16 characters",
                path.display(),
                i + 1
            );
        }
        keys.push((name.to_owned(), key.to_owned()));
    }
    Ok(keys)
}
