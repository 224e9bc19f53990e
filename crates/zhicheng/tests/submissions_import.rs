//! Departments' indicator values imported from Excel, over HTTP against the real binary, on
//! SQLite and PostgreSQL. The workbooks are written, and the template read back, by Python's
//! openpyxl — a reader and writer independent of ours (calamine reads, rust_xlsxwriter writes).
//!
//! - A department's file with good rows and one bad row of each kind (unknown indicator,
//!   another department's indicator, a platform-measured one, a value that is not a number, a
//!   closed month, a repeated row, no month): the dry run reports each bad row by number and
//!   cell and stores nothing; the import stores exactly the good rows and reports the same.
//! - Viewers are refused; a file that is not XLSX, or empty, is refused whole (and counted).
//! - The template holds the department's indicators and no others, fills back in, and has the
//!   部门 column for the big-data center, whose English-headed file names departments.

#[macro_use]
mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

both_backends!(import_reports_each_bad_row, template_round_trip);

/// Writes an XLSX with openpyxl: one sheet, `rows` from A1 (JSON null = empty cell).
fn write_xlsx(py: &Path, path: &Path, rows: &Value) -> Vec<u8> {
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "报送"
for r, row in enumerate(json.loads(sys.argv[2]), start=1):
    for c, v in enumerate(row, start=1):
        if v is not None:
            ws.cell(row=r, column=c, value=v)
wb.save(sys.argv[1])
"#;
    run_python(py, script, &[path.to_str().unwrap(), &rows.to_string()]);
    std::fs::read(path).unwrap()
}

/// Reads every sheet of an XLSX with openpyxl: `{sheets, rows: {name: [[cell…]…]}}`.
fn read_xlsx(py: &Path, path: &Path) -> Value {
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({
    "sheets": wb.sheetnames,
    "rows": {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in wb.worksheets},
}, ensure_ascii=False, default=str))
"#;
    serde_json::from_slice(&run_python(py, script, &[path.to_str().unwrap()])).unwrap()
}

