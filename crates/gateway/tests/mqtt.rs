//! The MQTT gateway against a real broker (`ZHICHENG_TEST_MQTT_URL`, e.g.
//! `mqtt://127.0.0.1:1883`; the tests skip without it).
//!
//! Each test has its own SQLite store, engine, entity, gateway client id and — except the one
//! that checks the default `city/+/telemetry` — its own topic prefix, so tests running at once
//! never see each other's messages. Persistent sessions the tests create are removed at the end.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use zhicheng_engine::live::{History, HistoryQuery};
use zhicheng_engine::{Engine, EngineConfig, Source};
use zhicheng_gateway::mqtt::{self, MqttConfig, MqttError, DEFAULT_TOPIC};
use zhicheng_model::time_util::{format_ms_cst, now_ms};
use zhicheng_model::Actor;

const DEADLINE: Duration = Duration::from_secs(20);

fn broker_url() -> Option<String> {
    match std::env::var("ZHICHENG_TEST_MQTT_URL") {
        Ok(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_string()),
        _ => {
            eprintln!("skipping: ZHICHENG_TEST_MQTT_URL not set");
            None
        }
    }
}

/// (host, port) of the broker URL, for the test's own clients.
fn host_port(url: &str) -> (String, u16) {
    let hp = url
        .trim_start_matches("mqtt://")
        .trim_start_matches("tcp://");
    let hp = hp.split(['/', '?']).next().unwrap_or(hp);
    match hp.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().expect("broker port")),
        None => (hp.to_string(), 1883),
    }
}

