//! Configuration of the `zhicheng` binary: one TOML file, overridable by `ZHICHENG_…` environment
//! variables, with secrets optionally read from files.
//!
//! Every key has a default, so an empty file is a valid configuration. The doc comments on the
//! fields below are the reference; `config/zhicheng.example.toml` (see [`example`]) repeats them
//! with every key set to its default.
//!
//! ```ignore
//! let cfg = Config::load(Path::new("zhicheng.toml"), std::env::vars())?;
//! let url = cfg.database_url()?;
//! ```
//!
//! Environment overrides: `ZHICHENG_<KEY>` for top-level keys (`ZHICHENG_DATA_DIR`) and
//! `ZHICHENG_<SECTION>__<KEY>` — double underscore — for section keys
//! (`ZHICHENG_SERVER__LISTEN`, `ZHICHENG_INGEST__BATCH_MAX_POINTS`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The annotated example configuration; parses to exactly [`Config::default`].
pub fn example() -> &'static str {
    include_str!("../../../config/zhicheng.example.toml")
}

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory holding the SQLite database and other files. Default `./data`.
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://path.db`, `postgres://user@host/db` or `postgresql://…`.
    /// Unset or empty: `sqlite://<data_dir>/zhicheng.db`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// File whose trimmed content is the database URL (a secret); excludes `database_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url_file: Option<PathBuf>,
    /// HTTP server.
    pub server: ServerConfig,
    /// Users and sessions.
    pub auth: AuthConfig,
    /// The ingest bus shared by every gateway.
    pub ingest: IngestConfig,
    /// MQTT telemetry gateway.
    pub mqtt: MqttConfig,
    /// Raw reading history.
    pub history: HistoryConfig,
    /// The web UI's base map.
    pub map: MapConfig,
    /// The DB37/T 3890 scorecard.
    pub scorecard: ScorecardConfig,
    /// Early-warning rules.
    pub rules: RulesConfig,
    /// Cases (work orders).
    pub cases: CasesConfig,
    /// The Open311 GeoReport v2 endpoint.
    pub open311: Open311Config,
    /// Logging.
    pub log: LogConfig,
}

/// `[server]`: the HTTP API and dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Socket address to listen on (`IP:port`). Default `127.0.0.1:8080`.
    pub listen: String,
    /// URL users reach the server at, behind a proxy (`https://city.example`). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Largest accepted request body in bytes. Default 64 MiB.
    pub max_body_bytes: usize,
    /// Seconds in-flight requests get to finish on shutdown. Default 10.
    pub shutdown_grace_seconds: u64,
}

/// `[auth]`: users and sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Session lifetime in hours, 1..=720. Default 12.
    pub session_ttl_hours: u64,
    /// Mark the session cookie `Secure` (set when served over HTTPS). Default false.
    pub cookie_secure: bool,
    /// Password of the `admin` user created when the store has no users. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_admin_password: Option<String>,
    /// File whose trimmed content is `initial_admin_password`; excludes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_admin_password_file: Option<PathBuf>,
}

/// `[ingest]`: the bounded bus between gateways and the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Batches the bus holds before gateways wait (backpressure), ≥ 1. Default 256.
    pub bus_capacity: usize,
    /// Readings per batch before it is sent, ≥ 1. Default 50 000.
    pub batch_max_points: usize,
    /// Milliseconds a partial batch waits before it is sent. Default 5.
    pub batch_max_wait_ms: u64,
    /// Readings timestamped further than this many seconds in the future are rejected. Default 300.
    pub max_future_seconds: u64,
    /// Most readings accepted in one HTTP request, ≥ 1. Default 1 000 000.
    pub max_readings_per_request: usize,
    /// An active entity silent this many seconds is shown offline, ≥ 1. Default 900.
    pub offline_after_seconds: u64,
}

/// `[mqtt]`: the MQTT telemetry gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MqttConfig {
    /// Broker URL, `mqtt://host:1883?client_id=zhicheng` or `tcp://…`; `&connections=N` opens N
    /// sessions on the shared subscription `$share/zhicheng/{topic}` for more throughput.
    /// Default: none (no gateway).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Topic filter to subscribe to. Default `city/+/telemetry`.
    pub topic: String,
    /// Broker user name. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Broker password. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// File whose trimmed content is `password`; excludes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

