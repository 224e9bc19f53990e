//! The `zhicheng import` command against a real store, and a slow live-stream client, through
//! the real binary.

mod common;

use std::process::Command;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn zhicheng(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zhicheng"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zhicheng")
}

async fn entity_status(base: &str, admin: &str, id: &str) -> u16 {
    call("GET", &format!("{base}/api/v1/entities/{id}"), admin, None)
        .await
        .0
}

#[tokio::test]
async fn import_command_stores_good_rows_and_reports_each_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).unwrap();
    let srv = start(dir.path(), &db.url, "");
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    seed_small(&srv.base, &admin).await;
    let config = srv.config.display().to_string();
    // The command works on the store; the server reads its registry at start.
    drop(srv);

    let csv = dir.path().join("stations.csv");
    std::fs::write(
        &csv,
        "id,kind,name,department,region,lon,lat\n\
         air-020,air_station,东站,eco-env,370323001,118.18,36.18\n\
         air-021,air_station,坏站,eco-env,370323001,abc,36.18\n\
         air-022,air_station,无部门,nobody,370323001,118.18,36.18\n\
         air-023,air_station,西站,eco-env,370323001,118.15,36.17\n",
    )
    .unwrap();
    let csv = csv.display().to_string();

    // A dry run checks every row and stores nothing.
    let out = zhicheng(&["import", "--config", &config, "entities", &csv, "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("checked 2 rows, 2 refused"), "{stdout}");

    let out = zhicheng(&["import", "--config", &config, "entities", &csv]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "bad rows make the exit code 1");
    assert!(stdout.contains("imported 2 rows, 2 refused"), "{stdout}");
    let bad: Vec<&str> = stderr.lines().filter(|l| l.starts_with("row ")).collect();
    assert_eq!(bad.len(), 2, "{stderr}");
    assert!(bad[0].starts_with("row 3 (air-021)"), "{stderr}");
    assert!(
        bad[1].starts_with("row 4 (air-022)") && bad[1].contains("department"),
        "{stderr}"
    );

    // A file that is not CSV or GeoJSON is refused with a reason, storing nothing.
    let out = zhicheng(&["import", "--config", &config, "entities", "stations.txt"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stations.txt"));

    let srv = restart(dir.path(), std::path::Path::new(&config));
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    assert_eq!(entity_status(&srv.base, &admin, "air-020").await, 200);
    assert_eq!(entity_status(&srv.base, &admin, "air-023").await, 200);
    assert_eq!(entity_status(&srv.base, &admin, "air-021").await, 404);
    assert_eq!(entity_status(&srv.base, &admin, "air-022").await, 404);
}

/// A live-stream client that stops reading is dropped; ingestion does not wait for it, and a
/// client that keeps reading gets everything.
#[tokio::test]
async fn a_stream_client_that_stops_reading_is_dropped_and_never_slows_ingestion() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(Backend::Sqlite, dir.path()).unwrap();
    let srv = start(dir.path(), &db.url, "");
    let base = srv.base.clone();
    let admin = login(&base, "admin", ADMIN_PASSWORD).await;
    seed_small(&base, &admin).await;
    // A kind with many metrics, so each batch makes a large event.
    let metrics: Vec<Value> = (0..500).map(|i| json!({"name": format!("m{i}")})).collect();
    let api = format!("{base}/api/v1");
    let (st, b) = call(
        "POST",
        &format!("{api}/kinds"),
        &admin,
        Some(json!({"id": "wide", "name": "宽", "metrics": metrics})),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let (st, b) = call(
        "POST",
        &format!("{api}/entities"),
        &admin,
        Some(
            json!({"id": "wide-1", "kind": "wide", "name": "宽1", "department": "eco-env",
                    "region": "370323001"}),
        ),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let tok = device_token(&base, &admin, "wide-1").await;

    // The slow client: sends its request, reads the response head, then never reads again.
    let addr = base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        format!(
            "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {admin}\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = vec![0u8; 512];
    let n = slow.read(&mut head).await.unwrap();
    assert!(
        String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..n])
    );

    // The good client reads everything.
    let good = client()
        .get(format!("{api}/stream?entity=wide-1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let (seen_tx, mut seen_rx) = tokio::sync::watch::channel(0i64);
    let reader = tokio::spawn(async move {
        let mut good = good;
        let mut buf = String::new();
        while let Ok(Some(chunk)) = good.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(data.trim()) {
                        let newest = items.iter().filter_map(|i| i["ts"].as_i64()).max();
                        if let Some(ts) = newest {
                            seen_tx.send_if_modified(|s| {
                                let moved = ts > *s;
                                *s = (*s).max(ts);
                                moved
                            });
                        }
                    }
                }
            }
        }
    });

    // 300 requests of 500 readings: each batch's event is tens of KiB, far more in all than the
    // slow client's socket buffers and its 64-event queue hold.
    let t0: i64 = 1_795_399_200_000;
    let c = client();
    for r in 0..300i64 {
        let readings: Vec<Value> = (0..500)
            .map(|i| json!({"entity": "wide-1", "metric": format!("m{i}"), "ts": t0 + r * 1000, "value": r}))
            .collect();
        let resp = c
            .post(format!("{api}/ingest"))
            .bearer_auth(&tok)
            .json(&json!({ "readings": readings }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "request {r}");
    }
    let last = t0 + 299 * 1000;
    eventually("the slow client is counted as dropped", || async {
        let m = client()
            .get(format!("{base}/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        m.lines()
            .find(|l| l.starts_with("zhicheng_stream_dropped_total"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .filter(|n| *n >= 1.0)
    })
    .await;
    eventually("the good client saw the last reading", || {
        let v = *seen_rx.borrow_and_update();
        async move { (v == last).then_some(()) }
    })
    .await;
    reader.abort();
    drop(slow);
}

/// `zhicheng mqtt forget-sessions` removes every session of a shared-subscription gateway, so
/// the broker stops keeping messages for them.
#[tokio::test]
async fn mqtt_forget_sessions_removes_the_gateways_sessions() {
    let Ok(broker) = std::env::var("ZHICHENG_TEST_MQTT_URL") else {
        eprintln!("skipping: ZHICHENG_TEST_MQTT_URL not set");
        return;
    };
    let broker = broker.trim_end_matches('/').to_string();
    let hp = broker
        .trim_start_matches("mqtt://")
        .trim_start_matches("tcp://");
    let (host, port) = hp
        .rsplit_once(':')
        .map(|(h, p)| (h.to_string(), p.parse::<u16>().unwrap()))
        .unwrap_or((hp.to_string(), 1883));
    let id = format!("zc-forget-{}", std::process::id());
    // What a gateway with two connections leaves behind: two persistent sessions.
    let session = |client_id: String, clean: bool| {
        let mut o = rumqttc::MqttOptions::new(client_id, host.clone(), port);
        o.set_clean_session(clean);
        rumqttc::AsyncClient::new(o, 10)
    };
    let connack = |mut events: rumqttc::EventLoop| async move {
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(a)) =
                events.poll().await.expect("broker")
            {
                return (a.session_present, events);
            }
        }
    };
    for i in 0..2 {
        let (client, events) = session(format!("{id}-{i}"), false);
        client
            .subscribe(
                "$share/zhicheng/zc-forget/+/telemetry",
                rumqttc::QoS::AtLeastOnce,
            )
            .await
            .unwrap();
        let (_, mut events) = connack(events).await;
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)) =
                events.poll().await.unwrap()
            {
                break;
            }
        }
        client.disconnect().await.unwrap();
        let _ = events.poll().await;
        // The broker kept it (so the check below can fail).
        let (client, events) = session(format!("{id}-{i}"), false);
        let (present, mut events) = connack(events).await;
        assert!(present, "the broker did not keep session {id}-{i}");
        client.disconnect().await.unwrap();
        let _ = events.poll().await;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zhicheng.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[mqtt]\nurl = \"{broker}?client_id={id}&connections=2\"\n",
            dir.path().display().to_string()
        ),
    )
    .unwrap();
    let out = zhicheng(&[
        "mqtt",
        "forget-sessions",
        "--config",
        &config.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for i in 0..2 {
        // Reconnecting without a clean session: the broker says whether it still had one.
        let (client, events) = session(format!("{id}-{i}"), false);
        let (present, _) = connack(events).await;
        assert!(!present, "session {id}-{i} is still there");
        // Leave nothing behind.
        drop(client);
        let (_, events) = session(format!("{id}-{i}"), true);
        let _ = connack(events).await;
    }
}
