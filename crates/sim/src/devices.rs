//! The device simulator: every interval, each simulated device sends one report with realistic
//! values for its kind and the time of day, over HTTP ingest or MQTT, like a real device would.
//!
//! - [`run`] drives a fleet of [`SimDevice`]s until told to stop and returns [`SimStats`].
//! - [`reporting_devices`] picks the entities of a [`CountySeed`] that have telemetry (active
//!   entities of a known kind; streetlights only when they have a controller).
//! - [`DeviceModel`] is the value model of one device, usable on its own (e.g. to backfill history).
//! - [`payload`] builds the wire formats.
//!
//! A device's behaviour comes from its entity in [`seed::yiyuan`] when the
//! id and kind match one there (rated power, spots, capacity, station type…); any other device of
//! a known kind gets default attributes.
//!
//! Failures (HTTP errors, refused connections, a full MQTT queue) are counted and logged at most
//! every 30 seconds as one summary line, never one line per failed message; the simulator keeps
//! going.

mod http;
mod mqtt;
pub mod payload;
mod values;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use serde_json::{Map, Value};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{info, warn};
use zhicheng_model::{Entity, EntityStatus};

use crate::seed::{self, CountySeed};
pub use values::{DeviceModel, Sample, KINDS};

/// One simulated device: the entity it reports for and its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDevice {
    /// Entity identifier.
    pub entity: String,
    /// Kind identifier (one of [`KINDS`]).
    pub kind: String,
    /// Bearer token for HTTP ingest; allows writing this entity only. Unused over MQTT.
    pub token: String,
}

/// How the devices reach the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// `POST {base_url}/api/v1/ingest`, one request per device and report.
    Http {
        /// Server base URL, e.g. `http://127.0.0.1:8080` (plain HTTP).
        base_url: String,
    },
    /// Publish QoS 1 to `city/{entity}/telemetry` on a broker.
    Mqtt {
        /// Broker URL: `mqtt://[user[:password]@]host[:port][?client_id=ID]` (port 1883 by
        /// default; `tcp://` is accepted too; TLS is not supported).
        url: String,
    },
}

/// What to simulate and where to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Where reports go.
    pub transport: Transport,
    /// The fleet.
    pub devices: Vec<SimDevice>,
    /// Time between two reports of a device (must be greater than zero).
    pub interval: Duration,
    /// Seed of the random generators; the same seed gives the same series for a device.
    pub seed: u64,
}

/// Outcome of a simulation run, counted in device reports (one HTTP request or one MQTT publish).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Reports the platform accepted: HTTP 2xx, or MQTT PUBACK from the broker.
    pub sent: u64,
    /// Reports that failed: HTTP errors, timeouts and non-2xx statuses, or MQTT publishes that
    /// could not be queued because the broker has been unreachable for a while. (An MQTT report
    /// still unacknowledged at shutdown counts in neither.)
    pub failed: u64,
}

/// Does this entity send telemetry in the simulation? Active entities of a kind the simulator
/// knows do, except streetlights without a controller (`controllable: false`), which have no
/// way to report.
pub fn reports_telemetry(entity: &Entity) -> bool {
    entity.status == EntityStatus::Active
        && KINDS.contains(&entity.kind.as_str())
        && !(entity.kind == "streetlight"
            && entity.attributes.get("controllable") == Some(&Value::Bool(false)))
}

/// The simulated devices of a seeded county, with the token `token` gives each entity.
pub fn reporting_devices(
    county: &CountySeed,
    mut token: impl FnMut(&Entity) -> String,
) -> Vec<SimDevice> {
    county
        .entities
        .iter()
        .filter(|e| reports_telemetry(e))
        .map(|e| SimDevice {
            entity: e.id.clone(),
            kind: e.kind.clone(),
            token: token(e),
        })
        .collect()
}

