//! The monthly scorecard report as XLSX and as printable HTML (issue 5, reports).
//!
//! Both are rendered from the scorecard's JSON (see [`crate::periods::ScorecardDoc`]) and from
//! nothing else: for a closed period that is its snapshot, so the bytes are the same on every
//! download. The XLSX's creation time is the closing time (for an open period, the time the
//! values were measured); `rust_xlsxwriter` writes fixed zip timestamps.
//!
//! Three kinds, by the document's [`Scope`]: the monthly report (月度报告), the quarterly one
//! (季度报告, on the quarter's last month that has begun, its trend cut to the quarter) and an
//! acceptance milestone's self-assessment (中期考核/终期验收自评报告, with the conclusion
//! against the pass line and the aim).
//!
//! - XLSX sheet `指标`: 序号, 一级指标, 指标名称, 取数方式, 目标值, 当前值 (a number, or
//!   `无数据`), 状态 (达标 / 未达标 / 无数据; 无目标值 and 扣分项 where they apply), 牵头单位,
//!   数据来源/说明 (where the value came from, why there is none, further measures, the
//!   formula's calls, the approved submission). Sheet `按指标组`: per group the scored, met, not
//!   met and no-data counts and the completed share. Sheet `按责任单位`: the same per lead unit,
//!   with the indicators still open and those it partners. Sheet `趋势`: the completed weight
//!   and each indicator's value per month of the trend (closed months, then this one; cells
//!   shaded by status). Sheet `证明材料`: every evidence file behind a submitted value (name,
//!   size, SHA-256). Sheet `汇总`: the period, star level, completed weight against the pass
//!   line and the aim (and the self-assessment's conclusion), the counts and the weights
//!   statement.
//! - HTML: one standalone page with the same sections (inline CSS, no scripts, every text
//!   escaped), A4 landscape.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};
use serde_json::Value as Json;
use zhicheng_model::Actor;

use crate::periods::ScorecardDoc;
use crate::trend::{MilestoneKind, Scope};
use crate::{Engine, Error, Result};

/// A report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Xlsx,
    Html,
}

impl ReportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Html => "text/html; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Html => "html",
        }
    }
}

/// A rendered report.
#[derive(Debug, Clone)]
pub struct Report {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// e.g. `scorecard-2026-11-4star.xlsx`.
    pub file_name: String,
}

impl Engine {
    /// The scorecard report of `period` (default: the current month) at `star`.
    pub async fn scorecard_report(
        &self,
        actor: &Actor,
        period: Option<&str>,
        star: u8,
        format: ReportFormat,
    ) -> Result<Report> {
        let doc = self.scorecard_doc_any(actor, period, star).await?;
        let label = match &doc.scope {
            Scope::Quarter { quarter, .. } => quarter.clone(),
            _ => doc.period.clone(),
        };
        let bytes = render(&doc, format)?;
        Ok(Report {
            bytes,
            content_type: format.content_type(),
            file_name: format!("scorecard-{label}-{}star.{}", doc.star, format.extension()),
        })
    }

    /// The self-assessment report of an acceptance milestone at `star`.
    pub async fn acceptance_report(
        &self,
        actor: &Actor,
        kind: MilestoneKind,
        star: u8,
        format: ReportFormat,
    ) -> Result<Report> {
        let doc = self.acceptance_doc(actor, kind, star).await?;
        let bytes = render(&doc, format)?;
        Ok(Report {
            bytes,
            content_type: format.content_type(),
            file_name: format!(
                "acceptance-{}-{}-{}star.{}",
                kind.as_str(),
                doc.period,
                doc.star,
                format.extension()
            ),
        })
    }
}

/// Renders `doc` in `format`.
pub fn render(doc: &ScorecardDoc, format: ReportFormat) -> Result<Vec<u8>> {
    match format {
        ReportFormat::Xlsx => xlsx(&doc.value, doc.closed_ms.unwrap_or(doc.computed_ms))
            .map_err(|e| Error::Unavailable(format!("XLSX report: {e}"))),
        ReportFormat::Html => Ok(html(&doc.value).into_bytes()),
    }
}

// ---------------------------------------------------------------------------------------------
// Texts

fn s(v: &Json) -> &str {
    v.as_str().unwrap_or("")
}

