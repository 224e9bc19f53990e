// The scorecard over time in the browser: the trend against a closed month, the view by
// responsible unit, quarters in the period picker, the acceptance milestones with their
// self-assessment report, a base figure entered on the page, and the command center's
// scorecard chart.
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

function previousMonth(p) {
  const [y, m] = p.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}
const quarterOf = (m) => `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`;

test("the scorecard by month, by responsible unit, by quarter, and the acceptance milestones", async (t) => {
  const card = await call(admin, "GET", "/scorecard");
  const period = card.period;
  const prev = previousMonth(period);
  // Last month closed: this month's trend compares against it.
  await call(admin, "POST", `/scorecard/periods/${prev}/close`, { star: 4 });
  const page = await newPage(browser);
  try {
    await uiLogin(page, "admin", ADMIN_PASSWORD);
    await page.waitForSelector('body[data-page="command"][data-map-ready="1"]', { timeout: 20000 });
    // The command center draws the scorecard's months and groups.
    const chart = page.locator('section[aria-labelledby="cc-sc-h"] [role="img"]');
    await chart.waitFor({ timeout: 10000 });
    assert.match(await chart.getAttribute("aria-label"), /完成权重 \d+(\.\d+)?%/);
    await page.waitForFunction(() => !!document.querySelector('section[aria-labelledby="cc-sc-h"] canvas'));
    await shot(t, page, "1-command-center");

    // By month: last month's snapshot, then this month live.
    await page.goto(BASE + "/#/scorecard?view=trend");
    const trend = page.locator("#sc-trend");
    await trend.waitFor();
    const heads = await trend.locator("thead th[data-period]").evaluateAll((ths) => ths.map((th) => th.dataset.period));
    assert.deepEqual(heads, [prev, period]);
    assert.match(await trend.locator(`thead th[data-period="${period}"]`).innerText(), /实时/);
    const total = await trend.locator("tr.sc-trend-total td").allInnerTexts();
    assert.ok(total.slice(1).every((x) => /^\d+(\.\d+)?%$/.test(x)), total.join("|"));
    assert.equal(await trend.locator('tr[data-indicator="3"] td').count(), 4);
    await page.waitForFunction(() => !!document.querySelector(".sc-trend-chart canvas"));
    await shot(t, page, "2-trend");

    // By responsible unit: each unit's led indicators; an open one leads back to the list.
    await page.getByRole("button", { name: "按责任单位" }).click();
    const units = page.locator("#sc-units");
    await units.waitFor();
    assert.equal(await page.locator('button[aria-pressed="true"]#sc-view-units').count(), 1);
    const expected = card.by_unit.filter((u) => u.lead > 0).length;
    assert.ok(expected > 5, String(expected));
    const rows = units.locator("tbody tr");
    assert.equal(await rows.count(), card.by_unit.length);
    const withOpen = card.by_unit.find((u) => u.open.length > 0);
    const row = units.locator(`tr[data-unit="${withOpen.id || withOpen.name}"]`);
    assert.equal(await row.locator("td").first().innerText(), String(withOpen.lead));
    await shot(t, page, "3-units");
    const n = withOpen.open[0];
    await row.getByRole("button", { name: `查看指标 ${n}` }).first().click();
    await page.locator(`tr[data-detail="${n}"]`).waitFor();
    assert.equal(await page.locator('button[aria-pressed="true"]#sc-view-indicators').count(), 1);

    // A quarter from the picker: measured on its last month, reports by quarter.
    const q = quarterOf(period);
    await page.locator("#sc-period").selectOption(q);
    await page.locator("#sc-quarter-note").waitFor();
    assert.match(await page.locator("#sc-quarter-note").innerText(), new RegExp(`${q}.*${period}`));
    assert.ok((await page.locator("#sc-report-xlsx").getAttribute("href")).includes(`period=${q}`));
    assert.equal(await page.locator("#sc-close").count(), 0, "quarters are closed month by month");
    await shot(t, page, "4-quarter");

    // The milestones: the demo's mid-term check is four months ahead.
    const acc = page.locator("#sc-acceptance");
    await acc.waitFor();
    const mid = acc.locator('li[data-milestone="midterm"]');
    assert.match(await mid.innerText(), /中期考核[\s\S]*还有 \d+ 天/);
    assert.match(await acc.locator('li[data-milestone="final"]').innerText(), /终期验收/);
    const href = await page.locator("#sc-acc-html-midterm").getAttribute("href");
    const got = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    }, href);
    assert.equal(got.status, 200);
    assert.match(got.type, /text\/html/);
    assert.match(got.text, /中期考核自评报告/);
    assert.match(got.text, /自评结论/);
    await shot(t, page, "5-acceptance");

    // A base figure: households, entered by the big-data center, gives #9 a value.
    await page.goto(BASE + "/#/scorecard");
    const r9 = page.locator('tr[data-indicator="9"] td[data-status]');
    assert.equal(await r9.getAttribute("data-status"), "no_data");
    const inputs = page.locator("#sc-inputs");
    await inputs.waitFor();
    assert.match(await inputs.innerText(), /常住户数[\s\S]*未录入/);
    await page.locator("#sc-input-edit-households").click();
    await inputs.getByLabel(/的数值/).fill("200000");
    await inputs.getByLabel(/来源/).fill("e2e：统计局年末户数");
    await inputs.getByRole("button", { name: "保存" }).click();
    await inputs.locator('li[data-input="households"] [data-value]').waitFor();
    assert.equal(await inputs.locator('li[data-input="households"] [data-value]').innerText(), "200,000");
    await page.waitForFunction(
      () => document.querySelector('tr[data-indicator="9"] td[data-status]')?.dataset.status === "not_met"
    );
    await shot(t, page, "6-base-figure");

    // English.
    await page.getByRole("button", { name: /切换到英文界面/ }).first().click();
    await page.getByRole("button", { name: "By responsible unit" }).waitFor();
    assert.deepEqual(page.errors, []);
  } finally {
    await call(admin, "POST", `/scorecard/periods/${prev}/reopen`, { reason: "e2e: leave the demo as it was" });
    await page.context().close();
  }
});
