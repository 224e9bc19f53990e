//! The flow: report → register → dispatch → accept → feedback → verify → close, with return,
//! reassign, reject, suspend, resume, reopen, escalate, merge, comment and satisfaction.
//!
//! [`report`] opens a case; [`apply`] takes one [`Action`] by one [`Actor`] at one time and
//! answers a [`Step`] (the new [`CaseState`] and its [`TimelineEntry`]) or a
//! [`WorkflowError`] naming the action, the status and who. The checks, in order: the time is
//! not before the case's last step; the action is allowed in the status; the actor's role may
//! take it (and a handler's department is the assigned one, or for some actions a co-assigned
//! one); the action's data is valid.
//!
//! ## Transitions ([`TRANSITIONS`])
//!
//! | action | from | to | who |
//! |---|---|---|---|
//! | `register` 立案 | reported 已上报 | registered 已立案 | dispatcher |
//! | `reject` 不予立案 | reported 已上报 | rejected 不予立案 | dispatcher |
//! | `dispatch` 派遣 | registered 已立案 | dispatched 已派遣 | dispatcher |
//! | `accept` 签收 | dispatched 已派遣 | handling 处置中 | handler (assigned or co-assigned) |
//! | `return` 退回 | dispatched 已派遣, handling 处置中 | registered 已立案 | handler (assigned) |
//! | `reassign` 改派 | dispatched 已派遣, handling 处置中 | dispatched 已派遣 | dispatcher |
//! | `feedback` 处置反馈 | handling 处置中 | handled 已处置 | handler (assigned or co-assigned) |
//! | `verify` 核查 | handled 已处置 | passed: verified 已核查; failed: handling 处置中 (rework 返工) | inspector, dispatcher |
//! | `close` 结案 | verified 已核查 | closed 已结案 | dispatcher |
//! | `suspend` 挂起 | registered 已立案, dispatched 已派遣, handling 处置中, handled 已处置 | suspended 挂起 | dispatcher |
//! | `resume` 恢复 | suspended 挂起 | the status it was suspended from | dispatcher, system |
//! | `reopen` 重启 | closed 已结案, rejected 不予立案 | registered 已立案 | dispatcher |
//! | `escalate` 升级 (乡呼县应) | dispatched 已派遣, handling 处置中 | unchanged (co-assigns) | system, dispatcher |
//! | `merge` 并案 | reported 已上报, registered 已立案, dispatched 已派遣 | merged 已并案 | dispatcher |
//! | `comment` 备注 | any | unchanged | anyone (a handler: assigned or co-assigned) |
//! | `satisfaction` 回访 | closed 已结案 | unchanged (once) | reporter, dispatcher |
//!
//! Effects worth knowing: a return clears the department and co-departments (it was not
//! theirs); a reassignment restarts the handle clock and keeps the co-departments; a failed
//! verification counts a rework and restarts the handle clock; a reopening clears the
//! assignment and the satisfaction, keeps the first registration time and the escalation level
//! (never twice at one level, over the case's whole life); an escalation adds the department to
//! `co_departments` and, at level 1, sets the escalation deadline. Deadlines: see
//! [`deadline`](mod@crate::deadline).
//!
//! A merge makes the duplicate terminal; the engine records it on the master with [`absorb`].

use serde::{Deserialize, Serialize};

use crate::deadline::{shift, Stage};
use crate::{
    Actor, CaseState, Deadlines, Policy, Satisfaction, Source, Status, Suspension, TimelineEntry,
    Urgency,
};

