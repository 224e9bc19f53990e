// The key-task page's evidence files and task packs, in Debian's Chromium against a real server
// (see lib.mjs for how it runs): a department reports progress with evidence files through the
// dialog and the history links them; the pack picker switches the board to the Yishui task book.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, ADMIN_PASSWORD, launch, newPage, shot, uiLogin, call, apiLogin } from "./lib.mjs";

let browser;
let admin;

before(async () => {
  browser = await launch();
  admin = await apiLogin("admin", ADMIN_PASSWORD);
});
after(async () => {
  await browser?.close();
});

async function signedIn(page) {
  await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
}

test("a department reports key-task progress with evidence files; the history links them", async (t) => {
  // A Yiyuan task led by a registered department, other than the one ui.test.mjs reports on.
  const departments = new Set((await call(admin, "GET", "/departments")).map((d) => d.id));
  const board = await call(admin, "GET", "/tasks?pack=yiyuan&all=true");
  const task = board.tasks.find((x) => x.number !== "1" && x.lead.some((u) => u.id && departments.has(u.id)));
  assert.ok(task, "a task with a registered lead department");
  const dept = task.lead.find((u) => u.id && departments.has(u.id)).id;
  const username = `tasks-ev-${Date.now()}`;
  const password = "Tasks-ev-pw-2026!";
  await call(admin, "POST", "/users", { username, display_name: "证明材料填报员", role: "department", department: dept, password, disabled: false });
  const percent = Math.min(100, task.percent + 15);
  const note = `e2e：上传证明材料（${username}）`;

  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await signedIn(page);
  await page.goto(BASE + "/#/tasks");
  const row = page.locator(`tr[data-task="${task.id}"]`);
  await row.waitFor();
  assert.equal(await page.locator("section.tk-page").getAttribute("data-pack"), "yiyuan");

  await row.getByRole("button", { name: `填报进度 #${task.number}`, exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByLabel("完成百分比（0–100）").fill(String(percent));
  await dialog.getByLabel("进展情况").fill(note);
  await dialog.getByLabel("责任人").fill("李四");
  await dialog.getByLabel("联系电话").fill("13900002222");
  await dialog.getByLabel(/^证明材料/).setInputFiles([
    { name: "进展报告.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%\u00e2\u00e3\n%%EOF\n") },
    { name: "现场.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) },
  ]);
  await shot(t, page, "1-dialog-with-files");
  await dialog.getByRole("button", { name: "提交填报" }).click();
  await dialog.waitFor({ state: "detached" });

  // The history (opened after reporting) lists the report with both files as links.
  await row.locator(".tk-pct-text", { hasText: `${percent}%` }).waitFor();
  const history = page.locator(`tr[data-history="${task.id}"]`);
  const report = history.locator("tr[data-report]", { hasText: note });
  await report.waitFor();
  const pdfLink = report.getByRole("link", { name: "下载证明材料 进展报告.pdf" });
  await pdfLink.waitFor();
  await report.getByRole("link", { name: "下载证明材料 现场.png" }).waitFor();
  assert.equal(await report.locator("a[data-evidence]").count(), 2);
  await shot(t, page, "2-history-with-evidence");
  // The link downloads the file with the session cookie.
  const href = await pdfLink.getAttribute("href");
  assert.match(href, /\/evidence\/\d+\?pack=yiyuan$/);
  const head = await page.evaluate(async (h) => {
    const r = await fetch(h);
    return [r.status, r.headers.get("content-type"), (await r.text()).slice(0, 5)];
  }, href);
  assert.deepEqual(head, [200, "application/pdf", "%PDF-"]);
  assert.deepEqual(page.errors, []);
  // A file the server refuses is reported, and the report stands.
  await row.getByRole("button", { name: `填报进度 #${task.number}`, exact: true }).click();
  await dialog.waitFor();
  await dialog.getByLabel("完成百分比（0–100）").fill(String(percent));
  await dialog.getByLabel("责任人").fill("李四");
  await dialog.getByLabel("联系电话").fill("13900002222");
  await dialog.getByLabel(/^证明材料/).setInputFiles({ name: "假的.pdf", mimeType: "application/pdf", buffer: Buffer.from("not a pdf") });
  await dialog.getByRole("button", { name: "提交填报" }).click();
  await dialog.locator('.sub-files li.err[data-file="假的.pdf"]').waitFor();
  await shot(t, page, "3-refused-file");
  await dialog.getByRole("button", { name: "完成" }).click();
  await dialog.waitFor({ state: "detached" });
  await history.locator("tr[data-report]").nth(1).waitFor();
  assert.equal(await history.locator("tr[data-report]").first().locator("a[data-evidence]").count(), 0);
  // The browser logs the refused upload (415); nothing else went wrong.
  assert.deepEqual(
    page.errors.map((e) => (/status of 415/.test(e) ? "415" : e)),
    ["415"]
  );
  await page.context().close();
});

test("the pack picker switches the board to the Yishui task book", async (t) => {
  const packs = await call(admin, "GET", "/tasks/packs");
  const yishui = packs.find((p) => p.key === "yishui");
  assert.ok(yishui, "the Yishui pack is served");
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await signedIn(page);
  await page.goto(BASE + "/#/tasks");
  await page.locator('section.tk-page[data-pack="yiyuan"]').waitFor();
  await page.locator('tr[data-task="key-01"]').waitFor();

  await page.getByLabel("任务包").selectOption("yishui");
  await page.locator('section.tk-page[data-pack="yishui"]').waitFor();
  assert.match(page.url(), /[?&]pack=yishui/);
  const first = page.locator(`tr[data-task="r1"]`);
  await first.waitFor();
  assert.equal(await page.locator("tr.tk-row").count(), yishui.tasks);
  assert.equal(await page.locator('tr[data-task="key-01"]').count(), 0);
  // Its lead units are the big-data center's, and the center reports them.
  await first.locator('[data-center="1"]').first().waitFor();
  assert.match(await first.innerText(), /大数据中心填报/);
  await first.getByRole("button", { name: /^填报进度 #/ }).waitFor();
  assert.match(await page.locator(".tk-sub").innerText(), new RegExp(yishui.name.slice(0, 6)));
  await shot(t, page, "1-yishui-board");

  // Back to Yiyuan.
  await page.getByLabel("任务包").selectOption("yiyuan");
  await page.locator('section.tk-page[data-pack="yiyuan"]').waitFor();
  await page.locator('tr[data-task="key-01"]').waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
