//! Durability: the server is killed with SIGKILL, or stopped with SIGTERM, in the middle of
//! sustained ingestion and restarted; every reading that got a 2xx must be in history.

mod common;

use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};

async fn stopped_during_ingest_loses_nothing_acknowledged(backend: Backend, signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_db(backend, dir.path()) else {
        return;
    };
    let srv = start(dir.path(), &db.url, "");
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    seed_small(&srv.base, &admin).await;
    let tok = device_token(&srv.base, &admin, "air-001").await;

    // Writers send batches as fast as the server takes them and remember what was acknowledged.
    let acked: Arc<Mutex<Vec<i64>>> = Arc::new(Mutex::new(Vec::new()));
    let t0: i64 = 1_795_399_200_000;
    let mut writers = Vec::new();
    for w in 0..4i64 {
        let (base, tok, acked) = (srv.base.clone(), tok.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            let c = client();
            for batch in 0..100_000i64 {
                let start = t0 + (w * 1_000_000_000) + batch * 500;
                let readings: Vec<_> = (0..500).map(|i| json!({"entity": "air-001", "metric": "pm25", "ts": start + i, "value": (i % 100) as f64})).collect();
                match c.post(format!("{base}/api/v1/ingest")).bearer_auth(&tok).json(&json!({"readings": readings})).send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().extend((0..500).map(|i| start + i)),
                    _ => return,
                }
            }
        }));
    }
    // Kill once a good amount is acknowledged (no fixed sleep: wait for progress).
    eventually("some acknowledged readings", || {
        let n = acked.lock().unwrap().len();
        async move { (n >= 100_000).then_some(()) }
    })
    .await;
    let mut srv = srv;
    let ok = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &srv.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal}");
    let status = srv.child.wait().unwrap();
    if signal == "TERM" {
        // A graceful stop: in-flight requests finish, the bus is flushed, the exit is clean.
        assert!(status.success(), "graceful stop exited with {status}");
    }
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 100_000);

    // Restart on the same database and read everything back.
    let config = srv.config.clone();
    drop(srv);
    let srv = restart(dir.path(), &config);
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    let mut stored = std::collections::HashSet::new();
    for w in 0..4i64 {
        let from = t0 + w * 1_000_000_000;
        let mut cursor = from;
        loop {
            let (st, h) = call("GET", &format!("{}/api/v1/entities/air-001/history?metric=pm25&from={cursor}&to={}&limit=100000", srv.base, from + 1_000_000_000), &admin, None).await;
            assert_eq!(st, 200, "{h}");
            let pts = h["history"]["points"].as_array().unwrap();
            for p in pts {
                stored.insert(p[0].as_i64().unwrap());
            }
            if !h["history"]["truncated"].as_bool().unwrap() {
                break;
            }
            cursor = pts.last().unwrap()[0].as_i64().unwrap() + 1;
        }
    }
    let missing = acked.iter().filter(|t| !stored.contains(t)).count();
    eprintln!(
        "acknowledged {} readings before SIG{signal}; {} stored after restart",
        acked.len(),
        stored.len()
    );
    assert_eq!(missing, 0, "{missing} acknowledged readings were lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sigkill_during_ingest() {
    stopped_during_ingest_loses_nothing_acknowledged(Backend::Sqlite, "KILL").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigkill_during_ingest() {
    stopped_during_ingest_loses_nothing_acknowledged(Backend::Postgres, "KILL").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sigterm_during_ingest_flushes_and_exits_cleanly() {
    stopped_during_ingest_loses_nothing_acknowledged(Backend::Sqlite, "TERM").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigterm_during_ingest_flushes_and_exits_cleanly() {
    stopped_during_ingest_loses_nothing_acknowledged(Backend::Postgres, "TERM").await
}
