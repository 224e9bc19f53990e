// A configured XYZ tile source: the map loads its tiles (the page's CSP lets that one host
// in), and with a GCJ-02 source every entity is drawn at its GCJ-02 position, not its stored
// WGS84 one. Starts its own `zhicheng demo` (ZC_BIN) with --tile-url and a tile server here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, newPage, shot } from "./lib.mjs";
import { wgs84ToGcj02 } from "../src/map/datum.js";

// A 1×1 PNG (grey); Leaflet stretches it over the 256×256 tile.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPYsXs3AAStAnFDqCJDAAAAAElFTkSuQmCC",
  "base64"
);

async function demo(extra) {
  const data = mkdtempSync(join(tmpdir(), "zc-tiles-"));
  const password = "tiles-admin-password";
  const child = spawn(process.env.ZC_BIN, ["demo", "--port", "0", "--no-devices", "--data-dir", data, ...extra], {
    env: { ...process.env, ZHICHENG_ADMIN_PASSWORD: password, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/zhicheng listening on (\S+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (c) => reject(new Error("demo exited with " + c)));
  });
  return {
    base,
    password,
    stop() {
      child.kill("SIGKILL");
      rmSync(data, { recursive: true, force: true });
    },
  };
}

test("a GCJ-02 tile source: tiles load and entities are shifted onto it", { skip: !process.env.ZC_BIN && "ZC_BIN not set" }, async (t) => {
  const requests = [];
  const tiles = createServer((req, res) => {
    requests.push(req.url);
    if (!/^\/\d+\/\d+\/\d+\.png$/.test(req.url)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "image/png" }).end(PNG);
  });
  await new Promise((r) => tiles.listen(0, "127.0.0.1", r));
  const tileUrl = `http://127.0.0.1:${tiles.address().port}/{z}/{x}/{y}.png`;
  const server = await demo(["--tile-url", tileUrl, "--tile-datum", "gcj02"]);
  const browser = await launch();
  try {
    const page = await newPage(browser, { width: 1366, height: 768 });
    await page.goto(server.base + "/");
    await page.getByLabel(/用户名|User name/).fill("admin");
    await page.getByLabel(/密码|Password/).fill(server.password);
    await page.getByRole("button", { name: /^(登录|Sign in)$/ }).click();
    await page.waitForSelector('body[data-map-ready="1"]', { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-tile-loaded").length > 0, null, { timeout: 10000 });
    assert.ok(requests.length > 0, "the map asked the tile server for tiles");
    assert.ok(requests.every((u) => /^\/\d+\/\d+\/\d+\.png$/.test(u)), requests.join(" "));

    // air-001 is stored at WGS84 118.165, 36.178; on a GCJ-02 map it must sit at the shifted spot.
    const at = await page.evaluate(() => {
      const ll = window.__zc.layer.byId.get("air-001").ll; // [lat, lng] on the map
      return Array.isArray(ll) ? ll : [ll.lat, ll.lng];
    });
    const [gx, gy] = wgs84ToGcj02(118.165, 36.178);
    assert.ok(Math.abs(at[1] - gx) < 1e-9 && Math.abs(at[0] - gy) < 1e-9, `drawn at ${at}, GCJ-02 is ${gy},${gx}`);
    assert.ok(Math.abs(at[1] - 118.165) > 1e-3, "shifted away from the WGS84 position");
    await shot(t, page, "gcj02-tiles");
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
    server.stop();
    tiles.close();
  }
});