/// One step asked of the workflow. JSON: an object with `"action"` and the variant's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// 立案, optionally correcting the category and urgency.
    Register {
        /// The corrected category.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<String>,
        /// The corrected urgency.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        urgency: Option<Urgency>,
    },
    /// 不予立案.
    Reject {
        /// Why.
        reason: String,
    },
    /// 派遣 to a department.
    Dispatch {
        /// The department.
        department: String,
        /// Instructions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 签收: the department starts handling.
    Accept,
    /// 退回: the department says it is not theirs; back to the command center.
    Return {
        /// Why.
        reason: String,
    },
    /// 改派: the command center moves it to another department.
    Reassign {
        /// The new department.
        department: String,
        /// Why.
        reason: String,
    },
    /// 处置反馈: the department says it is done.
    Feedback {
        /// What was done.
        note: String,
        /// Attachment ids (photos after handling).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// 核查: on-site verification; failed sends it back for rework.
    Verify {
        /// Whether it is really done.
        passed: bool,
        /// What was seen; required when failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 结案.
    Close {
        /// Closing note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 挂起: stop the clock.
    Suspend {
        /// Why.
        reason: String,
        /// Resume by itself at ([`resume_due`](crate::resume_due)).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_ms: Option<i64>,
    },
    /// 恢复: back to the status it was suspended from.
    Resume,
    /// 重启: a closed or rejected case back to registered.
    Reopen {
        /// Why.
        reason: String,
    },
    /// 升级: overdue; co-assign a higher department (level 1: county, 2: command center).
    Escalate {
        /// The department.
        to_department: String,
        /// 1 or 2.
        level: u8,
    },
    /// 并案: this case is a duplicate of another.
    Merge {
        /// The master case.
        into_case: String,
    },
    /// 备注.
    Comment {
        /// The text.
        text: String,
    },
    /// 回访: the reporter's satisfaction, once after closing.
    Satisfaction {
        /// 1–5.
        score: u8,
        /// What they said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl Action {
    /// The action's name, as in JSON and the timeline.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Register { .. } => "register",
            Action::Reject { .. } => "reject",
            Action::Dispatch { .. } => "dispatch",
            Action::Accept => "accept",
            Action::Return { .. } => "return",
            Action::Reassign { .. } => "reassign",
            Action::Feedback { .. } => "feedback",
            Action::Verify { .. } => "verify",
            Action::Close { .. } => "close",
            Action::Suspend { .. } => "suspend",
            Action::Resume => "resume",
            Action::Reopen { .. } => "reopen",
            Action::Escalate { .. } => "escalate",
            Action::Merge { .. } => "merge",
            Action::Comment { .. } => "comment",
            Action::Satisfaction { .. } => "satisfaction",
        }
    }
}

/// A role an actor acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// [`Actor::Dispatcher`].
    Dispatcher,
    /// [`Actor::Handler`].
    Handler,
    /// [`Actor::Inspector`].
    Inspector,
    /// [`Actor::Reporter`].
    Reporter,
    /// [`Actor::System`].
    System,
}

/// Which handlers may act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerScope {
    /// Only the assigned department.
    Assigned,
    /// The assigned department or a co-assigned one.
    Involved,
}

/// Where a transition leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// To this status.
    To(Status),
    /// The status does not change.
    Same,
    /// Back to the status suspended from.
    Resumed,
    /// Verified when passed, handling when failed.
    Verification,
}

/// One row of the transition table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// The action's name.
    pub action: &'static str,
    /// The statuses it is allowed in.
    pub from: &'static [Status],
    /// Where it leads.
    pub to: Target,
    /// Who may take it.
    pub who: &'static [Role],
    /// Which handlers, when handlers may.
    pub handlers: HandlerScope,
}

use HandlerScope::{Assigned, Involved};
use Role::{Dispatcher, Handler, Inspector, Reporter, System};
use Status as S;

