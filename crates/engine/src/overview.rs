//! What the command center and the maps read: every visible entity with its live status, the
//! county's KPIs, H3 heat cells, and one metric aggregated over a kind.
//!
//! All of it is answered from memory (the registry index, the latest values and a one-hour
//! ring of ingest counts), except [`Engine::kind_series`], which reads roll-ups — never raw
//! history — of at most [`MAX_SERIES_ENTITIES`] entities, and the overview's indicator
//! completion, which comes from the scorecard (measured from the store at most every 30 s).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use zhicheng_geo::hex::{cell_polygon, HexAggregator, Resolution};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, EntityStatus, Step};

use crate::error::invalid;
use crate::live::rd;
use crate::registry::EntityInfo;
use crate::{Engine, Error, Result};

/// Most entities one [`Engine::kind_series`] call aggregates (one roll-up read each).
pub const MAX_SERIES_ENTITIES: usize = 2000;

/// Seconds the ingest-rate ring covers.
const RING_SECONDS: usize = 3600;

/// Readings stored per second over the last hour, for "readings per minute".
pub(crate) struct Rate {
    ring: Mutex<RateRing>,
}

struct RateRing {
    counts: Box<[u32]>,
    /// The latest second (epoch) the ring has been advanced to.
    last: i64,
}

impl RateRing {
    fn advance(&mut self, now_s: i64) {
        if now_s <= self.last {
            return;
        }
        let gap = (now_s - self.last).min(RING_SECONDS as i64);
        for s in (now_s - gap + 1)..=now_s {
            self.counts[s.rem_euclid(RING_SECONDS as i64) as usize] = 0;
        }
        self.last = now_s;
    }

    fn at(&self, s: i64) -> u64 {
        if s > self.last || s <= self.last - RING_SECONDS as i64 {
            return 0;
        }
        u64::from(self.counts[s.rem_euclid(RING_SECONDS as i64) as usize])
    }
}

impl Rate {
    pub(crate) fn new() -> Rate {
        Rate::starting_at(now_ms())
    }

