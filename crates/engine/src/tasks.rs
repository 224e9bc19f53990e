//! Monthly progress of the key tasks (issue 5, key tasks): the 21 key works of the Yiyuan
//! plan ([`TaskPack::builtin_yiyuan`]).
//!
//! - **Reporting**: a department user reports progress (percent 0–100, narrative, responsible
//!   person, contact phone) for a month (`YYYY-MM`, not after the current month in UTC+8) of a
//!   task whose lead or partner units include its department; admins and operators may report
//!   for any task (for one of its units, by default the first lead unit with an id). Viewers
//!   never report. The percent must not go below the task's previous report (the latest of the
//!   same or an earlier month) unless the reporter is an admin. Every report is audited
//!   (`task.progress`).
//! - **Board**: every task with its units, deadline and latest progress up to the month, and two
//!   flags: `overdue` (the deadline month ended before the board's month and the task is not at
//!   100 %) and `not_reported` (no report in the month while not finished). A department user
//!   sees only its own tasks; `all` is for admins, operators and viewers.
//! - **Reminders**: per lead unit, the tasks flagged `not_reported` or `overdue` — what a
//!   notification would carry (sending it is not done here).
//! - **Contact phones** are personal data: masked (`138****5678`) unless the reader is an admin
//!   or operator or belongs to the department the report was made for. Every read that reveals
//!   a phone is audited (`task.contact.read`).
//!
//! Evidence files are not attached to task progress (yet).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhicheng_model::identifier::mask::mask_mobile;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_scorecard::{Task, TaskPack, UnitRef};
use zhicheng_store::{TaskProgress, TaskProgressQuery};

use crate::error::invalid;
use crate::submissions::{period_of, valid_period};
use crate::{Engine, Error, Result};

/// Longest narrative, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 2000;

static YIYUAN: LazyLock<TaskPack> = LazyLock::new(TaskPack::builtin_yiyuan);

/// A progress report as a department enters it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// The month, `YYYY-MM`; default the current month (UTC+8).
    #[serde(default)]
    pub period: Option<String>,
    /// Percent done, 0–100.
    pub percent: i64,
    #[serde(default)]
    pub narrative: Option<String>,
    /// The responsible person.
    pub person: String,
    /// The responsible person's phone.
    pub contact: String,
    /// For admins and operators: the unit reported for (one of the task's units).
    #[serde(default)]
    pub department: Option<String>,
}

/// A report as the API shows it; `contact` is masked unless the reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    #[serde(flatten)]
    pub progress: TaskProgress,
    pub contact_masked: bool,
}

/// One task on the board.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub id: String,
    pub number: String,
    pub section: String,
    pub category: String,
    pub title: String,
    pub title_en: String,
    pub lead: Vec<UnitRef>,
    pub partners: Vec<UnitRef>,
    pub deadline: Option<String>,
    pub deadline_text: String,
    /// The latest report of this month or an earlier one.
    pub latest: Option<ProgressView>,
    /// The latest percent (0 when never reported).
    pub percent: i64,
    pub reported_this_period: bool,
    pub overdue: bool,
    pub not_reported: bool,
}

/// The key-task board of a month.
#[derive(Debug, Clone, Serialize)]
pub struct TaskBoard {
    pub pack: String,
    pub name: String,
    pub period: String,
    pub total: usize,
    pub finished: usize,
    pub overdue: usize,
    pub not_reported: usize,
    pub tasks: Vec<TaskRow>,
}

/// A task a reminder names.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderTask {
    pub id: String,
    pub number: String,
    pub title: String,
    pub deadline: Option<String>,
    pub percent: i64,
    pub overdue: bool,
    pub not_reported: bool,
}

/// What a reminder to one lead unit would carry.
#[derive(Debug, Clone, Serialize)]
pub struct Reminder {
    /// The unit's department id (`None`: the pack names a unit not mapped to a department).
    pub department: Option<String>,
    /// The unit's name as in the pack.
    pub unit: String,
    pub tasks: Vec<ReminderTask>,
}

/// The reminders of a month.
#[derive(Debug, Clone, Serialize)]
pub struct Reminders {
    pub pack: String,
    pub period: String,
    pub reminders: Vec<Reminder>,
}

fn unit_ids(t: &Task) -> impl Iterator<Item = &str> {
    t.lead
        .iter()
        .chain(&t.partners)
        .filter_map(|u| u.id.as_deref())
}