fn status_zh(v: &Json) -> &'static str {
    match s(v) {
        "met" => "达标",
        "not_met" => "未达标",
        "no_data" => "无数据",
        "no_target" => "无目标值",
        "deduction" => "扣分项",
        _ => "",
    }
}

fn how_zh(v: &Json) -> &'static str {
    match s(v) {
        "auto" => "平台自动取数",
        "submitted" => "部门填报",
        "hybrid" => "平台数据优先，无数据时部门填报",
        _ => "",
    }
}

/// A number without float noise: at most 4 decimals, trailing zeros dropped.
fn num(v: f64) -> String {
    let t = format!("{v:.4}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "bool" => if v >= 0.5 { "是" } else { "否" }.into(),
        "%" => format!("{}%", num(v)),
        "" | "count" => num(v),
        u => format!("{} {u}", num(v)),
    }
}

fn target_text(t: &Json) -> String {
    if t.is_null() {
        return "—".into();
    }
    let unit = s(&t["unit"]);
    let value = t["value"].as_f64().unwrap_or(0.0);
    let op = match s(&t["op"]) {
        ">=" => "≥",
        "<=" => "≤",
        o => o,
    };
    let mut out = if unit == "bool" {
        with_unit(value, unit)
    } else {
        format!("{op}{}", with_unit(value, unit))
    };
    if let Some(star) = t["refers_to_star"].as_u64() {
        out.push_str(&format!("（参照{star}星）"));
    }
    out
}

fn value_text(row: &Json) -> String {
    match row["value"].as_f64() {
        Some(v) => with_unit(v, s(&row["target"]["unit"])),
        None => "无数据".into(),
    }
}

fn units(v: &Json) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|u| s(&u["name"]))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

fn source_zh(v: &Json) -> &'static str {
    match s(v) {
        "auto" => "平台数据",
        "submitted" => "部门填报（已审核）",
        _ => "",
    }
}

fn calls(v: &Json) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let r = c["result"]
                        .as_f64()
                        .map_or_else(|| "无数据".to_string(), num);
                    format!("{} = {r}", s(&c["call"]))
                })
                .collect::<Vec<_>>()
                .join("；")
        })
        .unwrap_or_default()
}

/// The 数据来源/说明 cell of an indicator.
fn notes(row: &Json) -> String {
    let mut out: Vec<String> = Vec::new();
    if row["leading"].as_bool() == Some(true) {
        out.push("★引领性指标".into());
    }
    let src = source_zh(&row["source"]);
    if !src.is_empty() {
        out.push(format!("来源：{src}"));
    }
    if let Some(r) = row["reason"].as_str() {
        out.push(format!("说明：{r}"));
    }
    for p in row["parts"].as_array().into_iter().flatten() {
        let v = match p["value"].as_f64() {
            Some(v) => with_unit(v, s(&p["target"]["unit"])),
            None => "无数据".into(),
        };
        out.push(format!(
            "{}：{v}（目标 {}）",
            s(&p["name"]),
            target_text(&p["target"])
        ));
    }
    let c = calls(&row["provenance"]);
    if !c.is_empty() {
        out.push(format!("取数：{c}"));
    }
    let sub = &row["submission"];
    if let Some(id) = sub["id"].as_i64() {
        out.push(format!(
            "填报：第 {id} 号，{} 填报，{} 审核通过（{}），证明材料 {} 份",
            s(&sub["submitted_by"]),
            s(&sub["reviewed_by"]),
            sub["reviewed_ms"].as_i64().map(when).unwrap_or_default(),
            sub["evidence"].as_array().map_or(0, Vec::len)
        ));
    }
    out.join("\n")
}

fn pct(v: &Json) -> String {
    v.as_f64()
        .map_or_else(|| "—".into(), |f| format!("{}%", num(f * 100.0)))
}

/// `YYYY-MM-DD HH:MM` in UTC+8.
fn when(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn yes_no(v: &Json) -> &'static str {
    match v.as_bool() {
        Some(true) => "是",
        Some(false) => "否",
        None => "—",
    }
}

/// The report's title: by its scope (a month, a quarter, an acceptance milestone).
fn title(card: &Json) -> String {
    let pack = format!(
        "{} {}",
        s(&card["pack"]["standard"]),
        s(&card["pack"]["name"])
    );
    let scope = &card["scope"];
    match s(&scope["kind"]) {
        "quarter" => format!(
            "{pack} 季度报告 {}（截至 {}）",
            s(&scope["quarter"]),
            s(&card["period"])
        ),
        "acceptance" => format!(
            "{pack} {}自评报告（{}）",
            s(&scope["milestone"]["name"]),
            s(&scope["milestone"]["date"])
        ),
        _ => format!("{pack} 月度报告 {}", s(&card["period"])),
    }
}

