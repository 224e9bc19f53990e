// Names, labels, values and status badges as the consoles show them.
import { getLang, nameOf, t } from "../i18n.js";

const CJK = /[\u3400-\u9fff]/;

/**
 * "relative_humidity" → "Relative humidity". Short names are mostly chemical or technical
 * abbreviations ("no2", "co", "tp") and are written in capitals; pH keeps its own spelling.
 */
function humanize(name) {
  const n = String(name || "");
  if (n.toLowerCase() === "ph") return "pH";
  if (/^[a-z0-9]{1,4}$/i.test(n)) return n.toUpperCase();
  const s = n.replace(/[_-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The label of an attribute or metric definition. Kinds carry Chinese labels only; in English
 * a Chinese label gives way to the (humanized) name.
 */
export function defLabel(def, fallbackName) {
  if (!def) return humanize(fallbackName);
  const l = def.label;
  if (!l || (getLang() === "en" && CJK.test(l))) return humanize(def.name);
  return l;
}

const fmt = {};
function numFmt(digits) {
  const key = getLang() + digits;
  if (!fmt[key]) fmt[key] = new Intl.NumberFormat(getLang() === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: digits });
  return fmt[key];
}

/** A value of a metric or attribute of the given type (`number` when unknown). */
export function fmtValue(v, type) {
  if (v === null || v === undefined || v === "") return "—";
  if (type === "boolean") {
    const b = typeof v === "boolean" ? v : Number(v) !== 0;
    return b ? t("c.value.true") : t("c.value.false");
  }
  if (typeof v === "number") {
    if (type === "integer") return numFmt(0).format(Math.round(v));
    const a = Math.abs(v);
    return numFmt(a >= 100 ? 1 : a >= 1 ? 2 : 3).format(v);
  }
  return String(v);
}

/** A name from a lookup map, or the raw id when it is not (yet) known. */
export function refName(map, id) {
  if (!id) return "—";
  const x = map?.get(id);
  return x ? nameOf(x) : id;
}

/** Lifecycle status badge (active/planned/maintenance/retired). */
export function LifecycleBadge({ status }) {
  return <span class={"badge lc-" + status}>{t("c.status." + status)}</span>;
}

/** Live status badge (online/offline/silent/maintenance/planned/retired); "—" when unknown. */
export function LiveStatusBadge({ status }) {
  if (!status) return <span class="muted">—</span>;
  return (
    <span class={"badge live-" + status}>
      <i aria-hidden="true" class="dot" />
      {t("c.live." + status)}
    </span>
  );
}

export const LIFECYCLE = ["active", "planned", "maintenance", "retired"];
