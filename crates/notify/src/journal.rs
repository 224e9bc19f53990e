//! What is sent ([`Delivery`]) and what became of it ([`Outcome`]), told to the engine through
//! the [`Journal`] trait.
//!
//! This crate keeps deliveries in memory only. The engine owns durability: it writes a
//! delivery to its outbox before [`Dispatcher::enqueue`](crate::Dispatcher::enqueue), records
//! each outcome the journal receives, and after a restart enqueues again what its outbox holds
//! as not finished, with [`Delivery::attempts`] set to the attempts already made.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// One event to POST to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Unique id, sent as `X-Zhicheng-Delivery` and the same on every attempt: receivers drop
    /// a delivery whose id they have seen. Visible ASCII, at most 128 bytes.
    pub id: String,
    /// What happened, sent as `X-Zhicheng-Event` (`alarm.raised`, `case.closed`, …). Visible
    /// ASCII, at most 128 bytes.
    pub event: String,
    /// The JSON body, sent as it is.
    pub body: Bytes,
    /// When the engine made the delivery, epoch milliseconds (for the engine; not sent).
    pub created_ms: i64,
    /// Attempts already made: 0 for a new delivery; after a restart, what the journal last
    /// said, so that `max_attempts` counts over both lives.
    pub attempts: u32,
}

impl Delivery {
    /// A new delivery (no attempt made yet).
    pub fn new(
        id: impl Into<String>,
        event: impl Into<String>,
        body: impl Into<Bytes>,
        created_ms: i64,
    ) -> Delivery {
        Delivery {
            id: id.into(),
            event: event.into(),
            body: body.into(),
            created_ms,
            attempts: 0,
        }
    }
}

/// What became of an attempt or of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The receiver answered 2xx: final.
    Delivered {
        /// The status it answered.
        status: u16,
        /// Attempts made, this one and those before a restart included.
        attempts: u32,
        /// Time of the successful attempt, from sending to the answer (`latency_ms` in JSON).
        #[serde(rename = "latency_ms", with = "crate::millis")]
        latency: Duration,
    },
    /// An attempt failed and another will be made: not final.
    Retrying {
        /// The attempt that failed, from 1 (counting those before a restart).
        attempt: u32,
        /// Why it failed.
        error: AttemptError,
        /// The wait before the next attempt (`next_in_ms` in JSON).
        #[serde(rename = "next_in_ms", with = "crate::millis")]
        next_in: Duration,
    },
    /// No more attempts: a permanent refusal (a 4xx other than 408 and 429, or a 3xx), or
    /// `max_attempts` made. Final.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// Why the last one failed.
        error: AttemptError,
    },
    /// The delivery was let go without (another) attempt. Final.
    Dropped {
        /// Why.
        reason: DropReason,
    },
}

impl Outcome {
    /// Whether nothing more will happen to the delivery.
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Retrying { .. })
    }
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttemptError {
    /// No connection (refused, unreachable, DNS, TLS handshake). Retried.
    Connect {
        /// The cause, as the HTTP client put it.
        message: String,
    },
    /// No complete answer within the endpoint's timeout. Retried.
    Timeout,
    /// The receiver answered a status that is not 2xx: retried for 5xx, 408 and 429, final
    /// otherwise.
    Status {
        /// The status.
        status: u16,
        /// The start of the answer's body (at most 512 bytes, lossy UTF-8), for diagnosis.
        body: String,
    },
    /// The receiver answered 3xx. Redirects are not followed — a signed alarm goes to the URL
    /// configured and nowhere else — so this is final: fix the URL.
    Redirect {
        /// The status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// Sending failed otherwise (connection reset mid-request, bad answer). Retried.
    Transport {
        /// The cause, as the HTTP client put it.
        message: String,
    },
    /// The delivery had already used `max_attempts` attempts when it was enqueued.
    NoAttemptsLeft,
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Connect { message } => write!(f, "connect: {message}"),
            AttemptError::Timeout => f.write_str("timed out"),
            AttemptError::Status { status, body } if body.is_empty() => {
                write!(f, "HTTP {status}")
            }
            AttemptError::Status { status, body } => write!(f, "HTTP {status}: {body}"),
            AttemptError::Redirect {
                status,
                location: Some(l),
            } => write!(f, "HTTP {status} redirect to {l} (not followed)"),
            AttemptError::Redirect { status, .. } => {
                write!(f, "HTTP {status} redirect (not followed)")
            }
            AttemptError::Transport { message } => write!(f, "transport: {message}"),
            AttemptError::NoAttemptsLeft => f.write_str("no attempts left"),
        }
    }
}