fn is_own_task(actor: &Actor, t: &Task) -> bool {
    actor
        .department
        .as_deref()
        .is_some_and(|d| unit_ids(t).any(|u| u == d))
}

/// May `actor` see the contact phone of `p` unmasked?
fn may_see_contact(actor: &Actor, p: &TaskProgress) -> bool {
    actor.can_admin_registry()
        || (actor.department.is_some() && actor.department.as_deref() == p.department.as_deref())
}

/// `overdue` and `not_reported` of a task at `period` (the deadline is due by the end of its
/// month).
pub fn flags(
    deadline: Option<&str>,
    period: &str,
    percent: i64,
    reported_this_period: bool,
) -> (bool, bool) {
    let finished = percent >= 100;
    let overdue = !finished && deadline.is_some_and(|d| d < period);
    (overdue, !finished && !reported_this_period)
}

fn check_period(period: Option<&str>, now: i64) -> Result<String> {
    let current = period_of(now);
    let p = period.map_or_else(|| current.clone(), |p| p.trim().to_string());
    if !valid_period(&p) {
        return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
    }
    if p > current {
        return Err(invalid("period", format!("{p} has not begun")));
    }
    Ok(p)
}

impl Engine {
    /// The key-task pack (the builtin Yiyuan pack of 21 key works).
    pub fn task_pack(&self) -> &TaskPack {
        &YIYUAN
    }

