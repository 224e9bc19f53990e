// The UI end to end, in Debian's Chromium against a real server (see lib.mjs for how it runs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, ADMIN_PASSWORD, launch, newPage, shot, uiLogin, call, apiLogin, postReadings } from "./lib.mjs";

let browser;
let admin;

before(async () => {
  browser = await launch();
  admin = await apiLogin("admin", ADMIN_PASSWORD);
});
after(async () => {
  await browser?.close();
});

async function commandCenterReady(page) {
  await page.waitForSelector('body[data-page="command"][data-map-ready="1"]', { timeout: 20000 });
}

test("sign-in refuses a wrong password, then signs in and out", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", "not-the-password");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /用户名或密码错误/);
  await shot(t, page, "1-wrong-password");
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await commandCenterReady(page);
  await shot(t, page, "2-signed-in");
  // The session survives a reload (cookie), and the language switch changes the texts.
  await page.reload();
  await commandCenterReady(page);
  await page.getByRole("button", { name: /切换到英文界面/ }).first().click();
  await page.getByRole("button", { name: /Switch to Chinese/ }).first().waitFor();
  await shot(t, page, "3-english");
  await page.getByRole("button", { name: /Switch to Chinese/ }).first().click();
  await page.getByRole("button", { name: /退出登录|Sign out/ }).first().click();
  await page.getByLabel(/用户名|User name/).waitFor();
  // Signed out for real: the API now refuses the browser's cookie.
  const st = await page.evaluate(async () => (await fetch("/api/v1/auth/me")).status);
  assert.equal(st, 401);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the command center map shows the demo county's entities", async (t) => {
  const expected = (await call(admin, "GET", "/map/entities")).items.length;
  assert.ok(expected >= 392, `demo county has ${expected} entities`);
  for (const [name, viewport] of [
    ["1920x1080", { width: 1920, height: 1080 }],
    ["1366x768", { width: 1366, height: 768 }],
    ["phone-390x844", { width: 390, height: 844 }],
  ]) {
    const page = await newPage(browser, viewport);
    await uiLogin(page, "admin", ADMIN_PASSWORD);
    await commandCenterReady(page);
    assert.equal(await page.evaluate(() => window.__zc.entityCount()), expected, name);
    // The map drew something: Leaflet's canvas exists and has the county's vector layers.
    assert.ok(await page.locator(".leaflet-container canvas").count() >= 1, name);
    // No horizontal scrolling on the laptop and wall sizes.
    if (viewport.width >= 1366) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `${name}: page is ${overflow}px wider than the screen`);
    }
    await shot(t, page, name);
    assert.deepEqual(page.errors, [], name);
    await page.context().close();
  }
});

test("a reading posted through the API changes the page live", async (t) => {
  const page = await newPage(browser, { width: 1920, height: 1080 });
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await commandCenterReady(page);
  const value = 123.4;
  await postReadings(admin, "air-001", [{ metric: "pm25", ts: Date.now(), value }]);
  const row = page.locator('[data-entity="air-001"]').first();
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.innerText(), /123\.4/);
  const last = await page.evaluate(() => window.__zc.lastChange);
  assert.equal(last.entity, "air-001");
  await shot(t, page, "1-command-center-after-reading");

  // The entity's page follows it too.
  await page.goto(BASE + "/#/entities/air-001");
  const cell = page.locator('[data-metric="pm25"]').first();
  await cell.waitFor();
  await postReadings(admin, "air-001", [{ metric: "pm25", ts: Date.now(), value: 67.8 }]);
  await page.waitForFunction(() => /67\.8/.test(document.querySelector('[data-metric="pm25"]')?.textContent || ""), null, {
    timeout: 10000,
  });
  await shot(t, page, "2-entity-page-after-reading");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a department user sees only its department's entities", async (t) => {
  const username = "e2e-env";
  const password = "e2e-env-password-1";
  await call(admin, "POST", "/users", { username, role: "department", department: "eco-env", password }).catch((e) => {
    if (!/409/.test(String(e))) throw e;
  });
  const all = (await call(admin, "GET", "/map/entities")).items;
  const own = all.filter((r) => r[3] === "eco-env");
  assert.ok(own.length > 0 && own.length < all.length);

  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await commandCenterReady(page);
  assert.equal(await page.evaluate(() => window.__zc.entityCount()), own.length);
  await shot(t, page, "1-command-center");

  // The entity list holds eco-env's entities only, and administration is not offered.
  await page.goto(BASE + "/#/entities");
  const table = page.getByRole("table").first();
  await table.waitFor();
  await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length > 0);
  const ids = await page.$$eval("table tbody tr[data-id]", (els) => els.map((e) => e.dataset.id));
  assert.ok(ids.length > 0, "rows carry data-id");
  const ownIds = new Set(own.map((r) => r[0]));
  for (const id of ids) assert.ok(ownIds.has(id), `${id} is not eco-env's`);
  assert.equal(await page.getByRole("link", { name: /系统管理|Administration/ }).count(), 0);
  await shot(t, page, "2-entity-list");

  // Another department's entity is refused by the server, and the page says so.
  const foreign = all.find((r) => r[3] !== "eco-env")[0];
  await page.goto(BASE + "/#/entities/" + encodeURIComponent(foreign));
  await page.getByRole("alert").first().waitFor();
  await shot(t, page, "3-foreign-entity");
  await page.context().close();
});