    /// An empty ring whose clock starts at `start_ms`.
    fn starting_at(start_ms: i64) -> Rate {
        Rate {
            ring: Mutex::new(RateRing {
                counts: vec![0; RING_SECONDS].into_boxed_slice(),
                last: start_ms.div_euclid(1000),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RateRing> {
        // Each update is a few integer writes; a panic cannot leave the ring inconsistent.
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `n` readings stored at `now_ms`.
    pub(crate) fn record(&self, now_ms: i64, n: usize) {
        let s = now_ms.div_euclid(1000);
        let mut r = self.lock();
        r.advance(s);
        if s <= r.last - RING_SECONDS as i64 {
            return;
        }
        let slot = &mut r.counts[s.rem_euclid(RING_SECONDS as i64) as usize];
        *slot = slot.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// Readings in the 60 seconds up to `now_ms`.
    pub(crate) fn last_minute(&self, now_ms: i64) -> u64 {
        let s = now_ms.div_euclid(1000);
        let mut r = self.lock();
        r.advance(s);
        (s - 59..=s).map(|x| r.at(x)).sum()
    }

    /// Readings per calendar minute, the 60 minutes up to and including the current one
    /// (which is still filling), oldest first: `(minute start ms, count)`.
    pub(crate) fn per_minute(&self, now_ms: i64) -> Vec<(i64, u64)> {
        let s = now_ms.div_euclid(1000);
        let mut r = self.lock();
        r.advance(s);
        let this_minute = s.div_euclid(60);
        (this_minute - 59..=this_minute)
            .map(|m| (m * 60_000, (m * 60..m * 60 + 60).map(|x| r.at(x)).sum()))
            .collect()
    }
}

/// The live status of an entity as maps colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveStatus {
    /// In service and reported within `offline_after`.
    Online,
    /// In service, has reported, but not within `offline_after`.
    Offline,
    /// In service and never reported.
    Silent,
    /// Under maintenance.
    Maintenance,
    /// Installed, not yet in service.
    Planned,
    /// Out of service for good.
    Retired,
}

impl LiveStatus {
    /// The status of an entity with lifecycle `lifecycle` whose latest reading is `last_ts`.
    pub fn of(
        lifecycle: EntityStatus,
        last_ts: Option<i64>,
        now_ms: i64,
        offline_after_ms: i64,
    ) -> LiveStatus {
        match lifecycle {
            EntityStatus::Maintenance => LiveStatus::Maintenance,
            EntityStatus::Planned => LiveStatus::Planned,
            EntityStatus::Retired => LiveStatus::Retired,
            EntityStatus::Active => match last_ts {
                None => LiveStatus::Silent,
                Some(t) if now_ms - t <= offline_after_ms => LiveStatus::Online,
                Some(_) => LiveStatus::Offline,
            },
        }
    }

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveStatus::Online => "online",
            LiveStatus::Offline => "offline",
            LiveStatus::Silent => "silent",
            LiveStatus::Maintenance => "maintenance",
            LiveStatus::Planned => "planned",
            LiveStatus::Retired => "retired",
        }
    }
}

/// One entity on the map: `[id, kind, name, department, region, lon, lat, status, last_ts]`,
/// an array rather than an object so that 10,000 of them stay small.
pub type MapRow = (
    String,
    String,
    String,
    String,
    String,
    Option<f64>,
    Option<f64>,
    LiveStatus,
    Option<i64>,
);

/// The column names of [`MapRow`].
pub const MAP_FIELDS: [&str; 9] = [
    "id",
    "kind",
    "name",
    "department",
    "region",
    "lon",
    "lat",
    "status",
    "last_ts",
];

/// Counts of entities by live status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Entities counted.
    pub total: u64,
    /// Reporting lately.
    pub online: u64,
    /// Reported once, not lately.
    pub offline: u64,
    /// Never reported.
    pub silent: u64,
    /// Under maintenance, planned or retired.
    pub inactive: u64,
}

impl StatusCounts {
    fn add(&mut self, s: LiveStatus) {
        self.total += 1;
        match s {
            LiveStatus::Online => self.online += 1,
            LiveStatus::Offline => self.offline += 1,
            LiveStatus::Silent => self.silent += 1,
            LiveStatus::Maintenance | LiveStatus::Planned | LiveStatus::Retired => {
                self.inactive += 1
            }
        }
    }
}

/// The counts of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCounts {
    /// Kind id.
    pub kind: String,
    /// Kind name.
    pub name: String,
    /// English name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// The counts.
    #[serde(flatten)]
    pub counts: StatusCounts,
}

/// How fresh the data of reporting entities is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Freshness {
    /// The newest reading of any visible entity.
    pub latest_ts: Option<i64>,
    /// Median age of the entities' latest readings (entities that have reported).
    pub p50_age_ms: Option<i64>,
    /// 90th percentile of that age.
    pub p90_age_ms: Option<i64>,
}

/// The command center's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// Server time of the answer.
    pub now: i64,
    /// An active entity silent for longer than this is offline.
    pub offline_after_ms: i64,
    /// All visible entities.
    pub totals: StatusCounts,
    /// Per kind, in kind-id order.
    pub kinds: Vec<KindCounts>,
    /// Readings stored in the last 60 s (whole deployment).
    pub readings_last_minute: u64,
    /// Readings stored per minute over the last hour, oldest first.
    pub readings_per_minute: Vec<(i64, u64)>,
    /// Data freshness.
    pub freshness: Freshness,
    /// KPIs of the capabilities (`null` for those not built yet: `aqi`, `scenic_occupancy`).
    /// `alarms`: the active alarms the caller may see, `active`, `unacknowledged` and
    /// `by_severity`; `cases`: `open` cases the caller may see and how many are `overdue`.
    /// `indicator_completion` is filled from the scorecard: `star`,
    /// `completed_weight`, `pass_line`, `aim`, `met`, `scored`, `computed_ms`, `by_group`
    /// (`group`, `group_en`, `share`, `met`, `scored`) and `trend` (`period`,
    /// `completed_weight`, `closed`: closed months of the last twelve, then this one).
    pub slots: serde_json::Value,
}

