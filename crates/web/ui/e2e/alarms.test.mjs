// Alarms end to end, in Debian's Chromium against a real server (see lib.mjs for how it runs):
// a reading crosses a rule's threshold and the alarm appears live in the command center's feed
// (no reload); the alarm console acknowledges it and takes a comment; the rules editor changes
// the threshold and the rule goes to version 2. The rule is deleted at the end.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, ADMIN_PASSWORD, launch, newPage, shot, uiLogin, call, apiLogin } from "./lib.mjs";

let browser;
let admin;
const ruleId = `e2e-pm25-${Date.now()}`;
const ruleName = `e2e PM2.5 告警 ${Date.now() % 100000}`;

before(async () => {
  browser = await launch();
  admin = await apiLogin("admin", ADMIN_PASSWORD);
});
after(async () => {
  // Other tests must not see this rule (nor its alarm, which the delete closes).
  await call(admin, "DELETE", `/rules/${ruleId}`).catch(() => {});
  await browser?.close();
});

test("a reading crosses a rule's threshold and the alarm appears live in the feed; the console and the rules editor handle it", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await page.waitForSelector('body[data-map-ready="1"]', { timeout: 20000 });
  const feed = page.locator('[data-testid="alarm-feed"]');
  await feed.waitFor();
  await page.locator(".live-badge.live").waitFor();
  const tile = page.locator('[data-kpi="slot-alarms"]');
  const activeBefore = Number(await tile.getAttribute("data-active"));

  // From outside the browser: a rule, then a reading above its threshold from a device.
  await call(admin, "POST", "/rules", {
    id: ruleId,
    version: 1,
    name: ruleName,
    severity: "critical",
    scope: { kind: "air_station" },
    condition: { type: "threshold", metric: "pm25", op: ">", value: 1, for_seconds: 0 },
  });
  const station = (await call(admin, "GET", "/entities?kind=air_station&limit=1")).items[0];
  assert.ok(station, "the demo has an air station");
  const device = (await call(admin, "POST", `/entities/${encodeURIComponent(station.id)}/token`)).token;
  const ingest = await call(device, "POST", "/ingest", { readings: [{ entity: station.id, metric: "pm25", value: 500 }] });
  assert.equal(ingest.accepted, 1);

  // The alarm appears in the feed without a reload, and the open-alarm tile counts it.
  const row = feed.locator(`li[data-rule="${ruleId}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.equal(await row.getAttribute("data-status"), "active");
  assert.equal(await row.getAttribute("data-severity"), "critical");
  const text = await row.innerText();
  assert.ok(text.includes(ruleName), text);
  assert.ok(text.includes("500"), text);
  assert.ok(text.includes(station.name.slice(0, 6)) || (await row.locator("a").getAttribute("aria-label")).includes(station.name), text);
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-kpi="slot-alarms"]')?.dataset.active) >= n + 1,
    activeBefore
  );
  await page.locator('[data-kpi="slot-alarms"] [data-severity="critical"] b').waitFor();
  assert.equal(await page.evaluate(() => performance.getEntriesByType("navigation").length), 1, "no reload");
  await shot(t, page, "1-feed-live");
  const alarmId = await row.getAttribute("data-alarm");

  // A click opens the alarm console at that alarm.
  await row.locator("a").click();
  await page.waitForURL(new RegExp(`#/alarms\\?id=${alarmId}$`));
  const detail = page.locator(`aside.al-detail[data-alarm="${alarmId}"]`);
  await detail.waitFor();
  await page.locator(`tr[data-alarm="${alarmId}"]`).waitFor();
  assert.ok((await detail.innerText()).includes(ruleName));
  const navLink = page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "告警", exact: true });
  assert.equal(await navLink.getAttribute("aria-current"), "page");

  // Acknowledge, then a comment; both show.
  await detail.getByRole("button", { name: "确认告警" }).click();
  await detail.locator(".al-d-ack", { hasText: "admin" }).waitFor();
  await detail.getByRole("button", { name: "确认告警" }).waitFor({ state: "detached" });
  await page.locator(`tr[data-alarm="${alarmId}"]`, { hasText: "✓ admin" }).waitFor();
  const note = `e2e：已通知环保局现场核查（${Date.now()}）`;
  await detail.getByLabel("添加处置记录").fill(note);
  await detail.getByRole("button", { name: "提交记录" }).click();
  await detail.locator(".al-comment-list li", { hasText: note }).waitFor();
  await detail.getByRole("heading", { name: "处置记录（1）" }).waitFor();
  const stored = await call(admin, "GET", `/alarms/${alarmId}`);
  assert.equal(stored.acknowledged_by, "admin");
  assert.deepEqual(stored.comments.map((c) => c.text), [note]);
  await shot(t, page, "2-console-acknowledged-commented");

  // The filters: unacknowledged alarms no longer list it; acknowledged ones do.
  await page.getByLabel("确认", { exact: true }).selectOption("false");
  await page.waitForURL(/acknowledged=false/);
  await page.locator(`tr[data-alarm="${alarmId}"]`).waitFor({ state: "detached" });
  await page.getByLabel("确认", { exact: true }).selectOption("true");
  await page.locator(`tr[data-alarm="${alarmId}"]`).waitFor();

  // The rules editor: a threshold change saves version 2.
  await page.getByRole("navigation", { name: "告警页面" }).getByRole("link", { name: "预警规则" }).click();
  const ruleRow = page.locator(`tr[data-rule="${ruleId}"]`);
  await ruleRow.waitFor();
  assert.equal(await ruleRow.getAttribute("data-version"), "1");
  await ruleRow.getByRole("button", { name: `编辑规则 ${ruleName}` }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.locator(".ru-version[data-next-version='2']").waitFor();
  // A clear value on the wrong side is refused by the server, and the error shows at the field.
  await dialog.getByLabel("阈值", { exact: true }).fill("150");
  await dialog.getByLabel("恢复值（可选）").fill("200");
  await dialog.getByRole("button", { name: "保存（v2）" }).click();
  const fieldErr = dialog.locator('[data-error-for="condition.clear"]');
  await fieldErr.waitFor();
  assert.match(await fieldErr.innerText(), /数据不合法/);
  await shot(t, page, "3-rule-field-error");
  await dialog.getByLabel("恢复值（可选）").fill("120");
  await dialog.getByRole("button", { name: "保存（v2）" }).click();
  await dialog.waitFor({ state: "detached" });
  await page.locator(`tr[data-rule="${ruleId}"][data-version="2"]`).waitFor();
  await page.locator(".ok-msg", { hasText: "v2" }).waitFor();
  const rules = await call(admin, "GET", "/rules");
  const saved = rules.find((r) => r.rule.id === ruleId).rule;
  assert.equal(saved.version, 2);
  assert.equal(saved.condition.value, 150);
  assert.equal(saved.condition.clear, 120);
  await shot(t, page, "4-rule-version-2");

  // The history lists both versions.
  await page.locator(`tr[data-rule="${ruleId}"]`).getByRole("button", { name: `规则 ${ruleName} 的版本历史` }).click();
  await dialog.locator('li[data-version="2"]').waitFor();
  await dialog.locator('li[data-version="1"]').waitFor();
  await dialog.getByRole("button", { name: "关闭" }).first().click();
  await dialog.waitFor({ state: "detached" });

  // Delete, with the confirmation.
  await page.locator(`tr[data-rule="${ruleId}"]`).getByRole("button", { name: `删除规则 ${ruleName}` }).click();
  const confirm = page.getByRole("alertdialog");
  await confirm.getByRole("button", { name: "删除" }).click();
  await confirm.waitFor({ state: "detached" });
  await page.locator(`tr[data-rule="${ruleId}"]`).waitFor({ state: "detached" });
  assert.ok(!(await call(admin, "GET", "/rules")).some((r) => r.rule.id === ruleId));
  // The browser logs the refused save (422); nothing else went wrong.
  assert.deepEqual(
    page.errors.map((e) => (/status of 422/.test(e) ? "422" : e)),
    ["422"]
  );
  await page.context().close();
});