/// The self-assessment's conclusion against the pass line and the aim.
fn conclusion(card: &Json) -> String {
    let t = &card["totals"];
    let reached = |b: &Json| {
        if b.as_bool() == Some(true) {
            "达到"
        } else {
            "未达到"
        }
    };
    let mut out = format!(
        "规定建设任务完成权重 {}，{}及格线 {}",
        pct(&t["completed_weight"]),
        reached(&t["passed"]),
        pct(&t["pass_line"])
    );
    if !t["aim"].is_null() {
        out.push_str(&format!(
            "，{}目标线 {}",
            reached(&t["aimed"]),
            pct(&t["aim"])
        ));
    }
    out.push_str(&format!(
        "；按 {} 星标准自评{}。",
        card["star"].as_u64().unwrap_or(0),
        if t["passed"].as_bool() == Some(true) {
            "合格"
        } else {
            "尚未合格"
        }
    ));
    out
}

/// The summary as (label, text) pairs, shared by both formats.
fn summary(card: &Json) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let scope = &card["scope"];
    match s(&scope["kind"]) {
        "acceptance" => {
            let scope = &scope["milestone"];
            out.push(("自评结论", conclusion(card)));
            out.push((
                "验收节点",
                format!(
                    "{}，{}（{}）",
                    s(&scope["name"]),
                    s(&scope["date"]),
                    match s(&scope["state"]) {
                        // A closed month's report must not change from day to day: no
                        // countdown, no "past" once the date goes by.
                        _ if card["closed"].is_object() => {
                            format!("按 {} 已关账数据自评", s(&scope["assessed_period"]))
                        }
                        "upcoming" => format!(
                            "尚有 {} 天；按 {} 数据自评",
                            scope["days_left"].as_i64().unwrap_or(0),
                            s(&scope["assessed_period"])
                        ),
                        "this_month" => "本月".into(),
                        _ => "已过".into(),
                    }
                ),
            ));
        }
        "quarter" => out.push((
            "季度",
            format!(
                "{}（{}）",
                s(&scope["quarter"]),
                scope["months"]
                    .as_array()
                    .map(|m| m.iter().map(s).collect::<Vec<_>>().join("、"))
                    .unwrap_or_default()
            ),
        )),
        _ => {}
    }
    out.extend(summary_rows(card));
    out
}

fn summary_rows(card: &Json) -> Vec<(&'static str, String)> {
    let t = &card["totals"];
    let status = match card["closed"].as_object() {
        Some(c) => format!(
            "已关账（{}，{}）",
            c.get("by").map(s).unwrap_or(""),
            when(c.get("ms").and_then(Json::as_i64).unwrap_or(0))
        ),
        None => "未关账（实时数据）".into(),
    };
    let count = |k: &str| t[k].as_u64().map_or_else(|| "—".into(), |n| n.to_string());
    vec![
        (
            "指标包",
            format!(
                "{} {}（{}）",
                s(&card["pack"]["standard"]),
                s(&card["pack"]["name"]),
                s(&card["pack"]["edition"])
            ),
        ),
        ("期间", s(&card["period"]).to_string()),
        ("星级", format!("{}星", card["star"].as_u64().unwrap_or(0))),
        ("状态", status),
        (
            "计算时间",
            format!(
                "{}（北京时间）",
                when(card["computed_ms"].as_i64().unwrap_or(0))
            ),
        ),
        ("完成权重", pct(&t["completed_weight"])),
        ("及格线", pct(&t["pass_line"])),
        ("目标线", pct(&t["aim"])),
        ("达到及格线", yes_no(&t["passed"]).into()),
        ("达到目标线", yes_no(&t["aimed"]).into()),
        ("计分指标数", count("scored")),
        ("达标", count("met")),
        ("未达标", count("not_met")),
        ("无数据", count("no_data")),
        ("无目标值", count("no_target")),
        ("扣分", pct(&t["deduction"])),
        ("权重说明", s(&card["weights"]["statement_zh"]).to_string()),
        ("Weights", s(&card["weights"]["statement"]).to_string()),
    ]
}

