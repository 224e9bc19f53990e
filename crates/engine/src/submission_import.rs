//! Departments' indicator values from an Excel workbook (issue 5, DB37/T 3890 scorecard): a
//! template to fill in, and its import with an error per refused row.
//!
//! - **Template** ([`Engine::submission_template`]): sheet `填报` with the header 期间, 指标序号,
//!   指标名称, 单位, 目标值(4★), 数值, 说明 (and 部门 for admins and operators, who submit on
//!   behalf of a department) and one row per indicator the user may submit — its department's
//!   `submitted` and `hybrid` indicators, or all of them for the big-data center — with the
//!   month filled in and the value empty; sheet `说明` explains the columns in Chinese and
//!   English.
//! - **Import** ([`Engine::import_submissions`]): the first sheet of an XLSX file, read from
//!   memory with calamine. The header is the first of the opening rows that names the
//!   indicator and value columns (Chinese headers, or English `period`, `indicator`, `value`,
//!   `note`, `department`); blank rows are skipped, and so are rows whose value and note are
//!   both empty (the template lists every indicator; a department fills those it reports).
//!   A cell that cannot be read (no month, an indicator that is not a whole number, a value
//!   that is not a number) refuses its row; a row whose cells read cleanly goes through the
//!   same checks as a single submission (`Engine::check_submission`), and a second row for the
//!   same indicator, month and department is refused too. Each refused row is reported with
//!   its spreadsheet row number (as Excel shows it), cell, column, reason label, English detail
//!   and Chinese summary; the good rows are stored as submissions awaiting review, all in one
//!   transaction (a store failure leaves none of them), and the import is audited once
//!   (`submission.import`, with every submission id). A dry run checks everything and stores
//!   nothing.
//! - **Refused whole**: a file that is not XLSX (415), larger than [`MAX_IMPORT_BYTES`] or
//!   with more than [`MAX_IMPORT_ROWS`] data rows (413), empty or without a header (422);
//!   counted as `zhicheng_import_files_rejected_total{target="submissions",reason}`. The zip's
//!   declared unpacked size is bounded too (the zip reader holds each part to its declared
//!   size), so a small file cannot unpack into gigabytes.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};
use serde::Serialize;
use serde_json::json;
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{Actor, Role};
use zhicheng_scorecard::pack::Op;
use zhicheng_scorecard::{Indicator, Measure, Target};

use crate::error::invalid;
use crate::scorecard::DEFAULT_STAR;
use crate::submissions::{unit_ids, valid_period, Refusal, SubmissionInput};
use crate::{Engine, Error, Result};

/// Largest workbook accepted.
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

/// Most data rows (after the header, blank rows not counted) in one file.
pub const MAX_IMPORT_ROWS: usize = 2000;

/// Largest total of the zip's declared unpacked sizes.
const MAX_UNPACKED_BYTES: u128 = 64 * 1024 * 1024;

/// How many non-blank rows at the top may precede the header (a title, a note).
const HEADER_SEARCH_ROWS: usize = 10;

/// Columns beyond this are not read (the template has eight).
const MAX_COLUMNS: u32 = 256;

/// Longest text of one cell, in bytes (Excel's 32,767 characters, at most 4 bytes each).
const MAX_CELL_TEXT_BYTES: usize = 32_767 * 4;

/// Most text the reader keeps from one sheet: shared strings are stored once in the file but
/// copied for every cell that refers to them, so a small file could otherwise ask for
/// gigabytes.
const MAX_SHEET_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// The metrics' `target` label of this import.
const TARGET: &str = "submissions";

/// The XLSX content type.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A column the import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Col {
    Period,
    Indicator,
    Value,
    Note,
    Department,
}

impl Col {
    const ALL: [Col; 5] = [
        Col::Period,
        Col::Indicator,
        Col::Value,
        Col::Note,
        Col::Department,
    ];

    /// The field name of [`SubmissionInput`] (and of the report).
    fn field(self) -> &'static str {
        match self {
            Col::Period => "period",
            Col::Indicator => "indicator",
            Col::Value => "value",
            Col::Note => "note",
            Col::Department => "department",
        }
    }

    /// The template's header.
    fn zh(self) -> &'static str {
        match self {
            Col::Period => "期间",
            Col::Indicator => "指标序号",
            Col::Value => "数值",
            Col::Note => "说明",
            Col::Department => "部门",
        }
    }

    fn of_field(field: &str) -> Option<Col> {
        Col::ALL.into_iter().find(|c| c.field() == field)
    }

    /// The column a header names: the template's Chinese header, its English field name, or a
    /// few common synonyms; case, spaces, a required-mark `*` and a parenthesised hint such as
    /// `（必填）` are ignored.
    fn from_header(h: &str) -> Option<Col> {
        let mut k: String = h
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        if let Some(i) = k.find(['(', '（']) {
            if i > 0 && k.ends_with([')', '）']) {
                k.truncate(i);
            }
        }
        let k = k.trim_end_matches(['*', '＊']);
        Some(match k {
            "期间" | "月份" | "period" | "month" => Col::Period,
            "指标序号" | "指标编号" | "序号" | "indicator" => Col::Indicator,
            "数值" | "填报值" | "value" => Col::Value,
            "说明" | "备注" | "note" => Col::Note,
            "部门" | "部门编号" | "department" => Col::Department,
            _ => return None,
        })
    }
}