    fn task(&self, id: &str) -> Result<&Task> {
        self.task_pack()
            .tasks
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::NotFound(format!("task {id}")))
    }

    /// Reports progress of a task (see the module docs for who may).
    pub async fn report_task_progress(
        &self,
        actor: &Actor,
        task: &str,
        input: ProgressInput,
    ) -> Result<ProgressView> {
        self.report_task_progress_at(actor, task, input, now_ms())
            .await
    }

    /// [`Engine::report_task_progress`] with the clock as a parameter.
    pub async fn report_task_progress_at(
        &self,
        actor: &Actor,
        task: &str,
        input: ProgressInput,
        now: i64,
    ) -> Result<ProgressView> {
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not report progress".into()));
        }
        let t = self.task(task)?;
        let department = match actor.role {
            Role::Department => {
                let own = actor.department.clone().unwrap_or_default();
                if !is_own_task(actor, t) {
                    return Err(Error::Forbidden(format!(
                        "department {own} is not a lead or partner unit of task {}",
                        t.id
                    )));
                }
                if input.department.as_deref().is_some_and(|d| d != own) {
                    return Err(Error::Forbidden(
                        "a department reports for itself only".into(),
                    ));
                }
                Some(own)
            }
            _ => match input.department {
                Some(d) => {
                    if !unit_ids(t).any(|u| u == d) {
                        return Err(invalid(
                            "department",
                            format!("{d} is not a unit of task {}", t.id),
                        ));
                    }
                    Some(d)
                }
                None => t.lead.iter().chain(&t.partners).find_map(|u| u.id.clone()),
            },
        };
        let period = check_period(input.period.as_deref(), now)?;
        if !(0..=100).contains(&input.percent) {
            return Err(invalid("percent", "a whole number from 0 to 100"));
        }
        let narrative = input.narrative.unwrap_or_default().trim().to_string();
        if narrative.chars().count() > MAX_NARRATIVE_CHARS {
            return Err(invalid(
                "narrative",
                format!("at most {MAX_NARRATIVE_CHARS} characters"),
            ));
        }
        let person = input.person.trim().to_string();
        if person.is_empty() || person.chars().count() > 100 {
            return Err(invalid(
                "person",
                "the responsible person is required (at most 100 characters)",
            ));
        }
        let contact = input.contact.trim().to_string();
        if contact.is_empty()
            || contact.chars().count() > 40
            || contact.chars().any(char::is_control)
        {
            return Err(invalid(
                "contact",
                "a contact phone is required (at most 40 characters)",
            ));
        }
        let pack = self.task_pack();
        let previous = self
            .inner
            .store
            .list_task_progress(&TaskProgressQuery {
                pack: Some(pack.id.clone()),
                task: Some(t.id.clone()),
                up_to_period: Some(period.clone()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .next();
        if let Some(prev) = &previous {
            if input.percent < prev.percent && actor.role != Role::Admin {
                return Err(invalid(
                    "percent",
                    format!(
                        "{} % is below the previous report ({} % for {}); only an admin may \
                         lower it (进度不能低于上次填报)",
                        input.percent, prev.percent, prev.period
                    ),
                ));
            }
        }
        let mut rec = TaskProgress {
            id: 0,
            pack: pack.id.clone(),
            task: t.id.clone(),
            number: t.number.clone(),
            period,
            percent: input.percent,
            narrative,
            person,
            contact,
            department,
            reported_by: actor.username.clone(),
            reported_ms: now,
        };
        rec.id = self.inner.store.insert_task_progress(&rec).await?;
        self.audit(
            &actor.username,
            "task.progress",
            &rec.task,
            json!({"id": rec.id, "period": rec.period, "percent": rec.percent,
                   "department": rec.department,
                   "previous": previous.map(|p| p.percent)}),
        )
        .await;
        Ok(ProgressView {
            progress: rec,
            contact_masked: false,
        })
    }

    /// Masks what `actor` may not see; audits what it may.
    async fn views(&self, actor: &Actor, list: Vec<TaskProgress>, what: &str) -> Vec<ProgressView> {
        let mut revealed = Vec::new();
        let out = list
            .into_iter()
            .map(|mut p| {
                let show = may_see_contact(actor, &p);
                if show {
                    if !p.contact.is_empty() {
                        revealed.push(p.id);
                    }
                } else {
                    p.contact = mask_mobile(&p.contact);
                }
                ProgressView {
                    progress: p,
                    contact_masked: !show,
                }
            })
            .collect();
        if !revealed.is_empty() {
            self.audit(
                &actor.username,
                "task.contact.read",
                what,
                json!({"reports": revealed}),
            )
            .await;
        }
        out
    }

    /// The progress reports of a task, newest first. A department user reads its own tasks only.
    pub async fn task_progress_history(
        &self,
        actor: &Actor,
        task: &str,
    ) -> Result<Vec<ProgressView>> {
        let t = self.task(task)?;
        if actor.role == Role::Department && !is_own_task(actor, t) {
            return Err(Error::Forbidden(format!(
                "task {} is not one of your department's",
                t.id
            )));
        }
        let list = self
            .inner
            .store
            .list_task_progress(&TaskProgressQuery {
                pack: Some(self.task_pack().id.clone()),
                task: Some(t.id.clone()),
                ..Default::default()
            })
            .await?;
        Ok(self.views(actor, list, &t.id).await)
    }

    /// The board of `period` (default: the current month).
    pub async fn task_board(
        &self,
        actor: &Actor,
        period: Option<&str>,
        all: bool,
    ) -> Result<TaskBoard> {
        self.task_board_at(actor, period, all, now_ms()).await
    }

    /// [`Engine::task_board`] with the clock as a parameter.
    pub async fn task_board_at(
        &self,
        actor: &Actor,
        period: Option<&str>,
        all: bool,
        now: i64,
    ) -> Result<TaskBoard> {
        if all && actor.role == Role::Department {
            return Err(Error::Forbidden(
                "a department sees its own tasks only".into(),
            ));
        }
        let period = check_period(period, now)?;
        let own_only = !all && actor.department.is_some();
        let (rows, latest) = self
            .rows(&period, |t| !own_only || is_own_task(actor, t))
            .await?;
        let views = self.views(actor, latest, "board").await;
        let mut by_task: BTreeMap<String, ProgressView> = views
            .into_iter()
            .map(|v| (v.progress.task.clone(), v))
            .collect();
        let mut board = TaskBoard {
            pack: self.task_pack().id.clone(),
            name: self.task_pack().name.clone(),
            period,
            total: rows.len(),
            finished: 0,
            overdue: 0,
            not_reported: 0,
            tasks: Vec::with_capacity(rows.len()),
        };
        for mut r in rows {
            r.latest = by_task.remove(&r.id);
            board.finished += usize::from(r.percent >= 100);
            board.overdue += usize::from(r.overdue);
            board.not_reported += usize::from(r.not_reported);
            board.tasks.push(r);
        }
        Ok(board)
    }

    /// The rows of the tasks `keep` selects at `period` (without `latest`), and the latest
    /// report of each (unmasked).
    async fn rows(
        &self,
        period: &str,
        keep: impl Fn(&Task) -> bool,
    ) -> Result<(Vec<TaskRow>, Vec<TaskProgress>)> {
        let pack = self.task_pack();
        let list = self
            .inner
            .store
            .list_task_progress(&TaskProgressQuery {
                pack: Some(pack.id.clone()),
                up_to_period: Some(period.to_string()),
                ..Default::default()
            })
            .await?;
        // Newest first: the first seen per task is its latest.
        let mut latest: BTreeMap<&str, &TaskProgress> = BTreeMap::new();
        for p in &list {
            latest.entry(p.task.as_str()).or_insert(p);
        }
        let mut rows = Vec::new();
        let mut reports = Vec::new();
        for t in pack.tasks.iter().filter(|t| keep(t)) {
            let last = latest.get(t.id.as_str()).copied();
            let percent = last.map_or(0, |p| p.percent);
            let reported = last.is_some_and(|p| p.period == period);
            let (overdue, not_reported) = flags(t.deadline.as_deref(), period, percent, reported);
            if let Some(p) = last {
                reports.push(p.clone());
            }
            rows.push(TaskRow {
                id: t.id.clone(),
                number: t.number.clone(),
                section: t.section.clone(),
                category: t.category.clone(),
                title: t.title.clone(),
                title_en: t.title_en.clone(),
                lead: t.lead.clone(),
                partners: t.partners.clone(),
                deadline: t.deadline.clone(),
                deadline_text: t.deadline_text.clone(),
                latest: None,
                percent,
                reported_this_period: reported,
                overdue,
                not_reported,
            });
        }
        Ok((rows, reports))
    }

    /// Per lead unit, the tasks flagged at `period` (admins and operators).
    pub async fn task_reminders(&self, actor: &Actor, period: Option<&str>) -> Result<Reminders> {
        self.task_reminders_at(actor, period, now_ms()).await
    }

    /// [`Engine::task_reminders`] with the clock as a parameter.
    pub async fn task_reminders_at(
        &self,
        actor: &Actor,
        period: Option<&str>,
        now: i64,
    ) -> Result<Reminders> {
        if !actor.can_admin_registry() {
            return Err(Error::Forbidden(
                "reminders are for the big-data center (operator) or an admin".into(),
            ));
        }
        let period = check_period(period, now)?;
        let (rows, _) = self.rows(&period, |_| true).await?;
        let mut by_unit: BTreeMap<(Option<String>, String), Vec<ReminderTask>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.overdue || r.not_reported) {
            for u in &r.lead {
                by_unit
                    .entry((u.id.clone(), u.name.clone()))
                    .or_default()
                    .push(ReminderTask {
                        id: r.id.clone(),
                        number: r.number.clone(),
                        title: r.title.clone(),
                        deadline: r.deadline.clone(),
                        percent: r.percent,
                        overdue: r.overdue,
                        not_reported: r.not_reported,
                    });
            }
        }
        Ok(Reminders {
            pack: self.task_pack().id.clone(),
            period,
            reminders: by_unit
                .into_iter()
                .map(|((department, unit), tasks)| Reminder {
                    department,
                    unit,
                    tasks,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_against_the_deadline_and_the_month() {
        // Deadline in the past relative to the month, unfinished: overdue.
        assert_eq!(flags(Some("2021-10"), "2021-11", 50, true), (true, false));
        // Due this month: not yet overdue.
        assert_eq!(flags(Some("2021-11"), "2021-11", 50, false), (false, true));
        // Finished: neither flag.
        assert_eq!(
            flags(Some("2021-10"), "2022-01", 100, false),
            (false, false)
        );
        // Ongoing work has no deadline.
        assert_eq!(flags(None, "2030-01", 0, false), (false, true));
    }

    #[test]
    fn periods_are_checked_against_the_clock() {
        // 2026-11-30 16:00 UTC is 2026-12-01 in UTC+8.
        let now = 1_796_054_400_000;
        assert_eq!(check_period(None, now).unwrap(), "2026-12");
        assert_eq!(check_period(Some("2026-12"), now).unwrap(), "2026-12");
        assert!(check_period(Some("2027-01"), now).is_err());
        assert!(check_period(Some("2026-13"), now).is_err());
    }

    #[test]
    fn the_pack_has_21_key_works() {
        assert_eq!(YIYUAN.tasks.len(), 21);
    }
}
