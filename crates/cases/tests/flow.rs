//! One case through the whole flow on a controlled clock, the side roads (return, reassign,
//! reject and reopen, suspend, merge, level-2 escalation), and every refusal, table-driven.

use zhicheng_cases::workflow::{transition, Role, TRANSITIONS};
use zhicheng_cases::{
    absorb, apply, candidates, due_times, escalation_due, overdue, report, resume_due, stats,
    Action, Actor, CaseState, DupParams, GroupBy, Level, NewCase, Overdue, Policy, RoutingTable,
    Source, Stage, Status, Step, TimelineEntry, Urgency, WorkflowError,
};

const MIN: i64 = 60_000;
const H: i64 = 60 * MIN;
/// 2026-11-30 08:00 in Beijing.
const T0: i64 = 1_796_000_400_000;

fn routing(policy: &Policy) -> RoutingTable {
    RoutingTable::from_json(
        r#"{"command_center": "ccc", "entries": [
            {"category": "E05", "region_prefix": "371323", "department": "county-cgj", "level": "county"},
            {"category": "E05", "region_prefix": "371323101", "department": "town-101", "level": "town"},
            {"category": "E05", "region_prefix": "371323102", "department": "town-102", "level": "town"},
            {"category": "E01", "region_prefix": "371323", "department": "county-hw", "level": "county"}
        ]}"#,
        policy.categories(),
    )
    .unwrap()
}

fn desk() -> Actor {
    Actor::Dispatcher {
        user: "op-01".into(),
    }
}
fn handler(d: &str) -> Actor {
    Actor::Handler {
        department: d.into(),
        user: format!("{d}-u1"),
    }
}
fn inspector() -> Actor {
    Actor::Inspector {
        user: "jdy-07".into(),
    }
}

/// A case and its timeline, stepped through the workflow.
struct Case {
    state: CaseState,
    timeline: Vec<TimelineEntry>,
}

impl Case {
    fn open(new: NewCase, by: &Actor, at: i64, p: &Policy) -> Case {
        let Step { state, entry } = report(new, by, at, p).unwrap();
        Case {
            state,
            timeline: vec![entry],
        }
    }
    fn step(&mut self, a: Action, by: &Actor, at: i64, p: &Policy) -> &CaseState {
        let Step { state, entry } =
            apply(&self.state, a, by, at, p).unwrap_or_else(|e| panic!("step at {at}: {e}"));
        self.state = state;
        self.timeline.push(entry);
        &self.state
    }
    fn try_step(&self, a: Action, by: &Actor, at: i64, p: &Policy) -> Result<Step, WorkflowError> {
        apply(&self.state, a, by, at, p)
    }
}

fn vending(id: &str) -> NewCase {
    let mut n = NewCase::new(id, Source::Citizen, "E05-02"); // 占道经营, normal
    n.region = Some("371323101001".into());
    n.grid = Some("G-101-01".into());
    n.lon = Some(118.63);
    n.lat = Some(35.79);
    n
}

fn register() -> Action {
    Action::Register {
        category: None,
        urgency: None,
    }
}
fn dispatch(d: &str) -> Action {
    Action::Dispatch {
        department: d.into(),
        note: None,
    }
}
fn feedback(note: &str) -> Action {
    Action::Feedback {
        note: note.into(),
        attachments: vec!["photo-after-1".into()],
    }
}