/// `[history]`: retention and compaction of raw readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Days raw readings are kept when their kind sets no retention, ≥ 1. Default 180.
    pub raw_retention_days: u32,
    /// Seconds between compaction passes, ≥ 1. Default 5.
    pub compact_interval_seconds: u64,
    /// Seconds between retention (deletion) passes, ≥ 1. Default 3600.
    pub retention_interval_seconds: u64,
}

/// `[scorecard]`: the DB37/T 3890 scorecard and the pilot's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorecardConfig {
    /// Date of the mid-term check, `YYYY-MM-DD`; empty: none. Default `2021-10-31` (the
    /// Yishui task book: "2021 年 10 月底前开展中期考核").
    pub midterm_date: String,
    /// Date of the final acceptance, `YYYY-MM-DD`; empty: none. Default `2022-10-31`.
    pub final_date: String,
    /// The key-task pack the task board shows when a request names none: `yiyuan` (the 21
    /// key works of the Yiyuan plan) or `yishui` (the Yishui task book). Both are served
    /// (`?pack=`). Default `yiyuan`.
    pub task_pack: zhicheng_engine::tasks::TaskPackKey,
}

/// `[rules]`: early-warning rules evaluated in the ingest stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Directory of rule files (`*.json`: one rule or an array), loaded at start; a file's
    /// rule is stored when its version is higher than the stored one. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Milliseconds between evaluations of time alone (offline rules, case windows), ≥ 10.
    /// Default 5000.
    pub tick_ms: u64,
    /// Seconds between saves of the evaluator's state, ≥ 1. Default 30.
    pub snapshot_interval_seconds: u64,
    /// At start, readings stored from this many seconds before the saved state's clock are
    /// evaluated again (late readings). Default 600.
    pub replay_lateness_seconds: u64,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            dir: None,
            tick_ms: 5000,
            snapshot_interval_seconds: 30,
            replay_lateness_seconds: 600,
        }
    }
}

/// `[cases]`: cases (work orders) of the digital urban-management flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CasesConfig {
    /// A category tree (JSON) replacing the built-in one. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories_file: Option<PathBuf>,
    /// Time limits by urgency and category (JSON) replacing the built-in ones. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits_file: Option<PathBuf>,
    /// The routing table (JSON `{command_center, entries: [{category, grid?, region_prefix?,
    /// department, level}]}`). Default: none (every dispatch names its department).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_file: Option<PathBuf>,
    /// Seconds between looks for overdue cases, ≥ 1. Default 30.
    pub timer_interval_seconds: u64,
    /// Duplicate suggestions: same category within this many metres… Default 100.
    pub duplicate_radius_m: u32,
    /// …and this many hours. Default 24.
    pub duplicate_window_hours: u64,
    /// Let an admin move the case clock (`POST /api/v1/admin/clock`). Test deployments only.
    /// Default false.
    pub test_clock: bool,
}

impl Default for CasesConfig {
    fn default() -> Self {
        CasesConfig {
            categories_file: None,
            limits_file: None,
            routing_file: None,
            timer_interval_seconds: 30,
            duplicate_radius_m: 100,
            duplicate_window_hours: 24,
            test_clock: false,
        }
    }
}

/// `[open311]`: the Open311 GeoReport v2 endpoint at `/open311/v2/` (citizens' apps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Open311Config {
    /// File of the submitting clients' API keys, one `client-name key` per line (a secret).
    /// Default: none (reading works, submitting is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_keys_file: Option<PathBuf>,
}

/// `[map]`: the base map under the UI's vector layers. Without `tile_url` the maps draw only
/// the county's own data (boundaries, grids, entities), which works with no network at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapConfig {
    /// XYZ tile URL template with `{z}`, `{x}`, `{y}` (and `{s}` for subdomains): Tianditu, or
    /// an intranet tile server. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tile_url: Option<String>,
    /// Letters or digits substituted for `{s}`. Default `abc`.
    pub tile_subdomains: String,
    /// Attribution shown on the map (审图号 and the source). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tile_attribution: Option<String>,
    /// Highest zoom the tile source serves, 1..=22. Default 18.
    pub tile_max_zoom: u8,
    /// Coordinates of the tiles: `wgs84` (Tianditu/CGCS2000, OpenStreetMap) or `gcj02`
    /// (AMap, Tencent). Default `wgs84`.
    pub tile_datum: TileDatum,
}

