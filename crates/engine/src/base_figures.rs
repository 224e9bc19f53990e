//! Base figures of the scorecard (issue 5): the `input(name)` values of the pack's formulas
//! that the platform cannot measure, such as `households` (常住户数), the denominator of #9's
//! home-meter coverage.
//!
//! - The names are those the pack's formulas read, less the ones the platform computes itself
//!   (#44's `communities` and `smart_communities`, see [`crate::communities`]).
//! - The big-data center (admins and operators) enters a figure for a month (`YYYY-MM`, UTC+8,
//!   not after the current one) with its source; rows are never updated. The figure of month
//!   P is the latest entry of the latest month not after P, so a year-end figure holds until
//!   the next one is entered. A closed month refuses (409): its snapshot would not show it.
//! - Every signed-in user reads them (they are the county's figures); entries are audited
//!   (`scorecard.base_figure`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::Actor;
use zhicheng_store::BaseFigure;

use crate::error::invalid;
use crate::submissions::{current_period, valid_period};
use crate::{Engine, Error, Result};

/// Largest base figure (a count of households, people… of one county).
pub const MAX_VALUE: f64 = 1e12;

/// Longest note (the figure's source), in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A figure as entered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseFigureInput {
    pub period: String,
    pub value: f64,
    #[serde(default)]
    pub note: String,
}

/// One base figure the pack needs, with the value that holds for the month asked.
#[derive(Debug, Clone, Serialize)]
pub struct BaseFigureView {
    pub name: String,
    /// The indicators whose formulas read it.
    pub indicators: Vec<u32>,
    /// The entry that holds (`None`: not entered, the formulas have no data).
    pub current: Option<BaseFigure>,
    /// Every entry up to the month, newest first.
    pub history: Vec<BaseFigure>,
}

/// The base figures `pack` reads, with the indicators that read each (computed ones left out).
fn needed(pack: &zhicheng_scorecard::Pack) -> BTreeMap<String, Vec<u32>> {
    let computed: BTreeSet<&str> = [
        crate::communities::INPUT_COMMUNITIES,
        crate::communities::INPUT_SMART,
    ]
    .into();
    let mut out: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for ind in &pack.indicators {
        let exprs = std::iter::once(&ind.measure)
            .chain(ind.parts.iter().map(|p| &p.measure))
            .filter_map(|m| m.expr());
        let mut names = BTreeSet::new();
        for e in exprs {
            names.extend(e.inputs());
        }
        for n in names.into_iter().filter(|n| !computed.contains(n.as_str())) {
            out.entry(n).or_default().push(ind.number);
        }
    }
    out
}

impl Engine {
    /// The pack's base figures as they hold for `period` (default: the current month).
    pub async fn base_figures(
        &self,
        actor: &Actor,
        period: Option<&str>,
    ) -> Result<Vec<BaseFigureView>> {
        let _ = actor;
        let period = match period {
            Some(p) if valid_period(p.trim()) => p.trim().to_string(),
            Some(_) => return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11")),
            None => current_period(),
        };
        let pack = self.scorecard_pack();
        let all = self
            .inner
            .store
            .list_base_figures(&pack.id, Some(&period))
            .await?;
        Ok(needed(pack)
            .into_iter()
            .map(|(name, indicators)| {
                let history: Vec<BaseFigure> =
                    all.iter().filter(|f| f.name == name).cloned().collect();
                BaseFigureView {
                    current: history.first().cloned(),
                    name,
                    indicators,
                    history,
                }
            })
            .collect())
    }

    /// Enters a base figure (admins and operators).
    pub async fn enter_base_figure(
        &self,
        actor: &Actor,
        name: &str,
        input: BaseFigureInput,
    ) -> Result<BaseFigure> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        if !actor.can_admin_registry() {
            return Err(Error::Forbidden(
                "only the big-data center (operator) or an admin enters base figures".into(),
            ));
        }
        let pack = self.scorecard_pack();
        let names = needed(pack);
        if !names.contains_key(name) {
            let list: Vec<&str> = names.keys().map(String::as_str).collect();
            return Err(Error::NotFound(format!(
                "base figure {name:?}: the pack's formulas read {} (基础数据名称不存在)",
                list.join(", ")
            )));
        }
        let period = input.period.trim();
        if !valid_period(period) {
            return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
        }
        if period > current_period().as_str() {
            return Err(invalid("period", format!("{period} has not begun")));
        }
        if !input.value.is_finite() || !(0.0..=MAX_VALUE).contains(&input.value) {
            return Err(invalid(
                "value",
                format!("a number from 0 to {MAX_VALUE:e} (基础数据须为 0 至 10¹² 之间的数)"),
            ));
        }
        let note = input.note.trim();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(invalid(
                "note",
                format!("at most {MAX_NOTE_CHARS} characters"),
            ));
        }
        self.refuse_closed_period(period).await?;
        let mut f = BaseFigure {
            id: 0,
            pack: pack.id.clone(),
            name: name.to_string(),
            period: period.to_string(),
            value: input.value,
            note: note.to_string(),
            entered_by: actor.username.clone(),
            entered_ms: now_ms(),
        };
        f.id = self.inner.store.insert_base_figure(&f).await?;
        self.audit(
            &actor.username,
            "scorecard.base_figure",
            name,
            json!({"id": f.id, "period": f.period, "value": f.value, "note": f.note}),
        )
        .await;
        self.scorecard_changed();
        Ok(f)
    }

    /// The base figures that hold for `period`, as formula inputs.
    pub(crate) async fn base_figure_inputs(&self, period: &str) -> Result<BTreeMap<String, f64>> {
        let mut out = BTreeMap::new();
        // Newest first: the first seen per name holds.
        for f in self
            .inner
            .store
            .list_base_figures(&self.scorecard_pack().id, Some(period))
            .await?
        {
            out.entry(f.name).or_insert(f.value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_pack_needs_households_only() {
        let pack = zhicheng_scorecard::Pack::builtin_county();
        let n = needed(&pack);
        assert_eq!(n.keys().collect::<Vec<_>>(), vec!["households"]);
        assert_eq!(n["households"], vec![9]);
    }
}