#[test]
fn whole_flow_with_town_calling_county() {
    let p = Policy::builtin();
    let r = routing(&p);
    let mut c = Case::open(vending("AJ-001"), &Actor::Reporter, T0, &p);
    assert_eq!(c.state.status, Status::Reported);
    assert_eq!(c.state.urgency, Urgency::Normal);
    assert_eq!(c.state.deadlines.register_ms, Some(T0 + 2 * H));

    c.step(register(), &desk(), T0 + 30 * MIN, &p);
    assert_eq!(c.state.deadlines.dispatch_ms, Some(T0 + 90 * MIN));
    assert_eq!(c.state.registered_ms, Some(T0 + 30 * MIN));

    // The place decides: town 101's office.
    let route = r
        .route(
            &c.state.category,
            c.state.grid.as_deref(),
            c.state.region.as_deref(),
        )
        .unwrap();
    assert_eq!(
        (route.department.as_str(), route.level),
        ("town-101", Level::Town)
    );
    c.step(dispatch(&route.department), &desk(), T0 + H, &p);
    let handle_due = T0 + H + 72 * H;
    assert_eq!(c.state.deadlines.handle_ms, Some(handle_due));
    c.step(Action::Accept, &handler("town-101"), T0 + 2 * H, &p);
    assert_eq!(c.state.status, Status::Handling);
    assert_eq!(c.state.accepted_ms, Some(T0 + 2 * H));

    // At the deadline nothing yet; one millisecond later it is overdue and escalates.
    assert_eq!(overdue(&c.state, handle_due), None);
    assert_eq!(escalation_due(&c.state, &r, handle_due), None);
    let late = handle_due + 1;
    assert_eq!(
        overdue(&c.state, late),
        Some(Overdue {
            stage: Stage::Handle,
            due_ms: handle_due,
            late_ms: 1
        })
    );
    let esc = escalation_due(&c.state, &r, late).unwrap();
    assert_eq!(
        esc,
        Action::Escalate {
            to_department: "county-cgj".into(),
            level: 1
        }
    );
    // The timer may ask again before applying: same answer.
    assert_eq!(escalation_due(&c.state, &r, late + MIN), Some(esc.clone()));
    c.step(esc.clone(), &Actor::System, late, &p);
    assert_eq!(c.state.status, Status::Handling);
    assert_eq!(c.state.co_departments, ["county-cgj"]);
    assert_eq!(c.state.escalation_level, 1);
    assert_eq!(c.state.deadlines.escalation_ms, Some(late + 72 * H));
    assert_eq!(escalation_due(&c.state, &r, late + MIN), None);
    assert_eq!(
        c.try_step(esc, &Actor::System, late + MIN, &p).unwrap_err(),
        WorkflowError::AlreadyEscalated {
            case: "AJ-001".into(),
            current: 1,
            level: 1
        }
    );
    let e = c.timeline.last().unwrap();
    assert_eq!(e.department.as_deref(), Some("county-cgj"));
    assert_eq!(e.actor, Actor::System);

    // The county department now sees and may act on it, but it is not the one to return it.
    c.step(
        Action::Comment {
            text: "县城管局已介入".into(),
        },
        &handler("county-cgj"),
        late + H,
        &p,
    );
    assert!(matches!(
        c.try_step(
            Action::Return { reason: "x".into() },
            &handler("county-cgj"),
            late + H,
            &p
        ),
        Err(WorkflowError::NotAssigned {
            action: "return",
            ..
        })
    ));

    let t_fb1 = T0 + 80 * H;
    c.step(feedback("已劝离"), &handler("county-cgj"), t_fb1, &p);
    assert_eq!(c.state.status, Status::Handled);
    assert_eq!(c.state.deadlines.verify_ms, Some(t_fb1 + 24 * H));
    assert_eq!(overdue(&c.state, t_fb1 + H), None);

    // Verification fails: rework, a new handle deadline.
    let t_v1 = T0 + 81 * H;
    c.step(
        Action::Verify {
            passed: false,
            note: Some("仍有摊位".into()),
        },
        &inspector(),
        t_v1,
        &p,
    );
    assert_eq!(c.state.status, Status::Handling);
    assert_eq!(c.state.rework_count, 1);
    assert_eq!(c.state.deadlines.handle_ms, Some(t_v1 + 72 * H));
    assert_eq!(c.state.deadlines.verify_ms, None);

    c.step(feedback("已取缔"), &handler("town-101"), T0 + 90 * H, &p);
    c.step(
        Action::Verify {
            passed: true,
            note: None,
        },
        &inspector(),
        T0 + 91 * H,
        &p,
    );
    assert_eq!(c.state.status, Status::Verified);
    c.step(Action::Close { note: None }, &desk(), T0 + 92 * H, &p);
    assert_eq!(c.state.status, Status::Closed);
    assert_eq!(c.state.closed_ms, Some(T0 + 92 * H));
    assert_eq!(overdue(&c.state, T0 + 1000 * H), None);

    c.step(
        Action::Satisfaction {
            score: 5,
            note: Some("满意".into()),
        },
        &Actor::Reporter,
        T0 + 100 * H,
        &p,
    );
    assert_eq!(c.state.satisfaction.as_ref().unwrap().score, 5);
    assert_eq!(
        c.try_step(
            Action::Satisfaction {
                score: 1,
                note: None
            },
            &Actor::Reporter,
            T0 + 101 * H,
            &p
        )
        .unwrap_err(),
        WorkflowError::AlreadyRated {
            case: "AJ-001".into()
        }
    );

    // The timeline: every step, timed, attributed, with its statuses.
    let steps: Vec<(&str, Status, Status)> = c
        .timeline
        .iter()
        .map(|e| (e.action.as_str(), e.from, e.to))
        .collect();
    use Status::*;
    assert_eq!(
        steps,
        [
            ("report", Reported, Reported),
            ("register", Reported, Registered),
            ("dispatch", Registered, Dispatched),
            ("accept", Dispatched, Handling),
            ("escalate", Handling, Handling),
            ("comment", Handling, Handling),
            ("feedback", Handling, Handled),
            ("verify", Handled, Handling),
            ("feedback", Handling, Handled),
            ("verify", Handled, Verified),
            ("close", Verified, Closed),
            ("satisfaction", Closed, Closed),
        ]
    );
    assert!(c.timeline.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    assert_eq!(c.timeline[2].department.as_deref(), Some("town-101"));
    assert_eq!(c.timeline[6].department.as_deref(), Some("county-cgj"));
    assert_eq!(c.timeline[6].data["attachments"][0], "photo-after-1");
    assert_eq!(c.timeline[7].note.as_deref(), Some("仍有摊位"));

    // Statistics: handled (T0+90h) before the handle deadline in force (T0+153h), but the case
    // was escalated for being overdue on the way: not on time; handling time from registration
    // (T0+30min) to closing (T0+92h).
    let g = stats(
        &[c.state.brief()],
        GroupBy::Department,
        p.categories(),
        T0 + 200 * H,
    );
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].key.as_str(), g[0].closed, g[0].closed_on_time),
        ("town-101", 1, 0)
    );
    assert_eq!(g[0].on_time_rate, Some(0.0));
    assert_eq!(g[0].mean_handling_ms, Some(92 * H - 30 * MIN));
    assert_eq!(g[0].rework_count, 1);
    assert_eq!((g[0].rated, g[0].mean_satisfaction), (1, Some(5.0)));
}

