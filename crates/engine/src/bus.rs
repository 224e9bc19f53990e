//! The bounded bus between gateways and the store, and the writer that drains it.
//!
//! Gateways send a [`Job`] (the checked readings of one request or message) and wait on its
//! acknowledgement. The writer takes whatever jobs are waiting — up to
//! `batch_max_points` — evaluates them against the rules, writes them with the alarm changes
//! they cause in one transaction, and only then acknowledges every job, moves the live state
//! forward and publishes the changes and the alarms. When the writer falls behind the
//! channel fills and `send` waits: that is the backpressure gateways feel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use zhicheng_store::Point;

use crate::ingest::Source;
use crate::live::Change;
use crate::{Engine, Error, Result};

/// A checked reading waiting for the writer.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// Series id if already known.
    pub(crate) series: Option<i64>,
    /// (entity, metric), only when the series is not known yet (the writer creates it).
    pub(crate) key: Option<(Arc<str>, String)>,
    pub(crate) ts: i64,
    pub(crate) value: f64,
}

/// The readings of one request, with the channel that acknowledges them.
pub(crate) struct Job {
    source: Source,
    points: Vec<Pending>,
    received: Instant,
    ack: oneshot::Sender<Result<(), String>>,
}

impl Job {
    pub(crate) fn new(
        source: Source,
        points: Vec<Pending>,
    ) -> (Job, oneshot::Receiver<Result<(), String>>) {
        let (ack, rx) = oneshot::channel();
        (
            Job {
                source,
                points,
                received: Instant::now(),
                ack,
            },
            rx,
        )
    }
}

/// Sending side of the bus.
pub(crate) struct Bus {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    capacity: usize,
}

impl Bus {
    pub(crate) fn new(capacity: usize) -> (Bus, mpsc::Receiver<Job>) {
        let capacity = capacity.max(1);
        let (tx, rx) = mpsc::channel(capacity);
        (
            Bus {
                tx: Mutex::new(Some(tx)),
                capacity,
            },
            rx,
        )
    }

    fn sender(&self) -> Option<mpsc::Sender<Job>> {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) async fn send(&self, job: Job) -> Result<()> {
        let tx = self
            .sender()
            .ok_or_else(|| Error::Unavailable("shutting down".into()))?;
        tx.send(job)
            .await
            .map_err(|_| Error::Unavailable("shutting down".into()))
    }

    /// Jobs waiting in the bus.
    pub(crate) fn depth(&self) -> usize {
        self.sender()
            .map(|tx| self.capacity - tx.capacity())
            .unwrap_or(0)
    }

    /// Refuses new jobs; the writer drains what is queued and stops.
    pub(crate) fn close(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

impl Engine {
    /// Jobs waiting in the bus (a gauge on `/metrics`).
    pub fn bus_depth(&self) -> usize {
        self.inner.bus.depth()
    }
}

/// Drains the bus until it is closed and empty; then resolves `done` (the rules task takes its
/// last snapshot after the last batch).
pub(crate) async fn writer(engine: Engine, mut rx: mpsc::Receiver<Job>, done: oneshot::Sender<()>) {
    let max_points = engine.inner.cfg.batch_max_points.max(1);
    let max_wait = engine.inner.cfg.batch_max_wait;
    while let Some(first) = rx.recv().await {
        let mut n = first.points.len();
        let mut jobs = vec![first];
        // Take what is already waiting; then, if the batch is small, give it a moment to fill.
        let deadline = tokio::time::Instant::now() + max_wait;
        while n < max_points {
            match rx.try_recv() {
                Ok(j) => {
                    n += j.points.len();
                    jobs.push(j);
                }
                Err(mpsc::error::TryRecvError::Empty) if !max_wait.is_zero() => {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(j)) => {
                            n += j.points.len();
                            jobs.push(j);
                        }
                        _ => break,
                    }
                }
                Err(_) => break,
            }
        }
        write_jobs(&engine, jobs, n).await;
    }
    let _ = done.send(());
    tracing::info!("history writer stopped: bus closed and drained");
}

/// The jobs' readings as store points, creating the series new to this process.
async fn resolve(engine: &Engine, jobs: &[Job], n: usize) -> zhicheng_store::Result<Vec<Point>> {
    let inner = &engine.inner;
    let mut missing: Vec<(String, String)> = Vec::new();
    {
        let mut seen = std::collections::HashSet::new();
        for j in jobs {
            for (entity, metric) in j.points.iter().filter_map(|p| p.key.as_ref()) {
                if inner.live.series_id(entity, metric).is_none()
                    && seen.insert((entity.clone(), metric.clone()))
                {
                    missing.push((entity.to_string(), metric.clone()));
                }
            }
        }
    }
    if !missing.is_empty() {
        for s in inner.store.ensure_series(&missing).await? {
            inner.live.add_series(s.id, &s.entity, &s.metric);
        }
    }
    let mut points = Vec::with_capacity(n);
    for j in jobs {
        for p in &j.points {
            let series = match (p.series, &p.key) {
                (Some(s), _) => s,
                (None, Some((entity, metric))) => {
                    inner.live.series_id(entity, metric).ok_or_else(|| {
                        zhicheng_store::Error::Corrupt(format!(
                            "series for {entity}/{metric} was not created"
                        ))
                    })?
                }
                (None, None) => {
                    return Err(zhicheng_store::Error::Corrupt(
                        "a reading without series or key".into(),
                    ))
                }
            };
            points.push(Point {
                series,
                ts: p.ts,
                value: p.value,
            });
        }
    }
    Ok(points)
}

