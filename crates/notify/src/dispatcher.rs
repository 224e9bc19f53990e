//! The [`Dispatcher`]: one bounded queue and one Tokio task per endpoint, sharing one HTTP
//! client and nothing else.
//!
//! * **Isolation.** Each endpoint's task sends its deliveries one at a time, in the order they
//!   were enqueued; a delivery that is being retried holds back the ones behind it *for that
//!   endpoint only*. No lock is held across an `await`, and [`Dispatcher::enqueue`] only pushes
//!   to a queue, so a receiver that never answers, refuses connections or fails every request
//!   delays no other endpoint and no caller.
//! * **Attempts.** Success is a 2xx answer. Connection errors, timeouts, 5xx, 408 and 429 are
//!   retried after an exponential back-off with jitter ([`backoff`](mod@crate::backoff)), or after
//!   the receiver's `Retry-After` seconds capped by `backoff_max`. A 3xx is not followed and,
//!   like any other 4xx, ends the delivery at once ([`Outcome::GaveUp`]). After `max_attempts`
//!   attempts in all (counting [`Delivery::attempts`] made before a restart) the delivery is
//!   given up.
//! * **Answers.** At most 64 KiB of an answer's body is read (its first 512 bytes are kept for
//!   [`AttemptError::Status`]), within the endpoint's timeout.
//! * **Changes.** [`Dispatcher::set_endpoints`] adds, reconfigures and removes endpoints while
//!   deliveries flow. A new configuration applies from the next attempt (a delivery being
//!   retried moves to the new URL). Removing an endpoint drops its queue and its delivery in
//!   flight ([`DropReason::EndpointRemoved`]); disabling one drops its queue
//!   ([`DropReason::EndpointDisabled`]) and lets the attempt in flight finish, without
//!   another.
//! * **Shutdown.** [`Dispatcher::shutdown`] stops every task and records nothing more: what
//!   was queued or in flight has no final outcome in the engine's outbox and is enqueued again
//!   after the restart.

use std::collections::{HashMap, HashSet, VecDeque};
use std::error::Error as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use serde::Serialize;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::backoff::{jittered, retry_after};
use crate::{
    signature, AttemptError, Delivery, DropReason, EndpointConfig, Error, Journal, Outcome, Result,
};

/// The `User-Agent` of every request: `zhicheng-webhook/<crate version>`.
pub const USER_AGENT: &str = concat!("zhicheng-webhook/", env!("CARGO_PKG_VERSION"));
/// Header naming the event (`X-Zhicheng-Event`; names are sent in lower case).
pub const HEADER_EVENT: &str = "x-zhicheng-event";
/// Header carrying the delivery id, the same on every attempt (`X-Zhicheng-Delivery`).
pub const HEADER_DELIVERY: &str = "x-zhicheng-delivery";
/// Header carrying the attempt's time, unix seconds (`X-Zhicheng-Timestamp`).
pub const HEADER_TIMESTAMP: &str = "x-zhicheng-timestamp";
/// Header carrying the [`signature`](crate::signature()) when the endpoint has a secret
/// (`X-Zhicheng-Signature`).
pub const HEADER_SIGNATURE: &str = "x-zhicheng-signature";

/// Most bytes of an answer's body read.
const BODY_READ_CAP: usize = 64 * 1024;
/// Bytes of a failed answer's body kept in [`AttemptError::Status`].
const BODY_KEEP: usize = 512;
/// Longest delivery id and event name, in bytes.
const MAX_HEADER_TEXT: usize = 128;

/// Health of an endpoint, from its recent attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    /// The last attempt succeeded, or none was made.
    Up,
    /// The last attempts failed, fewer of them in a row than `max_attempts`.
    Retrying,
    /// At least `max_attempts` attempts in a row failed.
    Down,
    /// The endpoint is disabled.
    Disabled,
}