#[test]
fn level_two_after_the_county_misses_too_and_never_again() {
    let p = Policy::builtin();
    let r = routing(&p);
    let mut c = Case::open(vending("AJ-002"), &Actor::Reporter, T0, &p);
    c.step(register(), &desk(), T0, &p);
    c.step(dispatch("town-101"), &desk(), T0, &p);
    let t1 = T0 + 72 * H + 1;
    let a = escalation_due(&c.state, &r, t1).unwrap();
    c.step(a, &Actor::System, t1, &p);
    // The county has one more 72 hours.
    assert_eq!(escalation_due(&c.state, &r, t1 + 72 * H), None);
    let t2 = t1 + 72 * H + 1;
    let a = escalation_due(&c.state, &r, t2).unwrap();
    assert_eq!(
        a,
        Action::Escalate {
            to_department: "ccc".into(),
            level: 2
        }
    );
    c.step(a, &Actor::System, t2, &p);
    assert_eq!(c.state.co_departments, ["county-cgj", "ccc"]);
    assert_eq!(c.state.escalation_level, 2);
    assert_eq!(escalation_due(&c.state, &r, t2 + 1000 * H), None);

    // A county department that is late goes straight to the command center.
    let mut d = Case::open(vending("AJ-003"), &Actor::Reporter, T0, &p);
    d.step(register(), &desk(), T0, &p);
    d.step(dispatch("county-cgj"), &desk(), T0, &p);
    assert_eq!(
        escalation_due(&d.state, &r, T0 + 72 * H + 1),
        Some(Action::Escalate {
            to_department: "ccc".into(),
            level: 2
        })
    );
    // An automatic alarm keeps the alarm's id; a department routing does not know escalates
    // to the command center too.
    let mut alarm = vending("AJ-004");
    alarm.source = Source::Alarm;
    alarm.source_ref = Some("alarm-7781".into());
    let mut e = Case::open(alarm, &Actor::System, T0, &p);
    assert_eq!(e.state.source_ref.as_deref(), Some("alarm-7781"));
    e.step(register(), &desk(), T0, &p);
    e.step(dispatch("somebody"), &desk(), T0, &p);
    assert!(matches!(
        escalation_due(&e.state, &r, T0 + 72 * H + 1),
        Some(Action::Escalate { level: 2, .. })
    ));
    // Not in the handle stage: no escalation however late.
    let f = Case::open(vending("AJ-005"), &Actor::Reporter, T0, &p);
    assert_eq!(escalation_due(&f.state, &r, T0 + 1000 * H), None);
    assert_eq!(
        overdue(&f.state, T0 + 2 * H + 1).unwrap().stage,
        Stage::Register
    );
}