/// The transition table (tabled in the [module docs](self)).
pub const TRANSITIONS: &[Transition] = &[
    row(
        "register",
        &[S::Reported],
        Target::To(S::Registered),
        &[Dispatcher],
    ),
    row(
        "reject",
        &[S::Reported],
        Target::To(S::Rejected),
        &[Dispatcher],
    ),
    row(
        "dispatch",
        &[S::Registered],
        Target::To(S::Dispatched),
        &[Dispatcher],
    ),
    Transition {
        handlers: Involved,
        ..row(
            "accept",
            &[S::Dispatched],
            Target::To(S::Handling),
            &[Handler],
        )
    },
    row(
        "return",
        &[S::Dispatched, S::Handling],
        Target::To(S::Registered),
        &[Handler],
    ),
    row(
        "reassign",
        &[S::Dispatched, S::Handling],
        Target::To(S::Dispatched),
        &[Dispatcher],
    ),
    Transition {
        handlers: Involved,
        ..row(
            "feedback",
            &[S::Handling],
            Target::To(S::Handled),
            &[Handler],
        )
    },
    row(
        "verify",
        &[S::Handled],
        Target::Verification,
        &[Inspector, Dispatcher],
    ),
    row(
        "close",
        &[S::Verified],
        Target::To(S::Closed),
        &[Dispatcher],
    ),
    row(
        "suspend",
        &[S::Registered, S::Dispatched, S::Handling, S::Handled],
        Target::To(S::Suspended),
        &[Dispatcher],
    ),
    row(
        "resume",
        &[S::Suspended],
        Target::Resumed,
        &[Dispatcher, System],
    ),
    row(
        "reopen",
        &[S::Closed, S::Rejected],
        Target::To(S::Registered),
        &[Dispatcher],
    ),
    row(
        "escalate",
        &[S::Dispatched, S::Handling],
        Target::Same,
        &[System, Dispatcher],
    ),
    row(
        "merge",
        &[S::Reported, S::Registered, S::Dispatched],
        Target::To(S::Merged),
        &[Dispatcher],
    ),
    Transition {
        handlers: Involved,
        ..row(
            "comment",
            &Status::ALL,
            Target::Same,
            &[Dispatcher, Handler, Inspector, Reporter, System],
        )
    },
    row(
        "satisfaction",
        &[S::Closed],
        Target::Same,
        &[Reporter, Dispatcher],
    ),
];

const fn row(
    action: &'static str,
    from: &'static [Status],
    to: Target,
    who: &'static [Role],
) -> Transition {
    Transition {
        action,
        from,
        to,
        who,
        handlers: Assigned,
    }
}

/// The row of an action name.
pub fn transition(action: &str) -> Option<&'static Transition> {
    TRANSITIONS.iter().find(|t| t.action == action)
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The action is not allowed in the case's status.
    #[error("action `{action}` is not allowed in status {status}")]
    NotAllowed {
        /// The action.
        action: &'static str,
        /// The case's status.
        status: Status,
    },
    /// The actor's role may not take the action.
    #[error("action `{action}` is not for a {role} (allowed: {allowed})")]
    WrongActor {
        /// The action.
        action: &'static str,
        /// The actor's role.
        role: &'static str,
        /// The roles that may.
        allowed: String,
    },
    /// A handler of a department the case is not (co-)assigned to.
    #[error("action `{action}`: department `{department}` is not assigned case `{case}`")]
    NotAssigned {
        /// The action.
        action: &'static str,
        /// The case.
        case: String,
        /// The handler's department.
        department: String,
    },
    /// A field of the action (or the new case) is wrong.
    #[error("action `{action}`, field `{field}`: {message}")]
    Invalid {
        /// The action.
        action: &'static str,
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The step is earlier than the case's last one.
    #[error("action `{action}` at {now_ms} ms is before the case's last step at {last_ms} ms")]
    TimeBackwards {
        /// The action.
        action: &'static str,
        /// The time given.
        now_ms: i64,
        /// The case's last step.
        last_ms: i64,
    },
    /// Satisfaction is asked once per closure.
    #[error("case `{case}` already has a satisfaction score")]
    AlreadyRated {
        /// The case.
        case: String,
    },
    /// Escalation only goes up.
    #[error("case `{case}` is already escalated to level {current}; level {level} is not higher")]
    AlreadyEscalated {
        /// The case.
        case: String,
        /// Its level.
        current: u8,
        /// The level asked.
        level: u8,
    },
}

impl WorkflowError {
    /// A stable machine code for the API: `not_allowed`, `wrong_actor`, `not_assigned`,
    /// `invalid`, `time_backwards`, `already_rated`, `already_escalated`.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::NotAllowed { .. } => "not_allowed",
            WorkflowError::WrongActor { .. } => "wrong_actor",
            WorkflowError::NotAssigned { .. } => "not_assigned",
            WorkflowError::Invalid { .. } => "invalid",
            WorkflowError::TimeBackwards { .. } => "time_backwards",
            WorkflowError::AlreadyRated { .. } => "already_rated",
            WorkflowError::AlreadyEscalated { .. } => "already_escalated",
        }
    }

    /// The message in Chinese, for the people at the desk (the English one is `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            WorkflowError::NotAllowed { action, status } => {
                format!(
                    "案件处于「{}」状态，不能执行「{}」",
                    status.name_zh(),
                    action_zh(action)
                )
            }
            WorkflowError::WrongActor { action, role, .. } => {
                format!("「{}」不能由{}执行", action_zh(action), role_zh(role))
            }
            WorkflowError::NotAssigned {
                case, department, ..
            } => {
                format!("案件 {case} 未派遣给部门 {department}")
            }
            WorkflowError::Invalid { field, message, .. } => {
                format!("字段 {field} 有误：{message}")
            }
            WorkflowError::TimeBackwards { .. } => "操作时间早于案件的上一步".to_owned(),
            WorkflowError::AlreadyRated { case } => format!("案件 {case} 已回访评价"),
            WorkflowError::AlreadyEscalated { case, current, .. } => {
                format!("案件 {case} 已升级到第 {current} 级")
            }
        }
    }
}