/// A cell as read from the sheet.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date (Excel turns a typed `2026-11` into one).
    Date {
        year: u16,
        month: u8,
    },
    /// An Excel error value such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    fn from_data(d: DataRef<'_>) -> Option<Cell> {
        let c = match d {
            DataRef::Empty => return None,
            DataRef::Int(i) => Cell::Number(i as f64),
            DataRef::Float(f) => Cell::Number(f),
            DataRef::String(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s.to_string()),
            DataRef::Bool(b) => Cell::Bool(b),
            DataRef::DateTime(dt) if dt.is_datetime() => {
                let (year, month, ..) = dt.to_ymd_hms_milli();
                Cell::Date { year, month }
            }
            DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
            DataRef::DateTimeIso(s) => match iso_month(&s) {
                Some((year, month)) => Cell::Date { year, month },
                None => Cell::Text(s),
            },
            DataRef::DurationIso(s) => Cell::Text(s),
            DataRef::Error(e) => Cell::Error(e.to_string()),
        };
        if matches!(&c, Cell::Text(s) if s.trim().is_empty()) {
            return None;
        }
        Some(c)
    }

    /// The cell as text (for notes, departments and messages).
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) => num(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Cell::Date { year, month } => format!("{year:04}-{month:02}"),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// `YYYY-MM` at the start of an ISO 8601 date.
fn iso_month(s: &str) -> Option<(u16, u8)> {
    let b = s.as_bytes();
    if b.len() >= 7 && b[4] == b'-' {
        Some((s.get(..4)?.parse().ok()?, s.get(5..7)?.parse().ok()?))
    } else {
        None
    }
}

/// A number without float noise: at most 6 decimals, trailing zeros dropped.
fn num(v: f64) -> String {
    let t = format!("{v:.6}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// A number written as text: an optional sign, digits with at most one decimal point, an
/// optional exponent; surrounding spaces allowed, nothing else (no `%`, units or words).
fn numeric_text(s: &str) -> Option<f64> {
    let s = s.trim();
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let m = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let digits = m.chars().filter(char::is_ascii_digit).count();
    let ok_mantissa = digits > 0
        && m.chars().all(|c| c.is_ascii_digit() || c == '.')
        && m.matches('.').count() <= 1;
    let ok_exponent = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    if ok_mantissa && ok_exponent {
        s.parse().ok()
    } else {
        None
    }
}

/// Excel's letters of a 0-based column (`0` → `A`, `26` → `AA`).
fn column_letters(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// One refused row (a row may have more than one, one per unreadable cell).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The row number as Excel shows it (1-based; the template's header is row 1).
    pub row: u32,
    /// The cell, e.g. `F7`, when the file has the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The column's header as the file writes it (the template's name when the file has none).
    pub column: String,
    /// The input field: `period`, `indicator`, `value`, `note` or `department`.
    pub field: &'static str,
    /// The row's indicator number, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<u32>,
    /// A short label of the reason, e.g. `closed_period`, `not_a_number`, `duplicate`.
    pub reason: &'static str,
    /// Why, in English, naming the value.
    pub error: String,
    /// A Chinese summary followed by the English detail (like the API's `message_zh`).
    pub message_zh: String,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// Nothing was stored.
    pub dry_run: bool,
    /// The sheet read (the workbook's first).
    pub sheet: String,
    /// The header's row number.
    pub header_row: u32,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    /// Rows stored as submissions (in a dry run: that would be).
    pub imported: usize,
    /// Rows refused.
    pub refused: usize,
    /// Rows left out because both their value and note are empty.
    pub skipped: usize,
    /// Why each refused row was refused, by row and column.
    pub errors: Vec<RowError>,
    /// The ids of the stored submissions, in row order (empty in a dry run).
    pub submissions: Vec<i64>,
}

/// A file refused whole: the metrics' reason and the error answered.
#[derive(Debug)]
struct FileRefusal {
    reason: &'static str,
    error: Error,
}

impl FileRefusal {
    fn new(reason: &'static str, error: Error) -> Self {
        FileRefusal { reason, error }
    }
}

/// Bounds of a file, as constants in production and small in tests.
#[derive(Debug, Clone, Copy)]
struct Limits {
    bytes: usize,
    unpacked: u128,
    rows: usize,
}

const LIMITS: Limits = Limits {
    bytes: MAX_IMPORT_BYTES,
    unpacked: MAX_UNPACKED_BYTES,
    rows: MAX_IMPORT_ROWS,
};

/// A column found in the header.
#[derive(Debug, Clone)]
struct Column {
    index: u32,
    header: String,
}

/// A data row: its 1-based number and its non-blank cells by column.
#[derive(Debug, Clone)]
struct Row {
    number: u32,
    cells: HashMap<Col, Cell>,
}

/// The first sheet, as far as the import cares.
#[derive(Debug)]
struct Table {
    sheet: String,
    header_row: u32,
    columns: HashMap<Col, Column>,
    rows: Vec<Row>,
}

impl Table {
    fn cell_ref(&self, col: Col, row: u32) -> Option<String> {
        self.columns
            .get(&col)
            .map(|c| format!("{}{row}", column_letters(c.index)))
    }

    fn header(&self, col: Col) -> String {
        self.columns
            .get(&col)
            .map_or_else(|| col.zh().to_string(), |c| c.header.clone())
    }
}

/// The cheap checks of the bytes (size, emptiness, kind), before anything is unpacked.
fn check_envelope(bytes: &[u8], limits: &Limits) -> std::result::Result<(), FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::new(
            "empty",
            invalid("file", "the file is empty (文件为空)"),
        ));
    }
    if bytes.len() > limits.bytes {
        return Err(FileRefusal::new(
            "too_large",
            Error::TooLarge(format!(
                "a workbook of {} bytes exceeds the {} MiB limit: split it into several files \
                 (Excel 文件不能超过 {} MiB，请拆分后分批导入)",
                bytes.len(),
                limits.bytes >> 20,
                limits.bytes >> 20
            )),
        ));
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Err(FileRefusal::new(
            "not_xlsx",
            Error::UnsupportedType(
                "this is an Excel 97-2003 (.xls) or a password-protected workbook: save it as \
                 an unprotected .xlsx (请另存为未加密的 .xlsx 文件)"
                    .into(),
            ),
        ));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(FileRefusal::new(
            "not_xlsx",
            Error::UnsupportedType(
                "not an XLSX workbook: upload an Excel .xlsx file such as the template \
                 (请上传 .xlsx 格式的 Excel 文件，可先下载模板)"
                    .into(),
            ),
        ));
    }
    Ok(())
}