#[test]
fn return_and_reassign() {
    let p = Policy::builtin();
    let mut c = Case::open(vending("AJ-010"), &Actor::Reporter, T0, &p);
    c.step(register(), &desk(), T0, &p);
    c.step(dispatch("town-102"), &desk(), T0 + H, &p);
    // Not theirs: back to the command center, the dispatch clock restarts.
    c.step(
        Action::Return {
            reason: "不在本辖区".into(),
        },
        &handler("town-102"),
        T0 + 2 * H,
        &p,
    );
    assert_eq!(c.state.status, Status::Registered);
    assert_eq!(c.state.department, None);
    assert_eq!(c.state.deadlines.dispatch_ms, Some(T0 + 3 * H));
    assert_eq!(c.state.deadlines.handle_ms, None);
    assert_eq!(
        c.timeline.last().unwrap().department.as_deref(),
        Some("town-102")
    );

    c.step(dispatch("town-101"), &desk(), T0 + 3 * H, &p);
    assert!(matches!(
        c.try_step(Action::Accept, &handler("town-102"), T0 + 4 * H, &p),
        Err(WorkflowError::NotAssigned { .. })
    ));
    c.step(Action::Accept, &handler("town-101"), T0 + 4 * H, &p);

    // The dispatcher moves it: dispatched again, a new handle deadline, the old office is out.
    c.step(
        Action::Reassign {
            department: "county-cgj".into(),
            reason: "需执法".into(),
        },
        &desk(),
        T0 + 5 * H,
        &p,
    );
    assert_eq!(c.state.status, Status::Dispatched);
    assert_eq!(c.state.department.as_deref(), Some("county-cgj"));
    assert_eq!(c.state.accepted_ms, None);
    assert_eq!(c.state.deadlines.handle_ms, Some(T0 + 5 * H + 72 * H));
    assert!(matches!(
        c.try_step(Action::Accept, &handler("town-101"), T0 + 6 * H, &p),
        Err(WorkflowError::NotAssigned { .. })
    ));
    assert_eq!(
        c.try_step(
            Action::Reassign {
                department: "county-cgj".into(),
                reason: "x".into()
            },
            &desk(),
            T0 + 6 * H,
            &p
        )
        .unwrap_err()
        .to_string(),
        "action `reassign`, field `department`: the case is already assigned to `county-cgj`"
    );
    assert_eq!(c.timeline.len(), 7);
}

#[test]
fn reject_and_reopen() {
    let p = Policy::builtin();
    let mut c = Case::open(vending("AJ-020"), &Actor::Reporter, T0, &p);
    c.step(
        Action::Reject {
            reason: "非城管职责".into(),
        },
        &desk(),
        T0 + MIN,
        &p,
    );
    assert_eq!(c.state.status, Status::Rejected);
    assert!(!c.state.status.is_open());
    assert_eq!(overdue(&c.state, T0 + 100 * H), None);
    c.step(
        Action::Reopen {
            reason: "市民补充材料".into(),
        },
        &desk(),
        T0 + 10 * H,
        &p,
    );
    assert_eq!(c.state.status, Status::Registered);
    assert_eq!(c.state.reopen_count, 1);
    assert_eq!(c.state.registered_ms, Some(T0 + 10 * H));
    assert_eq!(c.state.deadlines.dispatch_ms, Some(T0 + 11 * H));

    // A closed case reopens too; its satisfaction and assignment go, its first registration stays.
    let mut d = Case::open(vending("AJ-021"), &Actor::Reporter, T0, &p);
    d.step(register(), &desk(), T0, &p);
    d.step(dispatch("town-101"), &desk(), T0, &p);
    d.step(Action::Accept, &handler("town-101"), T0, &p);
    d.step(feedback("ok"), &handler("town-101"), T0 + H, &p);
    d.step(
        Action::Verify {
            passed: true,
            note: None,
        },
        &desk(),
        T0 + 2 * H,
        &p,
    );
    d.step(Action::Close { note: None }, &desk(), T0 + 3 * H, &p);
    d.step(
        Action::Satisfaction {
            score: 2,
            note: None,
        },
        &desk(),
        T0 + 4 * H,
        &p,
    );
    d.step(
        Action::Reopen {
            reason: "又出现".into(),
        },
        &desk(),
        T0 + 5 * H,
        &p,
    );
    assert_eq!(d.state.satisfaction, None);
    assert_eq!(d.state.department, None);
    assert_eq!(d.state.closed_ms, None);
    assert_eq!(d.state.registered_ms, Some(T0));
    assert_eq!(d.timeline.len(), 9);
}

