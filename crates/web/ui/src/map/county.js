// The county's own vector layers: its boundary, the towns/streets with name labels, and the
// management grids. They sit on their own canvas below the heat and the entities and take no
// clicks (the entity canvas on top receives them); labels are light DOM markers that let
// clicks through.
import { L, geoLayer, boundsOf } from "./base.js";
import { nameOf } from "../i18n.js";
import { esc } from "../html.js";

const STYLE = {
  dark: {
    boundary: { color: "#42c8ff", weight: 2.5, opacity: 0.95, fillColor: "#1b6fb8", fillOpacity: 0.08 },
    glow: { color: "#42c8ff", weight: 9, opacity: 0.16, fill: false },
    town: { color: "#5d8fc4", weight: 1.2, opacity: 0.7, dashArray: "4 4", fillColor: "#2a5b8f", fillOpacity: 0.05 },
    grid: { color: "#c9a94b", weight: 1, opacity: 0.75, fill: false },
  },
  light: {
    boundary: { color: "#1d5fbf", weight: 2.5, opacity: 0.9, fillColor: "#1d5fbf", fillOpacity: 0.03 },
    glow: null,
    town: { color: "#56708f", weight: 1.2, opacity: 0.75, dashArray: "4 4", fill: false },
    grid: { color: "#b07800", weight: 1, opacity: 0.8, fill: false },
  },
};

/** Region levels drawn as the county's subdivisions. */
const TOWN_LEVELS = new Set(["town", "street", "township", "subdistrict"]);

/** Grid labels only appear once the map is zoomed in this far (36+ labels crowd a county view). */
const GRID_LABEL_ZOOM = 12;


/** The outer rings of a Polygon/MultiPolygon (or a Feature of one), as [[lon, lat], ...] lists. */
function outerRings(g) {
  if (!g) return [];
  if (g.type === "Feature") return outerRings(g.geometry);
  if (g.type === "FeatureCollection") return g.features.flatMap((f) => outerRings(f.geometry));
  if (g.type === "Polygon") return [g.coordinates[0]];
  if (g.type === "MultiPolygon") return g.coordinates.map((p) => p[0]);
  return [];
}

function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
  return Math.abs(a / 2);
}

/**
 * A point inside a polygon for its label: on the horizontal line through the largest ring's
 * centroid latitude, the middle of the widest stretch that lies inside the ring. Unlike the
 * centroid it never falls outside a crescent- or L-shaped area. Returns [lon, lat] or null.
 */
export function labelPoint(geometry) {
  const rings = outerRings(geometry);
  if (!rings.length) return null;
  const ring = rings.reduce((a, b) => (ringArea(b) > ringArea(a) ? b : a));
  let cy = 0;
  for (const p of ring) cy += p[1];
  cy /= ring.length;
  const xs = [];
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
  }
  xs.sort((a, b) => a - b);
  let best = null;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    if (!best || xs[k + 1] - xs[k] > best[1] - best[0]) best = [xs[k], xs[k + 1]];
  }
  if (!best) return [ring[0][0], ring[0][1]];
  return [(best[0] + best[1]) / 2, cy];
}

function label(ll, text, cls) {
  return L.marker(ll, {
    pane: "zc-labels",
    icon: L.divIcon({ className: "zc-label " + cls, html: `<span>${esc(text)}</span>`, iconSize: null }),
    interactive: false,
    keyboard: false,
  });
}

export class CountyLayers {
  /** `dark` picks the wall-screen palette. */
  constructor(map, proj, { dark } = {}) {
    this.map = map;
    this.proj = proj;
    this.style = STYLE[dark ? "dark" : "light"];
    if (!map.getPane("zc-county")) map.createPane("zc-county").style.zIndex = 350;
    if (!map.getPane("zc-grids")) map.createPane("zc-grids").style.zIndex = 390;
    // Names sit under the entity canvas (400), so cluster counts stay readable where they meet.
    if (!map.getPane("zc-labels")) map.createPane("zc-labels").style.zIndex = 395;
    this.rBase = L.canvas({ pane: "zc-county", padding: 0.3 });
    this.rGrid = L.canvas({ pane: "zc-grids", padding: 0.3 });
    this.boundary = L.layerGroup().addTo(map);
    this.towns = L.layerGroup();
    this.townLabels = L.layerGroup();
    this.grids = L.layerGroup();
    this.gridLabels = L.layerGroup();
    this.townData = [];
    this.gridData = [];
    this.showTowns = false;
    this.showGrids = false;
    this._onZoom = () => this._gridLabelVisibility();
    map.on("zoomend", this._onZoom);
  }

