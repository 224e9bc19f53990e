// Chinese first, English second. Each area keeps its own dictionary (i18n/*.js) so pages can
// grow without touching one shared file. `t("key", {n: 3})` fills {n}; a missing key shows the
// key itself (and is logged once), which the e2e tests would notice.
import core from "./i18n/core.js";
import command from "./i18n/command.js";
import console_ from "./i18n/console.js";
import scorecard from "./i18n/scorecard.js";
import tasks from "./i18n/tasks.js";
import submissionImport from "./i18n/submission_import.js";
import scorecardViews from "./i18n/scorecard_views.js";
import communities from "./i18n/communities.js";
import alarms from "./i18n/alarms.js";
import rules from "./i18n/rules.js";
import cases from "./i18n/cases.js";

const dicts = { zh: {}, en: {} };
for (const d of [core, command, console_, scorecard, tasks, submissionImport, scorecardViews, communities, alarms, rules, cases]) {
  Object.assign(dicts.zh, d.zh);
  Object.assign(dicts.en, d.en);
}

const KEY = "zhicheng.lang";
let lang = (() => {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "zh" || saved === "en") return saved;
  } catch (_) {}
  return "zh";
})();
const listeners = new Set();
const missing = new Set();

export function getLang() {
  return lang;
}

export function setLang(l) {
  if (l !== "zh" && l !== "en") return;
  lang = l;
  try {
    localStorage.setItem(KEY, l);
  } catch (_) {}
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
  listeners.forEach((f) => f(l));
}

export function onLang(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function t(key, vars) {
  let s = dicts[lang][key] ?? dicts.zh[key];
  if (s === undefined) {
    if (!missing.has(key)) {
      missing.add(key);
      console.warn("i18n: no text for", key);
    }
    s = key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] ?? m));
  return s;
}

/** A name in the current language: `name_en` when English is chosen and present. */
export function nameOf(x) {
  if (!x) return "";
  return (lang === "en" && x.name_en) || x.name || x.id || x.code || "";
}

const numFmt = { zh: new Intl.NumberFormat("zh-CN"), en: new Intl.NumberFormat("en-US") };
export function fmtNum(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  if (digits !== undefined) return Number(n).toFixed(digits);
  return numFmt[lang].format(n);
}

export function fmtTime(ms) {
  if (!ms) return "–";
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "5 s ago" / "5 秒前". */
export function fmtAge(ms, now = Date.now()) {
  if (!ms) return t("age.never");
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return t("age.s", { n: s });
  if (s < 3600) return t("age.m", { n: Math.round(s / 60) });
  if (s < 86400) return t("age.h", { n: Math.round(s / 3600) });
  return t("age.d", { n: Math.round(s / 86400) });
}