test("an import with a bad row shows that row's error", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await commandCenterReady(page);
  await page.goto(BASE + "/#/admin/imports");
  const csv = [
    "id,kind,name,department,region,lon,lat,lamp_type,controllable,rated_power_w",
    "e2e-lamp-1,streetlight,测试路灯一,urban-mgmt,370323001,118.17,36.18,LED,true,120",
    "e2e-bad-2,no_such_kind,坏行,urban-mgmt,370323001,118.17,36.18,LED,true,120",
  ].join("\n");
  await page.getByLabel(/^导入内容$/).selectOption("entities");
  await page.locator('input[type="file"]').setInputFiles({ name: "lamps.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  // A dry run first (the default): the report names row 3 and why; nothing is stored.
  await page.getByRole("button", { name: "检查文件" }).click();
  const table = page.getByRole("table", { name: "导入错误" });
  const row = table.locator('[data-row="3"]');
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.innerText(), /no_such_kind/);
  await shot(t, page, "1-dry-run-report");
  await call(admin, "GET", "/entities/e2e-lamp-1").then(
    () => assert.fail("a dry run stored e2e-lamp-1"),
    (e) => assert.match(String(e), /404/)
  );
  // Then for real: the good row is stored, the bad one reported again.
  await page.getByLabel(/^试运行/).uncheck();
  await page.getByRole("button", { name: "开始导入" }).click();
  await page.waitForFunction(() => /已导入 1 行/.test(document.querySelector("#import-summary")?.textContent || ""));
  await table.locator('[data-row="3"]').waitFor();
  const stored = await call(admin, "GET", "/entities/e2e-lamp-1");
  assert.equal(stored.name, "测试路灯一");
  await shot(t, page, "2-import-report");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a viewer reads everything and is offered no changes", async (t) => {
  const username = "e2e-viewer";
  const password = "e2e-viewer-password-1";
  await call(admin, "POST", "/users", { username, role: "viewer", password }).catch((e) => {
    if (!/409/.test(String(e))) throw e;
  });
  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await commandCenterReady(page);
  const all = (await call(admin, "GET", "/map/entities")).items.length;
  assert.equal(await page.evaluate(() => window.__zc.entityCount()), all);
  await page.goto(BASE + "/#/entities");
  await page.waitForFunction(() => document.querySelectorAll("table tbody tr[data-id]").length > 0);
  assert.equal(await page.locator("#new-entity").count(), 0, "no new-entity button");
  assert.equal(await page.getByRole("link", { name: /系统管理|Administration/ }).count(), 0);
  await page.goto(BASE + "/#/entities/air-001");
  await page.locator('[data-metric="pm25"]').first().waitFor();
  assert.equal(await page.locator("#delete-entity").count(), 0, "no delete button");
  assert.equal(await page.getByRole("link", { name: /^(设备令牌|Device tokens|编辑|Edit)$/ }).count(), 0, "no token or edit tabs");
  await shot(t, page, "entity-as-viewer");
  // The server refuses anyway.
  const viewer = await apiLogin(username, password);
  await assert.rejects(call(viewer, "DELETE", "/entities/air-001"), /403/);
  await page.context().close();
});

