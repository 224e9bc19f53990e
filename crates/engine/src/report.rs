//! The monthly scorecard report as XLSX and as printable HTML (issue 5, reports).
//!
//! Both are rendered from the scorecard's JSON (see [`crate::periods::ScorecardDoc`]) and from
//! nothing else: for a closed period that is its snapshot, so the bytes are the same on every
//! download. The XLSX's creation time is the closing time (for an open period, the time the
//! values were measured); `rust_xlsxwriter` writes fixed zip timestamps.
//!
//! - XLSX sheet `指标`: 序号, 一级指标, 指标名称, 取数方式, 目标值, 当前值 (a number, or
//!   `无数据`), 状态 (达标 / 未达标 / 无数据; 无目标值 and 扣分项 where they apply), 牵头单位,
//!   数据来源/说明 (where the value came from, why there is none, further measures, the
//!   formula's calls). Sheet `汇总`: the period, star level, completed weight against the pass
//!   line and the aim, the counts and the weights statement.
//! - HTML: one standalone page (inline CSS, no scripts, every text escaped), A4 landscape.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};
use serde_json::Value as Json;
use zhicheng_model::Actor;

use crate::periods::ScorecardDoc;
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
        let doc = self.scorecard_doc(actor, period, star).await?;
        let bytes = render(&doc, format)?;
        Ok(Report {
            bytes,
            content_type: format.content_type(),
            file_name: format!(
                "scorecard-{}-{}star.{}",
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

/// The summary as (label, text) pairs, shared by both formats.
fn summary(card: &Json) -> Vec<(&'static str, String)> {
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

// ---------------------------------------------------------------------------------------------
// XLSX

/// The XLSX workbook of a scorecard, created at `created_ms`.
pub fn xlsx(card: &Json, created_ms: i64) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(created_ms.div_euclid(1000))?;
    let title = format!(
        "{} {} 月度报告 {}",
        s(&card["pack"]["standard"]),
        s(&card["pack"]["name"]),
        s(&card["period"])
    );
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
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
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
        ws.write_string_with_format(r, 1, s(&row["group"]), &cell)?;
        ws.write_string_with_format(r, 2, s(&row["name"]), &cell)?;
        ws.write_string_with_format(r, 3, how_zh(&row["how"]), &cell)?;
        ws.write_string_with_format(r, 4, target_text(&row["target"]), &cell)?;
        match row["value"].as_f64() {
            Some(v) => ws.write_number_with_format(r, 5, v, &number)?,
            None => ws.write_string_with_format(r, 5, "无数据", &cell)?,
        };
        ws.write_string_with_format(r, 6, status_zh(&row["status"]), &cell)?;
        ws.write_string_with_format(r, 7, units(&row["lead"]), &cell)?;
        ws.write_string_with_format(r, 8, notes(row), &cell)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    ws.set_column_width(0, 14.0)?;
    ws.set_column_width(1, 90.0)?;
    ws.write_string_with_format(0, 0, "项目", &head)?;
    ws.write_string_with_format(0, 1, "内容", &head)?;
    for (i, (k, v)) in summary(card).into_iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string_with_format(r, 0, k, &cell)?;
        ws.write_string_with_format(r, 1, v, &cell)?;
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
    let title = format!(
        "{} {} 月度报告 {} · {}星",
        s(&card["pack"]["standard"]),
        s(&card["pack"]["name"]),
        s(&card["period"]),
        card["star"].as_u64().unwrap_or(0)
    );
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
    o.push_str("</tbody>\n</table>\n</body>\n</html>\n");
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
