// Cases end to end, in Debian's Chromium against a real server (see lib.mjs for how it runs):
// the issue's "a case created on the map reaches the right department's inbox, is handled and
// closed". The command center places a 占道经营 case on the map and the routing table
// dispatches it to urban-mgmt; a user of that department finds it in the inbox, accepts it,
// uploads a photo with the feedback; the command center verifies and closes it, and the
// timeline shows every step in order. Then the mobile report page (390×844) reports a case from
// the phone's position with a photo; the alarm console turns an alarm into a case.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, ADMIN_PASSWORD, launch, newPage, shot, uiLogin, call, apiLogin } from "./lib.mjs";

let browser;
let admin;
const stamp = Date.now();
const password = "Cases-e2e-pw-2026!";
const deptUser = `cases-urban-${stamp}`;
// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64"
);

before(async () => {
  browser = await launch();
  admin = await apiLogin("admin", ADMIN_PASSWORD);
  await call(admin, "POST", "/users", { username: deptUser, display_name: "城管网格员", role: "department", department: "urban-mgmt", password, disabled: false });
});
after(async () => {
  await browser?.close();
});

/** Clicks the case map at a WGS84 point. */
async function clickMapAt(page, lon, lat) {
  await page.locator('[data-testid="case-map"][data-ready="1"]').waitFor();
  const xy = await page.evaluate(
    ([lon, lat]) => {
      const { map, proj } = window.__zcPicker;
      const p = map.latLngToContainerPoint(proj.toMap(lon, lat));
      const r = map.getContainer().getBoundingClientRect();
      return [r.left + p.x, r.top + p.y];
    },
    [lon, lat]
  );
  await page.mouse.click(xy[0], xy[1]);
}