/// Datum of a tile source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TileDatum {
    /// WGS84 / CGCS2000.
    #[default]
    Wgs84,
    /// GCJ-02.
    Gcj02,
}

/// `[log]`: logging to standard error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors. Default `text`.
    pub format: LogFormat,
    /// `tracing` filter directives (`info`, `zhicheng_engine=debug,info`). Default `info`.
    pub filter: String,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_url_file: None,
            server: ServerConfig::default(),
            auth: AuthConfig::default(),
            ingest: IngestConfig::default(),
            mqtt: MqttConfig::default(),
            history: HistoryConfig::default(),
            map: MapConfig::default(),
            scorecard: ScorecardConfig::default(),
            rules: RulesConfig::default(),
            cases: CasesConfig::default(),
            open311: Open311Config::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for ScorecardConfig {
    fn default() -> Self {
        ScorecardConfig {
            midterm_date: "2021-10-31".into(),
            final_date: "2022-10-31".into(),
            task_pack: zhicheng_engine::tasks::TaskPackKey::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            max_body_bytes: 64 * 1024 * 1024,
            shutdown_grace_seconds: 10,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl_hours: 12,
            cookie_secure: false,
            initial_admin_password: None,
            initial_admin_password_file: None,
        }
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            bus_capacity: 256,
            batch_max_points: 50_000,
            batch_max_wait_ms: 5,
            max_future_seconds: 300,
            max_readings_per_request: 1_000_000,
            offline_after_seconds: 900,
        }
    }
}

impl Default for MqttConfig {
    fn default() -> Self {
        MqttConfig {
            url: None,
            topic: "city/+/telemetry".into(),
            username: None,
            password: None,
            password_file: None,
        }
    }
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            raw_retention_days: 180,
            compact_interval_seconds: 5,
            retention_interval_seconds: 3600,
        }
    }
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            tile_url: None,
            tile_subdomains: "abc".into(),
            tile_attribution: None,
            tile_max_zoom: 18,
            tile_datum: TileDatum::Wgs84,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            filter: "info".into(),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug)]