/// Reads the first sheet of an XLSX workbook into rows of the columns the import knows.
fn read_table(bytes: &[u8], limits: &Limits) -> std::result::Result<Table, FileRefusal> {
    check_envelope(bytes, limits)?;
    let not_xlsx = |detail: String| {
        FileRefusal::new(
            "not_xlsx",
            Error::UnsupportedType(format!(
                "not a readable XLSX workbook ({detail}) (无法读取该 Excel 文件，请确认是 .xlsx 格式)"
            )),
        )
    };
    // The central directory's sizes: the zip reader holds each part to its declared size, so
    // their sum bounds what calamine can unpack.
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_xlsx(e.to_string()))?;
    let mut unpacked: u128 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|e| not_xlsx(e.to_string()))?;
        unpacked += u128::from(entry.size());
    }
    if unpacked > limits.unpacked {
        return Err(FileRefusal::new(
            "too_large",
            Error::TooLarge(format!(
                "the workbook unpacks to more than {} MiB (文件解压后过大)",
                limits.unpacked >> 20
            )),
        ));
    }
    drop(zip);
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| not_xlsx(e.to_string()))?;
    let Some(sheet) = wb.sheet_names().into_iter().next() else {
        return Err(FileRefusal::new(
            "empty",
            invalid("file", "the workbook has no worksheet (工作簿中没有工作表)"),
        ));
    };
    let unreadable = |e: calamine::XlsxError| {
        FileRefusal::new(
            "unreadable",
            invalid(
                "file",
                format!("sheet {sheet:?} could not be read: {e} (工作表无法读取)"),
            ),
        )
    };
    // Row (0-based) → non-blank cells. Streamed cell by cell: a sheet claiming a huge range
    // costs nothing, and reading stops once there are more rows than any file may have.
    let most_rows = limits.rows + HEADER_SEARCH_ROWS + 1;
    let mut grid: BTreeMap<u32, Vec<(u32, Cell)>> = BTreeMap::new();
    let mut seen: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    let mut text_bytes = 0usize;
    {
        let mut cells = wb.worksheet_cells_reader(&sheet).map_err(unreadable)?;
        while let Some(c) = cells.next_cell().map_err(unreadable)? {
            let (r, col) = c.get_position();
            if col >= MAX_COLUMNS {
                continue;
            }
            let len = match c.get_value() {
                DataRef::String(t) | DataRef::DateTimeIso(t) | DataRef::DurationIso(t) => t.len(),
                DataRef::SharedString(t) => t.len(),
                _ => 0,
            };
            text_bytes += len;
            if len > MAX_CELL_TEXT_BYTES || text_bytes > MAX_SHEET_TEXT_BYTES {
                return Err(FileRefusal::new(
                    "too_large",
                    Error::TooLarge(format!(
                        "the sheet holds more text than an indicator report can ({} MiB at most, \
                         32,767 characters a cell) (表格文字内容过多)",
                        MAX_SHEET_TEXT_BYTES >> 20
                    )),
                ));
            }
            if !seen.insert((r, col)) {
                return Err(FileRefusal::new(
                    "unreadable",
                    invalid(
                        "file",
                        format!(
                            "sheet {sheet:?} lists row {} column {} twice (工作表数据重复，文件已损坏)",
                            r + 1,
                            col + 1
                        ),
                    ),
                ));
            }
            let Some(cell) = Cell::from_data(c.get_value().clone()) else {
                continue;
            };
            if !grid.contains_key(&r) && grid.len() >= most_rows {
                return Err(too_many_rows(limits));
            }
            grid.entry(r).or_default().push((col, cell));
        }
    }
    if grid.is_empty() {
        return Err(FileRefusal::new(
            "empty",
            invalid(
                "file",
                format!("sheet {sheet:?} is empty (第一个工作表没有内容)"),
            ),
        ));
    }
    // The header: the first of the opening rows naming both the indicator and the value.
    let mut header = None;
    for (&r, cells) in grid.iter().take(HEADER_SEARCH_ROWS) {
        let found: Vec<(Col, u32, String)> = cells
            .iter()
            .filter_map(|(c, cell)| match cell {
                Cell::Text(t) => Col::from_header(t).map(|col| (col, *c, t.trim().to_string())),
                _ => None,
            })
            .collect();
        if found.iter().any(|f| f.0 == Col::Indicator) && found.iter().any(|f| f.0 == Col::Value) {
            header = Some((r, found));
            break;
        }
    }
    let Some((header_row, found)) = header else {
        return Err(FileRefusal::new(
            "no_header",
            invalid(
                "file",
                "no header row: the first sheet needs the columns 期间, 指标序号 and 数值 \
                 (period, indicator, value) in one of its first rows; download the template \
                 (未找到表头：第一个工作表需有“期间”“指标序号”“数值”列，请使用模板)",
            ),
        ));
    };
    let mut columns: HashMap<Col, Column> = HashMap::new();
    for (col, index, text) in found {
        if let Some(first) = columns.get(&col) {
            return Err(FileRefusal::new(
                "no_header",
                invalid(
                    "file",
                    format!(
                        "columns {} and {} are both {} ({}): keep one (表头“{}”重复)",
                        column_letters(first.index),
                        column_letters(index),
                        col.zh(),
                        col.field(),
                        col.zh()
                    ),
                ),
            ));
        }
        columns.insert(
            col,
            Column {
                index,
                header: text,
            },
        );
    }
    if !columns.contains_key(&Col::Period) {
        return Err(FileRefusal::new(
            "no_header",
            invalid(
                "file",
                "the header has no 期间 (period) column (表头缺少“期间”列)",
            ),
        ));
    }
    let by_index: HashMap<u32, Col> = columns.iter().map(|(k, c)| (c.index, *k)).collect();
    let rows: Vec<Row> = grid
        .into_iter()
        .filter(|(r, _)| *r > header_row)
        .map(|(r, cells)| Row {
            number: r + 1,
            cells: cells
                .into_iter()
                .filter_map(|(c, cell)| by_index.get(&c).map(|col| (*col, cell)))
                .collect(),
        })
        .collect();
    if rows.len() > limits.rows {
        return Err(too_many_rows(limits));
    }
    Ok(Table {
        sheet,
        header_row: header_row + 1,
        columns,
        rows,
    })
}

