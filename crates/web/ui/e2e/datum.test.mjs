// The map's WGS84 → GCJ-02 port gives the Rust crate's golden figures (crates/geo/src/datum.rs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { wgs84ToGcj02, gcj02ToWgs84, projector } from "../src/map/datum.js";

const GOLDEN = [
  [[116.404, 39.915], [116.41024449916938, 39.91640428150164]],
  [[116.377817, 39.911954], [116.38404722455657, 39.91334545536069]],
];

test("wgs84 → gcj02 matches zhicheng-geo", () => {
  for (const [[lon, lat], [gx, gy]] of GOLDEN) {
    const [x, y] = wgs84ToGcj02(lon, lat);
    assert.ok(Math.abs(x - gx) < 1e-12 && Math.abs(y - gy) < 1e-12, `${lon},${lat} → ${x},${y}`);
    const [bx, by] = gcj02ToWgs84(gx, gy);
    assert.ok(Math.abs(bx - lon) < 1e-8 && Math.abs(by - lat) < 1e-8, `back: ${bx},${by}`);
  }
});

test("no shift outside China; the projector orders [lat, lng] for Leaflet", () => {
  assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85]);
  assert.deepEqual(projector("wgs84").toMap(118.17, 36.18), [36.18, 118.17]);
  const [lat, lng] = projector("gcj02").toMap(118.17, 36.18);
  assert.ok(Math.abs(lng - 118.17) > 1e-3 && Math.abs(lat - 36.18) > 1e-4);
  const back = projector("gcj02").fromMap({ lat, lng });
  assert.ok(Math.abs(back[0] - 118.17) < 1e-8 && Math.abs(back[1] - 36.18) < 1e-8);
});