/// A name no other test (in this run or an earlier one) uses.
fn unique(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{what}-{:x}-{:x}-{}",
        std::process::id(),
        nanos & 0xffff_ffff_ffff,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls `check` until it returns `Some`, or panics after [`DEADLINE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A store, an engine with one air station, and the gateway's identity.
struct World {
    dir: tempfile::TempDir,
    engine: Engine,
    url: String,
    entity: String,
    /// The gateway's client id (its persistent session).
    client_id: String,
    /// The gateway's subscription.
    filter: String,
    /// `{prefix}/{entity}/telemetry` is a topic for `entity`.
    prefix: String,
}

async fn open_engine(dir: &std::path::Path) -> Engine {
    let store = zhicheng_store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .expect("open store");
    store.migrate().await.expect("migrate");
    Engine::start(store, EngineConfig::default())
        .await
        .expect("engine")
}

impl World {
    /// With `own_prefix` the gateway subscribes to `{unique}/city/+/telemetry`; without it, to
    /// the default `city/+/telemetry`.
    async fn new(url: String, own_prefix: bool) -> World {
        let dir = tempfile::tempdir().unwrap();
        let engine = open_engine(dir.path()).await;
        let sys = Actor::system();
        engine
            .put_region(
                &sys,
                serde_json::from_value(json!({"code": "370323", "name": "沂源县"})).unwrap(),
            )
            .await
            .unwrap();
        engine
            .put_department(
                &sys,
                serde_json::from_value(json!({"id": "eco-env", "name": "生态环境分局"})).unwrap(),
            )
            .await
            .unwrap();
        engine
            .put_kind(
                &sys,
                serde_json::from_value(json!({
                    "id": "air_station",
                    "name": "空气质量监测站",
                    "metrics": [
                        {"name": "pm25", "unit": "µg/m³"},
                        {"name": "pm10", "unit": "µg/m³"},
                        {"name": "aqi", "type": "integer"}
                    ]
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let entity = unique("air");
        engine
            .create_entity(
                &sys,
                serde_json::from_value(json!({
                    "id": entity,
                    "kind": "air_station",
                    "name": "测试站",
                    "department": "eco-env",
                    "region": "370323",
                    "geometry": {"type": "Point", "coordinates": [118.17, 36.18]}
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let prefix = if own_prefix {
            format!("{}/city", unique("zt"))
        } else {
            "city".to_string()
        };
        World {
            dir,
            engine,
            url,
            filter: format!("{prefix}/+/telemetry"),
            entity,
            client_id: unique("zhicheng-test"),
            prefix,
        }
    }
}

impl World {
    /// The topic of this world's entity.
    fn topic(&self) -> String {
        format!("{}/{}/telemetry", self.prefix, self.entity)
    }

    /// `mqtt://host:port` of the broker, without any query.
    fn broker(&self) -> String {
        self.url.split('?').next().unwrap_or(&self.url).to_string()
    }

    fn config(&self, broker: &str) -> MqttConfig {
        MqttConfig {
            url: format!("{broker}?client_id={}", self.client_id),
            topic: self.filter.clone(),
            username: None,
            password: None,
        }
    }

    fn start_gateway(&self, engine: &Engine) -> Gateway {
        self.start_gateway_via(engine, &self.broker())
    }

    fn start_gateway_via(&self, engine: &Engine, broker: &str) -> Gateway {
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(mqtt::run(engine.clone(), self.config(broker), rx));
        Gateway { stop, task }
    }

    /// Creates the gateway's persistent session with its subscription, so that messages
    /// published from now on wait for the gateway even before it has connected.
    async fn prepare_session(&self) {
        let mut s = Session::connect(&self.url, &self.client_id, false).await;
        s.client
            .subscribe(&self.filter, QoS::AtLeastOnce)
            .await
            .unwrap();
        s.wait_for("SUBACK", |p| matches!(p, Packet::SubAck(_)).then_some(()))
            .await;
        s.disconnect().await;
    }

    /// With the gateway stopped: proves it acknowledged everything it was given. A sentinel is
    /// published into its session; on reconnecting, the broker would first redeliver any
    /// message left unacknowledged, so the sentinel must come first.
    async fn assert_all_acked(&self) {
        let sentinel = json!({"values": {"sentinel": unique("s")}}).to_string();
        let device = Device::connect(&self.url).await;
        device.publish(&self.topic(), sentinel.clone()).await;
        assert_eq!(
            self.first_in_session(true).await,
            sentinel,
            "the broker redelivered a message the gateway had not acknowledged"
        );
    }

    /// With the gateway stopped: the payload of the first message the broker delivers to its
    /// session, acknowledged or left for the next connection.
    async fn first_in_session(&self, ack: bool) -> String {
        let mut s = Session::connect(&self.url, &self.client_id, false).await;
        let first = s
            .wait_for("a message in the gateway's session", |p| match p {
                Packet::Publish(p) => Some(p.clone()),
                _ => None,
            })
            .await;
        if ack {
            s.client.ack(&first).await.unwrap();
        }
        s.disconnect().await;
        String::from_utf8_lossy(&first.payload).into_owned()
    }

    /// Removes the gateway's persistent session from the broker.
    async fn forget_session(&self) {
        Session::connect(&self.url, &self.client_id, true)
            .await
            .disconnect()
            .await;
    }

    async fn state(&self, engine: &Engine) -> Vec<(String, i64, f64)> {
        engine
            .entity_state(&Actor::system(), &self.entity)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.metric, m.ts, m.value))
            .collect()
    }

    async fn raw(&self, engine: &Engine, metric: &str, from: i64, to: i64) -> Vec<(i64, f64)> {
        let q = HistoryQuery {
            from,
            to,
            step: None,
            limit: 1000,
        };
        match engine
            .history(&Actor::system(), &self.entity, metric, q)
            .await
            .unwrap()
        {
            History::Raw { points, .. } => points,
            other => panic!("expected raw history, got {other:?}"),
        }
    }
}

struct Gateway {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), MqttError>>,
}

impl Gateway {
    /// Stops the gateway; it must finish cleanly.
    async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(DEADLINE, self.task)
            .await
            .expect("the gateway stops promptly")
            .expect("the gateway task does not panic")
            .expect("the gateway ends without error");
    }
}

/// A test-side MQTT client whose packets the test reads itself.
struct Session {
    client: AsyncClient,
    events: rumqttc::EventLoop,
}