test("the scorecard shows the completed weight and each indicator's status and provenance", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await commandCenterReady(page);
  // The command center's indicator tile leads to the scorecard.
  const tile = page.locator('a[data-kpi="slot-indicator_completion"]');
  assert.equal(await tile.getAttribute("href"), "#/scorecard");
  await page.goto(BASE + "/#/scorecard");
  const completed = page.locator("#scorecard-completed");
  await completed.waitFor();
  assert.match(await completed.innerText(), /^\d+(\.\d+)?%$/);
  const row = page.locator('tr[data-indicator="3"]');
  const status = await row.locator("td[data-status]").getAttribute("data-status");
  assert.ok(["met", "not_met", "no_data"].includes(status), status);
  // Expanding the row shows the definition and the facts calls behind the value.
  const expand = row.locator("button[aria-expanded]");
  assert.equal(await expand.getAttribute("aria-expanded"), "false");
  await expand.click();
  assert.equal(await expand.getAttribute("aria-expanded"), "true");
  const detail = page.locator('tr[data-detail="3"]');
  await detail.waitFor();
  const text = await detail.innerText();
  assert.match(text, /指标释义|计算方法/);
  assert.match(text, /取数过程/);
  assert.match(text, /count\(streetlight/);
  await shot(t, page, "1-scorecard-row-3");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a department submits an indicator value with evidence, an admin approves it, the completion rises", async (t) => {
  // The completion before, and a submitted indicator led by a registered department.
  const before = (await call(admin, "GET", "/overview")).slots.indicator_completion.completed_weight;
  const card = await call(admin, "GET", "/scorecard");
  const ind = card.indicators.find((i) => i.how === "submitted" && i.status !== "met" && i.target && i.lead.some((u) => u.id));
  assert.ok(ind, "a submitted indicator with a department as lead unit");
  const dept = ind.lead.find((u) => u.id).id;
  // A value that meets the target.
  const tg = ind.target;
  const value = tg.op === ">" ? tg.value + 1 : tg.op === "<" ? tg.value - 1 : tg.value;
  const username = "e2e-sub-" + dept;
  const password = "e2e-sub-password-1";
  await call(admin, "POST", "/users", { username, role: "department", department: dept, password }).catch((e) => {
    if (!/409/.test(String(e))) throw e;
  });

  // The department user submits through the scorecard's dialog, with a PDF as evidence.
  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await commandCenterReady(page);
  await page.goto(BASE + "/#/scorecard");
  const row = page.locator(`tr[data-indicator="${ind.number}"]`);
  await row.waitFor();
  // Only indicators of the user's department offer the button; platform-measured ones never.
  const auto = card.indicators.find((i) => i.how === "auto");
  assert.equal(await page.locator(`tr[data-indicator="${auto.number}"] .sc-submit-btn`).count(), 0);
  await row.getByRole("button", { name: `报送 #${ind.number}`, exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel(/^报送期/).inputValue(), card.period);
  await dialog.getByLabel(/^数值/).fill(String(value));
  await dialog.getByLabel(/^说明/).fill("e2e 报送");
  await dialog.getByLabel(/^证明材料/).setInputFiles({
    name: "证明.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n%\u00e2\u00e3\n%%EOF\n"),
  });
  await shot(t, page, "1-submit-dialog");
  await dialog.getByRole("button", { name: "提交报送" }).click();
  await dialog.locator(".sub-done").waitFor();
  await dialog.locator('.sub-files li.ok[data-file="证明.pdf"]').waitFor();
  await shot(t, page, "2-submitted");
  await dialog.getByRole("button", { name: "完成" }).click();
  await row.locator(`.sub-pending[data-pending="${card.period}"]`).waitFor();
  assert.match(await row.innerText(), /待审核/);
  await shot(t, page, "3-row-pending");
  await page.goto(BASE + "/#/scorecard/submissions");
  const own = page.locator(`li[data-indicator="${ind.number}"][data-status="submitted"]`).first();
  await own.waitFor();
  assert.equal(await own.getByRole("button", { name: `通过 #${ind.number}`, exact: true }).count(), 0, "departments do not review");
  await own.locator("a[data-evidence]").waitFor();
  assert.deepEqual(page.errors, []);
  await page.getByRole("button", { name: /退出登录|Sign out/ }).first().click();
  await page.getByLabel(/用户名|User name/).waitFor();
  await page.context().close();

  // The admin approves it from the review queue.
  const adminPage = await newPage(browser);
  await uiLogin(adminPage, "admin", ADMIN_PASSWORD);
  await commandCenterReady(adminPage);
  await adminPage.goto(BASE + "/#/scorecard/submissions");
  const item = adminPage.locator(`li[data-indicator="${ind.number}"][data-status="submitted"]`).first();
  await item.waitFor();
  assert.match(await item.innerText(), /e2e 报送/);
  const link = item.locator("a[data-evidence]");
  await link.waitFor();
  const href = await link.getAttribute("href");
  const pdf = await adminPage.evaluate(async (h) => (await (await fetch(h)).text()).slice(0, 5), href);
  assert.equal(pdf, "%PDF-");
  await shot(t, adminPage, "4-review-queue");
  await item.getByRole("button", { name: `通过 #${ind.number}`, exact: true }).click();
  const confirm = adminPage.getByRole("dialog");
  await confirm.getByRole("button", { name: "确认通过" }).click();
  await confirm.waitFor({ state: "detached" });
  await adminPage.locator(`li[data-indicator="${ind.number}"][data-status="submitted"]`).waitFor({ state: "detached" });
  await shot(t, adminPage, "5-approved");

  // The command center's indicator tile shows the higher completion.
  const pctOf = (s) => Number(/([\d.]+)%/.exec(s)?.[1]);
  await adminPage.goto(BASE + "/#/command");
  await commandCenterReady(adminPage);
  const tile = adminPage.locator('[data-kpi="slot-indicator_completion"]');
  await tile.waitFor();
  // The page refreshes the overview every 10 s; wait for the tile to show the new figure.
  await adminPage
    .waitForFunction(
      (min) => {
        const m = /([\d.]+)%/.exec(document.querySelector('[data-kpi="slot-indicator_completion"]')?.textContent || "");
        return m && Number(m[1]) > min;
      },
      before * 100,
      { timeout: 15000 }
    )
    .catch(() => {});
  const shown = pctOf(await tile.innerText());
  assert.ok(shown > before * 100, `completion ${shown}% after approval, ${before * 100}% before`);
  await shot(t, adminPage, "6-command-center");
  assert.deepEqual(adminPage.errors, []);
  await adminPage.context().close();
});