/// Counters and state of one endpoint, since it was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointStats {
    /// The endpoint's id.
    pub endpoint: String,
    /// Its health.
    pub state: EndpointState,
    /// Deliveries waiting in its queue.
    pub queued: usize,
    /// Deliveries taken from the queue and not finished (0 or 1): being sent or waiting to be
    /// retried.
    pub in_flight: usize,
    /// Deliveries answered 2xx.
    pub delivered: u64,
    /// Failed attempts followed by another ([`Outcome::Retrying`]).
    pub retries: u64,
    /// Deliveries given up ([`Outcome::GaveUp`]).
    pub gave_up: u64,
    /// Deliveries dropped ([`Outcome::Dropped`]): queue full, endpoint disabled or removed.
    pub dropped: u64,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// Why the last failed attempt failed.
    pub last_error: Option<String>,
    /// When the last success was answered, epoch milliseconds.
    pub last_success_ms: Option<i64>,
}

/// Why a worker is told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The endpoint was removed: its delivery in flight is dropped and recorded.
    Removed,
    /// The dispatcher shuts down: nothing is recorded.
    Shutdown,
}

/// One endpoint, shared by the dispatcher and the endpoint's task.
struct Endpoint {
    id: String,
    inner: Mutex<EndpointInner>,
    /// Woken when a delivery is queued.
    wake: Notify,
}

struct EndpointInner {
    config: Arc<EndpointConfig>,
    queue: VecDeque<Delivery>,
    in_flight: bool,
    delivered: u64,
    retries: u64,
    gave_up: u64,
    dropped: u64,
    consecutive_failures: u32,
    last_error: Option<String>,
    last_success_ms: Option<i64>,
}

impl Endpoint {
    fn lock(&self) -> MutexGuard<'_, EndpointInner> {
        // Why not poisoned: nothing panics with the lock held; if it did, counters stay usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> EndpointStats {
        let i = self.lock();
        let state = if !i.config.enabled {
            EndpointState::Disabled
        } else if i.consecutive_failures == 0 {
            EndpointState::Up
        } else if i.consecutive_failures >= i.config.max_attempts {
            EndpointState::Down
        } else {
            EndpointState::Retrying
        };
        EndpointStats {
            endpoint: self.id.clone(),
            state,
            queued: i.queue.len(),
            in_flight: usize::from(i.in_flight),
            delivered: i.delivered,
            retries: i.retries,
            gave_up: i.gave_up,
            dropped: i.dropped,
            consecutive_failures: i.consecutive_failures,
            last_error: i.last_error.clone(),
            last_success_ms: i.last_success_ms,
        }
    }
}

/// An endpoint's task and the means to stop it.
struct Worker {
    endpoint: Arc<Endpoint>,
    stop: watch::Sender<Option<Stop>>,
    task: JoinHandle<()>,
}

struct Registry {
    workers: HashMap<String, Worker>,
    shut_down: bool,
}

/// What every endpoint's task shares.
struct Shared {
    client: reqwest::Client,
    journal: Arc<dyn Journal>,
}

/// Sends deliveries to webhook endpoints, each endpoint on its own queue and task.
///
/// Dropping the dispatcher stops the tasks like [`shutdown`](Dispatcher::shutdown) without
/// waiting for them.
pub struct Dispatcher {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    registry: Mutex<Registry>,
}

