//! Monthly progress of the key tasks (the 21 key works of the Yiyuan plan) over HTTP against
//! the real binary, on SQLite and PostgreSQL: a department reports on its own task and not on
//! another's, the percent does not go down (but for an admin), the `overdue` and `not_reported`
//! flags against deadlines before and after the month, contact phones masked for other
//! departments, and the reminders per lead department.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(key_task_progress);

fn row<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("task {id} missing from {board}"))
}

fn has_unit(r: &Value, dep: &str) -> bool {
    ["lead", "partners"]
        .iter()
        .any(|k| r[*k].as_array().unwrap().iter().any(|u| u["id"] == dep))
}

async fn key_task_progress(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    for (id, name) in [
        ("bigdata", "县大数据中心"),
        ("police", "县公安局"),
        ("industry-it", "县工业和信息化局"),
    ] {
        post(&api, &admin, "departments", json!({"id": id, "name": name})).await;
    }
    for (user, role, dep) in [
        ("bd1", "department", Some("bigdata")),
        ("pol1", "department", Some("police")),
        ("it1", "department", Some("industry-it")),
        ("view1", "viewer", None),
        ("op1", "operator", None),
    ] {
        post(
            &api,
            &admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }
    let bd = login(base, "bd1", "bd1-password").await;
    let pol = login(base, "pol1", "pol1-password").await;
    let it = login(base, "it1", "it1-password").await;
    let view = login(base, "view1", "view1-password").await;
    let op = login(base, "op1", "op1-password").await;
    let progress = |task: &str| format!("{api}/tasks/{task}/progress");
    let board = |q: &str| format!("{api}/tasks?{q}");

    // key-11 (led by bigdata, police a partner) is due by 2021-10; key-03 (bigdata) by
    // 2022-10; key-01 is industry-it's.
    let report = |period: &str, percent: i64| {
        json!({"period": period, "percent": percent, "narrative": "平台建设推进中",
               "person": "王五", "contact": "13812345678"})
    };
    let (st, r1) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2021-09", 40)),
    )
    .await;
    assert_eq!(st, 201, "{r1}");
    assert_eq!(r1["department"], "bigdata");
    assert_eq!(r1["reported_by"], "bd1");
    assert_eq!(r1["number"], "11");
    assert_eq!(r1["percent"], 40);
    assert_eq!(r1["contact"], "13812345678");
    assert_eq!(r1["contact_masked"], false);

    // Not on another department's task; viewers never.
    let (st, b) = call(
        "POST",
        &progress("key-01"),
        &bd,
        Some(report("2021-09", 10)),
    )
    .await;
    assert_eq!(st, 403, "{b}");
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &view,
        Some(report("2021-09", 50)),
    )
    .await;
    assert_eq!(st, 403, "{b}");
    let (st, b) = call(
        "POST",
        &progress("key-99"),
        &bd,
        Some(report("2021-09", 50)),
    )
    .await;
    assert_eq!(st, 404, "{b}");
    // Bad input: percent out of range, a month not begun, no person.
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2021-09", 101)),
    )
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2999-01", 50)),
    )
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(json!({"period": "2021-09", "percent": 50, "person": " ", "contact": "1"})),
    )
    .await;
    assert_eq!(st, 422, "{b}");

    // The percent does not go down for a department user (nor an operator) …
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2021-11", 30)),
    )
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = call(
        "POST",
        &progress("key-11"),
        &op,
        Some(report("2021-11", 30)),
    )
    .await;
    assert_eq!(st, 422, "{b}");
    // … and goes up.
    let (st, r2) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2021-11", 60)),
    )
    .await;
    assert_eq!(st, 201, "{r2}");
    // A partner department reports too.
    let (st, r3) = call(
        "POST",
        &progress("key-11"),
        &pol,
        Some(json!({"period": "2021-11", "percent": 60, "person": "赵六",
                    "contact": "13900001111"})),
    )
    .await;
    assert_eq!(st, 201, "{r3}");
    assert_eq!(r3["department"], "police");

    // The department's board: its own tasks only.
    let (st, b) = call("GET", &board("period=2021-11"), &bd, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["period"], "2021-11");
    let tasks = b["tasks"].as_array().unwrap();
    assert!(!tasks.is_empty() && tasks.len() < 21, "{b}");
    assert!(tasks.iter().all(|r| has_unit(r, "bigdata")), "{b}");
    assert!(tasks.iter().all(|r| r["id"] != "key-01"));
    // Deadline passed (2021-10 < 2021-11), 60 %: overdue, reported this month.
    let k11 = row(&b, "key-11");
    assert_eq!(k11["percent"], 60);
    assert_eq!(k11["overdue"], true);
    assert_eq!(k11["not_reported"], false);
    assert_eq!(k11["reported_this_period"], true);
    // Deadline ahead (2022-10): not overdue, but not reported this month.
    let k03 = row(&b, "key-03");
    assert_eq!(k03["overdue"], false);
    assert_eq!(k03["not_reported"], true);
    assert_eq!(k03["latest"], Value::Null);
    assert_eq!(k03["percent"], 0);
    assert_eq!(b["total"], tasks.len());
    // In the deadline's own month key-11 is not overdue yet, and that month has no report.
    let (st, b) = call("GET", &board("period=2021-10"), &bd, None).await;
    assert_eq!(st, 200, "{b}");
    let k11 = row(&b, "key-11");
    assert_eq!(
        (&k11["overdue"], &k11["not_reported"], &k11["percent"]),
        (&json!(false), &json!(true), &json!(40))
    );
    // A department does not ask for everything.
    let (st, b) = call("GET", &board("all=true"), &bd, None).await;
    assert_eq!(st, 403, "{b}");
    // A month not begun.
    let (st, b) = call("GET", &board("period=2999-01"), &op, None).await;
    assert_eq!(st, 422, "{b}");

    // Everyone else sees all 21; after 2022-10 every unfinished dated task is overdue.
    let (st, b) = call("GET", &board("period=2022-11&all=true"), &view, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["tasks"].as_array().unwrap().len(), 21);
    let k01 = row(&b, "key-01");
    assert_eq!(
        (&k01["overdue"], &k01["not_reported"]),
        (&json!(true), &json!(true))
    );
    // key-08 is ongoing work: never overdue.
    assert_eq!(row(&b, "key-08")["overdue"], false);
    // The viewer sees the phone masked.
    let latest = &row(&b, "key-11")["latest"];
    assert_eq!(latest["contact_masked"], true, "{latest}");
    assert_eq!(latest["contact"], "139****1111");

    // History: masked for another department's reports, plain for one's own.
    let (st, h) = call("GET", &progress("key-11"), &pol, None).await;
    assert_eq!(st, 200, "{h}");
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    for r in h {
        let own = r["department"] == "police";
        assert_eq!(r["contact_masked"], !own, "{r}");
        let want = if own { "13900001111" } else { "138****5678" };
        assert_eq!(r["contact"], want, "{r}");
    }
    let (st, h) = call("GET", &progress("key-11"), &bd, None).await;
    assert_eq!(st, 200);
    let masked: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["contact"].clone())
        .collect();
    assert_eq!(
        masked,
        vec![
            json!("139****1111"),
            json!("13812345678"),
            json!("13812345678")
        ]
    );
    let (st, h) = call("GET", &progress("key-11"), &op, None).await;
    assert_eq!(st, 200);
    assert!(h
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["contact_masked"] == false));
    // Not another department's task.
    let (st, b) = call("GET", &progress("key-11"), &it, None).await;
    assert_eq!(st, 403, "{b}");

    // Reminders: per lead department, for the big-data center only.
    let (st, b) = call(
        "GET",
        &format!("{api}/tasks/reminders?period=2021-11"),
        &bd,
        None,
    )
    .await;
    assert_eq!(st, 403, "{b}");
    let (st, rem) = call(
        "GET",
        &format!("{api}/tasks/reminders?period=2021-11"),
        &op,
        None,
    )
    .await;
    assert_eq!(st, 200, "{rem}");
    let of = |dep: &str| -> Vec<(String, bool, bool)> {
        rem["reminders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["department"] == dep)
            .unwrap_or_else(|| panic!("no reminder for {dep}: {rem}"))["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap().to_string(),
                    t["overdue"].as_bool().unwrap(),
                    t["not_reported"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let bigdata = of("bigdata");
    assert!(
        bigdata.contains(&("key-11".into(), true, false)),
        "{bigdata:?}"
    );
    assert!(
        bigdata.contains(&("key-03".into(), false, true)),
        "{bigdata:?}"
    );
    assert!(of("industry-it").contains(&("key-01".into(), false, true)));
    // Police is only a partner of key-11: no reminder of it to police.
    assert!(rem["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["department"] == "police")
        .all(|r| r["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != "key-11")));

    // An admin may lower the percent (a correction); by default for the first lead unit.
    let (st, r4) = call(
        "POST",
        &progress("key-11"),
        &admin,
        Some(report("2021-11", 20)),
    )
    .await;
    assert_eq!(st, 201, "{r4}");
    assert_eq!(r4["department"], "bigdata");
    // Finished: neither flag, this month or later.
    let (st, r5) = call(
        "POST",
        &progress("key-11"),
        &bd,
        Some(report("2021-12", 100)),
    )
    .await;
    assert_eq!(st, 201, "{r5}");
    for period in ["2021-12", "2022-03"] {
        let (st, b) = call("GET", &board(&format!("period={period}")), &bd, None).await;
        assert_eq!(st, 200, "{b}");
        let k11 = row(&b, "key-11");
        assert_eq!(
            (&k11["overdue"], &k11["not_reported"]),
            (&json!(false), &json!(false))
        );
        assert!(b["finished"].as_u64().unwrap() >= 1);
    }
    let (st, rem) = call(
        "GET",
        &format!("{api}/tasks/reminders?period=2022-03"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{rem}");
    assert!(!rem.to_string().contains("\"key-11\""), "{rem}");
}