/// The Chinese name of an action (as in the module docs' table).
pub fn action_zh(action: &str) -> &'static str {
    match action {
        "report" => "上报",
        "register" => "立案",
        "reject" => "不予立案",
        "dispatch" => "派遣",
        "accept" => "签收",
        "return" => "退回",
        "reassign" => "改派",
        "feedback" => "处置反馈",
        "verify" => "核查",
        "close" => "结案",
        "suspend" => "挂起",
        "resume" => "恢复",
        "reopen" => "重启",
        "escalate" => "升级",
        "merge" => "并案",
        "merge_in" => "并入",
        "comment" => "备注",
        "satisfaction" => "回访",
        _ => "未知操作",
    }
}

fn role_zh(role: &str) -> &'static str {
    match role {
        "dispatcher" => "指挥中心",
        "handler" => "处置部门",
        "inspector" => "监督员",
        "reporter" => "上报人",
        "system" => "系统",
        _ => "未知角色",
    }
}

/// A step's result: the state to store and the entry to append to the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The new state.
    pub state: CaseState,
    /// What happened.
    pub entry: TimelineEntry,
}

/// A case being reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// The case number the engine gave.
    pub id: String,
    /// Where it came from.
    pub source: Source,
    /// Category code.
    pub category: String,
    /// The origin's own reference: the alarm id, the hotline ticket, the Open311 request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// Urgency; default: the category's ([`CategoryTree::default_urgency`](crate::CategoryTree::default_urgency)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// Region code (GB/T 2260 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Grid id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// WGS84 longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// WGS84 latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
}

impl NewCase {
    /// A case with just an id, a source and a category.
    pub fn new(id: impl Into<String>, source: Source, category: impl Into<String>) -> NewCase {
        NewCase {
            id: id.into(),
            source,
            category: category.into(),
            source_ref: None,
            urgency: None,
            region: None,
            grid: None,
            lon: None,
            lat: None,
        }
    }
}

type Res<T> = std::result::Result<T, WorkflowError>;

fn invalid(action: &'static str, field: &'static str, message: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        action,
        field,
        message: message.into(),
    }
}

