//! MQTT transport: one client for the whole fleet publishes each report with QoS 1 to
//! `city/{entity}/telemetry`. A task drives the rumqttc event loop, counts the broker's PUBACKs
//! and reconnects with exponential back-off (0.5 s doubling to 30 s) when the connection fails.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use tokio::task::JoinHandle;
use tracing::info;

use super::{error_chain, payload, Counters, FailureLog, Report};

const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long shutdown waits for queued reports and the DISCONNECT to go out.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

pub(super) struct MqttSender {
    client: AsyncClient,
    driver: JoinHandle<()>,
    connected: Arc<AtomicBool>,
    failures: FailureLog,
}

impl MqttSender {
    /// Starts the client; the connection itself is made (and remade) by the event-loop task.
    pub(super) fn connect(
        url: &str,
        devices: usize,
        stats: Arc<Counters>,
    ) -> anyhow::Result<MqttSender> {
        let options = options(url)?;
        // Room for two rounds of reports: a short broker outage loses nothing, a long one
        // fills the queue and further reports count as failed instead of piling up in memory.
        let (client, eventloop) = AsyncClient::new(options, (devices * 2).max(64));
        let connected = Arc::new(AtomicBool::new(false));
        let driver = tokio::spawn(drive(eventloop, stats, connected.clone()));
        Ok(MqttSender {
            client,
            driver,
            connected,
            failures: FailureLog::new("MQTT publish"),
        })
    }

    /// Queues one round of reports without waiting for the broker.
    pub(super) fn send(&mut self, reports: Vec<Report>, stats: &Counters) {
        for r in reports {
            let body = payload::mqtt_payload(r.ts, &r.samples);
            let result = serde_json::to_vec(&body)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    self.client
                        .try_publish(
                            payload::mqtt_topic(&r.entity),
                            QoS::AtLeastOnce,
                            false,
                            bytes,
                        )
                        .map_err(|e| error_chain(&e))
                });
            if let Err(e) = result {
                stats.failed.fetch_add(1, Ordering::Relaxed);
                self.failures.record(format!("{}: {e}", r.entity));
            }
        }
        self.failures.report();
    }

    /// Disconnects cleanly when connected, and stops the event loop.
    pub(super) async fn close(mut self) {
        self.failures.flush();
        let clean = self.connected.load(Ordering::Relaxed)
            && self.client.try_disconnect().is_ok()
            && tokio::time::timeout(CLOSE_GRACE, &mut self.driver)
                .await
                .is_ok();
        if !clean {
            self.driver.abort();
        }
    }
}

/// Polls the event loop until the client disconnects: counts PUBACKs, logs connection errors
/// (summarised) and backs off before each reconnection attempt.
async fn drive(mut eventloop: EventLoop, stats: Arc<Counters>, connected: Arc<AtomicBool>) {
    let mut backoff = BACKOFF_MIN;
    let mut errors = FailureLog::new("MQTT connection");
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                info!(code = ?ack.code, "MQTT connected");
                connected.store(true, Ordering::Relaxed);
                backoff = BACKOFF_MIN;
            }
            Ok(Event::Incoming(Packet::PubAck(_))) => {
                stats.sent.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
            Ok(_) => {}
            Err(e) => {
                connected.store(false, Ordering::Relaxed);
                errors.record(error_chain(&e));
                errors.report();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Client options from `mqtt://[user[:password]@]host[:port][?client_id=ID]`.
fn options(url: &str) -> anyhow::Result<MqttOptions> {
    let u = reqwest::Url::parse(url).with_context(|| format!("invalid MQTT URL {url:?}"))?;
    match u.scheme() {
        "mqtt" | "tcp" => {}
        "mqtts" | "ssl" | "tls" => {
            bail!("MQTT over TLS is not supported by the simulator; use mqtt://host:1883")
        }
        other => bail!("unsupported MQTT URL scheme {other:?}; use mqtt://host:1883"),
    }
    let host = u
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| anyhow!("MQTT URL {url:?} has no host"))?;
    let client_id = u
        .query_pairs()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| format!("zhicheng-sim-{}", std::process::id()));
    let mut o = MqttOptions::new(client_id, host, u.port().unwrap_or(1883));
    o.set_keep_alive(Duration::from_secs(30));
    o.set_clean_session(true);
    if !u.username().is_empty() {
        o.set_credentials(u.username(), u.password().unwrap_or(""));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_urls() {
        let o = options("mqtt://broker.example:1884?client_id=sim-1").unwrap();
        assert_eq!(o.broker_address(), ("broker.example".to_string(), 1884));
        assert_eq!(o.client_id(), "sim-1");
        assert_eq!(o.credentials(), None);

        let o = options("tcp://user:secret@127.0.0.1").unwrap();
        assert_eq!(o.broker_address(), ("127.0.0.1".to_string(), 1883));
        assert_eq!(
            o.credentials(),
            Some(("user".to_string(), "secret".to_string()))
        );
        assert!(o.client_id().starts_with("zhicheng-sim-"));

        let o = options("mqtt://[::1]:1883").unwrap();
        assert_eq!(o.broker_address().0, "::1");

        assert!(options("mqtts://broker:8883").is_err());
        assert!(options("http://broker").is_err());
        assert!(options("broker:1883").is_err());
    }

    #[tokio::test]
    async fn a_full_queue_counts_as_failed() {
        // Nothing listens on this port, so nothing leaves the queue (capacity 64).
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let stats = Arc::new(Counters::default());
        let mut sender =
            MqttSender::connect(&format!("mqtt://127.0.0.1:{port}"), 1, stats.clone()).unwrap();
        let reports = (0..100)
            .map(|i| Report {
                entity: format!("air-{i:03}"),
                token: String::new(),
                ts: 1_795_399_200_000,
                samples: vec![super::super::Sample {
                    name: "pm25",
                    value: 35.2,
                }],
            })
            .collect();
        sender.send(reports, &stats);
        assert_eq!(stats.failed.load(Ordering::Relaxed), 36);
        assert_eq!(stats.sent.load(Ordering::Relaxed), 0);
        sender.close().await;
    }
}