pub enum ConfigError {
    /// The configuration file or a `*_file` secret could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema; `line` and `column` are 1-based
    /// (0 when unknown), `key` is the dotted key at fault when known.
    Parse {
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    /// A `ZHICHENG_…` environment variable names no key or holds a bad value.
    Env { var: String, message: String },
    /// A value is out of range or malformed (from [`Config::validate`]).
    Invalid { key: String, message: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::Parse {
                line: 0, message, ..
            } => f.write_str(message),
            ConfigError::Parse {
                line,
                column,
                message,
                ..
            } => write!(f, "line {line}, column {column}: {message}"),
            ConfigError::Env { var, message } => write!(f, "environment variable {var}: {message}"),
            ConfigError::Invalid { key, message } => write!(f, "invalid \"{key}\": {message}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl ConfigError {
    /// The error as a user reads it, located in `file_name`:
    /// `config.toml:7:1: unknown key "server.lisen" (expected one of: listen, public_url, …)`.
    pub fn render(&self, file_name: &str) -> String {
        match self {
            ConfigError::Parse {
                line,
                column,
                message,
                ..
            } if *line > 0 => format!("{file_name}:{line}:{column}: {message}"),
            ConfigError::Parse { message, .. } => format!("{file_name}: {message}"),
            ConfigError::Invalid { .. } => format!("{file_name}: {self}"),
            _ => self.to_string(),
        }
    }
}

/// Environment variables starting with `ZHICHENG_` that belong to something else.
pub const IGNORED_ENV: &[&str] = &[
    "ZHICHENG_ADMIN_PASSWORD",
    "ZHICHENG_CONFIG",
    "ZHICHENG_UI_DIR",
    // The Open311 client tests' interpreter and its packages.
    "ZHICHENG_PYTHON",
    "ZHICHENG_OPEN311_CLIENT_PYTHONPATH",
];
/// Prefixes of environment variables used by tests and benchmarks, not configuration.
pub const IGNORED_ENV_PREFIXES: &[&str] = &["ZHICHENG_TEST_", "ZHICHENG_BENCH_"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Bool,
}

/// Every scalar key as (section, key, kind); "" is the top level. Tests check it against `Config`.
const KEYS: &[(&str, &str, Kind)] = &[
    ("", "data_dir", Kind::Str),
    ("", "database_url", Kind::Str),
    ("", "database_url_file", Kind::Str),
    ("server", "listen", Kind::Str),
    ("server", "public_url", Kind::Str),
    ("server", "max_body_bytes", Kind::Int),
    ("server", "shutdown_grace_seconds", Kind::Int),
    ("auth", "session_ttl_hours", Kind::Int),
    ("auth", "cookie_secure", Kind::Bool),
    ("auth", "initial_admin_password", Kind::Str),
    ("auth", "initial_admin_password_file", Kind::Str),
    ("ingest", "bus_capacity", Kind::Int),
    ("ingest", "batch_max_points", Kind::Int),
    ("ingest", "batch_max_wait_ms", Kind::Int),
    ("ingest", "max_future_seconds", Kind::Int),
    ("ingest", "max_readings_per_request", Kind::Int),
    ("ingest", "offline_after_seconds", Kind::Int),
    ("mqtt", "url", Kind::Str),
    ("mqtt", "topic", Kind::Str),
    ("mqtt", "username", Kind::Str),
    ("mqtt", "password", Kind::Str),
    ("mqtt", "password_file", Kind::Str),
    ("history", "raw_retention_days", Kind::Int),
    ("history", "compact_interval_seconds", Kind::Int),
    ("history", "retention_interval_seconds", Kind::Int),
    ("map", "tile_url", Kind::Str),
    ("map", "tile_subdomains", Kind::Str),
    ("map", "tile_attribution", Kind::Str),
    ("map", "tile_max_zoom", Kind::Int),
    ("map", "tile_datum", Kind::Str),
    ("scorecard", "midterm_date", Kind::Str),
    ("scorecard", "final_date", Kind::Str),
    ("scorecard", "task_pack", Kind::Str),
    ("rules", "dir", Kind::Str),
    ("rules", "tick_ms", Kind::Int),
    ("rules", "snapshot_interval_seconds", Kind::Int),
    ("rules", "replay_lateness_seconds", Kind::Int),
    ("cases", "categories_file", Kind::Str),
    ("cases", "limits_file", Kind::Str),
    ("cases", "routing_file", Kind::Str),
    ("cases", "timer_interval_seconds", Kind::Int),
    ("cases", "duplicate_radius_m", Kind::Int),
    ("cases", "duplicate_window_hours", Kind::Int),
    ("cases", "test_clock", Kind::Bool),
    ("open311", "api_keys_file", Kind::Str),
    ("log", "format", Kind::Str),
    ("log", "filter", Kind::Str),
];

impl Config {
    /// Parses and validates a configuration file's text (no environment overrides).
    #[cfg_attr(not(test), allow(dead_code))] // the binary always loads a file with the environment
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let cfg = parse_text(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads `path`, applies the `ZHICHENG_…` variables among `env` (pass `std::env::vars()`),
    /// and validates the result.
    pub fn load(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        // Parse the text alone first so that file errors carry their line and column.
        parse_text(&text)?;
        let mut table: toml::Table = text.parse().map_err(|e| parse_error(&text, &e))?;
        let mut env: Vec<(String, String)> = env.into_iter().collect();
        env.sort(); // deterministic: the first bad variable in name order is reported
        for (var, raw) in &env {
            let Some((section, key, value)) = env_override(var, raw)? else {
                continue;
            };
            let target = if section.is_empty() {
                &mut table
            } else {
                let entry = table
                    .entry(section)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                match entry {
                    toml::Value::Table(t) => t,
                    // The file already failed to parse in that case; unreachable in practice.
                    _ => return Err(env_error(var, format!("[{section}] is not a table"))),
                }
            };
            target.insert(key.to_owned(), value);
        }
        let cfg =
            Config::deserialize(toml::Value::Table(table)).map_err(|e| ConfigError::Parse {
                line: 0,
                column: 0,
                key: None,
                message: e.message().to_owned(),
            })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks ranges and formats; reports the first bad key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: String| {
            Err(ConfigError::Invalid {
                key: key.into(),
                message,
            })
        };
        if self.data_dir.as_os_str().is_empty() {
            return bad("data_dir", "must not be empty".into());
        }
        if let Some(url) = self.database_url.as_deref().filter(|u| !u.is_empty()) {
            check_database_url("database_url", url)?;
            if self.database_url_file.is_some() {
                return bad(
                    "database_url",
                    "set either database_url or database_url_file, not both".into(),
                );
            }
        }
        let s = &self.server;
        if let Err(e) = s.listen.parse::<SocketAddr>() {
            return bad(
                "server.listen",
                format!("{:?} is not an IP:port address ({e})", s.listen),
            );
        }
        if let Some(u) = &s.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return bad(
                    "server.public_url",
                    format!("{u:?} must start with http:// or https://"),
                );
            }
        }
        if s.max_body_bytes == 0 {
            return bad("server.max_body_bytes", "must be at least 1".into());
        }
        let a = &self.auth;
        if !(1..=720).contains(&a.session_ttl_hours) {
            return bad(
                "auth.session_ttl_hours",
                format!("{} is outside 1..=720", a.session_ttl_hours),
            );
        }
        if a.initial_admin_password.as_deref() == Some("") {
            return bad("auth.initial_admin_password", "must not be empty".into());
        }
        if a.initial_admin_password.is_some() && a.initial_admin_password_file.is_some() {
            return bad(
                "auth.initial_admin_password",
                "set either initial_admin_password or initial_admin_password_file, not both".into(),
            );
        }
        let i = &self.ingest;
        for (key, v) in [
            ("ingest.bus_capacity", i.bus_capacity),
            ("ingest.batch_max_points", i.batch_max_points),
            (
                "ingest.max_readings_per_request",
                i.max_readings_per_request,
            ),
            (
                "ingest.offline_after_seconds",
                usize::try_from(i.offline_after_seconds).unwrap_or(usize::MAX),
            ),
        ] {
            if v == 0 {
                return bad(key, "must be at least 1".into());
            }
        }
        let m = &self.mqtt;
        if let Some(u) = &m.url {
            if !(u.starts_with("mqtt://") || u.starts_with("tcp://")) {
                return bad(
                    "mqtt.url",
                    format!("{u:?} must start with mqtt:// or tcp://"),
                );
            }
        }
        if m.topic.is_empty() {
            return bad("mqtt.topic", "must not be empty".into());
        }
        if m.password.is_some() && m.password_file.is_some() {
            return bad(
                "mqtt.password",
                "set either password or password_file, not both".into(),
            );
        }
        for (key, d) in [
            ("scorecard.midterm_date", &self.scorecard.midterm_date),
            ("scorecard.final_date", &self.scorecard.final_date),
        ] {
            if !d.is_empty() && !zhicheng_engine::trend::valid_date(d) {
                return bad(key, format!("{d:?} is not a date YYYY-MM-DD"));
            }
        }
        if self.rules.tick_ms < 10 {
            return bad("rules.tick_ms", "must be at least 10".into());
        }
        if self.rules.snapshot_interval_seconds == 0 {
            return bad(
                "rules.snapshot_interval_seconds",
                "must be at least 1".into(),
            );
        }
        if self.cases.timer_interval_seconds == 0 {
            return bad("cases.timer_interval_seconds", "must be at least 1".into());
        }
        if self.cases.duplicate_radius_m == 0 {
            return bad("cases.duplicate_radius_m", "must be at least 1".into());
        }
        let mp = &self.map;
        if let Some(u) = &mp.tile_url {
            if !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with('/')) {
                return bad(
                    "map.tile_url",
                    format!("{u:?} must start with http://, https:// or / (same server)"),
                );
            }
            if let Some(missing) = ["{z}", "{x}", "{y}"].into_iter().find(|p| !u.contains(p)) {
                return bad(
                    "map.tile_url",
                    format!("{u:?} lacks {missing}; an XYZ template has {{z}}, {{x}} and {{y}}"),
                );
            }
            if u.contains("{s}") && mp.tile_subdomains.is_empty() {
                return bad(
                    "map.tile_subdomains",
                    "must not be empty when tile_url has {s}".into(),
                );
            }
        }
        if !(1..=22).contains(&mp.tile_max_zoom) {
            return bad(
                "map.tile_max_zoom",
                format!("{} is outside 1..=22", mp.tile_max_zoom),
            );
        }
        let h = &self.history;
        for (key, v) in [
            (
                "history.raw_retention_days",
                u64::from(h.raw_retention_days),
            ),
            (
                "history.compact_interval_seconds",
                h.compact_interval_seconds,
            ),
            (
                "history.retention_interval_seconds",
                h.retention_interval_seconds,
            ),
        ] {
            if v == 0 {
                return bad(key, "must be at least 1".into());
            }
        }
        Ok(())
    }

    /// The database URL: `database_url_file`'s trimmed content, else `database_url`, else
    /// `sqlite://<data_dir>/zhicheng.db`.
    pub fn database_url(&self) -> Result<String, ConfigError> {
        let inline = self.database_url.clone().filter(|u| !u.is_empty());
        let url = match (inline, &self.database_url_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    key: "database_url".into(),
                    message: "set either database_url or database_url_file, not both".into(),
                })
            }
            (None, Some(path)) => {
                let url = read_secret(path)?;
                check_database_url("database_url_file", &url)?;
                url
            }
            (Some(url), None) => url,
            (None, None) => format!("sqlite://{}", self.data_dir.join("zhicheng.db").display()),
        };
        Ok(url)
    }
}