fn text(action: &'static str, field: &'static str, v: &str, max: usize) -> Res<()> {
    if v.trim().is_empty() {
        return Err(invalid(action, field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(invalid(action, field, format!("at most {max} characters")));
    }
    Ok(())
}

/// Opens a case: status reported, register deadline set. Anyone may report (a hotline operator
/// as dispatcher, an inspector or grid worker, a citizen as reporter, an alarm as system).
pub fn report(new: NewCase, by: &Actor, now_ms: i64, policy: &Policy) -> Res<Step> {
    const A: &str = "report";
    text(A, "id", &new.id, 64)?;
    if let Some(r) = &new.source_ref {
        text(A, "source_ref", r, 128)?;
    }
    if !policy.categories().contains(&new.category) {
        return Err(invalid(
            A,
            "category",
            format!("no category `{}`", new.category),
        ));
    }
    match (new.lon, new.lat) {
        (None, None) => {}
        (Some(lon), Some(lat)) => {
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                return Err(invalid(A, "lon", "lon/lat out of range"));
            }
        }
        _ => return Err(invalid(A, "lat", "give both lon and lat, or neither")),
    }
    if let Some(r) = &new.region {
        if r.is_empty() || r.len() > 12 || !r.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(A, "region", "a GB/T 2260 code: up to 12 digits"));
        }
    }
    let urgency = new
        .urgency
        .unwrap_or_else(|| policy.categories().default_urgency(&new.category));
    let mut state = CaseState {
        id: new.id,
        status: Status::Reported,
        source: new.source,
        source_ref: new.source_ref,
        category: new.category,
        urgency,
        region: new.region,
        grid: new.grid,
        lon: new.lon,
        lat: new.lat,
        department: None,
        co_departments: Vec::new(),
        created_ms: now_ms,
        registered_ms: None,
        dispatched_ms: None,
        accepted_ms: None,
        handled_ms: None,
        verified_ms: None,
        closed_ms: None,
        updated_ms: now_ms,
        deadlines: Deadlines::default(),
        suspension: None,
        suspended_total_ms: 0,
        escalation_level: 0,
        rework_count: 0,
        reopen_count: 0,
        satisfaction: None,
        merged_into: None,
        merged_cases: Vec::new(),
    };
    state.deadlines.register_ms = Some(policy.due_ms(&state, Stage::Register, now_ms));
    let entry = TimelineEntry {
        case_id: state.id.clone(),
        at_ms: now_ms,
        actor: by.clone(),
        action: A.into(),
        from: Status::Reported,
        to: Status::Reported,
        department: None,
        note: None,
        data: serde_json::json!({
            "source": state.source,
            "category": state.category,
            "urgency": state.urgency,
        }),
    };
    Ok(Step { state, entry })
}

