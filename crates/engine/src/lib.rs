//! The engine: everything between the gateways and the people.
//!
//! - [`bus`]: the bounded bus. Gateways hand validated readings to it and wait; a writer task
//!   batches them into the store, and only then are the senders acknowledged, the live state
//!   moved forward and the change pushed to subscribers.
//! - [`ingest`]: the one validation path every gateway uses (entity, metric, type, time, owner).
//! - [`registry`]: regions, grids, departments, kinds and entities, with authorization by role
//!   and department, and the in-memory index the ingest path checks against.
//! - [`auth`]: users (argon2), sessions, device tokens, the audit trail.
//! - [`live`]: latest state per (entity, metric) and history queries.
//! - [`import`]: GeoJSON and CSV imports with row-level errors.
//! - [`overview`]: what the command center and maps read: live status per entity, KPIs,
//!   H3 heat cells, a metric aggregated over a kind.
//! - [`scorecard`]: the DB37/T 3890 county scorecard measured from the registry and live state.
//! - [`submissions`]: departments' submitted indicator values with evidence, and their review;
//!   [`evidence`]: the checks and content-addressed storage of evidence files.
//! - [`periods`]: closed scorecard months with their snapshots; [`report`]: the monthly report
//!   as XLSX and printable HTML.
//! - [`tasks`]: monthly progress of the key tasks, the board with its flags, reminders.
//! - [`communities`]: communities' self-assessments and the 80 % rule behind indicator #44.
//! - [`trend`]: the trend against previous months, quarters, the acceptance milestones.
//! - [`alarms`]: the early-warning rules evaluated in the ingest stream, their alarms and what
//!   people do with them.
//! - [`cases`]: cases (work orders) through the digital urban-management flow.
//! - [`webhooks`]: the event log delivered to webhooks (isolated per endpoint), and in-app
//!   notifications.
//! - [`maintenance`]: roll-up compaction, retention, expired sessions.
//! - [`metrics`]: the Prometheus registry shared by all listeners.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = zhicheng_store::open("sqlite::memory:").await?;
//! store.migrate().await?;
//! let engine = zhicheng_engine::Engine::start(store, zhicheng_engine::EngineConfig::default()).await?;
//! engine.shutdown().await;
//! # Ok(()) }
//! ```

pub mod alarms;
pub mod auth;
pub mod base_figures;
pub mod bus;
pub mod cases;
pub mod communities;
pub mod error;
pub mod evidence;
pub mod import;
pub mod ingest;
pub mod live;
pub mod maintenance;
pub mod metrics;
pub mod overview;
pub mod periods;
pub mod registry;
pub mod report;
pub mod scorecard;
pub mod submission_import;
pub mod submissions;
pub mod tasks;
pub mod trend;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

pub use error::{Error, Result};
pub use ingest::{IngestOutcome, IngestReading, Rejection, Source};
pub use live::{Change, ChangeBatch};

use zhicheng_store::Store;

/// Settings of the engine (the binary fills them from its configuration file).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Batches the bus holds before gateways wait.
    pub bus_capacity: usize,
    /// Most points written in one transaction.
    pub batch_max_points: usize,
    /// How long the writer waits to fill a batch once it has something.
    pub batch_max_wait: Duration,
    /// Readings further than this in the future are rejected.
    pub max_future: Duration,
    /// Session lifetime.
    pub session_ttl: Duration,
    /// Raw history kept for kinds that set no retention.
    pub raw_retention_days: u32,
    /// How often dirty roll-up buckets are folded.
    pub compact_interval: Duration,
    /// How often retention runs.
    pub retention_interval: Duration,
    /// An active entity that has not reported for this long is shown offline.
    pub offline_after: Duration,
    /// Where evidence files of indicator submissions and task progress are stored
    /// (`<data_dir>/evidence`); none refuses uploads.
    pub evidence_dir: Option<std::path::PathBuf>,
    /// The key-task pack the task board shows when a request names none
    /// (`scorecard.task_pack`).
    pub task_pack: tasks::TaskPackKey,
    /// The mid-term check and final acceptance dates (see [`trend`]).
    pub acceptance: trend::AcceptanceDates,
    /// The rules task (see [`alarms`]).
    pub rules: alarms::RulesConfig,
    /// Cases (see [`cases`]).
    pub cases: cases::CasesConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            bus_capacity: 256,
            batch_max_points: 50_000,
            batch_max_wait: Duration::from_millis(5),
            max_future: Duration::from_secs(300),
            session_ttl: Duration::from_secs(12 * 3600),
            raw_retention_days: 180,
            compact_interval: Duration::from_secs(5),
            retention_interval: Duration::from_secs(3600),
            offline_after: Duration::from_secs(900),
            evidence_dir: None,
            task_pack: tasks::TaskPackKey::default(),
            acceptance: trend::AcceptanceDates::default(),
            rules: alarms::RulesConfig::default(),
            cases: cases::CasesConfig::default(),
        }
    }
}