impl AuthConfig {
    /// `initial_admin_password_file`'s trimmed content, else `initial_admin_password`.
    pub fn initial_admin_password(&self) -> Result<Option<String>, ConfigError> {
        match &self.initial_admin_password_file {
            Some(path) => read_secret(path).map(Some),
            None => Ok(self.initial_admin_password.clone()),
        }
    }
}

impl MqttConfig {
    /// `password_file`'s trimmed content, else `password`.
    pub fn password(&self) -> Result<Option<String>, ConfigError> {
        match &self.password_file {
            Some(path) => read_secret(path).map(Some),
            None => Ok(self.password.clone()),
        }
    }
}

fn read_secret(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })
}

fn check_database_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if ["sqlite:", "postgres:", "postgresql:"]
        .iter()
        .any(|s| url.starts_with(s))
    {
        Ok(())
    } else {
        // Never echo the URL: it may hold a password.
        Err(ConfigError::Invalid {
            key: key.into(),
            message: "must start with sqlite:, postgres: or postgresql:".into(),
        })
    }
}

fn parse_text(text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|e| parse_error(text, &e))
}

fn env_error(var: &str, message: String) -> ConfigError {
    ConfigError::Env {
        var: var.into(),
        message,
    }
}

/// The key and value an environment variable sets; `None` for variables that are not ours.
fn env_override(
    var: &str,
    raw: &str,
) -> Result<Option<(&'static str, &'static str, toml::Value)>, ConfigError> {
    let Some(rest) = var.strip_prefix("ZHICHENG_") else {
        return Ok(None);
    };
    if IGNORED_ENV.contains(&var) || IGNORED_ENV_PREFIXES.iter().any(|p| var.starts_with(p)) {
        return Ok(None);
    }
    let rest = rest.to_ascii_lowercase();
    let (section, key) = rest.split_once("__").unwrap_or(("", &rest));
    let Some(&(section, key, kind)) = KEYS.iter().find(|(s, k, _)| *s == section && *k == key)
    else {
        let dotted = if section.is_empty() {
            key.to_owned()
        } else {
            format!("{section}.{key}")
        };
        let mut msg = format!("no configuration key \"{dotted}\"");
        if let Some(s) = KEYS
            .iter()
            .map(|k| k.0)
            .find(|s| !s.is_empty() && key.starts_with(&format!("{s}_")))
        {
            if section.is_empty() {
                msg.push_str(&format!(
                    " (section keys take a double underscore: ZHICHENG_{}__{})",
                    s.to_ascii_uppercase(),
                    key[s.len() + 1..].to_ascii_uppercase()
                ));
                return Err(env_error(var, msg));
            }
        }
        let names: Vec<&str> = KEYS
            .iter()
            .filter(|k| k.0 == section)
            .map(|k| k.1)
            .collect();
        if section.is_empty() {
            msg.push_str(&format!(
                " (top-level keys: {}; section keys: ZHICHENG_<SECTION>__<KEY>)",
                names.join(", ")
            ));
        } else if !names.is_empty() {
            msg.push_str(&format!(" (expected one of: {})", names.join(", ")));
        }
        return Err(env_error(var, msg));
    };
    let value = match kind {
        Kind::Str => toml::Value::String(raw.to_owned()),
        Kind::Int | Kind::Bool => {
            let parsed = format!("v = {}", raw.trim())
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"));
            match (kind, parsed) {
                (Kind::Int, Some(v @ toml::Value::Integer(_)))
                | (Kind::Bool, Some(v @ toml::Value::Boolean(_))) => v,
                _ => {
                    let want = if kind == Kind::Int {
                        "an integer"
                    } else {
                        "true or false"
                    };
                    return Err(env_error(var, format!("expected {want}, got {raw:?}")));
                }
            }
        }
    };
    // Check the value alone against the schema (range, enum variants) to blame this variable.
    let mut probe = toml::Table::new();
    probe.insert(key.into(), value.clone());
    if !section.is_empty() {
        probe = toml::Table::from_iter([(section.to_owned(), toml::Value::Table(probe))]);
    }
    if let Err(e) = Config::deserialize(toml::Value::Table(probe)) {
        return Err(env_error(var, e.message().to_owned()));
    }
    Ok(Some((section, key, value)))
}