fn too_many_rows(limits: &Limits) -> FileRefusal {
    FileRefusal::new(
        "too_many_rows",
        Error::TooLarge(format!(
            "the sheet has more than {} rows: split it into several files \
             (每个文件最多 {} 行，请拆分后分批导入)",
            limits.rows, limits.rows
        )),
    )
}

/// An unreadable cell of a row.
struct CellProblem {
    col: Col,
    reason: &'static str,
    zh: &'static str,
    error: String,
}

/// A row's cells as a submission, or what is wrong with them.
fn row_input(row: &Row) -> std::result::Result<SubmissionInput, Vec<CellProblem>> {
    let mut problems = Vec::new();
    let cell = |c: Col| row.cells.get(&c);
    let period = match cell(Col::Period) {
        None => {
            problems.push(CellProblem {
                col: Col::Period,
                reason: "missing_period",
                zh: "缺少期间（月份，YYYY-MM）",
                error: "period: required, a month YYYY-MM".into(),
            });
            String::new()
        }
        Some(c) => c.text(),
    };
    let indicator = match cell(Col::Indicator) {
        None => {
            problems.push(CellProblem {
                col: Col::Indicator,
                reason: "missing_indicator",
                zh: "缺少指标序号",
                error: "indicator: required".into(),
            });
            None
        }
        Some(c) => {
            let n = match c {
                Cell::Number(n) => Some(*n),
                Cell::Text(t) => numeric_text(t.trim().trim_start_matches(['#', '＃'])),
                _ => None,
            };
            match n {
                Some(n) if n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n) => {
                    Some(n as u32)
                }
                _ => {
                    problems.push(CellProblem {
                        col: Col::Indicator,
                        reason: "bad_indicator",
                        zh: "指标序号应为正整数",
                        error: format!("indicator: {:?} is not an indicator number", c.text()),
                    });
                    None
                }
            }
        }
    };
    let note = cell(Col::Note).map(Cell::text);
    let value = match cell(Col::Value) {
        None => {
            problems.push(CellProblem {
                col: Col::Value,
                reason: "missing_value",
                zh: "缺少数值",
                error: "value: required when the row has a note".into(),
            });
            None
        }
        Some(Cell::Number(n)) => Some(*n),
        Some(Cell::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
        Some(Cell::Text(t)) if numeric_text(t).is_some() => numeric_text(t),
        Some(Cell::Error(e)) => {
            problems.push(CellProblem {
                col: Col::Value,
                reason: "not_a_number",
                zh: "数值单元格是 Excel 错误值",
                error: format!("value: the cell holds the Excel error {e}"),
            });
            None
        }
        Some(c) => {
            problems.push(CellProblem {
                col: Col::Value,
                reason: "not_a_number",
                zh: "数值必须是数字（百分比填 0–100 的数，不带 %）",
                error: format!("value: {:?} is not a number", c.text()),
            });
            None
        }
    };
    let department = cell(Col::Department).map(Cell::text);
    match (indicator, value) {
        (Some(indicator), Some(value)) if problems.is_empty() => Ok(SubmissionInput {
            indicator,
            period,
            value,
            note,
            department,
        }),
        _ => Err(problems),
    }
}

/// The row's indicator number if its cell holds one (for the report).
fn row_indicator(row: &Row) -> Option<u32> {
    match row.cells.get(&Col::Indicator)? {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX) => {
            Some(*n as u32)
        }
        Cell::Text(t) => t.trim().trim_start_matches(['#', '＃']).parse().ok(),
        _ => None,
    }
}

/// The English detail of an engine error, without the Chinese aside some messages carry.
fn english(e: &Error) -> String {
    let s = match e {
        Error::Invalid(i) => format!("{}: {}", i.field, i.reason),
        Error::Forbidden(s) | Error::Conflict(s) | Error::NotFound(s) => s.clone(),
        other => other.to_string(),
    };
    match s.rfind(" (") {
        Some(i) if s.ends_with(')') && !s[i..].is_ascii() => s[..i].to_string(),
        _ => s,
    }
}

// ---------------------------------------------------------------------------------------------
// The template

fn unit_zh(unit: &str) -> String {
    match unit {
        "%" => "%（填 0–100 的数）".into(),
        "count" => "个".into(),
        "bool" => "是/否（是填 1，否填 0）".into(),
        "rank%" => "排名百分位 %（填 0–100 的数）".into(),
        u => u.into(),
    }
}

fn target_zh(ind: &Indicator, star: u8) -> String {
    if ind.deduction.is_some() {
        return "扣分项（无目标值）".into();
    }
    let Some(t): Option<&Target> = ind.targets.get(&star.to_string()) else {
        return "—".into();
    };
    let op = match t.op {
        Op::Ge => "≥",
        Op::Gt => ">",
        Op::Le => "≤",
        Op::Lt => "<",
        Op::Eq => "=",
    };
    let mut out = match t.unit.as_str() {
        "bool" => if t.value >= 0.5 { "是" } else { "否" }.to_string(),
        "%" | "rank%" => format!("{op}{}%", num(t.value)),
        "count" | "" => format!("{op}{}", num(t.value)),
        u => format!("{op}{} {u}", num(t.value)),
    };
    if t.unit == "rank%" {
        out.push_str("（排名）");
    }
    if let Some(s) = t.refers_to_star {
        out.push_str(&format!("（参照{s}星）"));
    }
    out
}

