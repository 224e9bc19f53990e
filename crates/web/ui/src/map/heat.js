// The H3 heat layer: GET map/heat at a resolution that suits the zoom, drawn as filled
// hexagons on their own canvas below the entities. Without a metric a cell's value is the
// number of entities in it; with one it is the mean of their latest values.
import { L } from "./base.js";
import { api } from "../api.js";

/** Blue → green → yellow → red; legible on the dark wall map and the light console map. */
export const RAMP = ["#2c7bb6", "#00a6ca", "#00ccbc", "#90eb9d", "#ffff8c", "#f9d057", "#f29e2e", "#e76818", "#d7191c"];

/** The ramp as a CSS gradient (for the legend bar). */
export const RAMP_CSS = `linear-gradient(to right, ${RAMP.join(", ")})`;

function hex2rgb(h) {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const RAMP_RGB = RAMP.map(hex2rgb);

/** Colour at f ∈ [0, 1] along the ramp. */
export function rampColor(f) {
  const x = Math.max(0, Math.min(1, f)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const u = x - i;
  const a = RAMP_RGB[i];
  const b = RAMP_RGB[i + 1];
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * H3 resolution for a Leaflet zoom, chosen so a hexagon spans roughly 15–40 screen pixels
 * (res 7 edges are ~1.2 km: right for a whole county at zoom 10–11).
 */
export function resForZoom(z) {
  if (z < 8) return 4;
  if (z < 9) return 5;
  if (z < 10) return 6;
  if (z < 12) return 7;
  if (z < 14) return 8;
  if (z < 16) return 9;
  return 10;
}

const REFRESH_MS = 60000;

export class HeatLayer {
  /**
   * Options: onState({loading, error, legend}) — legend is {res, metric, min, max, cells} or null.
   */
  constructor(map, proj, opts = {}) {
    this.map = map;
    this.proj = proj;
    this.opts = opts;
    if (!map.getPane("zc-heat")) {
      map.createPane("zc-heat").style.zIndex = 380;
    }
    this.renderer = L.canvas({ pane: "zc-heat", padding: 0.3 });
    this.group = L.layerGroup();
    this.query = { kind: "", metric: "" };
    this.enabled = false;
    this.res = null;
    this.cells = [];
    this.ctrl = null;
    this.timer = null;
    this._onZoom = () => {
      if (this.enabled && resForZoom(this.map.getZoom()) !== this.res) this.refresh();
    };
    map.on("zoomend", this._onZoom);
  }

  /** Sets what the heat shows: {kind, metric} (empty metric: entity density, optionally of one kind). */
  setQuery(q) {
    const next = { kind: q.kind || "", metric: q.metric || "" };
    if (next.kind === this.query.kind && next.metric === this.query.metric) return;
    this.query = next;
    if (this.enabled) this.refresh();
  }

  setEnabled(on) {
    if (on === this.enabled) return;
    this.enabled = on;
    if (on) {
      this.group.addTo(this.map);
      this.refresh();
      this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    } else {
      clearInterval(this.timer);
      if (this.ctrl) this.ctrl.abort();
      this.group.remove();
      this._state({ loading: false, error: null, legend: null });
    }
  }

  _state(s) {
    if (this.opts.onState) this.opts.onState(s);
  }

  async refresh() {
    if (!this.enabled) return;
    if (this.ctrl) this.ctrl.abort();
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    const res = resForZoom(this.map.getZoom());
    this._state({ loading: true, error: null, legend: this.legend || null });
    try {
      const q = { res, kind: this.query.kind, metric: this.query.metric };
      if (q.metric && !q.kind) delete q.metric;
      const data = await api("/map/heat", { query: q, signal: ctrl.signal });
      if (ctrl !== this.ctrl || !this.enabled) return;
      this.res = data.res ?? res;
      this.draw(data);
      this._state({ loading: false, error: null, legend: this.legend });
    } catch (e) {
      if (e.name === "AbortError" || ctrl !== this.ctrl) return;
      this._state({ loading: false, error: e, legend: this.legend || null });
    }
  }

  draw(data) {
    this.group.clearLayers();
    const cells = (data.cells || []).filter((c) => typeof c.value === "number" && c.boundary?.length);
    let min = Infinity;
    let max = -Infinity;
    for (const c of cells) {
      if (c.value < min) min = c.value;
      if (c.value > max) max = c.value;
    }
    // Densities are skewed (a town centre holds most devices), so they are coloured on a
    // square-root scale; metric means use a linear one.
    const scale = data.metric ? "linear" : "sqrt";
    const fwd = scale === "sqrt" ? (v) => Math.sqrt(Math.max(0, v)) : (v) => v;
    const lo = fwd(min);
    const span = fwd(max) - lo;
    this.cells = cells.map((c) => {
      const f = span > 0 ? (fwd(c.value) - lo) / span : 1;
      const color = rampColor(f);
      const ring = c.boundary.map(([lon, lat]) => this.proj.toMap(lon, lat));
      const poly = L.polygon(ring, {
        renderer: this.renderer,
        interactive: false,
        color,
        weight: 0.6,
        opacity: 0.8,
        fillColor: color,
        fillOpacity: 0.5,
      });
      this.group.addLayer(poly);
      return { ...c, ring, bounds: poly.getBounds() };
    });
    // The value at the middle of the ramp, for the legend's centre tick.
    const mid = cells.length ? (scale === "sqrt" ? (lo + span / 2) ** 2 : min + span / 2) : null;
    this.legend = {
      res: this.res,
      metric: data.metric || null,
      kind: this.query.kind || null,
      scale,
      min: cells.length ? min : null,
      mid,
      max: cells.length ? max : null,
      cells: cells.length,
    };
  }

  /** The heat cell under a map point (for a click read-out), or null. */
  cellAt(latlng) {
    if (!this.enabled) return null;
    for (const c of this.cells) {
      if (!c.bounds.contains(latlng)) continue;
      if (pointInRing(latlng.lat, latlng.lng, c.ring)) return c;
    }
    return null;
  }

  destroy() {
    this.enabled = false;
    clearInterval(this.timer);
    if (this.ctrl) this.ctrl.abort();
    this.map.off("zoomend", this._onZoom);
    this.group.remove();
  }
}

/** Ray casting in map coordinates; ring is [[lat, lng], ...]. */
function pointInRing(y, x, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i];
    const [yj, xj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
