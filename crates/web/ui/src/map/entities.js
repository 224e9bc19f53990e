// The entity layer both maps share: every entity from GET map/entities, clustered with
// supercluster and drawn on the shared canvas renderer. Only what is in view is turned into
// Leaflet layers (cluster bubbles and per-entity symbols, both canvas paths, no DOM markers),
// and a move or zoom only adds/removes the difference, so 10,000 entities stay smooth.
//
// Live data arrives through `applyChanges(batch)`: the entity's status and last report time
// change in place; the affected symbols are restyled at most twice a second, and the cluster
// index (whose bubbles carry per-status tallies) is rebuilt at most every few seconds and only
// when some entity actually changed status.
import Supercluster from "supercluster";
import { L } from "./base.js";
import { t, nameOf, fmtAge, fmtTime } from "../i18n.js";
import { href } from "../shell.jsx";
import {
  STATUSES,
  ACTIVE,
  statusColor,
  statusOpacity,
  statusLabel,
  healthColor,
  mapStatus,
  reduceStatus,
  traceShape,
  kindStyles,
} from "./status.js";

const STYLE_FLUSH_MS = 500;
const REINDEX_MS = 3000;
const AGE_CHECK_MS = 10000;
const PULSE_MS = 1600;
/** Zoom above which supercluster stops merging points (Leaflet's max is 18). */
const CLUSTER_MAX_ZOOM = 16;

/**
 * A canvas symbol for one entity: a CircleMarker whose path is the kind's shape. Drawing goes
 * through the renderer's context the way Leaflet's own circle does; `pulse` adds a fading halo
 * after a fresh report.
 */
const ShapeMarker = L.CircleMarker.extend({
  _updateBounds() {
    // Stars and triangles reach past the radius, and so does the halo.
    const r = this._radius * 1.3 + 7 + this._clickTolerance();
    this._pxBounds = L.bounds(this._point.subtract([r, r]), this._point.add([r, r]));
  },
  _updatePath() {
    const rd = this._renderer;
    if (!rd._drawing || this._empty()) return;
    const ctx = rd._ctx;
    const p = this._point;
    const r = this._radius;
    if (this.pulseUntil && this.pulseUntil > performance.now()) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + 5, 0, Math.PI * 2);
      ctx.globalAlpha = 0.7;
      ctx.lineWidth = 2;
      ctx.strokeStyle = this.options.fillColor;
      ctx.setLineDash([]);
      ctx.stroke();
    }
    ctx.beginPath();
    traceShape(ctx, this.shape || "circle", p.x, p.y, r);
    rd._fillStroke(ctx, this);
  },
});