/// One H3 cell of a heat layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatCell {
    /// H3 index (hex string).
    pub h3: String,
    /// Entities (or values) in the cell.
    pub count: u64,
    /// Entity count, or the mean of the metric's latest values.
    pub value: f64,
    /// Outline, `[lon, lat]` pairs.
    pub boundary: Vec<(f64, f64)>,
}

/// A heat layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heat {
    /// H3 resolution.
    pub res: u8,
    /// The metric averaged, or none for entity density.
    pub metric: Option<String>,
    /// The cells.
    pub cells: Vec<HeatCell>,
}

/// What [`Engine::kind_series`] aggregates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindSeriesQuery<'a> {
    /// Kind.
    pub kind: &'a str,
    /// Metric of the kind.
    pub metric: &'a str,
    /// Bucket width.
    pub step: Step,
    /// Start (inclusive, epoch ms).
    pub from: i64,
    /// End (exclusive, epoch ms).
    pub to: i64,
    /// Only entities in this region or below.
    pub region: Option<&'a str>,
}

/// One metric aggregated over the entities of a kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindSeries {
    /// Kind.
    pub kind: String,
    /// Metric.
    pub metric: String,
    /// Bucket width.
    pub step: Step,
    /// Entities whose roll-ups were read.
    pub entities: usize,
    /// `[bucket start, mean, min, max, readings]`, oldest first.
    pub points: Vec<(i64, f64, f64, f64, i64)>,
}

