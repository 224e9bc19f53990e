// Views of the scorecard beside the indicator list: by responsible unit (牵头单位), the trend
// month by month (closed months, then the shown one), smart communities (#44; the view itself is
// in scorecard-communities.jsx), and the acceptance milestones (mid-term check, final acceptance)
// with their self-assessment reports.
import { Fragment } from "preact";
import { useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { fmtNum, getLang, t } from "../i18n.js";
import { ErrorBox, useAsync } from "../ui.jsx";
import { EChart } from "../components/echart.jsx";
import { Field, FormError, useAction } from "../components/form.jsx";
import { canAdminRegistry } from "../session.js";
import { StatusBadge, fmtVal } from "./scorecard.jsx";

const en = () => getLang() === "en";
const pct = (x) => (x === null || x === undefined ? "—" : fmtNum(Math.round(x * 1000) / 10) + "%");
export const VIEWS = ["indicators", "units", "trend", "communities"];

export function ViewTabs({ view, onPick }) {
  return (
    <div class="seg sc-views" role="group" aria-label={t("sv.views")}>
      {VIEWS.map((v) => (
        <button type="button" key={v} id={"sc-view-" + v} aria-pressed={view === v} onClick={() => onPick(v)}>
          {t("sv.view." + v)}
        </button>
      ))}
    </div>
  );
}

function unitLabel(u, refs) {
  if (en() && u.id) {
    const d = refs?.dept?.get(u.id);
    if (d?.name_en) return d.name_en;
  }
  return u.name;
}

/** Indicator numbers as buttons that open the indicator in the list. */
function Numbers({ list, onGo }) {
  if (!list?.length) return <span class="muted">—</span>;
  return list.map((n, i) => (
    <Fragment key={n}>
      {i > 0 && " "}
      <button type="button" class="link sc-num-link" onClick={() => onGo(n)} aria-label={t("sv.go", { n })}>
        #{n}
      </button>
    </Fragment>
  ));
}

/** The scored indicators summed per lead unit; a department user's own unit first. */
export function UnitTable({ d, refs, myDept, onGo }) {
  const rows = [...(d.by_unit || [])].sort((a, b) => (b.id === myDept) - (a.id === myDept));
  return (
    <section class="panel" aria-labelledby="sv-units-h">
      <div class="panel-head">
        <h2 id="sv-units-h">{t("sv.units.title")}</h2>
        <span class="muted small">{t("sv.units.hint")}</span>
      </div>
      <div class="table-wrap">
        <table class="data sc-units" id="sc-units" aria-labelledby="sv-units-h">
          <thead>
            <tr>
              <th scope="col">{t("sv.units.unit")}</th>
              <th scope="col" class="sc-c-num-r">{t("sv.units.lead")}</th>
              <th scope="col" class="sc-c-num-r">{t("sc.status.met")}</th>
              <th scope="col" class="sc-c-num-r">{t("sc.status.not_met")}</th>
              <th scope="col" class="sc-c-num-r">{t("sc.status.no_data")}</th>
              <th scope="col" class="sc-c-num-r">{t("sv.units.share")}</th>
              <th scope="col">{t("sv.units.open")}</th>
              <th scope="col">{t("sv.units.partner")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr key={u.id || u.name} data-unit={u.id || u.name} class={u.id && u.id === myDept ? "sc-mine" : ""}>
                <th scope="row" class={u.id ? "" : "muted"}>
                  {unitLabel(u, refs)}
                </th>
                <td class="sc-c-num-r">{u.lead}</td>
                <td class="sc-c-num-r">{u.met}</td>
                <td class="sc-c-num-r">{u.not_met}</td>
                <td class="sc-c-num-r">{u.no_data}</td>
                <td class="sc-c-num-r" data-share>
                  {u.lead ? pct(u.share) : "—"}
                </td>
                <td class="sc-c-units">
                  <Numbers list={u.open} onGo={onGo} />
                </td>
                <td class="sc-c-units">
                  <Numbers list={u.partner_of} onGo={onGo} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The completed weight by month against the lines, and each indicator's value by month. */
export function TrendView({ d, onGo }) {
  const trend = d.trend || [];
  const tt = d.totals;
  const option = useMemo(() => {
    const p = (x) => Math.round(x * 1000) / 10;
    const lines = [{ yAxis: p(tt.pass_line), name: t("sc.pass_line", { pct: pct(tt.pass_line) }), lineStyle: { color: "#c77700", type: "dashed" } }];
    if (tt.aim !== null && tt.aim !== undefined)
      lines.push({ yAxis: p(tt.aim), name: t("sc.aim", { pct: pct(tt.aim) }), lineStyle: { color: "#1a7f37", type: "dashed" } });
    return {
      animationDuration: 300,
      textStyle: { fontFamily: '"Noto Sans CJK SC", system-ui, sans-serif' },
      tooltip: { trigger: "axis", valueFormatter: (x) => fmtNum(x) + "%" },
      grid: { left: 44, right: 90, top: 20, bottom: 28 },
      xAxis: { type: "category", data: trend.map((x) => x.period + (x.closed ? "" : " *")) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        {
          type: "line",
          name: t("sc.completed"),
          data: trend.map((x) => p(x.completed_weight)),
          symbolSize: 8,
          itemStyle: { color: "#1f6feb" },
          label: { show: true, formatter: (x) => fmtNum(x.value) + "%" },
          markLine: { symbol: "none", silent: true, label: { position: "end", formatter: "{b}" }, data: lines },
        },
      ],
    };
  }, [d, getLang()]);
  const byNumber = (pt) => new Map((pt.values || []).map((v) => [v.number, v]));
  const maps = trend.map(byNumber);
  return (
    <section class="panel" aria-labelledby="sv-trend-h">
      <div class="panel-head">
        <h2 id="sv-trend-h">{t("sv.trend.title")}</h2>
        <span class="muted small">{t("sv.trend.hint")}</span>
      </div>
      {trend.length < 2 && <p class="muted" id="sc-trend-empty">{t("sv.trend.only_one")}</p>}
      <EChart option={option} label={t("sv.trend.chart", { n: trend.length })} base="sc-trend-chart" />
      <div class="table-wrap">
        <table class="data sc-trend" id="sc-trend" aria-labelledby="sv-trend-h">
          <thead>
            <tr>
              <th scope="col" class="sc-c-num">{t("sc.col.number")}</th>
              <th scope="col">{t("sc.col.name")}</th>
              {trend.map((p) => (
                <th scope="col" class="sc-c-num-r" key={p.period} data-period={p.period}>
                  {p.period}
                  {!p.closed && <span class="muted small"> {t("sv.trend.live")}</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr class="sc-trend-total">
              <td />
              <th scope="row">{t("sc.completed")}</th>
              {trend.map((p) => (
                <td class={"sc-c-num-r sc-st-" + (p.passed ? "met" : "not_met")} key={p.period}>
                  {pct(p.completed_weight)}
                </td>
              ))}
            </tr>
            {d.indicators
              .filter((i) => i.status !== "deduction")
              .map((i) => (
                <tr key={i.number} data-indicator={i.number}>
                  <td class="sc-c-num">
                    <button type="button" class="link" onClick={() => onGo(i.number)}>
                      {i.number}
                    </button>
                  </td>
                  <td>{en() ? i.name_en : i.name}</td>
                  {maps.map((m, k) => {
                    const v = m.get(i.number);
                    return (
                      <td class={"sc-c-num-r sc-cell-" + (v?.status || "none")} key={k} title={v ? t("sc.status." + v.status) : ""}>
                        {v ? (v.value === null ? t("sc.status.no_data") : fmtVal(v.value, i.target?.unit)) : "—"}
                      </td>
                    );
                  })}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The mid-term check and the final acceptance: dates, days left, and the self-assessment. */
export function AcceptancePanel({ star }) {
  const q = useAsync(() => api("/scorecard/acceptance"), []);
  const list = q.data || [];
  if (!q.error && !list.length) return null;
  return (
    <section class="panel sc-acceptance" aria-labelledby="sv-acc-h" id="sc-acceptance">
      <div class="panel-head">
        <h2 id="sv-acc-h">{t("sv.acc.title")}</h2>
      </div>
      <ErrorBox error={q.error} />
      <ul class="sc-milestones">
        {list.map((m) => {
          const qs = "?star=" + star;
          const name = en() ? m.name_en : m.name;
          return (
            <li key={m.kind} class={"sc-milestone " + m.state} data-milestone={m.kind}>
              <div class="sc-ms-head">
                <b>{name}</b>
                <span class="muted">{m.date}</span>
              </div>
              <p class="sc-ms-when">
                {m.state === "upcoming"
                  ? t("sv.acc.days_left", { n: m.days_left })
                  : m.state === "this_month"
                    ? t("sv.acc.this_month", { n: Math.max(0, m.days_left) })
                    : t("sv.acc.past", { n: -m.days_left })}
              </p>
              <p class="muted small">
                {t("sv.acc.assessed", { period: m.assessed_period })} ·{" "}
                {m.closed ? t("sc.p.closed") : t("sc.p.open")}
              </p>
              <div class="sc-ms-links">
                <a class="button" href={`/api/v1/scorecard/acceptance/${m.kind}/report.xlsx${qs}`} download id={"sc-acc-xlsx-" + m.kind}>
                  {t("sv.acc.xlsx")}
                </a>
                <a class="button" href={`/api/v1/scorecard/acceptance/${m.kind}/report.html${qs}`} target="_blank" rel="noopener" id={"sc-acc-html-" + m.kind}>
                  {t("sv.acc.html")}
                </a>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/**
 * The base figures the formulas read (e.g. households for #9): the value that holds for the
 * month and its source; the big-data center enters a new one.
 */
export function BaseFiguresPanel({ me, period, closed, onChanged }) {
  const q = useAsync(() => api("/scorecard/inputs", { query: { period } }), [period]);
  const [editing, setEditing] = useState(null);
  const list = q.data || [];
  if (!q.error && !list.length) return null;
  const may = canAdminRegistry(me) && !closed;
  return (
    <section class="panel sc-inputs" aria-labelledby="sv-in-h" id="sc-inputs">
      <div class="panel-head">
        <h2 id="sv-in-h">{t("sv.in.title")}</h2>
      </div>
      <ErrorBox error={q.error} />
      <ul class="sc-input-list">
        {list.map((f) => (
          <li key={f.name} data-input={f.name}>
            <div class="sc-ms-head">
              <b>{t("sv.in.name." + f.name) === "sv.in.name." + f.name ? f.name : t("sv.in.name." + f.name)}</b>
              <span class="muted small">{t("sv.in.used_by", { list: f.indicators.map((n) => "#" + n).join(" ") })}</span>
            </div>
            {f.current ? (
              <p class="sc-input-value">
                <b data-value>{fmtNum(f.current.value)}</b>{" "}
                <span class="muted small">
                  {t("sv.in.since", { period: f.current.period, by: f.current.entered_by })}
                  {f.current.note ? " · " + f.current.note : ""}
                </span>
              </p>
            ) : (
              <p class="muted sc-input-value">{t("sv.in.none")}</p>
            )}
            {may && editing !== f.name && (
              <button type="button" id={"sc-input-edit-" + f.name} onClick={() => setEditing(f.name)}>
                {t("sv.in.enter")}
              </button>
            )}
            {may && editing === f.name && (
              <InputForm
                name={f.name}
                period={period}
                onCancel={() => setEditing(null)}
                onDone={() => {
                  setEditing(null);
                  q.reload();
                  onChanged?.();
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function InputForm({ name, period, onCancel, onDone }) {
  const { busy, error, run } = useAction();
  const [value, setValue] = useState("");
  const [note, setNote] = useState("");
  async function submit(e) {
    e.preventDefault();
    const r = await run(() =>
      api(`/scorecard/inputs/${name}`, { method: "POST", body: { period, value: Number(value), note: note.trim() } })
    );
    if (r.ok) onDone();
  }
  return (
    <form class="sc-input-form" onSubmit={submit}>
      <Field label={t("sv.in.value", { period })} required>
        <input type="number" min="0" step="any" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </Field>
      <Field label={t("sv.in.note")}>
        <input type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      <FormError error={error} />
      <div class="sc-ms-links">
        <button type="submit" class="primary" disabled={busy || value === ""}>
          {t("sv.in.save")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