#[test]
fn suspension_moves_the_deadline() {
    let p = Policy::builtin();
    let r = routing(&p);
    let mut c = Case::open(vending("AJ-030"), &Actor::Reporter, T0, &p);
    c.step(register(), &desk(), T0, &p);
    c.step(dispatch("town-101"), &desk(), T0, &p);
    assert_eq!(c.state.deadlines.handle_ms, Some(T0 + 72 * H));
    c.step(
        Action::Suspend {
            reason: "等待产权单位确认".into(),
            until_ms: Some(T0 + 30 * H),
        },
        &desk(),
        T0 + 10 * H,
        &p,
    );
    assert_eq!(c.state.status, Status::Suspended);
    // While suspended the deadline slides with the clock, and nothing is overdue.
    assert_eq!(
        due_times(&c.state, T0 + 20 * H).handle_ms,
        Some(T0 + 82 * H)
    );
    assert_eq!(overdue(&c.state, T0 + 100 * H), None);
    assert_eq!(escalation_due(&c.state, &r, T0 + 100 * H), None);
    assert_eq!(resume_due(&c.state, T0 + 30 * H - 1), None);
    assert_eq!(resume_due(&c.state, T0 + 30 * H), Some(Action::Resume));
    c.step(Action::Resume, &Actor::System, T0 + 30 * H, &p);
    assert_eq!(c.state.status, Status::Dispatched);
    assert_eq!(c.state.suspension, None);
    assert_eq!(c.state.suspended_total_ms, 20 * H);
    // 72 h + 20 h suspended.
    assert_eq!(c.state.deadlines.handle_ms, Some(T0 + 92 * H));
    assert_eq!(
        due_times(&c.state, T0 + 40 * H).handle_ms,
        Some(T0 + 92 * H)
    );
    assert_eq!(overdue(&c.state, T0 + 92 * H), None);
    assert_eq!(overdue(&c.state, T0 + 92 * H + 1).unwrap().late_ms, 1);
    assert_eq!(
        escalation_due(&c.state, &r, T0 + 92 * H + 1),
        Some(Action::Escalate {
            to_department: "county-cgj".into(),
            level: 1
        })
    );
    // Suspending a handled case moves the verify deadline instead.
    c.step(Action::Accept, &handler("town-101"), T0 + 40 * H, &p);
    c.step(feedback("done"), &handler("town-101"), T0 + 41 * H, &p);
    assert_eq!(c.state.deadlines.verify_ms, Some(T0 + 65 * H));
    c.step(
        Action::Suspend {
            reason: "雨天".into(),
            until_ms: None,
        },
        &desk(),
        T0 + 42 * H,
        &p,
    );
    assert_eq!(resume_due(&c.state, T0 + 1000 * H), None);
    c.step(Action::Resume, &desk(), T0 + 45 * H, &p);
    assert_eq!(c.state.status, Status::Handled);
    assert_eq!(c.state.deadlines.verify_ms, Some(T0 + 68 * H));
    assert_eq!(c.state.deadlines.handle_ms, Some(T0 + 92 * H));
    assert_eq!(c.state.suspended_total_ms, 23 * H);
    assert_eq!(c.timeline.len(), 9);
}

#[test]
fn duplicates_and_merge() {
    let p = Policy::builtin();
    let master = Case::open(vending("AJ-040"), &Actor::Reporter, T0, &p);
    let mut dup = {
        let mut n = vending("AJ-041");
        n.lon = Some(118.6305); // about 45 m east
        Case::open(n, &Actor::Reporter, T0 + 20 * MIN, &p)
    };
    let params = DupParams {
        radius_m: 100.0,
        window_ms: 2 * H,
        same_category_subtree: false,
    };
    let found = candidates(
        &dup.state.brief(),
        &[master.state.brief(), dup.state.brief()],
        &params,
        p.categories(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "AJ-040");
    assert_eq!(found[0].dt_ms, 20 * MIN);
    assert!(
        (found[0].distance_m - 45.1).abs() < 0.5,
        "{}",
        found[0].distance_m
    );

    assert_eq!(
        dup.try_step(
            Action::Merge {
                into_case: "AJ-041".into()
            },
            &desk(),
            T0 + H,
            &p
        )
        .unwrap_err()
        .to_string(),
        "action `merge`, field `into_case`: a case cannot be merged into itself"
    );
    dup.step(
        Action::Merge {
            into_case: "AJ-040".into(),
        },
        &desk(),
        T0 + H,
        &p,
    );
    assert_eq!(dup.state.status, Status::Merged);
    assert_eq!(dup.state.merged_into.as_deref(), Some("AJ-040"));
    assert!(matches!(
        dup.try_step(register(), &desk(), T0 + 2 * H, &p),
        Err(WorkflowError::NotAllowed {
            action: "register",
            status: Status::Merged
        })
    ));
    assert!(matches!(
        dup.try_step(
            Action::Reopen { reason: "x".into() },
            &desk(),
            T0 + 2 * H,
            &p
        ),
        Err(WorkflowError::NotAllowed { .. })
    ));

    let s = absorb(&master.state, "AJ-041", &desk(), T0 + H).unwrap();
    assert_eq!(s.state.merged_cases, ["AJ-041"]);
    assert_eq!(s.state.status, Status::Reported);
    assert_eq!(s.entry.action, "merge_in");
    assert_eq!(s.entry.data["case"], "AJ-041");
    assert!(absorb(&s.state, "AJ-041", &desk(), T0 + H).is_err());
    assert!(absorb(&s.state, "AJ-040", &desk(), T0 + H).is_err());
    assert!(matches!(
        absorb(&s.state, "AJ-042", &Actor::Reporter, T0 + H),
        Err(WorkflowError::WrongActor { .. })
    ));

    // A merged case is no longer anybody's duplicate.
    let third = {
        let mut n = vending("AJ-042");
        n.lon = Some(118.6301);
        Case::open(n, &Actor::Reporter, T0 + 90 * MIN, &p)
    };
    let found = candidates(
        &third.state.brief(),
        &[s.state.brief(), dup.state.brief()],
        &params,
        p.categories(),
    );
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["AJ-040"]);
}

