//! Smart communities and the 80 % rule (issue 5, county indicator #44) over HTTP against the
//! real binary, on SQLite and PostgreSQL.
//!
//! - `communities_and_the_80_percent_rule`: a county with five communities (社区) and two
//!   villages (村); three communities assessed at 85, 80 and 79.9, a fourth at 90 and then 70
//!   (the latest counts) → 2 smart of 5 → #44 = 40 %, met at four stars, from the assessments
//!   with its provenance. Villages and unknown regions are refused, as are departments that do
//!   not lead #44 and viewers; evidence upload and download.
//! - `community_coverage_falls_back_and_closes`: a month without assessments takes #44 from an
//!   approved submission (hybrid); a closed month refuses assessments and evidence (409).

#[macro_use]
mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    communities_and_the_80_percent_rule,
    community_coverage_falls_back_and_closes
);

const COMMUNITIES: [(&str, &str); 5] = [
    ("370323001001", "城里社区"),
    ("370323001002", "振兴社区"),
    ("370323001003", "南麻社区"),
    ("370323001004", "新城社区"),
    ("370323001005", "荆山社区"),
];
const VILLAGES: [(&str, &str); 2] = [("370323001201", "东里村"), ("370323001202", "西里村")];

/// The county, a street, five communities and two villages; #44's departments and their
/// users. Returns the tokens of (civil-affairs user, police user, viewer, operator).
async fn seed(base: &str, admin: &str) -> (String, String, String, String) {
    let api = format!("{base}/api/v1");
    post(
        &api,
        admin,
        "regions",
        json!({"code": "370323", "name": "沂源县"}),
    )
    .await;
    post(
        &api,
        admin,
        "regions",
        json!({"code": "370323001", "name": "南麻街道", "parent": "370323"}),
    )
    .await;
    for (code, name) in COMMUNITIES.iter().chain(&VILLAGES) {
        post(
            &api,
            admin,
            "regions",
            json!({"code": code, "name": name, "parent": "370323001"}),
        )
        .await;
    }
    for (id, name) in [
        ("political-legal", "县委政法委"),
        ("civil-affairs", "县民政局"),
        ("police", "县公安局"),
    ] {
        post(&api, admin, "departments", json!({"id": id, "name": name})).await;
    }
    for (user, role, dep) in [
        ("ca1", "department", Some("civil-affairs")),
        ("pol1", "department", Some("police")),
        ("view1", "viewer", None),
        ("op1", "operator", None),
    ] {
        post(
            &api,
            admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }
    (
        login(base, "ca1", "ca1-password").await,
        login(base, "pol1", "pol1-password").await,
        login(base, "view1", "view1-password").await,
        login(base, "op1", "op1-password").await,
    )
}

fn indicator(card: &Value, n: u64) -> &Value {
    card["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == n)
        .unwrap_or_else(|| panic!("no #{n}"))
}

/// The result of the provenance call `call` of a row.
fn call_result<'a>(row: &'a Value, call: &str) -> &'a Value {
    &row["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call"] == call)
        .unwrap_or_else(|| panic!("no call {call} in {}", row["provenance"]))["result"]
}

fn community<'a>(board: &'a Value, code: &str) -> &'a Value {
    board["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no community {code} in {board}"))
}

