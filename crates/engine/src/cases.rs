//! Cases (work orders, 工单/案件): the digital urban-management flow over the store.
//!
//! Every decision is the cases crate's ([`zhicheng_cases`]): which step is allowed to whom,
//! the deadlines, escalation, duplicates, statistics. This module gives it what it needs and
//! keeps what it answers:
//!
//! * **Who acts.** Admins and operators are the command center's dispatchers (受理、立案、派遣、
//!   核查、结案); department users are handlers of their department (签收、退回、处置反馈) and,
//!   when they report, grid workers (source `grid`); viewers read. Citizens come in through
//!   Open311 (source `open311`, actor `reporter`).
//! * **The place decides.** A case's point is looked up in the grids and regions (the deepest
//!   region whose boundary holds it); registering a case dispatches it by the routing table
//!   (category × grid × region → department) when a route exists; the grid's departments whose
//!   categories include the case see it too (multi-grid fusion). The table is the
//!   `[cases] routing_file`; without one every dispatch names its department.
//! * **Time.** Deadlines come from the category and urgency; a timer escalates overdue cases
//!   (乡呼县应: a town's overdue case is co-assigned to the county department of its category)
//!   and resumes suspensions that end. The engine's case clock is wall time plus an offset that
//!   only a test deployment may move (`[cases] test_clock`), so tests run a case past its
//!   deadline without waiting.
//! * **Personal data.** The reporter's name and phone are masked except for admins and
//!   operators, whose reads of them are audited.
//! * Every change is one store transaction with its timeline entries and its event
//!   (`case.<action>`), conditional on the case not having changed meanwhile (409 otherwise).

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zhicheng_cases::{
    apply, candidates, report, Action, Actor as CaseActor, CaseBrief, CaseState, CategoryTree,
    DupParams, GroupBy, GroupStats, NewCase, Policy, RoutingTable, Source, Status, Urgency,
    WorkflowError,
};
use zhicheng_model::identifier::mask::{mask_mobile, mask_name};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_store::{CaseAttachment, CaseQuery, CaseRow, CaseTimelineRow, NewEvent};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// Settings of cases (`[cases]` in the configuration file).
#[derive(Debug, Clone)]
pub struct CasesConfig {
    /// A category tree (JSON) replacing the built-in one.
    pub categories_file: Option<PathBuf>,
    /// Time limits (JSON) replacing the built-in ones.
    pub limits_file: Option<PathBuf>,
    /// The routing table (JSON: `{command_center, entries: [...]}`).
    pub routing_file: Option<PathBuf>,
    /// How often overdue cases and ending suspensions are looked for.
    pub timer_interval: Duration,
    /// Duplicate suggestions: within this distance…
    pub duplicate_radius_m: f64,
    /// …and this time.
    pub duplicate_window: Duration,
    /// Let an admin move the case clock (`POST /api/v1/admin/clock`): test deployments only.
    pub test_clock: bool,
}

impl Default for CasesConfig {
    fn default() -> Self {
        CasesConfig {
            categories_file: None,
            limits_file: None,
            routing_file: None,
            timer_interval: Duration::from_secs(30),
            duplicate_radius_m: 100.0,
            duplicate_window: Duration::from_secs(24 * 3600),
            test_clock: false,
        }
    }
}

/// The loaded policy, routing and clock.
pub(crate) struct State {
    pub(crate) policy: Policy,
    routing: std::sync::RwLock<Option<Arc<RoutingTable>>>,
    /// Where an edited routing table is saved (`cases.routing_file`).
    routing_file: Option<PathBuf>,
    clock_offset: AtomicI64,
    places: Mutex<Option<(u64, Arc<Places>)>>,
    /// Case changes for the live stream (event `case`).
    changes: tokio::sync::broadcast::Sender<Arc<CaseChange>>,
}

/// A case change as pushed on `/api/v1/stream` (event `case`): enough for an inbox to know it
/// should reload; the case itself is read through the API (with its masking and audit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseChange {
    /// The case id.
    pub id: String,
    /// The step taken (`report`, `dispatch`, `accept`, `merge`…).
    pub action: String,
    /// The status after it.
    pub status: String,
    /// The assigned department.
    pub department: Option<String>,
    /// When (the case clock, epoch ms).
    pub at_ms: i64,
    /// Departments that see the case (for the stream's scoping; not sent).
    #[serde(skip)]
    pub visible_to: Vec<String>,
}

/// Grids and regions by boundary, for locating a point.
struct Places {
    grids: zhicheng_geo::fence::FenceIndex<(String, String)>,
    regions: zhicheng_geo::fence::FenceIndex<String>,
}

