//! The MQTT gateway: a client of the broker at `mqtt.url`, subscribed (QoS 1) to
//! `city/{entity}/telemetry`, payload `{"ts": …, "values": {"pm25": 35.2, …}}`.
//!
//! Acknowledgement follows durability: each PUBLISH is PUBACKed only after
//! [`Engine::ingest`] has stored its readings (manual acks). Readings the engine refuses, and
//! payloads that cannot be parsed, are acknowledged too — a redelivery would not make them
//! valid — and counted. If the store fails, the message is not acknowledged, so the broker
//! redelivers it after the session resumes. Connection errors never end the loop: it backs off
//! and reconnects, re-subscribing on every CONNACK.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};
use tokio::sync::{watch, Semaphore};
use zhicheng_engine::ingest::{IngestReading, TsInput, ValueInput};
use zhicheng_engine::{Engine, Source};

/// Settings of the MQTT gateway.
#[derive(Debug, Clone)]
pub struct MqttConfig {
    /// `mqtt://host[:port][?client_id=…]` or `tcp://…`.
    pub url: String,
    /// Subscription filter; the entity is the segment before the last (`city/+/telemetry`).
    pub topic: String,
    /// Broker user.
    pub username: Option<String>,
    /// Broker password.
    pub password: Option<String>,
}

/// The gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    /// The URL is not `mqtt://host[:port]`.
    #[error("bad MQTT URL {0:?}: expected mqtt://host[:port][?client_id=ID]")]
    BadUrl(String),
}

/// Messages being stored at once; beyond this, the event loop stops reading new messages
/// (TCP backpressure to the broker) instead of spawning without bound.
const IN_FLIGHT: usize = 128;

fn options(cfg: &MqttConfig) -> Result<MqttOptions, MqttError> {
    let bad = || MqttError::BadUrl(cfg.url.clone());
    let rest = cfg
        .url
        .strip_prefix("mqtt://")
        .or_else(|| cfg.url.strip_prefix("tcp://"))
        .ok_or_else(bad)?;
    let (hostport, query) = rest.split_once('?').unwrap_or((rest, ""));
    let hostport = hostport.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (hostport, 1883),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let client_id = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("client_id="))
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "zhicheng-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into())
            )
        });
    let mut o = MqttOptions::new(client_id, host, port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_manual_acks(true);
    // A persistent session: messages published while we are away are kept by the broker.
    o.set_clean_session(false);
    o.set_inflight(IN_FLIGHT as u16);
    o.set_max_packet_size(1 << 20, 1 << 20);
    if let Some(u) = &cfg.username {
        o.set_credentials(u, cfg.password.clone().unwrap_or_default());
    }
    Ok(o)
}

/// Parses one message into readings; `Err` says why it is malformed.
pub fn parse(topic: &str, payload: &[u8]) -> Result<Vec<IngestReading>, String> {
    let parts: Vec<&str> = topic.split('/').collect();
    if parts.len() < 2 || parts[parts.len() - 1] != "telemetry" || parts[parts.len() - 2].is_empty()
    {
        return Err(format!("topic {topic:?} is not city/{{entity}}/telemetry"));
    }
    let entity = parts[parts.len() - 2];
    let v: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let ts = match v.get("ts") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(TsInput::Text(s.clone())),
        Some(serde_json::Value::Number(n)) => {
            Some(n.as_i64().map(TsInput::Millis).unwrap_or(TsInput::Bad))
        }
        Some(_) => Some(TsInput::Bad),
    };
    let values = v
        .get("values")
        .and_then(|x| x.as_object())
        .filter(|m| !m.is_empty())
        .ok_or("payload has no \"values\" object")?;
    Ok(values
        .iter()
        .enumerate()
        .map(|(i, (metric, value))| IngestReading {
            entity: entity.to_string(),
            metric: metric.clone(),
            ts: ts.clone(),
            value: ValueInput::from_json(value),
            index: i,
        })
        .collect())
}

/// Logs at most one line per interval, counting what it held back.
struct Throttle {
    last: Option<Instant>,
    held: u64,
}

impl Throttle {
    fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        match self.last {
            Some(t) if now.duration_since(t) < Duration::from_secs(5) => {
                self.held += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.held))
            }
        }
    }
}

/// Runs the subscriber until `shutdown` turns true. Returns an error only for a bad URL.
pub async fn run(
    engine: Engine,
    cfg: MqttConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), MqttError> {
    let opts = options(&cfg)?;
    let (client, mut events): (AsyncClient, EventLoop) = AsyncClient::new(opts, 256);
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let bad_log = Arc::new(std::sync::Mutex::new(Throttle {
        last: None,
        held: 0,
    }));
    let mut backoff = Duration::from_millis(500);
    tracing::info!(url = %cfg.url, topic = %cfg.topic, "MQTT gateway starting");
    loop {
        if *shutdown.borrow() {
            break;
        }
        // Wait for a free slot before reading the next event: a slow store slows the broker.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let ev = tokio::select! {
            ev = events.poll() => ev,
            _ = shutdown.changed() => break,
        };
        match ev {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(500);
                tracing::info!("MQTT connected; subscribing to {}", cfg.topic);
                if let Err(e) = client.try_subscribe(&cfg.topic, QoS::AtLeastOnce) {
                    tracing::warn!(error = %e, "MQTT subscribe request failed");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let (engine, client, bad_log) = (engine.clone(), client.clone(), bad_log.clone());
                tokio::spawn(async move {
                    handle(engine, client, p, bad_log).await;
                    drop(permit);
                });
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "MQTT connection error; reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {},
                    _ = shutdown.changed() => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
    // Let the messages being stored finish and be acknowledged, then leave cleanly.
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        permits.acquire_many(IN_FLIGHT as u32),
    )
    .await;
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(ev) = events.poll().await {
            if matches!(ev, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                break;
            }
        }
    })
    .await;
    tracing::info!("MQTT gateway stopped");
    Ok(())
}

async fn handle(
    engine: Engine,
    client: AsyncClient,
    p: Publish,
    bad_log: Arc<std::sync::Mutex<Throttle>>,
) {
    match parse(&p.topic, &p.payload) {
        Err(why) => {
            engine.metrics().mqtt_bad_message();
            if let Some(held) = bad_log.lock().unwrap_or_else(|e| e.into_inner()).allow() {
                tracing::warn!(topic = %p.topic, reason = %why, suppressed = held, "bad MQTT message");
            }
        }
        Ok(readings) => match engine
            .ingest(Source::Mqtt, readings, None, Vec::new())
            .await
        {
            Ok(out) => {
                if !out.rejected.is_empty() {
                    tracing::debug!(topic = %p.topic, rejected = ?out.rejected, "MQTT readings refused");
                }
            }
            Err(e) => {
                // Not stored: no PUBACK, so the broker delivers it again.
                tracing::warn!(topic = %p.topic, error = %e, "MQTT message not stored; left unacknowledged");
                return;
            }
        },
    }
    if let Err(e) = client.ack(&p).await {
        tracing::warn!(error = %e, "MQTT ack failed");
    }
}
