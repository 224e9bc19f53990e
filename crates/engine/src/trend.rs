//! The scorecard over time: the trend against previous months, quarters, and the mid-term and
//! final acceptance milestones (issue 5, periods and reports).
//!
//! - **Trend.** A scorecard of month `P` carries the closed months among the eleven before `P`
//!   (read from their snapshots at the same star level: completed weight, counts, and each
//!   indicator's value and status), then `P` itself. Only closed months count: an open past
//!   month would be measured against today's registry, which is not what it was. Closing `P`
//!   keeps its trend in the snapshot, so a closed month's report never changes when an earlier
//!   month is reopened later. The points read from snapshots are cached per (month, star) and
//!   dropped whenever a month is closed or reopened (a read that overlapped a close or reopen is
//!   not cached); closing reads them from the store, never from the cache.
//! - **Quarters** (`YYYY-Qn`): a quarter's scorecard is the one of its last month that has
//!   begun (the snapshot when that month is closed), with the trend cut to the quarter's
//!   months. Quarters are not closed on their own: closing their months closes them.
//! - **Acceptance milestones**: the mid-term check and the final acceptance, dates from the
//!   configuration (`[scorecard] midterm_date`, `final_date`; the Yishui task book's are
//!   2021-10-31 and 2022-10-31). A milestone is assessed on the month its date falls in; until
//!   that month begins, on the current month (the report says "截至" that month). Its
//!   self-assessment report adds the conclusion against the pass line and the aim, and the
//!   evidence of every submitted value.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::Actor;

use crate::error::invalid;
use crate::periods::ScorecardDoc;
use crate::scorecard::{Scorecard, TrendPoint, TrendValue};
use crate::submissions::{current_period, valid_period};
use crate::{Engine, Error, Result};

/// Months a trend reaches back, the scorecard's own month included.
pub const TREND_MONTHS: i32 = 12;

/// `YYYY-MM` → (year, month).
fn ym(period: &str) -> Option<(i32, u32)> {
    let (y, m) = period.split_once('-')?;
    Some((y.parse().ok()?, m.parse().ok()?))
}

/// The month `delta` months from `period` (`YYYY-MM`).
pub fn month_add(period: &str, delta: i32) -> String {
    let (y, m) = ym(period).unwrap_or((1970, 1));
    let i = y * 12 + (m as i32 - 1) + delta;
    format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1)
}

/// The last day of a month `YYYY-MM`, as `YYYY-MM-DD`.
pub fn month_end(period: &str) -> String {
    let (y, m) = ym(period).unwrap_or((1970, 1));
    let days = time::Month::try_from(m as u8)
        .map(|mo| mo.length(y))
        .unwrap_or(31);
    format!("{y:04}-{m:02}-{days:02}")
}

/// A quarter `YYYY-Qn` → its three months.
pub fn quarter_months(q: &str) -> Option<[String; 3]> {
    let (y, n) = q.split_once("-Q")?;
    if y.len() != 4 || n.len() != 1 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let n: u32 = n.parse().ok()?;
    if !(1..=4).contains(&n) || !(2000..=2999).contains(&y) {
        return None;
    }
    let first = format!("{y:04}-{:02}", (n - 1) * 3 + 1);
    Some([first.clone(), month_add(&first, 1), month_add(&first, 2)])
}

/// The quarter `YYYY-Qn` a month `YYYY-MM` is in.
pub fn quarter_of(period: &str) -> String {
    let (y, m) = ym(period).unwrap_or((1970, 1));
    format!("{y:04}-Q{}", (m - 1) / 3 + 1)
}

/// What a scorecard document covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// One month.
    Month,
    /// A quarter, assessed on `month` (its last month that has begun).
    Quarter {
        quarter: String,
        months: Vec<String>,
    },
    /// An acceptance milestone, assessed on its `assessed_period`.
    Acceptance { milestone: Milestone },
}

/// The mid-term check or the final acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    Midterm,
    Final,
}

