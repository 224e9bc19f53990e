// Shared pieces of the case pages: the category tree (loaded once), labels of statuses,
// urgencies, sources and actions, and the countdown of the running stage's deadline.
import { api } from "../api.js";
import { getLang, t } from "../i18n.js";

export const STATUSES = ["reported", "registered", "dispatched", "handling", "handled", "verified", "closed", "rejected", "suspended", "merged"];
export const URGENCIES = ["normal", "urgent", "emergency"];
export const SOURCES = ["hotline", "grid", "citizen", "alarm", "inspector", "open311"];

export const statusLabel = (s) => t("cs.status." + s);
export const urgencyLabel = (u) => t("cs.urg." + u);
export const sourceLabel = (s) => t("cs.src." + s);
export const actionLabel = (a) => t("cs.act." + a);

let cats = null;
/** GET /case-categories, once per page load: the tree flattened depth first. */
export function loadCategories() {
  if (!cats) {
    const p = api("/case-categories");
    cats = p;
    p.catch(() => {
      if (cats === p) cats = null;
    });
  }
  return cats;
}

export function catName(c) {
  if (!c) return "";
  return (getLang() === "en" && c.name_en) || c.name_zh || c.code;
}

/** A case's category name ([zh, en] from the server) in the UI's language. */
export function caseCatName(c) {
  const n = c.category_name;
  if (!n) return c.category;
  return (getLang() === "en" && n[1]) || n[0] || c.category;
}

/** The deadline of the stage the case is in (null when no clock runs). */
export function runningDeadline(c) {
  const d = c.deadlines || {};
  switch (c.status) {
    case "reported":
      return d.register_ms ? ["register_ms", d.register_ms] : null;
    case "registered":
      return d.dispatch_ms ? ["dispatch_ms", d.dispatch_ms] : null;
    case "dispatched":
    case "handling":
      return d.handle_ms ? ["handle_ms", d.handle_ms] : null;
    case "handled":
      return d.verify_ms ? ["verify_ms", d.verify_ms] : null;
    default:
      return null;
  }
}

export function fmtDur(ms) {
  const m = Math.max(0, Math.round(Math.abs(ms) / 60000));
  if (m < 60) return t("cs.dur.m", { n: m });
  if (m < 1440) return t("cs.dur.h", { h: Math.floor(m / 60), m: m % 60 });
  return t("cs.dur.d", { d: Math.floor(m / 1440), h: Math.floor((m % 1440) / 60) });
}

/** "剩 3 小时 5 分" / "超 20 分钟" for the running stage, or "" when none. */
export function countdown(c, now = Date.now()) {
  const d = runningDeadline(c);
  if (!d) return null;
  const left = d[1] - now;
  return { stage: d[0], at: d[1], late: left < 0, text: left < 0 ? t("cs.late", { t: fmtDur(left) }) : t("cs.left", { t: fmtDur(left) }) };
}

/** Uploads one image to a case; resolves to the attachment. */
export function uploadPhoto(caseId, file) {
  const type = /png$/i.test(file.type) ? "image/png" : "image/jpeg";
  return api(`/cases/${encodeURIComponent(caseId)}/attachments`, {
    method: "POST",
    query: { name: file.name || (type === "image/png" ? "photo.png" : "photo.jpg") },
    body: file,
    contentType: type,
  });
}