/// Runs the fleet until `shutdown` turns `true` (or its sender is dropped) and returns the counts.
///
/// The first reports go out at once, then every `cfg.interval`; when a round of reports takes
/// longer than the interval, the next round waits rather than bursting. Transport failures never
/// stop the run; only a configuration error (zero interval, bad URL, no usable device) does.
pub async fn run(cfg: SimConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<SimStats> {
    if cfg.interval.is_zero() {
        bail!("the reporting interval must be greater than zero");
    }
    let given = cfg.devices.len();
    let county = seed::yiyuan();
    let mut fleet = Vec::with_capacity(given);
    for device in cfg.devices {
        let model = match county.entity(&device.entity) {
            Some(e) if e.kind == device.kind => DeviceModel::from_entity(e, cfg.seed),
            _ => DeviceModel::new(&device.entity, &device.kind, &Map::new(), cfg.seed),
        };
        match model {
            Some(model) => fleet.push(Simulated { device, model }),
            None => warn!(
                entity = %device.entity,
                kind = %device.kind,
                "the simulator does not know this kind; device skipped"
            ),
        }
    }
    if fleet.is_empty() {
        bail!("no device to simulate ({given} given, none of a kind the simulator knows)");
    }

    let stats = Arc::new(Counters::default());
    let mut sender = match &cfg.transport {
        Transport::Http { base_url } => Sender::Http(http::HttpSender::new(base_url)?),
        Transport::Mqtt { url } => {
            Sender::Mqtt(mqtt::MqttSender::connect(url, fleet.len(), stats.clone())?)
        }
    };
    info!(
        devices = fleet.len(),
        interval_ms = cfg.interval.as_millis() as u64,
        transport = sender.name(),
        "device simulator started"
    );

    let mut ticker = tokio::time::interval(cfg.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => break,
            _ = ticker.tick() => {}
        }
        let ts = zhicheng_model::time_util::now_ms();
        let reports: Vec<Report> = fleet
            .iter_mut()
            .map(|s| Report {
                entity: s.device.entity.clone(),
                token: s.device.token.clone(),
                ts,
                samples: s.model.tick(ts, cfg.interval),
            })
            .collect();
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => break,
            _ = sender.send(reports, &stats) => {}
        }
    }

    sender.close().await;
    let out = SimStats {
        sent: stats.sent.load(Ordering::Relaxed),
        failed: stats.failed.load(Ordering::Relaxed),
    };
    info!(
        sent = out.sent,
        failed = out.failed,
        "device simulator stopped"
    );
    Ok(out)
}

/// Resolves once the shutdown flag is `true` or its sender is gone.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

struct Simulated {
    device: SimDevice,
    model: DeviceModel,
}

/// One device's report for one tick.
struct Report {
    entity: String,
    token: String,
    ts: i64,
    samples: Vec<Sample>,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
}

enum Sender {
    Http(http::HttpSender),
    Mqtt(mqtt::MqttSender),
}

impl Sender {
    fn name(&self) -> &'static str {
        match self {
            Sender::Http(_) => "http",
            Sender::Mqtt(_) => "mqtt",
        }
    }

    async fn send(&mut self, reports: Vec<Report>, stats: &Counters) {
        match self {
            Sender::Http(s) => s.send(reports, stats).await,
            Sender::Mqtt(s) => s.send(reports, stats),
        }
    }

    async fn close(self) {
        match self {
            Sender::Http(mut s) => s.close(),
            Sender::Mqtt(s) => s.close().await,
        }
    }
}

/// Failures summarised into one warning at most every [`FailureLog::EVERY`], so 400 devices
/// failing at once make one log line, not 400.
#[derive(Debug)]
struct FailureLog {
    what: &'static str,
    pending: u64,
    last_error: Option<String>,
    logged_at: Option<Instant>,
}

impl FailureLog {
    const EVERY: Duration = Duration::from_secs(30);

    fn new(what: &'static str) -> FailureLog {
        FailureLog {
            what,
            pending: 0,
            last_error: None,
            logged_at: None,
        }
    }

    fn record(&mut self, error: String) {
        self.pending += 1;
        self.last_error = Some(error);
    }

    /// Logs the failures recorded since the last line, if the last line is old enough.
    fn report(&mut self) {
        let due = self
            .logged_at
            .is_none_or(|t| t.elapsed() >= FailureLog::EVERY);
        if due {
            self.flush();
        }
    }

