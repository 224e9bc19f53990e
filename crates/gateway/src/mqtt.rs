//! The MQTT gateway: a client of the broker at `mqtt.url`, subscribed (QoS 1) to
//! `city/{entity}/telemetry`, payload `{"ts": …, "values": {"pm25": 35.2, "pm10": 60}}`.
//!
//! - **Acknowledgement follows durability.** Acks are manual: a PUBLISH is PUBACKed only after
//!   [`Engine::ingest`] has stored its readings. Readings the engine refuses (unknown entity or
//!   metric, wrong type) and messages that cannot be parsed are acknowledged too — a
//!   redelivery would not make them valid — and counted (`zhicheng_readings_rejected_total`,
//!   `zhicheng_mqtt_bad_messages_total`). If the store fails the message is left
//!   unacknowledged and the gateway reconnects after a pause, so the broker redelivers it.
//! - **A persistent session.** `clean_session = false` with a stable client id
//!   (`zhicheng-<hostname>` unless the URL says `?client_id=`): messages published while the
//!   gateway is away are kept by the broker and delivered when it returns.
//! - **It never dies.** Connection errors are logged and retried with back-off (0.5 s doubling
//!   to 10 s); the subscription is renewed on every CONNACK. Only a malformed URL or topic
//!   filter stops [`run`], and only at start.
//! - **Several connections.** `?connections=N` (N > 1) opens N client sessions (`ID-0` …
//!   `ID-{N-1}`) on the shared subscription `$share/zhicheng/{topic}`, among which the broker
//!   spreads the messages. Why: the broker lets each session have only a few messages
//!   unacknowledged (Mosquitto: `max_inflight_messages`, 20), and a PUBACK waits for the commit,
//!   so one session carries about that many messages per commit. Every node of a deployment
//!   joins the same group, so the nodes share the load too.
//!   The broker keeps queueing messages for a member session that is offline, so when a node
//!   is retired or `connections` changed, remove its sessions with [`forget_sessions`].
//! - **Backpressure.** At most [`IN_FLIGHT`] messages are being stored at once; beyond that the
//!   event loop stops reading, so a slow store slows the broker instead of queueing without
//!   bound in this process.
//!
//! Acks may leave in a different order from the messages (each is sent once its own readings
//! are durable); brokers in use (Mosquitto, EMQX) accept that.
//!
//! Incoming packets above 4 MiB break the connection (and the broker would redeliver them
//! forever): keep the broker's `message_size_limit` below that.
//!
//! ```no_run
//! # async fn demo(engine: zhicheng_engine::Engine) {
//! let (stop, stopped) = tokio::sync::watch::channel(false);
//! let cfg = zhicheng_gateway::mqtt::MqttConfig {
//!     url: "mqtt://127.0.0.1:1883?client_id=zhicheng-a".into(),
//!     topic: zhicheng_gateway::mqtt::DEFAULT_TOPIC.into(),
//!     username: None,
//!     password: None,
//! };
//! let task = tokio::spawn(zhicheng_gateway::mqtt::run(engine, cfg, stopped));
//! // … later: stop taking messages, finish and acknowledge the ones being stored.
//! let _ = stop.send(true);
//! let _ = task.await;
//! # }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{
    AsyncClient, ConnAck, Event, EventLoop, MqttOptions, Packet, Publish, QoS, Request,
    SubscribeReasonCode,
};
use serde::Deserialize;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;
use zhicheng_engine::ingest::{IngestReading, TsInput, ValueInput};
use zhicheng_engine::{Engine, Source};

/// The subscription used when the configuration names none.
pub const DEFAULT_TOPIC: &str = "city/+/telemetry";

/// Messages being stored at once; beyond this the event loop stops reading new ones.
pub const IN_FLIGHT: usize = 128;

