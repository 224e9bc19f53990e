// History of one metric of an entity: metric, range (1 h … 30 d or custom) and roll-up
// pickers above an ECharts line. Roll-ups draw the mean with a min–max band.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { echarts } from "../charts.js";
import { esc } from "../html.js";
import { fmtTime, getLang, t } from "../i18n.js";
import { Loading } from "../ui.jsx";
import { Field, FormError, Select } from "./form.jsx";
import { defLabel, fmtValue } from "./labels.jsx";

const H = 3600_000;
const RANGES = [
  ["1h", H],
  ["24h", 24 * H],
  ["7d", 7 * 24 * H],
  ["30d", 30 * 24 * H],
];
const STEPS = ["raw", "1m", "1h", "1d"];

/** The roll-up that gives a readable number of points for a span. */
function defaultStep(span) {
  if (span <= 2 * H) return "raw";
  if (span <= 2 * 24 * H) return "1m";
  if (span <= 14 * 24 * H) return "1h";
  return "1d";
}

/** <input type="datetime-local"> value of an epoch ms, in local time. */
function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function HistoryPanel({ entity, kind }) {
  const metrics = kind?.metrics || [];
  const [metric, setMetric] = useState(metrics[0]?.name || "");
  const [range, setRange] = useState("24h");
  const [step, setStep] = useState("1m");
  const now = Date.now();
  const [custom, setCustom] = useState({ from: toLocalInput(now - 24 * H), to: toLocalInput(now) });
  const [applied, setApplied] = useState(null); // {from, to} of the custom range in use
  const [rangeError, setRangeError] = useState(null);
  const [res, setRes] = useState({ loading: false, error: null, data: null });
  const [gen, setGen] = useState(0);

  function pickRange(r) {
    setRange(r);
    setRangeError(null);
    if (r !== "custom") setStep(defaultStep(RANGES.find((x) => x[0] === r)[1]));
  }
  function applyCustom(ev) {
    ev.preventDefault();
    const from = new Date(custom.from).getTime();
    const to = new Date(custom.to).getTime();
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      setRangeError(new Error(t("c.history.bad_range")));
      return;
    }
    setRangeError(null);
    setApplied({ from, to });
    setStep(defaultStep(to - from));
  }

  useEffect(() => {
    if (!metric) return undefined;
    let from, to;
    if (range === "custom") {
      if (!applied) return undefined;
      ({ from, to } = applied);
    } else {
      to = Date.now() + 1;
      from = to - RANGES.find((x) => x[0] === range)[1];
    }
    const ctl = new AbortController();
    setRes((r) => ({ ...r, loading: true, error: null }));
    api(`/entities/${encodeURIComponent(entity.id)}/history`, {
      query: { metric, from, to, step },
      signal: ctl.signal,
    }).then(
      (data) => setRes({ loading: false, error: null, data }),
      (error) => error.name !== "AbortError" && setRes({ loading: false, error, data: null })
    );
    return () => ctl.abort();
  }, [entity.id, metric, range, step, applied, gen]);

  if (!metrics.length) return <p class="muted">{t("c.history.no_metrics")}</p>;
  const def = metrics.find((m) => m.name === metric);
  const h = res.data?.history;
  const empty = h && !(h.points?.length || h.buckets?.length);

  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">{t("c.history.title")}</h2>
      <div class="filters history-controls">
        <Field label={t("c.history.metric")}>
          <Select
            name="metric"
            value={metric}
            onChange={setMetric}
            options={metrics.map((m) => [m.name, defLabel(m) + (m.unit ? ` (${m.unit})` : "")])}
          />
        </Field>
        <div class="field">
          <span id="range-label">{t("c.history.range")}</span>
          <div class="seg" role="group" aria-labelledby="range-label">
            {[...RANGES.map((r) => r[0]), "custom"].map((r) => (
              <button type="button" aria-pressed={range === r} onClick={() => pickRange(r)} key={r}>
                {t("c.history.range_" + r)}
              </button>
            ))}
          </div>
        </div>
        <Field label={t("c.history.step")}>
          <Select name="step" value={step} onChange={setStep} options={STEPS.map((s) => [s, t("c.history.step_" + s)])} />
        </Field>
        <button type="button" class="self-end" onClick={() => setGen((g) => g + 1)}>
          {t("common.refresh")}
        </button>
      </div>
      {range === "custom" && (
        <form class="filters custom-range" onSubmit={applyCustom} aria-label={t("c.history.custom")}>
          <Field label={t("c.history.from")}>
            <input type="datetime-local" name="from" value={custom.from} onInput={(e) => setCustom({ ...custom, from: e.currentTarget.value })} required />
          </Field>
          <Field label={t("c.history.to")}>
            <input type="datetime-local" name="to" value={custom.to} onInput={(e) => setCustom({ ...custom, to: e.currentTarget.value })} required />
          </Field>
          <button type="submit" class="primary self-end">
            {t("c.history.apply")}
          </button>
        </form>
      )}
      <FormError error={rangeError || res.error} />
      {h?.truncated && (
        <p class="warn" role="status">
          {t("c.history.truncated", { n: h.points.length })}
        </p>
      )}
      <div class="chart-box">
        <LineChart history={h} def={def} from={res.data?.from} to={res.data?.to} />
        {res.loading && (
          <div class="chart-overlay">
            <Loading />
          </div>
        )}
        {!res.loading && empty && <div class="chart-overlay muted">{t("c.history.empty")}</div>}
        {range === "custom" && !applied && <div class="chart-overlay muted">{t("c.history.choose_custom")}</div>}
      </div>
      {res.data && (
        <p class="muted small">
          {t("c.history.span", { from: fmtTime(res.data.from), to: fmtTime(res.data.to) })}
        </p>
      )}
    </section>
  );
}

