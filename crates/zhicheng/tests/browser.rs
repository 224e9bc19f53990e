//! The web UI in a real browser, and the committed UI bundle against its sources.
//!
//! `browser_end_to_end` starts `zhicheng demo --no-devices` on a free port and runs the
//! Playwright suite in `crates/web/ui/e2e` (Node's test runner, Debian's Chromium); its
//! screenshots go to `<target>/tmp/e2e-screenshots/<test name>/`. `ui_bundle_is_built_from_sources`
//! rebuilds the bundle in memory and compares it with the committed `crates/web/assets/dist`.
//!
//! Both need Node.js and `npm ci` in `crates/web/ui` (and Chromium for the first). Without them
//! the tests say they skip, unless `ZHICHENG_TEST_BROWSER=required` (set by `.ci/run`), where
//! their absence is a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/ui")
}

fn required() -> bool {
    std::env::var("ZHICHENG_TEST_BROWSER").as_deref() == Ok("required")
}

/// Why the UI toolchain is missing, if it is.
fn missing_toolchain(need_browser: bool) -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node {
        return Some("node is not installed".into());
    }
    for pkg in ["esbuild", "playwright-core", "preact", "leaflet", "echarts"] {
        if !ui_dir().join("node_modules").join(pkg).exists() {
            return Some(format!(
                "crates/web/ui/node_modules/{pkg} is missing (run npm ci there)"
            ));
        }
    }
    if need_browser && !Path::new(&chromium()).exists() {
        return Some(format!("no Chromium at {}", chromium()));
    }
    None
}

fn chromium() -> String {
    std::env::var("ZHICHENG_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Returns false (after saying so) when the test should skip.
fn toolchain_ready(need_browser: bool) -> bool {
    match missing_toolchain(need_browser) {
        None => true,
        Some(why) if required() => panic!("ZHICHENG_TEST_BROWSER=required but {why}"),
        Some(why) => {
            eprintln!("skipping: {why}");
            false
        }
    }
}

#[test]
fn ui_bundle_is_built_from_sources() {
    if !toolchain_ready(false) {
        return;
    }
    let out = Command::new("node")
        .args(["build.mjs", "--check"])
        .current_dir(ui_dir())
        .output()
        .expect("run node build.mjs --check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `zhicheng demo` process, killed on drop.
struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn browser_end_to_end() {
    if !toolchain_ready(true) {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let password = "e2e-admin-password";
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhicheng"))
        .args(["demo", "--port", "0", "--no-devices", "--data-dir"])
        .arg(data.path())
        .env("ZHICHENG_ADMIN_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zhicheng demo");
    let stdout = child.stdout.take().unwrap();
    let demo = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("demo exited before listening")
            .expect("read demo stdout");
        if let Some(addr) = line.strip_prefix("zhicheng listening on ") {
            break addr.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1", "e2e/"])
        .current_dir(ui_dir())
        .env("ZC_BASE", &base)
        .env("ZC_ADMIN_PASSWORD", password)
        .env("ZC_SHOTS", &shots)
        .env("ZC_CHROMIUM", chromium())
        .env("ZC_BIN", env!("CARGO_BIN_EXE_zhicheng"))
        .status()
        .expect("run node --test");
    drop(demo);
    eprintln!("screenshots: {}", shots.display());
    assert!(status.success(), "the browser suite failed (see above)");
}