const HEADERS: [&str; 9] = [
    "序号",
    "一级指标",
    "指标名称",
    "取数方式",
    "目标值",
    "当前值",
    "状态",
    "牵头单位",
    "数据来源/说明",
];

fn rows(card: &Json) -> impl Iterator<Item = &Json> {
    card["indicators"].as_array().into_iter().flatten()
}

fn list<'a>(card: &'a Json, key: &str) -> impl Iterator<Item = &'a Json> {
    card[key].as_array().into_iter().flatten()
}

fn count_text(v: &Json) -> String {
    v.as_u64().map_or_else(|| "—".into(), |n| n.to_string())
}

fn numbers(v: &Json) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Json::as_u64)
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

/// A table as a header and rows of cells, shared by both formats.
struct Table {
    sheet: &'static str,
    heading: &'static str,
    headers: Vec<String>,
    widths: Vec<f64>,
    rows: Vec<Vec<Cell>>,
}

/// One cell: text, or a number with the status that shades it.
enum Cell {
    Text(String),
    Number(f64, String),
    Status(Option<f64>, String, &'static str),
}

fn group_table(card: &Json) -> Table {
    let rows = list(card, "by_group")
        .map(|g| {
            vec![
                Cell::Text(s(&g["group"]).into()),
                Cell::Number(
                    g["scored"].as_f64().unwrap_or(0.0),
                    count_text(&g["scored"]),
                ),
                Cell::Number(g["met"].as_f64().unwrap_or(0.0), count_text(&g["met"])),
                Cell::Number(
                    g["not_met"].as_f64().unwrap_or(0.0),
                    count_text(&g["not_met"]),
                ),
                Cell::Number(
                    g["no_data"].as_f64().unwrap_or(0.0),
                    count_text(&g["no_data"]),
                ),
                Cell::Text(pct(&g["share"])),
            ]
        })
        .collect();
    Table {
        sheet: "按指标组",
        heading: "按指标组",
        headers: [
            "一级指标",
            "计分指标",
            "达标",
            "未达标",
            "无数据",
            "组内完成率",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![18.0, 10.0, 8.0, 8.0, 8.0, 12.0],
        rows,
    }
}

fn unit_table(card: &Json) -> Table {
    let rows = list(card, "by_unit")
        .map(|u| {
            vec![
                Cell::Text(s(&u["name"]).into()),
                Cell::Number(u["lead"].as_f64().unwrap_or(0.0), count_text(&u["lead"])),
                Cell::Number(u["met"].as_f64().unwrap_or(0.0), count_text(&u["met"])),
                Cell::Number(
                    u["not_met"].as_f64().unwrap_or(0.0),
                    count_text(&u["not_met"]),
                ),
                Cell::Number(
                    u["no_data"].as_f64().unwrap_or(0.0),
                    count_text(&u["no_data"]),
                ),
                Cell::Text(if u["lead"].as_u64().unwrap_or(0) > 0 {
                    pct(&u["share"])
                } else {
                    "—".into()
                }),
                Cell::Text(numbers(&u["open"])),
                Cell::Text(numbers(&u["partner_of"])),
            ]
        })
        .collect();
    Table {
        sheet: "按责任单位",
        heading: "按责任单位",
        headers: [
            "责任单位",
            "牵头指标",
            "达标",
            "未达标",
            "无数据",
            "完成率",
            "待完成指标",
            "配合指标",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![26.0, 10.0, 8.0, 8.0, 8.0, 10.0, 30.0, 30.0],
        rows,
    }
}

fn trend_table(card: &Json) -> Table {
    let points: Vec<&Json> = list(card, "trend").collect();
    let mut headers = vec!["序号".to_string(), "指标名称".to_string()];
    headers.extend(points.iter().map(|p| {
        let m = s(&p["period"]);
        if p["closed"].as_bool() == Some(true) {
            m.to_string()
        } else {
            format!("{m}（实时）")
        }
    }));
    let mut widths = vec![6.0, 30.0];
    widths.extend(points.iter().map(|_| 13.0));
    let mut rows = Vec::new();
    let mut total = vec![Cell::Text(String::new()), Cell::Text("完成权重".into())];
    total.extend(points.iter().map(|p| {
        let v = p["completed_weight"].as_f64().unwrap_or(0.0);
        Cell::Status(
            Some(v * 100.0),
            format!("{}%", num(v * 100.0)),
            if p["passed"].as_bool() == Some(true) {
                "met"
            } else {
                "not_met"
            },
        )
    }));
    rows.push(total);
    for row in rows_of(card) {
        let n = row["number"].as_u64().unwrap_or(0);
        let unit = s(&row["target"]["unit"]);
        let mut cells = vec![
            Cell::Number(n as f64, n.to_string()),
            Cell::Text(s(&row["name"]).into()),
        ];
        cells.extend(points.iter().map(|p| {
            let v = p["values"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["number"].as_u64() == Some(n)));
            match v {
                Some(v) => {
                    let status = match s(&v["status"]) {
                        "met" => "met",
                        "not_met" => "not_met",
                        "no_target" => "no_target",
                        "deduction" => "deduction",
                        _ => "no_data",
                    };
                    match v["value"].as_f64() {
                        Some(x) => Cell::Status(Some(x), with_unit(x, unit), status),
                        None => Cell::Status(None, "无数据".into(), status),
                    }
                }
                None => Cell::Text("—".into()),
            }
        }));
        rows.push(cells);
    }
    Table {
        sheet: "趋势",
        heading: "趋势（已关账月份与本期）",
        headers,
        widths,
        rows,
    }
}

fn rows_of(card: &Json) -> Vec<&Json> {
    rows(card).collect()
}

fn evidence_table(card: &Json) -> Table {
    let mut out = Vec::new();
    for row in rows(card) {
        let sub = &row["submission"];
        let Some(id) = sub["id"].as_i64() else {
            continue;
        };
        let files: Vec<&Json> = sub["evidence"].as_array().into_iter().flatten().collect();
        let base = |file: Option<&Json>| {
            vec![
                Cell::Number(
                    row["number"].as_f64().unwrap_or(0.0),
                    count_text(&row["number"]),
                ),
                Cell::Text(s(&row["name"]).into()),
                Cell::Number(id as f64, id.to_string()),
                Cell::Text(s(&sub["department"]).into()),
                Cell::Text(s(&sub["submitted_by"]).into()),
                Cell::Text(format!(
                    "{} {}",
                    s(&sub["reviewed_by"]),
                    sub["reviewed_ms"].as_i64().map(when).unwrap_or_default()
                )),
                Cell::Text(file.map_or_else(|| "（无）".into(), |f| s(&f["file_name"]).into())),
                match file.and_then(|f| f["size"].as_f64()) {
                    Some(b) => Cell::Number(b, num(b)),
                    None => Cell::Text(String::new()),
                },
                Cell::Text(
                    file.map(|f| s(&f["sha256"]).to_string())
                        .unwrap_or_default(),
                ),
            ]
        };
        if files.is_empty() {
            out.push(base(None));
        }
        for f in files {
            out.push(base(Some(f)));
        }
    }
    Table {
        sheet: "证明材料",
        heading: "证明材料（已审核的部门填报）",
        headers: [
            "序号",
            "指标名称",
            "填报编号",
            "填报部门",
            "填报人",
            "审核",
            "文件名",
            "字节数",
            "SHA-256",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![6.0, 28.0, 10.0, 14.0, 12.0, 22.0, 30.0, 10.0, 66.0],
        rows: out,
    }
}

/// The tables after the indicators, in order.
fn tables(card: &Json) -> Vec<Table> {
    vec![
        group_table(card),
        unit_table(card),
        trend_table(card),
        evidence_table(card),
    ]
}

// ---------------------------------------------------------------------------------------------
// XLSX

/// The XLSX workbook of a scorecard, created at `created_ms`.
pub fn xlsx(card: &Json, created_ms: i64) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(created_ms.div_euclid(1000))?;
    let title = title(card);
    wb.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author("zhicheng")
            .set_creation_datetime(&created),
    );
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let cell_fmt = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.##");

    let ws = wb.add_worksheet();
    ws.set_name("指标")?;
    for (c, (h, w)) in HEADERS
        .iter()
        .zip([6.0, 14.0, 30.0, 16.0, 12.0, 12.0, 10.0, 24.0, 60.0])
        .enumerate()
    {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &head)?;
        ws.set_column_width(c, w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, row) in rows(card).enumerate() {
        let r = (i + 1) as u32;
        ws.write_number_with_format(r, 0, row["number"].as_f64().unwrap_or(0.0), &number)?;
        ws.write_string_with_format(r, 1, s(&row["group"]), &cell_fmt)?;
        ws.write_string_with_format(r, 2, s(&row["name"]), &cell_fmt)?;
        ws.write_string_with_format(r, 3, how_zh(&row["how"]), &cell_fmt)?;
        ws.write_string_with_format(r, 4, target_text(&row["target"]), &cell_fmt)?;
        match row["value"].as_f64() {
            Some(v) => ws.write_number_with_format(r, 5, v, &number)?,
            None => ws.write_string_with_format(r, 5, "无数据", &cell_fmt)?,
        };
        ws.write_string_with_format(r, 6, status_zh(&row["status"]), &cell_fmt)?;
        ws.write_string_with_format(r, 7, units(&row["lead"]), &cell_fmt)?;
        ws.write_string_with_format(r, 8, notes(row), &cell_fmt)?;
    }

    let shade = |status: &str| match status {
        "met" => Some("#E2F0D9"),
        "not_met" => Some("#F8D7DA"),
        "no_data" | "no_target" => Some("#FFF2CC"),
        _ => None,
    };
    for t in tables(card) {
        let ws = wb.add_worksheet();
        ws.set_name(t.sheet)?;
        for (c, (h, w)) in t.headers.iter().zip(&t.widths).enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, h, &head)?;
            ws.set_column_width(c, *w)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (i, cells) in t.rows.iter().enumerate() {
            let r = (i + 1) as u32;
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(x) => ws.write_string_with_format(r, c, x, &cell_fmt)?,
                    Cell::Number(v, _) => ws.write_number_with_format(r, c, *v, &number)?,
                    Cell::Status(v, text, st) => {
                        let f = match shade(st) {
                            Some(bg) => number.clone().set_background_color(bg),
                            None => number.clone(),
                        };
                        match v {
                            Some(v) => ws.write_number_with_format(r, c, *v, &f)?,
                            None => ws.write_string_with_format(r, c, text, &f)?,
                        }
                    }
                };
            }
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    ws.set_column_width(0, 14.0)?;
    ws.set_column_width(1, 90.0)?;
    ws.write_string_with_format(0, 0, "项目", &head)?;
    ws.write_string_with_format(0, 1, "内容", &head)?;
    for (i, (k, v)) in summary(card).into_iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string_with_format(r, 0, k, &cell_fmt)?;
        ws.write_string_with_format(r, 1, v, &cell_fmt)?;
    }
    wb.save_to_buffer()
}