impl Dispatcher {
    /// A dispatcher with no endpoint, reporting to `journal`. Must be called within a Tokio
    /// runtime, on which the endpoints' tasks will run.
    pub fn new(journal: Arc<dyn Journal>) -> Result<Dispatcher> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Client {
                message: error_chain(&e),
            })?;
        Ok(Dispatcher {
            shared: Arc::new(Shared { client, journal }),
            runtime,
            registry: Mutex::new(Registry {
                workers: HashMap::new(),
                shut_down: false,
            }),
        })
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `configs` the set of endpoints: adds the new ones, applies changed settings to
    /// the others from their next attempt, removes those not listed (their queued and in-flight
    /// deliveries are recorded as [`DropReason::EndpointRemoved`]). An endpoint turned
    /// disabled has its queue recorded as [`DropReason::EndpointDisabled`]; its attempt in
    /// flight finishes, and is not retried if it fails (recorded as `EndpointDisabled` too).
    /// Counters of an endpoint that stays are kept.
    ///
    /// Every configuration is validated first: on an error nothing changes.
    pub fn set_endpoints(&self, configs: Vec<EndpointConfig>) -> Result<()> {
        let mut seen = HashSet::new();
        for c in &configs {
            c.validate()?;
            if !seen.insert(c.id.as_str()) {
                return Err(Error::DuplicateEndpoint {
                    endpoint: c.id.clone(),
                });
            }
        }
        let mut drops: Vec<(String, Delivery, DropReason)> = Vec::new();
        {
            let mut reg = self.registry();
            if reg.shut_down {
                return Err(Error::ShutDown);
            }
            let gone: Vec<String> = reg
                .workers
                .keys()
                .filter(|id| !seen.contains(id.as_str()))
                .cloned()
                .collect();
            for id in gone {
                if let Some(w) = reg.workers.remove(&id) {
                    // The task drops its delivery in flight itself when it sees the signal.
                    w.stop.send_replace(Some(Stop::Removed));
                    let mut inner = w.endpoint.lock();
                    inner.dropped += inner.queue.len() as u64;
                    drops.extend(
                        inner
                            .queue
                            .drain(..)
                            .map(|d| (id.clone(), d, DropReason::EndpointRemoved)),
                    );
                }
            }
            for config in configs {
                let config = Arc::new(config);
                if let Some(w) = reg.workers.get(&config.id) {
                    let mut inner = w.endpoint.lock();
                    if inner.config.enabled && !config.enabled {
                        inner.dropped += inner.queue.len() as u64;
                        drops.extend(
                            inner
                                .queue
                                .drain(..)
                                .map(|d| (config.id.clone(), d, DropReason::EndpointDisabled)),
                        );
                    }
                    if inner.config != config {
                        tracing::info!(endpoint = %config.id, url = %config.url, enabled = config.enabled, "webhook endpoint reconfigured");
                    }
                    inner.config = config;
                } else {
                    tracing::info!(endpoint = %config.id, url = %config.url, enabled = config.enabled, "webhook endpoint added");
                    let id = config.id.clone();
                    let worker = self.spawn(config);
                    reg.workers.insert(id, worker);
                }
            }
        }
        for (endpoint, delivery, reason) in drops {
            self.shared
                .journal
                .record(&endpoint, &delivery, &Outcome::Dropped { reason });
        }
        Ok(())
    }

    fn spawn(&self, config: Arc<EndpointConfig>) -> Worker {
        let endpoint = Arc::new(Endpoint {
            id: config.id.clone(),
            inner: Mutex::new(EndpointInner {
                config,
                queue: VecDeque::new(),
                in_flight: false,
                delivered: 0,
                retries: 0,
                gave_up: 0,
                dropped: 0,
                consecutive_failures: 0,
                last_error: None,
                last_success_ms: None,
            }),
            wake: Notify::new(),
        });
        let (stop, stop_rx) = watch::channel(None);
        let task = self.runtime.spawn(run(
            Arc::clone(&self.shared),
            Arc::clone(&endpoint),
            stop_rx,
        ));
        Worker {
            endpoint,
            stop,
            task,
        }
    }

    /// Queues `delivery` for the endpoint `endpoint`. Never waits for the network: it fails
    /// at once with [`Error::UnknownEndpoint`], [`Error::Disabled`], [`Error::QueueFull`]
    /// (also recorded as [`DropReason::QueueFull`] and counted as dropped),
    /// [`Error::InvalidDelivery`] or [`Error::ShutDown`].
    pub fn enqueue(&self, endpoint: &str, delivery: Delivery) -> Result<()> {
        check_header_text(&delivery, "id", &delivery.id)?;
        check_header_text(&delivery, "event", &delivery.event)?;
        let full = {
            let reg = self.registry();
            if reg.shut_down {
                return Err(Error::ShutDown);
            }
            let w = reg
                .workers
                .get(endpoint)
                .ok_or_else(|| Error::UnknownEndpoint {
                    endpoint: endpoint.to_owned(),
                })?;
            let mut inner = w.endpoint.lock();
            if !inner.config.enabled {
                return Err(Error::Disabled {
                    endpoint: endpoint.to_owned(),
                });
            }
            let capacity = inner.config.queue_capacity;
            if inner.queue.len() >= capacity {
                inner.dropped += 1;
                Some((delivery, capacity))
            } else {
                inner.queue.push_back(delivery);
                drop(inner);
                w.endpoint.wake.notify_one();
                None
            }
        };
        match full {
            None => Ok(()),
            Some((delivery, capacity)) => {
                tracing::warn!(endpoint, delivery = %delivery.id, capacity, "webhook queue full, delivery dropped");
                self.shared.journal.record(
                    endpoint,
                    &delivery,
                    &Outcome::Dropped {
                        reason: DropReason::QueueFull,
                    },
                );
                Err(Error::QueueFull {
                    endpoint: endpoint.to_owned(),
                    capacity,
                })
            }
        }
    }

    /// Counters and state of every endpoint, by id.
    pub fn stats(&self) -> Vec<EndpointStats> {
        let endpoints: Vec<Arc<Endpoint>> = self
            .registry()
            .workers
            .values()
            .map(|w| Arc::clone(&w.endpoint))
            .collect();
        let mut stats: Vec<EndpointStats> = endpoints.iter().map(|e| e.stats()).collect();
        stats.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        stats
    }

    /// Counters and state of the endpoint `endpoint`, if there is one.
    pub fn endpoint_stats(&self, endpoint: &str) -> Option<EndpointStats> {
        let e = self
            .registry()
            .workers
            .get(endpoint)
            .map(|w| Arc::clone(&w.endpoint))?;
        Some(e.stats())
    }

    /// Stops every endpoint's task and waits for them to end. Queued and in-flight deliveries
    /// are forgotten without being recorded: in the engine's outbox they have no final
    /// outcome, so they are enqueued again after the restart. Later calls of `enqueue` and
    /// `set_endpoints` fail with [`Error::ShutDown`].
    pub async fn shutdown(&self) {
        let workers: Vec<Worker> = {
            let mut reg = self.registry();
            reg.shut_down = true;
            reg.workers.drain().map(|(_, w)| w).collect()
        };
        for w in &workers {
            w.stop.send_replace(Some(Stop::Shutdown));
        }
        for w in workers {
            if let Err(e) = w.task.await {
                tracing::warn!(endpoint = %w.endpoint.id, error = %e, "webhook task ended abnormally");
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        let reg = self.registry();
        for w in reg.workers.values() {
            w.stop.send_replace(Some(Stop::Shutdown));
        }
    }
}

fn check_header_text(delivery: &Delivery, field: &str, text: &str) -> Result<()> {
    let message = if text.is_empty() || text.len() > MAX_HEADER_TEXT {
        format!("must have 1 to {MAX_HEADER_TEXT} bytes")
    } else if !text.bytes().all(|b| b.is_ascii_graphic()) {
        "must be visible ASCII without spaces".to_owned()
    } else {
        return Ok(());
    };
    Err(Error::InvalidDelivery {
        delivery: delivery.id.clone(),
        field: field.to_owned(),
        message,
    })
}

/// An endpoint's task: takes deliveries from its queue one at a time until told to stop.
async fn run(
    shared: Arc<Shared>,
    endpoint: Arc<Endpoint>,
    mut stop: watch::Receiver<Option<Stop>>,
) {
    loop {
        let next = {
            let mut inner = endpoint.lock();
            let next = inner.queue.pop_front();
            inner.in_flight = next.is_some();
            next
        };
        let Some(mut delivery) = next else {
            tokio::select! {
                biased;
                _ = stop.wait_for(Option::is_some) => return,
                () = endpoint.wake.notified() => continue,
            }
        };
        let stopped = tokio::select! {
            biased;
            s = stop.wait_for(Option::is_some) => Some(match s {
                Ok(s) => (*s).unwrap_or(Stop::Shutdown),
                Err(_) => Stop::Shutdown,
            }),
            () = deliver(&shared, &endpoint, &mut delivery) => None,
        };
        if let Some(reason) = stopped {
            {
                let mut inner = endpoint.lock();
                inner.in_flight = false;
                if reason == Stop::Removed {
                    inner.dropped += 1;
                }
            }
            if reason == Stop::Removed {
                shared.journal.record(
                    &endpoint.id,
                    &delivery,
                    &Outcome::Dropped {
                        reason: DropReason::EndpointRemoved,
                    },
                );
            }
            return;
        }
    }
}

/// Attempts `delivery` until it is delivered or given up, recording each attempt.
async fn deliver(shared: &Shared, endpoint: &Endpoint, delivery: &mut Delivery) {
    loop {
        let config = Arc::clone(&endpoint.lock().config);
        if !config.enabled {
            // Disabled while this delivery was being retried: no more attempts.
            {
                let mut inner = endpoint.lock();
                inner.in_flight = false;
                inner.dropped += 1;
            }
            shared.journal.record(
                &endpoint.id,
                delivery,
                &Outcome::Dropped {
                    reason: DropReason::EndpointDisabled,
                },
            );
            return;
        }
        if delivery.attempts >= config.max_attempts {
            let error = AttemptError::NoAttemptsLeft;
            finish_failed(shared, endpoint, delivery, error, false);
            return;
        }
        let attempt = delivery.attempts.saturating_add(1);
        let span = tracing::info_span!(
            "webhook_attempt",
            endpoint = %endpoint.id,
            delivery = %delivery.id,
            event = %delivery.event,
            attempt,
            status = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = send(&shared.client, &config, delivery)
            .instrument(span.clone())
            .await;
        let latency = started.elapsed();
        delivery.attempts = attempt;
        match result {
            Ok(status) => {
                span.record("status", status);
                span.in_scope(|| tracing::debug!(?latency, "webhook delivered"));
                {
                    let mut inner = endpoint.lock();
                    inner.in_flight = false;
                    inner.delivered += 1;
                    inner.consecutive_failures = 0;
                    inner.last_success_ms = Some(now_ms());
                }
                shared.journal.record(
                    &endpoint.id,
                    delivery,
                    &Outcome::Delivered {
                        status,
                        attempts: attempt,
                        latency,
                    },
                );
                return;
            }
            Err(failure) => {
                if let AttemptError::Status { status, .. } | AttemptError::Redirect { status, .. } =
                    &failure.error
                {
                    span.record("status", status);
                }
                if !failure.retry || attempt >= config.max_attempts {
                    span.in_scope(
                        || tracing::warn!(error = %failure.error, "webhook delivery given up"),
                    );
                    finish_failed(shared, endpoint, delivery, failure.error, true);
                    return;
                }
                let next_in = failure.retry_after.unwrap_or_else(|| {
                    jittered(config.backoff_initial, config.backoff_max, attempt)
                });
                span.in_scope(|| tracing::info!(error = %failure.error, ?next_in, "webhook attempt failed, will retry"));
                {
                    let mut inner = endpoint.lock();
                    inner.retries += 1;
                    inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
                    inner.last_error = Some(failure.error.to_string());
                }
                shared.journal.record(
                    &endpoint.id,
                    delivery,
                    &Outcome::Retrying {
                        attempt,
                        error: failure.error,
                        next_in,
                    },
                );
                tokio::time::sleep(next_in).await;
            }
        }
    }
}

/// Records a delivery given up; `attempted` says whether an attempt just failed (and counts
/// as a failure of the endpoint).
fn finish_failed(
    shared: &Shared,
    endpoint: &Endpoint,
    delivery: &Delivery,
    error: AttemptError,
    attempted: bool,
) {
    {
        let mut inner = endpoint.lock();
        inner.in_flight = false;
        inner.gave_up += 1;
        if attempted {
            inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
            inner.last_error = Some(error.to_string());
        }
    }
    shared.journal.record(
        &endpoint.id,
        delivery,
        &Outcome::GaveUp {
            attempts: delivery.attempts,
            error,
        },
    );
}

/// Why an attempt failed, and what to do next.
struct Failure {
    error: AttemptError,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn retry(error: AttemptError) -> Failure {
        Failure {
            error,
            retry: true,
            retry_after: None,
        }
    }
}

/// One attempt: the POST and the answer, within the endpoint's timeout. `Ok` is a 2xx status.
async fn send(
    client: &reqwest::Client,
    config: &EndpointConfig,
    delivery: &Delivery,
) -> std::result::Result<u16, Failure> {
    let deadline = tokio::time::Instant::now() + config.timeout;
    let timestamp = (now_ms().div_euclid(1000)).to_string();
    let mut request = client
        .post(&config.url)
        .timeout(config.timeout)
        .header(CONTENT_TYPE, "application/json")
        .header(HEADER_EVENT, delivery.event.as_str())
        .header(HEADER_DELIVERY, delivery.id.as_str())
        .header(HEADER_TIMESTAMP, timestamp.as_str())
        .body(delivery.body.clone());
    if let Some(secret) = &config.secret {
        request = request.header(
            HEADER_SIGNATURE,
            signature(secret, &timestamp, &delivery.body),
        );
    }
    let mut response = match tokio::time::timeout_at(deadline, request.send()).await {
        Err(_) => return Err(Failure::retry(AttemptError::Timeout)),
        Ok(Err(e)) => return Err(client_failure(&e)),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    let header = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let wait = header(RETRY_AFTER).and_then(|v| retry_after(&v, config.backoff_max));
    let location = header(LOCATION);
    // Why read at all: an unread body keeps the connection from being reused. Why a cap
    // and the deadline: a receiver must not make us read forever. A 2xx counts even if
    // the body then fails.
    let kept = tokio::time::timeout_at(deadline, read_capped(&mut response))
        .await
        .unwrap_or_default();
    let code = status.as_u16();
    if status.is_success() {
        return Ok(code);
    }
    if status.is_redirection() {
        return Err(Failure {
            error: AttemptError::Redirect {
                status: code,
                location,
            },
            retry: false,
            retry_after: None,
        });
    }
    let error = AttemptError::Status {
        status: code,
        body: String::from_utf8_lossy(&kept).into_owned(),
    };
    let retry = status.is_server_error() || code == 408 || code == 429;
    Err(Failure {
        error,
        retry,
        retry_after: if retry { wait } else { None },
    })
}

/// Reads at most [`BODY_READ_CAP`] bytes of the body and keeps the first [`BODY_KEEP`].
async fn read_capped(response: &mut reqwest::Response) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut read = 0usize;
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = BODY_KEEP.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        read = read.saturating_add(chunk.len());
        if read >= BODY_READ_CAP {
            break;
        }
    }
    kept
}

fn client_failure(e: &reqwest::Error) -> Failure {
    let message = error_chain(e);
    if e.is_timeout() {
        Failure::retry(AttemptError::Timeout)
    } else if e.is_connect() {
        Failure::retry(AttemptError::Connect { message })
    } else if e.is_builder() {
        // The request could not be made (bad URL or header): another attempt would fail alike.
        Failure {
            error: AttemptError::Transport { message },
            retry: false,
            retry_after: None,
        }
    } else {
        Failure::retry(AttemptError::Transport { message })
    }
}

/// An error with its causes, `a: b: c` (the HTTP client's own message is too vague).
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatcher_can_be_shared_between_tasks() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Dispatcher>();
        shareable::<EndpointStats>();
    }

    #[test]
    fn deliveries_must_fit_in_headers() {
        let ok = Delivery::new("alarm-1:raised", "alarm.raised", "{}", 0);
        assert!(check_header_text(&ok, "id", &ok.id).is_ok());
        for bad in ["", "有中文", "a b", "line\nbreak", &"x".repeat(129)] {
            assert!(
                matches!(
                    check_header_text(&ok, "event", bad),
                    Err(Error::InvalidDelivery { ref field, .. }) if field == "event"
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn new_needs_a_runtime() {
        assert!(matches!(
            Dispatcher::new(Arc::new(crate::NoJournal)),
            Err(Error::NoRuntime)
        ));
    }
}