// Last in the file: while the current month is closed, submissions for it are refused (409).
test("an admin closes the month on the scorecard, downloads its report and reopens it", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await commandCenterReady(page);
  await page.goto(BASE + "/#/scorecard");
  const bar = page.locator("section.sc-period");
  await bar.waitFor();
  const period = await bar.getAttribute("data-period");
  assert.match(period, /^\d{4}-\d{2}$/);
  try {
    assert.equal(await bar.getAttribute("data-period-status"), "open");
    assert.equal(await page.getByLabel("考核月份", { exact: true }).inputValue(), period);
    assert.equal(await page.locator("#sc-closed-banner").count(), 0);
    assert.ok((await page.locator(".sc-submit-btn").count()) > 0, "an open month takes submissions");
    await shot(t, page, "1-open");

    // Closing asks first.
    await page.getByRole("button", { name: `关账 ${period}`, exact: true }).click();
    const confirm = page.getByRole("alertdialog");
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /快照/);
    await shot(t, page, "2-confirm-close");
    await confirm.getByRole("button", { name: "确认关账" }).click();
    await confirm.waitFor({ state: "detached" });
    const banner = page.locator("#sc-closed-banner");
    await banner.waitFor();
    const text = await banner.innerText();
    assert.match(text, /已关账/);
    assert.match(text, /快照/);
    assert.match(text, /admin/);
    assert.equal(await bar.getAttribute("data-period-status"), "closed");
    assert.equal(await page.locator(".sc-submit-btn").count(), 0, "a closed month takes no submissions");
    assert.match(await page.locator(`#sc-period option[value="${period}"]`).innerText(), /已关账/);
    await page.getByRole("button", { name: `重新开账 ${period}`, exact: true }).waitFor();

    // The Excel report of the month answers an xlsx; the print version opens in a new tab.
    const xlsx = page.getByRole("link", { name: /^导出 Excel/ });
    const href = await xlsx.getAttribute("href");
    assert.ok(href.includes(`period=${period}`), href);
    const got = await page.evaluate(async (h) => {
      const r = await fetch(h);
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get("content-type"), magic: String.fromCharCode(b[0], b[1]) };
    }, href);
    assert.equal(got.status, 200);
    assert.match(got.type, /spreadsheetml\.sheet/);
    assert.equal(got.magic, "PK");
    const print = page.getByRole("link", { name: /^打印版/ });
    assert.equal(await print.getAttribute("target"), "_blank");
    assert.ok((await print.getAttribute("href")).includes(`period=${period}`));
    await shot(t, page, "3-closed");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(t, page, "4-closed-phone");
    await page.setViewportSize({ width: 1366, height: 768 });

    // Reopening needs a reason.
    await page.getByRole("button", { name: `重新开账 ${period}`, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    const ok = dialog.getByRole("button", { name: "确认重新开账" });
    assert.ok(await ok.isDisabled(), "no reason, no reopening");
    await dialog.getByLabel("重新开账原因").fill("e2e：补录数据后重新开账");
    await shot(t, page, "5-reopen-dialog");
    await ok.click();
    await dialog.waitFor({ state: "detached" });
    await banner.waitFor({ state: "detached" });
    assert.equal(await bar.getAttribute("data-period-status"), "open");
    await page.locator(".sc-reopened").waitFor();
    assert.ok((await page.locator(".sc-submit-btn").count()) > 0, "reopened month takes submissions again");
    const row = (await call(admin, "GET", "/scorecard/periods")).find((p) => p.period === period);
    assert.equal(row?.status, "open");
    assert.equal(row?.reopened_by, "admin");
    await shot(t, page, "6-reopened");
    assert.deepEqual(page.errors, []);
  } finally {
    // Never leave the month closed for whatever runs next.
    const row = (await call(admin, "GET", "/scorecard/periods")).find((p) => p.period === period);
    if (row?.status === "closed") await call(admin, "POST", `/scorecard/periods/${period}/reopen`, { reason: "e2e cleanup" });
    await page.context().close();
  }
});