impl MilestoneKind {
    pub fn parse(s: &str) -> Option<MilestoneKind> {
        match s {
            "midterm" => Some(MilestoneKind::Midterm),
            "final" => Some(MilestoneKind::Final),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Midterm => "midterm",
            MilestoneKind::Final => "final",
        }
    }

    /// 中期考核 / 终期验收.
    pub fn name_zh(self) -> &'static str {
        match self {
            MilestoneKind::Midterm => "中期考核",
            MilestoneKind::Final => "终期验收",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            MilestoneKind::Midterm => "Mid-term check",
            MilestoneKind::Final => "Final acceptance",
        }
    }
}

/// The configured acceptance dates (`YYYY-MM-DD`, in UTC+8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptanceDates {
    pub midterm: Option<String>,
    pub final_: Option<String>,
}

impl Default for AcceptanceDates {
    /// The Yishui task book's: the mid-term check by the end of October 2021, the final
    /// acceptance by the end of October 2022.
    fn default() -> Self {
        AcceptanceDates {
            midterm: Some("2021-10-31".into()),
            final_: Some("2022-10-31".into()),
        }
    }
}

/// Whether `d` is a real calendar date `YYYY-MM-DD`.
pub fn valid_date(d: &str) -> bool {
    d.len() == 10
        && time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

/// A milestone as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub name: &'static str,
    pub name_en: &'static str,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The month the date falls in.
    pub period: String,
    /// The month assessed: `period`, or the current month while `period` has not begun.
    pub assessed_period: String,
    /// Whole days from today (UTC+8) to the date; negative once past.
    pub days_left: i64,
    /// `upcoming`, `this_month` or `past`.
    pub state: &'static str,
    /// Whether the assessed month is closed.
    pub closed: bool,
}

/// Today in UTC+8.
fn today() -> time::Date {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms()) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8))
        .date()
}

fn milestone(kind: MilestoneKind, date: &str, closed: &[String]) -> Option<Milestone> {
    let d = time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let period = date[..7].to_string();
    let now = current_period();
    let assessed = if period > now {
        now.clone()
    } else {
        period.clone()
    };
    let state = match period.cmp(&now) {
        std::cmp::Ordering::Greater => "upcoming",
        std::cmp::Ordering::Equal => "this_month",
        std::cmp::Ordering::Less => "past",
    };
    Some(Milestone {
        kind,
        name: kind.name_zh(),
        name_en: kind.name_en(),
        date: date.to_string(),
        closed: closed.contains(&assessed),
        period,
        assessed_period: assessed,
        days_left: (d - today()).whole_days(),
        state,
    })
}

/// The parts of a snapshot's card a trend point needs.
#[derive(Deserialize)]
struct SnapLite {
    cards: BTreeMap<String, CardLite>,
}

#[derive(Deserialize)]
struct CardLite {
    totals: TotalsLite,
    indicators: Vec<TrendValue>,
}

#[derive(Deserialize)]
struct TotalsLite {
    completed_weight: f64,
    passed: bool,
    met: usize,
    not_met: usize,
    no_data: usize,
}

/// A scorecard as a trend point.
pub(crate) fn point_of(card: &Scorecard) -> TrendPoint {
    TrendPoint {
        period: card.period.clone(),
        closed: card.closed.is_some(),
        completed_weight: card.totals.completed_weight,
        passed: card.totals.passed,
        met: card.totals.met,
        not_met: card.totals.not_met,
        no_data: card.totals.no_data,
        values: card
            .indicators
            .iter()
            .map(|r| TrendValue {
                number: r.number,
                value: r.value,
                status: r.status,
            })
            .collect(),
    }
}

impl Engine {
    /// Sets `card.trend`: the closed months among the eleven before its month, then the card.
    /// `fresh` reads the store whatever the cache holds (for a snapshot, which is permanent).
    pub(crate) async fn attach_trend_with(&self, card: &mut Scorecard, fresh: bool) -> Result<()> {
        let mut trend = (*self.closed_points(&card.period, card.star, fresh).await?).clone();
        trend.push(point_of(card));
        card.trend = trend;
        Ok(())
    }