/// POSTs a raw body to the import; (status, JSON).
async fn import(api: &str, token: &str, dry_run: bool, body: Vec<u8>) -> (u16, Value) {
    let r = client()
        .post(format!(
            "{api}/scorecard/submissions/import?dry_run={dry_run}"
        ))
        .bearer_auth(token)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// GETs bytes: (status, content type, body).
async fn get_bytes(url: &str, token: &str) -> (u16, String, Vec<u8>) {
    let r = client().get(url).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn previous_month(p: &str) -> String {
    let (y, m) = (
        p[..4].parse::<i32>().unwrap(),
        p[5..].parse::<u32>().unwrap(),
    );
    if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

/// (row, cell, field, reason) of each error.
fn error_keys(report: &Value) -> Vec<(u64, String, String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["cell"].as_str().unwrap_or("").to_string(),
                e["field"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Departments, users (`it1` of industry-it, `edu1`, `view1`) and the current month.
async fn setup(api: &str, admin: &str) -> String {
    for (id, name) in [
        ("industry-it", "县工业和信息化局"),
        ("education", "县教育和体育局"),
    ] {
        post(api, admin, "departments", json!({"id": id, "name": name})).await;
    }
    for (user, role, dep) in [
        ("it1", "department", Some("industry-it")),
        ("edu1", "department", Some("education")),
        ("view1", "viewer", None),
    ] {
        post(
            api,
            admin,
            "users",
            json!({"username": user, "role": role, "department": dep,
                   "password": format!("{user}-password")}),
        )
        .await;
    }
    let (st, card) = call("GET", &format!("{api}/scorecard"), admin, None).await;
    assert_eq!(st, 200, "{card}");
    card["period"].as_str().unwrap().to_string()
}

async fn import_reports_each_bad_row(backend: Backend) {
    let Some(py) = python() else { return };
    let Some((dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let period = setup(&api, &admin).await;
    let it = login(base, "it1", "it1-password").await;
    let view = login(base, "view1", "view1-password").await;
    let subs = format!("{api}/scorecard/submissions");

    // Last month is closed.
    let prev = previous_month(&period);
    let (st, b) = call(
        "POST",
        &format!("{api}/scorecard/periods/{prev}/close"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 200, "{b}");

    // industry-it leads #17 and #18 (submitted); #4 is education's; #3 is measured by the
    // platform; #25 is industry-it's but left empty (skipped, as a template row would be).
    let rows = json!([
        ["期间", "指标序号", "指标名称", "数值", "说明"],
        [period, 17, "软件业务收入", 3.5, "一季度统计"],
        [period, 99, "没有这个指标", 1, null],
        [period, 4, "智慧校园覆盖率", 60, null],
        [period, 3, "智能照明设备安装率", 90, null],
        [period, 18, "企业上云规模", "很多", null],
        [null, null, null, null, null],
        [prev, 18, "企业上云规模", 520, null],
        [period, 17, "软件业务收入", 4, "重复"],
        [null, 22, "国家新型工业化产业示范基地", 1, null],
        [period, "18", "企业上云规模", " 520 ", "数字写成文本"],
        [period, 25, "家庭光纤入户覆盖率", null, null],
    ]);
    let file = write_xlsx(&py, &dir.path().join("import.xlsx"), &rows);
    let want = vec![
        (3, "B3", "indicator", "unknown_indicator"),
        (4, "B4", "indicator", "not_unit"),
        (5, "B5", "indicator", "auto_measured"),
        (6, "D6", "value", "not_a_number"),
        (8, "A8", "period", "closed_period"),
        (9, "B9", "indicator", "duplicate"),
        (10, "A10", "period", "missing_period"),
    ]
    .into_iter()
    .map(|(r, c, f, why)| (r, c.to_string(), f.to_string(), why.to_string()))
    .collect::<Vec<_>>();

    // The dry run: every bad row by number and cell, nothing stored.
    let (st, dry) = import(&api, &it, true, file.clone()).await;
    assert_eq!(st, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["sheet"], "报送");
    assert_eq!(dry["header_row"], 1);
    assert_eq!(
        (
            &dry["rows"],
            &dry["imported"],
            &dry["refused"],
            &dry["skipped"]
        ),
        (&json!(10), &json!(2), &json!(7), &json!(1)),
        "{dry}"
    );
    assert_eq!(error_keys(&dry), want, "{dry}");
    assert_eq!(dry["submissions"], json!([]));
    let e = |report: &Value, row: u64| -> Value {
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["row"] == row)
            .unwrap()
            .clone()
    };
    let e3 = e(&dry, 3);
    assert_eq!(e3["column"], "指标序号");
    assert_eq!(e3["indicator"], 99);
    assert!(
        e3["error"].as_str().unwrap().contains("no indicator 99"),
        "{e3}"
    );
    assert!(
        e3["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("指标不存在："),
        "{e3}"
    );
    let e4 = e(&dry, 4);
    assert!(
        e4["error"]
            .as_str()
            .unwrap()
            .contains("industry-it is not a lead or partner unit of indicator 4"),
        "{e4}"
    );
    assert!(
        e(&dry, 6)["error"].as_str().unwrap().contains("\"很多\""),
        "{dry}"
    );
    assert_eq!(e(&dry, 6)["column"], "数值");
    let e8 = e(&dry, 8);
    assert!(
        e8["error"]
            .as_str()
            .unwrap()
            .contains(&format!("period {prev} is closed")),
        "{e8}"
    );
    assert!(
        e8["message_zh"].as_str().unwrap().contains("已关账"),
        "{e8}"
    );
    let e9 = e(&dry, 9);
    assert!(e9["error"].as_str().unwrap().contains("row 2"), "{e9}");
    assert!(
        e9["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("与第 2 行重复"),
        "{e9}"
    );
    assert!(e(&dry, 10).get("indicator").is_some(), "{dry}");
    let (st, list) = call("GET", &subs, &it, None).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list, json!([]), "a dry run stores nothing");
    let (_, list) = call("GET", &subs, &admin, None).await;
    assert_eq!(list, json!([]));

    // The import: exactly the good rows, the same errors.
    let (st, real) = import(&api, &it, false, file.clone()).await;
    assert_eq!(st, 200, "{real}");
    assert_eq!(real["dry_run"], false);
    assert_eq!(real["imported"], 2, "{real}");
    assert_eq!(real["errors"], dry["errors"]);
    let ids: Vec<i64> = real["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{real}");
    let (st, list) = call("GET", &subs, &it, None).await;
    assert_eq!(st, 200, "{list}");
    // The fields a submission is made of, as the list shows them.
    let fields = [
        "id",
        "indicator",
        "period",
        "value",
        "note",
        "status",
        "department",
        "submitted_by",
    ];
    let mut got: Vec<Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            fields
                .iter()
                .map(|k| (k.to_string(), s[*k].clone()))
                .collect()
        })
        .collect();
    got.sort_by_key(|g| g["id"].as_i64());
    let sub = |id: i64, n: u64, v: f64, note: &str| {
        json!({"id": id, "indicator": n, "period": period, "value": v, "note": note,
               "status": "submitted", "department": "industry-it", "submitted_by": "it1"})
    };
    assert_eq!(
        got,
        vec![
            sub(ids[0], 17, 3.5, "一季度统计"),
            sub(ids[1], 18, 520.0, "数字写成文本"),
        ]
    );
    // Awaiting review like any submission: the big-data center sees them in its queue.
    let (_, queue) = call("GET", &format!("{subs}?status=submitted"), &admin, None).await;
    assert_eq!(queue.as_array().unwrap().len(), 2, "{queue}");

    // Viewers are refused, with or without a dry run, and get no template.
    for dry_run in [true, false] {
        let (st, e) = import(&api, &view, dry_run, file.clone()).await;
        assert_eq!(st, 403, "{e}");
        assert_eq!(e["error"]["code"], "forbidden");
    }
    let (st, _, _) = get_bytes(&format!("{subs}/template.xlsx"), &view).await;
    assert_eq!(st, 403);

    // Not XLSX, or nothing at all: refused whole, with a clear message, and counted.
    let (st, e) = import(&api, &it, true, b"period,indicator,value\n".to_vec()).await;
    assert_eq!(st, 415, "{e}");
    assert_eq!(e["error"]["code"], "unsupported_type");
    assert!(
        e["error"]["message"].as_str().unwrap().contains(".xlsx"),
        "{e}"
    );
    assert!(
        e["error"]["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("文件类型不支持："),
        "{e}"
    );
    let (st, e) = import(&api, &it, false, Vec::new()).await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("empty"),
        "{e}"
    );
    let mut big = file.clone();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let (st, e) = import(&api, &it, true, big).await;
    assert_eq!(st, 413, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("5 MiB"),
        "{e}"
    );
    let (st, _, metrics) = get_bytes(&format!("{base}/metrics"), &admin).await;
    assert_eq!(st, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    for line in [
        r#"zhicheng_import_files_rejected_total{target="submissions",reason="not_xlsx"} 1"#,
        r#"zhicheng_import_files_rejected_total{target="submissions",reason="empty"} 1"#,
        r#"zhicheng_import_files_rejected_total{target="submissions",reason="too_large"} 1"#,
        r#"zhicheng_import_rows_stored_total{target="submissions"} 2"#,
        r#"zhicheng_import_rows_refused_total{target="submissions",reason="closed_period"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
}

async fn template_round_trip(backend: Backend) {
    let Some(py) = python() else { return };
    let Some((dir, _db, srv, admin)) = boot(backend).await else {
        return;
    };
    let base = &srv.base;
    let api = format!("{base}/api/v1");
    let period = setup(&api, &admin).await;
    let it = login(base, "it1", "it1-password").await;
    let subs = format!("{api}/scorecard/submissions");

    // The indicators industry-it leads or partners, measured by submission (or hybrid).
    let (_, pack) = call("GET", &format!("{api}/scorecard/pack"), &admin, None).await;
    let units = |i: &Value| -> Vec<String> {
        ["lead", "partners"]
            .iter()
            .flat_map(|k| i[*k].as_array().cloned().unwrap_or_default())
            .filter_map(|u| u["id"].as_str().map(str::to_string))
            .collect()
    };
    let submitted: Vec<&Value> = pack["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["measure"]["how"] != "auto")
        .collect();
    let mine: Vec<u64> = submitted
        .iter()
        .filter(|i| units(i).iter().any(|u| u == "industry-it"))
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    assert!(mine.len() >= 10, "{mine:?}");

    let (st, ct, bytes) = get_bytes(&format!("{subs}/template.xlsx?period=2026-11"), &it).await;
    assert_eq!(st, 200);
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let path = dir.path().join("template.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let t = read_xlsx(&py, &path);
    assert_eq!(t["sheets"], json!(["填报", "说明"]));
    let sheet = t["rows"]["填报"].as_array().unwrap();
    assert_eq!(
        sheet[0],
        json!([
            "期间",
            "指标序号",
            "指标名称",
            "单位",
            "目标值(4★)",
            "数值",
            "说明"
        ])
    );
    let numbers: Vec<u64> = sheet[1..].iter().map(|r| r[1].as_u64().unwrap()).collect();
    assert_eq!(numbers, mine, "the department's indicators and no others");
    for r in &sheet[1..] {
        assert_eq!(r[0], "2026-11", "{r}");
        assert_eq!(r[5], Value::Null, "{r}");
    }
    let r17 = sheet.iter().find(|r| r[1] == 17).unwrap();
    assert_eq!(r17[2], "软件业务收入");
    assert_eq!(r17[4], "≥3%");
    let notes = t["rows"]["说明"].to_string();
    assert!(
        notes.contains("YYYY-MM") && notes.contains("The month reported"),
        "{notes}"
    );
    // The default month is the current one.
    let (st, _, bytes) = get_bytes(&format!("{subs}/template.xlsx"), &it).await;
    assert_eq!(st, 200);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(read_xlsx(&py, &path)["rows"]["填报"][1][0], json!(period));
    let (st, e) = call(
        "GET",
        &format!("{subs}/template.xlsx?period=2026-13"),
        &it,
        None,
    )
    .await;
    assert_eq!(st, 422, "{e}");

    // Filled in with openpyxl (one value, the rest left empty) and imported as it is.
    let fill = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["填报"]
for row in ws.iter_rows(min_row=2):
    if row[1].value == 18:
        row[5].value = 612
        row[6].value = "按月统计"
wb.save(sys.argv[1])
"#;
    run_python(&py, fill, &[path.to_str().unwrap()]);
    let (st, r) = import(&api, &it, false, std::fs::read(&path).unwrap()).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (&r["imported"], &r["refused"], &r["skipped"]),
        (&json!(1), &json!(0), &json!(mine.len() - 1)),
        "{r}"
    );
    assert_eq!(r["sheet"], "填报");
    let (_, list) = call("GET", &subs, &it, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        (&list[0]["indicator"], &list[0]["value"], &list[0]["note"]),
        (&json!(18), &json!(612.0), &json!("按月统计"))
    );

    // The big-data center's template: every submitted or hybrid indicator, with 部门.
    let (st, _, bytes) = get_bytes(&format!("{subs}/template.xlsx"), &admin).await;
    assert_eq!(st, 200);
    std::fs::write(&path, &bytes).unwrap();
    let sheet = read_xlsx(&py, &path)["rows"]["填报"].clone();
    assert_eq!(sheet[0][7], "部门");
    let all: Vec<u64> = submitted
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    let numbers: Vec<u64> = sheet.as_array().unwrap()[1..]
        .iter()
        .map(|r| r[1].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, all);
    let r4 = sheet
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[1] == 4)
        .unwrap();
    assert_eq!(r4[7], "education");

    // English headers in another order; the admin names the department it submits for.
    let rows = json!([
        ["department", "value", "indicator", "period", "note"],
        ["education", 55, 4, period, "代教育局填报"],
        ["education", 1, 6, period, null],
        [null, 80, 1, period, null],
    ]);
    let file = write_xlsx(&py, &dir.path().join("admin.xlsx"), &rows);
    let (st, r) = import(&api, &admin, false, file).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(
        error_keys(&r),
        vec![(
            3,
            "A3".to_string(),
            "department".to_string(),
            "not_unit".to_string()
        )]
    );
    assert_eq!(r["errors"][0]["column"], "department");
    let (_, list) = call("GET", &format!("{subs}?period={period}"), &admin, None).await;
    let mut got: Vec<(u64, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["submitted_by"] == "admin")
        .map(|s| {
            (
                s["indicator"].as_u64().unwrap(),
                s["department"].as_str().unwrap().to_string(),
                s["note"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (1, "approval".to_string(), String::new()),
            (4, "education".to_string(), "代教育局填报".to_string()),
        ]
    );
    // The education user sees the value submitted for it; industry-it does not.
    let edu = login(base, "edu1", "edu1-password").await;
    let (_, list) = call("GET", &subs, &edu, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, list) = call("GET", &subs, &it, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}