/// Takes one step (see the [module docs](self) for the table).
pub fn apply(
    case: &CaseState,
    action: Action,
    by: &Actor,
    now_ms: i64,
    policy: &Policy,
) -> Res<Step> {
    let name = action.name();
    if now_ms < case.updated_ms {
        return Err(WorkflowError::TimeBackwards {
            action: name,
            now_ms,
            last_ms: case.updated_ms,
        });
    }
    let Some(rule) = transition(name) else {
        // Every action has a row; a test checks it.
        return Err(invalid(name, "action", "no transition"));
    };
    if !rule.from.contains(&case.status) {
        return Err(WorkflowError::NotAllowed {
            action: name,
            status: case.status,
        });
    }
    check_actor(case, rule, by)?;

    let from = case.status;
    let mut s = case.clone();
    let mut department = match by {
        Actor::Handler { department, .. } => Some(department.clone()),
        _ => case.department.clone(),
    };
    let mut note: Option<String> = None;
    match &action {
        Action::Register { category, urgency } => {
            if let Some(c) = category {
                if !policy.categories().contains(c) {
                    return Err(invalid(name, "category", format!("no category `{c}`")));
                }
                s.category = c.clone();
            }
            if let Some(u) = urgency {
                s.urgency = *u;
            }
            s.status = S::Registered;
            s.registered_ms.get_or_insert(now_ms);
            s.deadlines.dispatch_ms = Some(policy.due_ms(&s, Stage::Dispatch, now_ms));
        }
        Action::Reject { reason } => {
            text(name, "reason", reason, 500)?;
            note = Some(reason.clone());
            s.status = S::Rejected;
        }
        Action::Dispatch {
            department: d,
            note: n,
        } => {
            text(name, "department", d, 64)?;
            note = n.clone();
            s.department = Some(d.clone());
            s.co_departments.retain(|c| c != d);
            department = Some(d.clone());
            s.status = S::Dispatched;
            s.dispatched_ms = Some(now_ms);
            s.accepted_ms = None;
            s.deadlines.handle_ms = Some(policy.due_ms(&s, Stage::Handle, now_ms));
        }
        Action::Accept => {
            s.status = S::Handling;
            s.accepted_ms = Some(now_ms);
        }
        Action::Return { reason } => {
            text(name, "reason", reason, 500)?;
            note = Some(reason.clone());
            s.status = S::Registered;
            s.department = None;
            s.co_departments.clear();
            s.accepted_ms = None;
            s.deadlines.handle_ms = None;
            s.deadlines.escalation_ms = None;
            s.deadlines.dispatch_ms = Some(policy.due_ms(&s, Stage::Dispatch, now_ms));
        }
        Action::Reassign {
            department: d,
            reason,
        } => {
            text(name, "department", d, 64)?;
            text(name, "reason", reason, 500)?;
            if case.department.as_deref() == Some(d.as_str()) {
                return Err(invalid(
                    name,
                    "department",
                    format!("the case is already assigned to `{d}`"),
                ));
            }
            note = Some(reason.clone());
            s.department = Some(d.clone());
            s.co_departments.retain(|c| c != d);
            department = Some(d.clone());
            s.status = S::Dispatched;
            s.dispatched_ms = Some(now_ms);
            s.accepted_ms = None;
            s.deadlines.handle_ms = Some(policy.due_ms(&s, Stage::Handle, now_ms));
            s.deadlines.escalation_ms = None;
        }
        Action::Feedback {
            note: n,
            attachments,
        } => {
            text(name, "note", n, 2000)?;
            if attachments.len() > 50 {
                return Err(invalid(name, "attachments", "at most 50"));
            }
            for a in attachments {
                text(name, "attachments", a, 200)?;
            }
            note = Some(n.clone());
            s.status = S::Handled;
            s.handled_ms = Some(now_ms);
            s.deadlines.verify_ms = Some(policy.due_ms(&s, Stage::Verify, now_ms));
        }
        Action::Verify { passed, note: n } => {
            if let Some(n) = n {
                text(name, "note", n, 2000)?;
            }
            note = n.clone();
            if *passed {
                s.status = S::Verified;
                s.verified_ms = Some(now_ms);
            } else {
                if n.is_none() {
                    return Err(invalid(name, "note", "say why the verification failed"));
                }
                s.status = S::Handling;
                s.rework_count += 1;
                s.deadlines.verify_ms = None;
                s.deadlines.handle_ms = Some(policy.due_ms(&s, Stage::Handle, now_ms));
            }
        }
        Action::Close { note: n } => {
            note = n.clone();
            s.status = S::Closed;
            s.closed_ms = Some(now_ms);
        }
        Action::Suspend { reason, until_ms } => {
            text(name, "reason", reason, 500)?;
            if until_ms.is_some_and(|u| u <= now_ms) {
                return Err(invalid(name, "until_ms", "must be after now"));
            }
            note = Some(reason.clone());
            s.suspension = Some(Suspension {
                resume_to: case.status,
                since_ms: now_ms,
                until_ms: *until_ms,
                reason: reason.clone(),
            });
            s.status = S::Suspended;
        }
        Action::Resume => {
            let Some(sus) = s.suspension.take() else {
                return Err(invalid(
                    name,
                    "suspension",
                    "the suspended case has no suspension record",
                ));
            };
            let d = now_ms.saturating_sub(sus.since_ms).max(0);
            s.suspended_total_ms = s.suspended_total_ms.saturating_add(d);
            shift(&mut s.deadlines, sus.resume_to, d);
            s.status = sus.resume_to;
        }
        Action::Reopen { reason } => {
            text(name, "reason", reason, 500)?;
            note = Some(reason.clone());
            s.status = S::Registered;
            s.reopen_count += 1;
            s.department = None;
            s.co_departments.clear();
            s.dispatched_ms = None;
            s.accepted_ms = None;
            s.handled_ms = None;
            s.verified_ms = None;
            s.closed_ms = None;
            s.satisfaction = None;
            s.registered_ms.get_or_insert(now_ms);
            s.deadlines = Deadlines {
                register_ms: case.deadlines.register_ms,
                dispatch_ms: Some(policy.due_ms(&s, Stage::Dispatch, now_ms)),
                ..Deadlines::default()
            };
        }
        Action::Escalate {
            to_department,
            level,
        } => {
            text(name, "to_department", to_department, 64)?;
            if !(1..=2).contains(level) {
                return Err(invalid(
                    name,
                    "level",
                    "1 (county department) or 2 (command center)",
                ));
            }
            if *level <= case.escalation_level {
                return Err(WorkflowError::AlreadyEscalated {
                    case: case.id.clone(),
                    current: case.escalation_level,
                    level: *level,
                });
            }
            if !s.involves(to_department) {
                s.co_departments.push(to_department.clone());
            }
            department = Some(to_department.clone());
            s.escalation_level = *level;
            if *level == 1 {
                s.deadlines.escalation_ms = Some(policy.due_ms(&s, Stage::Handle, now_ms));
            }
        }
        Action::Merge { into_case } => {
            text(name, "into_case", into_case, 64)?;
            if *into_case == case.id {
                return Err(invalid(
                    name,
                    "into_case",
                    "a case cannot be merged into itself",
                ));
            }
            s.status = S::Merged;
            s.merged_into = Some(into_case.clone());
        }
        Action::Comment { text: t } => {
            text(name, "text", t, 2000)?;
            note = Some(t.clone());
        }
        Action::Satisfaction { score, note: n } => {
            if !(1..=5).contains(score) {
                return Err(invalid(name, "score", "1 to 5"));
            }
            if case.satisfaction.is_some() {
                return Err(WorkflowError::AlreadyRated {
                    case: case.id.clone(),
                });
            }
            if let Some(n) = n {
                text(name, "note", n, 2000)?;
            }
            note = n.clone();
            s.satisfaction = Some(Satisfaction {
                score: *score,
                note: n.clone(),
                at_ms: now_ms,
            });
        }
    }
    s.updated_ms = now_ms;
    let entry = TimelineEntry {
        case_id: s.id.clone(),
        at_ms: now_ms,
        actor: by.clone(),
        action: name.into(),
        from,
        to: s.status,
        department,
        note,
        data: serde_json::to_value(&action).unwrap_or(serde_json::Value::Null),
    };
    Ok(Step { state: s, entry })
}