impl State {
    pub(crate) fn load(cfg: &CasesConfig) -> Result<State> {
        let read = |p: &PathBuf, what: &str| {
            std::fs::read_to_string(p).map_err(|e| invalid(what, format!("{}: {e}", p.display())))
        };
        let tree = match &cfg.categories_file {
            Some(p) => CategoryTree::from_json(&read(p, "cases.categories_file")?)
                .map_err(|e| invalid("cases.categories_file", e.to_string()))?,
            None => CategoryTree::builtin(),
        };
        let policy = match &cfg.limits_file {
            Some(p) => Policy::from_json(tree.clone(), &read(p, "cases.limits_file")?)
                .map_err(|e| invalid("cases.limits_file", e.to_string()))?,
            None => Policy::new(tree.clone(), Policy::builtin().limits().clone())
                .map_err(|e| invalid("cases.categories_file", e.to_string()))?,
        };
        let routing = match &cfg.routing_file {
            Some(p) => Some(
                RoutingTable::from_json(&read(p, "cases.routing_file")?, &tree)
                    .map_err(|e| invalid("cases.routing_file", e.to_string()))?,
            ),
            None => None,
        };
        Ok(State {
            policy,
            routing: std::sync::RwLock::new(routing.map(Arc::new)),
            routing_file: cfg.routing_file.clone(),
            clock_offset: AtomicI64::new(0),
            places: Mutex::new(None),
            changes: tokio::sync::broadcast::channel(1024).0,
        })
    }
}

/// A new case as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// Category code.
    pub category: String,
    /// normal, urgent, emergency (default: the category's).
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// What happened.
    pub description: String,
    /// WGS84.
    #[serde(default)]
    pub lon: Option<f64>,
    /// WGS84.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Where, in words.
    #[serde(default)]
    pub address: Option<String>,
    /// The reporter (a citizen calling the hotline).
    #[serde(default)]
    pub reporter_name: Option<String>,
    /// The reporter's phone.
    #[serde(default)]
    pub reporter_phone: Option<String>,
    /// `hotline`, `grid`, `inspector`, `citizen` (default by role: operators `hotline`,
    /// department users `grid`).
    #[serde(default)]
    pub source: Option<Source>,
    /// The origin's reference (a hotline ticket number).
    #[serde(default)]
    pub source_ref: Option<String>,
}

/// A case as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseView {
    /// The state (the cases crate's).
    #[serde(flatten)]
    pub state: CaseState,
    /// What happened.
    pub description: String,
    /// Where, in words.
    pub address: Option<String>,
    /// The reporter's name (masked unless the reader may see it).
    pub reporter_name: Option<String>,
    /// The reporter's phone (masked unless the reader may see it).
    pub reporter_phone: Option<String>,
    /// Whether the two above are masked.
    pub reporter_masked: bool,
    /// The category's Chinese and English names.
    pub category_name: Option<(String, String)>,
    /// The running stage is past its deadline.
    pub overdue: bool,
    /// Open cases that may be the same (only when just reported).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<zhicheng_cases::Candidate>,
}

/// A case with its timeline and attachments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    pub case: CaseView,
    /// Every step, oldest first.
    pub timeline: Vec<serde_json::Value>,
    /// Photos and files.
    pub attachments: Vec<CaseAttachment>,
    /// The actions the reader may take now.
    pub actions: Vec<&'static str>,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    /// Comma-separated statuses.
    pub status: Option<String>,
    /// Open only / closed only.
    pub open: Option<bool>,
    /// Category code prefix.
    pub category: Option<String>,
    /// Region code prefix.
    pub region: Option<String>,
    /// Grid.
    pub grid: Option<String>,
    /// Assigned department.
    pub department: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Only overdue.
    pub overdue: Option<bool>,
    /// Created at or after (epoch ms).
    pub from: Option<i64>,
    /// Created before.
    pub to: Option<i64>,
    /// Paging: sequence numbers below this.
    pub before: Option<i64>,
    /// Most rows (1–1000, default 100).
    pub limit: Option<usize>,
}

fn workflow_error(e: WorkflowError) -> Error {
    let text = format!("{e} ({})", e.message_zh());
    match e.code() {
        "wrong_actor" | "not_assigned" => Error::Forbidden(text),
        "invalid" => invalid("action", text),
        _ => Error::Conflict(text),
    }
}

/// The actions a reader may try, by role (the workflow decides the rest).
const DISPATCHER_ACTIONS: &[&str] = &[
    "register",
    "reject",
    "dispatch",
    "reassign",
    "verify",
    "close",
    "suspend",
    "resume",
    "reopen",
    "merge",
    "comment",
    "satisfaction",
];
const HANDLER_ACTIONS: &[&str] = &["accept", "return", "feedback", "comment"];

fn case_actor(actor: &Actor) -> Result<CaseActor> {
    match actor.role {
        Role::Admin | Role::Operator => Ok(CaseActor::Dispatcher {
            user: actor.username.clone(),
        }),
        Role::Department => Ok(CaseActor::Handler {
            department: actor.department.clone().unwrap_or_default(),
            user: actor.username.clone(),
        }),
        Role::Viewer => Err(Error::Forbidden("viewers may not act on cases".into())),
    }
}

fn visible_to(state: &CaseState, fused: &[String], reporter: Option<&String>) -> String {
    let mut v: Vec<&str> = Vec::new();
    for d in state
        .department
        .iter()
        .chain(state.co_departments.iter())
        .chain(fused.iter())
        .chain(reporter)
    {
        if !v.contains(&d.as_str()) {
            v.push(d);
        }
    }
    if v.is_empty() {
        String::new()
    } else {
        format!(",{},", v.join(","))
    }
}