test("a case created on the map reaches the right department's inbox, is handled and closed", async (t) => {
  const page = await newPage(browser);
  await uiLogin(page, "admin", ADMIN_PASSWORD);
  await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
  // The console header's 工单 entry, then the new-case tab.
  await page.goto(BASE + "/#/map");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "工单", exact: true }).click();
  await page.waitForSelector('body[data-page="cases"]');
  const navLink = page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "工单", exact: true });
  assert.equal(await navLink.getAttribute("aria-current"), "page");
  await page.getByRole("navigation", { name: "工单页面" }).getByRole("link", { name: "新建工单" }).click();
  await page.waitForSelector('body[data-page="case-new"]');

  await clickMapAt(page, 118.17, 36.18);
  const point = await page.locator(".cs-point").getAttribute("data-point");
  const [lon, lat] = point.split(",").map(Number);
  assert.ok(Math.abs(lon - 118.17) < 0.01 && Math.abs(lat - 36.18) < 0.01, point);
  // The search narrows the tree; the select takes the category.
  await page.getByLabel("搜索类别").fill("占道");
  await page.locator('select[name="category"] option[value="E05-02"]').waitFor({ state: "attached" });
  await page.getByLabel("问题类别").selectOption("E05-02");
  const description = `e2e 占道经营：人行道上摆摊（${stamp}）`;
  await page.getByLabel("问题描述").fill(description);
  await page.getByLabel("地址").fill("城关街道 e2e 路 1 号");
  await page.getByLabel("来电人姓名").fill("张三");
  await page.getByLabel("来电人电话").fill("13800001234");
  await shot(t, page, "1-new-case-form");
  await page.getByRole("button", { name: "提交工单" }).click();
  const created = page.locator(".cs-created");
  await created.waitFor();
  const id = await created.getAttribute("data-case");
  assert.equal(await created.getAttribute("data-status"), "dispatched");
  assert.equal(await created.getAttribute("data-department"), "urban-mgmt");
  assert.ok((await created.innerText()).includes(id));
  await shot(t, page, "2-created-dispatched");
  const stored = await call(admin, "GET", `/cases/${id}`);
  assert.equal(stored.department, "urban-mgmt");
  assert.equal(stored.category, "E05-02");
  assert.equal(stored.description, description);

  // The department user finds it in the inbox, accepts it, and feeds back with a photo.
  const dpage = await newPage(browser);
  await uiLogin(dpage, deptUser, password);
  await dpage.waitForSelector('body[data-page="command"]', { timeout: 20000 });
  // Its command center counts the open case on the case tile, which leads to the inbox.
  const caseTile = dpage.locator('[data-kpi="slot-cases"]');
  await dpage.waitForFunction(
    () => Number(document.querySelector('[data-kpi="slot-cases"] .cc-tile-value')?.textContent.replace(/\D/g, "")) >= 1
  );
  assert.equal(await caseTile.getAttribute("href"), "#/cases");
  await dpage.goto(BASE + "/#/cases");
  const row = dpage.locator(`tr[data-case="${id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute("data-status"), "dispatched");
  await shot(t, dpage, "3-department-inbox");
  // Live: a case the command center dispatches to the department meanwhile appears in the open
  // inbox without a reload (the stream's `case` event).
  const another = await call(admin, "POST", "/cases", {
    category: "E05-02",
    description: `e2e 实时派遣（${stamp}）`,
    lon: 118.171,
    lat: 36.181,
  });
  assert.equal(another.department, "urban-mgmt");
  await dpage.locator(`tr[data-case="${another.id}"][data-status="dispatched"]`).waitFor({ timeout: 10000 });
  await row.getByRole("link", { name: id }).click();
  const detail = dpage.locator(`aside.cs-detail[data-case="${id}"]`);
  await detail.waitFor();
  await detail.getByRole("button", { name: "签收", exact: true }).click();
  await dpage.locator(`aside.cs-detail[data-case="${id}"][data-status="handling"]`).waitFor();
  await detail.getByRole("button", { name: "处置反馈", exact: true }).click();
  const form = detail.locator('form[data-action="feedback"]');
  await form.getByLabel("说明").fill("已劝离摊贩，恢复通行");
  await form.getByLabel("处置照片").setInputFiles({ name: "after.png", mimeType: "image/png", buffer: PNG });
  await form.getByRole("button", { name: "提交处置反馈" }).click();
  await dpage.locator(`aside.cs-detail[data-case="${id}"][data-status="handled"]`).waitFor();
  await detail.locator(".cs-thumbs li img").waitFor();
  await dpage.waitForFunction(() => document.querySelector(".cs-thumbs img")?.naturalWidth === 1);
  await dpage.locator(`tr[data-case="${id}"][data-status="handled"]`).waitFor();
  await shot(t, dpage, "4-department-fed-back");
  assert.deepEqual(dpage.errors, []);
  await dpage.context().close();

  // The command center verifies (passed) and closes.
  await page.goto(BASE + `/#/cases?id=${id}`);
  const adetail = page.locator(`aside.cs-detail[data-case="${id}"][data-status="handled"]`);
  await adetail.waitFor();
  await adetail.getByRole("button", { name: "核查", exact: true }).click();
  const vform = adetail.locator('form[data-action="verify"]');
  await vform.getByLabel("通过", { exact: true }).check();
  await vform.getByRole("button", { name: "提交核查" }).click();
  await page.locator(`aside.cs-detail[data-case="${id}"][data-status="verified"]`).waitFor();
  await page.locator(`aside.cs-detail[data-case="${id}"]`).getByRole("button", { name: "结案", exact: true }).click();
  await page.locator('form[data-action="close"]').getByRole("button", { name: "提交结案" }).click();
  const closed = page.locator(`aside.cs-detail[data-case="${id}"][data-status="closed"]`);
  await closed.waitFor();

  // The timeline: every step, in order, with the department and the notes.
  const steps = await closed.locator(".cs-tl > li").evaluateAll((xs) => xs.map((x) => x.dataset.action));
  const want = ["report", "register", "dispatch", "accept", "feedback", "verify", "close"];
  assert.deepEqual(steps.filter((s) => want.includes(s)), want, steps.join(","));
  const tl = await closed.locator(".cs-tl").innerText();
  for (const s of ["上报", "立案", "派遣", "签收", "处置反馈", "核查", "结案", "已派遣 → 处置中", "已核查 → 已结案", "已劝离摊贩", deptUser]) {
    assert.ok(tl.includes(s), `${s} in ${tl}`);
  }
  await closed.scrollIntoViewIfNeeded();
  await shot(t, page, "5-closed-timeline");
  const final = await call(admin, "GET", `/cases/${id}`);
  assert.equal(final.status, "closed");
  assert.equal(final.attachments.length, 1);
  assert.deepEqual(
    final.timeline.map((e) => e.action).filter((a) => want.includes(a)),
    want
  );

  // The statistics count it.
  await page.goto(BASE + "/#/cases/stats?by=department");
  const srow = page.locator('.cs-st-table tr[data-key="urban-mgmt"]');
  await srow.waitFor();
  await page.locator(".cs-chart canvas").waitFor();
  await shot(t, page, "6-stats-by-department");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the mobile report page submits a case with the phone's position and a photo", async (t) => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: "zh-CN",
    isMobile: true,
    hasTouch: true,
    geolocation: { longitude: 118.165, latitude: 36.185, accuracy: 12 },
    permissions: ["geolocation"],
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text())) errors.push(m.text());
  });
  await uiLogin(page, deptUser, password);
  await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
  await page.goto(BASE + "/#/report");
  await page.waitForSelector('body[data-page="report"]');
  await page.getByRole("button", { name: /使用手机定位/ }).click();
  await page.locator('.cs-point[data-point="118.165,36.185"]').waitFor();
  await page.getByLabel("问题类别").selectOption("E05-04");
  await page.getByLabel("现场照片").setInputFiles({ name: "scene.png", mimeType: "image/png", buffer: PNG });
  const description = `e2e 手机上报：机动车乱停放（${stamp}）`;
  await page.getByLabel("问题描述").fill(description);
  await shot(t, page, "1-report-form");
  await page.getByRole("button", { name: "上报", exact: true }).click();
  const done = page.locator(".cs-rp-done");
  await done.waitFor();
  const id = await done.getAttribute("data-case");
  assert.equal(await page.locator(".cs-rp-number").innerText(), id);
  await shot(t, page, "2-reported");
  const c = await call(admin, "GET", `/cases/${id}`);
  assert.equal(c.status, "reported");
  assert.equal(c.description, description);
  assert.ok(Math.abs(c.lon - 118.165) < 1e-6 && Math.abs(c.lat - 36.185) < 1e-6);
  // The server scopes a department user's cases to those assigned to the department, and a
  // reported case is assigned to none yet: the reporter cannot attach to it (404). The page must
  // then say the photo did not go; once the server lets the reporter in, the photo is there.
  if (c.attachments.length === 0) {
    await done.locator(".err", { hasText: "照片上传失败" }).waitFor();
    const rest = errors.filter((e) => !/status of 404/.test(e));
    errors.length = 0;
    errors.push(...rest);
  } else {
    assert.equal(c.attachments.length, 1);
  }
  // The page fits the phone: nothing wider than the screen.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
  assert.deepEqual(errors, []);
  await context.close();
});