/// Turns a TOML error into a located [`ConfigError::Parse`] with the dotted key at fault.
fn parse_error(text: &str, err: &toml::de::Error) -> ConfigError {
    // Syntax errors span several lines ("invalid string\nexpected `\"`"); keep one line.
    let raw = err.message().trim_end().replace('\n', "; ");
    let raw = raw.as_str();
    let Some(span) = err.span() else {
        return ConfigError::Parse {
            line: 0,
            column: 0,
            key: None,
            message: raw.to_owned(),
        };
    };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let section = section_at(text, line_start, line_text);
    let join = |k: &str| {
        if section.is_empty() {
            k.to_owned()
        } else {
            format!("{section}.{k}")
        }
    };
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        // serde: "unknown field `foo`, expected one of `a`, `b`" (or "expected `a`").
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let key = join(name);
        let mut message = format!("unknown key \"{key}\"");
        if !expected.is_empty() {
            message.push_str(&format!(" (expected one of: {})", expected.join(", ")));
        }
        return ConfigError::Parse {
            line,
            column,
            key: Some(key),
            message,
        };
    }
    // Type and value errors point at the value: the key is what precedes `=` on that line.
    let key = match line_text.split_once('=') {
        Some((k, _))
            if start - line_start > k.len() && !line_text.trim_start().starts_with('[') =>
        {
            let k = k.trim().trim_matches('"');
            Some(join(k))
        }
        _ => None,
    };
    let message = match &key {
        Some(k) => format!("{k}: {raw}"),
        None => raw.to_owned(),
    };
    ConfigError::Parse {
        line,
        column,
        key,
        message,
    }
}

/// The table the line at `line_start` belongs to: the nearest `[header]` above it, or, for a
/// header line itself, its parent.
fn section_at(text: &str, line_start: usize, line_text: &str) -> String {
    let header = |l: &str| {
        let l = l.trim();
        l.starts_with('[').then(|| {
            let inner = l.trim_start_matches('[');
            let inner = inner.split(']').next().unwrap_or("");
            inner.trim().to_owned()
        })
    };
    if let Some(h) = header(line_text) {
        return h
            .rsplit_once('.')
            .map_or(String::new(), |(p, _)| p.trim().to_owned());
    }
    text[..line_start]
        .lines()
        .rev()
        .find_map(header)
        .unwrap_or_default()
}