/// Why a delivery was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The endpoint's queue was full when it was enqueued ([`Error::QueueFull`](crate::Error::QueueFull)
    /// was returned as well).
    QueueFull,
    /// The endpoint was removed by [`Dispatcher::set_endpoints`](crate::Dispatcher::set_endpoints)
    /// while the delivery waited or was being sent.
    EndpointRemoved,
    /// The endpoint was disabled by [`Dispatcher::set_endpoints`](crate::Dispatcher::set_endpoints)
    /// while the delivery waited, or before it could be retried.
    EndpointDisabled,
}

/// Where outcomes go, for the engine to persist.
///
/// [`record`](Journal::record) is called once after each attempt (`Delivered`, `Retrying` or
/// `GaveUp`) and once for each drop. It is called from the endpoint's task (or from
/// [`Dispatcher::enqueue`](crate::Dispatcher::enqueue) and
/// [`Dispatcher::set_endpoints`](crate::Dispatcher::set_endpoints) for drops), never with a
/// lock of the dispatcher held, but it is synchronous: **keep it cheap** — push to a channel
/// and write to the database elsewhere. A slow journal slows the endpoint that calls it, and a
/// journal that blocks blocks a Tokio worker thread.
///
/// Nothing is recorded at [`Dispatcher::shutdown`](crate::Dispatcher::shutdown): a delivery
/// without a final outcome is still due, and the engine enqueues it again after the restart.
///
/// It must not panic: a panic ends the endpoint's task, and the endpoint then sends nothing
/// until it is removed and added again.
///
/// A closure `Fn(&str, &Delivery, &Outcome)` is a journal.
pub trait Journal: Send + Sync + 'static {
    /// Records `outcome` for `delivery` to the endpoint with id `endpoint`. The delivery's
    /// `attempts` is the number of attempts made so far.
    fn record(&self, endpoint: &str, delivery: &Delivery, outcome: &Outcome);
}

impl<F> Journal for F
where
    F: Fn(&str, &Delivery, &Outcome) + Send + Sync + 'static,
{
    fn record(&self, endpoint: &str, delivery: &Delivery, outcome: &Outcome) {
        self(endpoint, delivery, outcome);
    }
}

/// A journal that forgets everything (for tools and tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJournal;

impl Journal for NoJournal {
    fn record(&self, _: &str, _: &Delivery, _: &Outcome) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_as_json_for_the_outbox() {
        let json = |o: &Outcome| serde_json::to_string(o).unwrap();
        assert_eq!(
            json(&Outcome::Delivered {
                status: 204,
                attempts: 2,
                latency: Duration::from_millis(35),
            }),
            r#"{"outcome":"delivered","status":204,"attempts":2,"latency_ms":35}"#
        );
        let retrying = Outcome::Retrying {
            attempt: 1,
            error: AttemptError::Status {
                status: 503,
                body: "busy".into(),
            },
            next_in: Duration::from_millis(1500),
        };
        assert_eq!(
            json(&retrying),
            r#"{"outcome":"retrying","attempt":1,"error":{"kind":"status","status":503,"body":"busy"},"next_in_ms":1500}"#
        );
        assert_eq!(
            json(&Outcome::Dropped {
                reason: DropReason::QueueFull
            }),
            r#"{"outcome":"dropped","reason":"queue_full"}"#
        );
        let gave_up = Outcome::GaveUp {
            attempts: 8,
            error: AttemptError::Timeout,
        };
        for o in [retrying, gave_up] {
            assert_eq!(serde_json::from_str::<Outcome>(&json(&o)).unwrap(), o);
        }
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            AttemptError::Status {
                status: 500,
                body: String::new()
            }
            .to_string(),
            "HTTP 500"
        );
        assert_eq!(
            AttemptError::Redirect {
                status: 302,
                location: Some("https://x/".into())
            }
            .to_string(),
            "HTTP 302 redirect to https://x/ (not followed)"
        );
        assert!(!Outcome::Retrying {
            attempt: 1,
            error: AttemptError::Timeout,
            next_in: Duration::ZERO
        }
        .is_final());
    }
}
