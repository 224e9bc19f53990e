//! Monthly progress of the key tasks (issue 5, key tasks) of the two shipped task packs: the 21
//! key works of the Yiyuan plan ([`TaskPack::builtin_yiyuan`]) and the Yishui task book
//! ([`TaskPack::builtin_yishui`]).
//!
//! - **Packs**: every call names its pack ([`TaskPackKey`]: `yiyuan` or `yishui`, or the pack's
//!   id) or gets the configured one (`EngineConfig::task_pack`). Progress reports are kept per
//!   (pack, task), so the two boards never mix.
//! - **Reporting**: a department user reports progress (percent 0–100, narrative, responsible
//!   person, contact phone) for a month (`YYYY-MM`, not after the current month in UTC+8) of a
//!   task whose lead or partner units include its department; admins and operators may report
//!   for any task (for one of its units, by default the first lead unit with an id). A lead
//!   unit with no department id (all of the Yishui book's, led by its big-data center) belongs
//!   to the big-data center: admins and operators report it, and the board marks such units
//!   and tasks (`center`, `center_reports`). Viewers never report. The percent must not go
//!   below the task's previous report (the latest of the same or an earlier month) unless the
//!   reporter is an admin. Every report is audited (`task.progress`).
//! - **Board**: every task with its units, deadline and latest progress up to the month, and two
//!   flags: `overdue` (the deadline month ended before the board's month and the task is not at
//!   100 %) and `not_reported` (no report in the month while not finished). A department user
//!   sees only its own tasks; `all` is for admins, operators and viewers.
//! - **Reminders**: per lead unit, the tasks flagged `not_reported` or `overdue` — what a
//!   notification would carry (sending it is not done here).
//! - **Contact phones and the responsible person's name** are personal data: masked
//!   (`138****5678`, `王*`) unless the reader is an admin or operator or belongs to the
//!   department the report was made for. Every read that reveals them is audited
//!   (`task.contact.read`).
//! - **Evidence**: files (PDF, PNG, JPEG, XLSX, DOCX, at most 20 MiB; checked and stored as
//!   [`crate::evidence`] describes) attached to a report at any time by whoever may report the
//!   task: admins and operators, or a department user on a report made for its own department.
//!   Whoever may read the task's progress downloads them; every report view carries its list.
//!   Every upload is audited (`task.evidence`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhicheng_model::identifier::mask::{mask_mobile, mask_name};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_scorecard::{Task, TaskPack, UnitRef};
use zhicheng_store::{TaskEvidence, TaskProgress, TaskProgressQuery};

use crate::error::invalid;
use crate::submissions::{period_of, valid_period};
use crate::{Engine, Error, Result};

/// Longest narrative, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 2000;

static YIYUAN: LazyLock<TaskPack> = LazyLock::new(TaskPack::builtin_yiyuan);
static YISHUI: LazyLock<TaskPack> = LazyLock::new(TaskPack::builtin_yishui);

/// A shipped key-task pack, by its short name (`scorecard.task_pack` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskPackKey {
    /// The 21 key works of the Yiyuan plan.
    #[default]
    Yiyuan,
    /// The Yishui task book.
    Yishui,
}

impl TaskPackKey {
    /// Every shipped pack, in the order they are listed.
    pub const ALL: [TaskPackKey; 2] = [TaskPackKey::Yiyuan, TaskPackKey::Yishui];

    /// The short name: `yiyuan` or `yishui`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskPackKey::Yiyuan => "yiyuan",
            TaskPackKey::Yishui => "yishui",
        }
    }

    /// The pack.
    pub fn pack(self) -> &'static TaskPack {
        match self {
            TaskPackKey::Yiyuan => &YIYUAN,
            TaskPackKey::Yishui => &YISHUI,
        }
    }

    /// The pack named by its short name or its id (`yiyuan-2021-key-tasks`).
    pub fn parse(name: &str) -> Option<TaskPackKey> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name || k.pack().id == name)
    }
}

