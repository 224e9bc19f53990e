// Browser benchmark of the command center with many entities: first paint, map ready, and
// pan smoothness, measured by Chromium's own performance timing. Prints figures; asserts none.
//
//   cargo build --release
//   node crates/web/ui/bench/ui.mjs [--binary target/release/zhicheng] [--entities 10000]
//        [--runs 5] [--devices] [--interval 10] [--warmup SECONDS]
//
// It starts `zhicheng demo --entities N` on a free port (with --devices, the simulated devices
// report every --interval seconds while it measures; it first waits --warmup seconds, default
// two intervals, so that every device has reported once and the county is in its steady
// state rather than 10,000 devices coming online at once), signs in, and for each run opens the
// command center in a fresh browser context (cold cache) and reads:
//   - first-contentful-paint (the frame drawn),
//   - zc-map-ready (every entity loaded and drawn on the map: the mark the page sets),
// then pans the map at the county zoom (clusters) and at zoom 15 (single points) two ways and
// reports the frame times the page saw:
//   - drag: the mouse drags the map for 3 s, as a user does (Leaflet moves the drawn layers
//     and redraws when the drag ends, then the next drag starts);
//   - panBy: one programmatic pan per animation frame, each a full move end (clusters and
//     canvas redrawn every frame: the worst case).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf("--" + name);
  return i >= 0 ? args[i + 1] : dflt;
};
const binary = opt("binary", join(here, "../../../../target/release/zhicheng"));
const entities = Number(opt("entities", "10000"));
const runs = Number(opt("runs", "5"));
const devices = args.includes("--devices");
const interval = opt("interval", "10");
const warmup = Number(opt("warmup", devices ? String(2 * Number(interval)) : "0"));
const password = "bench-admin-password";

const data = mkdtempSync(join(tmpdir(), "zhicheng-ui-bench-"));
const demoArgs = ["demo", "--port", "0", "--data-dir", data, "--entities", String(entities), "--interval", interval];
if (!devices) demoArgs.push("--no-devices");
const server = spawn(binary, demoArgs, {
  env: { ...process.env, ZHICHENG_ADMIN_PASSWORD: password, RUST_LOG: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const base = await new Promise((resolve, reject) => {
  let buf = "";
  server.stdout.on("data", (d) => {
    buf += d;
    const m = buf.match(/zhicheng listening on (\S+)/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (c) => reject(new Error("demo exited with " + c)));
});

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const pct = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))];
const fmt = (x) => x.toFixed(0).padStart(5);

try {
  if (warmup > 0) await new Promise((r) => setTimeout(r, warmup * 1000));
  const login = await fetch(base + "/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  const { token } = await login.json();
  // The server side of the map: the entity list the page loads.
  const t0 = performance.now();
  const list = await (await fetch(base + "/api/v1/map/entities", { headers: { Authorization: "Bearer " + token } })).text();
  const apiMs = performance.now() - t0;
  const count = JSON.parse(list).items.length;

  const browser = await chromium.launch({
    executablePath: process.env.ZC_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const fcp = [];
  const ready = [];
  const pans = { "drag, county zoom (clusters)": [], "drag, zoom 15 (points)": [], "panBy, county zoom (clusters)": [], "panBy, zoom 15 (points)": [] };
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: "zh-CN" });
    const host = new URL(base).hostname;
    await context.addCookies([{ name: "zhicheng_session", value: token, domain: host, path: "/" }]);
    const page = await context.newPage();
    await page.goto(base + "/#/command");
    await page.waitForSelector('body[data-map-ready="1"]', { timeout: 60000 });
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      ready: performance.getEntriesByName("zc-map-ready")[0]?.startTime,
      n: window.__zc.entityCount(),
    }));
    if (t.n !== count) throw new Error(`page drew ${t.n} entities, API has ${count}`);
    fcp.push(t.fcp);
    ready.push(t.ready);
    const countyZoom = await page.evaluate(() => window.__zc.map.getZoom());
    for (const [label, zoom] of [["county zoom (clusters)", countyZoom], ["zoom 15 (points)", 15]]) {
      await page.evaluate((z) => window.__zc.map.setZoom(z, { animate: false }), zoom);
      await page.waitForTimeout(500);
      // Drag: frame times recorded in the page while the mouse drags from out here.
      await page.evaluate(() => {
        window.__frames = [];
        let last = performance.now();
        window.__recording = true;
        const frame = (now) => {
          window.__frames.push(now - last);
          last = now;
          if (window.__recording) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      });
      const box = await page.locator(".leaflet-container").first().boundingBox();
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const started = Date.now();
      let k = 0;
      while (Date.now() - started < 3000) {
        // Strokes of 240 px, alternating direction, 8 px per move.
        await page.mouse.move(cx, cy);
        await page.mouse.down();
        const dir = k++ % 2 ? -1 : 1;
        for (let i = 1; i <= 30; i++) await page.mouse.move(cx + dir * i * 8, cy + dir * i * 3);
        await page.mouse.up();
      }
      const dragFrames = await page.evaluate(() => {
        window.__recording = false;
        return window.__frames.slice(1);
      });
      pans["drag, " + label].push(...dragFrames);
      const frames = await page.evaluate(async () => {
        const map = window.__zc.map;
        const times = [];
        let last = performance.now();
        const end = last + 3000;
        let dir = 1;
        let step = 0;
        await new Promise((resolve) => {
          const frame = (now) => {
            times.push(now - last);
            last = now;
            if (++step % 60 === 0) dir = -dir;
            map.panBy([12 * dir, 6 * dir], { animate: false });
            if (now < end) requestAnimationFrame(frame);
            else resolve();
          };
          requestAnimationFrame(frame);
        });
        return times.slice(1);
      });
      pans["panBy, " + label].push(...frames);
    }
    await context.close();
  }
  await browser.close();

  console.log(`UI benchmark: ${count} entities${devices ? `, devices reporting every ${interval} s (after ${warmup} s warm-up)` : ", no device traffic"}, ${runs} cold runs, 1920×1080, headless Chromium (software rendering), ${cpus().length} cores`);
  console.log(`  GET /api/v1/map/entities           ${fmt(apiMs)} ms  (${(list.length / 1024).toFixed(0)} KiB)`);
  console.log(`  first contentful paint     median ${fmt(median(fcp))} ms   max ${fmt(Math.max(...fcp))} ms`);
  console.log(`  map ready (all drawn)      median ${fmt(median(ready))} ms   max ${fmt(Math.max(...ready))} ms`);
  for (const [name, v] of Object.entries(pans)) {
    const fps = 1000 / (v.reduce((a, b) => a + b, 0) / v.length);
    const long = v.filter((x) => x > 50).length;
    console.log(
      `  ${name.padEnd(30)} ${fps.toFixed(0).padStart(3)} fps   frame p50 ${pct(v, 0.5).toFixed(1)} ms  p95 ${pct(v, 0.95).toFixed(1)} ms  max ${Math.max(...v).toFixed(0)} ms  frames >50 ms: ${long}/${v.length}`
    );
  }
} finally {
  server.kill("SIGKILL");
  rmSync(data, { recursive: true, force: true });
}