/// The running engine. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) cfg: EngineConfig,
    pub(crate) index: registry::Index,
    pub(crate) live: live::Live,
    pub(crate) bus: bus::Bus,
    pub(crate) tokens: auth::TokenCache,
    pub(crate) metrics: metrics::Metrics,
    pub(crate) rate: overview::Rate,
    pub(crate) scorecard: scorecard::State,
    pub(crate) alarms: alarms::State,
    pub(crate) cases: cases::State,
    pub(crate) webhooks: webhooks::State,
    pub(crate) tasks: tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    pub(crate) stop: tokio::sync::watch::Sender<bool>,
}

impl Engine {
    /// Loads the registry, the device tokens and the latest state from `store` (which must be
    /// migrated), then starts the writer and the maintenance tasks.
    pub async fn start(store: Arc<dyn Store>, cfg: EngineConfig) -> Result<Engine> {
        let index = registry::Index::load(store.as_ref()).await?;
        let live = live::Live::load(store.as_ref()).await?;
        let tokens = auth::TokenCache::load(store.as_ref()).await?;
        let (alarms, initial) = alarms::load(store.as_ref(), &cfg.rules, &live, &index).await?;
        let (writer_done, rules_stop) = tokio::sync::oneshot::channel();
        let cases = cases::State::load(&cfg.cases)?;
        let (webhooks, outcomes) = webhooks::State::new()?;
        let metrics = metrics::Metrics::new();
        let (bus, rx) = bus::Bus::new(cfg.bus_capacity);
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                cfg,
                index,
                live,
                bus,
                tokens,
                metrics,
                rate: overview::Rate::new(),
                scorecard: scorecard::State::new(),
                alarms,
                cases,
                webhooks,
                tasks: tokio::sync::Mutex::new(Vec::new()),
                stop,
            }),
        };
        {
            // What the restore and the replay changed, before anything new is evaluated.
            let ev = engine.inner.alarms.evaluator.lock().await;
            engine.write_transitions(initial, &ev).await;
        }
        // Outcomes arrive as long as the dispatcher lives (as long as the engine): not joined.
        tokio::spawn(webhooks::record(engine.clone(), outcomes));
        // Lives as long as the engine (its sender is the engine's): not joined.
        tokio::spawn(alarms::open_cases(engine.clone()));
        engine.start_webhooks().await?;
        let writer = tokio::spawn(bus::writer(engine.clone(), rx, writer_done));
        let rules = tokio::spawn(alarms::run(engine.clone(), rules_stop));
        let timer = tokio::spawn(cases::run(engine.clone(), stop_rx.clone()));
        let maint = tokio::spawn(maintenance::run(engine.clone(), stop_rx));
        engine
            .inner
            .tasks
            .lock()
            .await
            .extend([writer, rules, timer, maint]);
        Ok(engine)
    }

    /// The store behind the engine.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.cfg
    }

    /// The metrics registry (rendered at `/metrics`).
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Stops accepting readings, writes everything already accepted, acknowledges it and stops
    /// the background tasks. Gateways should be stopped first.
    pub async fn shutdown(&self) {
        self.inner.bus.close();
        let _ = self.inner.stop.send(true);
        let tasks: Vec<_> = std::mem::take(&mut *self.inner.tasks.lock().await);
        for t in tasks {
            let _ = t.await;
        }
        self.inner.webhooks.shutdown().await;
        // One last fold so roll-ups match history after a clean stop.
        let _ = self.inner.store.compact_rollups(usize::MAX / 2).await;
        self.inner.store.close().await;
    }
}