/// A state in `status`, assigned to town-101, for the refusal tables.
fn in_status(p: &Policy, status: Status) -> CaseState {
    let mut s = report(vending("AJ-T"), &Actor::Reporter, T0, p)
        .unwrap()
        .state;
    s.status = status;
    s.department = Some("town-101".into());
    s.co_departments = vec!["county-cgj".into()];
    if status == Status::Suspended {
        s.suspension = Some(zhicheng_cases::Suspension {
            resume_to: Status::Handling,
            since_ms: T0,
            until_ms: None,
            reason: "x".into(),
        });
    }
    s
}

fn samples() -> Vec<Action> {
    vec![
        register(),
        Action::Reject { reason: "r".into() },
        dispatch("town-101"),
        Action::Accept,
        Action::Return { reason: "r".into() },
        Action::Reassign {
            department: "town-102".into(),
            reason: "r".into(),
        },
        feedback("n"),
        Action::Verify {
            passed: true,
            note: None,
        },
        Action::Close { note: None },
        Action::Suspend {
            reason: "r".into(),
            until_ms: None,
        },
        Action::Resume,
        Action::Reopen { reason: "r".into() },
        Action::Escalate {
            to_department: "county-x".into(),
            level: 1,
        },
        Action::Merge {
            into_case: "AJ-OTHER".into(),
        },
        Action::Comment { text: "t".into() },
        Action::Satisfaction {
            score: 4,
            note: None,
        },
    ]
}

fn actor_of(role: Role) -> Actor {
    match role {
        Role::Dispatcher => desk(),
        Role::Handler => handler("town-101"),
        Role::Inspector => inspector(),
        Role::Reporter => Actor::Reporter,
        Role::System => Actor::System,
    }
}

const ROLES: [Role; 5] = [
    Role::Dispatcher,
    Role::Handler,
    Role::Inspector,
    Role::Reporter,
    Role::System,
];

#[test]
fn every_status_and_action_per_the_table() {
    let p = Policy::builtin();
    let mut allowed = 0;
    let mut refused = 0;
    for action in samples() {
        let rule = transition(action.name()).unwrap();
        for status in Status::ALL {
            let s = in_status(&p, status);
            let by = actor_of(rule.who[0]);
            let got = apply(&s, action.clone(), &by, T0 + H, &p);
            if rule.from.contains(&status) {
                let step = got.unwrap_or_else(|e| panic!("{} in {status}: {e}", action.name()));
                allowed += 1;
                if let zhicheng_cases::workflow::Target::To(want) = rule.to {
                    assert_eq!(step.state.status, want, "{} in {status}", action.name());
                }
                assert_eq!(step.entry.from, status);
            } else {
                assert_eq!(
                    got.unwrap_err(),
                    WorkflowError::NotAllowed {
                        action: rule.action,
                        status
                    },
                    "{} in {status}",
                    action.name()
                );
                refused += 1;
            }
        }
    }
    // 16 actions × 10 statuses; the allowed cells are the table's.
    let cells: usize = TRANSITIONS.iter().map(|t| t.from.len()).sum();
    assert_eq!(allowed, cells);
    assert_eq!(allowed + refused, 160);
    assert_eq!(allowed, 34);
}

#[test]
fn every_wrong_actor_is_refused() {
    let p = Policy::builtin();
    let mut n = 0;
    for action in samples() {
        let rule = transition(action.name()).unwrap();
        let s = in_status(&p, rule.from[0]);
        for role in ROLES {
            let got = apply(&s, action.clone(), &actor_of(role), T0 + H, &p);
            if rule.who.contains(&role) {
                assert!(got.is_ok(), "{} by {role:?}: {got:?}", action.name());
            } else {
                let err = got.unwrap_err();
                assert!(
                    matches!(&err, WorkflowError::WrongActor { action, role: r, .. }
                        if *action == rule.action && *r == actor_of(role).role()),
                    "{} by {role:?}: {err}",
                    action.name()
                );
                n += 1;
            }
        }
    }
    assert_eq!(
        n,
        16 * 5 - TRANSITIONS.iter().map(|t| t.who.len()).sum::<usize>()
    );
    let s = in_status(&p, Status::Reported);
    assert_eq!(
        apply(&s, register(), &handler("town-101"), T0, &p)
            .unwrap_err()
            .to_string(),
        "action `register` is not for a handler (allowed: dispatcher)"
    );
}

