//! Webhooks and in-app notifications (issue 6) over HTTP against the real binary.
//!
//! - `a_dead_webhook_never_delays_a_live_one`: two webhooks; one endpoint accepts connections
//!   and never answers, the other answers every request. Forty alarm changes later the live
//!   endpoint has received every one, in order, once, signed — while the dead endpoint's first
//!   delivery is still waiting for its answer (state, not time: its queue holds the rest).
//!   The department's users see the same events as notifications and mark them read.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

both_backends!(a_dead_webhook_never_delays_a_live_one);

/// A request as received: headers (lower-case names) and body.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP endpoint that answers 200 to everything and records what it got.
async fn live_endpoint() -> (String, Arc<Mutex<Vec<Received>>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                loop {
                    let mut headers = Vec::new();
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                        }
                    }
                    let n: usize = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; n];
                    if r.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    g.lock().unwrap().push(Received { headers, body });
                    if w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

/// An endpoint that accepts connections, reads, and never answers.
async fn dead_endpoint() -> (String, Arc<Mutex<usize>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(0usize));
    let a = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = l.accept().await {
            *a.lock().unwrap() += 1;
            held.push(sock); // never answered, never closed
        }
    });
    (url, accepted)
}

async fn a_dead_webhook_never_delays_a_live_one(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    seed_small(base, &admin).await;
    let (live_url, live) = live_endpoint().await;
    let (dead_url, dead_accepted) = dead_endpoint().await;

    // Only admins manage webhooks; a URL must be http(s).
    let view1 = login(base, "view1", "view1-password").await;
    let (st, _) = call(
        "POST",
        &format!("{api}/webhooks"),
        &view1,
        Some(json!({"id": "x", "url": live_url})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, e) = call(
        "POST",
        &format!("{api}/webhooks"),
        &admin,
        Some(json!({"id": "x", "url": "ftp://example/hook"})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, w) = call(
        "POST",
        &format!("{api}/webhooks"),
        &admin,
        Some(json!({"id": "duty-dead", "url": dead_url, "secret": "dead-secret", "topics": ["alarm."]})),
    )
    .await;
    assert_eq!(st, 201, "{w}");
    let (st, w) = call(
        "POST",
        &format!("{api}/webhooks"),
        &admin,
        Some(json!({"id": "duty-live", "url": live_url, "secret": "live-secret", "topics": ["alarm.raised", "alarm.cleared"]})),
    )
    .await;
    assert_eq!(st, 201, "{w}");
    assert_eq!(w["signed"], true);
    assert!(w.get("secret").is_none(), "the secret is never shown: {w}");

    let rule = r#"{"id": "pm25-high", "version": 1, "name": "PM2.5 超标", "severity": "major",
        "scope": {"kind": "air_station"},
        "condition": {"type": "threshold", "metric": "pm25", "op": ">", "value": 75, "clear": 60}}"#;
    let (st, r) = call_text("POST", &format!("{api}/rules"), &admin, rule).await;
    assert_eq!(st, 201, "{r}");
    let dev = device_token(base, &admin, "air-001").await;
    let t0 = now_ms() - 3_600_000;
    // Twenty raise/clear cycles: forty alarm events.
    for i in 0..20i64 {
        for (k, v) in [(0, 80.0), (1, 50.0)] {
            let (st, b) = call(
                "POST",
                &format!("{api}/ingest"),
                &dev,
                Some(json!({"readings": [{"entity": "air-001", "metric": "pm25", "ts": t0 + (2 * i + k) * 1000, "value": v}]})),
            )
            .await;
            assert_eq!(st, 200, "{b}");
        }
    }
    let got = eventually("forty deliveries at the live endpoint", || {
        let live = live.clone();
        async move {
            let g = live.lock().unwrap().clone();
            (g.len() >= 40).then_some(g)
        }
    })
    .await;
    assert_eq!(got.len(), 40, "each event once");
    let mut ids = Vec::new();
    for (i, r) in got.iter().enumerate() {
        let ts = r.header("x-zhicheng-timestamp").unwrap();
        let sig = r.header("x-zhicheng-signature").unwrap();
        assert!(
            zhicheng_notify::verify("live-secret", ts, &r.body, sig),
            "signed"
        );
        assert!(!zhicheng_notify::verify("dead-secret", ts, &r.body, sig));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let want = if i % 2 == 0 {
            "alarm.raised"
        } else {
            "alarm.cleared"
        };
        assert_eq!(v["topic"], want, "in order: {v}");
        assert_eq!(r.header("x-zhicheng-event"), Some(want));
        assert_eq!(v["data"]["alarm"]["entity"], "air-001");
        assert_eq!(
            r.header("x-zhicheng-delivery").unwrap(),
            format!("duty-live:{}", v["id"])
        );
        ids.push(v["id"].as_i64().unwrap());
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event order kept: {ids:?}"
    );

    // Meanwhile the dead endpoint holds its first delivery, unanswered; the rest wait in its
    // own queue. The live endpoint's cursor reached the last event.
    let hooks = eventually("the live cursor at the last event", || {
        let (api, admin) = (api.clone(), admin.clone());
        let last = *ids.last().unwrap();
        async move {
            let (_, hooks) = call("GET", &format!("{api}/webhooks"), &admin, None).await;
            let live = hooks
                .as_array()?
                .iter()
                .find(|h| h["id"] == "duty-live")?
                .clone();
            (live["cursor"] == last).then_some(hooks)
        }
    })
    .await;
    let dead = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "duty-dead")
        .unwrap();
    assert_eq!(dead["stats"]["in_flight"], 1, "{dead}");
    assert_eq!(dead["stats"]["delivered"], 0);
    assert_eq!(dead["stats"]["gave_up"], 0);
    assert!(dead["stats"]["queued"].as_u64().unwrap() >= 38, "{dead}");
    assert_eq!(
        *dead_accepted.lock().unwrap(),
        1,
        "one connection, waiting for its answer"
    );
    let live_row = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "duty-live")
        .unwrap();
    assert_eq!(live_row["stats"]["delivered"], 40);
    let (st, log) = call(
        "GET",
        &format!("{api}/webhooks/duty-live/log?limit=100"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(log.as_array().unwrap().len(), 40);
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["outcome"] == "delivered" && l["status"] == 200));

    // Notifications: eco-env's user sees the forty events; urban management sees none.
    let env1 = login(base, "env1", "env1-password").await;
    let urb1 = login(base, "urb1", "urb1-password").await;
    let (st, n) = call("GET", &format!("{api}/notifications?limit=10"), &env1, None).await;
    assert_eq!(st, 200, "{n}");
    assert_eq!(n["unread"], 40);
    assert_eq!(n["items"].as_array().unwrap().len(), 10);
    assert_eq!(n["items"][0]["id"], *ids.last().unwrap(), "newest first");
    assert_eq!(n["items"][0]["unread"], true);
    let (_, n) = call("GET", &format!("{api}/notifications"), &urb1, None).await;
    assert_eq!(n["unread"], 0);
    assert!(n["items"].as_array().unwrap().is_empty());
    let (st, r) = call(
        "POST",
        &format!("{api}/notifications/read"),
        &env1,
        Some(json!({"upto": ids[9]})),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (_, n) = call("GET", &format!("{api}/notifications"), &env1, None).await;
    assert_eq!(n["unread"], 30);
    let (_, _) = call("POST", &format!("{api}/notifications/read"), &env1, None).await;
    let (_, n) = call("GET", &format!("{api}/notifications"), &env1, None).await;
    assert_eq!(n["unread"], 0);

    // Deleting the dead webhook stops its queue; the live one goes on.
    let (st, _) = call("DELETE", &format!("{api}/webhooks/duty-dead"), &admin, None).await;
    assert_eq!(st, 204);
    let (st, _) = call("DELETE", &format!("{api}/webhooks/duty-dead"), &admin, None).await;
    assert_eq!(st, 404);
}