/// Largest incoming packet (see the module notes).
const MAX_INCOMING_PACKET: usize = 4 << 20;
/// Requests (acks, subscribes) waiting for the event loop: more than can ever be queued, so an
/// ack never waits for room.
const REQUEST_CAPACITY: usize = 2 * IN_FLIGHT + 16;
/// Back-off between connection attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// A connection that lasted this long resets the back-off (a broker that accepts and then
/// drops us at once — e.g. another node using the same client id — is not hammered).
const STABLE_CONNECTION: Duration = Duration::from_secs(30);
/// How long shutdown waits for messages being stored.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
/// At most one warning of each sort per interval; the rest are counted in the next one.
const LOG_INTERVAL: Duration = Duration::from_secs(5);

/// Settings of the MQTT gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttConfig {
    /// `mqtt://host[:port][?client_id=ID][&connections=N]` or `tcp://…`; port 1883 by default.
    pub url: String,
    /// Subscription filter. Its first `+` level is the entity id; default [`DEFAULT_TOPIC`].
    pub topic: String,
    /// Broker user.
    pub username: Option<String>,
    /// Broker password (used only with `username`).
    pub password: Option<String>,
}

impl MqttConfig {
    /// A configuration for `url` with the default topic and no credentials.
    pub fn new(url: impl Into<String>) -> MqttConfig {
        MqttConfig {
            url: url.into(),
            topic: DEFAULT_TOPIC.into(),
            username: None,
            password: None,
        }
    }
}

/// The gateway could not start (its configuration is malformed).
#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    /// The URL is not `mqtt://host[:port][?client_id=ID]`.
    #[error("bad MQTT URL {url:?}: {reason} (expected mqtt://host[:port][?client_id=ID])")]
    BadUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The topic filter is not a valid MQTT filter with a `+` level for the entity.
    #[error("bad MQTT topic filter {topic:?}: {reason}")]
    BadTopic {
        /// The filter as configured.
        topic: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A session could not be removed (see [`forget_sessions`]).
#[derive(Debug, thiserror::Error)]
#[error("could not remove the MQTT session {client_id:?}: {reason}")]
pub struct ForgetError {
    /// The session's client id.
    pub client_id: String,
    /// What went wrong (broker unreachable, connection refused, no answer).
    pub reason: String,
}

/// Why a message could not be read (it is counted, logged and acknowledged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadMessage {
    /// The topic does not match the filter, or its entity level is empty.
    #[error("topic {0:?} does not name an entity as the subscription expects")]
    Topic(String),
    /// The payload is not JSON.
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    /// The payload is JSON but not an object.
    #[error("payload is not a JSON object")]
    NotObject,
    /// `values` is missing, not an object, or empty.
    #[error("payload has no non-empty \"values\" object")]
    NoValues,
}

/// A subscription filter that knows which level of a topic is the entity id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFilter {
    filter: String,
    levels: Vec<String>,
    entity_level: usize,
}

impl TopicFilter {
    /// Checks an MQTT topic filter; its first `+` level is where the entity id is.
    pub fn new(filter: &str) -> Result<TopicFilter, MqttError> {
        let bad = |reason: &str| MqttError::BadTopic {
            topic: filter.to_string(),
            reason: reason.to_string(),
        };
        if filter.is_empty() {
            return Err(bad("must not be empty"));
        }
        let levels: Vec<String> = filter.split('/').map(str::to_string).collect();
        for (i, l) in levels.iter().enumerate() {
            if l == "#" && i + 1 != levels.len() {
                return Err(bad("`#` may only be the last level"));
            }
            if l.len() > 1 && (l.contains('+') || l.contains('#')) {
                return Err(bad("`+` and `#` must stand alone in a level"));
            }
        }
        let entity_level = levels
            .iter()
            .position(|l| l == "+")
            .ok_or_else(|| bad("needs a `+` level for the entity id, e.g. city/+/telemetry"))?;
        Ok(TopicFilter {
            filter: filter.to_string(),
            levels,
            entity_level,
        })
    }

    /// The filter as configured.
    pub fn as_str(&self) -> &str {
        &self.filter
    }