#[test]
fn handlers_of_other_departments_are_refused() {
    let p = Policy::builtin();
    // (action, status, department, allowed?): co-assigned county-cgj may accept, feed back and
    // comment, not return; town-999 may do nothing.
    let table = [
        (Action::Accept, Status::Dispatched, "county-cgj", true),
        (feedback("n"), Status::Handling, "county-cgj", true),
        (
            Action::Comment { text: "t".into() },
            Status::Handling,
            "county-cgj",
            true,
        ),
        (
            Action::Return { reason: "r".into() },
            Status::Handling,
            "county-cgj",
            false,
        ),
        (Action::Accept, Status::Dispatched, "town-999", false),
        (feedback("n"), Status::Handling, "town-999", false),
        (
            Action::Comment { text: "t".into() },
            Status::Closed,
            "town-999",
            false,
        ),
        (
            Action::Return { reason: "r".into() },
            Status::Dispatched,
            "town-999",
            false,
        ),
    ];
    for (action, status, dept, ok) in table {
        let name = action.name();
        let got = apply(&in_status(&p, status), action, &handler(dept), T0, &p);
        if ok {
            assert!(got.is_ok(), "{name} by {dept}: {got:?}");
        } else {
            assert_eq!(
                got.unwrap_err(),
                WorkflowError::NotAssigned {
                    action: name,
                    case: "AJ-T".into(),
                    department: dept.into()
                }
            );
        }
    }
}

#[test]
fn invalid_data_names_the_field() {
    let p = Policy::builtin();
    let table: Vec<(Status, Action, &str)> = vec![
        (
            Status::Reported,
            Action::Register {
                category: Some("X9".into()),
                urgency: None,
            },
            "action `register`, field `category`: no category `X9`",
        ),
        (
            Status::Reported,
            Action::Reject { reason: " ".into() },
            "action `reject`, field `reason`: must not be empty",
        ),
        (
            Status::Registered,
            dispatch(""),
            "action `dispatch`, field `department`: must not be empty",
        ),
        (
            Status::Handling,
            Action::Feedback {
                note: "ok".into(),
                attachments: vec!["".into()],
            },
            "action `feedback`, field `attachments`: must not be empty",
        ),
        (
            Status::Handled,
            Action::Verify {
                passed: false,
                note: None,
            },
            "action `verify`, field `note`: say why the verification failed",
        ),
        (
            Status::Handling,
            Action::Suspend {
                reason: "r".into(),
                until_ms: Some(T0),
            },
            "action `suspend`, field `until_ms`: must be after now",
        ),
        (
            Status::Handling,
            Action::Escalate {
                to_department: "c".into(),
                level: 3,
            },
            "action `escalate`, field `level`: 1 (county department) or 2 (command center)",
        ),
        (
            Status::Closed,
            Action::Satisfaction {
                score: 0,
                note: None,
            },
            "action `satisfaction`, field `score`: 1 to 5",
        ),
        (
            Status::Closed,
            Action::Satisfaction {
                score: 6,
                note: None,
            },
            "action `satisfaction`, field `score`: 1 to 5",
        ),
        (
            Status::Closed,
            Action::Comment {
                text: "长".repeat(2001),
            },
            "action `comment`, field `text`: at most 2000 characters",
        ),
    ];
    for (status, action, want) in table {
        let rule = transition(action.name()).unwrap();
        let got = apply(
            &in_status(&p, status),
            action,
            &actor_of(rule.who[0]),
            T0 + 1,
            &p,
        );
        assert_eq!(got.unwrap_err().to_string(), want);
    }
    // Time does not go back.
    let s = in_status(&p, Status::Reported);
    assert_eq!(
        apply(&s, register(), &desk(), T0 - 1, &p).unwrap_err(),
        WorkflowError::TimeBackwards {
            action: "register",
            now_ms: T0 - 1,
            last_ms: T0
        }
    );
}

#[test]
fn register_corrects_category_and_urgency() {
    let p = Policy::builtin();
    let mut c = Case::open(vending("AJ-050"), &desk(), T0, &p);
    c.step(
        Action::Register {
            category: Some("E04-01".into()), // 路面塌陷
            urgency: Some(Urgency::Emergency),
        },
        &desk(),
        T0 + 5 * MIN,
        &p,
    );
    assert_eq!(c.state.category, "E04-01");
    assert_eq!(c.state.urgency, Urgency::Emergency);
    assert_eq!(c.state.deadlines.dispatch_ms, Some(T0 + 15 * MIN));
    c.step(dispatch("county-zjj"), &desk(), T0 + 10 * MIN, &p);
    assert_eq!(c.state.deadlines.handle_ms, Some(T0 + 130 * MIN));
    assert_eq!(c.timeline[1].data["category"], "E04-01");
}