/// A shipped pack as `GET /api/v1/tasks/packs` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PackSummary {
    /// The short name `?pack=` takes.
    pub key: TaskPackKey,
    /// The pack's id (as progress reports record it).
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub source: String,
    /// The pack the board shows when none is named.
    pub default: bool,
    /// Number of tasks.
    pub tasks: usize,
    /// Number of tasks per category (`key`, `required`, `local` …).
    pub categories: BTreeMap<String, usize>,
    /// Tasks with a deadline (the others are ongoing work).
    pub with_deadline: usize,
    /// Tasks with a lead unit of no department, which the big-data center reports.
    pub center_tasks: usize,
}

/// Which report of which task of which pack (the pack: by name, default the configured one).
#[derive(Debug, Clone, Copy)]
pub struct ProgressRef<'a> {
    pub pack: Option<&'a str>,
    pub task: &'a str,
    pub id: i64,
}

/// An evidence file's record and bytes.
#[derive(Debug, Clone)]
pub struct TaskEvidenceFile {
    pub record: TaskEvidence,
    pub bytes: Vec<u8>,
}

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

/// A report as the API shows it; `contact` and `person` are masked unless the reader may see
/// them (`contact_masked`).
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    #[serde(flatten)]
    pub progress: TaskProgress,
    pub contact_masked: bool,
    /// The report's evidence files, in upload order.
    pub evidence: Vec<TaskEvidence>,
}

/// A lead or partner unit of a task on the board.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    /// The unit's name as in the pack.
    pub name: String,
    /// Its department id; `None` when no department maps.
    pub id: Option<String>,
    /// A lead unit with no department: it belongs to the big-data center, whose admins and
    /// operators report for it.
    pub center: bool,
}

fn unit_views(units: &[UnitRef], lead: bool) -> Vec<UnitView> {
    units
        .iter()
        .map(|u| UnitView {
            name: u.name.clone(),
            id: u.id.clone(),
            center: lead && u.id.is_none(),
        })
        .collect()
}

/// Has `t` a lead unit that no department maps to (the big-data center reports it)?
fn center_reports(t: &Task) -> bool {
    t.lead.iter().any(|u| u.id.is_none())
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
    pub lead: Vec<UnitView>,
    pub partners: Vec<UnitView>,
    /// Some lead unit has no department: the big-data center (admins and operators) reports.
    pub center_reports: bool,
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
    /// The pack's short name.
    pub key: TaskPackKey,
    /// The pack's id.
    pub pack: String,
    pub name: String,
    pub name_en: String,
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
    /// No department maps: the unit is the big-data center's own.
    pub center: bool,
    pub tasks: Vec<ReminderTask>,
}

/// The reminders of a month.
#[derive(Debug, Clone, Serialize)]
pub struct Reminders {
    pub key: TaskPackKey,
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

fn find_task(pack: &'static TaskPack, id: &str) -> Result<&'static Task> {
    pack.tasks
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| Error::NotFound(format!("task {id} of pack {}", pack.id)))
}

/// May `actor` read the progress of `t` (history, evidence)? A department user reads its own
/// tasks only.
fn check_may_read(actor: &Actor, t: &Task) -> Result<()> {
    if actor.role == Role::Department && !is_own_task(actor, t) {
        return Err(Error::Forbidden(format!(
            "task {} is not one of your department's",
            t.id
        )));
    }
    Ok(())
}

impl Engine {
    /// The configured key-task pack (`scorecard.task_pack`, default Yiyuan's 21 key works).
    pub fn task_pack(&self) -> &'static TaskPack {
        self.inner.cfg.task_pack.pack()
    }