/// The 说明 sheet: (column, Chinese, English).
fn explanations(with_department: bool) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v = vec![
        (
            "期间",
            "报送的月份，格式 YYYY-MM（如 2026-11），按文本填写；不能是尚未开始的月份，已关账的月份不接受报送。",
            "The month reported, YYYY-MM (e.g. 2026-11), as text; not a month still to come; closed months refuse submissions.",
        ),
        (
            "指标序号",
            "DB37/T 3890-2020 县级指标的序号（整数）。只能报送本部门为牵头或配合单位的“部门填报”或“平台数据优先”类指标。",
            "The indicator's number in DB37/T 3890-2020 (county). Only submitted or hybrid indicators whose lead or partner units include your department.",
        ),
        (
            "指标名称、单位、目标值",
            "供参考，导入时不读取。",
            "For reference; not read on import.",
        ),
        (
            "数值",
            "填报的数值，必须是数字。百分比填 0–100 的数（如 62.5，不带 %）；是/否类指标是填 1，否填 0。数值和说明都为空的行会被跳过。",
            "The value, a number. Percentages as 0-100 (62.5, no % sign); yes/no indicators as 1 or 0. Rows whose value and note are both empty are skipped.",
        ),
        (
            "说明",
            "可选，对数值的说明（最多 2000 字）。证明材料请在导入后到“指标报送”页面逐条上传。",
            "Optional note on the value (at most 2,000 characters). Attach evidence files to each submission on the submissions page after importing.",
        ),
    ];
    if with_department {
        v.push((
            "部门",
            "代为报送的部门编号（须为该指标的牵头或配合单位）；留空则为该指标的第一个牵头单位。",
            "The department submitted for (one of the indicator's lead or partner units, by id); empty means its first lead unit.",
        ));
    }
    v.extend([
        (
            "规则",
            "每个文件最多 2000 行、不超过 5 MiB；同一文件中同一指标、期间和部门只能出现一次。先“检查”再“导入”：有错误的行不会导入，其余行导入后等待大数据中心审核。",
            "At most 2,000 rows and 5 MiB per file; one row per indicator, month and department. Check first, then import: refused rows are not stored, the others await the big-data center's review.",
        ),
        (
            "English headers",
            "表头也可以用英文：period, indicator, value, note, department。",
            "Headers may also be written in English: period, indicator, value, note, department.",
        ),
    ]);
    v
}

fn template_xlsx(
    rows: &[(&Indicator, Option<String>)],
    period: &str,
    with_department: bool,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let input_head = head.clone().set_background_color("#FFF2CC");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let text = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("@");
    let number = Format::new().set_border(FormatBorder::Thin);
    let input = Format::new()
        .set_border(FormatBorder::Thin)
        .set_background_color("#FFFBEA");
    let input_text = input.clone().set_num_format("@").set_text_wrap();

    let ws = wb.add_worksheet();
    ws.set_name("填报")?;
    let target_header = format!("目标值({DEFAULT_STAR}★)");
    let mut headers: Vec<(&str, f64, bool)> = vec![
        ("期间", 10.0, true),
        ("指标序号", 9.0, false),
        ("指标名称", 30.0, false),
        ("单位", 16.0, false),
        (target_header.as_str(), 16.0, false),
        ("数值", 12.0, true),
        ("说明", 40.0, true),
    ];
    if with_department {
        headers.push(("部门", 18.0, true));
    }
    for (c, (h, w, is_input)) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, if *is_input { &input_head } else { &head })?;
        ws.set_column_width(c, *w)?;
    }
    // Typed months stay text (Excel would turn 2026-11 into a date).
    ws.set_column_format(0, &text)?;
    ws.set_freeze_panes(1, 0)?;
    for (i, (ind, department)) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string_with_format(r, 0, period, &input_text)?;
        ws.write_number_with_format(r, 1, f64::from(ind.number), &number)?;
        ws.write_string_with_format(r, 2, &ind.name, &cell)?;
        let unit = ind
            .targets
            .get(&DEFAULT_STAR.to_string())
            .or_else(|| ind.targets.values().next())
            .map(|t| unit_zh(&t.unit))
            .unwrap_or_default();
        ws.write_string_with_format(r, 3, &unit, &cell)?;
        ws.write_string_with_format(r, 4, target_zh(ind, DEFAULT_STAR), &cell)?;
        ws.write_blank(r, 5, &input)?;
        ws.write_blank(r, 6, &input_text)?;
        if with_department {
            match department {
                Some(d) => ws.write_string_with_format(r, 7, d, &input_text)?,
                None => ws.write_blank(r, 7, &input_text)?,
            };
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name("说明")?;
    ws.set_column_width(0, 18.0)?;
    ws.set_column_width(1, 70.0)?;
    ws.set_column_width(2, 70.0)?;
    ws.write_string_with_format(0, 0, "列 Column", &head)?;
    ws.write_string_with_format(0, 1, "说明", &head)?;
    ws.write_string_with_format(0, 2, "Description", &head)?;
    for (i, (col, zh, en)) in explanations(with_department).into_iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string_with_format(r, 0, col, &cell)?;
        ws.write_string_with_format(r, 1, zh, &cell)?;
        ws.write_string_with_format(r, 2, en, &cell)?;
    }
    wb.save_to_buffer()
}

impl Engine {
    /// The indicators `actor` may submit, each with the department a template row prefills
    /// (admins and operators: the indicator's default unit; department users: none).
    fn submittable(&self, actor: &Actor) -> Vec<(&Indicator, Option<String>)> {
        self.scorecard_pack()
            .indicators
            .iter()
            .filter(|i| !matches!(i.measure, Measure::Auto { .. }))
            .filter_map(|i| match actor.role {
                Role::Admin | Role::Operator => Some((i, unit_ids(i).next().map(str::to_string))),
                Role::Department => {
                    let own = actor.department.as_deref()?;
                    unit_ids(i).any(|u| u == own).then_some((i, None))
                }
                Role::Viewer => None,
            })
            .collect()
    }