/// When the timer should next look at a case: the running stage's deadline, a level-1
/// escalation's, or the end of a suspension.
fn timer_ms(s: &CaseState) -> Option<i64> {
    let mut t = s.running_due_ms();
    if matches!(s.status, Status::Dispatched | Status::Handling) {
        if let Some(e) = s.deadlines.escalation_ms {
            t = Some(t.map_or(e, |x| x.min(e)));
        }
    }
    if let Some(u) = s.suspension.as_ref().and_then(|x| x.until_ms) {
        t = Some(t.map_or(u, |x| x.min(u)));
    }
    t
}

fn entry_row(e: &zhicheng_cases::TimelineEntry) -> CaseTimelineRow {
    let actor = match &e.actor {
        CaseActor::Dispatcher { user } | CaseActor::Inspector { user } => user.clone(),
        CaseActor::Handler { user, .. } => user.clone(),
        CaseActor::Reporter => "reporter".into(),
        CaseActor::System => "system".into(),
    };
    CaseTimelineRow {
        id: 0,
        case_id: e.case_id.clone(),
        at_ms: e.at_ms,
        actor,
        action: e.action.clone(),
        from_status: e.from.as_str().into(),
        to_status: e.to.as_str().into(),
        entry: serde_json::to_string(e).unwrap_or_default(),
    }
}

impl Engine {
    fn cases_state(&self) -> &State {
        &self.inner.cases
    }

    /// The case clock: wall time plus the test offset.
    pub fn case_now(&self) -> i64 {
        now_ms().saturating_add(self.cases_state().clock_offset.load(Ordering::Relaxed))
    }

    /// Moves the case clock forward (test deployments only), then runs the deadline timer at
    /// the new time; answers the new time.
    pub async fn advance_case_clock(&self, actor: &Actor, by_ms: i64) -> Result<i64> {
        if !self.inner.cfg.cases.test_clock {
            return Err(Error::Forbidden(
                "the case clock moves only on test deployments ([cases] test_clock)".into(),
            ));
        }
        if actor.role != Role::Admin {
            return Err(Error::Forbidden(
                "only an admin may move the case clock".into(),
            ));
        }
        if !(0..=366 * 24 * 3_600_000).contains(&by_ms) {
            return Err(invalid("advance_ms", "must be 0 to one year, forward only"));
        }
        self.cases_state()
            .clock_offset
            .fetch_add(by_ms, Ordering::Relaxed);
        self.case_timer_pass().await;
        Ok(self.case_now())
    }

    /// The category tree.
    pub fn case_categories(&self) -> Vec<zhicheng_cases::Category> {
        let tree = self.cases_state().policy.categories();
        let mut out: Vec<zhicheng_cases::Category> = Vec::new();
        let mut stack: Vec<&zhicheng_cases::Category> = tree.children(None);
        stack.reverse();
        while let Some(c) = stack.pop() {
            out.push(c.clone());
            let mut kids = tree.children(Some(&c.code));
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    /// The routing table in force, if any.
    fn routing(&self) -> Option<Arc<RoutingTable>> {
        self.cases_state()
            .routing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The routing table, if configured.
    pub fn case_routing(&self) -> Option<zhicheng_cases::RoutingConfig> {
        self.routing().map(|r| r.config().clone())
    }

    /// Replaces the routing table (admins): checked whole — categories, region prefixes, one
    /// level per department, no repeated entry, and every department (the command center's
    /// too) registered — then saved to `cases.routing_file` (written aside and renamed, so a
    /// crash leaves the old or the new table, never half of one) and in force for the next
    /// case. Audited.
    pub async fn put_case_routing(
        &self,
        actor: &Actor,
        config: zhicheng_cases::RoutingConfig,
    ) -> Result<zhicheng_cases::RoutingConfig> {
        if actor.role != Role::Admin {
            return Err(Error::Forbidden(
                "only administrators change the routing table".into(),
            ));
        }
        let Some(path) = self.cases_state().routing_file.clone() else {
            return Err(Error::Conflict(
                "no routing table is configured here ([cases] routing_file): set one to edit it"
                    .into(),
            ));
        };
        let table = RoutingTable::new(config, self.cases_state().policy.categories())
            .map_err(|e| invalid("routing", e.to_string()))?;
        let c = table.config();
        let mut named: Vec<&str> = c.entries.iter().map(|e| e.department.as_str()).collect();
        named.push(&c.command_center);
        named.sort_unstable();
        named.dedup();
        for d in named {
            if self.inner.store.get_department(d).await?.is_none() {
                return Err(invalid("routing", format!("no department {d}")));
            }
        }
        let json = serde_json::to_string_pretty(c)
            .map_err(|e| Error::Unavailable(format!("routing table: {e}")))?;
        let tmp = path.with_extension("json.new");
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, json.as_bytes())?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| Error::Unavailable(format!("{}: {e}", path.display())))?;
        let config = c.clone();
        *self
            .cases_state()
            .routing
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(table));
        self.audit(
            &actor.username,
            "case.routing.put",
            "routing",
            serde_json::json!({"entries": config.entries.len()}),
        )
        .await;
        Ok(config)
    }