test("a department user edits only its department's rules; a viewer is offered no changes", async (t) => {
  const station = (await call(admin, "GET", "/entities?kind=air_station&limit=1")).items[0];
  const dept = station.department;
  const stamp = Date.now();
  const own = `e2e-dept-rule-${stamp}`;
  await call(admin, "POST", "/rules", {
    id: own,
    version: 1,
    name: `e2e 部门规则 ${stamp % 100000}`,
    severity: "warning",
    scope: { kind: "air_station", department: dept },
    condition: { type: "offline", after_seconds: 86400 },
  });
  const password = "Alarms-e2e-pw-2026!";
  const deptUser = `alarms-dept-${stamp}`;
  const viewer = `alarms-viewer-${stamp}`;
  await call(admin, "POST", "/users", { username: deptUser, display_name: "部门告警员", role: "department", department: dept, password, disabled: false });
  await call(admin, "POST", "/users", { username: viewer, display_name: "告警只读", role: "viewer", password, disabled: false });
  try {
    const page = await newPage(browser);
    await uiLogin(page, deptUser, password);
    await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
    await page.goto(BASE + "/#/rules");
    const mine = page.locator(`tr[data-rule="${own}"]`);
    await mine.waitFor();
    await mine.getByRole("button", { name: /^编辑规则/ }).waitFor();
    // The demo's rules name no department: a department user reads them but may not change them.
    const other = page.locator('tr[data-rule="pm25-high"]');
    await other.waitFor();
    assert.equal(await other.getByRole("button", { name: /^(编辑规则|删除规则)/ }).count(), 0);
    // A new rule is scoped to the user's department.
    await page.getByRole("button", { name: "新建规则" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    assert.equal(await dialog.locator('select[name="scope.department"]').inputValue(), dept);
    await shot(t, page, "1-department-new-rule");
    await dialog.getByRole("button", { name: "取消" }).click();
    assert.deepEqual(page.errors, []);
    await page.context().close();

    const vpage = await newPage(browser);
    await uiLogin(vpage, viewer, password);
    await vpage.waitForSelector('body[data-page="command"]', { timeout: 20000 });
    await vpage.goto(BASE + "/#/rules");
    await vpage.locator(`tr[data-rule="${own}"]`).waitFor();
    assert.equal(await vpage.getByRole("button", { name: "新建规则" }).count(), 0);
    assert.equal(await vpage.getByRole("button", { name: /^(编辑规则|删除规则)/ }).count(), 0);
    await vpage.locator(`tr[data-rule="${own}"]`).getByRole("button", { name: /的版本历史$/ }).waitFor();
    const alarms = await call(admin, "GET", "/alarms?limit=1");
    if (alarms.length) {
      await vpage.goto(BASE + `/#/alarms?id=${alarms[0].id}`);
      const detail = vpage.locator(`aside.al-detail[data-alarm="${alarms[0].id}"]`);
      await detail.waitFor();
      assert.equal(await detail.getByRole("button", { name: /^(确认告警|指派|手动解除|提交记录)$/ }).count(), 0);
      assert.equal(await detail.locator("textarea").count(), 0);
    }
    await shot(t, vpage, "2-viewer-alarm-read-only");
    assert.deepEqual(vpage.errors, []);
    await vpage.context().close();
  } finally {
    await call(admin, "DELETE", `/rules/${own}`).catch(() => {});
  }
});