/// Writes one batch: evaluates it against the rules, commits the readings with the alarm
/// changes they cause, then acknowledges, moves the live state and publishes.
async fn write_jobs(engine: &Engine, jobs: Vec<Job>, n: usize) {
    let inner = &engine.inner;
    let points = match resolve(engine, &jobs, n).await {
        Ok(p) => p,
        Err(e) => return refuse(engine, jobs, n, &e),
    };
    // The evaluator is held from evaluation to commit: a snapshot never holds a transition
    // that is not written, and alarms are written in the order they happen.
    let mut ev = if inner.alarms.any.load(std::sync::atomic::Ordering::Relaxed) {
        Some(inner.alarms.evaluator.lock().await)
    } else {
        None
    };
    let changes = match ev.as_deref_mut() {
        Some(ev) => engine.evaluate_points(&points, ev),
        None => Vec::new(),
    };
    let started = Instant::now();
    // With alarm changes a failure may be theirs alone: the readings must not be held hostage
    // by alarms the store refuses. Then the readings go in alone, and the alarms are retried
    // on their own a few times (if the readings fail too, the store is down: they wait for it).
    let mut refused_alarms = false;
    let result = match inner.store.write_batch_with_alarms(&points, &changes).await {
        Err(e) if !changes.is_empty() => match inner.store.write_batch(&points).await {
            Ok(stats) => {
                tracing::error!(error = %e, changes = changes.len(), "alarm changes refused with their batch; the readings were stored alone");
                inner.metrics.alarm_write_failed();
                refused_alarms = true;
                Ok((stats, Vec::new()))
            }
            Err(_) => Err(e),
        },
        r => r,
    };
    match result {
        Ok((stats, written)) => {
            inner
                .metrics
                .batch_written(points.len(), started.elapsed(), stats.duplicates);
            let received = jobs.iter().map(|j| j.received).min();
            let mut per_source: HashMap<Source, usize> = HashMap::new();
            for j in jobs {
                *per_source.entry(j.source).or_default() += j.points.len();
                inner.metrics.queryable_after(j.received.elapsed());
                let _ = j.ack.send(Ok(()));
            }
            for (s, c) in per_source {
                inner.metrics.stored(s, c);
            }
            publish(engine, &points);
            if let Some(ev) = ev.as_deref() {
                if refused_alarms {
                    engine.write_alarm_changes(&changes, ev, Some(3)).await;
                    return;
                }
                let any = !written.is_empty();
                engine.publish_written(written, ev);
                if let (true, Some(r)) = (any, received) {
                    inner.metrics.alarm_latency(r.elapsed());
                }
            }
        }
        Err(e) => {
            refuse(engine, jobs, n, &e);
            // The evaluator has seen these readings (a retry is a duplicate to it): the
            // alarms they caused are written on their own, once the store is back.
            if let Some(ev) = ev.as_deref() {
                engine.write_alarm_changes(&changes, ev, None).await;
            }
        }
    }
}

/// Answers every sender of a batch that was not written with the error.
fn refuse(engine: &Engine, jobs: Vec<Job>, n: usize, e: &zhicheng_store::Error) {
    tracing::error!(error = %e, points = n, "history write failed; senders get an error and may retry");
    engine.inner.metrics.write_failed();
    let msg = e.to_string();
    for j in jobs {
        let _ = j.ack.send(Err(msg.clone()));
    }
}

/// Moves the live state forward and pushes the changes to subscribers.
fn publish(engine: &Engine, points: &[Point]) {
    let inner = &engine.inner;
    inner
        .rate
        .record(zhicheng_model::time_util::now_ms(), points.len());
    let moved = inner.live.apply(points);
    if moved.is_empty() || inner.live.changes.receiver_count() == 0 {
        return;
    }
    let idx = inner.index.read();
    let changes: Vec<Change> = moved
        .iter()
        .filter_map(|p| {
            let (entity, metric) = inner.live.series_key(p.series)?;
            let info = idx.entities.get(&*entity)?;
            Some(Change {
                kind: info.kind.clone(),
                region: info.region.clone(),
                department: info.department.clone(),
                entity,
                metric,
                ts: p.ts,
                value: p.value,
            })
        })
        .collect();
    let _ = inner.live.changes.send(Arc::new(changes));
}