    /// Rebuilds the grid and region index when the registry changed since it was built.
    async fn refresh_places(&self) -> Result<Arc<Places>> {
        let generation = self
            .inner
            .scorecard
            .generation
            .load(std::sync::atomic::Ordering::Relaxed);
        if let Some((g, p)) = self
            .cases_state()
            .places
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if *g == generation {
                return Ok(p.clone());
            }
        }
        let grids = self.inner.store.list_grids(None).await?;
        let regions = self.inner.store.list_regions().await?;
        let built = tokio::task::spawn_blocking(move || {
            let dec = zhicheng_geo::geojson::Decoder::default();
            let g: Vec<((String, String), geo::MultiPolygon)> = grids
                .into_iter()
                .filter_map(|g| Some(((g.id, g.region), dec.area_from_value(&g.geometry).ok()?)))
                .collect();
            let r: Vec<(String, geo::MultiPolygon)> = regions
                .into_iter()
                .filter_map(|r| Some((r.code, dec.area_from_value(r.geometry.as_ref()?).ok()?)))
                .collect();
            Ok::<_, String>(Places {
                grids: zhicheng_geo::fence::FenceIndex::build(g).map_err(|e| e.to_string())?,
                regions: zhicheng_geo::fence::FenceIndex::build(r).map_err(|e| e.to_string())?,
            })
        })
        .await
        .map_err(|e| Error::Unavailable(format!("place index: {e}")))?
        .map_err(|e| Error::Unavailable(format!("place index: {e}")))?;
        let p = Arc::new(built);
        *self
            .cases_state()
            .places
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((generation, p.clone()));
        Ok(p)
    }

    /// The grid and region of a point: the grid whose boundary holds it (and its region), else
    /// the deepest region whose boundary holds it.
    pub async fn locate(&self, lon: f64, lat: f64) -> Result<(Option<String>, Option<String>)> {
        let p = self.refresh_places().await?;
        let grid = p.grids.first_containing((lon, lat)).cloned();
        let mut region: Option<String> = None;
        p.regions.for_each_containing((lon, lat), |code| {
            if region.as_ref().is_none_or(|r| code.len() > r.len()) {
                region = Some(code.clone());
            }
        });
        Ok(match grid {
            Some((g, r)) => (
                Some(g),
                Some(region.filter(|x| x.len() > r.len()).unwrap_or(r)),
            ),
            None => (None, region),
        })
    }

    fn fused_departments(&self, s: &CaseState) -> Vec<String> {
        match (self.routing(), &s.grid) {
            (Some(r), Some(g)) => r.departments_seeing(&s.category, g),
            _ => Vec::new(),
        }
    }

    fn row_of(&self, s: &CaseState, base: &CaseRow) -> CaseRow {
        CaseRow {
            id: s.id.clone(),
            seq: base.seq,
            status: s.status.as_str().into(),
            open: s.status.is_open(),
            source: s.source.as_str().into(),
            category: s.category.clone(),
            urgency: s.urgency.as_str().into(),
            region: s.region.clone(),
            grid: s.grid.clone(),
            department: s.department.clone(),
            visible_to: visible_to(
                s,
                &self.fused_departments(s),
                base.reporter_department.as_ref(),
            ),
            lon: s.lon,
            lat: s.lat,
            address: base.address.clone(),
            description: base.description.clone(),
            reporter_name: base.reporter_name.clone(),
            reporter_phone: base.reporter_phone.clone(),
            reporter_department: base.reporter_department.clone(),
            source_ref: s.source_ref.clone(),
            created_ms: s.created_ms,
            updated_ms: s.updated_ms,
            closed_ms: s.closed_ms,
            due_ms: if s.status.is_open() {
                timer_ms(s)
            } else {
                None
            },
            escalation_level: i64::from(s.escalation_level),
            state: serde_json::to_string(s).unwrap_or_default(),
            version: base.version + 1,
        }
    }

    fn event_of(&self, s: &CaseState, action: &str, by: Option<&str>) -> NewEvent {
        NewEvent {
            at_ms: s.updated_ms,
            topic: format!("case.{action}"),
            department: s.department.clone().unwrap_or_default(),
            severity: None,
            actor: by.map(str::to_owned),
            body: serde_json::json!({ "case": {
                "id": s.id, "status": s.status, "category": s.category, "urgency": s.urgency,
                "department": s.department, "region": s.region, "grid": s.grid,
                "lon": s.lon, "lat": s.lat, "source": s.source,
            }})
            .to_string(),
        }
    }

    fn may_see_case(actor: &Actor, row: &CaseRow) -> bool {
        match actor.scope() {
            None => true,
            Some(d) => row.visible_to.contains(&format!(",{d},")),
        }
    }

    /// The reporter's data: in full for admins and operators (audited), masked otherwise.
    async fn case_view(&self, actor: &Actor, row: &CaseRow, state: CaseState) -> CaseView {
        let full = matches!(actor.role, Role::Admin | Role::Operator);
        if full && (row.reporter_name.is_some() || row.reporter_phone.is_some()) {
            self.audit(
                &actor.username,
                "case.reporter.read",
                &row.id,
                serde_json::json!({}),
            )
            .await;
        }
        let tree = self.cases_state().policy.categories();
        let now = self.case_now();
        CaseView {
            overdue: state.status.is_open() && state.running_due_ms().is_some_and(|d| d < now),
            category_name: tree
                .get(&state.category)
                .map(|c| (c.name_zh.clone(), c.name_en.clone())),
            state,
            description: row.description.clone(),
            address: row.address.clone(),
            reporter_name: row.reporter_name.as_deref().map(|n| {
                if full {
                    n.to_owned()
                } else {
                    mask_name(n)
                }
            }),
            reporter_phone: row.reporter_phone.as_deref().map(|p| {
                if full {
                    p.to_owned()
                } else {
                    mask_mobile(p)
                }
            }),
            reporter_masked: !full,
            duplicates: Vec::new(),
        }
    }

    async fn list_views(&self, rows: Vec<CaseRow>) -> Vec<CaseView> {
        let mut out = Vec::with_capacity(rows.len());
        let tree = self.cases_state().policy.categories();
        let now = self.case_now();
        for r in rows {
            let Ok(state) = serde_json::from_str::<CaseState>(&r.state) else {
                tracing::error!(case = %r.id, "stored case state does not parse; skipped");
                continue;
            };
            out.push(CaseView {
                overdue: state.status.is_open() && state.running_due_ms().is_some_and(|d| d < now),
                category_name: tree
                    .get(&state.category)
                    .map(|c| (c.name_zh.clone(), c.name_en.clone())),
                state,
                description: r.description,
                address: r.address,
                // Lists never carry the reporter in full (only the detail, audited).
                reporter_name: r.reporter_name.as_deref().map(mask_name),
                reporter_phone: r.reporter_phone.as_deref().map(mask_mobile),
                reporter_masked: true,
                duplicates: Vec::new(),
            });
        }
        out
    }

    /// Reports a case (hotline operators, grid workers, inspectors): located, stored, and —
    /// when a dispatcher reports it — registered and dispatched by the routing table at once.
    pub async fn create_case(&self, actor: &Actor, input: CaseInput) -> Result<CaseView> {
        let by = case_actor(actor)?;
        let source = input.source.unwrap_or(match actor.role {
            Role::Department => Source::Grid,
            _ => Source::Hotline,
        });
        self.report_case(actor, by, source, input).await
    }

    /// Reports a case on behalf of a citizen (Open311): the reporter acts.
    pub async fn create_citizen_case(&self, input: CaseInput) -> Result<CaseView> {
        self.report_case(
            &Actor::system(),
            CaseActor::Reporter,
            Source::Open311,
            input,
        )
        .await
    }

    async fn report_case(
        &self,
        actor: &Actor,
        by: CaseActor,
        source: Source,
        input: CaseInput,
    ) -> Result<CaseView> {
        let description = input.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > 4000 {
            return Err(invalid("description", "must be 1 to 4000 characters"));
        }
        for (field, v, max) in [
            ("address", &input.address, 256),
            ("reporter_name", &input.reporter_name, 64),
            ("reporter_phone", &input.reporter_phone, 32),
        ] {
            if v.as_ref().is_some_and(|s| s.chars().count() > max) {
                return Err(invalid(field, format!("is longer than {max} characters")));
            }
        }
        match (input.lon, input.lat) {
            (Some(lon), Some(lat)) => {
                let ok = lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat);
                if !ok {
                    return Err(invalid("lon", "lon and lat must be WGS84 degrees"));
                }
            }
            (None, None) => {}
            _ => return Err(invalid("lon", "give both lon and lat, or neither")),
        }
        let (grid, region) = match (input.lon, input.lat) {
            (Some(lon), Some(lat)) => self.locate(lon, lat).await?,
            _ => (None, None),
        };
        let now = self.case_now();
        let seq = self.inner.store.next_case_seq().await?;
        let day = zhicheng_model::time_util::format_ms_cst(now);
        let id = format!("AJ{}{seq:06}", day.get(..10).unwrap_or("").replace('-', ""));
        let mut new = NewCase::new(id, source, input.category.clone());
        new.urgency = input.urgency;
        new.region = region;
        new.grid = grid;
        new.lon = input.lon;
        new.lat = input.lat;
        new.source_ref = input.source_ref.clone();
        let policy = &self.cases_state().policy;
        let first = report(new, &by, now, policy).map_err(workflow_error)?;
        let mut steps = vec![first];
        // A dispatcher's report is registered at once, and dispatched where the table knows.
        if matches!(by, CaseActor::Dispatcher { .. }) {
            let last = &steps[steps.len() - 1].state;
            let reg = apply(
                last,
                Action::Register {
                    category: None,
                    urgency: None,
                },
                &by,
                now,
                policy,
            )
            .map_err(workflow_error)?;
            steps.push(reg);
            if let Some(dispatch) = self.routed_dispatch(&steps[steps.len() - 1].state) {
                let d = apply(&steps[steps.len() - 1].state, dispatch, &by, now, policy)
                    .map_err(workflow_error)?;
                steps.push(d);
            }
        }
        let state = steps[steps.len() - 1].state.clone();
        let base = CaseRow {
            id: state.id.clone(),
            seq,
            status: String::new(),
            open: true,
            source: String::new(),
            category: String::new(),
            urgency: String::new(),
            region: None,
            grid: None,
            department: None,
            visible_to: String::new(),
            lon: None,
            lat: None,
            address: input.address.clone().filter(|a| !a.trim().is_empty()),
            description,
            reporter_name: input.reporter_name.clone().filter(|a| !a.trim().is_empty()),
            reporter_phone: input
                .reporter_phone
                .clone()
                .filter(|a| !a.trim().is_empty()),
            reporter_department: actor.department.clone(),
            source_ref: None,
            created_ms: now,
            updated_ms: now,
            closed_ms: None,
            due_ms: None,
            escalation_level: 0,
            state: String::new(),
            version: 0,
        };
        let row = self.row_of(&state, &base);
        let entries: Vec<CaseTimelineRow> = steps.iter().map(|s| entry_row(&s.entry)).collect();
        let last_action = steps[steps.len() - 1].entry.action.clone();
        let event = self.event_of(&state, &last_action, Some(&actor.username));
        self.inner
            .store
            .insert_case(&row, &entries, Some(&event))
            .await?;
        self.alarms_state_logged();
        self.publish_case(&row, &last_action);
        if let Some(g) = &state.grid {
            self.case_event_for_rules(&state.category, g, now).await;
        }
        self.audit(
            &actor.username,
            "case.report",
            &row.id,
            serde_json::json!({"source": state.source, "category": state.category}),
        )
        .await;
        let mut view = self.case_view(actor, &row, state).await;
        view.duplicates = self.duplicates_of(&view.state).await.unwrap_or_default();
        Ok(view)
    }

    fn routed_dispatch(&self, s: &CaseState) -> Option<Action> {
        let r = self
            .routing()?
            .route(&s.category, s.grid.as_deref(), s.region.as_deref())?;
        Some(Action::Dispatch {
            department: r.department,
            note: Some("按派遣规则自动派遣 (routed by the table)".into()),
        })
    }

    async fn duplicates_of(&self, s: &CaseState) -> Result<Vec<zhicheng_cases::Candidate>> {
        let cfg = &self.inner.cfg.cases;
        let window = cfg.duplicate_window.as_millis() as i64;
        let rows = self
            .inner
            .store
            .list_cases(&CaseQuery {
                open: Some(true),
                from_ms: Some(s.created_ms - window),
                limit: 5000,
                ..CaseQuery::default()
            })
            .await?;
        let existing: Vec<CaseBrief> = rows
            .iter()
            .filter(|r| r.id != s.id)
            .filter_map(|r| serde_json::from_str::<CaseState>(&r.state).ok())
            .map(|c| c.brief())
            .collect();
        Ok(candidates(
            &s.brief(),
            &existing,
            &DupParams {
                radius_m: cfg.duplicate_radius_m,
                window_ms: window,
                same_category_subtree: false,
            },
            self.cases_state().policy.categories(),
        ))
    }

    fn alarms_state_logged(&self) {
        self.inner.alarms.logged.notify_waiters();
    }

    /// Subscribes to case changes (one message per stored change). A receiver more than 1024
    /// behind sees `Lagged` and should be dropped.
    pub fn subscribe_cases(&self) -> tokio::sync::broadcast::Receiver<Arc<CaseChange>> {
        self.cases_state().changes.subscribe()
    }

    /// Tells the live stream that a case was stored.
    fn publish_case(&self, row: &CaseRow, action: &str) {
        let _ = self.cases_state().changes.send(Arc::new(CaseChange {
            id: row.id.clone(),
            action: action.to_owned(),
            status: row.status.clone(),
            department: row.department.clone(),
            at_ms: row.updated_ms,
            visible_to: row
                .visible_to
                .split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
        }));
    }

    async fn case_event_for_rules(&self, category: &str, grid: &str, at: i64) {
        let mut ev = self.inner.alarms.evaluator.lock().await;
        let out = ev.case_event(&zhicheng_rules::CaseEvent {
            category: category.to_owned(),
            grid: grid.to_owned(),
            ts_ms: at,
        });
        self.write_transitions(out, &ev).await;
    }

    async fn load_case(&self, actor: &Actor, id: &str) -> Result<(CaseRow, CaseState)> {
        let row = self
            .inner
            .store
            .get_case(id)
            .await?
            .filter(|r| Self::may_see_case(actor, r))
            .ok_or_else(|| Error::NotFound(format!("case {id}")))?;
        let state: CaseState = serde_json::from_str(&row.state)
            .map_err(|e| Error::Unavailable(format!("case {id} does not parse: {e}")))?;
        Ok((row, state))
    }

    /// One case with its timeline, attachments and the actions the reader may try.
    pub async fn case(&self, actor: &Actor, id: &str) -> Result<CaseDetail> {
        let (row, state) = self.load_case(actor, id).await?;
        let timeline = self
            .inner
            .store
            .list_case_timeline(id)
            .await?
            .into_iter()
            .filter_map(|t| serde_json::from_str(&t.entry).ok())
            .collect();
        let attachments = self.inner.store.list_case_attachments(id).await?;
        let actions = match actor.role {
            Role::Admin | Role::Operator => DISPATCHER_ACTIONS.to_vec(),
            Role::Department if state.involves(actor.department.as_deref().unwrap_or("")) => {
                HANDLER_ACTIONS.to_vec()
            }
            Role::Department => vec!["comment"],
            Role::Viewer => Vec::new(),
        };
        let actions = actions
            .into_iter()
            .filter(|a| {
                zhicheng_cases::workflow::transition(a)
                    .is_some_and(|t| t.from.contains(&state.status))
            })
            .collect();
        Ok(CaseDetail {
            case: self.case_view(actor, &row, state).await,
            timeline,
            attachments,
            actions,
        })
    }

    /// Cases the actor may see, newest first.
    pub async fn cases(&self, actor: &Actor, f: CaseFilter) -> Result<Vec<CaseView>> {
        let limit = f.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(invalid("limit", "must be 1 to 1000"));
        }
        let q = CaseQuery {
            statuses: f
                .status
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_owned())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            open: f.open,
            department: actor.scope().map(str::to_owned),
            assigned: f.department,
            categories: f.category.into_iter().collect(),
            region: f.region,
            grid: f.grid,
            source: f.source,
            source_ref: None,
            from_ms: f.from,
            to_ms: f.to,
            overdue_at: f.overdue.filter(|o| *o).map(|_| self.case_now()),
            before_seq: f.before,
            limit,
        };
        let rows = self.inner.store.list_cases(&q).await?;
        Ok(self.list_views(rows).await)
    }

    /// Takes one step on a case. `dispatch` without a department follows the routing table.
    pub async fn case_action(&self, actor: &Actor, id: &str, action: Action) -> Result<CaseDetail> {
        let by = case_actor(actor)?;
        self.step(actor, &by, id, action).await?;
        self.case(actor, id).await
    }

    async fn step(
        &self,
        actor: &Actor,
        by: &CaseActor,
        id: &str,
        mut action: Action,
    ) -> Result<CaseState> {
        let (row, state) = self.load_case(actor, id).await?;
        if let Action::Dispatch { department, .. } = &action {
            if department.is_empty() {
                action = self.routed_dispatch(&state).ok_or_else(|| {
                    invalid(
                        "department",
                        "no route for this category and place: name the department",
                    )
                })?;
            }
        }
        if let Action::Dispatch { department, .. } | Action::Reassign { department, .. } = &action {
            if self.inner.store.get_department(department).await?.is_none() {
                return Err(invalid("department", format!("no department {department}")));
            }
        }
        let merge_into = match &action {
            Action::Merge { into_case } => Some(into_case.clone()),
            _ => None,
        };
        let now = self.case_now().max(state.updated_ms);
        let policy = &self.cases_state().policy;
        let name = action.name();
        let s = apply(&state, action, by, now, policy).map_err(workflow_error)?;
        if let Some(master_id) = merge_into {
            let (mrow, master) = self.load_case(actor, &master_id).await?;
            if master_id == id || !master.status.is_open() {
                return Err(invalid("into_case", "must be another open case"));
            }
            let m = zhicheng_cases::absorb(&master, id, by, now.max(master.updated_ms))
                .map_err(workflow_error)?;
            let mr = self.row_of(&m.state, &mrow);
            if self
                .inner
                .store
                .update_case(&mr, &[entry_row(&m.entry)], None)
                .await?
                .is_none()
            {
                return Err(Error::Conflict(format!(
                    "case {master_id} changed meanwhile; try again"
                )));
            }
            self.publish_case(&mr, "merge");
        }
        let new_row = self.row_of(&s.state, &row);
        let event = self.event_of(&s.state, name, Some(&actor.username));
        match self
            .inner
            .store
            .update_case(&new_row, &[entry_row(&s.entry)], Some(&event))
            .await?
        {
            Some(_) => {}
            None => {
                return Err(Error::Conflict(format!(
                    "case {id} changed meanwhile; try again"
                )))
            }
        }
        self.alarms_state_logged();
        self.publish_case(&new_row, name);
        self.audit(
            &actor.username,
            &format!("case.{name}"),
            id,
            serde_json::json!({}),
        )
        .await;
        Ok(s.state)
    }

    /// Attaches a photo (PNG or JPEG, ≤ 20 MiB) to a case the actor may act on.
    pub async fn add_case_attachment(
        &self,
        actor: &Actor,
        id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<CaseAttachment> {
        case_actor(actor)?;
        let (_, state) = self.load_case(actor, id).await?;
        if let Some(d) = actor.scope() {
            if !state.involves(d) && state.status != Status::Reported {
                return Err(Error::Forbidden(format!(
                    "case {id} is not your department's"
                )));
            }
        }
        let checked = crate::evidence::check_upload(name, content_type, bytes)?;
        if !checked.content_type.starts_with("image/") {
            return Err(Error::UnsupportedType(
                "case attachments are photos: PNG or JPEG (现场照片仅支持 PNG、JPEG)".into(),
            ));
        }
        let sha = self.store_evidence_bytes(bytes).await?;
        let mut a = CaseAttachment {
            id: 0,
            case_id: id.to_owned(),
            file_name: checked.file_name,
            content_type: checked.content_type.to_owned(),
            size: bytes.len() as i64,
            sha256: sha,
            uploaded_by: actor.username.clone(),
            uploaded_ms: self.case_now(),
        };
        a.id = self.inner.store.insert_case_attachment(&a).await?;
        self.audit(
            &actor.username,
            "case.attachment",
            id,
            serde_json::json!({"file": a.file_name}),
        )
        .await;
        Ok(a)
    }

    /// An attachment's record and bytes.
    pub async fn case_attachment(
        &self,
        actor: &Actor,
        id: &str,
        attachment: i64,
    ) -> Result<(CaseAttachment, Vec<u8>)> {
        self.load_case(actor, id).await?;
        let a = self
            .inner
            .store
            .get_case_attachment(attachment)
            .await?
            .filter(|a| a.case_id == id)
            .ok_or_else(|| Error::NotFound(format!("attachment {attachment} of case {id}")))?;
        let bytes = self
            .read_evidence_bytes(&a.sha256, &format!("attachment {attachment}"))
            .await?;
        Ok((a, bytes))
    }

    /// Case statistics over the cases the actor may see, reported in `[from, to)`.
    pub async fn case_stats(
        &self,
        actor: &Actor,
        group_by: GroupBy,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<GroupStats>> {
        let rows = self
            .inner
            .store
            .list_cases(&CaseQuery {
                department: actor.scope().map(str::to_owned),
                from_ms: from,
                to_ms: to,
                limit: 100_000,
                ..CaseQuery::default()
            })
            .await?;
        let briefs: Vec<CaseBrief> = rows
            .iter()
            .filter_map(|r| serde_json::from_str::<CaseState>(&r.state).ok())
            .map(|c| c.brief())
            .collect();
        Ok(zhicheng_cases::stats(
            &briefs,
            group_by,
            self.cases_state().policy.categories(),
            self.case_now(),
        ))
    }

    /// Creates a case from an alarm (one click, or a rule's `case` template): source `alarm`,
    /// the alarm's place, registered and routed. A second case for the same alarm is refused.
    pub async fn case_from_alarm(
        &self,
        actor: &Actor,
        alarm: i64,
        category: &str,
        urgency: Option<Urgency>,
    ) -> Result<CaseView> {
        let a = self.alarm(actor, alarm).await?.alarm;
        let existing = self
            .inner
            .store
            .list_cases(&CaseQuery {
                source: Some("alarm".into()),
                source_ref: Some(alarm.to_string()),
                limit: 1,
                ..CaseQuery::default()
            })
            .await?;
        if let Some(c) = existing.first() {
            return Err(Error::Conflict(format!(
                "alarm {alarm} already has case {}",
                c.id
            )));
        }
        let input = CaseInput {
            category: category.to_owned(),
            urgency,
            description: format!(
                "{} — {} ({})",
                a.record.rule_name,
                a.entity_name
                    .clone()
                    .unwrap_or_else(|| a.record.entity.clone()),
                a.record.message
            ),
            lon: a.point.map(|p| p.0),
            lat: a.point.map(|p| p.1),
            address: None,
            reporter_name: None,
            reporter_phone: None,
            source: Some(Source::Alarm),
            source_ref: Some(alarm.to_string()),
        };
        let by = match actor.role {
            Role::Viewer => return Err(Error::Forbidden("viewers may not open cases".into())),
            _ => CaseActor::Dispatcher {
                user: actor.username.clone(),
            },
        };
        if let Some(d) = actor.scope() {
            if d != a.record.department {
                return Err(Error::Forbidden(format!(
                    "alarm {alarm} is not your department's"
                )));
            }
        }
        self.report_case(actor, by, Source::Alarm, input).await
    }

    /// One pass of the deadline timer: escalates overdue cases, resumes ended suspensions.
    pub(crate) async fn case_timer_pass(&self) {
        let now = self.case_now();
        let rows = match self
            .inner
            .store
            .list_cases(&CaseQuery {
                overdue_at: Some(now + 1),
                limit: 1000,
                ..CaseQuery::default()
            })
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "case timer: listing overdue cases failed");
                return;
            }
        };
        let sys = Actor::system();
        for row in rows {
            let Ok(state) = serde_json::from_str::<CaseState>(&row.state) else {
                continue;
            };
            let action = zhicheng_cases::resume_due(&state, now).or_else(|| {
                self.routing()
                    .and_then(|r| zhicheng_cases::escalation_due(&state, &r, now))
            });
            let Some(action) = action else { continue };
            if let Err(e) = self.step(&sys, &CaseActor::System, &row.id, action).await {
                tracing::warn!(case = %row.id, error = %e, "case timer step failed");
            }
        }
    }
}

/// The deadline timer: every `cases.timer_interval` until the engine stops.
pub(crate) async fn run(engine: Engine, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut t = tokio::time::interval(
        engine
            .inner
            .cfg
            .cases
            .timer_interval
            .max(Duration::from_millis(100)),
    );
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = t.tick() => engine.case_timer_pass().await,
            _ = stop.changed() => break,
        }
    }
}
