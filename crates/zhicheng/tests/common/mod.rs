//! Test harness: starts the real `zhicheng` binary on port 0 with a fresh database — a SQLite
//! file in a temporary directory, or a fresh PostgreSQL database when
//! `ZHICHENG_TEST_POSTGRES_URL` is set — and talks to it over HTTP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const ADMIN_PASSWORD: &str = "admin-test-pw-1";

/// Runs each named `async fn(Backend)` as two tests, `sqlite::name` and `postgres::name`
/// (the PostgreSQL one says it skips when `ZHICHENG_TEST_POSTGRES_URL` is unset).
#[allow(unused_macros)] // not every test file runs on both backends
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await } )* }
    };
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database for one test.
pub struct Db {
    pub url: String,
    admin_url: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((server, name)) = self.admin_url.take() {
            // Best effort: drop the test database once the server has let go of it.
            let _ = Command::new("psql")
                .args([
                    &server,
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A fresh database of `backend`, or `None` (the test should skip) when PostgreSQL is not
/// configured.
pub fn fresh_db(backend: Backend, dir: &std::path::Path) -> Option<Db> {
    match backend {
        Backend::Sqlite => Some(Db {
            url: format!("sqlite://{}", dir.join("zhicheng.db").display()),
            admin_url: None,
        }),
        Backend::Postgres => {
            let Ok(server) = std::env::var("ZHICHENG_TEST_POSTGRES_URL") else {
                eprintln!("skipping: ZHICHENG_TEST_POSTGRES_URL not set");
                return None;
            };
            let name = format!("zc_e2e_{:016x}", rand::random::<u64>());
            let ok = Command::new("psql")
                .args([&server, "-q", "-c", &format!("CREATE DATABASE {name}")])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(
                ok,
                "could not create database {name} on {server} (is psql installed?)"
            );
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
            Some(Db {
                url: format!("{base}/{name}"),
                admin_url: Some((server.clone(), name)),
            })
        }
    }
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Server {
    /// Stops the server as an operator would (SIGTERM) and waits for a clean exit.
    pub fn terminate(mut self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
        assert!(self.child.wait().unwrap().success(), "a clean exit");
    }
}

/// The server's `/metrics` text.
pub async fn metrics_text(base: &str) -> String {
    client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the first `/metrics` line that starts with `series` (a name, or a name with
/// labels), 0 when there is none.
pub async fn metric(base: &str, series: &str) -> f64 {
    metrics_text(base)
        .await
        .lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Opens `/api/v1/stream` and forwards the items of every event named `name` (its data is a
/// JSON array).
pub async fn stream_items(
    base: &str,
    token: &str,
    name: &str,
) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    let resp = client()
        .get(format!("{base}/api/v1/stream"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let line = format!("event: {name}");
    tokio::spawn(async move {
        let mut resp = resp;
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if !event.lines().any(|l| l.trim() == line) {
                    continue;
                }
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(data.trim()) {
                        for i in items {
                            let _ = tx.send(i);
                        }
                    }
                }
            }
        }
    });
    rx
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a config file into `dir` and starts the server with it.
pub fn start(dir: &std::path::Path, db_url: &str, extra: &str) -> Server {
    let config = dir.join("zhicheng.toml");
    if !config.exists() {
        std::fs::write(
            &config,
            format!(
                "data_dir = {:?}\ndatabase_url = {:?}\n[server]\nlisten = \"127.0.0.1:0\"\n[auth]\ninitial_admin_password = {:?}\n[history]\ncompact_interval_seconds = 1\n{extra}\n",
                dir.display().to_string(),
                db_url,
                ADMIN_PASSWORD
            ),
        )
        .unwrap();
    }
    restart(dir, &config)
}

/// Starts the server with an existing config file.
pub fn restart(dir: &std::path::Path, config: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhicheng"))
        .args(["serve", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zhicheng");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .expect("read server stdout");
        if let Some(addr) = line.strip_prefix("zhicheng listening on ") {
            break addr.trim().to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base,
        dir: dir.to_path_buf(),
        config: config.to_path_buf(),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn login(base: &str, user: &str, password: &str) -> String {
    let r = client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {user}");
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Sends a request with a bearer token and returns (status, JSON body or Null).
pub async fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let c = client();
    let mut rb = c.request(method.parse().unwrap(), url).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Sends JSON text as it is (a rule whose field order and spelling matter) and returns
/// (status, JSON body or Null).
pub async fn call_text(method: &str, url: &str, token: &str, body: &str) -> (u16, Value) {
    let r = client()
        .request(method.parse().unwrap(), url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Epoch milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Sends a raw body (an evidence upload) and returns (status, JSON body or Null).
pub async fn upload(url: &str, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let r = client()
        .post(url)
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// GETs a file: (status, content type, bytes).
pub async fn download(url: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = client().get(url).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// Polls `f` until it returns Some or the deadline passes.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Seeds a small registry: county, town, two departments, an air-station kind, two entities
/// (one per department), and a department user for each department.
pub async fn seed_small(base: &str, admin: &str) {
    let api = format!("{base}/api/v1");
    for (m, path, body) in [
        (
            "POST",
            "regions",
            json!({"code": "370323", "name": "沂源县"}),
        ),
        (
            "POST",
            "regions",
            json!({"code": "370323001", "name": "南麻街道"}),
        ),
        (
            "POST",
            "departments",
            json!({"id": "eco-env", "name": "市生态环境局沂源分局"}),
        ),
        (
            "POST",
            "departments",
            json!({"id": "urban-mgmt", "name": "县综合行政执法局"}),
        ),
        (
            "POST",
            "kinds",
            json!({"id": "air_station", "name": "空气质量监测站", "metrics": [
            {"name": "pm25", "unit": "µg/m³"}, {"name": "aqi", "type": "integer"}, {"name": "online", "type": "boolean"}]}),
        ),
        (
            "POST",
            "entities",
            json!({"id": "air-001", "kind": "air_station", "name": "南麻站", "department": "eco-env",
            "region": "370323001", "geometry": {"type": "Point", "coordinates": [118.17, 36.18]}}),
        ),
        (
            "POST",
            "entities",
            json!({"id": "air-002", "kind": "air_station", "name": "城管站", "department": "urban-mgmt",
            "region": "370323001", "geometry": {"type": "Point", "coordinates": [118.16, 36.19]}}),
        ),
        (
            "POST",
            "users",
            json!({"username": "env1", "role": "department", "department": "eco-env", "password": "env1-password"}),
        ),
        (
            "POST",
            "users",
            json!({"username": "urb1", "role": "department", "department": "urban-mgmt", "password": "urb1-password"}),
        ),
        (
            "POST",
            "users",
            json!({"username": "view1", "role": "viewer", "password": "view1-password"}),
        ),
    ] {
        let (st, b) = call(m, &format!("{api}/{path}"), admin, Some(body)).await;
        assert_eq!(st, 201, "{path}: {b}");
    }
}

/// Issues a device token for an entity.
pub async fn device_token(base: &str, admin: &str, entity: &str) -> String {
    let (st, b) = call(
        "POST",
        &format!("{base}/api/v1/entities/{entity}/token"),
        admin,
        None,
    )
    .await;
    assert_eq!(st, 201, "{b}");
    b["token"].as_str().unwrap().to_string()
}

/// A fresh database of `backend` and a server on it, signed in as admin: (directory, database,
/// server, admin token); `None` when the backend is not configured (the test skips).
pub async fn boot(backend: Backend) -> Option<(tempfile::TempDir, Db, Server, String)> {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(backend, dir.path())?;
    let srv = start(dir.path(), &db.url, "");
    let admin = login(&srv.base, "admin", ADMIN_PASSWORD).await;
    Some((dir, db, srv, admin))
}

/// POSTs `body` to `{api}/{path}` and expects 201 Created.
pub async fn post(api: &str, token: &str, path: &str, body: Value) {
    let (st, b) = call("POST", &format!("{api}/{path}"), token, Some(body)).await;
    assert_eq!(st, 201, "{path}: {b}");
}

/// A Python 3 with openpyxl: `python3` on the PATH, else Debian's. `None` (the test skips
/// its workbook parts) when there is none — unless `ZHICHENG_TEST_BROWSER=required` (CI).
pub fn python() -> Option<std::path::PathBuf> {
    for p in ["python3", "/usr/bin/python3"] {
        let ok = std::process::Command::new(p)
            .args(["-c", "import openpyxl"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Some(std::path::PathBuf::from(p));
        }
    }
    assert_ne!(
        std::env::var("ZHICHENG_TEST_BROWSER").as_deref(),
        Ok("required"),
        "python3 with openpyxl is required (ZHICHENG_TEST_BROWSER=required)"
    );
    eprintln!("skipping: python3 with openpyxl is missing");
    None
}

/// Runs a Python script with `args`; its standard output.
pub fn run_python(py: &std::path::Path, script: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(py)
        .args(["-c", script])
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