    /// [`Engine::attach_trend_with`] from the cache when it has the points.
    pub(crate) async fn attach_trend(&self, card: &mut Scorecard) -> Result<()> {
        self.attach_trend_with(card, false).await
    }

    /// Drops the cached trend points (a month was closed or reopened).
    pub(crate) fn trend_changed(&self) {
        let st = &self.inner.scorecard;
        st.trend_generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = st.trend.lock() {
            c.clear();
        }
    }

    /// The closed months among the eleven before `period`, at `star`, oldest first.
    async fn closed_points(
        &self,
        period: &str,
        star: u8,
        fresh: bool,
    ) -> Result<Arc<Vec<TrendPoint>>> {
        let key = (period.to_string(), star);
        let st = &self.inner.scorecard;
        // Read before the store: a close or reopen meanwhile bumps it, and what was read is
        // then not cached.
        let generation = st.trend_generation.load(Ordering::SeqCst);
        if !fresh {
            if let Some(p) = st.trend.lock().ok().and_then(|c| c.get(&key).cloned()) {
                return Ok(p);
            }
        }
        let first = month_add(period, -(TREND_MONTHS - 1));
        let rows = self
            .inner
            .store
            .list_scorecard_periods(&self.scorecard_pack().id)
            .await?;
        let mut out = Vec::new();
        for row in rows {
            if row.status != "closed"
                || row.period.as_str() < first.as_str()
                || row.period.as_str() >= period
            {
                continue;
            }
            let Some(text) = row.snapshot.as_deref() else {
                continue;
            };
            let snap: SnapLite = serde_json::from_str(text)
                .map_err(|e| Error::Unavailable(format!("snapshot of {}: {e}", row.period)))?;
            if let Some(c) = snap.cards.get(&star.to_string()) {
                out.push(TrendPoint {
                    period: row.period.clone(),
                    closed: true,
                    completed_weight: c.totals.completed_weight,
                    passed: c.totals.passed,
                    met: c.totals.met,
                    not_met: c.totals.not_met,
                    no_data: c.totals.no_data,
                    values: c.indicators.clone(),
                });
            }
        }
        out.sort_by(|a, b| a.period.cmp(&b.period));
        let out = Arc::new(out);
        if let Ok(mut c) = st.trend.lock() {
            if st.trend_generation.load(Ordering::SeqCst) == generation {
                c.insert(key, out.clone());
            }
        }
        Ok(out)
    }

    /// The mid-term check and the final acceptance, as configured.
    pub async fn acceptance_milestones(&self, actor: &Actor) -> Result<Vec<Milestone>> {
        let _ = actor;
        let closed: Vec<String> = self
            .inner
            .store
            .list_scorecard_periods(&self.scorecard_pack().id)
            .await?
            .into_iter()
            .filter(|p| p.status == "closed")
            .map(|p| p.period)
            .collect();
        let d = &self.inner.cfg.acceptance;
        Ok([
            (MilestoneKind::Midterm, &d.midterm),
            (MilestoneKind::Final, &d.final_),
        ]
        .into_iter()
        .filter_map(|(k, date)| milestone(k, date.as_deref()?, &closed))
        .collect())
    }

    /// The scorecard document of a request's `period`: a month `YYYY-MM`, a quarter
    /// `YYYY-Qn`, or none (the current month).
    pub async fn scorecard_doc_any(
        &self,
        actor: &Actor,
        period: Option<&str>,
        star: u8,
    ) -> Result<ScorecardDoc> {
        let Some(p) = period.map(str::trim) else {
            return self.scorecard_doc(actor, None, star).await;
        };
        if valid_period(p) {
            return self.scorecard_doc(actor, Some(p), star).await;
        }
        let Some(months) = quarter_months(p) else {
            return Err(invalid(
                "period",
                "a month YYYY-MM or a quarter YYYY-Qn, e.g. 2026-11 or 2026-Q4",
            ));
        };
        let now = current_period();
        let Some(last) = months.iter().rev().find(|m| **m <= now) else {
            return Err(invalid("period", format!("{p} has not begun")));
        };
        let mut doc = self.scorecard_doc(actor, Some(last), star).await?;
        let months = months.to_vec();
        if let Some(t) = doc.value.get_mut("trend").and_then(Json::as_array_mut) {
            t.retain(|pt| {
                pt["period"]
                    .as_str()
                    .is_some_and(|m| months.iter().any(|x| x == m))
            });
        }
        let scope = Scope::Quarter {
            quarter: p.to_string(),
            months,
        };
        set_scope(&mut doc, scope)?;
        Ok(doc)
    }