/// Percentile `p` (0–1) of sorted `v` by nearest rank.
fn percentile(v: &[i64], p: f64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

impl Engine {
    /// An active entity silent for longer than this is offline.
    pub fn offline_after_ms(&self) -> i64 {
        i64::try_from(self.inner.cfg.offline_after.as_millis()).unwrap_or(i64::MAX)
    }

    /// Calls `f` with each entity `actor` may see (optionally of one kind) and the time of its
    /// latest reading; under the index and live-state read locks, so `f` must be quick.
    fn each_visible(
        &self,
        actor: &Actor,
        kind: Option<&str>,
        mut f: impl FnMut(&str, &EntityInfo, Option<i64>),
    ) {
        let idx = self.inner.index.read();
        let series = rd(&self.inner.live.series);
        let latest = rd(&self.inner.live.latest);
        for (id, info) in &idx.entities {
            if kind.is_some_and(|k| &*info.kind != k)
                || !actor.can_read_department(&info.department)
            {
                continue;
            }
            let last = series.by_key.get(id.as_str()).and_then(|m| {
                m.values()
                    .filter_map(|sid| latest.get(sid).map(|(ts, _)| *ts))
                    .max()
            });
            f(id, info, last);
        }
    }

    /// Every entity `actor` may see (optionally of one kind), sorted by id, with its live status.
    pub fn map_entities(&self, actor: &Actor, kind: Option<&str>) -> Vec<MapRow> {
        let now = now_ms();
        let off = self.offline_after_ms();
        let mut rows = Vec::new();
        self.each_visible(actor, kind, |id, info, last| {
            rows.push((
                id.to_string(),
                info.kind.to_string(),
                info.name.to_string(),
                info.department.to_string(),
                info.region.to_string(),
                info.point.map(|p| p.0),
                info.point.map(|p| p.1),
                LiveStatus::of(info.lifecycle, last, now, off),
                last,
            ));
        });
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        rows
    }

    /// The command center's KPIs for `actor`. The indicator completion is the county's
    /// scorecard at [`crate::scorecard::DEFAULT_STAR`] (measured at most every 30 s).
    pub async fn overview(&self, actor: &Actor) -> Overview {
        let completion = match self.scorecard(actor, crate::scorecard::DEFAULT_STAR).await {
            Ok(mut c) => {
                if let Err(e) = self.attach_trend(&mut c).await {
                    tracing::warn!(error = %e, "scorecard trend for the overview failed");
                }
                serde_json::json!({
                    "star": c.star,
                    "completed_weight": c.totals.completed_weight,
                    "pass_line": c.totals.pass_line,
                    "aim": c.totals.aim,
                    "met": c.totals.met,
                    "scored": c.totals.scored,
                    "computed_ms": c.computed_ms,
                    "by_group": c.by_group.iter().map(|g| serde_json::json!({
                        "group": g.group, "group_en": g.group_en, "share": g.share,
                        "met": g.met, "scored": g.scored,
                    })).collect::<Vec<_>>(),
                    "trend": c.trend.iter().map(|p| serde_json::json!({
                        "period": p.period, "completed_weight": p.completed_weight,
                        "closed": p.closed,
                    })).collect::<Vec<_>>(),
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "scorecard for the overview failed");
                serde_json::Value::Null
            }
        };
        let now = now_ms();
        let off = self.offline_after_ms();
        let mut totals = StatusCounts::default();
        let mut by_kind: HashMap<String, StatusCounts> = HashMap::new();
        let mut ages = Vec::new();
        let mut latest_ts: Option<i64> = None;
        self.each_visible(actor, None, |_, info, last| {
            let s = LiveStatus::of(info.lifecycle, last, now, off);
            totals.add(s);
            by_kind.entry(info.kind.to_string()).or_default().add(s);
            if let Some(t) = last {
                ages.push((now - t).max(0));
                latest_ts = Some(latest_ts.map_or(t, |l| l.max(t)));
            }
        });
        ages.sort_unstable();
        let mut kinds: Vec<KindCounts> = by_kind
            .into_iter()
            .map(|(kind, counts)| {
                let k = self.kind(&kind);
                KindCounts {
                    name: k.as_ref().map_or_else(|| kind.clone(), |k| k.name.clone()),
                    name_en: k.and_then(|k| k.name_en.clone()),
                    kind,
                    counts,
                }
            })
            .collect();
        kinds.sort_by(|a, b| a.kind.cmp(&b.kind));
        let (alarms, cases) = self.alarm_and_case_slots(actor).await;
        let rate = &self.inner.rate;
        Overview {
            now,
            offline_after_ms: off,
            totals,
            kinds,
            readings_last_minute: rate.last_minute(now),
            readings_per_minute: rate.per_minute(now),
            freshness: Freshness {
                latest_ts,
                p50_age_ms: percentile(&ages, 0.5),
                p90_age_ms: percentile(&ages, 0.9),
            },
            slots: serde_json::json!({
                "alarms": alarms,
                "cases": cases,
                "aqi": null,
                "scenic_occupancy": null,
                "indicator_completion": completion,
            }),
        }
    }

    /// The alarm and case KPIs of the overview (`null` when the store does not answer).
    async fn alarm_and_case_slots(&self, actor: &Actor) -> (serde_json::Value, serde_json::Value) {
        let scope = actor.scope();
        let alarms = match self.inner.store.count_open_alarms().await {
            Ok(counts) => {
                let mut by_severity: std::collections::BTreeMap<&str, i64> =
                    ["critical", "major", "minor", "warning"]
                        .into_iter()
                        .map(|s| (s, 0))
                        .collect();
                let (mut active, mut unacknowledged) = (0, 0);
                for c in counts
                    .iter()
                    .filter(|c| scope.is_none_or(|d| c.department == d))
                {
                    active += c.n;
                    if !c.acknowledged {
                        unacknowledged += c.n;
                    }
                    if let Some(n) = by_severity.get_mut(c.severity.as_str()) {
                        *n += c.n;
                    }
                }
                serde_json::json!({
                    "active": active,
                    "unacknowledged": unacknowledged,
                    "by_severity": by_severity,
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "open alarm counts for the overview failed");
                serde_json::Value::Null
            }
        };
        let cases = match self
            .inner
            .store
            .count_open_cases(scope, self.case_now())
            .await
        {
            Ok((open, overdue)) => serde_json::json!({ "open": open, "overdue": overdue }),
            Err(e) => {
                tracing::warn!(error = %e, "open case counts for the overview failed");
                serde_json::Value::Null
            }
        };
        (alarms, cases)
    }

    /// H3 cells at resolution `res` (4–10) of the entities `actor` may see (optionally of one
    /// kind): their count, or — with `metric` — the mean of its latest values that are no older
    /// than `offline_after`.
    pub fn heat(
        &self,
        actor: &Actor,
        res: u8,
        kind: Option<&str>,
        metric: Option<&str>,
    ) -> Result<Heat> {
        if !(4..=10).contains(&res) {
            return Err(invalid("res", "must be 4 to 10"));
        }
        let resolution = Resolution::try_from(res).map_err(|e| invalid("res", e.to_string()))?;
        let mut agg = HexAggregator::new(resolution);
        let now = now_ms();
        let off = self.offline_after_ms();
        let mut points: Vec<((f64, f64), Option<f64>)> = Vec::new();
        {
            let idx = self.inner.index.read();
            let series = rd(&self.inner.live.series);
            let latest = rd(&self.inner.live.latest);
            for (id, info) in &idx.entities {
                let Some(p) = info.point else { continue };
                if kind.is_some_and(|k| &*info.kind != k)
                    || !actor.can_read_department(&info.department)
                {
                    continue;
                }
                let value = match metric {
                    None => None,
                    Some(m) => {
                        let fresh = series
                            .by_key
                            .get(id.as_str())
                            .and_then(|ms| ms.get(m))
                            .and_then(|sid| latest.get(sid))
                            .filter(|(ts, _)| now - ts <= off);
                        match fresh {
                            Some((_, v)) => Some(*v),
                            None => continue,
                        }
                    }
                };
                points.push((p, value));
            }
        }
        for (p, v) in points {
            // Coordinates were validated when the entity was stored; a bad one is skipped.
            let _ = agg.add(p, v.unwrap_or(1.0));
        }
        let mut cells: Vec<HeatCell> = agg
            .iter()
            .map(|(cell, st)| HeatCell {
                h3: cell.to_string(),
                count: st.count,
                value: if metric.is_some() {
                    st.mean()
                } else {
                    st.count as f64
                },
                boundary: cell_polygon(cell)
                    .exterior()
                    .coords()
                    .map(|c| (c.x, c.y))
                    .collect(),
            })
            .collect();
        cells.sort_by(|a, b| a.h3.cmp(&b.h3));
        Ok(Heat {
            res,
            metric: metric.map(str::to_string),
            cells,
        })
    }

    /// `q.metric` over `[q.from, q.to)` in `q.step` buckets, aggregated over the entities of
    /// `q.kind` that `actor` may see (optionally within region `q.region` and below): per bucket
    /// the mean of all readings, the extremes and the reading count.
    pub async fn kind_series(&self, actor: &Actor, q: KindSeriesQuery<'_>) -> Result<KindSeries> {
        let KindSeriesQuery {
            kind,
            metric,
            step,
            from,
            to,
            region,
        } = q;
        if from >= to {
            return Err(invalid("from", "must be before `to`"));
        }
        if (to - from) / step.millis() > 10_000 {
            return Err(invalid(
                "step",
                "more than 10,000 buckets; choose a larger step",
            ));
        }
        let k = self
            .kind(kind)
            .ok_or_else(|| Error::NotFound(format!("kind {kind}")))?;
        if k.metric(metric).is_none() {
            return Err(Error::NotFound(format!("metric {metric} of kind {kind}")));
        }
        let sids: Vec<i64> = {
            let idx = self.inner.index.read();
            let series = rd(&self.inner.live.series);
            idx.entities
                .iter()
                .filter(|(_, i)| {
                    &*i.kind == kind
                        && actor.can_read_department(&i.department)
                        && region.is_none_or(|r| i.region.starts_with(r))
                })
                .filter_map(|(id, _)| series.by_key.get(id.as_str())?.get(metric).copied())
                .collect()
        };
        if sids.len() > MAX_SERIES_ENTITIES {
            return Err(invalid(
                "region",
                format!(
                    "{} entities report {metric}; narrow by region to at most {MAX_SERIES_ENTITIES}",
                    sids.len()
                ),
            ));
        }
        // (sum, min, max, count) per bucket.
        let mut buckets: HashMap<i64, (f64, f64, f64, i64)> = HashMap::new();
        for sid in &sids {
            for b in self
                .inner
                .store
                .history_rollup(*sid, step, from, to)
                .await?
            {
                let e = buckets
                    .entry(b.ts)
                    .or_insert((0.0, f64::INFINITY, f64::NEG_INFINITY, 0));
                e.0 += b.avg * b.count as f64;
                e.1 = e.1.min(b.min);
                e.2 = e.2.max(b.max);
                e.3 += b.count;
            }
        }
        let mut points: Vec<_> = buckets
            .into_iter()
            .filter(|(_, b)| b.3 > 0)
            .map(|(ts, (sum, min, max, n))| (ts, sum / n as f64, min, max, n))
            .collect();
        points.sort_by_key(|p| p.0);
        Ok(KindSeries {
            kind: kind.into(),
            metric: metric.into(),
            step,
            entities: sids.len(),
            points,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_ring_counts_the_last_minute_and_per_minute() {
        let t0 = 1_764_000_000_000_i64; // a whole minute (epoch ms divisible by 60,000)
        let r = Rate::starting_at(t0);
        assert_eq!(t0 % 60_000, 0);
        r.record(t0, 10);
        r.record(t0 + 30_000, 5);
        r.record(t0 + 61_000, 7);
        // At t0+61s the last 60 s hold the readings at +30 s and +61 s.
        assert_eq!(r.last_minute(t0 + 61_000), 12);
        let pm = r.per_minute(t0 + 61_000);
        assert_eq!(pm.len(), 60);
        assert_eq!(pm[59], (t0 + 60_000, 7));
        assert_eq!(pm[58], (t0, 15));
        assert!(pm[..58].iter().all(|(_, n)| *n == 0));
        // An hour later everything has left the ring.
        assert_eq!(r.last_minute(t0 + 3_700_000), 0);
        assert!(r.per_minute(t0 + 3_700_000).iter().all(|(_, n)| *n == 0));
    }

    #[test]
    fn rate_ring_survives_a_long_gap_and_old_seconds() {
        let t0 = 1_764_000_000_000_i64;
        let r = Rate::starting_at(t0);
        r.record(t0, 3);
        // A reading counted "at" an earlier second (clock step back) still lands in the ring.
        r.record(t0 - 5_000, 2);
        assert_eq!(r.last_minute(t0), 5);
        r.record(t0 + 10 * 3_600_000, 4);
        assert_eq!(r.last_minute(t0 + 10 * 3_600_000), 4);
    }

    #[test]
    fn live_status_follows_lifecycle_then_freshness() {
        let now = 1_000_000;
        let off = 600_000;
        use EntityStatus::*;
        assert_eq!(
            LiveStatus::of(Active, Some(now - 1), now, off),
            LiveStatus::Online
        );
        assert_eq!(
            LiveStatus::of(Active, Some(now - off), now, off),
            LiveStatus::Online
        );
        assert_eq!(
            LiveStatus::of(Active, Some(now - off - 1), now, off),
            LiveStatus::Offline
        );
        assert_eq!(LiveStatus::of(Active, None, now, off), LiveStatus::Silent);
        assert_eq!(
            LiveStatus::of(Maintenance, Some(now), now, off),
            LiveStatus::Maintenance
        );
        assert_eq!(LiveStatus::of(Planned, None, now, off), LiveStatus::Planned);
        assert_eq!(LiveStatus::of(Retired, None, now, off), LiveStatus::Retired);
    }

    #[test]
    fn percentile_is_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 0.5), Some(5));
        assert_eq!(percentile(&v, 0.9), Some(9));
    }
}
