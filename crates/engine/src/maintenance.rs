//! Background upkeep: fold dirty roll-up buckets, apply retention per kind, drop expired
//! sessions.

use std::time::Duration;

use tokio::sync::watch;
use zhicheng_model::time_util::now_ms;

use crate::Engine;

/// Dirty minutes folded per transaction: a few milliseconds each (at 100,000 readings/s a
/// pass folds ~5,000 minutes in under a second, docs/performance.md).
const COMPACT_CHUNK: usize = 25;

pub(crate) async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    let cfg = engine.inner.cfg.clone();
    let mut compact = tokio::time::interval(cfg.compact_interval.max(Duration::from_millis(100)));
    let mut retention = tokio::time::interval(cfg.retention_interval.max(Duration::from_secs(1)));
    compact.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    retention.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = compact.tick() => {
                // Fold in slices so that a large backlog never holds the writer's lock for long.
                loop {
                    // Closed minutes only (those that ended a minute ago or more): an open one
                    // would be recomputed at every pass; reads fold it when they need it.
                    let before = zhicheng_model::Step::Minute.bucket(now_ms()) - 60_000;
                    // Small transactions: on SQLite the history writer shares the one write
                    // connection, and a fold of 1,000 minutes held it for up to 120 ms, the
                    // tail of alarm latency under load (docs/performance.md).
                    match engine.inner.store.compact_rollups_before(COMPACT_CHUNK, before).await {
                        Ok(n) if n >= COMPACT_CHUNK && !*stop.borrow() => continue,
                        Ok(_) => break,
                        Err(e) => { tracing::warn!(error = %e, "roll-up compaction failed"); break }
                    }
                }
                // Then join the small raw blocks of the hours that closed a minute ago or more.
                if let Err(e) = engine.inner.store.repack_history(1_000, now_ms() - 60_000).await {
                    tracing::warn!(error = %e, "history repack failed");
                }
            }
            _ = retention.tick() => { engine.apply_retention().await; }
        }
    }
}

impl Engine {
    /// Deletes raw history beyond each kind's retention; returns rows removed.
    pub async fn apply_retention(&self) -> u64 {
        let kinds: Vec<_> = self.inner.index.read().kinds.values().cloned().collect();
        let mut removed = 0;
        for k in kinds {
            let days = k
                .retention_days
                .unwrap_or(self.inner.cfg.raw_retention_days)
                .max(1);
            let cutoff = now_ms() - days as i64 * 86_400_000;
            match self.inner.store.apply_retention(&k.id, cutoff).await {
                Ok(n) => removed += n,
                Err(e) => tracing::warn!(kind = %k.id, error = %e, "retention failed"),
            }
        }
        match self.inner.store.delete_expired_sessions(now_ms()).await {
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expired-session cleanup failed"),
        }
        if removed > 0 {
            tracing::info!(removed, "retention removed raw history");
        }
        removed
    }
}