/// The month before `p` (`YYYY-MM`).
fn previous_month(p: &str) -> String {
    let (y, m): (i32, u32) = (p[..4].parse().unwrap(), p[5..].parse().unwrap());
    if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

async fn communities_and_the_80_percent_rule(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let (ca, pol, view, op) = seed(base, &admin).await;
    let assess = |code: &str| format!("{api}/scorecard/communities/{code}/assessments");

    // Before any assessment: #44 is hybrid with no data (nothing submitted either).
    let (st, card) = call("GET", &format!("{api}/scorecard?star=4"), &admin, None).await;
    assert_eq!(st, 200, "{card}");
    let period = card["period"].as_str().unwrap().to_string();
    let r44 = indicator(&card, 44);
    assert_eq!(r44["how"], "hybrid");
    assert_eq!(r44["status"], "no_data", "{r44}");
    assert_eq!(*call_result(r44, "input(smart_communities)"), Value::Null);

    let board_url = format!("{api}/scorecard/communities?period={period}");
    let (st, board) = call("GET", &board_url, &view, None).await;
    assert_eq!(st, 200, "{board}");
    assert_eq!(
        board["totals"],
        json!({"communities": 5, "assessed": 0, "smart": 0, "coverage": null})
    );
    assert_eq!(board["smart_line"], 80.0);
    assert_eq!(board["indicator"], 44);
    assert_eq!(board["may_assess"], false);
    let codes: Vec<&str> = board["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        COMMUNITIES.map(|c| c.0).to_vec(),
        "villages are not communities"
    );
    assert_eq!(community(&board, "370323001002")["latest"], Value::Null);
    assert_eq!(community(&board, "370323001002")["smart"], Value::Null);
    assert_eq!(community(&board, "370323001002")["name"], "振兴社区");

    // 85 by a lead department, 80 by an operator, 79.9 by the admin.
    let body = |weight: f64| json!({"period": period, "weight": weight, "note": "对照 DB37/T 3890.3 自评"});
    let (st, a1) = call("POST", &assess("370323001001"), &ca, Some(body(85.0))).await;
    assert_eq!(st, 201, "{a1}");
    assert_eq!(a1["department"], "civil-affairs");
    assert_eq!(a1["assessed_by"], "ca1");
    assert_eq!(a1["smart"], true);
    assert_eq!(a1["weight"], 85.0);
    assert_eq!(a1["evidence"], json!([]));
    let (st, a2) = call("POST", &assess("370323001002"), &op, Some(body(80.0))).await;
    assert_eq!(st, 201, "{a2}");
    assert_eq!(
        (a2["smart"].as_bool(), &a2["department"]),
        (Some(true), &Value::Null)
    );
    let (st, a3) = call("POST", &assess("370323001003"), &admin, Some(body(79.9))).await;
    assert_eq!(st, 201, "{a3}");
    assert_eq!(a3["smart"], false);
    // The latest of the month counts: 90, then 70.
    let (st, _) = call("POST", &assess("370323001004"), &ca, Some(body(90.0))).await;
    assert_eq!(st, 201);
    let (st, a4) = call("POST", &assess("370323001004"), &ca, Some(body(70.0))).await;
    assert_eq!(st, 201, "{a4}");

    // Refused: a village (422), an unknown region (404), a weight out of range and a month not
    // begun (422), a department that does not lead #44 and a viewer (403).
    let (st, e) = call("POST", &assess("370323001201"), &ca, Some(body(90.0))).await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("不是社区"),
        "{e}"
    );
    let (st, e) = call("POST", &assess("370323009999"), &ca, Some(body(90.0))).await;
    assert_eq!(st, 404, "{e}");
    let (st, e) = call("POST", &assess("370323001005"), &ca, Some(body(100.5))).await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = call(
        "POST",
        &assess("370323001005"),
        &ca,
        Some(json!({"period": "2999-01", "weight": 90})),
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = call("POST", &assess("370323001005"), &pol, Some(body(90.0))).await;
    assert_eq!(st, 403, "{e}");
    assert!(e["error"]["message_zh"].is_string(), "{e}");
    let (st, e) = call("POST", &assess("370323001005"), &view, Some(body(90.0))).await;
    assert_eq!(st, 403, "{e}");

    // 2 smart of 5 → 40 %.
    let (st, board) = call("GET", &board_url, &pol, None).await;
    assert_eq!(st, 200, "{board}");
    assert_eq!(
        board["totals"],
        json!({"communities": 5, "assessed": 4, "smart": 2, "coverage": 40.0})
    );
    assert_eq!(board["may_assess"], false);
    let c1 = community(&board, "370323001001");
    assert_eq!(
        (c1["smart"].as_bool(), &c1["latest"]["weight"]),
        (Some(true), &json!(85.0))
    );
    assert_eq!(c1["latest"]["assessed_by"], "ca1");
    assert_eq!(community(&board, "370323001002")["smart"], true);
    assert_eq!(community(&board, "370323001003")["smart"], false);
    let c4 = community(&board, "370323001004");
    assert_eq!(
        (c4["smart"].as_bool(), &c4["latest"]["weight"]),
        (Some(false), &json!(70.0))
    );
    assert_eq!(community(&board, "370323001005")["latest"], Value::Null);
    let (_, board) = call("GET", &board_url, &ca, None).await;
    assert_eq!(board["may_assess"], true);

    // #44 from the assessments, with the calls behind it.
    let (st, card) = call("GET", &format!("{api}/scorecard?star=4"), &view, None).await;
    assert_eq!(st, 200, "{card}");
    let r44 = indicator(&card, 44);
    assert_eq!(r44["value"], 40.0, "{r44}");
    assert_eq!(r44["status"], "met");
    assert_eq!(r44["source"], "auto");
    assert_eq!(*call_result(r44, "input(smart_communities)"), json!(2.0));
    assert_eq!(*call_result(r44, "input(communities)"), json!(5.0));
    assert!(r44.get("submission").is_none(), "{r44}");

    // The history, newest first.
    let (st, h) = call("GET", &assess("370323001004"), &view, None).await;
    assert_eq!(st, 200, "{h}");
    let weights: Vec<f64> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["weight"].as_f64().unwrap())
        .collect();
    assert_eq!(weights, vec![70.0, 90.0]);
    let (st, e) = call("GET", &assess("370323001202"), &view, None).await;
    assert_eq!(st, 422, "{e}");

    // Evidence on 城里社区's assessment.
    let id1 = a1["id"].as_i64().unwrap();
    let ev = |code: &str, id: i64| format!("{}/{id}/evidence", assess(code));
    let pdf = b"%PDF-1.4 community self-assessment".to_vec();
    let (st, e1) = upload(
        &format!("{}?name=自评表.pdf", ev("370323001001", id1)),
        &ca,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 201, "{e1}");
    assert_eq!(e1["file_name"], "自评表.pdf");
    assert_eq!(e1["assessment"], id1);
    let (st, e) = upload(
        &format!("{}?name=x.txt", ev("370323001001", id1)),
        &ca,
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(st, 415, "{e}");
    let (st, e) = upload(
        &format!("{}?name=x.pdf", ev("370323001001", id1)),
        &pol,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 403, "{e}");
    // An assessment of another community: 404.
    let (st, e) = upload(
        &format!("{}?name=x.pdf", ev("370323001002", id1)),
        &ca,
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(st, 404, "{e}");
    let eid = e1["id"].as_i64().unwrap();
    let (st, ct, bytes) = download(&format!("{}/{eid}", ev("370323001001", id1)), &view).await;
    assert_eq!(st, 200);
    assert_eq!(ct, "application/pdf");
    assert_eq!(bytes, pdf);
    let (_, board) = call("GET", &board_url, &view, None).await;
    assert_eq!(
        community(&board, "370323001001")["latest"]["evidence"][0]["id"],
        eid
    );
}

async fn community_coverage_falls_back_and_closes(backend: Backend) {
    let Some((_dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let (ca, _pol, _view, op) = seed(base, &admin).await;
    let (_, card) = call("GET", &format!("{api}/scorecard"), &admin, None).await;
    let period = card["period"].as_str().unwrap().to_string();
    let prev = previous_month(&period);

    // The current month has an assessment; the previous one has none and a submission.
    let (st, a) = call(
        "POST",
        &format!("{api}/scorecard/communities/370323001001/assessments"),
        &ca,
        Some(json!({"period": period, "weight": 95})),
    )
    .await;
    assert_eq!(st, 201, "{a}");
    let (st, s) = call(
        "POST",
        &format!("{api}/scorecard/submissions"),
        &ca,
        Some(json!({"indicator": 44, "period": prev, "value": 45, "note": "民政局统计"})),
    )
    .await;
    assert_eq!(st, 201, "{s}");
    let sid = s["id"].as_i64().unwrap();
    let (st, r) = call(
        "POST",
        &format!("{api}/scorecard/submissions/{sid}/review"),
        &op,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, 200, "{r}");

    // The previous month: no assessment → the approved submission (hybrid), not 0.
    let (st, card) = call(
        "GET",
        &format!("{api}/scorecard?star=4&period={prev}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{card}");
    let r44 = indicator(&card, 44);
    assert_eq!(r44["value"], 45.0, "{r44}");
    assert_eq!(r44["source"], "submitted");
    assert_eq!(r44["status"], "met");
    assert_eq!(r44["submission"]["id"], sid);
    let (_, board) = call(
        "GET",
        &format!("{api}/scorecard/communities?period={prev}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(board["totals"]["assessed"], 0);
    assert_eq!(board["totals"]["coverage"], Value::Null);
    // The current month: 1 smart of 5 = 20 %, auto, not met; the submission of another month
    // does not count.
    let (_, card) = call("GET", &format!("{api}/scorecard?star=4"), &admin, None).await;
    let r44 = indicator(&card, 44);
    assert_eq!(
        (
            r44["value"].as_f64(),
            r44["source"].as_str(),
            r44["status"].as_str()
        ),
        (Some(20.0), Some("auto"), Some("not_met"))
    );

    // A closed month refuses assessments and evidence.
    let (st, late) = call(
        "POST",
        &format!("{api}/scorecard/communities/370323001003/assessments"),
        &ca,
        Some(json!({"period": prev, "weight": 88})),
    )
    .await;
    assert_eq!(st, 201, "{late}");
    let (st, c) = call(
        "POST",
        &format!("{api}/scorecard/periods/{prev}/close"),
        &op,
        Some(json!({"star": 4})),
    )
    .await;
    assert_eq!(st, 200, "{c}");
    let (st, e) = call(
        "POST",
        &format!("{api}/scorecard/communities/370323001002/assessments"),
        &ca,
        Some(json!({"period": prev, "weight": 90})),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    assert!(e["error"]["message_zh"].is_string(), "{e}");
    let (st, e) = upload(
        &format!(
            "{api}/scorecard/communities/370323001003/assessments/{}/evidence?name=late.pdf",
            late["id"]
        ),
        &ca,
        "application/pdf",
        b"%PDF-1.4 late".to_vec(),
    )
    .await;
    assert_eq!(st, 409, "{e}");
    let (_, board) = call(
        "GET",
        &format!("{api}/scorecard/communities?period={prev}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(board["closed"], true);
    assert_eq!(board["totals"]["assessed"], 1);
    assert_eq!(board["totals"]["smart"], 1);
    assert_eq!(community(&board, "370323001002")["latest"], Value::Null);
}