impl Session {
    async fn connect(url: &str, client_id: &str, clean: bool) -> Session {
        let (host, port) = host_port(url);
        let mut o = MqttOptions::new(client_id, host, port);
        o.set_clean_session(clean);
        o.set_manual_acks(true);
        o.set_keep_alive(Duration::from_secs(10));
        let (client, events) = AsyncClient::new(o, 16);
        let mut s = Session { client, events };
        s.wait_for("CONNACK", |p| matches!(p, Packet::ConnAck(_)).then_some(()))
            .await;
        s
    }

    async fn wait_for<T>(&mut self, what: &str, mut pick: impl FnMut(&Packet) -> Option<T>) -> T {
        tokio::time::timeout(DEADLINE, async {
            loop {
                match self.events.poll().await {
                    Ok(Event::Incoming(p)) => {
                        if let Some(v) = pick(&p) {
                            return v;
                        }
                    }
                    Ok(Event::Outgoing(_)) => {}
                    Err(e) => panic!("test MQTT client: {e} (waiting for {what})"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    /// Disconnects and waits for the broker to close the connection, i.e. to have read
    /// everything sent before (the next client with this id would otherwise take over first).
    async fn disconnect(mut self) {
        self.client.disconnect().await.unwrap();
        let _ = tokio::time::timeout(DEADLINE, async {
            while self.events.poll().await.is_ok() {}
        })
        .await;
    }
}

/// A device publishing QoS 1 telemetry.
struct Device {
    client: AsyncClient,
    task: JoinHandle<()>,
}

impl Device {
    async fn connect(url: &str) -> Device {
        let (host, port) = host_port(url);
        let mut o = MqttOptions::new(unique("dev"), host, port);
        o.set_keep_alive(Duration::from_secs(10));
        let (client, mut events) = AsyncClient::new(o, 64);
        let task = tokio::spawn(async move {
            loop {
                if events.poll().await.is_err() {
                    // Reconnect pacing, not a wait for a result.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Device { client, task }
    }

    async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .unwrap();
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The value of one line of `/metrics` (0 when absent).
fn metric(engine: &Engine, series: &str) -> u64 {
    engine
        .metrics()
        .render(0)
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse::<f64>().expect("a number") as u64)
        .unwrap_or(0)
}

const BAD: &str = "zhicheng_mqtt_bad_messages_total";

fn rejected(reason: &str) -> String {
    format!("zhicheng_readings_rejected_total{{gateway=\"mqtt\",reason=\"{reason}\"}}")
}

/// A time a minute ago, on a whole second.
fn recent() -> i64 {
    (now_ms() - 60_000) / 1000 * 1000
}

#[tokio::test]
async fn good_payload_on_the_default_topic_lands_in_state_and_history() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, false).await;
    assert_eq!(w.filter, DEFAULT_TOPIC);
    let gw = w.start_gateway(&w.engine);
    let device = Device::connect(&w.url).await;
    let t0 = recent();
    let payload = json!({"ts": t0, "values": {"pm25": 35.2, "pm10": 60}}).to_string();
    // The gateway subscribes by itself once connected; until then the broker drops what is
    // published, so publish (the same reading: replays are harmless) until it lands.
    let state = eventually("the readings in the live state", || async {
        device.publish(&w.topic(), payload.clone()).await;
        let s = w.state(&w.engine).await;
        (s.len() == 2).then_some(s)
    })
    .await;
    assert_eq!(
        state,
        [
            ("pm10".to_string(), t0, 60.0),
            ("pm25".to_string(), t0, 35.2)
        ]
    );
    assert_eq!(w.raw(&w.engine, "pm25", t0, t0 + 1).await, [(t0, 35.2)]);
    assert_eq!(w.raw(&w.engine, "pm10", t0, t0 + 1).await, [(t0, 60.0)]);
    assert!(w.engine.metrics().stored_total(Source::Mqtt) >= 2);
    assert_eq!(metric(&w.engine, BAD), 0);
    gw.stop().await;
    w.forget_session().await;
    w.engine.shutdown().await;
}

#[tokio::test]
async fn times_as_rfc3339_as_milliseconds_and_absent() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    w.prepare_session().await;
    let gw = w.start_gateway(&w.engine);
    let device = Device::connect(&w.url).await;
    let t1 = recent() - 3_600_000;
    let t2 = t1 + 1_500;
    let text = format_ms_cst(t1);
    assert!(text.ends_with("+08:00"), "{text}");
    let before = now_ms();
    device
        .publish(
            &w.topic(),
            json!({"ts": text, "values": {"pm25": 1.0}}).to_string(),
        )
        .await;
    device
        .publish(
            &w.topic(),
            json!({"ts": t2, "values": {"pm25": 2.0}}).to_string(),
        )
        .await;
    device
        .publish(&w.topic(), json!({"values": {"pm10": 3.0}}).to_string())
        .await;
    let points = eventually("both timed readings in history", || async {
        let p = w.raw(&w.engine, "pm25", t1, t2 + 1).await;
        (p.len() == 2).then_some(p)
    })
    .await;
    assert_eq!(points, [(t1, 1.0), (t2, 2.0)]);
    let (ts, value) = eventually("the untimed reading in the live state", || async {
        w.state(&w.engine)
            .await
            .into_iter()
            .find(|m| m.0 == "pm10")
            .map(|m| (m.1, m.2))
    })
    .await;
    assert_eq!(value, 3.0);
    assert!(
        (before..=now_ms()).contains(&ts),
        "an absent ts is the server's clock"
    );
    gw.stop().await;
    w.assert_all_acked().await;
    w.forget_session().await;
    w.engine.shutdown().await;
}

#[tokio::test]
async fn bad_messages_are_counted_acknowledged_and_the_subscriber_keeps_working() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    w.prepare_session().await;
    let gw = w.start_gateway(&w.engine);
    let device = Device::connect(&w.url).await;
    let good = json!({"values": {"pm25": 5.0}}).to_string();
    device.publish(&w.topic(), "not json at all").await;
    device.publish(&w.topic(), "[1, 2, 3]").await;
    device.publish(&w.topic(), r#"{"ts": 1}"#).await;
    device.publish(&w.topic(), r#"{"values": {}}"#).await;
    // Matches the subscription but names no entity.
    device
        .publish(&format!("{}//telemetry", w.prefix), good.clone())
        .await;
    let t = recent();
    device
        .publish(
            &w.topic(),
            json!({"ts": t, "values": {"pm25": 7.5}}).to_string(),
        )
        .await;
    eventually("the good message after the bad ones", || async {
        w.state(&w.engine)
            .await
            .contains(&("pm25".to_string(), t, 7.5))
            .then_some(())
    })
    .await;
    eventually("five bad messages counted", || async {
        (metric(&w.engine, BAD) == 5).then_some(())
    })
    .await;
    assert_eq!(w.engine.metrics().stored_total(Source::Mqtt), 1);
    gw.stop().await;
    w.assert_all_acked().await;
    w.forget_session().await;
    w.engine.shutdown().await;
}

#[tokio::test]
async fn refused_readings_are_counted_and_the_rest_of_the_message_stored() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    w.prepare_session().await;
    let gw = w.start_gateway(&w.engine);
    let device = Device::connect(&w.url).await;
    let t = recent();
    device
        .publish(
            &format!("{}/no-such-station/telemetry", w.prefix),
            json!({"ts": t, "values": {"pm25": 1.0}}).to_string(),
        )
        .await;
    device
        .publish(
            &w.topic(),
            json!({"ts": t, "values": {"pm25": 12.5, "nope": 1, "aqi": "high", "pm10": 40}})
                .to_string(),
        )
        .await;
    let state = eventually("the valid readings in the live state", || async {
        let s = w.state(&w.engine).await;
        (s.len() == 2).then_some(s)
    })
    .await;
    assert_eq!(
        state,
        [("pm10".to_string(), t, 40.0), ("pm25".to_string(), t, 12.5)]
    );
    eventually("the refusals counted", || async {
        (metric(&w.engine, &rejected("unknown_entity")) == 1).then_some(())
    })
    .await;
    assert_eq!(metric(&w.engine, &rejected("unknown_metric")), 1);
    assert_eq!(metric(&w.engine, &rejected("wrong_type")), 1);
    assert_eq!(
        metric(
            &w.engine,
            "zhicheng_readings_received_total{gateway=\"mqtt\"}"
        ),
        5
    );
    assert_eq!(w.engine.metrics().stored_total(Source::Mqtt), 2);
    assert_eq!(
        metric(&w.engine, BAD),
        0,
        "refused readings are not bad messages"
    );
    gw.stop().await;
    // Refused readings would never become valid: their messages are acknowledged too.
    w.assert_all_acked().await;
    w.forget_session().await;
    w.engine.shutdown().await;
}

#[tokio::test]
async fn a_message_that_was_not_stored_is_not_acknowledged_and_comes_back() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    w.prepare_session().await;
    // An engine that has stopped accepting readings: the store is out of reach.
    w.engine.shutdown().await;
    let gw = w.start_gateway(&w.engine);
    let device = Device::connect(&w.url).await;
    let t = recent();
    let payload = json!({"ts": t, "values": {"pm25": 42.0}}).to_string();
    device.publish(&w.topic(), payload.clone()).await;
    eventually("the gateway to try to store it", || async {
        (metric(
            &w.engine,
            "zhicheng_readings_received_total{gateway=\"mqtt\"}",
        ) >= 1)
            .then_some(())
    })
    .await;
    gw.stop().await;
    assert_eq!(
        w.first_in_session(false).await,
        payload,
        "the broker still holds the message for the gateway"
    );
    // The store is back: the broker redelivers the message to the same session.
    let engine = open_engine(w.dir.path()).await;
    let gw = w.start_gateway(&engine);
    eventually("the redelivered reading in the live state", || async {
        w.state(&engine)
            .await
            .contains(&("pm25".to_string(), t, 42.0))
            .then_some(())
    })
    .await;
    assert_eq!(w.raw(&engine, "pm25", t, t + 1).await, [(t, 42.0)]);
    gw.stop().await;
    w.assert_all_acked().await;
    w.forget_session().await;
    engine.shutdown().await;
}

/// A TCP relay to the broker whose connections the test can cut, as a broker restart would.
struct Relay {
    addr: std::net::SocketAddr,
    accepted: std::sync::Arc<AtomicU32>,
    links: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
    task: JoinHandle<()>,
}

impl Relay {
    async fn start(url: &str) -> Relay {
        let (host, port) = host_port(url);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(AtomicU32::new(0));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (a, l) = (accepted.clone(), links.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                let (host, port) = (host.clone(), port);
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect((host, port)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                l.lock().unwrap().push(link);
            }
        });
        Relay {
            addr,
            accepted,
            links,
            task,
        }
    }

    fn url(&self) -> String {
        format!("mqtt://{}", self.addr)
    }

    /// Drops every connection going through the relay.
    fn cut(&self) {
        for l in self.links.lock().unwrap().drain(..) {
            l.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

#[tokio::test]
async fn the_subscriber_reconnects_and_receives_what_was_sent_meanwhile() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    w.prepare_session().await;
    let relay = Relay::start(&w.url).await;
    let gw = w.start_gateway_via(&w.engine, &relay.url());
    let device = Device::connect(&w.url).await;
    let t = recent();
    device
        .publish(
            &w.topic(),
            json!({"ts": t, "values": {"pm25": 1.0}}).to_string(),
        )
        .await;
    eventually("the first reading", || async {
        (w.raw(&w.engine, "pm25", t, t + 10_000).await.len() == 1).then_some(())
    })
    .await;
    let connections = relay.accepted.load(Ordering::SeqCst);
    relay.cut();
    device
        .publish(
            &w.topic(),
            json!({"ts": t + 1000, "values": {"pm25": 2.0}}).to_string(),
        )
        .await;
    eventually("the reading published while the link was down", || async {
        (w.raw(&w.engine, "pm25", t, t + 10_000).await == [(t, 1.0), (t + 1000, 2.0)]).then_some(())
    })
    .await;
    assert!(
        relay.accepted.load(Ordering::SeqCst) > connections,
        "the gateway reconnected"
    );
    // Cut again and keep it cut a while: the gateway keeps retrying and still stops cleanly.
    relay.cut();
    gw.stop().await;
    w.assert_all_acked().await;
    w.forget_session().await;
    w.engine.shutdown().await;
}

#[tokio::test]
async fn a_malformed_configuration_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path()).await;
    let (_stop, rx) = watch::channel(false);
    let run = |url: &str, topic: &str| {
        let mut cfg = MqttConfig::new(url);
        cfg.topic = topic.into();
        tokio::time::timeout(DEADLINE, mqtt::run(engine.clone(), cfg, rx.clone()))
    };
    assert!(matches!(
        run("http://127.0.0.1:1883", DEFAULT_TOPIC).await.unwrap(),
        Err(MqttError::BadUrl { .. })
    ));
    assert!(matches!(
        run("mqtt://127.0.0.1:1883", "city/#").await.unwrap(),
        Err(MqttError::BadTopic { .. })
    ));
    engine.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_broker_does_not_stop_the_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_engine(dir.path()).await;
    // A port that accepts connections and closes them at once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let attempts = std::sync::Arc::new(AtomicU32::new(0));
    let a = attempts.clone();
    let server = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            a.fetch_add(1, Ordering::SeqCst);
            drop(sock);
        }
    });
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(mqtt::run(
        engine.clone(),
        MqttConfig::new(format!("mqtt://{addr}?client_id={}", unique("zc"))),
        rx,
    ));
    eventually("three connection attempts", || async {
        (attempts.load(Ordering::SeqCst) >= 3).then_some(())
    })
    .await;
    assert!(!task.is_finished(), "the subscriber is still running");
    stop.send(true).unwrap();
    tokio::time::timeout(DEADLINE, task)
        .await
        .expect("stops promptly")
        .unwrap()
        .unwrap();
    server.abort();
    engine.shutdown().await;
}

#[tokio::test]
async fn several_connections_share_the_subscription_and_store_every_message() {
    let Some(url) = broker_url() else { return };
    let w = World::new(url, true).await;
    let mut cfg = w.config(&w.broker());
    cfg.url.push_str("&connections=4");
    let (stop, rx) = watch::channel(false);
    let gw = Gateway {
        stop,
        task: tokio::spawn(mqtt::run(w.engine.clone(), cfg, rx)),
    };
    let device = Device::connect(&w.url).await;
    let t0 = recent();
    // Until all four members have subscribed the broker may drop a message: probe first.
    let probe = json!({"ts": t0, "values": {"pm25": 1.0}}).to_string();
    eventually("the probe in history", || async {
        device.publish(&w.topic(), probe.clone()).await;
        (w.raw(&w.engine, "pm25", t0, t0 + 1).await.len() == 1).then_some(())
    })
    .await;
    // Members still subscribing get nothing meanwhile; the subscribed ones take every message.
    let n = 400;
    for i in 1..=n {
        let payload = json!({"ts": t0 + i, "values": {"pm25": i as f64}}).to_string();
        device.publish(&w.topic(), payload).await;
    }
    let points = eventually("every message in history", || async {
        let p = w.raw(&w.engine, "pm25", t0 + 1, t0 + n + 1).await;
        (p.len() == n as usize).then_some(p)
    })
    .await;
    assert!(points
        .iter()
        .enumerate()
        .all(|(k, p)| p.0 == t0 + 1 + k as i64 && p.1 == (k + 1) as f64));
    gw.stop().await;
    for i in 0..4 {
        Session::connect(&w.url, &format!("{}-{i}", w.client_id), true)
            .await
            .disconnect()
            .await;
    }
    w.engine.shutdown().await;
}