// ---------------------------------------------------------------------------------------------
// HTML

/// Escapes text for HTML content and attribute values.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for ch in t.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "@page{size:A4 landscape;margin:12mm}\
body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;\
font-size:10.5pt;color:#111;margin:0 auto;max-width:280mm}\
h1{font-size:16pt;margin:0 0 4pt}h2{font-size:12.5pt;margin:14pt 0 6pt}\
p.meta{color:#444;margin:0 0 8pt}\
table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #888;padding:3pt 5pt;vertical-align:top;text-align:left}\
th{background:#e8eef6}thead{display:table-header-group}tr{page-break-inside:avoid}\
td.n{text-align:right;white-space:nowrap}td.note{white-space:pre-line;font-size:9pt;color:#333}\
.met{color:#0a6b2b;font-weight:bold}.not_met{color:#b00020;font-weight:bold}\
.no_data,.no_target{color:#7a5a00}\
table.sum{width:auto;min-width:50%}table.sum th{width:9em}";

/// The printable HTML page of a scorecard.
pub fn html(card: &Json) -> String {
    let e = |t: &str| escape(t);
    let title = format!("{} · {}星", title(card), card["star"].as_u64().unwrap_or(0));
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str(&format!("<title>{}</title>\n", e(&title)));
    o.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n"));
    o.push_str(&format!("<h1>{}</h1>\n", e(&title)));
    let sum = summary(card);
    let get = |k: &str| {
        sum.iter()
            .find(|(l, _)| *l == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    o.push_str(&format!(
        "<p class=\"meta\">{} · 完成权重 {} · 及格线 {} · 目标线 {}</p>\n",
        e(&get("状态")),
        e(&get("完成权重")),
        e(&get("及格线")),
        e(&get("目标线"))
    ));
    o.push_str("<h2>汇总</h2>\n<table class=\"sum\">\n");
    for (k, v) in &sum {
        o.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>\n", e(k), e(v)));
    }
    o.push_str("</table>\n<h2>指标</h2>\n<table>\n<thead><tr>");
    for h in HEADERS {
        o.push_str(&format!("<th>{}</th>", e(h)));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in rows(card) {
        let status = s(&row["status"]);
        let class = match status {
            "met" | "not_met" | "no_data" | "no_target" => status,
            _ => "",
        };
        o.push_str(&format!(
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"n\">{}</td><td class=\"{class}\">{}</td><td>{}</td>\
             <td class=\"note\">{}</td></tr>\n",
            row["number"].as_u64().unwrap_or(0),
            e(s(&row["group"])),
            e(s(&row["name"])),
            e(how_zh(&row["how"])),
            e(&target_text(&row["target"])),
            e(&value_text(row)),
            e(status_zh(&row["status"])),
            e(&units(&row["lead"])),
            e(&notes(row)),
        ));
    }
    o.push_str("</tbody>\n</table>\n");
    for t in tables(card) {
        if t.rows.is_empty() {
            continue;
        }
        o.push_str(&format!("<h2>{}</h2>\n<table>\n<thead><tr>", e(t.heading)));
        for h in &t.headers {
            o.push_str(&format!("<th>{}</th>", e(h)));
        }
        o.push_str("</tr></thead>\n<tbody>\n");
        for cells in &t.rows {
            o.push_str("<tr>");
            for cell in cells {
                match cell {
                    Cell::Text(x) => o.push_str(&format!("<td>{}</td>", e(x))),
                    Cell::Number(_, x) => o.push_str(&format!("<td class=\"n\">{}</td>", e(x))),
                    Cell::Status(_, x, st) => {
                        o.push_str(&format!("<td class=\"n {st}\">{}</td>", e(x)))
                    }
                }
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn card() -> Json {
        json!({
            "pack": {"standard": "DB37/T 3890-2020", "name": "县级<指标>", "edition": "2020"},
            "star": 4, "period": "2026-10", "computed_ms": 1_790_000_000_000i64,
            "closed": {"by": "admin", "ms": 1_790_000_000_000i64, "star": 4},
            "totals": {"completed_weight": 0.5, "pass_line": 0.7, "aim": 0.8, "passed": false,
                       "aimed": false, "met": 1, "not_met": 0, "no_data": 1, "no_target": 0,
                       "scored": 2, "deduction": 0.0},
            "weights": {"statement_zh": "默认等权", "statement": "Equal weights"},
            "indicators": [
                {"number": 3, "group": "基础设施", "name": "智能照明设备安装率", "how": "auto",
                 "leading": false, "target": {"op": ">=", "value": 90.0, "unit": "%"},
                 "value": 90.0, "status": "met", "source": "auto", "reason": null,
                 "lead": [{"name": "县综合行政执法局", "id": "urban-mgmt"}], "parts": [],
                 "provenance": [{"call": "count(streetlight)", "result": 10.0}]},
                {"number": 4, "group": "惠民服务", "name": "<script>alert(1)</script>",
                 "how": "submitted", "leading": true, "target": null, "value": null,
                 "status": "no_data", "source": null, "reason": "not submitted",
                 "lead": [], "parts": [], "provenance": []}
            ]
        })
    }

    #[test]
    fn html_escapes_and_has_no_script() {
        let h = html(&card());
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("县级&lt;指标&gt;"));
        assert!(h.contains("智能照明设备安装率"));
        assert!(h.contains("≥90%"));
        assert!(h.contains("已关账"));
        assert_eq!(h, html(&card()));
    }

    #[test]
    fn xlsx_is_deterministic_for_a_creation_time() {
        let a = xlsx(&card(), 1_790_000_000_000).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = xlsx(&card(), 1_790_000_000_000).unwrap();
        assert!(a.starts_with(b"PK\x03\x04"));
        assert_eq!(a, b);
        assert_ne!(a, xlsx(&card(), 1_790_000_100_000).unwrap());
    }

    #[test]
    fn numbers_and_targets() {
        assert_eq!(num(90.0), "90");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(
            target_text(&json!({"op": ">=", "value": 1.0, "unit": "bool"})),
            "是"
        );
        assert_eq!(
            target_text(&json!({"op": ">=", "value": 2.0, "unit": "Mbit/s"})),
            "≥2 Mbit/s"
        );
    }
}