test("the alarm console turns an alarm into a case", async (t) => {
  const ruleId = `e2e-case-pm25-${stamp}`;
  await call(admin, "POST", "/rules", {
    id: ruleId,
    version: 1,
    name: `e2e 转工单 ${stamp % 100000}`,
    severity: "major",
    scope: { kind: "air_station" },
    condition: { type: "threshold", metric: "pm25", op: ">", value: 1, for_seconds: 0 },
  });
  try {
    const station = (await call(admin, "GET", "/entities?kind=air_station&limit=1")).items[0];
    const device = (await call(admin, "POST", `/entities/${encodeURIComponent(station.id)}/token`)).token;
    await call(device, "POST", "/ingest", { readings: [{ entity: station.id, metric: "pm25", value: 400 }] });
    let alarm;
    for (let i = 0; i < 100 && !alarm; i++) {
      alarm = (await call(admin, "GET", "/alarms?status=active&limit=200")).find((a) => a.rule === ruleId);
      if (!alarm) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(alarm, "the reading raised an alarm");
    const env = (await call(admin, "GET", "/case-categories")).find((c) => c.parent && c.group === "environment");
    assert.ok(env, "the tree has an environment category");

    const page = await newPage(browser);
    await uiLogin(page, "admin", ADMIN_PASSWORD);
    await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
    await page.goto(BASE + `/#/alarms?id=${alarm.id}`);
    const detail = page.locator(`aside.al-detail[data-alarm="${alarm.id}"]`);
    await detail.waitFor();
    await detail.getByLabel("工单类别").selectOption(env.code);
    await detail.getByRole("button", { name: "转工单" }).click();
    const made = detail.locator(".al-case-made");
    await made.waitFor();
    const id = await made.getAttribute("data-case");
    await shot(t, page, "1-alarm-case-made");
    const c = await call(admin, "GET", `/cases/${id}`);
    assert.equal(c.source, "alarm");
    assert.equal(c.category, env.code);
    await made.getByRole("link").click();
    await page.locator(`aside.cs-detail[data-case="${id}"]`).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    await call(admin, "DELETE", `/rules/${ruleId}`).catch(() => {});
  }
});

test("an administrator edits the dispatch routing and the next case follows it", async (t) => {
  const original = await call(admin, "GET", "/case-routing");
  const i = original.entries.findIndex((e) => e.category === "E05" && !e.grid && !e.region_prefix);
  assert.ok(i >= 0, JSON.stringify(original));
  const page = await newPage(browser);
  try {
    await uiLogin(page, "admin", ADMIN_PASSWORD);
    await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
    await page.goto(BASE + "/#/cases/stats");
    await page.getByRole("navigation", { name: "工单页面" }).getByRole("link", { name: "派遣规则" }).click();
    await page.waitForSelector('body[data-page="case-routing"]');
    const row = page.locator(`tr[data-row="${i}"]`);
    await row.waitFor();
    assert.equal(await row.locator('select[name="category"]').inputValue(), "E05");
    assert.equal(await row.locator('select[name="department"]').inputValue(), "urban-mgmt");
    // E05 events go to the housing bureau from now on.
    await page.getByLabel(`第 ${i + 1} 行派往部门`).selectOption("housing");
    await shot(t, page, "7-routing-edited");
    await page.getByRole("button", { name: "保存派遣规则" }).click();
    await page.locator(".cs-rt-saved").waitFor();
    const now = await call(admin, "GET", "/case-routing");
    assert.equal(now.entries[i].department, "housing");
    const c = await call(admin, "POST", "/cases", { category: "E05-02", description: `e2e 改派规则后（${stamp}）`, lon: 118.17, lat: 36.18 });
    assert.equal(c.department, "housing", "routed by the edited table");

    // A second entry for the same category and place is refused whole, with the reason.
    await page.getByRole("button", { name: "添加一行" }).click();
    const n = now.entries.length;
    await page.getByLabel(`第 ${n + 1} 行类别`).selectOption("E05");
    await page.getByLabel(`第 ${n + 1} 行派往部门`).selectOption("urban-mgmt");
    await page.getByRole("button", { name: "保存派遣规则" }).click();
    await page.locator(".cs-routing .form-error").waitFor();
    assert.deepEqual(await call(admin, "GET", "/case-routing"), now, "nothing of the refused table was taken");
    await shot(t, page, "8-routing-refused");
    assert.deepEqual(
      page.errors.filter((e) => !/status of 422/.test(e)),
      []
    );
  } finally {
    // Leave the demo's table as it was for the other tests.
    await call(admin, "PUT", "/case-routing", original);
    await page.context().close();
  }
});
