//! Closed scorecard periods and their snapshots (issue 5, periods and snapshots).
//!
//! - **Closing** a month (`YYYY-MM`, not after the current month in UTC+8) is for admins and
//!   operators (the big-data center): the scorecard is computed at that moment — today's
//!   registry and the month's approved submissions — at *every* star level the pack grades, and
//!   stored as one JSON text with its SHA-256 (the snapshot). The star named at closing is
//!   recorded as the reported one.
//! - A closed month's scorecard and reports are served from the snapshot only, so they are
//!   byte-identical on every request whatever the data do afterwards.
//! - Submitting a value for a closed month, or reviewing one, is refused (409).
//! - **Reopening** is for admins only and needs a reason; it drops the snapshot (its hash is
//!   kept in the audit detail) and the month is live again.
//!
//! Closing and reopening are audited (`scorecard.close`, `scorecard.reopen`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_store::ScorecardPeriod;

use crate::error::invalid;
use crate::scorecard::{build, levels, ClosedInfo, Scorecard};
use crate::submissions::{current_period, valid_period};
use crate::trend::Scope;
use crate::{Engine, Error, Result};

/// Longest reopening reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// A period as the API shows it (without the snapshot text).
#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    pub pack: String,
    pub period: String,
    /// `open` or `closed`.
    pub status: String,
    pub closed_by: Option<String>,
    pub closed_ms: Option<i64>,
    pub reopened_by: Option<String>,
    pub reopened_ms: Option<i64>,
    pub snapshot_sha256: Option<String>,
}

impl From<ScorecardPeriod> for PeriodView {
    fn from(p: ScorecardPeriod) -> Self {
        PeriodView {
            pack: p.pack,
            period: p.period,
            status: p.status,
            closed_by: p.closed_by,
            closed_ms: p.closed_ms,
            reopened_by: p.reopened_by,
            reopened_ms: p.reopened_ms,
            snapshot_sha256: p.snapshot_sha256,
        }
    }
}

/// What a snapshot holds.
#[derive(Serialize)]
struct Snapshot<'a> {
    format: u32,
    pack: &'a str,
    period: &'a str,
    star: u8,
    closed_by: &'a str,
    closed_ms: i64,
    /// The scorecard at each graded star level, keyed by the level.
    cards: BTreeMap<String, Scorecard>,
}

/// A scorecard as served: the JSON text, its parsed value (for the reports), and whether it
/// comes from a closed period's snapshot.
#[derive(Debug, Clone)]
pub struct ScorecardDoc {
    pub period: String,
    pub star: u8,
    /// The JSON served (for a closed period: the same bytes on every request).
    pub json: String,
    pub value: Json,
    /// When the values were measured (the closing time for a closed period).
    pub computed_ms: i64,
    /// `Some(closing ms)` when served from a snapshot.
    pub closed_ms: Option<i64>,
    /// A month, a quarter or an acceptance milestone (see [`crate::trend`]).
    pub scope: Scope,
}

fn check_period(period: &str) -> Result<String> {
    let p = period.trim();
    if !valid_period(p) {
        return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
    }
    if p > current_period().as_str() {
        return Err(invalid("period", format!("{p} has not begun")));
    }
    Ok(p.to_string())
}

impl Engine {
    /// The stored state of `period` of the scorecard's pack (`None`: never closed).
    pub(crate) async fn period_row(&self, period: &str) -> Result<Option<ScorecardPeriod>> {
        Ok(self
            .inner
            .store
            .get_scorecard_period(&self.scorecard_pack().id, period)
            .await?)
    }

    /// 409 when `period` is closed.
    pub(crate) async fn refuse_closed_period(&self, period: &str) -> Result<()> {
        match self.period_row(period).await? {
            Some(p) if p.status == "closed" => Err(Error::Conflict(format!(
                "period {period} is closed: reopen it first (该期已关账，需先重新开启)"
            ))),
            _ => Ok(()),
        }
    }

    /// The periods of the scorecard's pack that were ever closed. Any signed-in user.
    pub async fn scorecard_periods(&self, actor: &Actor) -> Result<Vec<PeriodView>> {
        let _ = actor;
        Ok(self
            .inner
            .store
            .list_scorecard_periods(&self.scorecard_pack().id)
            .await?
            .into_iter()
            .map(PeriodView::from)
            .collect())
    }