test("a department user reports key-task progress through the dialog", async (t) => {
  // The department leading the board's first task, as the admin sees the board.
  const board = await call(admin, "GET", "/tasks?all=true");
  const task = board.tasks.find((x) => x.number === "1") || board.tasks[0];
  const dept = task.lead.find((u) => u.id)?.id;
  assert.ok(dept, `task ${task.id} has a lead department`);
  const username = `tasks-e2e-${Date.now()}`;
  const password = "Tasks-e2e-pw-2026!";
  await call(admin, "POST", "/users", { username, display_name: "任务填报员", role: "department", department: dept, password, disabled: false });

  const page = await newPage(browser);
  await uiLogin(page, username, password);
  await commandCenterReady(page);
  await page.goto(BASE + "/#/tasks");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "重点任务" }).waitFor();
  const row = page.locator(`tr[data-task="${task.id}"]`);
  await row.waitFor();
  assert.equal(await page.getByRole("checkbox", { name: "显示全部任务" }).count(), 0, "a department sees its own tasks only");
  await shot(t, page, "1-board");

  await row.getByRole("button", { name: `填报进度 #${task.number}`, exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByLabel("完成百分比（0–100）").fill("30");
  await dialog.getByLabel("进展情况").fill("e2e：完成基站选址");
  await dialog.getByLabel("责任人").fill("张三");
  await dialog.getByLabel("联系电话").fill("13812345678");
  await shot(t, page, "2-dialog");
  await dialog.getByRole("button", { name: "提交填报" }).click();
  await dialog.waitFor({ state: "detached" });

  // The row shows the new percent, no longer flagged as not reported; the history lists it.
  await row.locator(".tk-pct-text", { hasText: "30%" }).waitFor();
  assert.match(await row.innerText(), /30%/);
  assert.equal(await row.locator('[data-flag="not_reported"]').count(), 0);
  assert.match(await row.innerText(), /13812345678/, "own department sees the phone unmasked");
  const history = page.locator(`tr[data-history="${task.id}"]`);
  await history.locator("tr[data-report]", { hasText: "e2e：完成基站选址" }).waitFor();
  assert.match(await history.innerText(), /30%/);
  assert.match(await history.innerText(), new RegExp(username));
  await shot(t, page, "3-reported");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(t, page, "4-phone");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