    /// The entity id in `topic`, if the topic matches the filter and names a non-empty one.
    pub fn entity<'t>(&self, topic: &'t str) -> Option<&'t str> {
        let mut parts = topic.split('/');
        let mut entity = None;
        for (i, want) in self.levels.iter().enumerate() {
            if want == "#" {
                break;
            }
            let got = parts.next()?;
            if i == self.entity_level {
                entity = Some(got);
            } else if want != "+" && want != got {
                return None;
            }
        }
        if self.levels.last().is_some_and(|l| l != "#") && parts.next().is_some() {
            return None;
        }
        entity.filter(|e| !e.is_empty())
    }

    /// Reads one message: one [`IngestReading`] per entry of `values`, all with the message's
    /// `ts` (epoch milliseconds or RFC 3339 text; absent = the server's clock).
    ///
    /// Values and times are checked by [`Engine::ingest`], reading by reading; only a message
    /// that yields no readings at all is a [`BadMessage`].
    pub fn decode(
        &self,
        topic: &str,
        payload: &[u8],
    ) -> Result<Vec<IngestReading<'static>>, BadMessage> {
        let entity = self
            .entity(topic)
            .ok_or_else(|| BadMessage::Topic(topic.to_string()))?;
        let body: serde_json::Value =
            serde_json::from_slice(payload).map_err(|e| BadMessage::NotJson(e.to_string()))?;
        let body = body.as_object().ok_or(BadMessage::NotObject)?;
        let ts = match body.get("ts") {
            None | Some(serde_json::Value::Null) => None,
            // The same reading of times as the HTTP gateway's.
            Some(v) => Some(TsInput::deserialize(v).unwrap_or(TsInput::Bad)),
        };
        let values = body
            .get("values")
            .and_then(|v| v.as_object())
            .filter(|m| !m.is_empty())
            .ok_or(BadMessage::NoValues)?;
        Ok(values
            .iter()
            .enumerate()
            .map(|(index, (metric, value))| IngestReading {
                entity: entity.to_string().into(),
                metric: metric.clone().into(),
                ts: ts.clone(),
                value: ValueInput::from_json(value),
                index,
            })
            .collect())
    }
}

/// Builds the client options from the URL (and checks it).
/// Shared-subscription group that every zhicheng connection joins when there are several.
pub const SHARE_GROUP: &str = "zhicheng";

/// Most connections one gateway opens.
const MAX_CONNECTIONS: usize = 64;

/// The `connections` setting of the URL (1 when absent).
fn connections(cfg: &MqttConfig) -> Result<usize, MqttError> {
    let query = cfg.url.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&') {
        if let Some(("connections", n)) = pair.split_once('=') {
            return n
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_CONNECTIONS).contains(n))
                .ok_or_else(|| MqttError::BadUrl {
                    url: cfg.url.clone(),
                    reason: format!("connections must be a number from 1 to {MAX_CONNECTIONS}"),
                });
        }
    }
    Ok(1)
}

/// Removes this configuration's persistent sessions from the broker (all `connections` of
/// them), so it stops keeping messages for them. For a gateway that is retired or runs with
/// fewer connections from now on; the gateway itself must be stopped.
///
/// Moving from one connection to several leaves the single session `ID` behind: forget it with
/// the old configuration. The limit of [`IN_FLIGHT`] messages being stored applies to each
/// connection.
pub async fn forget_sessions(
    cfg: &MqttConfig,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let n = connections(cfg)?;
    let members: Vec<Option<usize>> = if n == 1 {
        vec![None]
    } else {
        (0..n).map(Some).collect()
    };
    for member in members {
        let mut o = member_options(cfg, member)?;
        // A clean session replaces the stored one; then leave at once.
        o.set_clean_session(true);
        o.set_manual_acks(false);
        let id = o.client_id();
        let (client, mut events) = AsyncClient::new(o, 4);
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            let mut connected = false;
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        connected = true;
                        let _ = client.disconnect().await;
                    }
                    Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return Ok(()),
                    // After our DISCONNECT the broker closes the connection: that is the end.
                    Err(_) if connected => return Ok(()),
                    Err(e) => return Err(e.to_string()),
                    Ok(_) => {}
                }
            }
        })
        .await
        .unwrap_or_else(|_| Err("no answer within 10 s".into()));
        if let Err(reason) = outcome {
            return Err(Box::new(ForgetError {
                client_id: id,
                reason,
            }));
        }
    }
    Ok(())
}

