// #/scorecard: the county's live DB37/T 3890 scorecard. The completed weight against the pass
// line and the aim, the indicators by group (一级指标) with their value, status, provenance and
// units, filters kept in the hash query, and the what-if list (which unmet indicators lift the
// county over the pass line soonest). Beside the list: the views by responsible unit, by month
// (scorecard-views.jsx) and of the smart communities (scorecard-communities.jsx), quarters in the
// period picker, and the acceptance milestones.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./console.css";
import "./scorecard.css";
import { api } from "../api.js";
import { fmtTime, getLang, t } from "../i18n.js";
import { hashFilters } from "../shell.jsx";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { ConfirmDialog, Modal } from "../components/dialog.jsx";
import { canAdminRegistry, canAdminUsers } from "../session.js";
import { SubmitDialog, canSubmit } from "./submit.jsx";
import { useRefs } from "../components/refs.js";
import { AcceptancePanel, BaseFiguresPanel, TrendView, UnitTable, VIEWS, ViewTabs } from "./scorecard-views.jsx";
import { CommunitiesView } from "./scorecard-communities.jsx";

const FILTERS = ["period", "star", "status", "how", "group", "mine", "view"];
const STATUSES = ["met", "not_met", "no_data", "no_target", "deduction"];
const HOWS = ["auto", "submitted", "hybrid"];
const WHATIF_SHORT = 8;

const { read: filtersOf, write: setFilters } = hashFilters("#/scorecard", FILTERS);

const en = () => getLang() === "en";
export const nm = (x) => (en() && x?.name_en) || x?.name || "";
const groupName = (i) => (en() && i.group_en) || i.group;

/** 0.0465 → "4.7%". */
function pct(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  return (Math.round(x * 100 * 10 ** digits) / 10 ** digits).toFixed(digits) + "%";
}

export function num(v) {
  const a = Math.abs(v);
  const d = Number.isInteger(v) ? 0 : a >= 100 ? 1 : a >= 1 ? 1 : 3;
  return new Intl.NumberFormat(en() ? "en-US" : "zh-CN", { maximumFractionDigits: d }).format(v);
}

/** A value in a target's unit. */
export function fmtVal(v, unit) {
  if (v === null || v === undefined) return "—";
  switch (unit) {
    case "%":
      return num(v) + "%";
    case "bool":
      return v >= 1 ? t("sc.value.yes") : t("sc.value.no");
    case "rank%":
      return t("sc.value.rank", { v: num(v) });
    case "count": {
      const u = t("sc.unit.count");
      return num(v) + (u ? " " + u : "");
    }
    case undefined:
    case null:
    case "":
      return num(v);
    default:
      return num(v) + " " + unit;
  }
}

const OPS = { ">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=" };

export function fmtTarget(tg) {
  if (!tg) return "—";
  if (tg.unit === "bool") return t("sc.target.bool");
  if (tg.unit === "rank%") return (OPS[tg.op] === "≤" ? "" : OPS[tg.op] + " ") + t("sc.target.rank", { v: num(tg.value) });
  return `${OPS[tg.op] || tg.op} ${fmtVal(tg.value, tg.unit)}`;
}

/** The server's reasons are English and joined by "; ": shown in the UI's language. */
function fmtReason(r) {
  if (!r) return "";
  return r
    .split(/;\s*/)
    .map((p) => {
      if (p === "not submitted") return t("sc.reason.not_submitted");
      let m = /^no entities of kind `([^`]+)`$/.exec(p);
      if (m) return t("sc.reason.no_kind", { kind: m[1] });
      m = /^base figure `([^`]+)` not entered$/.exec(p);
      if (m) return t("sc.reason.no_input", { name: m[1] });
      return p;
    })
    .join(en() ? "; " : "；");
}