/// A deterministic random walk: thousands of steps by random actors; whatever is accepted keeps
/// the state consistent, and whatever is refused leaves it untouched.
#[test]
fn random_walk_keeps_the_invariants() {
    let p = Policy::builtin();
    let r = routing(&p);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    };
    let depts = ["town-101", "town-102", "county-cgj"];
    let mut accepted = 0;
    let mut seen = std::collections::BTreeSet::new();
    for case_no in 0..80 {
        let mut c = Case::open(vending(&format!("RW-{case_no}")), &Actor::Reporter, T0, &p);
        let mut now = T0;
        for _ in 0..150 {
            now += (next(6) as i64) * H;
            let d = depts[next(3)];
            let action = match next(17) {
                0 => register(),
                1 => Action::Reject { reason: "r".into() },
                2 => dispatch(d),
                3 => Action::Accept,
                4 => Action::Return { reason: "r".into() },
                5 => Action::Reassign {
                    department: d.into(),
                    reason: "r".into(),
                },
                6 => feedback("n"),
                7 => Action::Verify {
                    passed: next(2) == 0,
                    note: Some("n".into()),
                },
                8 => Action::Close { note: None },
                9 => Action::Suspend {
                    reason: "r".into(),
                    until_ms: None,
                },
                10 => Action::Resume,
                11 => Action::Reopen { reason: "r".into() },
                12 => escalation_due(&c.state, &r, now).unwrap_or(Action::Escalate {
                    to_department: d.into(),
                    level: 1 + next(2) as u8,
                }),
                13 => Action::Merge {
                    into_case: "RW-X".into(),
                },
                14 => Action::Comment { text: "t".into() },
                15 => Action::Satisfaction {
                    score: 1 + next(5) as u8,
                    note: None,
                },
                _ => Action::Accept,
            };
            let by = match next(6) {
                0 => desk(),
                1 => inspector(),
                2 => Actor::Reporter,
                3 => Actor::System,
                4 => handler(d),
                _ => handler(c.state.department.as_deref().unwrap_or("town-101")),
            };
            // Half the time, the step that moves the case on, by the right actor.
            let (action, by) = if next(2) == 0 {
                (action, by)
            } else {
                let own = handler(c.state.department.as_deref().unwrap_or("town-101"));
                match c.state.status {
                    Status::Reported => (register(), desk()),
                    Status::Registered => (dispatch(d), desk()),
                    Status::Dispatched => (Action::Accept, own),
                    Status::Handling => (feedback("n"), own),
                    Status::Handled => (
                        Action::Verify {
                            passed: next(3) > 0,
                            note: Some("n".into()),
                        },
                        inspector(),
                    ),
                    Status::Verified => (Action::Close { note: None }, desk()),
                    Status::Closed if c.state.satisfaction.is_none() => (
                        Action::Satisfaction {
                            score: 3,
                            note: None,
                        },
                        Actor::Reporter,
                    ),
                    Status::Suspended => (Action::Resume, Actor::System),
                    _ => (Action::Reopen { reason: "r".into() }, desk()),
                }
            };
            let before = c.state.clone();
            match c.try_step(action, &by, now, &p) {
                Ok(Step { state, entry }) => {
                    accepted += 1;
                    seen.insert(entry.action.clone());
                    assert_eq!((entry.from, entry.to), (before.status, state.status));
                    assert_eq!(entry.at_ms, now);
                    c.state = state;
                    c.timeline.push(entry);
                }
                Err(_) => assert_eq!(c.state, before),
            }
            let s = &c.state;
            assert_eq!(
                s.status == Status::Suspended,
                s.suspension.is_some(),
                "{s:?}"
            );
            assert_eq!(s.status == Status::Merged, s.merged_into.is_some());
            assert!(s.escalation_level <= 2);
            assert!(s.satisfaction.is_none() || s.status == Status::Closed);
            let working = [
                Status::Dispatched,
                Status::Handling,
                Status::Handled,
                Status::Verified,
            ];
            let at = s.suspension.as_ref().map_or(s.status, |x| x.resume_to);
            if working.contains(&at) {
                assert!(s.department.is_some(), "{s:?}");
            }
            if [
                Status::Reported,
                Status::Registered,
                Status::Dispatched,
                Status::Handling,
                Status::Handled,
            ]
            .contains(&s.status)
            {
                assert!(s.running_due_ms().is_some(), "{s:?}");
            }
            // Deadlines never come before the stage's start.
            if let (Some(reg), Some(due)) = (s.registered_ms, s.deadlines.dispatch_ms) {
                assert!(due > reg);
            }
            if s.status == Status::Merged {
                break;
            }
        }
        assert!(c.timeline.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    }
    assert!(accepted > 300, "{accepted}");
    // Every action was taken somewhere in the walk.
    assert_eq!(seen.len(), TRANSITIONS.len(), "{seen:?}");
}
