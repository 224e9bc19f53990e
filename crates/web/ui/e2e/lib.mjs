// Shared pieces of the browser end-to-end tests. The Rust test `crates/zhicheng/tests/browser.rs`
// starts `zhicheng demo --no-devices` on a free port and runs `node --test` here with:
//   ZC_BASE            the server's URL
//   ZC_ADMIN_PASSWORD  the admin's password
//   ZC_SHOTS           the folder screenshots go to (one sub-folder per test)
//   ZC_CHROMIUM        the browser (Debian's /usr/bin/chromium)
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const BASE = process.env.ZC_BASE;
export const ADMIN_PASSWORD = process.env.ZC_ADMIN_PASSWORD;
const SHOTS = process.env.ZC_SHOTS || "e2e-screenshots";
if (!BASE || !ADMIN_PASSWORD) {
  throw new Error("ZC_BASE and ZC_ADMIN_PASSWORD must be set (run through cargo test --test browser)");
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.ZC_CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A page of a fresh context at `viewport`, with console errors collected into `errors`. */
export async function newPage(browser, viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ viewport, locale: "zh-CN" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => {
    // The page asks /auth/me before signing in: that 401 is how it learns it must.
    if (m.type() === "error" && !/status of 401/.test(m.text())) page.errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 500) page.errors.push(`${r.status()} ${r.url()}`);
  });
  return page;
}

/** Saves `<ZC_SHOTS>/<test name>/<name>.png`. */
export async function shot(t, page, name) {
  const dir = join(SHOTS, t.name.replace(/[^\w\u4e00-\u9fff-]+/g, "_"));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Signs in through the form. */
export async function uiLogin(page, username, password) {
  await page.goto(BASE + "/");
  await page.getByLabel(/用户名|User name/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole("button", { name: /^(登录|Sign in)$/ }).click();
}

/** Calls the API with a bearer token; returns the parsed body, throws on an HTTP error. */
export async function call(token, method, path, body) {
  const r = await fetch(BASE + "/api/v1" + path, {
    method,
    headers: {
      ...(token ? { Authorization: "Bearer " + token } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function apiLogin(username, password) {
  return (await call(null, "POST", "/auth/login", { username, password })).token;
}

/** Posts readings for `entity` with a fresh device token. */
export async function postReadings(adminToken, entity, readings) {
  const tok = (await call(adminToken, "POST", `/entities/${encodeURIComponent(entity)}/token`)).token;
  return call(tok, "POST", "/ingest", { readings: readings.map((r) => ({ entity, ...r })) });
}