/** A canvas cluster bubble: status ring, health-coloured core and the count. */
const ClusterMarker = L.CircleMarker.extend({
  _updateBounds() {
    const r = this._radius + 6 + this._clickTolerance();
    this._pxBounds = L.bounds(this._point.subtract([r, r]), this._point.add([r, r]));
  },
  _updatePath() {
    const rd = this._renderer;
    if (!rd._drawing || this._empty()) return;
    const ctx = rd._ctx;
    const p = this._point;
    const r = this._radius;
    const { tally, count, dark } = this;
    const health = healthColor(tally, dark);
    ctx.setLineDash([]);
    // soft halo
    ctx.beginPath();
    ctx.arc(p.x, p.y, r + 4, 0, Math.PI * 2);
    ctx.globalAlpha = 0.22;
    ctx.fillStyle = health;
    ctx.fill();
    // base disc
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
    ctx.globalAlpha = 0.92;
    ctx.fillStyle = dark ? "#0b1728" : "#ffffff";
    ctx.fill();
    // status ring: one arc per status, proportional to its share
    let a = -Math.PI / 2;
    ctx.lineWidth = 4;
    ctx.globalAlpha = 1;
    for (const s of STATUSES) {
      const n = tally[s];
      if (!n) continue;
      const b = a + (n / count) * Math.PI * 2;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r - 2, a, b);
      ctx.strokeStyle = statusColor(s, dark);
      ctx.stroke();
      a = b;
    }
    // core in the health colour
    ctx.beginPath();
    ctx.arc(p.x, p.y, r - 5, 0, Math.PI * 2);
    ctx.globalAlpha = 0.85;
    ctx.fillStyle = health;
    ctx.fill();
    // count, outlined so it reads on every core colour
    const label = count >= 10000 ? Math.round(count / 1000) + "k" : String(count);
    ctx.globalAlpha = 1;
    ctx.font = `bold ${r >= 20 ? 13 : 12}px "Noto Sans CJK SC", system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0,0,0,0.55)";
    ctx.strokeText(label, p.x, p.y + 0.5);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(label, p.x, p.y + 0.5);
  },
});

function clusterRadius(count) {
  return Math.round(13 + Math.min(15, Math.log10(count) * 6));
}

function sameTally(a, b) {
  for (const s of STATUSES) if (a[s] !== b[s]) return false;
  return true;
}

export class EntityLayer {
  /**
   * `map`, `proj`, `renderer` come from createMap. Options:
   *   dark: colours for a dark map;
   *   onView(): called after each redraw of what is in view (pages refresh side lists);
   *   onFlip(list): entities whose status changed, [{rec, from, to}] (KPIs adjust counts);
   *   onUnknown(ids): live changes for entities not loaded (e.g. created since; page may reload).
   */
  constructor(map, proj, renderer, opts = {}) {
    this.map = map;
    this.proj = proj;
    this.renderer = renderer;
    this.dark = !!opts.dark;
    this.opts = opts;
    this.recs = [];
    this.byId = new Map();
    this.kinds = new Map(); // kind id → Kind (for names)
    this.depts = new Map(); // department id → Department
    this.styles = new Map(); // kind id → {shape, color}
    this.filter = null;
    this.index = null;
    this.shown = 0; // entities in the index (filtered, with a location)
    this.drawn = new Map(); // key → layer
    this.group = L.featureGroup().addTo(map);
    this.pending = new Set(); // ids restyled at the next flush
    this.flushTimer = null;
    this.dirtyIndex = false;
    this.lastIndex = 0;
    this.indexTimer = null;
    this.skew = 0; // server clock − browser clock
    this.offlineAfter = 0;
    this.popupRec = null;
    this.popup = L.popup({ maxWidth: 320, className: this.dark ? "zc-popup dark" : "zc-popup" });
    this.group.on("click", (e) => this._onClick(e));
    // While the user drags or zooms, live restyles and re-clustering wait for the move to end:
    // the canvas is only translated during a drag, so the pan stays at the display's frame rate
    // however fast readings arrive.
    this.moving = false;
    this.deferred = false;
    this._onMoveStart = () => {
      this.moving = true;
    };
    this._onMove = () => {
      this.moving = false;
      this.render();
      if (this.deferred) {
        this.deferred = false;
        this._flush();
      }
    };
    map.on("movestart", this._onMoveStart);
    map.on("moveend", this._onMove);
    this.ageTimer = setInterval(() => this._ageCheck(), AGE_CHECK_MS);
  }

  /** Kinds (GET kinds) for names and symbols; keeps symbols stable across reloads. */
  setKinds(kinds) {
    this.kinds = new Map((kinds || []).map((k) => [k.id, k]));
    this.styles = kindStyles(kinds);
    for (const [key, m] of this.drawn) {
      if (key[0] !== "p") continue;
      m.shape = this._style(m.rec.kind).shape;
      m.setStyle({ color: this._style(m.rec.kind).color });
    }
  }

  setDepartments(depts) {
    this.depts = new Map((depts || []).map((d) => [d.id, d]));
  }

  _style(kind) {
    return this.styles.get(kind) || { shape: "circle", color: "#9aa7b5" };
  }

  /** Loads a GET map/entities answer (replacing what was loaded). */
  load(resp) {
    const f = resp.fields || ["id", "kind", "name", "department", "region", "lon", "lat", "status", "last_ts"];
    const ix = Object.fromEntries(f.map((n, i) => [n, i]));
    this.skew = (resp.now || Date.now()) - Date.now();
    this.offlineAfter = resp.offline_after_ms || 0;
    this.recs = resp.items.map((a) => {
      const lon = a[ix.lon];
      const lat = a[ix.lat];
      const has = typeof lon === "number" && typeof lat === "number";
      return {
        id: a[ix.id],
        kind: a[ix.kind],
        name: a[ix.name],
        department: a[ix.department],
        region: a[ix.region],
        lon: has ? lon : null,
        lat: has ? lat : null,
        ll: has ? this.proj.toMap(lon, lat) : null,
        status: a[ix.status],
        last_ts: a[ix.last_ts] ?? null,
      };
    });
    this.byId = new Map(this.recs.map((r) => [r.id, r]));
    this.reindex();
  }

  /** Ids of the kinds that have at least one loaded entity (what this user can see). */
  kindsPresent() {
    return new Set(this.recs.map((r) => r.kind));
  }

  /** Number of entities loaded (with or without a location). */
  count() {
    return this.recs.length;
  }

  get(id) {
    return this.byId.get(id);
  }

  /** The server's clock now, as far as this browser can tell. */
  now() {
    return Date.now() + this.skew;
  }

  /** Shows only entities for which `pred(rec)` is true (null: all). */
  setFilter(pred) {
    this.filter = pred || null;
    this.reindex();
  }

  /** Rebuilds the cluster index from the (filtered) entities and redraws what is in view. */
  reindex() {
    if (this.destroyed) return;
    const feats = [];
    for (const r of this.recs) {
      if (!r.ll || (this.filter && !this.filter(r))) continue;
      feats.push({ type: "Feature", properties: r, geometry: { type: "Point", coordinates: [r.lon, r.lat] } });
    }
    this.shown = feats.length;
    this.index = new Supercluster({
      radius: 46,
      extent: 256, // with 256, `radius` is in screen pixels at Leaflet's zoom levels
      minZoom: 6, // createMap's minimum: coarser levels would never be shown
      maxZoom: CLUSTER_MAX_ZOOM,
      minPoints: 3,
      map: mapStatus,
      reduce: reduceStatus,
    }).load(feats);
    this.dirtyIndex = false;
    this.lastIndex = performance.now();
    this.render();
  }

  /** Entities in the index (after the filter, with a location). */
  shownCount() {
    return this.shown;
  }

  /** Redraws the clusters and symbols in view: adds what appeared, drops what left. */
  render() {
    // After destroy() the map may be removed too (Leaflet keeps _loaded set, then throws).
    if (this.destroyed || !this.index || !this.map._loaded) return;
    const b = this.map.getBounds().pad(0.2);
    const sw = this.proj.fromMap(b.getSouthWest());
    const ne = this.proj.fromMap(b.getNorthEast());
    const z = Math.floor(this.map.getZoom());
    const feats = this.index.getClusters(
      [Math.max(-180, sw[0]), Math.max(-85, sw[1]), Math.min(180, ne[0]), Math.min(85, ne[1])],
      z
    );
    const next = new Map();
    const radius = z >= 15 ? 7 : z >= 12 ? 6 : 5;
    for (const f of feats) {
      const p = f.properties;
      if (p.cluster) {
        const key = "c" + z + ":" + p.cluster_id;
        let m = this.drawn.get(key);
        if (m && (m.count !== p.point_count || !sameTally(m.tally, p))) {
          m.count = p.point_count;
          m.tally = p;
          m.redraw();
        } else if (!m) {
          const [lon, lat] = f.geometry.coordinates;
          m = new ClusterMarker(this.proj.toMap(lon, lat), {
            renderer: this.renderer,
            radius: clusterRadius(p.point_count),
            stroke: false,
            fill: false,
            bubblingMouseEvents: false,
          });
          m.clusterId = p.cluster_id;
          m.count = p.point_count;
          m.tally = p;
          m.dark = this.dark;
          this.group.addLayer(m);
        }
        next.set(key, m);
      } else {
        const key = "p" + p.id;
        let m = this.drawn.get(key);
        if (!m) {
          m = new ShapeMarker(p.ll, this._pointStyle(p, radius));
          m.rec = p;
          m.shape = this._style(p.kind).shape;
          this.group.addLayer(m);
        } else if (m.options.radius !== radius) {
          m.setRadius(radius);
        }
        next.set(key, m);
      }
    }
    for (const [key, m] of this.drawn) {
      if (!next.has(key)) this.group.removeLayer(m);
    }
    this.drawn = next;
    if (this.opts.onView) this.opts.onView();
  }

  _pointStyle(rec, radius) {
    return {
      renderer: this.renderer,
      radius,
      fillColor: statusColor(rec.status, this.dark),
      fillOpacity: statusOpacity(rec.status),
      color: this._style(rec.kind).color,
      weight: 1.5,
      opacity: 0.95,
      bubblingMouseEvents: false,
    };
  }

  /**
   * Applies a batch of live changes ({entity, metric, ts, value}): each reporting entity that
   * should report becomes online with last_ts = ts. Returns the number of changes applied.
   */
  applyChanges(batch) {
    const flips = [];
    const unknown = [];
    let n = 0;
    for (const c of batch) {
      const r = this.byId.get(c.entity);
      if (!r) {
        unknown.push(c.entity);
        continue;
      }
      n++;
      if (!r.last_ts || c.ts > r.last_ts) r.last_ts = c.ts;
      // A report only says the device works; lifecycle states (maintenance, planned, retired)
      // are the registry's and stay as they are, as on the server.
      if (ACTIVE.has(r.status) && r.status !== "online" && this._fresh(r)) {
        flips.push({ rec: r, from: r.status, to: "online" });
        r.status = "online";
        this.dirtyIndex = true;
      }
      r.pulse = performance.now() + PULSE_MS;
      this.pending.add(r.id);
    }
    if (flips.length && this.opts.onFlip) this.opts.onFlip(flips);
    if (unknown.length && this.opts.onUnknown) this.opts.onUnknown(unknown);
    this._scheduleFlush();
    return n;
  }

  _fresh(r) {
    return !this.offlineAfter || !r.last_ts || this.now() - r.last_ts <= this.offlineAfter;
  }

  _scheduleFlush(delay = STYLE_FLUSH_MS) {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this._flush();
    }, delay);
  }

  /** Restyles pending symbols in place; rebuilds the index when statuses changed (throttled). */
  _flush() {
    if (this.destroyed) return;
    if (this.moving) {
      this.deferred = true;
      return;
    }
    const now = performance.now();
    let pulsing = false;
    for (const id of this.pending) {
      const m = this.drawn.get("p" + id);
      if (!m) continue;
      const r = m.rec;
      const live = r.pulse && r.pulse > now;
      m.pulseUntil = live ? r.pulse : 0;
      if (live) pulsing = true;
      m.setStyle({ fillColor: statusColor(r.status, this.dark), fillOpacity: statusOpacity(r.status) });
    }
    if (this.popupRec && this.pending.has(this.popupRec.id) && this.map.hasLayer(this.popup)) {
      this.popup.setContent(this._popupContent(this.popupRec));
    }
    // Keep ids whose halo is still showing, so the next flush clears it.
    const keep = [];
    for (const id of this.pending) {
      const r = this.byId.get(id);
      if (r && r.pulse && r.pulse > now) keep.push(id);
    }
    this.pending = new Set(keep);
    if (this.dirtyIndex) {
      const wait = REINDEX_MS - (now - this.lastIndex);
      if (wait <= 0) this.reindex();
      else if (!this.indexTimer) {
        this.indexTimer = setTimeout(() => {
          this.indexTimer = null;
          if (!this.dirtyIndex) return;
          if (this.moving) this.deferred = true;
          else this.reindex();
        }, wait);
      }
    }
    if (pulsing || this.pending.size) this._scheduleFlush(PULSE_MS);
  }

  /** Online entities whose last report is older than offline_after become offline. */
  _ageCheck() {
    if (!this.offlineAfter) return;
    const now = this.now();
    const flips = [];
    for (const r of this.recs) {
      if (r.status === "online" && r.last_ts && now - r.last_ts > this.offlineAfter) {
        flips.push({ rec: r, from: "online", to: "offline" });
        r.status = "offline";
        this.pending.add(r.id);
      }
    }
    if (flips.length) {
      this.dirtyIndex = true;
      if (this.opts.onFlip) this.opts.onFlip(flips);
      this._scheduleFlush(0);
    }
  }

  _onClick(e) {
    const m = e.layer;
    if (m.rec) {
      this.openPopup(m.rec);
    } else if (m.clusterId !== undefined) {
      const z = Math.min(this.index.getClusterExpansionZoom(m.clusterId), this.map.getMaxZoom());
      this.map.flyTo(m.getLatLng(), Math.max(z, this.map.getZoom() + 1), { duration: 0.6 });
    }
  }

  /** Opens the entity's popup (name, kind, status, last report, link to its page). */
  openPopup(rec) {
    if (!rec.ll) return;
    this.popupRec = rec;
    this.popup.setLatLng(rec.ll).setContent(this._popupContent(rec)).openOn(this.map);
  }

  _popupContent(rec) {
    const el = document.createElement("div");
    el.className = "zc-pop";
    el.dataset.entity = rec.id;
    const h = document.createElement("strong");
    h.textContent = rec.name || rec.id;
    el.appendChild(h);
    const dl = document.createElement("dl");
    const row = (k, v, color) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      if (color) {
        const dot = document.createElement("i");
        dot.className = "zc-dot";
        dot.style.background = color;
        dd.appendChild(dot);
      }
      dd.appendChild(document.createTextNode(v));
      dl.append(dt, dd);
    };
    const kind = this.kinds.get(rec.kind);
    row(t("geo.pop.kind"), kind ? nameOf(kind) : rec.kind);
    row(t("geo.pop.status"), statusLabel(rec.status), statusColor(rec.status, this.dark));
    const dept = this.depts.get(rec.department);
    if (rec.department) row(t("geo.pop.department"), dept ? nameOf(dept) : rec.department);
    row(
      t("geo.pop.last"),
      rec.last_ts ? `${fmtAge(rec.last_ts, this.now())} (${fmtTime(rec.last_ts)})` : t("age.never")
    );
    el.appendChild(dl);
    const a = document.createElement("a");
    a.href = href("entities", rec.id);
    a.textContent = t("geo.pop.open");
    el.appendChild(a);
    return el;
  }

  /** Flies to an entity and opens its popup. */
  flyTo(id) {
    const rec = this.byId.get(id);
    if (!rec || !rec.ll) return false;
    const z = Math.max(CLUSTER_MAX_ZOOM + 1, this.map.getZoom());
    this.map.once("moveend", () => !this.destroyed && this.openPopup(rec));
    this.map.flyTo(rec.ll, z, { duration: 0.8 });
    return true;
  }

  /** Entities (after the filter) inside the current view: {items: first `limit`, total}. */
  inView(limit = 100) {
    const b = this.map.getBounds();
    const items = [];
    let total = 0;
    for (const r of this.recs) {
      if (!r.ll || (this.filter && !this.filter(r))) continue;
      if (!b.contains(r.ll)) continue;
      total++;
      if (items.length < limit) items.push(r);
    }
    return { items, total };
  }

  /** The extent of the loaded entities (map coordinates) or null. */
  bounds() {
    let b = null;
    for (const r of this.recs) {
      if (!r.ll) continue;
      if (!b) b = L.latLngBounds(r.ll, r.ll);
      else b.extend(r.ll);
    }
    return b;
  }

  /** Repaints the open popup (e.g. after a language change). */
  relabel() {
    if (this.popupRec && this.map.hasLayer(this.popup)) this.popup.setContent(this._popupContent(this.popupRec));
  }

  destroy() {
    this.destroyed = true;
    clearInterval(this.ageTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.indexTimer);
    this.map.off("moveend", this._onMove);
    this.map.off("movestart", this._onMoveStart);
    this.group.remove();
    this.popup.remove();
  }
}