/** The chart itself; keeps one ECharts instance for its lifetime. */
function LineChart({ history, def, from, to }) {
  const el = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = echarts.init(el.current, null, { renderer: "canvas" });
    const ro = new ResizeObserver(() => chart.current?.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      chart.current.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.setOption(option(history, def, from, to), { notMerge: true });
  }, [history, def, from, to, getLang()]);
  const name = def ? defLabel(def) : "";
  return <div class="chart" ref={el} role="img" aria-label={t("c.history.chart_label", { metric: name })} />;
}

function option(h, def, from, to) {
  const type = def?.type || "number";
  const unit = def?.unit ? ` ${def.unit}` : "";
  const name = def ? defLabel(def) : "";
  // Tooltips are HTML: the unit (registry data) and text values must be escaped.
  const val = (v) => esc(fmtValue(v, type) + unit);
  const base = {
    animation: false,
    grid: { left: 56, right: 20, top: 30, bottom: 60 },
    // The axis spans the asked range, so gaps in reporting show as gaps.
    xAxis: { type: "time", min: from, max: to, axisLabel: { hideOverlap: true } },
    yAxis:
      type === "boolean"
        ? { type: "value", min: 0, max: 1, interval: 1, axisLabel: { formatter: (v) => fmtValue(v, "boolean") } }
        : { type: "value", scale: true, name: def?.unit || "", axisLabel: { hideOverlap: true } },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 10 }],
    legend: { top: 0, right: 10 },
  };
  if (!h) return { ...base, series: [] };
  if (h.points) {
    return {
      ...base,
      tooltip: {
        trigger: "axis",
        formatter: (ps) => `${fmtTime(ps[0].value[0])}<br/>${esc(name)}: <b>${val(ps[0].value[1])}</b>`,
      },
      series: [
        {
          name,
          type: "line",
          data: h.points,
          showSymbol: h.points.length < 60,
          step: type === "boolean" ? "end" : false,
          lineStyle: { width: 1.5, color: "#1d5fbf" },
          itemStyle: { color: "#1d5fbf" },
        },
      ],
    };
  }
  const b = h.buckets || [];
  // The band: an invisible series at the minimum with the max−min difference stacked on it.
  return {
    ...base,
    tooltip: {
      trigger: "axis",
      formatter: (ps) => {
        const x = b[ps[0].dataIndex];
        if (!x) return "";
        return (
          `${fmtTime(x.ts)}<br/>${esc(t("c.history.avg"))}: <b>${val(x.avg)}</b><br/>` +
          `${esc(t("c.history.min"))}: ${val(x.min)} · ${esc(t("c.history.max"))}: ${val(x.max)}<br/>` +
          `${esc(t("c.history.count"))}: ${esc(x.count)}`
        );
      },
    },
    series: [
      {
        name: t("c.history.min"),
        type: "line",
        stack: "band",
        stackStrategy: "all",
        data: b.map((x) => [x.ts, x.min]),
        lineStyle: { opacity: 0 },
        symbol: "none",
        silent: true,
      },
      {
        name: t("c.history.band"),
        type: "line",
        stack: "band",
        stackStrategy: "all",
        data: b.map((x) => [x.ts, x.max - x.min]),
        lineStyle: { opacity: 0 },
        areaStyle: { color: "rgba(29,95,191,0.18)" },
        itemStyle: { color: "rgba(29,95,191,0.35)" },
        symbol: "none",
        silent: true,
      },
      {
        name: t("c.history.avg"),
        type: "line",
        data: b.map((x) => [x.ts, x.avg]),
        showSymbol: b.length < 60,
        lineStyle: { width: 1.8, color: "#1d5fbf" },
        itemStyle: { color: "#1d5fbf" },
      },
    ],
    legend: { top: 0, right: 10, data: [t("c.history.avg"), t("c.history.band")] },
  };
}
