//! Key-task packs: Yiyuan's 21 key works and Yishui's task book.

use std::collections::BTreeSet;

use zhicheng_scorecard::{Error, Pack, TaskPack};

fn seed(name: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seeds")
        .join(name);
    std::fs::read_to_string(&path)
        .map_err(|_| eprintln!("skipping: {} not found", path.display()))
        .ok()
}

#[test]
fn yiyuan_has_21_key_works_with_units_and_deadlines() {
    let p = TaskPack::builtin_yiyuan();
    assert_eq!(p.tasks.len(), 21);
    let numbers: Vec<String> = p.tasks.iter().map(|t| t.number.clone()).collect();
    assert_eq!(numbers, (1..=21).map(|n| n.to_string()).collect::<Vec<_>>());
    for t in &p.tasks {
        assert_eq!(t.category, "key");
        assert!(!t.lead.is_empty());
        assert!(t
            .text
            .ends_with(&format!("({})", t.responsibility.as_deref().unwrap())));
    }
    let t11 = &p.tasks[10];
    assert_eq!(t11.title, "数字沂源综合运营指挥中心");
    assert_eq!(t11.deadline.as_deref(), Some("2021-10"));
    assert_eq!(t11.lead[0].id.as_deref(), Some("bigdata"));
    let partners: Vec<Option<&str>> = t11.partners.iter().map(|u| u.id.as_deref()).collect();
    assert_eq!(
        partners,
        [Some("emergency"), Some("police"), Some("urban-mgmt"), None]
    );
    // Task 8 is ongoing work.
    assert_eq!(p.tasks[7].deadline, None);
    assert_eq!(p.tasks[7].deadline_text, "持续推进");
    assert_eq!(
        p.tasks
            .iter()
            .filter(|t| t.deadline.as_deref() == Some("2022-10"))
            .count(),
        19
    );
    // Task 16 has no partner units.
    assert!(p.tasks[15].partners.is_empty());
    assert_eq!(p.tasks[15].lead[0].id.as_deref(), Some("eco-env"));
    // Linked indicators exist in the county pack.
    let county = Pack::builtin_county();
    for t in &p.tasks {
        for n in &t.indicators {
            assert!(county.indicator(*n).is_some(), "{} → #{n}", t.id);
        }
    }
    let unmapped: BTreeSet<String> = p.unmapped_units().into_iter().map(|(_, n)| n).collect();
    let expected: BTreeSet<String> = [
        "县铁塔公司",
        "县联通公司",
        "县移动公司",
        "县电信公司",
        "县广电网络公司",
        "县直有关部门、单位",
        "有关部门、单位",
        "各镇、街道",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(unmapped, expected);
}

#[test]
fn yishui_has_8_required_tasks_and_its_local_features() {
    let p = TaskPack::builtin_yishui();
    let required: Vec<&str> = p
        .tasks
        .iter()
        .filter(|t| t.category == "required")
        .map(|t| t.number.as_str())
        .collect();
    assert_eq!(required, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(p.tasks.iter().filter(|t| t.category == "local").count(), 12);
    for t in &p.tasks {
        assert_eq!(t.lead[0].name, "沂水县大数据发展服务中心");
        assert!(t.lead[0].id.is_none());
        assert!(t.text.contains(&t.title));
    }
    let r8 = p.tasks.iter().find(|t| t.id == "r8").unwrap();
    assert!(r8.text.contains("不低于 70%") && r8.text.contains("80%以上"));
    assert_eq!(
        p.tasks
            .iter()
            .find(|t| t.id == "r6")
            .unwrap()
            .deadline
            .as_deref(),
        Some("2021-10")
    );
}

#[test]
fn task_texts_are_verbatim() {
    if let Some(plan) = seed("yiyuan-implementation-plan.txt") {
        let lines: BTreeSet<&str> = plan.lines().map(str::trim).collect();
        for t in &TaskPack::builtin_yiyuan().tasks {
            assert!(lines.contains(t.text.as_str()), "{}", t.id);
            assert!(lines.contains(t.section.as_str()), "{}", t.id);
            assert!(
                lines.contains(format!("{}.{}", t.number, t.title).as_str()),
                "{}",
                t.id
            );
        }
    }
    if let Some(book) = seed("yishui-task-book.txt") {
        for t in &TaskPack::builtin_yishui().tasks {
            for s in [
                &t.text,
                &t.section,
                &t.deadline_text,
                t.responsibility.as_ref().unwrap(),
            ] {
                assert!(book.contains(s.as_str()), "{}: {s}", t.id);
            }
        }
    }
}

#[test]
fn malformed_task_packs_name_the_task() {
    let mut v: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&TaskPack::builtin_yiyuan()).unwrap()).unwrap();
    v["tasks"][3]["deadline"] = "2022年10月".into();
    match TaskPack::from_json(v.to_string().as_bytes()) {
        Err(Error::InvalidTask { id, field, .. }) => {
            assert_eq!((id.as_str(), field.as_str()), ("key-04", "deadline"))
        }
        other => panic!("{other:?}"),
    }
    v["tasks"][3]["deadline"] = "2022-13".into();
    assert!(TaskPack::from_json(v.to_string().as_bytes()).is_err());
    v["tasks"][3]["deadline"] = serde_json::Value::Null;
    v["tasks"][3]["owner"] = "x".into();
    assert!(matches!(
        TaskPack::from_json(v.to_string().as_bytes()),
        Err(Error::Parse { .. })
    ));
    v["tasks"][3].as_object_mut().unwrap().remove("owner");
    v["tasks"][4]["id"] = "key-04".into();
    match TaskPack::from_json(v.to_string().as_bytes()) {
        Err(Error::InvalidTask { id, field, .. }) => {
            assert_eq!((id.as_str(), field.as_str()), ("key-04", "id"))
        }
        other => panic!("{other:?}"),
    }
}