    /// The scorecard document an acceptance milestone is assessed on.
    pub async fn acceptance_doc(
        &self,
        actor: &Actor,
        kind: MilestoneKind,
        star: u8,
    ) -> Result<ScorecardDoc> {
        let m = self
            .acceptance_milestones(actor)
            .await?
            .into_iter()
            .find(|m| m.kind == kind)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no {} date is configured ([scorecard] {}_date)",
                    kind.name_en(),
                    kind.as_str()
                ))
            })?;
        let mut doc = self
            .scorecard_doc(actor, Some(&m.assessed_period), star)
            .await?;
        set_scope(&mut doc, Scope::Acceptance { milestone: m })?;
        Ok(doc)
    }
}

/// Marks `doc` as covering `scope` (the JSON gains a `scope` member).
fn set_scope(doc: &mut ScorecardDoc, scope: Scope) -> Result<()> {
    let v = serde_json::to_value(&scope).map_err(|e| Error::Unavailable(format!("{e}")))?;
    if let Some(o) = doc.value.as_object_mut() {
        o.insert("scope".into(), v);
    }
    doc.json = serde_json::to_string(&doc.value).map_err(|e| Error::Unavailable(format!("{e}")))?;
    doc.scope = scope;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_quarters() {
        assert_eq!(month_add("2026-11", 1), "2026-12");
        assert_eq!(month_add("2026-11", 2), "2027-01");
        assert_eq!(month_add("2026-01", -1), "2025-12");
        assert_eq!(month_add("2026-11", -11), "2025-12");
        assert_eq!(month_add("2026-11", -23), "2024-12");
        assert_eq!(
            quarter_months("2026-Q4").unwrap(),
            ["2026-10", "2026-11", "2026-12"]
        );
        assert_eq!(
            quarter_months("2027-Q1").unwrap(),
            ["2027-01", "2027-02", "2027-03"]
        );
        for bad in [
            "2026-Q0", "2026-Q5", "2026-q1", "26-Q1", "2026-Q12", "2026-11",
        ] {
            assert!(quarter_months(bad).is_none(), "{bad}");
        }
        assert_eq!(quarter_of("2026-11"), "2026-Q4");
        assert_eq!(quarter_of("2026-03"), "2026-Q1");
        assert_eq!(quarter_of("2026-04"), "2026-Q2");
        assert_eq!(month_end("2026-02"), "2026-02-28");
        assert_eq!(month_end("2028-02"), "2028-02-29");
        assert_eq!(month_end("2026-12"), "2026-12-31");
        assert!(valid_date(&month_end("2026-11")));
    }

    #[test]
    fn dates_and_milestones() {
        assert!(valid_date("2022-10-31"));
        assert!(!valid_date("2022-10-32"));
        assert!(!valid_date("2022-02-29"));
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2022-1-31"));
        let past = milestone(MilestoneKind::Final, "2022-10-31", &["2022-10".into()]).unwrap();
        assert_eq!(past.state, "past");
        assert_eq!(past.period, "2022-10");
        assert_eq!(past.assessed_period, "2022-10");
        assert!(past.closed);
        assert!(past.days_left < 0);
        let later = milestone(MilestoneKind::Midterm, "2999-06-30", &[]).unwrap();
        assert_eq!(later.state, "upcoming");
        assert_eq!(later.assessed_period, current_period());
        assert!(later.days_left > 0 && !later.closed);
        assert!(milestone(MilestoneKind::Midterm, "2999-02-30", &[]).is_none());
    }
}