  /** Draws the county outline; returns its bounds (map coordinates) or null. */
  setBoundary(geometry) {
    this.boundary.clearLayers();
    if (!geometry) return null;
    const opts = (st) => ({ renderer: this.rBase, interactive: false, style: () => st });
    if (this.style.glow) this.boundary.addLayer(geoLayer(geometry, this.proj, opts(this.style.glow)));
    this.boundary.addLayer(geoLayer(geometry, this.proj, opts(this.style.boundary)));
    return boundsOf(geometry.type === "Feature" ? geometry.geometry : geometry, this.proj);
  }

  /** Towns/streets from GET regions (those with a geometry). */
  setTowns(regions) {
    this.townData = (regions || []).filter((r) => TOWN_LEVELS.has(r.level) && r.geometry);
    this.towns.clearLayers();
    for (const r of this.townData) {
      this.towns.addLayer(
        geoLayer(r.geometry, this.proj, { renderer: this.rBase, interactive: false, style: () => this.style.town })
      );
    }
    this._labelTowns();
  }

  /** Management grids from GET grids. */
  setGrids(grids) {
    this.gridData = (grids || []).filter((g) => g.geometry);
    this.grids.clearLayers();
    for (const g of this.gridData) {
      this.grids.addLayer(
        geoLayer(g.geometry, this.proj, { renderer: this.rGrid, interactive: false, style: () => this.style.grid })
      );
    }
    this._labelGrids();
  }

  _labelTowns() {
    this.townLabels.clearLayers();
    for (const r of this.townData) {
      const p = labelPoint(r.geometry);
      if (p) this.townLabels.addLayer(label(this.proj.toMap(p[0], p[1]), nameOf(r), "zc-town"));
    }
  }

  _labelGrids() {
    this.gridLabels.clearLayers();
    for (const g of this.gridData) {
      const p = labelPoint(g.geometry);
      if (p) this.gridLabels.addLayer(label(this.proj.toMap(p[0], p[1]), nameOf(g), "zc-grid"));
    }
  }

  /** Re-renders labels in the current language. */
  relabel() {
    this._labelTowns();
    this._labelGrids();
  }

  setTownsVisible(on) {
    this.showTowns = on;
    for (const l of [this.towns, this.townLabels]) {
      if (on) l.addTo(this.map);
      else l.remove();
    }
  }

  setGridsVisible(on) {
    this.showGrids = on;
    if (on) this.grids.addTo(this.map);
    else this.grids.remove();
    this._gridLabelVisibility();
  }

  _gridLabelVisibility() {
    const on = this.showGrids && this.map.getZoom() >= GRID_LABEL_ZOOM;
    if (on && !this.map.hasLayer(this.gridLabels)) this.gridLabels.addTo(this.map);
    if (!on && this.map.hasLayer(this.gridLabels)) this.gridLabels.remove();
  }

  /** Bounds of everything known about the county (boundary, else towns), or null. */
  townBounds() {
    let b = null;
    for (const r of this.townData) {
      const rb = boundsOf(r.geometry.type === "Feature" ? r.geometry.geometry : r.geometry, this.proj);
      if (!rb) continue;
      b = b ? b.extend(rb) : rb;
    }
    return b;
  }

  destroy() {
    this.map.off("zoomend", this._onZoom);
    for (const l of [this.boundary, this.towns, this.townLabels, this.grids, this.gridLabels]) l.remove();
  }
}
