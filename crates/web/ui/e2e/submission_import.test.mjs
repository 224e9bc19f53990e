// The Excel import of indicator values in the browser (#/scorecard/submissions): a department
// user downloads the template, checks a file with one bad row and sees that row's error, imports
// it, and finds the good row among its submissions. The workbook is written by Python's openpyxl
// (independent of the server's writer and reader).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BASE, ADMIN_PASSWORD, launch, newPage, shot, uiLogin, call, apiLogin } from "./lib.mjs";

let browser;
let admin;
let dir;

before(async () => {
  browser = await launch();
  admin = await apiLogin("admin", ADMIN_PASSWORD);
  dir = mkdtempSync(join(tmpdir(), "zc-subimp-"));
});
after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A Python 3 with openpyxl: `python3` on the PATH, else Debian's. */
function python() {
  for (const py of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(py, ["-c", "import openpyxl"], { stdio: "ignore" });
      return py;
    } catch (_) {}
  }
  throw new Error("python3 with openpyxl is required for the Excel import test");
}

/** Writes `rows` (arrays from A1; null leaves a cell empty) to an XLSX with openpyxl. */
function writeXlsx(path, rows) {
  const script = `
import json, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
for r, row in enumerate(json.loads(sys.argv[2]), start=1):
    for c, v in enumerate(row, start=1):
        if v is not None:
            ws.cell(row=r, column=c, value=v)
wb.save(sys.argv[1])
`;
  execFileSync(python(), ["-c", script, path, JSON.stringify(rows)]);
}

test("a department imports indicator values from Excel: one bad row is reported, the good row is stored", async (t) => {
  const card = await call(admin, "GET", "/scorecard");
  const period = card.period;
  // A submitted indicator led by a registered department (from the end of the list, so as not
  // to meet the single-submission test's pick), and one measured by the platform.
  const mine = [...card.indicators].reverse().find((i) => i.how === "submitted" && i.lead.some((u) => u.id));
  assert.ok(mine, "a submitted indicator with a department as lead unit");
  const dept = mine.lead.find((u) => u.id).id;
  const auto = card.indicators.find((i) => i.how === "auto");
  const username = "e2e-imp-" + dept;
  const password = "e2e-imp-password-1";
  await call(admin, "POST", "/users", { username, role: "department", department: dept, password }).catch((e) => {
    if (!/409/.test(String(e))) throw e;
  });
  const file = join(dir, "报送.xlsx");
  writeXlsx(file, [
    ["期间", "指标序号", "指标名称", "数值", "说明"],
    [period, mine.number, mine.name, 1, "e2e Excel 导入"],
    [period, auto.number, auto.name, 5, null],
  ]);

  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
  await page.goto(BASE + "/#/scorecard/submissions");
  await page.getByRole("button", { name: "从 Excel 导入" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();

  // The template link downloads the department's workbook.
  const link = dialog.getByRole("link", { name: /报送模板/ });
  const href = await link.getAttribute("href");
  assert.match(href, /^\/api\/v1\/scorecard\/submissions\/template\.xlsx/);
  const head = await page.evaluate(async (h) => {
    const r = await fetch(h);
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get("content-type"), magic: String.fromCharCode(...b.slice(0, 2)) };
  }, href);
  assert.deepEqual(head, {
    status: 200,
    type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    magic: "PK",
  });

  // Check (dry run): the platform-measured row is refused with its row number; nothing stored.
  await dialog.getByLabel(/^Excel 文件/).setInputFiles(file);
  await shot(t, page, "1-chosen");
  await dialog.getByRole("button", { name: "检查", exact: true }).click();
  const bad = dialog.locator('table[aria-label="有错误的行"] tr[data-row="3"]');
  await bad.waitFor();
  assert.equal(await bad.getAttribute("data-reason"), "auto_measured");
  const badText = await bad.innerText();
  assert.match(badText, /B3/);
  assert.match(badText, /平台自动取数/);
  assert.equal(await dialog.locator('table[aria-label="有错误的行"] tbody tr').count(), 1);
  assert.match(await dialog.locator("#subimp-summary").innerText(), /1 行可以导入，1 行有错误/);
  await shot(t, page, "2-checked");
  const before = await call(admin, "GET", `/scorecard/submissions?indicator=${mine.number}&department=${dept}`);
  assert.equal(before.filter((s) => s.note === "e2e Excel 导入").length, 0, "a check stores nothing");

  // Import: one row stored, the bad row listed again.
  await dialog.getByRole("button", { name: "导入 1 行" }).click();
  const summary = dialog.locator('.subimp-report[data-dry-run="0"] #subimp-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /已导入 1 行/);
  await dialog.locator('tr[data-row="3"]').waitFor();
  await shot(t, page, "3-imported");
  await dialog.getByRole("button", { name: "完成" }).click();
  await dialog.waitFor({ state: "detached" });

  // The list shows the imported value, awaiting review.
  const item = page.locator(`li[data-indicator="${mine.number}"][data-status="submitted"]`, { hasText: "e2e Excel 导入" });
  await item.waitFor();
  assert.match(await page.locator(".ok-msg[role=status]").innerText(), /已从 Excel 导入 1 条报送/);
  await shot(t, page, "4-listed");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
