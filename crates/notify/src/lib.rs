//! Webhook delivery for alarms and case events: retries with back-off, and one isolated queue
//! per endpoint, so that a dead or slow receiver never delays the others.
//!
//! * [`config`] — [`EndpointConfig`]: URL, secret, timeout, attempts, back-off, queue size, as
//!   JSON with durations in milliseconds, validated with errors that name the field.
//! * [`journal`] — [`Delivery`] (what is sent), [`Outcome`] (what became of it) and the
//!   [`Journal`] trait through which every outcome reaches the engine.
//! * [`dispatcher`] — the [`Dispatcher`]: one bounded queue and one Tokio task per endpoint;
//!   [`Dispatcher::enqueue`] never waits for the network.
//! * [`signature`](mod@signature) — [`signature()`] and [`verify()`] of the
//!   `X-Zhicheng-Signature` header, for receivers and tests.
//! * [`backoff`](mod@backoff) — the wait between attempts.
//!
//! The crate keeps deliveries in memory only. **Durability is the engine's**: it writes each
//! delivery to its outbox, enqueues it here, records what the [`Journal`] reports, and after a
//! restart enqueues again what has no final outcome, with [`Delivery::attempts`] set to the
//! attempts already made.
//!
//! # The request
//!
//! ```text
//! POST <url>
//! Content-Type: application/json
//! User-Agent: zhicheng-webhook/<version>
//! X-Zhicheng-Event: alarm.raised
//! X-Zhicheng-Delivery: <delivery id, the same on every attempt>
//! X-Zhicheng-Timestamp: <unix seconds of this attempt>
//! X-Zhicheng-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>   (with a secret)
//!
//! <the delivery's JSON body>
//! ```
//!
//! # What a receiver must do
//!
//! 1. **Verify the signature** with [`verify()`] (or the same HMAC in its own language) over the
//!    raw body bytes and the timestamp header's text, and refuse a timestamp more than a few
//!    minutes from its clock (a replay).
//! 2. **Drop duplicates by `X-Zhicheng-Delivery`**: delivery is at least once — an attempt
//!    whose answer was lost is made again, and after a restart of the platform a delivery may
//!    come again.
//! 3. **Answer 2xx fast** (within the endpoint's timeout, 10 s by default), then do the work:
//!    a slow answer is a timeout and is retried. 5xx, 408 and 429 (with `Retry-After` in
//!    seconds) ask for a retry; any other 4xx refuses the delivery for good; redirects are not
//!    followed.
//!
//! Deliveries to one endpoint arrive one at a time, in the order they were enqueued; a
//! delivery being retried holds back those behind it for that endpoint only.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use zhicheng_notify::{Delivery, Dispatcher, EndpointConfig, Error, Outcome};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! // The engine would forward these to a channel and persist them.
//! let journal = |endpoint: &str, delivery: &Delivery, outcome: &Outcome| {
//!     println!("{endpoint} {} {outcome:?}", delivery.id);
//! };
//! let dispatcher = Dispatcher::new(Arc::new(journal))?;
//!
//! let mut duty_room = EndpointConfig::new("duty-room", "http://127.0.0.1:9/hooks/zhicheng");
//! duty_room.secret = Some("s3cret".into());
//! duty_room.timeout = Duration::from_secs(5);
//! dispatcher.set_endpoints(vec![duty_room])?;
//!
//! let body = r#"{"alarm":"pm25-high","entity":"aq-01","severity":"major"}"#;
//! dispatcher.enqueue(
//!     "duty-room",
//!     Delivery::new("alarm-42-raised", "alarm.raised", body, 1_767_225_600_000),
//! )?;
//! assert!(matches!(
//!     dispatcher.enqueue("nobody", Delivery::new("x", "alarm.raised", "{}", 0)),
//!     Err(Error::UnknownEndpoint { .. })
//! ));
//! assert_eq!(dispatcher.stats()[0].endpoint, "duty-room");
//!
//! // Undelivered deliveries stay in the engine's outbox for the next start.
//! dispatcher.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod backoff;
pub mod config;
pub mod dispatcher;
pub mod journal;
pub mod signature;

pub use backoff::backoff;
pub use config::EndpointConfig;
pub use dispatcher::{
    Dispatcher, EndpointState, EndpointStats, HEADER_DELIVERY, HEADER_EVENT, HEADER_SIGNATURE,
    HEADER_TIMESTAMP, USER_AGENT,
};
pub use journal::{AttemptError, Delivery, DropReason, Journal, NoJournal, Outcome};
pub use signature::{signature, verify};

/// Errors of configuring endpoints and enqueuing deliveries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The endpoint JSON does not parse or has the wrong shape (unknown field, wrong type).
    #[error("endpoint JSON, line {line} column {column}: {message}")]
    Parse {
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// A field of an endpoint's configuration is wrong.
    #[error("endpoint `{endpoint}`, field `{field}`: {message}")]
    Invalid {
        /// The endpoint's id as given.
        endpoint: String,
        /// The field, as named in JSON (`timeout_ms`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Two endpoints with one id.
    #[error("endpoint `{endpoint}` is given twice")]
    DuplicateEndpoint {
        /// The id.
        endpoint: String,
    },
    /// No endpoint has this id.
    #[error("no webhook endpoint `{endpoint}`")]
    UnknownEndpoint {
        /// The id asked for.
        endpoint: String,
    },
    /// The endpoint is disabled and takes no delivery.
    #[error("webhook endpoint `{endpoint}` is disabled")]
    Disabled {
        /// The id.
        endpoint: String,
    },
    /// The endpoint's queue is full; the delivery was not queued (and was recorded as
    /// dropped).
    #[error("webhook endpoint `{endpoint}` has {capacity} deliveries waiting: queue full")]
    QueueFull {
        /// The id.
        endpoint: String,
        /// Its `queue_capacity`.
        capacity: usize,
    },
    /// A field of a delivery cannot be sent as a header.
    #[error("delivery `{delivery}`, field `{field}`: {message}")]
    InvalidDelivery {
        /// The delivery's id as given.
        delivery: String,
        /// `id` or `event`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The dispatcher was shut down.
    #[error("the webhook dispatcher is shut down")]
    ShutDown,
    /// [`Dispatcher::new`] was called outside a Tokio runtime.
    #[error("the webhook dispatcher must be created within a Tokio runtime")]
    NoRuntime,
    /// The HTTP client could not be built (TLS set-up).
    #[error("HTTP client: {message}")]
    Client {
        /// What the client said.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// `Duration` as whole milliseconds in JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
