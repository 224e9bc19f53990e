//! Live state: the latest value per (entity, metric), the series index, the change stream, and
//! the history queries.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use tokio::sync::broadcast;
use zhicheng_model::{Actor, Step};
use zhicheng_store::{RollupPoint, Store};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// One state change, as pushed to `/api/v1/stream`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Entity id.
    pub entity: Arc<str>,
    /// Kind of the entity.
    pub kind: Arc<str>,
    /// Region code of the entity.
    pub region: Arc<str>,
    /// Owning department.
    pub department: Arc<str>,
    /// Metric.
    pub metric: Arc<str>,
    /// Time of the value (epoch ms).
    pub ts: i64,
    /// Value.
    pub value: f64,
}

/// The changes one write batch made, in one message so that fan-out costs one send per batch.
pub type ChangeBatch = Vec<Change>;

#[derive(Default)]
pub(crate) struct SeriesIndex {
    pub(crate) by_key: HashMap<Arc<str>, HashMap<Arc<str>, i64>>,
    pub(crate) by_id: HashMap<i64, (Arc<str>, Arc<str>)>,
}

pub(crate) struct Live {
    pub(crate) series: RwLock<SeriesIndex>,
    pub(crate) latest: RwLock<HashMap<i64, (i64, f64)>>,
    pub(crate) changes: broadcast::Sender<Arc<ChangeBatch>>,
}

pub(crate) fn rd<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    // Writers never leave a half-done update behind (single inserts), so poison is harmless.
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn wr<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

impl Live {
    pub(crate) async fn load(store: &dyn Store) -> Result<Live> {
        let mut idx = SeriesIndex::default();
        for s in store.list_series().await? {
            idx.insert(s.id, &s.entity, &s.metric);
        }
        let latest = store
            .list_latest()
            .await?
            .into_iter()
            .map(|l| (l.series, (l.ts, l.value)))
            .collect();
        let (changes, _) = broadcast::channel(1024);
        Ok(Live {
            series: RwLock::new(idx),
            latest: RwLock::new(latest),
            changes,
        })
    }

    /// The series index, read-locked (for a loop over many readings: one lock, not one each).
    pub(crate) fn series_index(&self) -> std::sync::RwLockReadGuard<'_, SeriesIndex> {
        rd(&self.series)
    }

    pub(crate) fn series_id(&self, entity: &str, metric: &str) -> Option<i64> {
        rd(&self.series).by_key.get(entity)?.get(metric).copied()
    }

    pub(crate) fn add_series(&self, id: i64, entity: &str, metric: &str) {
        wr(&self.series).insert(id, entity, metric);
    }

    pub(crate) fn series_key(&self, id: i64) -> Option<(Arc<str>, Arc<str>)> {
        rd(&self.series).by_id.get(&id).cloned()
    }

    /// Moves the latest values forward; returns the points that were newer than what we had.
    pub(crate) fn apply(&self, points: &[zhicheng_store::Point]) -> Vec<zhicheng_store::Point> {
        let mut latest = wr(&self.latest);
        let mut moved = Vec::new();
        for p in points {
            match latest.get_mut(&p.series) {
                Some(cur) if cur.0 > p.ts => {}
                Some(cur) => {
                    *cur = (p.ts, p.value);
                    moved.push(*p);
                }
                None => {
                    latest.insert(p.series, (p.ts, p.value));
                    moved.push(*p);
                }
            }
        }
        moved
    }

    pub(crate) fn forget_entity(&self, entity: &str) {
        let ids: Vec<i64> = {
            let mut s = wr(&self.series);
            let ids = s
                .by_key
                .remove(entity)
                .map(|m| m.into_values().collect())
                .unwrap_or_default();
            for id in &ids {
                s.by_id.remove(id);
            }
            ids
        };
        let mut l = wr(&self.latest);
        for id in ids {
            l.remove(&id);
        }
    }
}

impl SeriesIndex {
    fn insert(&mut self, id: i64, entity: &str, metric: &str) {
        let e: Arc<str> = entity.into();
        let m: Arc<str> = metric.into();
        self.by_key
            .entry(e.clone())
            .or_default()
            .insert(m.clone(), id);
        self.by_id.insert(id, (e, m));
    }
}