    /// Closes `period`, keeping the scorecard as computed now (every star level) as its
    /// snapshot. Admins and operators; a closed period is 409.
    pub async fn close_period(&self, actor: &Actor, period: &str, star: u8) -> Result<PeriodView> {
        // Closing waits for writes into months in flight, and they wait for it.
        let _months = self.inner.scorecard.month_writes.write().await;
        if !actor.can_admin_registry() {
            return Err(Error::Forbidden(
                "only the big-data center (operator) or an admin closes a period".into(),
            ));
        }
        let period = check_period(period)?;
        self.check_star(star)?;
        if let Some(p) = self.period_row(&period).await? {
            if p.status == "closed" {
                return Err(Error::Conflict(format!(
                    "period {period} is closed already"
                )));
            }
        }
        let pack = self.inner.scorecard.pack.clone();
        let measured = self.measure_period(&period).await?;
        let computed_ms = measured.computed_ms;
        let closed = ClosedInfo {
            by: actor.username.clone(),
            ms: computed_ms,
            star,
        };
        let cards = levels(&pack)
            .into_iter()
            .map(|s| {
                let mut card = build(&pack, &measured, s);
                card.closed = Some(closed.clone());
                card
            })
            .collect::<Vec<_>>();
        let mut by_star = BTreeMap::new();
        for mut card in cards {
            self.attach_trend_with(&mut card, true).await?;
            by_star.insert(card.star.to_string(), card);
        }
        let cards = by_star;
        let text = serde_json::to_string(&Snapshot {
            format: 2,
            pack: &pack.id,
            period: &period,
            star,
            closed_by: &actor.username,
            closed_ms: computed_ms,
            cards,
        })
        .map_err(|e| Error::Unavailable(format!("snapshot: {e}")))?;
        let sha = hex::encode(Sha256::digest(text.as_bytes()));
        let row = ScorecardPeriod {
            pack: pack.id.clone(),
            period: period.clone(),
            status: "closed".into(),
            closed_by: Some(actor.username.clone()),
            closed_ms: Some(computed_ms),
            reopened_by: None,
            reopened_ms: None,
            snapshot: Some(text),
            snapshot_sha256: Some(sha.clone()),
        };
        if !self.inner.store.close_scorecard_period(&row).await? {
            return Err(Error::Conflict(format!(
                "period {period} is closed already"
            )));
        }
        self.audit(
            &actor.username,
            "scorecard.close",
            &period,
            json!({"pack": pack.id, "star": star, "snapshot_sha256": sha}),
        )
        .await;
        self.trend_changed();
        let row = self.period_row(&period).await?.unwrap_or(row);
        Ok(row.into())
    }