/// Client options for connection `member` of a shared subscription (`None`: the only one).
fn options(cfg: &MqttConfig) -> Result<MqttOptions, MqttError> {
    member_options(cfg, None)
}

fn member_options(cfg: &MqttConfig, member: Option<usize>) -> Result<MqttOptions, MqttError> {
    let bad = |reason: &str| MqttError::BadUrl {
        url: cfg.url.clone(),
        reason: reason.to_string(),
    };
    let rest = cfg
        .url
        .strip_prefix("mqtt://")
        .or_else(|| cfg.url.strip_prefix("tcp://"))
        .ok_or_else(|| bad("the scheme must be mqtt:// or tcp:// (TLS is not supported)"))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = match rest.split_once('/') {
        Some((a, "")) => a,
        Some(_) => return Err(bad("a path is not allowed")),
        None => rest,
    };
    if authority.contains('@') {
        return Err(bad(
            "credentials belong in the username and password settings",
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed [ in the host"))?;
        match after {
            "" => (host, None),
            p => (
                host,
                Some(p.strip_prefix(':').ok_or_else(|| bad("bad port"))?),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad("the host is missing"));
    }
    let port = match port {
        None => 1883,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
    };
    let mut client_id = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("client_id", id)) if !id.is_empty() => client_id = Some(id.to_string()),
            Some(("client_id", _)) => return Err(bad("client_id must not be empty")),
            Some(("connections", _)) => {} // checked by `connections`
            _ => return Err(bad("the query parameters are client_id and connections")),
        }
    }
    let mut client_id = client_id.unwrap_or_else(default_client_id);
    if let Some(i) = member {
        client_id = format!("{client_id}-{i}");
    }
    let mut o = MqttOptions::new(client_id, host, port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_manual_acks(true);
    o.set_clean_session(false);
    o.set_inflight(IN_FLIGHT as u16);
    o.set_max_packet_size(MAX_INCOMING_PACKET, 1 << 20);
    if let Some(u) = &cfg.username {
        o.set_credentials(u, cfg.password.clone().unwrap_or_default());
    }
    Ok(o)
}

/// `zhicheng-<hostname>`: stable across restarts of one node, distinct between nodes.
fn default_client_id() -> String {
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    format!("zhicheng-{host}")
}

/// Lets one warning through per [`LOG_INTERVAL`] and counts the ones it held back.
#[derive(Default)]
struct Throttle(Mutex<(Option<Instant>, u64)>);

impl Throttle {
    /// `Some(held back since the last line)` when a line may be written now.
    fn allow(&self) -> Option<u64> {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match s.0 {
            Some(t) if now.duration_since(t) < LOG_INTERVAL => {
                s.1 += 1;
                None
            }
            _ => {
                s.0 = Some(now);
                Some(std::mem::take(&mut s.1))
            }
        }
    }
}

/// What the message tasks share with the event loop.
struct Shared {
    engine: Engine,
    client: AsyncClient,
    filter: TopicFilter,
    /// What to subscribe to: the filter, or the shared subscription on it.
    subscription: String,
    /// Counts connections; an ack is sent only on the connection its message came on.
    connection: AtomicU64,
    /// Raised when a message could not be stored: reconnect so the broker redelivers it.
    store_failed: Notify,
    bad_log: Throttle,
    refused_log: Throttle,
    failed_log: Throttle,
}

impl Shared {
    async fn handle(&self, p: Publish, connection: u64) {
        let readings = match self.filter.decode(&p.topic, &p.payload) {
            Ok(r) => r,
            Err(why) => {
                self.engine.metrics().mqtt_bad_message();
                if let Some(held) = self.bad_log.allow() {
                    tracing::warn!(topic = %p.topic, reason = %why, suppressed = held, "bad MQTT message; acknowledged and dropped");
                }
                return self.ack(&p, connection).await;
            }
        };
        let n = readings.len();
        match self
            .engine
            .ingest(Source::Mqtt, readings, None, Vec::new())
            .await
        {
            Ok(out) => {
                if let Some(first) = out.rejected.first() {
                    tracing::debug!(topic = %p.topic, rejected = ?out.rejected, "MQTT readings refused");
                    if let Some(held) = self.refused_log.allow() {
                        tracing::warn!(
                            topic = %p.topic,
                            readings = n,
                            refused = out.rejected.len(),
                            example = %first.reason,
                            suppressed = held,
                            "MQTT readings refused; the rest were stored"
                        );
                    }
                }
                self.ack(&p, connection).await;
            }
            Err(e) => {
                // Not durable: no PUBACK. The event loop reconnects so the broker redelivers.
                if let Some(held) = self.failed_log.allow() {
                    tracing::warn!(topic = %p.topic, error = %e, suppressed = held, "MQTT message not stored; left unacknowledged for redelivery");
                }
                self.store_failed.notify_one();
            }
        }
    }

    async fn ack(&self, p: &Publish, connection: u64) {
        if self.connection.load(Ordering::Acquire) != connection {
            // The packet id belongs to a connection that is gone; the broker redelivers the
            // message on the new one (storing it again is harmless: replays are deduplicated).
            tracing::debug!(topic = %p.topic, pkid = p.pkid, "connection changed before the ack; leaving it to redelivery");
            return;
        }
        if let Err(e) = self.client.ack(p).await {
            tracing::warn!(error = %e, "MQTT ack could not be queued");
        }
    }
}

/// Connection back-off.
struct Backoff {
    next: Duration,
    connected_at: Option<Instant>,
}

impl Backoff {
    fn connected(&mut self) {
        self.connected_at = Some(Instant::now());
    }

    /// The pause before the next attempt.
    fn delay(&mut self) -> Duration {
        if self
            .connected_at
            .take()
            .is_some_and(|t| t.elapsed() >= STABLE_CONNECTION)
        {
            self.next = BACKOFF_MIN;
        }
        let d = self.next;
        self.next = (d * 2).min(BACKOFF_MAX);
        d
    }
}

/// Resolves when `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

/// What woke the event loop.
enum Wake<T> {
    Stop,
    StoreFailed,
    Ready(T),
}

/// Runs the subscriber until `shutdown` turns true, then lets the messages being stored finish
/// and be acknowledged and disconnects. Returns an error only for a malformed URL or topic
/// filter, at once.
pub async fn run(
    engine: Engine,
    cfg: MqttConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<(), MqttError> {
    let n = connections(&cfg)?;
    if n == 1 {
        return run_connection(engine, cfg, None, shutdown).await;
    }
    // Check once, so a bad setting fails at start rather than in every connection.
    TopicFilter::new(&cfg.topic)?;
    options(&cfg)?;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            tokio::spawn(run_connection(
                engine.clone(),
                cfg.clone(),
                Some(i),
                shutdown.clone(),
            ))
        })
        .collect();
    for t in tasks {
        match t.await {
            Ok(r) => r?,
            Err(e) => tracing::error!(error = %e, "an MQTT connection task failed"),
        }
    }
    Ok(())
}

/// One client session: the only one (`member` = None) or member `i` of the shared subscription.
async fn run_connection(
    engine: Engine,
    cfg: MqttConfig,
    member: Option<usize>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), MqttError> {
    let filter = TopicFilter::new(&cfg.topic)?;
    let subscription = match member {
        Some(_) => format!("$share/{SHARE_GROUP}/{}", filter.as_str()),
        None => filter.as_str().to_string(),
    };
    let opts = member_options(&cfg, member)?;
    let client_id = opts.client_id();
    let (client, mut events) = AsyncClient::new(opts, REQUEST_CAPACITY);
    let shared = Arc::new(Shared {
        engine,
        client: client.clone(),
        filter,
        subscription,
        connection: AtomicU64::new(0),
        store_failed: Notify::new(),
        bad_log: Throttle::default(),
        refused_log: Throttle::default(),
        failed_log: Throttle::default(),
    });
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut backoff = Backoff {
        next: BACKOFF_MIN,
        connected_at: None,
    };
    let mut subscribe = false;
    tracing::info!(url = %cfg.url, topic = %cfg.topic, %client_id, "MQTT gateway starting");
    loop {
        if subscribe {
            match client.try_subscribe(shared.subscription.as_str(), QoS::AtLeastOnce) {
                Ok(()) => subscribe = false,
                Err(e) => {
                    tracing::warn!(error = %e, "MQTT subscribe could not be queued; retrying")
                }
            }
        }
        // A free slot first: with IN_FLIGHT messages being stored, stop reading the broker.
        let permit: OwnedSemaphorePermit = match tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => Wake::Stop,
            _ = shared.store_failed.notified() => Wake::StoreFailed,
            p = gate.clone().acquire_owned() => Wake::Ready(p),
        } {
            Wake::Stop => break,
            Wake::StoreFailed => {
                if reconnect_for_redelivery(&mut events, &mut backoff, &mut shutdown).await {
                    break;
                }
                continue;
            }
            Wake::Ready(Ok(p)) => p,
            Wake::Ready(Err(_)) => break, // never closed
        };
        let event = match tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => Wake::Stop,
            _ = shared.store_failed.notified() => Wake::StoreFailed,
            e = events.poll() => Wake::Ready(e),
        } {
            Wake::Stop => break,
            Wake::StoreFailed => {
                if reconnect_for_redelivery(&mut events, &mut backoff, &mut shutdown).await {
                    break;
                }
                continue;
            }
            Wake::Ready(e) => e,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                on_connack(&shared, &mut events, &ack);
                backoff.connected();
                subscribe = true;
            }
            Ok(Event::Incoming(Packet::SubAck(s))) => {
                if s.return_codes.contains(&SubscribeReasonCode::Failure) {
                    tracing::error!(topic = %shared.subscription, "the broker refused the MQTT subscription (check its ACL); no telemetry will arrive");
                } else {
                    tracing::info!(topic = %shared.subscription, "MQTT subscription active");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let task = shared.clone();
                let connection = shared.connection.load(Ordering::Acquire);
                let span = tracing::debug_span!("mqtt_message", topic = %p.topic, pkid = p.pkid);
                tokio::spawn(
                    async move {
                        task.handle(p, connection).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
            Ok(_) => {}
            Err(e) => {
                let delay = backoff.delay();
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "MQTT connection lost or refused; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped(&mut shutdown) => break,
                }
            }
        }
    }
    drain(&client, &mut events, &gate).await;
    tracing::info!("MQTT gateway stopped");
    Ok(())
}

fn on_connack(shared: &Shared, events: &mut EventLoop, ack: &ConnAck) {
    shared.connection.fetch_add(1, Ordering::AcqRel);
    // Acks queued for the previous connection would name its packet ids; drop them and let the
    // broker redeliver instead (a broker that lost the session may reuse those ids).
    events
        .pending
        .retain(|r| !matches!(r, Request::PubAck(_) | Request::PubRec(_)));
    tracing::info!(
        session_present = ack.session_present,
        "MQTT connected; subscribing"
    );
}

/// After a store failure: pause (the store may be down), then drop the connection so the broker
/// redelivers what was left unacknowledged. Returns true if shutdown came first.
async fn reconnect_for_redelivery(
    events: &mut EventLoop,
    backoff: &mut Backoff,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    let delay = backoff.delay();
    tracing::info!(
        retry_in_ms = delay.as_millis() as u64,
        "reconnecting to the MQTT broker so it redelivers the messages that were not stored"
    );
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = stopped(shutdown) => return true,
    }
    events.clean();
    false
}

