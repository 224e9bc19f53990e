//! A simulated county for zhicheng: the registry of Yiyuan (沂源县) and devices that report to the
//! platform over its real device protocols.
//!
//! - [`seed`]: regions, departments, grids, kinds and about 400 entities of a simulated Yiyuan,
//!   built deterministically from data files compiled into the crate.
//! - [`devices`]: a device simulator that, every interval, has each device report realistic values
//!   for its kind and the time of day (Asia/Shanghai) over HTTP ingest or MQTT.
//!
//! ```no_run
//! use std::time::Duration;
//! use zhicheng_sim::devices::{self, SimConfig, Transport};
//!
//! # async fn demo() -> anyhow::Result<()> {
//! let seed = zhicheng_sim::seed::yiyuan();
//! let devices = devices::reporting_devices(&seed, |e| format!("token-for-{}", e.id));
//! let (stop, shutdown) = tokio::sync::watch::channel(false);
//! let cfg = SimConfig {
//!     transport: Transport::Http { base_url: "http://127.0.0.1:8080".into() },
//!     devices,
//!     interval: Duration::from_secs(60),
//!     seed: 42,
//! };
//! let sim = tokio::spawn(devices::run(cfg, shutdown));
//! // ... later:
//! stop.send(true)?;
//! let stats = sim.await??;
//! println!("sent {} messages, {} failed", stats.sent, stats.failed);
//! # Ok(())
//! # }
//! ```

pub mod devices;
pub mod seed;
