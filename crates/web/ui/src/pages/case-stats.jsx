// #/cases/stats: cases grouped by status, department, class (level 1) or month — totals,
// on-time rate, mean handling time and satisfaction, as a bar chart and a table.
import { useEffect, useMemo, useState } from "preact/hooks";
import "./console.css";
import "./cases.css";
import { api } from "../api.js";
import { t, fmtNum } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { EChart } from "../components/echart.jsx";
import { useRefs } from "../components/refs.js";
import { refName } from "../components/labels.jsx";
import { catName, statusLabel } from "../components/cases.js";
import { useCategories } from "../components/case-form.jsx";
import { CaseTabs } from "./cases.jsx";

const BYS = ["status", "department", "category", "period"];

export function CaseStatsPage({ query }) {
  const by = BYS.includes(query?.get("by")) ? query.get("by") : "status";
  const { refs } = useRefs();
  const cats = useCategories();
  useEffect(() => {
    document.body.dataset.page = "case-stats";
  }, []);
  const q = by === "category" ? { by, level: 1 } : by === "period" ? { by, period: "month" } : { by };
  const st = useAsync(() => api("/cases/stats", { query: q }), [by]);
  const label = (k) => {
    if (by === "status") return statusLabel(k);
    if (by === "department") return k ? refName(refs?.dept, k) : "—";
    if (by === "category") {
      const c = cats.find((x) => x.code === k);
      return c ? `${k} ${catName(c)}` : k;
    }
    return k;
  };
  const rows = st.data || [];
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 32, bottom: 60 },
      xAxis: { type: "category", data: rows.map((r) => label(r.key)), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0 } },
      yAxis: [
        { type: "value", name: t("cs.st.total"), minInterval: 1 },
        { type: "value", name: t("cs.st.on_time"), min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: t("cs.st.open"), type: "bar", stack: "n", barMaxWidth: 56, data: rows.map((r) => r.open), itemStyle: { color: "#2f6fde" } },
        { name: t("cs.st.closed"), type: "bar", stack: "n", barMaxWidth: 56, data: rows.map((r) => r.closed), itemStyle: { color: "#3aa776" } },
        { name: t("cs.st.on_time"), type: "bar", yAxisIndex: 1, barMaxWidth: 28, data: rows.map((r) => (r.on_time_rate == null ? null : Math.round(r.on_time_rate * 1000) / 10)), itemStyle: { color: "#e0a030" } },
      ],
    }),
    [st.data, refs, cats, by]
  );
  const pct = (x) => (x == null ? "–" : fmtNum(x * 100, 1) + "%");
  return (
    <section class="console-page cs-page" aria-labelledby="cs-st-h">
      <CaseTabs active="stats" />
      <div class="page-head">
        <h1 id="cs-st-h">{t("cs.st.title")}</h1>
      </div>
      <nav class="tabs cs-st-by" aria-label={t("cs.st.by")}>
        {BYS.map((b) => (
          <a key={b} href={"#/cases/stats?by=" + b} aria-current={b === by ? "page" : undefined}>
            {t("cs.st.by." + b)}
          </a>
        ))}
      </nav>
      <ErrorBox error={st.error} />
      {st.loading && !st.data && <Loading />}
      {rows.length > 0 && (
        <div class="panel">
          <EChart option={option} label={t("cs.st.chart")} className="cs-chart" />
        </div>
      )}
      <div class="table-wrap panel">
        <table class="data cs-st-table" aria-label={t("cs.st.table")} data-by={by}>
          <thead>
            <tr>
              {["key", "total", "open", "closed", "overdue_open", "on_time", "mean_h", "rework", "satisfaction"].map((c) => (
                <th scope="col" key={c} class={c === "key" ? "" : "num"}>
                  {t("cs.st." + c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && !st.loading && (
              <tr>
                <td colSpan={9} class="muted empty">
                  {t("cs.st.none")}
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <tr key={r.key} data-key={r.key}>
                <th scope="row">{label(r.key)}</th>
                <td class="num">{r.total}</td>
                <td class="num">{r.open}</td>
                <td class="num">{r.closed}</td>
                <td class="num">{r.overdue_open}</td>
                <td class="num">{pct(r.on_time_rate)}</td>
                <td class="num">{r.mean_handling_ms == null ? "–" : fmtNum(r.mean_handling_ms / 3600000, 1)}</td>
                <td class="num">{r.rework_count}</td>
                <td class="num">{r.mean_satisfaction == null ? "–" : fmtNum(r.mean_satisfaction, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
