//! MQTT end to end: the real binary subscribes to Mosquitto; a device publishes QoS 1 to
//! `city/{entity}/telemetry`; the readings appear in state and history through the API.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

fn broker() -> Option<(String, u16)> {
    let Ok(url) = std::env::var("ZHICHENG_TEST_MQTT_URL") else {
        eprintln!("skipping: ZHICHENG_TEST_MQTT_URL not set");
        return None;
    };
    let hp = url
        .trim_start_matches("mqtt://")
        .trim_start_matches("tcp://");
    let hp = hp.split(['/', '?']).next().unwrap_or(hp);
    let (h, p) = hp.rsplit_once(':').unwrap_or((hp, "1883"));
    Some((h.to_string(), p.parse().unwrap()))
}

#[tokio::test]
async fn published_telemetry_lands_in_state_and_history() {
    let Some((host, port)) = broker() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).unwrap();
    let client_id = format!("zhicheng-test-{:x}", rand::random::<u64>());
    let srv = start(
        dir.path(),
        &db.url,
        &format!("[mqtt]\nurl = \"mqtt://{host}:{port}?client_id={client_id}\"\n"),
    );
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    seed_small(&srv.base, &admin).await;

    // A device of our own: publish good, bad and partly bad messages.
    let mut opts = rumqttc::MqttOptions::new(format!("{client_id}-dev"), host, port);
    opts.set_keep_alive(Duration::from_secs(10));
    let (dev, mut el) = rumqttc::AsyncClient::new(opts, 100);
    let poll = tokio::spawn(async move { while el.poll().await.is_ok() {} });
    let t0: i64 = 1_795_399_200_000;
    // The subscription may still be in flight: publish until the first value lands.
    eventually("the first MQTT reading", || {
        let dev = dev.clone();
        let (base, admin) = (srv.base.clone(), admin.clone());
        async move {
            dev.publish(
                "city/air-001/telemetry",
                rumqttc::QoS::AtLeastOnce,
                false,
                json!({"ts": t0, "values": {"pm25": 35.2, "aqi": 50}}).to_string(),
            )
            .await
            .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let (_, s) = call(
                "GET",
                &format!("{base}/api/v1/entities/air-001/state"),
                &admin,
                None,
            )
            .await;
            (s["metrics"].as_array().map(|a| a.len()).unwrap_or(0) >= 2).then_some(())
        }
    })
    .await;
    for (topic, payload) in [
        ("city/air-001/telemetry", "not json".to_string()),
        ("city/air-001/telemetry", json!({"ts": t0}).to_string()),
        ("city/air-001/telemetry", json!({"ts": "2026-11-23T10:01:00+08:00", "values": {"pm25": 40.5, "nox": 3, "online": true}}).to_string()),
    ] {
        dev.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload).await.unwrap();
    }
    let base = srv.base.clone();
    let h = eventually("the second MQTT reading", || {
        let (base, admin) = (base.clone(), admin.clone());
        async move {
            let (_, h) = call(
                "GET",
                &format!(
                    "{base}/api/v1/entities/air-001/history?metric=pm25&from={}&to={}",
                    t0 - 1,
                    t0 + 3_600_000
                ),
                &admin,
                None,
            )
            .await;
            (h["history"]["points"].as_array()?.len() >= 2).then_some(h)
        }
    })
    .await;
    assert_eq!(
        h["history"]["points"],
        json!([[t0, 35.2], [t0 + 60_000, 40.5]])
    );
    let (_, s) = call(
        "GET",
        &format!("{base}/api/v1/entities/air-001/state"),
        &admin,
        None,
    )
    .await;
    let online = s["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "online")
        .unwrap();
    assert_eq!(online["value"], 1.0);
    let metrics = metrics_text(&base).await;
    let bad: f64 = metrics
        .lines()
        .find(|l| l.starts_with("zhicheng_mqtt_bad_messages_total"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .parse()
        .unwrap();
    assert!(bad >= 1.0, "{metrics}");
    assert!(
        metrics.contains("gateway=\"mqtt\",reason=\"unknown_metric\""),
        "{metrics}"
    );
    poll.abort();
}
