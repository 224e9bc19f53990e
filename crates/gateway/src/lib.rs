//! Gateways: each listener speaks one protocol, authenticates the sender, turns messages into
//! [`zhicheng_engine::IngestReading`]s and hands them to [`zhicheng_engine::Engine::ingest`],
//! which returns once they are durable — only then is the sender acknowledged.
//!
//! - [`http`]: `POST /api/v1/ingest` (JSON or NDJSON) with a per-entity device token.
//! - [`mqtt`]: a subscriber on `city/{entity}/telemetry`, acknowledging QoS 1 after durability.

pub mod http;
pub mod mqtt;