    /// An XLSX to fill in: one row per indicator `actor` may submit, for `period` (see the
    /// module docs). Viewers are refused.
    pub async fn submission_template(&self, actor: &Actor, period: &str) -> Result<Vec<u8>> {
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not submit values".into()));
        }
        let period = period.trim();
        if !valid_period(period) {
            return Err(invalid("period", "a month YYYY-MM, e.g. 2026-11"));
        }
        let rows = self.submittable(actor);
        template_xlsx(&rows, period, actor.can_admin_registry())
            .map_err(|e| Error::Unavailable(format!("XLSX template: {e}")))
    }

    /// Imports the values of an XLSX workbook (see the module docs). With `dry_run`, checks
    /// every row and stores nothing.
    pub async fn import_submissions(
        &self,
        actor: &Actor,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport> {
        // Held until stored: a month cannot be closed between the check and the write.
        let _months = self.inner.scorecard.month_writes.read().await;
        if actor.role == Role::Viewer {
            return Err(Error::Forbidden("viewers do not submit values".into()));
        }
        if let Err(r) = check_envelope(bytes, &LIMITS) {
            self.inner.metrics.import_file_rejected(TARGET, r.reason);
            return Err(r.error);
        }
        // Unzipping and parsing is CPU work: keep it off the request threads.
        let body = bytes.to_vec();
        let table = match tokio::task::spawn_blocking(move || read_table(&body, &LIMITS)).await {
            Ok(Ok(t)) => t,
            Ok(Err(r)) => {
                self.inner.metrics.import_file_rejected(TARGET, r.reason);
                return Err(r.error);
            }
            Err(e) => return Err(Error::Unavailable(format!("XLSX reader: {e}"))),
        };

        let now = now_ms();
        let mut errors: Vec<RowError> = Vec::new();
        let mut good = Vec::new();
        let mut skipped = 0;
        let mut refused = 0;
        // (indicator, period, department) → the first row that has it.
        let mut seen: HashMap<(i64, String, Option<String>), u32> = HashMap::new();
        let push = |errors: &mut Vec<RowError>,
                    row: &Row,
                    col: Col,
                    reason: &'static str,
                    zh: &str,
                    error: String| {
            errors.push(RowError {
                row: row.number,
                cell: table.cell_ref(col, row.number),
                column: table.header(col),
                field: col.field(),
                indicator: row_indicator(row),
                reason,
                message_zh: format!("{zh}：{error}"),
                error,
            });
        };
        for row in &table.rows {
            if !row.cells.contains_key(&Col::Value) && !row.cells.contains_key(&Col::Note) {
                skipped += 1;
                continue;
            }
            let input = match row_input(row) {
                Ok(i) => i,
                Err(problems) => {
                    refused += 1;
                    for p in problems {
                        push(&mut errors, row, p.col, p.reason, p.zh, p.error);
                    }
                    continue;
                }
            };
            let rec = match self.check_submission(actor, input, now).await? {
                Ok(rec) => rec,
                Err(Refusal {
                    field,
                    reason,
                    zh,
                    error,
                }) => {
                    refused += 1;
                    let col = Col::of_field(field).unwrap_or(Col::Indicator);
                    push(&mut errors, row, col, reason, zh, english(&error));
                    continue;
                }
            };
            let key = (rec.indicator, rec.period.clone(), rec.department.clone());
            if let Some(first) = seen.get(&key) {
                refused += 1;
                push(
                    &mut errors,
                    row,
                    Col::Indicator,
                    "duplicate",
                    &format!("与第 {first} 行重复（同一指标、期间和部门只能报送一行）"),
                    format!(
                        "indicator {} for {} repeats row {first} (one row per indicator, month \
                         and department)",
                        rec.indicator, rec.period
                    ),
                );
                continue;
            }
            seen.insert(key, row.number);
            good.push(rec);
        }

        let mut ids = Vec::new();
        if !dry_run {
            // All good rows in one transaction: a failing store leaves none of them behind.
            ids = self.inner.store.insert_submissions(&good).await?;
            for e in &errors {
                self.inner.metrics.import_row_refused(TARGET, e.reason);
            }
            self.inner.metrics.import_rows_stored(TARGET, good.len());
            self.audit(
                &actor.username,
                "submission.import",
                "",
                json!({"sheet": table.sheet, "rows": table.rows.len(), "imported": good.len(),
                       "refused": refused, "skipped": skipped, "submissions": ids}),
            )
            .await;
        }
        Ok(ImportReport {
            dry_run,
            sheet: table.sheet.clone(),
            header_row: table.header_row,
            rows: table.rows.len(),
            imported: good.len(),
            refused,
            skipped,
            errors,
            submissions: ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a workbook with `rust_xlsxwriter` (the HTTP tests write theirs with openpyxl):
    /// each row's cells from column A; `None` leaves a cell empty.
    fn workbook(rows: &[Vec<Option<W>>]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    None => {}
                    Some(W::S(s)) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    Some(W::N(n)) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    Some(W::B(b)) => {
                        ws.write_boolean(r, c, *b).unwrap();
                    }
                    Some(W::D(y, m)) => {
                        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, 1).unwrap();
                        let f = Format::new().set_num_format("yyyy-mm");
                        ws.write_datetime_with_format(r, c, d, &f).unwrap();
                    }
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    #[derive(Clone)]
    enum W {
        S(&'static str),
        N(f64),
        B(bool),
        D(u16, u8),
    }
    use W::*;

    fn read(bytes: &[u8]) -> std::result::Result<Table, FileRefusal> {
        read_table(bytes, &LIMITS)
    }

    fn refused(bytes: &[u8], limits: &Limits) -> (&'static str, Error) {
        let r = read_table(bytes, limits).expect_err("refused");
        (r.reason, r.error)
    }

    #[test]
    fn one_shared_string_in_many_cells_cannot_ask_for_gigabytes() {
        // A 90 kB text (30,000 characters, under Excel's 32,767) stored once in the shared
        // strings, referred to by 200 cells: the file is small, but copying it per cell would
        // keep 18 MB.
        let long = "甲".repeat(30_000);
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "indicator").unwrap();
        ws.write_string(0, 1, "value").unwrap();
        ws.write_string(0, 3, "period").unwrap();
        for r in 1..=200u32 {
            ws.write_string(r, 2, &long).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
        let (reason, e) = refused(&bytes, &LIMITS);
        assert_eq!(reason, "too_large");
        assert!(matches!(e, Error::TooLarge(_)), "{e:?}");
        // One such cell alone is fine.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "indicator").unwrap();
        ws.write_string(0, 1, "value").unwrap();
        ws.write_string(0, 3, "period").unwrap();
        ws.write_string(1, 2, &long).unwrap();
        if let Err(e) = read(&wb.save_to_buffer().unwrap()) {
            panic!("{} {:?}", e.reason, e.error);
        }
    }

    #[test]
    fn headers_are_found_by_name_in_either_language() {
        assert_eq!(Col::from_header(" 期间 "), Some(Col::Period));
        assert_eq!(Col::from_header("指标 序号"), Some(Col::Indicator));
        assert_eq!(Col::from_header("数值（必填）"), Some(Col::Value));
        assert_eq!(Col::from_header("数值*"), Some(Col::Value));
        assert_eq!(Col::from_header("Value"), Some(Col::Value));
        assert_eq!(Col::from_header("NOTE"), Some(Col::Note));
        assert_eq!(Col::from_header("department"), Some(Col::Department));
        assert_eq!(Col::from_header("目标值(4★)"), None);
        assert_eq!(Col::from_header("指标名称"), None);
        assert_eq!(Col::from_header("(数值)"), None);
    }

    #[test]
    fn a_title_row_may_precede_the_header_and_blank_rows_are_skipped() {
        let bytes = workbook(&[
            vec![Some(S("2026年11月 指标报送"))],
            vec![],
            vec![
                Some(S("value")),
                Some(S("note")),
                Some(S("indicator")),
                Some(S("period")),
                Some(S("extra")),
            ],
            vec![Some(N(62.5)), None, Some(N(4.0)), Some(S("2026-11"))],
            vec![Some(S("   ")), None, None, None, Some(S(""))],
            vec![],
            vec![
                Some(S(" 1e2 ")),
                Some(S("说明")),
                Some(S("#6")),
                Some(D(2026, 10)),
            ],
        ]);
        let t = read(&bytes).unwrap();
        assert_eq!(t.header_row, 3);
        assert_eq!(t.columns[&Col::Value].index, 0);
        assert_eq!(t.columns[&Col::Period].header, "period");
        assert_eq!(t.cell_ref(Col::Indicator, 7).as_deref(), Some("C7"));
        assert_eq!(t.header(Col::Department), "部门");
        let numbers: Vec<u32> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![4, 7], "blank rows are skipped");
        let a = row_input(&t.rows[0]).ok().unwrap();
        assert_eq!(
            (a.indicator, a.period.as_str(), a.value),
            (4, "2026-11", 62.5)
        );
        assert_eq!(a.note, None);
        // Numeric text, `#6`, and a date cell for the month.
        let b = row_input(&t.rows[1]).ok().unwrap();
        assert_eq!(
            (b.indicator, b.period.as_str(), b.value),
            (6, "2026-10", 100.0)
        );
        assert_eq!(b.note.as_deref(), Some("说明"));
    }

    #[test]
    fn cells_that_cannot_be_read_refuse_their_row() {
        let bytes = workbook(&[
            vec![
                Some(S("期间")),
                Some(S("指标序号")),
                Some(S("数值")),
                Some(S("说明")),
            ],
            vec![None, Some(N(4.0)), Some(N(1.0))],
            vec![Some(S("2026-11")), Some(N(4.5)), Some(S("abc"))],
            vec![Some(S("2026-11")), Some(S("四")), Some(S("62.5%"))],
            vec![Some(S("2026-11")), Some(N(4.0)), None, Some(S("忘了填数"))],
            vec![Some(S("2026-11")), Some(N(4.0)), Some(B(true))],
            vec![Some(S("2026-11")), Some(N(4.0))],
        ]);
        let t = read(&bytes).unwrap();
        let problems = |i: usize| -> Vec<(&'static str, &'static str)> {
            match row_input(&t.rows[i]) {
                Ok(_) => vec![],
                Err(p) => p.iter().map(|p| (p.col.field(), p.reason)).collect(),
            }
        };
        assert_eq!(problems(0), vec![("period", "missing_period")]);
        assert_eq!(
            problems(1),
            vec![("indicator", "bad_indicator"), ("value", "not_a_number")]
        );
        assert_eq!(
            problems(2),
            vec![("indicator", "bad_indicator"), ("value", "not_a_number")]
        );
        assert_eq!(problems(3), vec![("value", "missing_value")]);
        // TRUE counts as 1 (yes/no indicators).
        assert_eq!(row_input(&t.rows[4]).ok().unwrap().value, 1.0);
        // Neither value nor note: the import skips it (the template lists every indicator).
        assert!(!t.rows[5].cells.contains_key(&Col::Value));
    }

    #[test]
    fn numeric_text() {
        for (s, v) in [
            ("62.5", 62.5),
            (" -3 ", -3.0),
            ("+4", 4.0),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("7.", 7.0),
        ] {
            assert_eq!(super::numeric_text(s), Some(v), "{s}");
        }
        for s in [
            "", "abc", "62.5%", "1,000", "inf", "NaN", "1e", "1.2.3", "--1", "+", "１２",
        ] {
            assert_eq!(super::numeric_text(s), None, "{s}");
        }
    }

    #[test]
    fn files_refused_whole() {
        let tiny = Limits {
            bytes: 100_000,
            unpacked: 1 << 20,
            rows: 3,
        };
        let (reason, e) = refused(b"", &LIMITS);
        assert_eq!(reason, "empty");
        assert!(matches!(e, Error::Invalid(_)));
        let (reason, e) = refused(b"period,indicator,value\n2026-11,4,1\n", &LIMITS);
        assert_eq!(reason, "not_xlsx");
        assert!(matches!(e, Error::UnsupportedType(_)), "{e}");
        let (reason, e) = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", &LIMITS);
        assert_eq!(reason, "not_xlsx");
        assert!(e.to_string().contains(".xls"), "{e}");
        // A zip that is not a workbook, and a truncated one.
        let (reason, _) = refused(b"PK\x03\x04 not really a zip", &LIMITS);
        assert_eq!(reason, "not_xlsx");
        let good = workbook(&[vec![Some(S("期间")), Some(S("指标序号")), Some(S("数值"))]]);
        let (reason, _) = refused(&good[..good.len() / 2], &LIMITS);
        assert_eq!(reason, "not_xlsx");
        let mut big = good.clone();
        big.resize(tiny.bytes + 1, 0);
        let (reason, e) = refused(&big, &tiny);
        assert_eq!(reason, "too_large");
        assert!(matches!(e, Error::TooLarge(_)));
        // A header alone is a valid file with no rows.
        assert!(read(&good).unwrap().rows.is_empty());
        // No header; an empty sheet; a header without the month; a column twice.
        let (reason, e) = refused(
            &workbook(&[vec![Some(S("a")), Some(S("b"))], vec![Some(N(1.0))]]),
            &LIMITS,
        );
        assert_eq!(reason, "no_header");
        assert!(e.to_string().contains("指标序号"), "{e}");
        let (reason, _) = refused(&workbook(&[]), &LIMITS);
        assert_eq!(reason, "empty");
        let (reason, e) = refused(
            &workbook(&[vec![Some(S("indicator")), Some(S("value"))]]),
            &LIMITS,
        );
        assert_eq!(reason, "no_header");
        assert!(e.to_string().contains("period"), "{e}");
        let (reason, e) = refused(
            &workbook(&[vec![
                Some(S("期间")),
                Some(S("指标序号")),
                Some(S("数值")),
                Some(S("value")),
            ]]),
            &LIMITS,
        );
        assert_eq!(reason, "no_header");
        assert!(e.to_string().contains("C and D"), "{e}");
        // Row limits: blank rows do not count.
        let header = vec![Some(S("期间")), Some(S("指标序号")), Some(S("数值"))];
        let row = vec![Some(S("2026-11")), Some(N(4.0)), Some(N(1.0))];
        let three = workbook(&[
            header.clone(),
            row.clone(),
            vec![],
            row.clone(),
            row.clone(),
        ]);
        assert_eq!(read_table(&three, &tiny).unwrap().rows.len(), 3);
        let four = workbook(&[header, row.clone(), row.clone(), row.clone(), row]);
        let (reason, e) = refused(&four, &tiny);
        assert_eq!(reason, "too_many_rows");
        assert!(matches!(e, Error::TooLarge(_)));
        // The unpacked size is bounded whatever the file's size.
        let small = Limits {
            unpacked: 1000,
            ..LIMITS
        };
        let (reason, _) = refused(&three, &small);
        assert_eq!(reason, "too_large");
    }

    #[test]
    fn a_sheet_far_over_the_row_limit_is_refused() {
        let tiny = Limits {
            bytes: 1 << 20,
            unpacked: 16 << 20,
            rows: 5,
        };
        let mut rows = vec![vec![Some(S("期间")), Some(S("指标序号")), Some(S("数值"))]];
        for _ in 0..50 {
            rows.push(vec![Some(S("2026-11")), Some(N(4.0)), Some(N(1.0))]);
        }
        let (reason, _) = refused(&workbook(&rows), &tiny);
        assert_eq!(reason, "too_many_rows");
    }

    #[test]
    fn the_template_reads_back_as_an_import_with_every_row_skipped() {
        let pack = zhicheng_scorecard::Pack::builtin_county();
        let rows: Vec<(&Indicator, Option<String>)> = pack
            .indicators
            .iter()
            .filter(|i| !matches!(i.measure, Measure::Auto { .. }))
            .map(|i| (i, unit_ids(i).next().map(str::to_string)))
            .collect();
        let bytes = template_xlsx(&rows, "2026-11", true).unwrap();
        let t = read(&bytes).unwrap();
        assert_eq!(t.sheet, "填报");
        assert_eq!(t.header_row, 1);
        let mut cols: Vec<Col> = t.columns.keys().copied().collect();
        cols.sort();
        assert_eq!(cols, Col::ALL.to_vec());
        assert_eq!(t.rows.len(), rows.len());
        for (row, (ind, dep)) in t.rows.iter().zip(&rows) {
            assert_eq!(row_indicator(row), Some(ind.number));
            assert_eq!(row.cells[&Col::Period], Cell::Text("2026-11".into()));
            assert_eq!(row.cells.get(&Col::Department).map(Cell::text), dep.clone());
            assert!(!row.cells.contains_key(&Col::Value));
        }
        // A department's template has no 部门 column.
        let t = read(&template_xlsx(&rows[..1], "2026-11", false).unwrap()).unwrap();
        assert!(!t.columns.contains_key(&Col::Department));
    }

    #[test]
    fn texts() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(
            english(&Error::Conflict(
                "period 2026-10 is closed: reopen it first (该期已关账，需先重新开启)".into()
            )),
            "period 2026-10 is closed: reopen it first"
        );
        assert_eq!(
            english(&invalid("value", "a finite number within ±1e12")),
            "value: a finite number within ±1e12"
        );
        let pack = zhicheng_scorecard::Pack::builtin_county();
        let t = |n| target_zh(pack.indicator(n).unwrap(), 4);
        assert_eq!(t(4), "≥50%");
        assert_eq!(t(5), "≤50%（排名）");
        assert_eq!(t(26), "≥25 Mbit/s");
        assert_eq!(t(35), "是");
        assert_eq!(t(40), "扣分项（无目标值）");
        assert_eq!(t(16), "≥80%（参照5星）");
    }
}