function fmtNote(n) {
  if (/^Submitted indicators/.test(n)) return t("sc.note.submissions");
  if (/^Base figures/.test(n)) return t("sc.note.inputs");
  if (/^#44 takes its inputs/.test(n)) return t("sc.note.communities");
  return n;
}

export function StatusBadge({ status }) {
  return <span class={"badge sc-st sc-st-" + status}>{t("sc.status." + status)}</span>;
}

/** A unit's name: the department's English name when the unit is a registered department. */
function unitName(u, refs) {
  if (en() && u.id) {
    const d = refs?.dept?.get(u.id);
    if (d?.name_en) return d.name_en;
  }
  return u.name;
}

function Units({ units, refs }) {
  if (!units?.length) return <span class="muted">—</span>;
  return units.map((u, i) => (
    <Fragment key={i}>
      {i > 0 && (en() ? ", " : "、")}
      <span class={u.id ? "sc-unit" : "sc-unit muted"} data-unit={u.id || undefined}>
        {unitName(u, refs)}
      </span>
    </Fragment>
  ));
}

export function ScorecardPage({ me, query }) {
  const filters = filtersOf(query);
  const star = filters.star;
  const chosen = filters.period;
  const card = useAsync(() => api("/scorecard", { query: { star, period: chosen || undefined } }), [star, chosen]);
  const periods = useAsync(() => api("/scorecard/periods"), []);
  const pack = useAsync(() => api("/scorecard/pack"), []);
  const { refs } = useRefs();
  const [open, setOpen] = useState(() => new Set());
  const [focus, setFocus] = useState(null);
  const [submitting, setSubmitting] = useState(null); // the indicator whose dialog is open
  const period = card.data?.period;
  // Submissions of the scorecard's month awaiting review: the rows say "pending review".
  const pendingQ = useAsync(
    () => (period ? api("/scorecard/submissions", { query: { status: "submitted", period } }) : Promise.resolve([])),
    [period]
  );
  const pending = new Map();
  for (const x of pendingQ.data || []) pending.set(x.indicator, (pending.get(x.indicator) || 0) + 1);
  // A closed month is its snapshot: nothing to submit for it.
  const mayAny = me.role !== "viewer" && !card.data?.closed;
  const [dialog, setDialog] = useState(null); // "close" | "reopen"
  const reloadAll = () => {
    card.reload();
    periods.reload();
  };

  // After "go to" in the what-if list: scroll the row into view once it is rendered.
  useEffect(() => {
    if (focus === null) return;
    const row = document.querySelector(`tr[data-indicator="${focus}"]`);
    if (row) {
      row.scrollIntoView({ block: "center" });
      row.querySelector("button.sc-expand")?.focus({ preventScroll: true });
      setFocus(null);
    }
  });

  const d = card.data;
  const packById = new Map((pack.data?.indicators || []).map((i) => [i.number, i]));
  const myDept = me.role === "department" ? me.department : null;

  const toggle = (n) =>
    setOpen((s) => {
      const x = new Set(s);
      x.has(n) ? x.delete(n) : x.add(n);
      return x;
    });

  const view = VIEWS.includes(filters.view) ? filters.view : "indicators";
  const goTo = (n) => {
    const ind = d.indicators.find((i) => i.number === n);
    if (ind && !matches(ind, filters, myDept)) setFilters({ star: filters.star, period: filters.period });
    else if (view !== "indicators") setFilters({ ...filters, view: "" });
    setOpen((s) => new Set(s).add(n));
    setFocus(n);
  };

  return (
    <section class="console-page sc-page" aria-labelledby="sc-title">
      <div class="page-head">
        <div>
          <h1 id="sc-title">{t("sc.title")}</h1>
          {d && (
            <p class="muted sc-sub">
              {t("sc.subtitle", { standard: d.pack.standard, name: nm(d.pack) })}
            </p>
          )}
        </div>
        <div class="sc-head-tools">
          {d && d.levels.length > 1 && (
            <div class="seg sc-stars" role="group" aria-label={t("sc.star_pick")}>
              {d.levels.map((n) => (
                <button
                  type="button"
                  key={n}
                  aria-pressed={d.star === n}
                  onClick={() => setFilters({ ...filters, star: String(n) })}
                >
                  {t("sc.star_n", { n })}
                </button>
              ))}
            </div>
          )}
          <a class="button" href="#/scorecard/submissions" id="sc-submissions-link">
            {t("sc.submissions_link")}
          </a>
          <button type="button" onClick={card.reload} disabled={card.loading} aria-label={t("sc.refresh")}>
            {t("common.refresh")}
          </button>
        </div>
      </div>
      <ErrorBox error={card.error} />
      {!d && card.loading && <Loading />}
      {d && (
        <Fragment>
          <PeriodBar d={d} me={me} filters={filters} periods={periods.data || []} onClose={() => setDialog("close")} onReopen={() => setDialog("reopen")} />
          {dialog === "close" && (
            <ConfirmDialog
              title={t("sc.p.close_title", { period: d.period })}
              message={t("sc.p.close_msg", { period: d.period })}
              confirmLabel={t("sc.p.close_ok")}
              onConfirm={() => api(`/scorecard/periods/${d.period}/close`, { method: "POST", body: { star: d.star } })}
              onClose={() => setDialog(null)}
              onDone={reloadAll}
            />
          )}
          {dialog === "reopen" && <ReopenDialog period={d.period} onClose={() => setDialog(null)} onDone={reloadAll} />}
          <Summary d={d} />
          <ViewTabs view={view} onPick={(v) => setFilters({ ...filters, view: v === "indicators" ? "" : v })} />
          {view === "indicators" && <Filters d={d} filters={filters} myDept={myDept} />}
          <div class="sc-layout">
            <div class="sc-main">
              {view === "indicators" && (
                <Groups
                  d={d}
                  filters={filters}
                  myDept={myDept}
                  packById={packById}
                  refs={refs}
                  open={open}
                  toggle={toggle}
                  sub={{ me, mayAny, pending, period: d.period, onSubmit: setSubmitting }}
                />
              )}
              {view === "units" && <UnitTable d={d} refs={refs} myDept={myDept} onGo={goTo} />}
              {view === "trend" && <TrendView d={d} onGo={goTo} />}
              {view === "communities" && <CommunitiesView period={d.period} onChanged={card.reload} />}
            </div>
            <aside class="sc-side">
              <AcceptancePanel star={d.star} />
              <BaseFiguresPanel me={me} period={d.period} closed={!!d.closed} onChanged={card.reload} />
              <WhatIf d={d} onGo={goTo} />
            </aside>
          </div>
          {submitting && (
            <SubmitDialog
              me={me}
              ind={submitting}
              period={d.period}
              refs={refs}
              onClose={() => setSubmitting(null)}
              onCreated={pendingQ.reload}
            />
          )}
        </Fragment>
      )}
    </section>
  );
}

function Summary({ d }) {
  const tt = d.totals;
  const aim = tt.aim ?? null;
  const clamp = (x) => Math.max(0, Math.min(1, x)) * 100;
  const tone = tt.aimed ? "ok" : tt.passed ? "pass" : "bad";
  const label = t("sc.bar_label", { pct: pct(tt.completed_weight), pass: pct(tt.pass_line, 0), aim: aim === null ? "—" : pct(aim, 0) });
  const weights = en() ? d.weights.statement : d.weights.statement_zh;
  return (
    <section class="panel sc-summary" aria-labelledby="sc-completed-label">
      <div class="sc-score">
        <div class="sc-score-top">
          <span id="sc-completed-label" class="sc-score-label">
            {t("sc.completed")}
          </span>
          <span id="scorecard-completed" class={"sc-big " + tone}>
            {pct(tt.completed_weight)}
          </span>
          <span class={"sc-verdict " + tone}>{tt.aimed ? t("sc.aimed") : tt.passed ? t("sc.passed") : t("sc.not_passed")}</span>
        </div>
        <div class="sc-bar" role="img" aria-label={label}>
          <div class={"sc-bar-fill " + tone} style={{ width: clamp(tt.completed_weight) + "%" }} />
          <div class="sc-mark pass" style={{ left: clamp(tt.pass_line) + "%" }} aria-hidden="true">
            <span>{t("sc.pass_line", { pct: pct(tt.pass_line, 0) })}</span>
          </div>
          {aim !== null && (
            <div class="sc-mark aim" style={{ left: clamp(aim) + "%" }} aria-hidden="true">
              <span>{t("sc.aim", { pct: pct(aim, 0) })}</span>
            </div>
          )}
        </div>
        <p class="sc-steps">
          {!tt.passed &&
            (tt.steps_to_pass === null || tt.steps_to_pass === undefined
              ? t("sc.steps_never")
              : t("sc.steps_to_pass", { n: tt.steps_to_pass }))}
          {!tt.passed && tt.steps_to_aim !== null && tt.steps_to_aim !== undefined && (en() ? "; " : "；")}
          {!tt.aimed && tt.steps_to_aim !== null && tt.steps_to_aim !== undefined && t("sc.steps_to_aim", { n: tt.steps_to_aim })}
          {tt.deduction > 0 && <span class="sc-deduction"> · {t("sc.deduction", { pct: pct(tt.deduction) })}</span>}
        </p>
      </div>
      <ul class="sc-counts" aria-label={t("sc.counts")}>
        <Count k="met" n={tt.met} />
        <Count k="not_met" n={tt.not_met} />
        <Count k="no_data" n={tt.no_data} />
        {tt.no_target > 0 && <Count k="no_target" n={tt.no_target} />}
        <Count k="scored" n={tt.scored} />
      </ul>
      <div class="sc-facts">
        <p>
          <b>{t("sc.weights")}：</b>
          {weights}
        </p>
        {d.notes?.length > 0 && (
          <ul class="sc-notes" aria-label={t("sc.notes")}>
            {d.notes.map((n, i) => (
              <li key={i}>{fmtNote(n)}</li>
            ))}
          </ul>
        )}
        <p class="muted small">
          <time dateTime={new Date(d.computed_ms).toISOString()}>{t("sc.computed", { time: fmtTime(d.computed_ms) })}</time>
        </p>
      </div>
    </section>
  );
}

function Count({ k, n }) {
  return (
    <li class={"sc-count sc-count-" + k} data-count={k}>
      <span class="sc-count-n">{n}</span>
      <span class="sc-count-label">{t("sc.count." + k)}</span>
    </li>
  );
}

function matches(i, f, myDept) {
  if (f.status && i.status !== f.status) return false;
  if (f.how && i.how !== f.how) return false;
  if (f.group && i.group !== f.group) return false;
  if (f.mine && myDept) {
    const mine = [...i.lead, ...i.partners].some((u) => u.id === myDept);
    if (!mine) return false;
  }
  return true;
}

function groupsOf(indicators) {
  const out = [];
  const by = new Map();
  for (const i of indicators) {
    if (!by.has(i.group)) {
      const g = { group: i.group, group_en: i.group_en, items: [] };
      by.set(i.group, g);
      out.push(g);
    }
    by.get(i.group).items.push(i);
  }
  return out;
}

function Filters({ d, filters, myDept }) {
  const change = (k) => (v) => setFilters({ ...filters, [k]: v });
  const present = new Set(d.indicators.map((i) => i.status));
  const any = ["status", "how", "group", "mine"].some((k) => filters[k]);
  return (
    <form class="filters sc-filters" role="search" aria-label={t("sc.filters")} onSubmit={(e) => e.preventDefault()}>
      <Field label={t("sc.f.status")}>
        <Select
          name="status"
          value={filters.status}
          onChange={change("status")}
          empty={t("common.all")}
          options={STATUSES.filter((s) => present.has(s) || s === filters.status || ["met", "not_met", "no_data"].includes(s)).map((s) => [s, t("sc.status." + s)])}
        />
      </Field>
      <Field label={t("sc.f.how")}>
        <Select name="how" value={filters.how} onChange={change("how")} empty={t("common.all")} options={HOWS.map((h) => [h, t("sc.how." + h)])} />
      </Field>
      <Field label={t("sc.f.group")}>
        <Select
          name="group"
          value={filters.group}
          onChange={change("group")}
          empty={t("common.all")}
          options={groupsOf(d.indicators).map((g) => [g.group, groupName(g)])}
        />
      </Field>
      {myDept && (
        <label class="check sc-mine">
          <input type="checkbox" name="mine" checked={!!filters.mine} onChange={(e) => change("mine")(e.currentTarget.checked ? "1" : "")} />
          {t("sc.f.mine")}
        </label>
      )}
      {any && (
        <div class="filter-buttons">
          <button type="button" onClick={() => setFilters({ star: filters.star, period: filters.period })}>
            {t("c.filters.clear")}
          </button>
        </div>
      )}
    </form>
  );
}

function Groups({ d, filters, myDept, packById, refs, open, toggle, sub }) {
  const shown = d.indicators.filter((i) => matches(i, filters, myDept));
  return (
    <Fragment>
      <p class="muted small sc-shown" role="status">
        {t("sc.shown", { n: shown.length, total: d.indicators.length })}
      </p>
      {shown.length === 0 && <p class="panel muted">{t("sc.none")}</p>}
      {groupsOf(shown).map((g) => {
        const all = d.indicators.filter((i) => i.group === g.group && i.status !== "deduction");
        const met = all.filter((i) => i.status === "met").length;
        const id = "sc-g-" + all[0]?.number;
        return (
          <section class="panel sc-group" key={g.group} aria-labelledby={id} data-group={g.group}>
            <div class="panel-head">
              <h2 id={id}>{groupName(g)}</h2>
              <span class="muted small">{t("sc.group_count", { met, n: all.length })}</span>
            </div>
            <IndicatorTable group={groupName(g)} items={g.items} packById={packById} refs={refs} open={open} toggle={toggle} sub={sub} />
          </section>
        );
      })}
    </Fragment>
  );
}

function IndicatorTable({ group, items, packById, refs, open, toggle, sub }) {
  return (
    <div class="table-wrap">
      <table class="data sc-table" aria-label={t("sc.table", { group })}>
        <thead>
          <tr>
            <th scope="col" class="sc-c-num">
              {t("sc.col.number")}
            </th>
            <th scope="col" class="sc-c-name">
              {t("sc.col.name")}
            </th>
            <th scope="col">{t("sc.col.how")}</th>
            <th scope="col" class="sc-c-num-r">
              {t("sc.col.target")}
            </th>
            <th scope="col" class="sc-c-num-r">
              {t("sc.col.value")}
            </th>
            <th scope="col">{t("sc.col.status")}</th>
            <th scope="col" class="sc-c-units">
              {t("sc.col.lead")}
            </th>
            {sub.mayAny && (
              <th scope="col" class="sc-c-submit">
                {t("sc.col.submit")}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((i) => {
            const isOpen = open.has(i.number);
            const detailId = "sc-detail-" + i.number;
            const name = nm(i);
            const unit = i.target?.unit;
            return (
              <Fragment key={i.number}>
                <tr data-indicator={i.number} class={isOpen ? "open" : ""}>
                  <td class="sc-c-num">{i.number}</td>
                  <td class="sc-c-name">
                    <button
                      type="button"
                      class="sc-expand"
                      aria-expanded={isOpen}
                      aria-controls={detailId}
                      title={t(isOpen ? "sc.collapse" : "sc.expand", { name })}
                      onClick={() => toggle(i.number)}
                    >
                      <span class="sc-chev" aria-hidden="true">
                        ▸
                      </span>
                      <span>{name}</span>
                    </button>
                    {i.leading && (
                      <abbr class="sc-leading" title={t("sc.leading_title")} aria-label={t("sc.leading_title")}>
                        {t("sc.leading")}
                      </abbr>
                    )}
                  </td>
                  <td>
                    <span class={"badge sc-how sc-how-" + i.how}>{t("sc.how." + i.how)}</span>
                  </td>
                  <td class="sc-c-num-r">{i.status === "deduction" ? "—" : fmtTarget(i.target)}</td>
                  <td class="sc-c-num-r sc-value">{fmtVal(i.value, unit)}</td>
                  <td data-status={i.status}>
                    <StatusBadge status={i.status} />
                    {sub.pending.has(i.number) && (
                      <span
                        class="badge sub-pending"
                        data-pending={sub.period}
                        title={t("sub.pending_title", { n: sub.pending.get(i.number), period: sub.period })}
                      >
                        {t("sub.pending")}
                      </span>
                    )}
                  </td>
                  <td class="sc-c-units">
                    <Units units={i.lead} refs={refs} />
                  </td>
                  {sub.mayAny && (
                    <td class="sc-c-submit">
                      {canSubmit(sub.me, i) && (
                        <button
                          type="button"
                          class="sc-submit-btn"
                          aria-label={t("sub.submit_name", { n: i.number })}
                          title={t("sub.submit_title", { n: i.number, name })}
                          onClick={() => sub.onSubmit(i)}
                        >
                          {t("sub.submit")}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
                {isOpen && (
                  <tr class="sc-detail-row" id={detailId} data-detail={i.number}>
                    <td colSpan={sub.mayAny ? 8 : 7}>
                      <Detail i={i} p={packById.get(i.number)} refs={refs} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Provenance({ calls }) {
  if (!calls?.length) return <p class="muted">{t("sc.d.provenance_none")}</p>;
  return (
    <table class="sc-prov">
      <thead>
        <tr>
          <th scope="col">{t("sc.d.call")}</th>
          <th scope="col">{t("sc.d.result")}</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((c, k) => (
          <tr key={k}>
            <td>
              <code>{c.call}</code>
            </td>
            <td class="sc-c-num-r">{c.result === null || c.result === undefined ? <span class="muted">{t("sc.no_result")}</span> : num(c.result)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ i, p, refs }) {
  const text = (label, v, lang) =>
    v ? (
      <div class="sc-d-item">
        <dt>{label}</dt>
        <dd lang={lang}>{v}</dd>
      </div>
    ) : null;
  const ref = i.target?.refers_to_star;
  return (
    <div class="sc-detail">
      <dl class="sc-d-texts">
        {text(t("sc.d.definition"), p?.definition)}
        {text(t("sc.d.formula_text"), i.formula_text)}
        {text(t("sc.d.requirement"), p?.requirement)}
        {ref ? text(t("sc.col.target"), `${fmtTarget(i.target)}（${t("sc.d.target_note", { n: ref })}）`) : null}
        {p?.deduction ? text(t("sc.d.weight"), t("sc.d.deduction", { pct: pct(p.deduction.per_unit, 0) })) : null}
        {text(t("sc.d.note"), p?.note, "en")}
        {text(t("sc.d.source"), i.source ? t("sc.source." + i.source) : null)}
        {text(t("sc.d.reason"), i.value === null ? fmtReason(i.reason) : null)}
        {text(t("sc.d.lead"), i.lead?.length ? <Units units={i.lead} refs={refs} /> : null)}
        {text(t("sc.d.partners"), i.partners?.length ? <Units units={i.partners} refs={refs} /> : <span class="muted">{t("common.none")}</span>)}
      </dl>
      <div class="sc-d-prov">
        <h3>{t("sc.d.provenance")}</h3>
        <Provenance calls={i.provenance} />
        {i.parts?.length > 0 && (
          <Fragment>
            <h3>{t("sc.d.parts")}</h3>
            <ul class="sc-parts">
              {i.parts.map((pt) => (
                <li key={pt.key} data-part={pt.key}>
                  <div class="sc-part-head">
                    <b>{nm(pt)}</b>
                    <span class={"badge sc-how sc-how-" + pt.how}>{t("sc.how." + pt.how)}</span>
                    <span>
                      {t("sc.col.target")} {fmtTarget(pt.target)} · {t("sc.col.value")} {fmtVal(pt.value, pt.target?.unit)}
                    </span>
                    <StatusBadge status={pt.met === true ? "met" : pt.met === false ? "not_met" : "no_data"} />
                  </div>
                  {pt.value === null && pt.reason && (
                    <p class="muted small">
                      {t("sc.d.reason")}：{fmtReason(pt.reason)}
                    </p>
                  )}
                  <Provenance calls={pt.provenance} />
                </li>
              ))}
            </ul>
          </Fragment>
        )}
      </div>
    </div>
  );
}

function WhatIf({ d, onGo }) {
  const [all, setAll] = useState(false);
  const list = d.what_if || [];
  const byNum = new Map(d.indicators.map((i) => [i.number, i]));
  const firstPass = list.findIndex((w) => w.reaches_pass);
  const firstAim = list.findIndex((w) => w.reaches_aim);
  const short = Math.max(WHATIF_SHORT, d.totals.passed ? 0 : firstPass + 1);
  const shown = all ? list : list.slice(0, short);
  return (
    <section class="panel sc-whatif" aria-labelledby="sc-whatif-title">
      <h2 id="sc-whatif-title">{t("sc.whatif")}</h2>
      <p class="muted small">{t("sc.whatif_hint")}</p>
      {list.length === 0 ? (
        <p class="muted">{t("sc.whatif_none")}</p>
      ) : (
        <ol class="sc-whatif-list" aria-label={t("sc.whatif_list")} id="sc-whatif-list">
          {shown.map((w, k) => {
            const ind = byNum.get(w.number);
            const name = ind ? nm(ind) : w.name;
            return (
              <li key={w.number} data-whatif={w.number} class={k === firstPass ? "pass" : k === firstAim ? "aim" : ""}>
                <span class="sc-w-num">{w.number}</span>
                <button type="button" class="linklike" onClick={() => onGo(w.number)} title={t("sc.whatif_show", { name })}>
                  {name}
                </button>
                <StatusBadge status={w.status} />
                <span class="sc-w-gain">
                  {t("sc.whatif_gain", { pct: pct(w.gain) })} → {t("sc.whatif_after", { pct: pct(w.completed_after) })}
                </span>
                {k === firstPass && <span class="sc-w-flag pass">{t("sc.whatif_pass")}</span>}
                {k === firstAim && <span class="sc-w-flag aim">{t("sc.whatif_aim")}</span>}
              </li>
            );
          })}
        </ol>
      )}
      {list.length > short && (
        <button type="button" class="sc-more" aria-expanded={all} aria-controls="sc-whatif-list" onClick={() => setAll(!all)}>
          {all ? t("sc.whatif_less") : t("sc.whatif_more", { n: list.length })}
        </button>
      )}
    </section>
  );
}

/** This month in UTC+8 (the server's periods are China time). */
function currentMonth() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

/**
 * The month picker (closed months and this month), whether the month is open or closed, the
 * report downloads and, by role, closing and reopening.
 */
function PeriodBar({ d, me, filters, periods, onClose, onReopen }) {
  const now = currentMonth();
  const byPeriod = new Map(periods.map((p) => [p.period, p]));
  const months = [...new Set([now, d.period, ...periods.map((p) => p.period)])].sort().reverse();
  const quarterOf = (m) => `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`;
  const quarter = d.scope?.kind === "quarter" ? d.scope.quarter : null;
  const closed = d.closed;
  const isClosed = (m) => (m === d.period ? !!closed : byPeriod.get(m)?.status === "closed");
  const optText = (m) =>
    t(isClosed(m) ? "sc.p.opt_closed" : m === now ? "sc.p.opt_current" : "sc.p.opt_open", { period: m });
  // Months newest first, each quarter after its newest month.
  const options = [];
  for (const m of months) {
    options.push([m, optText(m)]);
    const qq = quarterOf(m);
    if (months.find((x) => quarterOf(x) === qq) === m) options.push([qq, t("sv.q.opt", { quarter: qq })]);
  }
  const q = new URLSearchParams({ period: quarter || d.period, star: String(d.star) }).toString();
  const row = byPeriod.get(d.period);
  const args = { period: d.period, star: d.star };
  return (
    <Fragment>
      <section class="panel sc-period" aria-label={t("sc.p.bar")} data-period={d.period} data-period-status={closed ? "closed" : "open"}>
        <Field label={t("sc.p.month")} class="sc-period-pick">
          <Select
            name="period"
            id="sc-period"
            value={quarter || d.period}
            onChange={(v) => setFilters({ ...filters, period: v === now ? "" : v })}
            options={options}
          />
        </Field>
        <span class={"badge sc-period-st " + (closed ? "closed" : "open")} id="sc-period-status">
          {closed ? t("sc.p.closed") : t("sc.p.open")}
        </span>
        <div class="sc-period-tools">
          <a class="button" id="sc-report-xlsx" href={"/api/v1/scorecard/report.xlsx?" + q} download aria-label={t("sc.p.xlsx_name", args)}>
            {t("sc.p.xlsx")}
          </a>
          <a
            class="button"
            id="sc-report-html"
            href={"/api/v1/scorecard/report.html?" + q}
            target="_blank"
            rel="noopener"
            aria-label={t("sc.p.html_name", args)}
          >
            {t("sc.p.html")}
          </a>
          {!closed && !quarter && canAdminRegistry(me) && (
            <button type="button" class="sc-close-btn" id="sc-close" aria-label={t("sc.p.close_name", args)} onClick={onClose}>
              {t("sc.p.close")}
            </button>
          )}
          {closed && !quarter && canAdminUsers(me) && (
            <button type="button" class="sc-reopen-btn" id="sc-reopen" aria-label={t("sc.p.reopen_name", args)} onClick={onReopen}>
              {t("sc.p.reopen")}
            </button>
          )}
        </div>
      </section>
      {quarter && (
        <p class="muted small sc-quarter-note" id="sc-quarter-note">
          {t("sv.q.banner", { quarter, period: d.period })}
        </p>
      )}
      {closed ? (
        <div class="sc-closed-banner" id="sc-closed-banner" role="note" aria-labelledby="sc-closed-title">
          <b id="sc-closed-title">{t("sc.p.banner_title")}</b>
          <p>{t("sc.p.banner", { by: closed.by, time: fmtTime(closed.ms), star: closed.star })}</p>
        </div>
      ) : (
        row?.reopened_by && <p class="muted small sc-reopened">{t("sc.p.reopened", { by: row.reopened_by, time: fmtTime(row.reopened_ms) })}</p>
      )}
    </Fragment>
  );
}

function ReopenDialog({ period, onClose, onDone }) {
  const { busy, error, run } = useAction();
  const [reason, setReason] = useState("");
  const msgId = "sc-reopen-msg";
  async function submit(e) {
    e.preventDefault();
    const r = await run(() => api(`/scorecard/periods/${period}/reopen`, { method: "POST", body: { reason: reason.trim() } }));
    if (r.ok) {
      onClose();
      onDone?.();
    }
  }
  return (
    <Modal title={t("sc.p.reopen_title", { period })} onClose={onClose} describedBy={msgId}>
      <form onSubmit={submit} class="sc-reopen-form">
        <p id={msgId}>{t("sc.p.reopen_msg")}</p>
        <Field label={t("sc.p.reason")} required hint={t("sc.p.reason_hint")}>
          <textarea name="reason" rows={3} required maxLength={2000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class="danger-solid" disabled={busy || !reason.trim()}>
            {busy ? t("c.working") : t("sc.p.reopen_ok")}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