fn check_actor(case: &CaseState, rule: &Transition, by: &Actor) -> Res<()> {
    let role = match by {
        Actor::Dispatcher { .. } => Dispatcher,
        Actor::Handler { .. } => Handler,
        Actor::Inspector { .. } => Inspector,
        Actor::Reporter => Reporter,
        Actor::System => System,
    };
    if !rule.who.contains(&role) {
        let allowed: Vec<&str> = rule.who.iter().map(|r| role_name(*r)).collect();
        return Err(WorkflowError::WrongActor {
            action: rule.action,
            role: by.role(),
            allowed: allowed.join(", "),
        });
    }
    if let Actor::Handler { department, .. } = by {
        let ok = match rule.handlers {
            Assigned => case.department.as_deref() == Some(department.as_str()),
            Involved => case.involves(department),
        };
        if !ok {
            return Err(WorkflowError::NotAssigned {
                action: rule.action,
                case: case.id.clone(),
                department: department.clone(),
            });
        }
    }
    Ok(())
}

fn role_name(r: Role) -> &'static str {
    match r {
        Dispatcher => "dispatcher",
        Handler => "handler",
        Inspector => "inspector",
        Reporter => "reporter",
        System => "system",
    }
}

/// Records on the master case that `duplicate` was merged into it (the engine applies
/// [`Action::Merge`] to the duplicate and this to the master). The master must be open and not
/// the duplicate itself; its status does not change.
pub fn absorb(master: &CaseState, duplicate: &str, by: &Actor, now_ms: i64) -> Res<Step> {
    const A: &str = "merge_in";
    if now_ms < master.updated_ms {
        return Err(WorkflowError::TimeBackwards {
            action: A,
            now_ms,
            last_ms: master.updated_ms,
        });
    }
    if !master.status.is_open() {
        return Err(WorkflowError::NotAllowed {
            action: A,
            status: master.status,
        });
    }
    if !matches!(by, Actor::Dispatcher { .. } | Actor::System) {
        return Err(WorkflowError::WrongActor {
            action: A,
            role: by.role(),
            allowed: "dispatcher, system".into(),
        });
    }
    text(A, "duplicate", duplicate, 64)?;
    if duplicate == master.id || master.merged_cases.iter().any(|c| c == duplicate) {
        return Err(invalid(
            A,
            "duplicate",
            format!("`{duplicate}` is this case or already merged in"),
        ));
    }
    let mut s = master.clone();
    s.merged_cases.push(duplicate.to_owned());
    s.updated_ms = now_ms;
    let entry = TimelineEntry {
        case_id: s.id.clone(),
        at_ms: now_ms,
        actor: by.clone(),
        action: A.into(),
        from: master.status,
        to: master.status,
        department: master.department.clone(),
        note: None,
        data: serde_json::json!({ "case": duplicate }),
    };
    Ok(Step { state: s, entry })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_row() {
        let names = [
            "register",
            "reject",
            "dispatch",
            "accept",
            "return",
            "reassign",
            "feedback",
            "verify",
            "close",
            "suspend",
            "resume",
            "reopen",
            "escalate",
            "merge",
            "comment",
            "satisfaction",
        ];
        assert_eq!(TRANSITIONS.len(), names.len());
        for n in names {
            assert_eq!(
                TRANSITIONS.iter().filter(|t| t.action == n).count(),
                1,
                "{n}"
            );
        }
    }

    #[test]
    fn the_documented_table_is_the_data() {
        let src = include_str!("workflow.rs");
        for t in TRANSITIONS {
            let line = src
                .lines()
                .find(|l| l.starts_with(&format!("//! | `{}`", t.action)))
                .unwrap_or_else(|| panic!("no doc row for {}", t.action));
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (from, to, who) = (cells[2], cells[3], cells[4]);
            if t.from.len() == Status::ALL.len() {
                assert_eq!(from, "any");
            } else {
                for s in t.from {
                    assert!(
                        from.contains(s.as_str()),
                        "{}: {from} lacks {}",
                        t.action,
                        s.as_str()
                    );
                }
                assert_eq!(
                    from.matches(", ").count() + 1,
                    t.from.len(),
                    "{}: {from}",
                    t.action
                );
            }
            if let Target::To(s) = t.to {
                assert!(to.starts_with(s.as_str()), "{}: {to}", t.action);
            }
            for r in t.who {
                let name = role_name(*r);
                assert!(
                    who.contains(name) || who.starts_with("anyone"),
                    "{}: {who} lacks {name}",
                    t.action
                );
            }
        }
    }

    #[test]
    fn actions_round_trip_as_json() {
        let a: Action = serde_json::from_str(
            r#"{"action": "feedback", "note": "已清理", "attachments": ["p1"]}"#,
        )
        .unwrap();
        assert_eq!(
            a,
            Action::Feedback {
                note: "已清理".into(),
                attachments: vec!["p1".into()]
            }
        );
        assert_eq!(
            serde_json::to_string(&Action::Accept).unwrap(),
            r#"{"action":"accept"}"#
        );
        let e = serde_json::from_str::<Action>(r#"{"action": "reject", "reason": "x", "why": 1}"#)
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `why`"), "{e}");
        let who: Actor =
            serde_json::from_str(r#"{"role": "handler", "department": "d", "user": "u"}"#).unwrap();
        assert_eq!(who.role(), "handler");
    }

    #[test]
    fn errors_have_codes_and_chinese() {
        let e = WorkflowError::NotAllowed {
            action: "close",
            status: Status::Handling,
        };
        assert_eq!(e.code(), "not_allowed");
        assert_eq!(e.message_zh(), "案件处于「处置中」状态，不能执行「结案」");
        let e = WorkflowError::WrongActor {
            action: "verify",
            role: "handler",
            allowed: "inspector, dispatcher".into(),
        };
        assert_eq!(e.message_zh(), "「核查」不能由处置部门执行");
        for t in TRANSITIONS {
            assert_ne!(action_zh(t.action), "未知操作", "{}", t.action);
        }
    }

    #[test]
    fn report_validates() {
        let p = Policy::builtin();
        let by = Actor::System;
        let mut n = NewCase::new("A1", Source::Alarm, "NOPE");
        assert_eq!(
            report(n.clone(), &by, 0, &p).unwrap_err().to_string(),
            "action `report`, field `category`: no category `NOPE`"
        );
        n.category = "C01-01".into();
        n.lon = Some(118.0);
        assert!(report(n.clone(), &by, 0, &p)
            .unwrap_err()
            .to_string()
            .contains("field `lat`"));
        n.lat = Some(36.0);
        n.region = Some("3713x".into());
        assert!(report(n.clone(), &by, 0, &p)
            .unwrap_err()
            .to_string()
            .contains("field `region`"));
        n.region = Some("371323".into());
        let s = report(n, &by, 1000, &p).unwrap();
        // 井盖 defaults to urgent: register within 30 minutes.
        assert_eq!(s.state.urgency, Urgency::Urgent);
        assert_eq!(s.state.deadlines.register_ms, Some(1000 + 30 * 60_000));
        assert_eq!(s.entry.action, "report");
    }
}