    /// Reopens a closed period (admins only, with a reason); the snapshot is dropped and its
    /// hash kept in the audit trail.
    pub async fn reopen_period(
        &self,
        actor: &Actor,
        period: &str,
        reason: &str,
    ) -> Result<PeriodView> {
        // Closing waits for writes into months in flight, and they wait for it.
        let _months = self.inner.scorecard.month_writes.write().await;
        if actor.role != Role::Admin {
            return Err(Error::Forbidden("only an admin reopens a period".into()));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid(
                "reason",
                "reopening a period needs a reason (重新开启需说明原因)",
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(invalid(
                "reason",
                format!("at most {MAX_REASON_CHARS} characters"),
            ));
        }
        let period = period.trim();
        if !valid_period(period) {
            return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
        }
        let pack = self.scorecard_pack().id.clone();
        let old = match self.period_row(period).await? {
            Some(p) if p.status == "closed" => p,
            _ => return Err(Error::Conflict(format!("period {period} is not closed"))),
        };
        if !self
            .inner
            .store
            .reopen_scorecard_period(&pack, period, &actor.username, now_ms())
            .await?
        {
            return Err(Error::Conflict(format!("period {period} is not closed")));
        }
        self.audit(
            &actor.username,
            "scorecard.reopen",
            period,
            json!({"pack": pack, "reason": reason, "snapshot_sha256": old.snapshot_sha256,
                   "closed_by": old.closed_by, "closed_ms": old.closed_ms}),
        )
        .await;
        self.scorecard_changed();
        self.trend_changed();
        let row = self
            .period_row(period)
            .await?
            .ok_or_else(|| Error::NotFound(format!("period {period}")))?;
        Ok(row.into())
    }

    /// The scorecard of `period` (default: the current month) at `star`: from the snapshot
    /// when the period is closed, live otherwise. Any signed-in user.
    pub async fn scorecard_doc(
        &self,
        actor: &Actor,
        period: Option<&str>,
        star: u8,
    ) -> Result<ScorecardDoc> {
        let _ = actor;
        let period = match period {
            Some(p) => check_period(p)?,
            None => current_period(),
        };
        self.check_star(star)?;
        if let Some(row) = self.period_row(&period).await? {
            if let (true, Some(text)) = (row.status == "closed", row.snapshot.as_deref()) {
                let snap: Json = serde_json::from_str(text)
                    .map_err(|e| Error::Unavailable(format!("snapshot of {period}: {e}")))?;
                let value = snap["cards"][star.to_string()].clone();
                if value.is_null() {
                    return Err(invalid(
                        "star",
                        format!("the snapshot of {period} has no {star}-star scorecard"),
                    ));
                }
                let json = serde_json::to_string(&value)
                    .map_err(|e| Error::Unavailable(format!("snapshot: {e}")))?;
                let closed_ms = row.closed_ms.unwrap_or(0);
                return Ok(ScorecardDoc {
                    period,
                    star,
                    json,
                    value,
                    computed_ms: closed_ms,
                    closed_ms: Some(closed_ms),
                    scope: Scope::Month,
                });
            }
        }
        let mut card = self.scorecard_of_period(&period, star).await?;
        self.attach_trend(&mut card).await?;
        let value = serde_json::to_value(&card).map_err(|e| Error::Unavailable(format!("{e}")))?;
        let json = serde_json::to_string(&card).map_err(|e| Error::Unavailable(format!("{e}")))?;
        Ok(ScorecardDoc {
            period,
            star,
            json,
            value,
            computed_ms: card.computed_ms,
            closed_ms: None,
            scope: Scope::Month,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;

    fn actor(name: &str, role: Role) -> Actor {
        Actor {
            username: name.into(),
            role,
            department: None,
        }
    }

    #[tokio::test]
    async fn close_and_reopen_are_checked_and_audited() {
        let store = zhicheng_store::open("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let engine = Engine::start(store.clone(), EngineConfig::default())
            .await
            .unwrap();
        let admin = actor("root", Role::Admin);
        let op = actor("op1", Role::Operator);
        let dept = Actor {
            department: Some("education".into()),
            ..actor("edu1", Role::Department)
        };
        let period = current_period();

        assert!(matches!(
            engine.close_period(&dept, &period, 4).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            engine.close_period(&op, &period, 9).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            engine.close_period(&op, "2999-01", 4).await,
            Err(Error::Invalid(_))
        ));
        let closed = engine.close_period(&op, &period, 4).await.unwrap();
        let sha = closed.snapshot_sha256.clone().unwrap();
        let row = store
            .get_scorecard_period(&engine.scorecard_pack().id, &period)
            .await
            .unwrap()
            .unwrap();
        let text = row.snapshot.unwrap();
        assert_eq!(hex::encode(Sha256::digest(text.as_bytes())), sha);
        let snap: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(snap["star"], 4);
        assert!(snap["cards"]["4"]["indicators"].is_array());
        assert!(snap["cards"]["5"]["indicators"].is_array());

        let a = engine.scorecard_doc(&dept, Some(&period), 5).await.unwrap();
        let b = engine.scorecard_doc(&dept, None, 5).await.unwrap();
        assert_eq!(a.json, b.json);
        assert_eq!(a.closed_ms, closed.closed_ms);

        assert!(matches!(
            engine.reopen_period(&op, &period, "x").await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            engine.reopen_period(&admin, &period, " ").await,
            Err(Error::Invalid(_))
        ));
        let opened = engine
            .reopen_period(&admin, &period, "数据更正")
            .await
            .unwrap();
        assert_eq!(opened.status, "open");
        assert!(engine
            .scorecard_doc(&dept, Some(&period), 4)
            .await
            .unwrap()
            .closed_ms
            .is_none());

        let audit = store.list_audit(10, None).await.unwrap();
        let reopen = audit
            .iter()
            .find(|e| e.action == "scorecard.reopen")
            .unwrap();
        assert_eq!(
            (reopen.actor.as_str(), reopen.target.as_str()),
            ("root", period.as_str())
        );
        let detail: Json = serde_json::from_str(&reopen.detail).unwrap();
        assert_eq!(detail["snapshot_sha256"], sha.as_str());
        assert_eq!(detail["reason"], "数据更正");
        let close = audit
            .iter()
            .find(|e| e.action == "scorecard.close")
            .unwrap();
        assert_eq!(close.actor, "op1");
        engine.shutdown().await;
    }
}
