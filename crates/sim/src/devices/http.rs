//! HTTP ingest transport: one `POST {base}/api/v1/ingest` per device report, authenticated with
//! the device's bearer token, at most [`IN_FLIGHT`] requests at a time over one shared client.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;

use super::{error_chain, payload, Counters, FailureLog, Report};

/// Requests in flight at once.
const IN_FLIGHT: usize = 16;
/// Limit for one request, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct HttpSender {
    client: reqwest::Client,
    url: String,
    failures: FailureLog,
}

impl HttpSender {
    pub(super) fn new(base_url: &str) -> anyhow::Result<HttpSender> {
        let url = format!("{}/api/v1/ingest", base_url.trim_end_matches('/'));
        let parsed =
            reqwest::Url::parse(&url).with_context(|| format!("invalid base URL {base_url:?}"))?;
        if parsed.scheme() != "http" {
            anyhow::bail!("base URL {base_url:?} must be plain http:// (the simulator has no TLS)");
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(IN_FLIGHT)
            // Devices talk to the platform directly; a proxy set for web access must not apply.
            .no_proxy()
            .user_agent(concat!("zhicheng-sim/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        Ok(HttpSender {
            client,
            url,
            failures: FailureLog::new("HTTP ingest"),
        })
    }

    /// Sends one round of reports; returns when every request has finished.
    pub(super) async fn send(&mut self, reports: Vec<Report>, stats: &Counters) {
        let (client, url) = (&self.client, self.url.as_str());
        let mut results = futures::stream::iter(reports)
            .map(|r| post(client, url, r))
            .buffer_unordered(IN_FLIGHT);
        while let Some(result) = results.next().await {
            match result {
                Ok(()) => {
                    stats.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    stats.failed.fetch_add(1, Ordering::Relaxed);
                    self.failures.record(e);
                }
            }
        }
        self.failures.report();
    }

    pub(super) fn close(&mut self) {
        self.failures.flush();
    }
}

async fn post(client: &reqwest::Client, url: &str, r: Report) -> Result<(), String> {
    let body = payload::ingest_body(&r.entity, r.ts, &r.samples);
    let response = client
        .post(url)
        .bearer_auth(&r.token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{}: {}", r.entity, error_chain(&e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    // The server explains a refusal in its body; keep the start of it for the log.
    let text = response.text().await.unwrap_or_default();
    let reason: String = text.chars().take(200).collect();
    Err(format!("{}: HTTP {status} {reason}", r.entity))
}

#[cfg(test)]
pub(super) mod test_server {
    //! A minimal HTTP/1.1 responder for tests: records each request and answers 204 when the
    //! bearer token is `good`, 403 otherwise.

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    /// One received request.
    #[derive(Debug)]
    pub struct Received {
        pub request_line: String,
        pub authorization: Option<String>,
        pub content_type: Option<String>,
        pub body: serde_json::Value,
    }

    /// Starts the responder; returns its base URL and the stream of requests.
    pub async fn spawn() -> (String, mpsc::UnboundedReceiver<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // Read one request: headers, then Content-Length bytes of body.
                        let head_end = loop {
                            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break p + 4;
                            }
                            let mut chunk = [0u8; 4096];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                        let header = |name: &str| {
                            head.lines().find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                            })
                        };
                        let len: usize = header("content-length")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + len {
                            let mut chunk = [0u8; 4096];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body: serde_json::Value =
                            serde_json::from_slice(&buf[head_end..head_end + len])
                                .unwrap_or(serde_json::Value::Null);
                        let authorization = header("authorization");
                        let ok = authorization.as_deref() == Some("Bearer good");
                        let _ = tx.send(Received {
                            request_line: head.lines().next().unwrap_or("").to_string(),
                            authorization,
                            content_type: header("content-type"),
                            body,
                        });
                        buf.drain(..head_end + len);
                        let response: &[u8] = if ok {
                            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"
                        } else {
                            b"HTTP/1.1 403 Forbidden\r\ncontent-length: 23\r\n\r\ntoken not for entity xx"
                        };
                        if sock.write_all(response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("http://{addr}"), rx)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Sample;
    use super::*;

    fn report(entity: &str, token: &str) -> Report {
        Report {
            entity: entity.into(),
            token: token.into(),
            ts: 1_795_399_200_000,
            samples: vec![
                Sample {
                    name: "occupied_spots",
                    value: 120.0,
                },
                Sample {
                    name: "available_spots",
                    value: 80.0,
                },
            ],
        }
    }

    #[tokio::test]
    async fn posts_one_request_per_device_with_its_token() {
        let (base, mut received) = test_server::spawn().await;
        let mut sender = HttpSender::new(&format!("{base}/")).unwrap();
        let stats = Counters::default();
        let reports = vec![report("park-001", "good"), report("park-002", "bad")];
        sender.send(reports, &stats).await;
        assert_eq!(stats.sent.load(Ordering::Relaxed), 1);
        assert_eq!(stats.failed.load(Ordering::Relaxed), 1);
        // The first failure is logged at once, so nothing is left pending.
        assert_eq!(sender.failures.pending, 0);

        let mut got = [
            received.recv().await.unwrap(),
            received.recv().await.unwrap(),
        ];
        got.sort_by_key(|r| r.authorization.clone());
        assert_eq!(got[0].authorization.as_deref(), Some("Bearer bad"));
        let r = &got[1];
        assert_eq!(r.request_line, "POST /api/v1/ingest HTTP/1.1");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            r.body,
            serde_json::json!({"readings": [
                {"entity": "park-001", "metric": "occupied_spots", "ts": 1_795_399_200_000_i64, "value": 120},
                {"entity": "park-001", "metric": "available_spots", "ts": 1_795_399_200_000_i64, "value": 80}
            ]})
        );
    }

    #[tokio::test]
    async fn refused_connections_are_failures() {
        // Bind, learn the port, close: nothing listens there any more.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut sender = HttpSender::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let stats = Counters::default();
        sender
            .send(
                (0..20).map(|_| report("park-001", "good")).collect(),
                &stats,
            )
            .await;
        assert_eq!(stats.sent.load(Ordering::Relaxed), 0);
        assert_eq!(stats.failed.load(Ordering::Relaxed), 20);
    }

    #[test]
    fn only_plain_http_urls() {
        assert!(HttpSender::new("https://example.invalid").is_err());
        assert!(HttpSender::new("not a url").is_err());
        let s = HttpSender::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(s.url, "http://127.0.0.1:8080/api/v1/ingest");
    }
}
