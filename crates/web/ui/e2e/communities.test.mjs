// Smart communities in the browser: an admin assesses a demo community at 90 % in the
// scorecard's 智慧社区 view; the row shows it smart and #44 turns to the assessments.
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

test("an admin assesses a community at 90 % and the view shows it smart", async (t) => {
  const card = await call(admin, "GET", "/scorecard");
  const board = await call(admin, "GET", `/scorecard/communities?period=${card.period}`);
  const c = board.communities.find((x) => x.name === "城里社区");
  assert.ok(c, "the demo county has 城里社区");
  assert.equal(c.latest, null);
  assert.ok(board.communities.every((x) => x.name.endsWith("社区")));
  const before44 = card.indicators.find((i) => i.number === 44);
  assert.equal(before44.how, "hybrid");

  const page = await newPage(browser);
  try {
    await uiLogin(page, "admin", ADMIN_PASSWORD);
    await page.waitForSelector('body[data-page="command"]', { timeout: 20000 });
    await page.goto(BASE + "/#/scorecard");
    await page.getByRole("button", { name: "智慧社区", exact: true }).click();
    const table = page.locator("#cm-table");
    await table.waitFor();
    assert.equal(await page.locator('button[aria-pressed="true"]#sc-view-communities').count(), 1);
    const row = table.locator(`tr[data-community="${c.code}"]`);
    assert.equal(await row.getAttribute("data-smart"), "");
    assert.match(await row.innerText(), /未自评/);
    await shot(t, page, "1-not-assessed");

    await row.getByRole("button", { name: "录入自评" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByLabel(/^完成权重/).fill("90");
    await dialog.getByLabel(/^说明/).fill("e2e 自评");
    await shot(t, page, "2-dialog");
    await dialog.getByRole("button", { name: "保存自评" }).click();
    await dialog.waitFor({ state: "detached" });

    await page.waitForFunction((code) => document.querySelector(`tr[data-community="${code}"]`)?.dataset.smart === "true", c.code);
    assert.match(await row.innerText(), /智慧社区/);
    assert.match(await row.locator("[data-weight]").innerText(), /^90%$/);
    const totals = await page.locator("#cm-totals").innerText();
    assert.match(totals, /智慧社区 1 个/);
    await shot(t, page, "3-smart");

    // #44 now comes from the assessments.
    const after = await call(admin, "GET", "/scorecard");
    const r44 = after.indicators.find((i) => i.number === 44);
    assert.equal(r44.source, "auto");
    assert.equal(r44.value, (1 / board.communities.length) * 100);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
