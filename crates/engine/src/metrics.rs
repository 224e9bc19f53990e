//! Prometheus metrics: one registry, each event counted in one place.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::ingest::Source;

type Labels = Vec<(&'static str, &'static str)>;

/// The engine's metrics. Listeners add their own through [`Metrics::counter`].
pub struct Metrics {
    registry: std::sync::Mutex<Registry>,
    received: Family<Labels, Counter>,
    rejected: Family<Labels, Counter>,
    stored: Family<Labels, Counter>,
    duplicates: Counter,
    write_failures: Counter,
    batch_size: Histogram,
    batch_seconds: Histogram,
    queryable_seconds: Histogram,
    bus_depth: Gauge<i64, std::sync::atomic::AtomicI64>,
    sse_clients: Gauge<i64, std::sync::atomic::AtomicI64>,
    sse_dropped: Counter,
    mqtt_bad: Counter<u64, AtomicU64>,
    import_files_rejected: Family<Labels, Counter>,
    import_rows_refused: Family<Labels, Counter>,
    import_rows_stored: Family<Labels, Counter>,
    rules_readings: Counter,
    alarm_changes: Family<Labels, Counter>,
    alarm_write_failures: Counter,
    alarm_seconds: Histogram,
    rule_state_bytes: Gauge<i64, std::sync::atomic::AtomicI64>,
    webhook_outcomes: Family<Labels, Counter>,
    open311_errors: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with the engine's metrics.
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("zhicheng");
        let m = Metrics {
            registry: std::sync::Mutex::new(Registry::default()),
            received: Family::default(),
            rejected: Family::default(),
            stored: Family::default(),
            duplicates: Counter::default(),
            write_failures: Counter::default(),
            batch_size: Histogram::new(exponential_buckets(1.0, 4.0, 10)),
            batch_seconds: Histogram::new(exponential_buckets(0.0001, 3.0, 12)),
            queryable_seconds: Histogram::new(exponential_buckets(0.0001, 3.0, 12)),
            bus_depth: Gauge::default(),
            sse_clients: Gauge::default(),
            sse_dropped: Counter::default(),
            mqtt_bad: Counter::default(),
            import_files_rejected: Family::default(),
            import_rows_refused: Family::default(),
            import_rows_stored: Family::default(),
            rules_readings: Counter::default(),
            alarm_changes: Family::default(),
            alarm_write_failures: Counter::default(),
            alarm_seconds: Histogram::new(exponential_buckets(0.0001, 3.0, 12)),
            rule_state_bytes: Gauge::default(),
            webhook_outcomes: Family::default(),
            open311_errors: Counter::default(),
        };
        r.register(
            "readings_received",
            "Readings received, per gateway",
            m.received.clone(),
        );
        r.register(
            "readings_rejected",
            "Readings refused, per gateway and reason",
            m.rejected.clone(),
        );
        r.register(
            "readings_stored",
            "Readings durably stored, per gateway",
            m.stored.clone(),
        );
        r.register(
            "readings_duplicate",
            "Stored readings that were replays (already in history)",
            m.duplicates.clone(),
        );
        r.register(
            "write_failures",
            "Batch writes the store refused",
            m.write_failures.clone(),
        );
        r.register(
            "write_batch_points",
            "Points per history write batch",
            m.batch_size.clone(),
        );
        r.register(
            "write_batch_seconds",
            "Time to write one history batch",
            m.batch_seconds.clone(),
        );
        r.register(
            "reading_queryable_seconds",
            "From receipt to durable and queryable",
            m.queryable_seconds.clone(),
        );
        r.register(
            "bus_depth",
            "Jobs waiting in the ingest bus",
            m.bus_depth.clone(),
        );
        r.register(
            "stream_clients",
            "Connected live-stream clients",
            m.sse_clients.clone(),
        );
        r.register(
            "stream_dropped",
            "Live-stream clients dropped for falling behind",
            m.sse_dropped.clone(),
        );
        r.register(
            "mqtt_bad_messages",
            "MQTT messages that could not be parsed",
            m.mqtt_bad.clone(),
        );
        r.register(
            "import_files_rejected",
            "Uploaded import files refused whole, per target and reason",
            m.import_files_rejected.clone(),
        );
        r.register(
            "import_rows_refused",
            "Rows refused by imports that stored their good rows, per target and reason",
            m.import_rows_refused.clone(),
        );
        r.register(
            "import_rows_stored",
            "Rows stored by imports, per target",
            m.import_rows_stored.clone(),
        );
        r.register(
            "rules_readings",
            "Readings evaluated by the rules",
            m.rules_readings.clone(),
        );
        r.register(
            "alarm_changes",
            "Alarm changes written, per change and severity",
            m.alarm_changes.clone(),
        );
        r.register(
            "alarm_write_failures",
            "Alarm writes the store refused (retried)",
            m.alarm_write_failures.clone(),
        );
        r.register(
            "alarm_seconds",
            "From a reading's receipt to its alarm change published (batches that changed alarms)",
            m.alarm_seconds.clone(),
        );
        r.register(
            "rule_state_bytes",
            "Size of the last saved rules' state snapshot",
            m.rule_state_bytes.clone(),
        );
        r.register(
            "webhook_outcomes",
            "Final outcomes of webhook deliveries, per outcome",
            m.webhook_outcomes.clone(),
        );
        r.register(
            "open311_errors",
            "Open311 requests answered with an error",
            m.open311_errors.clone(),
        );
        *m.registry.lock().unwrap_or_else(|p| p.into_inner()) = r;
        m
    }

    pub(crate) fn received(&self, s: Source, n: usize) {
        self.received
            .get_or_create(&vec![("gateway", s.as_str())])
            .inc_by(n as u64);
    }

    pub(crate) fn rejected(&self, s: Source, reason: &'static str) {
        self.rejected
            .get_or_create(&vec![("gateway", s.as_str()), ("reason", reason)])
            .inc();
    }

    /// Readings stored so far through gateway `s` (for benchmarks and tests).
    pub fn stored_total(&self, s: Source) -> u64 {
        self.stored
            .get_or_create(&vec![("gateway", s.as_str())])
            .get()
    }

    pub(crate) fn stored(&self, s: Source, n: usize) {
        self.stored
            .get_or_create(&vec![("gateway", s.as_str())])
            .inc_by(n as u64);
    }

    pub(crate) fn batch_written(&self, points: usize, took: Duration, duplicates: u64) {
        self.batch_size.observe(points as f64);
        self.batch_seconds.observe(took.as_secs_f64());
        self.duplicates.inc_by(duplicates);
    }

    pub(crate) fn queryable_after(&self, d: Duration) {
        self.queryable_seconds.observe(d.as_secs_f64());
    }

    pub(crate) fn write_failed(&self) {
        self.write_failures.inc();
    }

    /// A live-stream client connected (+1) or left (−1).
    pub fn stream_clients(&self, delta: i64) {
        self.sse_clients.inc_by(delta);
    }

    /// A live-stream client was dropped for being slow.
    pub fn stream_dropped(&self) {
        self.sse_dropped.inc();
    }

    /// An Open311 request was answered with an error.
    pub fn open311_error(&self) {
        self.open311_errors.inc();
    }

    /// An MQTT message could not be parsed.
    pub fn mqtt_bad_message(&self) {
        self.mqtt_bad.inc();
    }

    pub(crate) fn import_file_rejected(&self, target: &'static str, reason: &'static str) {
        self.import_files_rejected
            .get_or_create(&vec![("target", target), ("reason", reason)])
            .inc();
    }

    pub(crate) fn import_row_refused(&self, target: &'static str, reason: &'static str) {
        self.import_rows_refused
            .get_or_create(&vec![("target", target), ("reason", reason)])
            .inc();
    }

    pub(crate) fn import_rows_stored(&self, target: &'static str, n: usize) {
        self.import_rows_stored
            .get_or_create(&vec![("target", target)])
            .inc_by(n as u64);
    }

    pub(crate) fn rules_evaluated(&self, n: usize) {
        self.rules_readings.inc_by(n as u64);
    }

    pub(crate) fn alarm_change(&self, change: &'static str, severity: &str) {
        let severity = match severity {
            "critical" => "critical",
            "major" => "major",
            "minor" => "minor",
            _ => "warning",
        };
        self.alarm_changes
            .get_or_create(&vec![("change", change), ("severity", severity)])
            .inc();
    }

    pub(crate) fn alarm_write_failed(&self) {
        self.alarm_write_failures.inc();
    }

    pub(crate) fn alarm_latency(&self, d: Duration) {
        self.alarm_seconds.observe(d.as_secs_f64());
    }

    pub(crate) fn webhook_outcome(&self, outcome: &'static str) {
        self.webhook_outcomes
            .get_or_create(&vec![("outcome", outcome)])
            .inc();
    }

    pub(crate) fn rule_state_saved(&self, bytes: usize) {
        self.rule_state_bytes.set(bytes as i64);
    }

    /// Renders the registry in the Prometheus text format, with the bus depth sampled now.
    pub fn render(&self, bus_depth: usize) -> String {
        self.bus_depth.set(bus_depth as i64);
        let mut out = String::new();
        let r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        if encode(&mut out, &r).is_err() {
            out.clear();
        }
        out
    }
}
