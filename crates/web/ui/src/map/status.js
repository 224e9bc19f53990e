// Live status and kind styling shared by every map: the colour of each entity status, the
// symbol of each kind, how a cluster's mix of statuses becomes one health colour, and the
// legend rows the pages render. Plain data + functions, no DOM.
import { t, nameOf } from "../i18n.js";

/** Statuses in the order legends and tallies list them (worst first among the active ones). */
export const STATUSES = ["online", "offline", "silent", "maintenance", "planned", "retired"];

/** Statuses that say something about a working device; the rest are lifecycle states. */
export const ACTIVE = new Set(["online", "offline", "silent"]);

const COLORS = {
  dark: {
    online: "#2fd27a",
    offline: "#ff5a4e",
    silent: "#8d99a8",
    maintenance: "#ffb020",
    planned: "#4c6a8f",
    retired: "#3d4a5a",
  },
  light: {
    online: "#1e9e57",
    offline: "#d93b2f",
    silent: "#8a96a3",
    maintenance: "#e09000",
    planned: "#9fb4cc",
    retired: "#b9c1ca",
  },
};

/** The fill colour of a status on a dark or light map. */
export function statusColor(status, dark) {
  const c = COLORS[dark ? "dark" : "light"];
  return c[status] || c.silent;
}

/** Dim lifecycle states (planned, retired) are drawn fainter than devices that should report. */
export function statusOpacity(status) {
  return status === "planned" || status === "retired" ? 0.55 : 0.95;
}

export function statusLabel(status) {
  return t("geo.status." + status);
}

/** Legend rows: [{status, label, color}]. */
export function statusLegend(dark) {
  return STATUSES.map((s) => ({ status: s, label: statusLabel(s), color: statusColor(s, dark) }));
}

/**
 * Per-status tallies of a cluster, as supercluster map/reduce properties: `mapStatus` turns one
 * entity into {online: 1} etc., `reduceStatus` adds a child's tallies into the accumulator.
 */
export function mapStatus(rec) {
  const o = { online: 0, offline: 0, silent: 0, maintenance: 0, planned: 0, retired: 0 };
  o[rec.status in o ? rec.status : "silent"] = 1;
  return o;
}
export function reduceStatus(acc, p) {
  for (const s of STATUSES) acc[s] += p[s];
}

/**
 * One health colour for a group of entities, driven by its worst share: the share of devices
 * that should report (online/offline/silent) but are offline or silent. Over half failing is
 * red, over a fifth amber, some failing yellow-green, none failing green. A group where no
 * device has ever reported is grey (not yet connected, rather than failing); one with no
 * devices that should report takes the colour of its commonest lifecycle state.
 */
export function healthColor(tally, dark) {
  const active = tally.online + tally.offline + tally.silent;
  if (active === 0) {
    let best = "planned";
    for (const s of ["maintenance", "planned", "retired"]) if (tally[s] > (tally[best] || 0)) best = s;
    return statusColor(best, dark);
  }
  if (tally.online + tally.offline === 0) return statusColor("silent", dark);
  const bad = (tally.offline + tally.silent) / active;
  if (bad > 0.5) return statusColor("offline", dark);
  if (bad > 0.2) return dark ? "#ff9a3c" : "#e8710a";
  if (bad > 0) return dark ? "#c6d84a" : "#8cb310";
  return statusColor("online", dark);
}

/** Symbols entities are drawn with, one per kind (cycled when there are more kinds). */
export const SHAPES = ["circle", "square", "diamond", "triangle", "hexagon", "star", "triangle-down", "pentagon", "cross", "ring"];

/** Kind outline colours, cycled like the shapes but on a different period so pairs stay distinct. */
const KIND_COLORS = ["#4fc3f7", "#ba68c8", "#ffd54f", "#4db6ac", "#f06292", "#aed581", "#7986cb", "#ff8a65", "#90a4ae"];