/// The latest value of one metric of an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricState {
    /// Metric name.
    pub metric: String,
    /// Unit, from the kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Time of the value (epoch ms).
    pub ts: i64,
    /// Value.
    pub value: f64,
}

/// The range and resolution of a history query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryQuery {
    /// Start (inclusive, epoch ms).
    pub from: i64,
    /// End (exclusive, epoch ms).
    pub to: i64,
    /// Roll-up step; `None` = raw readings.
    pub step: Option<Step>,
    /// Most raw points returned (1–100,000).
    pub limit: usize,
}

/// History of one metric: raw points or roll-up buckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum History {
    /// Raw readings.
    Raw {
        /// Metric.
        metric: String,
        /// `[ts, value]` pairs, oldest first.
        points: Vec<(i64, f64)>,
        /// True when the limit cut the answer short.
        truncated: bool,
    },
    /// Rolled-up buckets.
    Rollup {
        /// Metric.
        metric: String,
        /// `1m`, `1h` or `1d`.
        step: Step,
        /// Buckets, oldest first.
        buckets: Vec<RollupPoint>,
    },
}

impl Engine {
    /// Subscribes to state changes (one message per write batch). A receiver that falls more
    /// than 1024 batches behind sees `Lagged` and should be dropped.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeBatch>> {
        self.inner.live.changes.subscribe()
    }

    /// Latest values of an entity the actor may see.
    pub async fn entity_state(&self, actor: &Actor, id: &str) -> Result<Vec<MetricState>> {
        let e = self.entity(actor, id).await?;
        let kind = self.kind(&e.kind);
        let ids: Vec<(Arc<str>, i64)> = rd(&self.inner.live.series)
            .by_key
            .get(id)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default();
        let latest = rd(&self.inner.live.latest);
        let mut out: Vec<MetricState> = ids
            .into_iter()
            .filter_map(|(metric, sid)| {
                latest.get(&sid).map(|(ts, value)| MetricState {
                    unit: kind
                        .as_ref()
                        .and_then(|k| k.metric(&metric))
                        .and_then(|m| m.unit.clone()),
                    metric: metric.to_string(),
                    ts: *ts,
                    value: *value,
                })
            })
            .collect();
        out.sort_by(|a, b| a.metric.cmp(&b.metric));
        Ok(out)
    }

    /// History of one metric of an entity in `[from, to)`, raw (`step` none, at most `limit`
    /// points) or rolled up.
    pub async fn history(
        &self,
        actor: &Actor,
        id: &str,
        metric: &str,
        q: HistoryQuery,
    ) -> Result<History> {
        let HistoryQuery {
            from,
            to,
            step,
            limit,
        } = q;
        if from >= to {
            return Err(invalid("from", "must be before `to`"));
        }
        let e = self.entity(actor, id).await?;
        let known = self
            .kind(&e.kind)
            .map(|k| k.metric(metric).is_some())
            .unwrap_or(false);
        let sid = self.inner.live.series_id(id, metric);
        if !known && sid.is_none() {
            return Err(Error::NotFound(format!("metric {metric} of entity {id}")));
        }
        let store = &self.inner.store;
        Ok(match (step, sid) {
            (None, sid) => {
                let limit = limit.clamp(1, 100_000);
                let mut points = match sid {
                    Some(s) => store.history_raw(s, from, to, limit + 1).await?,
                    None => vec![],
                };
                let truncated = points.len() > limit;
                points.truncate(limit);
                History::Raw {
                    metric: metric.into(),
                    points,
                    truncated,
                }
            }
            (Some(step), sid) => {
                let span = (to - from) / step.millis();
                if span > 100_000 {
                    return Err(invalid(
                        "step",
                        format!(
                            "{} buckets of {} is too many; choose a larger step",
                            span,
                            step.as_str()
                        ),
                    ));
                }
                let buckets = match sid {
                    Some(s) => store.history_rollup(s, step, from, to).await?,
                    None => vec![],
                };
                History::Rollup {
                    metric: metric.into(),
                    step,
                    buckets,
                }
            }
        })
    }
}