/// Shutdown: take no new messages (the broker keeps them for the next session), wait for the
/// ones being stored, send their acks, disconnect.
async fn drain(client: &AsyncClient, events: &mut EventLoop, gate: &Semaphore) {
    let all_done = gate.acquire_many(IN_FLIGHT as u32);
    tokio::pin!(all_done);
    let mut connected = true;
    let finished = tokio::time::timeout(DRAIN_TIMEOUT, async {
        loop {
            tokio::select! {
                _ = &mut all_done => return,
                // Keep the connection alive and the acks flowing meanwhile; a message arriving
                // now is left unacknowledged for the next session.
                e = events.poll(), if connected => connected = e.is_ok(),
            }
        }
    })
    .await;
    if finished.is_err() {
        tracing::warn!("MQTT shutdown: messages still being stored after the grace period; the broker will redeliver them");
    }
    if !connected {
        return;
    }
    // Through the request channel, so after the acks queued before it.
    if client.try_disconnect().is_err() {
        return;
    }
    // Sending DISCONNECT is not enough: a successor with the same client id that connects
    // before the broker has read it takes the session over and the broker drops the unread
    // acks. The broker closes the connection once it has read the DISCONNECT, so wait for that.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while events.poll().await.is_ok() {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> MqttConfig {
        MqttConfig::new(url)
    }

    #[test]
    fn urls() {
        let o = options(&cfg("mqtt://broker.local:1884?client_id=zc-1")).unwrap();
        assert_eq!(o.broker_address(), ("broker.local".to_string(), 1884));
        assert_eq!(o.client_id(), "zc-1");
        assert!(!o.clean_session());
        assert!(o.manual_acks());
        let o = options(&cfg("tcp://127.0.0.1/")).unwrap();
        assert_eq!(o.broker_address(), ("127.0.0.1".to_string(), 1883));
        assert!(o.client_id().starts_with("zhicheng-"));
        let shared = cfg("mqtt://h?client_id=zc&connections=4");
        assert_eq!(connections(&shared).unwrap(), 4);
        assert_eq!(
            member_options(&shared, Some(3)).unwrap().client_id(),
            "zc-3"
        );
        assert_eq!(connections(&cfg("mqtt://h")).unwrap(), 1);
        let o = options(&cfg("mqtt://[::1]:1883")).unwrap();
        assert_eq!(o.broker_address(), ("::1".to_string(), 1883));
        for bad in [
            "",
            "http://h:1883",
            "mqtts://h:8883",
            "mqtt://",
            "mqtt://:1883",
            "mqtt://h:0",
            "mqtt://h:port",
            "mqtt://h:1883/path",
            "mqtt://u:p@h:1883",
            "mqtt://h?client_id=",
            "mqtt://h?clientid=x",
            "mqtt://[::1",
            "mqtt://h?connections=0",
            "mqtt://h?connections=many",
            "mqtt://h?connections=65",
        ] {
            assert!(
                matches!(
                    options(&cfg(bad)).and_then(|_| connections(&cfg(bad))),
                    Err(MqttError::BadUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn filters() {
        let f = TopicFilter::new(DEFAULT_TOPIC).unwrap();
        assert_eq!(f.entity("city/air-001/telemetry"), Some("air-001"));
        assert_eq!(f.entity("city//telemetry"), None);
        assert_eq!(f.entity("city/air-001/status"), None);
        assert_eq!(f.entity("city/air-001/telemetry/x"), None);
        assert_eq!(f.entity("town/air-001/telemetry"), None);
        assert_eq!(f.entity("city/air-001"), None);
        let f = TopicFilter::new("t1/+/+/#").unwrap();
        assert_eq!(f.entity("t1/e/x"), Some("e"));
        assert_eq!(f.entity("t1/e/x/y/z"), Some("e"));
        assert_eq!(f.entity("t2/e/x"), None);
        for bad in ["", "city/#/telemetry", "city/a+/telemetry", "city/#", "a/b"] {
            assert!(TopicFilter::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn payloads() {
        let f = TopicFilter::new(DEFAULT_TOPIC).unwrap();
        let r = f
            .decode(
                "city/s1/telemetry",
                br#"{"ts":1700000000000,"values":{"pm25":35.2,"pm10":60,"on":true,"x":"t"}}"#,
            )
            .unwrap();
        assert_eq!(r.len(), 4);
        assert!(r
            .iter()
            .all(|r| r.entity == "s1" && r.ts == Some(TsInput::Millis(1_700_000_000_000))));
        let by = |m: &str| r.iter().find(|r| r.metric == m).unwrap().value.clone();
        assert_eq!(by("pm25"), ValueInput::Number(35.2));
        assert_eq!(by("pm10"), ValueInput::Number(60.0));
        assert_eq!(by("on"), ValueInput::Bool(true));
        assert_eq!(by("x"), ValueInput::Other("text"));
        let ts = |body: &str| {
            f.decode("city/s1/telemetry", body.as_bytes()).unwrap()[0]
                .ts
                .clone()
        };
        assert_eq!(
            ts(r#"{"ts":"2023-11-15T06:13:20+08:00","values":{"a":1}}"#),
            Some(TsInput::Text("2023-11-15T06:13:20+08:00".into()))
        );
        assert_eq!(ts(r#"{"values":{"a":1}}"#), None);
        assert_eq!(ts(r#"{"ts":null,"values":{"a":1}}"#), None);
        assert_eq!(ts(r#"{"ts":true,"values":{"a":1}}"#), Some(TsInput::Bad));
        assert_eq!(ts(r#"{"ts":[1],"values":{"a":1}}"#), Some(TsInput::Bad));
        assert_eq!(
            ts(r#"{"ts":1.7e12,"values":{"a":1}}"#),
            Some(TsInput::Millis(1_700_000_000_000))
        );
        let bad = |topic: &str, body: &str| f.decode(topic, body.as_bytes()).unwrap_err();
        assert!(matches!(
            bad("city/s1/telemetry", "not json"),
            BadMessage::NotJson(_)
        ));
        assert_eq!(bad("city/s1/telemetry", "[1]"), BadMessage::NotObject);
        assert_eq!(bad("city/s1/telemetry", "{}"), BadMessage::NoValues);
        assert_eq!(
            bad("city/s1/telemetry", r#"{"values":{}}"#),
            BadMessage::NoValues
        );
        assert_eq!(
            bad("city/s1/telemetry", r#"{"values":[1]}"#),
            BadMessage::NoValues
        );
        assert!(matches!(
            bad("city//telemetry", r#"{"values":{"a":1}}"#),
            BadMessage::Topic(_)
        ));
    }

    #[test]
    fn throttle_counts_what_it_holds_back() {
        let t = Throttle::default();
        assert_eq!(t.allow(), Some(0));
        assert_eq!(t.allow(), None);
        assert_eq!(t.allow(), None);
        t.0.lock().unwrap().0 = Some(Instant::now() - LOG_INTERVAL);
        assert_eq!(t.allow(), Some(2));
    }

    #[test]
    fn backoff_doubles_and_resets_after_a_stable_connection() {
        let mut b = Backoff {
            next: BACKOFF_MIN,
            connected_at: None,
        };
        let ds: Vec<_> = (0..7).map(|_| b.delay().as_millis()).collect();
        assert_eq!(ds, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
        b.connected();
        assert_eq!(
            b.delay(),
            BACKOFF_MAX,
            "a short connection keeps the back-off"
        );
        b.connected_at = Some(Instant::now() - STABLE_CONNECTION);
        assert_eq!(b.delay(), BACKOFF_MIN);
    }
}