    /// Logs the failures recorded since the last line, now.
    fn flush(&mut self) {
        if self.pending == 0 {
            return;
        }
        warn!(
            failures = self.pending,
            last_error = self.last_error.as_deref().unwrap_or(""),
            "{}: {} failed since the last report",
            self.what,
            self.pending
        );
        self.pending = 0;
        self.last_error = None;
        self.logged_at = Some(Instant::now());
    }
}

/// An error with its causes, `outer: inner: innermost`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhicheng_model::Kind;

    /// 2026-11-23T10:00:00+08:00.
    const TS: i64 = 1_795_399_200_000;

    fn plausible(kind: &str, metric: &str, v: f64, attrs: &Map<String, Value>) -> bool {
        let total = attrs
            .get("total_spots")
            .and_then(Value::as_f64)
            .unwrap_or(f64::MAX);
        match (kind, metric) {
            ("air_station", "pm25") => (0.0..1000.0).contains(&v),
            ("air_station", "pm10") => (0.0..1500.0).contains(&v),
            ("air_station", "co") => (0.0..20.0).contains(&v),
            ("air_station", "temperature") => (-30.0..45.0).contains(&v),
            ("air_station", "relative_humidity") => (0.0..=100.0).contains(&v),
            ("air_station", _) => (0.0..1000.0).contains(&v),
            ("noise_station", _) => (20.0..140.0).contains(&v),
            ("water_quality_station", "ph") => (5.0..10.0).contains(&v),
            ("water_quality_station", "temperature") => (-1.0..40.0).contains(&v),
            ("water_quality_station", "conductivity") => (50.0..3000.0).contains(&v),
            ("water_quality_station", _) => (0.0..600.0).contains(&v),
            ("streetlight", "power_state") => v == 0.0 || v == 1.0,
            ("streetlight", "illuminance_level") => (0.0..=100.0).contains(&v),
            ("streetlight", "power_w") => {
                let rated = attrs
                    .get("rated_power_w")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                (0.0..=rated * 1.2 + 5.0).contains(&v)
            }
            ("streetlight", "energy_consumed") => (0.0..1e6).contains(&v),
            ("water_meter" | "gas_meter", "flow_rate") => (0.0..5.0).contains(&v),
            ("water_meter" | "gas_meter", _) => (0.0..1e5).contains(&v),
            ("electricity_meter", "active_power") => (0.0..20_000.0).contains(&v),
            ("electricity_meter", "phase_voltage") => (180.0..260.0).contains(&v),
            ("electricity_meter", _) => (0.0..1e6).contains(&v),
            ("parking_lot", _) => (0.0..=total).contains(&v) && v.fract() == 0.0,
            ("scenic_gate", _) => (0.0..10_000.0).contains(&v) && v.fract() == 0.0,
            _ => false,
        }
    }

    fn check_tick(county: &CountySeed, ts: i64) {
        for e in &county.entities {
            let kind: &Kind = county.kind(&e.kind).expect("entity kind is seeded");
            let mut m = DeviceModel::from_entity(e, 42).expect("every seeded kind is simulated");
            let samples = m.tick(ts, Duration::from_secs(60));
            assert_eq!(
                samples.len(),
                kind.metrics.len(),
                "{}: one value per metric",
                e.id
            );
            for s in &samples {
                let def = kind.metric(s.name).unwrap_or_else(|| {
                    panic!("{}: metric {} not declared by {}", e.id, s.name, kind.id)
                });
                assert!(s.value.is_finite(), "{}.{} = {}", e.id, s.name, s.value);
                assert!(
                    plausible(&e.kind, s.name, s.value, &e.attributes),
                    "{}.{} = {} is implausible",
                    e.id,
                    s.name,
                    s.value
                );
                match def.ty {
                    zhicheng_model::ValueType::Integer => assert_eq!(s.value.fract(), 0.0),
                    zhicheng_model::ValueType::Boolean => assert!(s.value == 0.0 || s.value == 1.0),
                    _ => {}
                }
            }
            if e.kind == "parking_lot" {
                let v = |n: &str| samples.iter().find(|s| s.name == n).map(|s| s.value);
                let total = e.attributes["total_spots"].as_f64().unwrap();
                assert_eq!(
                    v("occupied_spots").unwrap() + v("available_spots").unwrap(),
                    total
                );
            }
        }
    }

    #[test]
    fn every_seeded_entity_reports_declared_plausible_metrics() {
        let county = seed::yiyuan();
        // Morning, evening, late night, and a summer weekend noon.
        for ts in [
            TS,
            TS + 10 * 3_600_000,
            TS + 16 * 3_600_000,
            1_784_347_200_000,
        ] {
            check_tick(&county, ts);
        }
    }

    #[test]
    fn every_simulated_kind_is_seeded() {
        let county = seed::yiyuan();
        for k in KINDS {
            assert!(county.kind(k).is_some(), "{k}");
        }
    }

    #[test]
    fn reporting_devices_skip_lamps_without_controller() {
        let county = seed::yiyuan();
        let devices = reporting_devices(&county, |e| format!("t-{}", e.id));
        let uncontrolled = county
            .entities
            .iter()
            .filter(|e| e.attributes.get("controllable") == Some(&Value::Bool(false)))
            .count();
        assert!(uncontrolled > 0);
        assert_eq!(devices.len(), county.entities.len() - uncontrolled);
        assert_eq!(devices[0].token, format!("t-{}", devices[0].entity));
    }

    #[tokio::test]
    async fn configuration_errors_are_reported() {
        let (_tx, rx) = watch::channel(false);
        let device = SimDevice {
            entity: "air-001".into(),
            kind: "air_station".into(),
            token: "t".into(),
        };
        let cfg = |transport, devices, interval| SimConfig {
            transport,
            devices,
            interval,
            seed: 1,
        };
        let http = Transport::Http {
            base_url: "http://127.0.0.1:9".into(),
        };
        let zero = cfg(http.clone(), vec![device.clone()], Duration::ZERO);
        assert!(run(zero, rx.clone()).await.is_err());
        let unknown = SimDevice {
            kind: "teapot".into(),
            ..device.clone()
        };
        let none = cfg(http, vec![unknown], Duration::from_secs(1));
        assert!(run(none, rx.clone()).await.is_err());
        let tls = cfg(
            Transport::Mqtt {
                url: "mqtts://broker:8883".into(),
            },
            vec![device],
            Duration::from_secs(1),
        );
        assert!(run(tls, rx).await.is_err());
    }

    #[tokio::test]
    async fn runs_rounds_until_told_to_stop() {
        let (base, mut received) = http::test_server::spawn().await;
        let (stop, shutdown) = watch::channel(false);
        let county = seed::yiyuan();
        let devices: Vec<SimDevice> = reporting_devices(&county, |_| "good".into())
            .into_iter()
            .take(5)
            .collect();
        let cfg = SimConfig {
            transport: Transport::Http { base_url: base },
            devices,
            interval: Duration::from_millis(20),
            seed: 1,
        };
        let sim = tokio::spawn(run(cfg, shutdown));
        // Two full rounds: the second starts only after the first has finished.
        let mut entities = Vec::new();
        for _ in 0..10 {
            let r = tokio::time::timeout(Duration::from_secs(20), received.recv())
                .await
                .expect("the simulator reports within 20 s")
                .expect("the test server is running");
            entities.push(
                r.body["readings"][0]["entity"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
        }
        stop.send(true).unwrap();
        let stats = tokio::time::timeout(Duration::from_secs(20), sim)
            .await
            .expect("the simulator stops within 20 s")
            .unwrap()
            .unwrap();
        assert!(stats.sent >= 5, "{stats:?}");
        assert_eq!(stats.failed, 0);
        entities.sort();
        entities.dedup();
        assert_eq!(
            entities.len(),
            5,
            "each device reports for itself: {entities:?}"
        );
    }

    #[test]
    fn failure_log_summarises() {
        let mut log = FailureLog::new("test");
        log.record("a".into());
        log.record("b".into());
        log.report();
        assert_eq!(log.pending, 0);
        log.record("c".into());
        log.report(); // within 30 s of the last line: kept for later
        assert_eq!(log.pending, 1);
        log.flush();
        assert_eq!(log.pending, 0);
    }

    #[test]
    fn error_chain_includes_causes() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let outer = anyhow::Error::new(inner).context("connecting");
        let e: &dyn std::error::Error = outer.as_ref();
        assert_eq!(error_chain(e), "connecting: refused");
    }
}