    /// The pack `name` names (short name or id), or the configured one.
    pub fn task_pack_key(&self, name: Option<&str>) -> Result<TaskPackKey> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(self.inner.cfg.task_pack),
            Some(n) => TaskPackKey::parse(n).ok_or_else(|| {
                let known: Vec<_> = TaskPackKey::ALL.iter().map(|k| k.as_str()).collect();
                invalid(
                    "pack",
                    format!("no task pack {n:?} (one of: {})", known.join(", ")),
                )
            }),
        }
    }

    /// The shipped task packs with their counts.
    pub fn task_packs(&self) -> Vec<PackSummary> {
        TaskPackKey::ALL
            .into_iter()
            .map(|key| {
                let p = key.pack();
                let mut categories = BTreeMap::new();
                for t in &p.tasks {
                    *categories.entry(t.category.clone()).or_insert(0) += 1;
                }
                PackSummary {
                    key,
                    id: p.id.clone(),
                    name: p.name.clone(),
                    name_en: p.name_en.clone(),
                    source: p.source.clone(),
                    default: key == self.inner.cfg.task_pack,
                    tasks: p.tasks.len(),
                    categories,
                    with_deadline: p.tasks.iter().filter(|t| t.deadline.is_some()).count(),
                    center_tasks: p.tasks.iter().filter(|t| center_reports(t)).count(),
                }
            })
            .collect()
    }

    /// Reports progress of a task (see the module docs for who may).
    pub async fn report_task_progress(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        task: &str,
        input: ProgressInput,
    ) -> Result<ProgressView> {
        self.report_task_progress_at(actor, pack, task, input, now_ms())
            .await
    }

    /// [`Engine::report_task_progress`] with the clock as a parameter.
    pub async fn report_task_progress_at(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        task: &str,
        input: ProgressInput,
        now: i64,
    ) -> Result<ProgressView> {
        let pack = self.task_pack_key(pack)?.pack();
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not report progress".into()));
        }
        let t = find_task(pack, task)?;
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
            evidence: Vec::new(),
        })
    }

    /// Masks what `actor` may not see (auditing what it may) and adds the evidence lists.
    async fn views(
        &self,
        actor: &Actor,
        list: Vec<TaskProgress>,
        what: &str,
    ) -> Result<Vec<ProgressView>> {
        let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
        let mut evidence: BTreeMap<i64, Vec<TaskEvidence>> = BTreeMap::new();
        for e in self.inner.store.list_task_evidence(&ids).await? {
            evidence.entry(e.progress).or_default().push(e);
        }
        let mut revealed = Vec::new();
        let out = list
            .into_iter()
            .map(|mut p| {
                let show = may_see_contact(actor, &p);
                if show {
                    if !p.contact.is_empty() || !p.person.is_empty() {
                        revealed.push(p.id);
                    }
                } else {
                    p.contact = mask_mobile(&p.contact);
                    p.person = mask_name(&p.person);
                }
                ProgressView {
                    evidence: evidence.remove(&p.id).unwrap_or_default(),
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
        Ok(out)
    }

    /// The progress reports of a task, newest first. A department user reads its own tasks only.
    pub async fn task_progress_history(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        task: &str,
    ) -> Result<Vec<ProgressView>> {
        let pack = self.task_pack_key(pack)?.pack();
        let t = find_task(pack, task)?;
        check_may_read(actor, t)?;
        let list = self
            .inner
            .store
            .list_task_progress(&TaskProgressQuery {
                pack: Some(pack.id.clone()),
                task: Some(t.id.clone()),
                ..Default::default()
            })
            .await?;
        self.views(actor, list, &t.id).await
    }

    /// The report `r` names, checked against its pack and task (404 otherwise), once `actor`
    /// may read the task's progress.
    async fn progress_of(
        &self,
        actor: &Actor,
        r: ProgressRef<'_>,
    ) -> Result<(&'static TaskPack, &'static Task, TaskProgress)> {
        let pack = self.task_pack_key(r.pack)?.pack();
        let t = find_task(pack, r.task)?;
        check_may_read(actor, t)?;
        match self.inner.store.get_task_progress(r.id).await? {
            Some(p) if p.pack == pack.id && p.task == t.id => Ok((pack, t, p)),
            _ => Err(Error::NotFound(format!(
                "progress report {} of task {}",
                r.id, t.id
            ))),
        }
    }

    /// Attaches an evidence file to a progress report (see the module docs for who may).
    pub async fn upload_task_evidence(
        &self,
        actor: &Actor,
        r: ProgressRef<'_>,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<TaskEvidence> {
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not upload evidence".into()));
        }
        let (pack, t, p) = self.progress_of(actor, r).await?;
        if actor.role == Role::Department && p.department != actor.department {
            return Err(Error::Forbidden(format!(
                "progress report {} was made for {}: a department attaches evidence to its own \
                 reports only",
                p.id,
                p.department.as_deref().unwrap_or("the big-data center")
            )));
        }
        let file = crate::evidence::check_upload(name, content_type, bytes)?;
        let sha = self.store_evidence_bytes(bytes).await?;
        let mut rec = TaskEvidence {
            id: 0,
            progress: p.id,
            file_name: file.file_name,
            content_type: file.content_type.to_string(),
            size: bytes.len() as i64,
            sha256: sha,
            uploaded_by: actor.username.clone(),
            uploaded_ms: now_ms(),
        };
        rec.id = self.inner.store.insert_task_evidence(&rec).await?;
        self.audit(
            &actor.username,
            "task.evidence",
            &t.id,
            json!({"pack": pack.id, "progress": p.id, "period": p.period,
                   "evidence": rec.id, "file_name": rec.file_name, "size": rec.size,
                   "sha256": rec.sha256}),
        )
        .await;
        Ok(rec)
    }

    /// An evidence file of a progress report whose task `actor` may read.
    pub async fn task_evidence_file(
        &self,
        actor: &Actor,
        r: ProgressRef<'_>,
        eid: i64,
    ) -> Result<TaskEvidenceFile> {
        let (_, _, p) = self.progress_of(actor, r).await?;
        let record = match self.inner.store.get_task_evidence(eid).await? {
            Some(e) if e.progress == p.id => e,
            _ => {
                return Err(Error::NotFound(format!(
                    "evidence {eid} of progress report {}",
                    p.id
                )))
            }
        };
        let bytes = self
            .read_evidence_bytes(&record.sha256, &format!("evidence {eid}"))
            .await?;
        Ok(TaskEvidenceFile { record, bytes })
    }

    /// The board of `period` (default: the current month).
    pub async fn task_board(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        period: Option<&str>,
        all: bool,
    ) -> Result<TaskBoard> {
        self.task_board_at(actor, pack, period, all, now_ms()).await
    }

    /// [`Engine::task_board`] with the clock as a parameter.
    pub async fn task_board_at(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        period: Option<&str>,
        all: bool,
        now: i64,
    ) -> Result<TaskBoard> {
        let key = self.task_pack_key(pack)?;
        let pack = key.pack();
        if all && actor.role == Role::Department {
            return Err(Error::Forbidden(
                "a department sees its own tasks only".into(),
            ));
        }
        let period = check_period(period, now)?;
        let own_only = !all && actor.department.is_some();
        let (rows, latest) = self
            .rows(pack, &period, |t| !own_only || is_own_task(actor, t))
            .await?;
        let views = self.views(actor, latest, "board").await?;
        let mut by_task: BTreeMap<String, ProgressView> = views
            .into_iter()
            .map(|v| (v.progress.task.clone(), v))
            .collect();
        let mut board = TaskBoard {
            key,
            pack: pack.id.clone(),
            name: pack.name.clone(),
            name_en: pack.name_en.clone(),
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
        pack: &TaskPack,
        period: &str,
        keep: impl Fn(&Task) -> bool,
    ) -> Result<(Vec<TaskRow>, Vec<TaskProgress>)> {
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
                lead: unit_views(&t.lead, true),
                partners: unit_views(&t.partners, false),
                center_reports: center_reports(t),
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
    pub async fn task_reminders(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        period: Option<&str>,
    ) -> Result<Reminders> {
        self.task_reminders_at(actor, pack, period, now_ms()).await
    }

    /// [`Engine::task_reminders`] with the clock as a parameter.
    pub async fn task_reminders_at(
        &self,
        actor: &Actor,
        pack: Option<&str>,
        period: Option<&str>,
        now: i64,
    ) -> Result<Reminders> {
        let key = self.task_pack_key(pack)?;
        let pack = key.pack();
        if !actor.can_admin_registry() {
            return Err(Error::Forbidden(
                "reminders are for the big-data center (operator) or an admin".into(),
            ));
        }
        let period = check_period(period, now)?;
        let (rows, _) = self.rows(pack, &period, |_| true).await?;
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
            key,
            pack: pack.id.clone(),
            period,
            reminders: by_unit
                .into_iter()
                .map(|((department, unit), tasks)| Reminder {
                    center: department.is_none(),
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
    use crate::EngineConfig;

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

    #[test]
    fn packs_by_short_name_or_id() {
        assert_eq!(TaskPackKey::parse("yiyuan"), Some(TaskPackKey::Yiyuan));
        assert_eq!(TaskPackKey::parse(" yishui"), Some(TaskPackKey::Yishui));
        assert_eq!(
            TaskPackKey::parse(&YISHUI.id),
            Some(TaskPackKey::Yishui),
            "{}",
            YISHUI.id
        );
        assert_eq!(TaskPackKey::parse("Yiyuan"), None);
        assert_eq!(TaskPackKey::parse("linyi"), None);
        assert_ne!(YIYUAN.id, YISHUI.id);
        for k in TaskPackKey::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn the_yishui_book_is_led_by_its_big_data_center() {
        // No department maps to the Yishui units: every task is the center's to report.
        assert!(!YISHUI.tasks.is_empty());
        assert!(YISHUI.tasks.iter().all(center_reports));
        // Yiyuan's key works all have a department as a lead unit.
        assert!(YIYUAN.tasks.iter().all(|t| !center_reports(t)));
        let lead = unit_views(&YISHUI.tasks[0].lead, true);
        assert!(lead.iter().all(|u| u.center && u.id.is_none()));
        // Unmapped partners are not the center's.
        let t = YIYUAN
            .tasks
            .iter()
            .find(|t| t.partners.iter().any(|u| u.id.is_none()))
            .unwrap();
        assert!(unit_views(&t.partners, false).iter().all(|u| !u.center));
    }

    fn actor(name: &str, role: Role, department: Option<&str>) -> Actor {
        Actor {
            username: name.into(),
            role,
            department: department.map(str::to_string),
        }
    }

    fn input(period: &str, percent: i64) -> ProgressInput {
        ProgressInput {
            period: Some(period.into()),
            percent,
            narrative: None,
            person: "张三".into(),
            contact: "13812345678".into(),
            department: None,
        }
    }

    #[tokio::test]
    async fn packs_are_kept_apart_and_evidence_is_stored_and_audited() {
        let store = zhicheng_store::open("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let dir = std::env::temp_dir().join(format!("zc-task-ev-{:016x}", rand::random::<u64>()));
        let cfg = EngineConfig {
            evidence_dir: Some(dir.clone()),
            task_pack: TaskPackKey::Yishui,
            ..EngineConfig::default()
        };
        let engine = Engine::start(store.clone(), cfg).await.unwrap();
        let op = actor("op1", Role::Operator, None);
        let it = actor("it1", Role::Department, Some("industry-it"));
        let police = actor("pol1", Role::Department, Some("police"));
        let bigdata = actor("bd1", Role::Department, Some("bigdata"));

        // The configured pack is the default; the other is asked for by name.
        let packs = engine.task_packs();
        assert_eq!(packs.len(), 2);
        assert!(packs[1].default && !packs[0].default);
        assert_eq!(engine.task_pack().id, YISHUI.id);
        let b = engine
            .task_board_at(&op, None, Some("2021-11"), true, 1_800_000_000_000)
            .await
            .unwrap();
        assert_eq!(
            (b.key, b.tasks.len()),
            (TaskPackKey::Yishui, YISHUI.tasks.len())
        );
        assert!(b.tasks.iter().all(|r| r.center_reports));
        assert!(matches!(
            engine.task_board(&op, Some("linyi"), None, true).await,
            Err(Error::Invalid(_))
        ));

        // The Yishui book is the big-data center's: its department users do not report it.
        let r1 = engine
            .report_task_progress(&op, None, "r1", input("2021-11", 30))
            .await
            .unwrap();
        assert_eq!(r1.progress.department, None);
        assert_eq!(r1.progress.pack, YISHUI.id);
        assert!(matches!(
            engine
                .report_task_progress(&bigdata, None, "r1", input("2021-11", 40))
                .await,
            Err(Error::Forbidden(_))
        ));
        // Yiyuan's key-01 by its department, in the other pack.
        let p = engine
            .report_task_progress(&it, Some("yiyuan"), "key-01", input("2021-11", 50))
            .await
            .unwrap()
            .progress;
        assert_eq!(p.pack, YIYUAN.id);
        assert!(matches!(
            engine
                .report_task_progress(&it, None, "key-01", input("2021-11", 50))
                .await,
            Err(Error::NotFound(_))
        ));
        let yiyuan = engine
            .task_board_at(
                &op,
                Some("yiyuan"),
                Some("2021-11"),
                true,
                1_800_000_000_000,
            )
            .await
            .unwrap();
        assert_eq!(yiyuan.tasks.len(), 21);
        assert_eq!(
            yiyuan.tasks.iter().filter(|r| r.latest.is_some()).count(),
            1
        );

        // Evidence: by the report's department; another department is refused.
        let pdf = b"%PDF-1.4 task evidence";
        let at = ProgressRef {
            pack: Some("yiyuan"),
            task: "key-01",
            id: p.id,
        };
        assert!(matches!(
            engine
                .upload_task_evidence(&police, at, "a.pdf", "application/pdf", pdf)
                .await,
            Err(Error::Forbidden(_))
        ));
        let e = engine
            .upload_task_evidence(&it, at, "进展.pdf", "application/pdf", pdf)
            .await
            .unwrap();
        assert_eq!((e.progress, e.size), (p.id, pdf.len() as i64));
        let stored = dir.join(&e.sha256[..2]).join(&e.sha256);
        assert_eq!(std::fs::read(&stored).unwrap(), pdf);
        // The report's task and pack must match.
        for wrong in [
            ProgressRef { pack: None, ..at },
            ProgressRef {
                task: "key-02",
                ..at
            },
            ProgressRef {
                id: r1.progress.id,
                ..at
            },
        ] {
            assert!(matches!(
                engine
                    .upload_task_evidence(&op, wrong, "a.pdf", "application/pdf", pdf)
                    .await,
                Err(Error::NotFound(_))
            ));
        }
        let f = engine.task_evidence_file(&op, at, e.id).await.unwrap();
        assert_eq!(f.bytes, pdf);
        assert_eq!(f.record, e);
        let h = engine
            .task_progress_history(&it, Some("yiyuan"), "key-01")
            .await
            .unwrap();
        assert_eq!(h[0].evidence, vec![e.clone()]);

        let audit = store.list_audit(20, None).await.unwrap();
        let a = audit
            .iter()
            .find(|x| x.action == "task.evidence")
            .expect("the upload is audited");
        assert_eq!((a.actor.as_str(), a.target.as_str()), ("it1", "key-01"));
        let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap();
        assert_eq!(detail["progress"], p.id);
        assert_eq!(detail["evidence"], e.id);
        assert_eq!(detail["sha256"], e.sha256.as_str());
        assert_eq!(detail["pack"], YIYUAN.id.as_str());
        engine.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
