//! Monthly progress of the key tasks over HTTP against the real binary, on SQLite and
//! PostgreSQL.
//!
//! - `key_task_progress` (the 21 key works of the Yiyuan plan): a department reports on its own
//!   task and not on another's, the percent does not go down (but for an admin), the `overdue`
//!   and `not_reported` flags against deadlines before and after the month, contact phones
//!   masked for other departments, and the reminders per lead department.
//! - `progress_evidence`: evidence files on progress reports — upload and download, 415 and 413,
//!   refused for another department's task or report, listed in the history and on the board.
//! - `both_task_packs`: the Yishui pack beside Yiyuan's — the pack list, a board and progress of
//!   its own, its units marked as the big-data center's, and `scorecard.task_pack` choosing the
//!   default pack after a restart.

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(key_task_progress, progress_evidence, both_task_packs);

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
    // …and the responsible person's name too (surname only).
    let person = latest["person"].as_str().unwrap();
    assert!(
        person.ends_with('*') && person.chars().count() >= 2,
        "{latest}"
    );

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
        assert_eq!(r["person"].as_str().unwrap().contains('*'), !own, "{r}");
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

/// Registers departments and users (password `<name>-password`) and signs them in.
async fn people(
    base: &str,
    admin: &str,
    departments: &[(&str, &str)],
    users: &[(&str, &str, Option<&str>)],
) -> Vec<String> {
    let api = format!("{base}/api/v1");
    for (id, name) in departments {
        post(&api, admin, "departments", json!({"id": id, "name": name})).await;
    }
    let mut tokens = Vec::new();
    for (user, role, dep) in users {
        post(
            &api,
            admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
        tokens.push(login(base, user, &format!("{user}-password")).await);
    }
    tokens
}

async fn progress_evidence(backend: Backend) {
    let Some((dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let t = people(
        base,
        &admin,
        &[
            ("bigdata", "县大数据中心"),
            ("police", "县公安局"),
            ("industry-it", "县工业和信息化局"),
        ],
        &[
            ("bd1", "department", Some("bigdata")),
            ("pol1", "department", Some("police")),
            ("it1", "department", Some("industry-it")),
            ("view1", "viewer", None),
            ("op1", "operator", None),
        ],
    )
    .await;
    let (bd, pol, it, view, op) = (&t[0], &t[1], &t[2], &t[3], &t[4]);
    let report = |percent: i64| {
        json!({"period": "2021-11", "percent": percent, "narrative": "平台建设推进中",
               "person": "王五", "contact": "13812345678"})
    };
    // key-11: bigdata leads, police partners; industry-it has nothing to do with it.
    let (st, p1) = call(
        "POST",
        &format!("{api}/tasks/key-11/progress"),
        bd,
        Some(report(40)),
    )
    .await;
    assert_eq!(st, 201, "{p1}");
    assert_eq!(p1["evidence"], json!([]));
    let id1 = p1["id"].as_i64().unwrap();
    let (st, p2) = call(
        "POST",
        &format!("{api}/tasks/key-11/progress"),
        pol,
        Some(report(45)),
    )
    .await;
    assert_eq!(st, 201, "{p2}");
    let id2 = p2["id"].as_i64().unwrap();
    let ev_url = |task: &str, id: i64| format!("{api}/tasks/{task}/progress/{id}/evidence");

    // Two files on bigdata's report, by bigdata.
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let (st, e1) = upload(
        &format!("{}?name=%E8%BF%9B%E5%B1%95.pdf", ev_url("key-11", id1)),
        bd,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 201, "{e1}");
    assert_eq!(e1["file_name"], "进展.pdf");
    assert_eq!(e1["progress"], id1);
    assert_eq!(e1["content_type"], "application/pdf");
    assert_eq!(e1["size"], pdf.len());
    assert_eq!(e1["uploaded_by"], "bd1");
    let sha = e1["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    // Stored by content, where submission evidence goes.
    let stored = dir.path().join("evidence").join(&sha[..2]).join(sha);
    assert_eq!(std::fs::read(&stored).unwrap(), pdf);
    let (st, e2) = upload(
        &format!("{}?name=site.png", ev_url("key-11", id1)),
        bd,
        "image/png",
        png.clone(),
    )
    .await;
    assert_eq!(st, 201, "{e2}");
    let (eid1, eid2) = (e1["id"].as_i64().unwrap(), e2["id"].as_i64().unwrap());

    // Refused: a type not accepted, bytes not of the declared type, too large, no name.
    let (st, e) = upload(
        &format!("{}?name=a.txt", ev_url("key-11", id1)),
        bd,
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(st, 415, "{e}");
    assert_eq!(e["error"]["code"], "unsupported_type");
    let (st, e) = upload(
        &format!("{}?name=a.pdf", ev_url("key-11", id1)),
        bd,
        "application/pdf",
        png.clone(),
    )
    .await;
    assert_eq!(st, 415, "{e}");
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let (st, e) = upload(
        &format!("{}?name=big.pdf", ev_url("key-11", id1)),
        bd,
        "application/pdf",
        big,
    )
    .await;
    assert_eq!(st, 413, "{e}");
    assert_eq!(e["error"]["code"], "too_large");
    let (st, e) = upload(&ev_url("key-11", id1), bd, "application/pdf", pdf.clone()).await;
    assert_eq!(st, 422, "{e}");

    // Who may attach: not another department's task, not another department's report, not a
    // viewer; the operator may.
    let named = |task: &str, id: i64| format!("{}?name=x.pdf", ev_url(task, id));
    for (who, url, want) in [
        (it, named("key-11", id1), 403),
        (pol, named("key-11", id1), 403),
        (view, named("key-11", id1), 403),
        (bd, named("key-11", id2), 403),
        // The report belongs to another task, or to no task at all.
        (bd, named("key-03", id1), 404),
        (bd, named("key-11", id1 + id2 + 100), 404),
        (bd, named("key-99", id1), 404),
        // key-11 is not a Yishui task.
        (bd, format!("{}&pack=yishui", named("key-11", id1)), 404),
        (bd, format!("{}&pack=linyi", named("key-11", id1)), 422),
    ] {
        let (st, e) = upload(&url, who, "application/pdf", pdf.clone()).await;
        assert_eq!(st, want, "{url}: {e}");
    }
    let (st, e3) = upload(&named("key-11", id2), op, "application/pdf", pdf.clone()).await;
    assert_eq!(st, 201, "{e3}");
    assert_eq!(e3["uploaded_by"], "op1");
    let eid3 = e3["id"].as_i64().unwrap();

    // Download: whoever reads the task's progress (its departments, viewers, the center).
    for who in [bd, pol, view, op, &admin] {
        let (st, ct, bytes) = download(&format!("{}/{eid1}", ev_url("key-11", id1)), who).await;
        assert_eq!((st, ct.as_str()), (200, "application/pdf"));
        assert_eq!(bytes, pdf);
    }
    let (st, ct, bytes) = download(&format!("{}/{eid2}", ev_url("key-11", id1)), pol).await;
    assert_eq!((st, ct.as_str(), bytes), (200, "image/png", png.clone()));
    let (st, _, _) = download(&format!("{}/{eid1}", ev_url("key-11", id1)), it).await;
    assert_eq!(st, 403);
    // An evidence id of another report, a report of another task: 404.
    let (st, _, _) = download(&format!("{}/{eid3}", ev_url("key-11", id1)), op).await;
    assert_eq!(st, 404);
    let (st, _, _) = download(&format!("{}/{eid1}", ev_url("key-03", id1)), op).await;
    assert_eq!(st, 404);
    let (st, _, _) = download(&format!("{}/abc", ev_url("key-11", id1)), op).await;
    assert_eq!(st, 404);

    // The history lists each report's files in upload order; the board's latest report too.
    let (st, h) = call("GET", &format!("{api}/tasks/key-11/progress"), pol, None).await;
    assert_eq!(st, 200, "{h}");
    let files = |r: &Value| -> Vec<i64> {
        r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2);
    let of = |id: i64| h.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(files(of(id1)), vec![eid1, eid2]);
    assert_eq!(files(of(id2)), vec![eid3]);
    assert_eq!(of(id1)["evidence"][0]["file_name"], "进展.pdf");
    assert!(of(id1)["evidence"][0].get("path").is_none());
    let (st, b) = call("GET", &format!("{api}/tasks?period=2021-11"), bd, None).await;
    assert_eq!(st, 200, "{b}");
    let latest = &row(&b, "key-11")["latest"];
    assert_eq!(latest["id"], id2, "{latest}");
    assert_eq!(files(latest), vec![eid3]);
    assert_eq!(row(&b, "key-03")["latest"], Value::Null);
}

async fn both_task_packs(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = srv.base.clone();
    let api = format!("{base}/api/v1");
    let t = people(
        &base,
        &admin,
        &[
            ("bigdata", "县大数据中心"),
            ("industry-it", "县工业和信息化局"),
        ],
        &[
            ("bd1", "department", Some("bigdata")),
            ("it1", "department", Some("industry-it")),
            ("op1", "operator", None),
            ("view1", "viewer", None),
        ],
    )
    .await;
    let (bd, it, op, view) = (&t[0], &t[1], &t[2], &t[3]);

    // The packs: Yiyuan's 21 key works (the default) and the Yishui book, every task of which
    // its big-data center leads.
    let (st, packs) = call("GET", &format!("{api}/tasks/packs"), bd, None).await;
    assert_eq!(st, 200, "{packs}");
    let packs = packs.as_array().unwrap().clone();
    let keys: Vec<_> = packs.iter().map(|p| p["key"].clone()).collect();
    assert_eq!(keys, vec![json!("yiyuan"), json!("yishui")]);
    let (yy, ys) = (&packs[0], &packs[1]);
    assert_eq!((&yy["tasks"], &yy["default"]), (&json!(21), &json!(true)));
    assert_eq!(yy["id"], "yiyuan-2021-key-tasks");
    assert_eq!(yy["categories"]["key"], 21);
    assert_eq!(yy["center_tasks"], 0);
    assert_eq!(ys["default"], false);
    let ys_tasks = ys["tasks"].as_u64().unwrap();
    assert!(ys_tasks > 0);
    assert_eq!(ys["center_tasks"], ys_tasks);
    assert_eq!(
        ys["categories"]["required"].as_u64().unwrap()
            + ys["categories"]["local"].as_u64().unwrap(),
        ys_tasks
    );

    // The Yishui board, for the big-data center: every lead unit is the center's.
    let board = |q: &str| format!("{api}/tasks?{q}");
    let (st, b) = call("GET", &board("pack=yishui&period=2021-11"), op, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!((&b["key"], &b["pack"]), (&json!("yishui"), &ys["id"]));
    assert_eq!(b["total"], ys_tasks);
    let r6 = row(&b, "r6");
    assert_eq!(r6["center_reports"], true);
    assert_eq!(r6["lead"][0]["center"], true);
    assert_eq!(r6["lead"][0]["id"], Value::Null);
    // r6 is due by 2021-10: overdue in 2021-11, and nothing reported.
    assert_eq!(
        (&r6["overdue"], &r6["not_reported"]),
        (&json!(true), &json!(true))
    );
    // Yiyuan's units map to departments; unmapped partners are not the center's.
    let (st, y) = call("GET", &board("period=2021-11&all=true"), op, None).await;
    assert_eq!(st, 200, "{y}");
    assert_eq!((&y["key"], &y["total"]), (&json!("yiyuan"), &json!(21)));
    let k01 = row(&y, "key-01");
    assert_eq!(k01["center_reports"], false);
    assert!(k01["partners"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["center"] == false));

    // Progress on Yishui's r6 by the center (the operator) …
    let report = |percent: i64| {
        json!({"period": "2021-11", "percent": percent, "person": "李四",
               "contact": "13700001111"})
    };
    let ys_progress = |task: &str| format!("{api}/tasks/{task}/progress?pack=yishui");
    let (st, p) = call("POST", &ys_progress("r6"), op, Some(report(70))).await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(p["pack"], ys["id"]);
    assert_eq!(p["department"], Value::Null);
    // … not by a department (none maps to a Yishui unit), not into the other pack.
    let (st, e) = call("POST", &ys_progress("r6"), bd, Some(report(80))).await;
    assert_eq!(st, 403, "{e}");
    let (st, e) = call(
        "POST",
        &format!("{api}/tasks/r6/progress"),
        op,
        Some(report(80)),
    )
    .await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = call("POST", &ys_progress("key-01"), it, Some(report(10))).await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = call("GET", &format!("{api}/tasks?pack=linyi&all=true"), op, None).await;
    assert_eq!(st, 422, "{e}");
    // Yiyuan's key-01 by its department.
    let (st, k) = call(
        "POST",
        &format!("{api}/tasks/key-01/progress?pack=yiyuan"),
        it,
        Some(report(20)),
    )
    .await;
    assert_eq!(st, 201, "{k}");
    assert_eq!(k["pack"], "yiyuan-2021-key-tasks");

    // Each board shows its own reports only.
    let (st, b) = call("GET", &board("pack=yishui&period=2021-11"), view, None).await;
    assert_eq!(st, 200, "{b}");
    let r6 = row(&b, "r6");
    assert_eq!(r6["percent"], 70);
    assert_eq!(
        (&r6["overdue"], &r6["not_reported"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(r6["latest"]["contact_masked"], true);
    let reported: Vec<_> = b["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["latest"].is_null())
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(reported, vec![json!("r6")]);
    let (st, y) = call(
        "GET",
        &board("pack=yiyuan-2021-key-tasks&period=2021-11&all=true"),
        view,
        None,
    )
    .await;
    assert_eq!(st, 200, "{y}");
    let reported: Vec<_> = y["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["latest"].is_null())
        .map(|r| (r["id"].clone(), r["percent"].clone()))
        .collect();
    assert_eq!(reported, vec![(json!("key-01"), json!(20))]);
    let (st, h) = call("GET", &ys_progress("r6"), view, None).await;
    assert_eq!(st, 200, "{h}");
    assert_eq!(h.as_array().unwrap().len(), 1);
    // A department has no Yishui task: an empty board, and no history.
    let (st, b) = call("GET", &board("pack=yishui&period=2021-11"), bd, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["total"], 0);
    let (st, e) = call("GET", &ys_progress("r6"), bd, None).await;
    assert_eq!(st, 403, "{e}");
    // Evidence on a Yishui report goes through its pack.
    let pid = p["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.7\n%%EOF\n".to_vec();
    let url = format!("{api}/tasks/r6/progress/{pid}/evidence?pack=yishui&name=r6.pdf");
    let (st, e) = upload(&url, op, "application/pdf", pdf.clone()).await;
    assert_eq!(st, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    let (st, _, bytes) = download(
        &format!("{api}/tasks/r6/progress/{pid}/evidence/{eid}?pack=yishui"),
        view,
    )
    .await;
    assert_eq!((st, bytes), (200, pdf));
    let (st, _, _) = download(
        &format!("{api}/tasks/r6/progress/{pid}/evidence/{eid}"),
        view,
    )
    .await;
    assert_eq!(st, 404);

    // Reminders per pack: the Yishui ones go to the center's unit.
    let (st, rem) = call(
        "GET",
        &format!("{api}/tasks/reminders?pack=yishui&period=2021-11"),
        op,
        None,
    )
    .await;
    assert_eq!(st, 200, "{rem}");
    assert_eq!(rem["key"], "yishui");
    let list = rem["reminders"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|r| r["center"] == true && r["department"].is_null()));
    assert!(list.iter().any(|r| r["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == "r6" && t["overdue"] == true && t["not_reported"] == false)));

    // `scorecard.task_pack = "yishui"` makes Yishui the default after a restart; the reports
    // are kept.
    let config = srv.config.clone();
    let dir = srv.dir.clone();
    drop(srv);
    let mut text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("[scorecard]"), "{text}");
    text.push_str("\n[scorecard]\ntask_pack = \"yishui\"\n");
    std::fs::write(&config, text).unwrap();
    let srv = restart(&dir, &config);
    let api = format!("{}/api/v1", srv.base);
    let op = login(&srv.base, "op1", "op1-password").await;
    let (st, b) = call("GET", &format!("{api}/tasks?period=2021-11"), &op, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["key"], "yishui");
    assert_eq!(row(&b, "r6")["percent"], 70);
    let (st, packs) = call("GET", &format!("{api}/tasks/packs"), &op, None).await;
    assert_eq!(st, 200);
    assert_eq!(packs[1]["default"], true);
    assert_eq!(packs[0]["default"], false);
    let (st, h) = call("GET", &format!("{api}/tasks/r6/progress"), &op, None).await;
    assert_eq!(st, 200, "{h}");
    assert_eq!(h[0]["evidence"][0]["id"], eid);
}
