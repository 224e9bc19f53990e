//! The MQTT transport against a real broker: runs only where `mosquitto` is installed (it is
//! skipped, with a note, elsewhere). Starts a private broker on a free port, subscribes to the
//! telemetry topics and checks what the simulated devices publish.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use zhicheng_sim::devices::{self, SimConfig, Transport};

/// Kills the broker and removes its configuration when the test ends, however it ends.
struct Broker(Child, std::path::PathBuf);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_file(&self.1);
    }
}

fn start_broker() -> Option<(Broker, u16)> {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
        l.local_addr().ok()?.port()
    };
    let conf = std::env::temp_dir().join(format!(
        "zhicheng-sim-mosquitto-{}.conf",
        std::process::id()
    ));
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\n"),
    )
    .ok()?;
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some((Broker(child, conf), port))
}

#[tokio::test]
async fn devices_publish_telemetry_to_a_broker() {
    let Some((_broker, port)) = start_broker() else {
        eprintln!("mosquitto is not installed: MQTT broker test skipped");
        return;
    };

    // Subscriber: keeps polling (and so reconnecting) until the broker is up.
    let mut opts = MqttOptions::new("zhicheng-sim-test-sub", "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5));
    let (sub, mut events) = AsyncClient::new(opts, 16);
    let (tx, mut received) = mpsc::unbounded_channel();
    let (subscribed_tx, mut subscribed) = mpsc::unbounded_channel();
    let listener = tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let _ = sub.subscribe("city/+/telemetry", QoS::AtLeastOnce).await;
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = subscribed_tx.send(());
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send((p.topic.clone(), p.payload.to_vec()));
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(20), subscribed.recv())
        .await
        .expect("the broker accepts a subscription within 20 s");

    let county = zhicheng_sim::seed::yiyuan();
    let fleet: Vec<_> = devices::reporting_devices(&county, |_| String::new())
        .into_iter()
        .step_by(40)
        .collect();
    let n = fleet.len();
    let (stop, shutdown) = watch::channel(false);
    let sim = tokio::spawn(devices::run(
        SimConfig {
            transport: Transport::Mqtt {
                url: format!("mqtt://127.0.0.1:{port}?client_id=zhicheng-sim-test"),
            },
            devices: fleet,
            interval: Duration::from_millis(200),
            seed: 3,
        },
        shutdown,
    ));

    let deadline = Instant::now() + Duration::from_secs(20);
    let mut topics = std::collections::BTreeSet::new();
    let mut count = 0;
    while count < 2 * n {
        let (topic, payload) = tokio::time::timeout_at(deadline, received.recv())
            .await
            .expect("telemetry arrives within 20 s")
            .expect("the subscriber runs");
        let body: serde_json::Value = serde_json::from_slice(&payload).expect("JSON payload");
        assert!(body["ts"].as_i64().is_some(), "{body}");
        assert!(
            !body["values"].as_object().expect("values").is_empty(),
            "{body}"
        );
        let entity = topic
            .strip_prefix("city/")
            .and_then(|t| t.strip_suffix("/telemetry"))
            .expect("topic city/{entity}/telemetry");
        let kind = &county.entity(entity).expect("a seeded entity").kind;
        for metric in body["values"].as_object().unwrap().keys() {
            assert!(
                county.kind(kind).unwrap().metric(metric).is_some(),
                "{kind}.{metric}"
            );
        }
        topics.insert(topic);
        count += 1;
    }
    stop.send(true).unwrap();
    let stats = tokio::time::timeout(Duration::from_secs(20), sim)
        .await
        .expect("the simulator stops within 20 s")
        .unwrap()
        .unwrap();
    listener.abort();
    assert_eq!(topics.len(), n, "every device published");
    assert!(stats.sent >= n as u64, "{stats:?}");
    assert_eq!(stats.failed, 0);
}
