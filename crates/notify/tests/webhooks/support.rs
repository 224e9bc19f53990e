//! Real receivers on 127.0.0.1 port 0, a journal that can be awaited, and polling with a
//! deadline (never a sleep that waits for something to have happened).

#![allow(dead_code)] // Why: each test uses part of the harness.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::routing::post;
use axum::Router;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use zhicheng_notify::{Delivery, Dispatcher, EndpointConfig, EndpointStats, Journal, Outcome};

/// How long a test waits for something before failing.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// The secret of the test endpoints.
pub const SECRET: &str = "s3cret-县城";

/// One call of the journal.
#[derive(Debug, Clone)]
pub struct Record {
    pub endpoint: String,
    pub delivery: Delivery,
    pub outcome: Outcome,
}

/// A journal whose records can be awaited.
pub struct Recorder {
    tx: watch::Sender<Vec<Record>>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder {
            tx: watch::channel(Vec::new()).0,
        })
    }

    pub fn all(&self) -> Vec<Record> {
        self.tx.borrow().clone()
    }

    /// Records for one delivery id, in order.
    pub fn of(&self, delivery: &str) -> Vec<Outcome> {
        self.tx
            .borrow()
            .iter()
            .filter(|r| r.delivery.id == delivery)
            .map(|r| r.outcome.clone())
            .collect()
    }

    /// Waits until `cond` holds for the records, or fails the test after [`DEADLINE`].
    pub async fn wait_for(&self, what: &str, mut cond: impl FnMut(&[Record]) -> bool) {
        let mut rx = self.tx.subscribe();
        let waited = tokio::time::timeout(DEADLINE, rx.wait_for(|v| cond(v))).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "journal: gave up waiting for {what}; records: {:#?}",
            self.all()
        );
    }

    /// Waits until delivery `id` has a final outcome, and answers its outcomes.
    pub async fn finished(&self, id: &str) -> Vec<Outcome> {
        self.wait_for(&format!("a final outcome of {id}"), |v| {
            v.iter()
                .any(|r| r.delivery.id == id && r.outcome.is_final())
        })
        .await;
        self.of(id)
    }
}

impl Journal for Recorder {
    fn record(&self, endpoint: &str, delivery: &Delivery, outcome: &Outcome) {
        let record = Record {
            endpoint: endpoint.to_owned(),
            delivery: delivery.clone(),
            outcome: outcome.clone(),
        };
        self.tx.send_modify(|v| v.push(record));
    }
}

/// A request as a receiver saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn id(&self) -> &str {
        self.header("x-zhicheng-delivery")
    }
    /// Whether the signature is right for `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        zhicheng_notify::verify(
            secret,
            self.header("x-zhicheng-timestamp"),
            &self.body,
            self.header("x-zhicheng-signature"),
        )
    }
}

/// An answer a scripted receiver gives.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: &'static str,
}

pub fn answer(status: u16) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: "",
    }
}

struct ReceiverState {
    script: Mutex<VecDeque<Answer>>,
    seen: watch::Sender<Vec<Seen>>,
}

/// An HTTP receiver that records every request and answers from a script, then 200.
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start(script: Vec<Answer>) -> Receiver {
        let state = Arc::new(ReceiverState {
            script: Mutex::new(script.into()),
            seen: watch::channel(Vec::new()).0,
        });
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, state }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.borrow().clone()
    }

    /// Waits until at least `n` requests arrived, or fails the test after [`DEADLINE`].
    pub async fn wait_for_requests(&self, n: usize) -> Vec<Seen> {
        let mut rx = self.state.seen.subscribe();
        let waited = tokio::time::timeout(DEADLINE, rx.wait_for(|v| v.len() >= n)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "receiver {}: {} requests, waited for {n}",
            self.url,
            self.seen().len()
        );
        self.seen()
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, &'static str) {
    state.seen.send_modify(|v| v.push(Seen { headers, body }));
    let answer = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| answer(200));
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    (
        StatusCode::from_u16(answer.status).unwrap(),
        headers,
        answer.body,
    )
}

/// A TCP server that accepts connections, reads each request's head and never answers.
pub struct Silent {
    pub url: String,
    heads: watch::Sender<Vec<String>>,
}

impl Silent {
    pub async fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let heads = watch::channel(Vec::new()).0;
        let tx = heads.clone();
        tokio::spawn(async move {
            // Why keep them: a dropped socket would be an answer (connection closed).
            let mut open: Vec<TcpStream> = Vec::new();
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let head = read_head(&mut socket).await;
                tx.send_modify(|v| v.push(head));
                open.push(socket);
            }
        });
        Silent { url, heads }
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.borrow().clone()
    }

    /// Waits until at least `n` request heads arrived, or fails after [`DEADLINE`].
    pub async fn wait_for_requests(&self, n: usize) -> Vec<String> {
        let mut rx = self.heads.subscribe();
        let waited = tokio::time::timeout(DEADLINE, rx.wait_for(|v| v.len() >= n)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "silent server: fewer than {n} requests"
        );
        self.heads()
    }
}

async fn read_head(socket: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A URL on which nothing listens (connection refused).
pub async fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/hook")
}

/// An endpoint with the secret, a 5 s timeout and back-off of milliseconds.
pub fn endpoint(id: &str, url: &str) -> EndpointConfig {
    let mut c = EndpointConfig::new(id, url);
    c.secret = Some(SECRET.to_owned());
    c.timeout = Duration::from_secs(5);
    c.max_attempts = 3;
    c.backoff_initial = Duration::from_millis(1);
    c.backoff_max = Duration::from_millis(5);
    c
}

pub fn delivery(id: &str, n: usize) -> Delivery {
    let body = format!(r#"{{"alarm":"pm25-high","entity":"aq-{n:03}","value":{n}}}"#);
    Delivery::new(id, "alarm.raised", body, 1_767_225_600_000)
}

pub fn dispatcher(recorder: &Arc<Recorder>) -> Dispatcher {
    Dispatcher::new(Arc::clone(recorder) as Arc<dyn Journal>).unwrap()
}

/// Polls the endpoint's stats until `cond` holds, or fails after [`DEADLINE`].
pub async fn wait_stats(
    d: &Dispatcher,
    endpoint: &str,
    what: &str,
    mut cond: impl FnMut(&EndpointStats) -> bool,
) -> EndpointStats {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let stats = d.endpoint_stats(endpoint);
        if let Some(s) = &stats {
            if cond(s) {
                return s.clone();
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "stats of {endpoint}: gave up waiting for {what}; last {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