/**
 * Stable kind → {shape, color} assignment. `kinds` is GET kinds (or overview kinds); the order is
 * sorted by id so the same kind keeps its symbol whatever order the server lists them in.
 */
export function kindStyles(kinds) {
  const ids = [...new Set((kinds || []).map((k) => k.id || k.kind))].sort();
  const out = new Map();
  ids.forEach((id, i) => {
    out.set(id, { shape: SHAPES[i % SHAPES.length], color: KIND_COLORS[i % KIND_COLORS.length] });
  });
  return out;
}

/** Legend rows for kinds: [{kind, label, shape, color}]. */
export function kindLegend(kinds, styles) {
  return (kinds || []).map((k) => {
    const id = k.id || k.kind;
    const s = styles.get(id) || { shape: "circle", color: "#888" };
    return { kind: id, label: nameOf(k) || id, shape: s.shape, color: s.color };
  });
}

/**
 * Traces `shape` centred on (x, y) with radius r into a canvas 2D path (the caller fills and
 * strokes). Used by the canvas markers and, through `shapeSvgPath`, by the legend icons.
 */
export function traceShape(ctx, shape, x, y, r) {
  const poly = (n, rot, rr = r) => {
    for (let i = 0; i < n; i++) {
      const a = rot + (i * 2 * Math.PI) / n;
      const px = x + rr * Math.cos(a);
      const py = y + rr * Math.sin(a);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.closePath();
  };
  switch (shape) {
    case "square": {
      const h = r * 0.85;
      ctx.rect(x - h, y - h, 2 * h, 2 * h);
      break;
    }
    case "diamond":
      poly(4, -Math.PI / 2, r * 1.1);
      break;
    case "triangle":
      poly(3, -Math.PI / 2, r * 1.2);
      break;
    case "triangle-down":
      poly(3, Math.PI / 2, r * 1.2);
      break;
    case "hexagon":
      poly(6, 0, r * 1.02);
      break;
    case "pentagon":
      poly(5, -Math.PI / 2, r * 1.05);
      break;
    case "star": {
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 ? r * 0.55 : r * 1.25;
        const px = x + rr * Math.cos(a);
        const py = y + rr * Math.sin(a);
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.closePath();
      break;
    }
    case "cross": {
      const a = r * 0.4;
      const b = r * 1.05;
      ctx.moveTo(x - a, y - b);
      ctx.lineTo(x + a, y - b);
      ctx.lineTo(x + a, y - a);
      ctx.lineTo(x + b, y - a);
      ctx.lineTo(x + b, y + a);
      ctx.lineTo(x + a, y + a);
      ctx.lineTo(x + a, y + b);
      ctx.lineTo(x - a, y + b);
      ctx.lineTo(x - a, y + a);
      ctx.lineTo(x - b, y + a);
      ctx.lineTo(x - b, y - a);
      ctx.lineTo(x - a, y - a);
      ctx.closePath();
      break;
    }
    case "ring":
      // An outer circle with a hole (filled with the even-odd rule).
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.moveTo(x + r * 0.45, y);
      ctx.arc(x, y, r * 0.45, 0, Math.PI * 2, true);
      break;
    default:
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}

/** The same shape as an SVG path `d` (for legend icons), centred at (x, y). */
export function shapeSvgPath(shape, x, y, r) {
  let d = "";
  const ctx = {
    moveTo: (a, b) => (d += `M${a.toFixed(2)} ${b.toFixed(2)}`),
    lineTo: (a, b) => (d += `L${a.toFixed(2)} ${b.toFixed(2)}`),
    closePath: () => (d += "Z"),
    rect: (a, b, w, h) => (d += `M${a} ${b}h${w}v${h}h${-w}Z`),
    arc: (cx, cy, rr) =>
      (d += `M${cx - rr} ${cy}a${rr} ${rr} 0 1 0 ${2 * rr} 0a${rr} ${rr} 0 1 0 ${-2 * rr} 0Z`),
  };
  traceShape(ctx, shape, x, y, r);
  return d;
}
