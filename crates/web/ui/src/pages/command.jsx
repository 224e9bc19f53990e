// The command center: a full-screen wall display of the county's live state. The map
// (entities clustered by status, towns, grids, heat) is in the middle; KPI tiles on the left;
// charts on the right; the latest reports under the map. The map and its layers are driven
// imperatively (map/*.js) so live data never re-renders Preact's tree for the map; only the
// small panels re-render, and those at most a few times a second.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import "./command.css";
import { api, live } from "../api.js";
import { t, nameOf, fmtNum, fmtAge, getLang, onLang } from "../i18n.js";
import { LangSwitch, LiveBadge, logout } from "../shell.jsx";
import { ErrorBox, errText } from "../ui.jsx";
import { echarts } from "../charts.js";
import { EChart as BaseChart } from "../components/echart.jsx";
import { esc } from "../html.js";
import { createMap } from "../map/base.js";
import { EntityLayer } from "../map/entities.js";
import { HeatLayer, RAMP_CSS } from "../map/heat.js";
import { CountyLayers } from "../map/county.js";
import { AlarmFeed, AlarmTile } from "../components/alarm-feed.jsx";
import { useAlarmBoard } from "../components/alarms.js";
import { statusColor, statusLegend, kindStyles, kindLegend, shapeSvgPath, statusLabel } from "../map/status.js";

const OVERVIEW_MS = 10000;
const ENTITY_RESYNC_MS = 5 * 60000;
const TICKER_ROWS = 20;
const NUMERIC = new Set(["number", "integer", "float", "double", "int"]);

/** Numeric metrics of the kinds, as [{kind, metric, label, unit, kindName}]. */
export function numericMetrics(kinds) {
  const out = [];
  for (const k of kinds || []) {
    for (const m of k.metrics || []) {
      if (NUMERIC.has(m.type)) out.push({ kind: k.id, metric: m.name, label: m.label || m.name, unit: m.unit || "", k });
    }
  }
  return out;
}

/** kind → metric name → metric definition, for labels and units. */
function metricIndex(kinds) {
  const m = new Map();
  for (const k of kinds || []) m.set(k.id, new Map((k.metrics || []).map((x) => [x.name, x])));
  return m;
}

/** A reading for display: booleans as yes/no, numbers to at most two decimals. */
export function fmtValue(v, def) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean" || (def?.type === "boolean" && (v === 0 || v === 1))) {
    return t(v ? "cmd.bool.true" : "cmd.bool.false");
  }
  if (typeof v === "number") return Number.isInteger(v) ? fmtNum(v) : fmtNum(Math.round(v * 100) / 100);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A duration ("12 s", "3 min") for data ages. */
function fmtDur(ms) {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return t("cmd.dur.s", { n: s });
  if (s < 3600) return t("cmd.dur.m", { n: Math.round(s / 60) });
  if (s < 86400) return t("cmd.dur.h", { n: Math.round(s / 360) / 10 });
  return t("cmd.dur.d", { n: Math.round(s / 8640) / 10 });
}

function hhmm(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}
function hhmmss(ms) {
  const d = new Date(ms);
  return `${hhmm(ms)}:${String(d.getSeconds()).padStart(2, "0")}`;
}

/**
 * The live feed: the last reports (grouped per entity and timestamp, newest first), the number of
 * readings heard in the last minute, and the newest timestamp. Listeners are told at most every
 * 300 ms, so a burst of batches costs one panel render.
 */
class Feed {
  constructor() {
    this.rows = [];
    this.recent = []; // [receivedMs, n]
    this.latestTs = null;
    this.subs = new Set();
    this.timer = null;
  }
  push(batch) {
    const now = Date.now();
    this.recent.push([now, batch.length]);
    for (const c of batch) {
      if (!this.latestTs || c.ts > this.latestTs) this.latestTs = c.ts;
      const top = this.rows.find((r) => r.entity === c.entity && r.ts === c.ts);
      if (top) {
        const i = top.metrics.findIndex((m) => m.metric === c.metric);
        if (i >= 0) top.metrics[i] = { metric: c.metric, value: c.value };
        else top.metrics.push({ metric: c.metric, value: c.value });
        top.seq = now;
      } else {
        this.rows.unshift({
          key: c.entity + "@" + c.ts,
          entity: c.entity,
          kind: c.kind,
          ts: c.ts,
          seq: now,
          metrics: [{ metric: c.metric, value: c.value }],
        });
      }
    }
    this.rows.sort((a, b) => b.seq - a.seq || b.ts - a.ts);
    if (this.rows.length > TICKER_ROWS) this.rows.length = TICKER_ROWS;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.subs.forEach((f) => f());
      }, 300);
    }
  }
  /** Readings heard in the last 60 s. */
  rate() {
    const cut = Date.now() - 60000;
    while (this.recent.length && this.recent[0][0] < cut) this.recent.shift();
    return this.recent.reduce((a, [, n]) => a + n, 0);
  }
  on(f) {
    this.subs.add(f);
    return () => this.subs.delete(f);
  }
  close() {
    clearTimeout(this.timer);
    this.subs.clear();
  }
}

/** Re-renders the caller every `ms`. */
function useTick(ms) {
  const [, setN] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setN((n) => n + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/** Subscribes the caller to a Feed. */
function useFeed(feed) {
  const [, setN] = useState(0);
  useEffect(() => feed.on(() => setN((n) => n + 1)), [feed]);
}

function Clock() {
  useTick(1000);
  const now = Date.now();
  const d = new Date(now);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return (
    <time class="cc-clock" dateTime={d.toISOString()}>
      <span class="cc-date">{date}</span> {t("cmd.weekday." + d.getDay())} <b>{hhmmss(now)}</b>
    </time>
  );
}

/** An ECharts chart in the command center's dark theme. */
function EChart({ option, label, className = "" }) {
  return <BaseChart option={option} label={label} className={className} theme="dark" base="cc-chart" />;
}

const AXIS = {
  axisLine: { lineStyle: { color: "#35506f" } },
  axisLabel: { color: "#9fb6d0", fontSize: 11 },
  splitLine: { lineStyle: { color: "rgba(80,120,170,0.18)" } },
};
const CHART_BASE = {
  backgroundColor: "transparent",
  textStyle: { fontFamily: '"Noto Sans CJK SC", system-ui, sans-serif' },
  animationDuration: 300,
};

function Panel({ title, children, className = "", extra, id }) {
  return (
    <section class={"cc-panel " + className} aria-labelledby={id}>
      <header class="cc-panel-head">
        <h2 id={id}>{title}</h2>
        {extra}
      </header>
      {children}
    </section>
  );
}

function Tile({ label, value, sub, tone = "", testid, href, linkLabel }) {
  const body = [
    <div class="cc-tile-label">{label}</div>,
    <div class="cc-tile-value">{value}</div>,
    sub !== undefined && <div class="cc-tile-sub">{sub}</div>,
  ];
  // A tile with a page behind it is a link named by its figure and where it leads.
  if (href) {
    return (
      <a class={"cc-tile cc-tile-link " + tone} data-kpi={testid} href={href} aria-label={linkLabel}>
        {body}
      </a>
    );
  }
  return (
    <div class={"cc-tile " + tone} data-kpi={testid}>
      {body}
    </div>
  );
}

function Totals({ ov }) {
  const tt = ov?.totals;
  const share = tt && tt.online + tt.offline + tt.silent > 0 ? (tt.online / (tt.online + tt.offline + tt.silent)) * 100 : null;
  const v = (x) => (tt ? fmtNum(x) : "—");
  return (
    <div class="cc-tiles cc-tiles-3">
      <Tile label={t("cmd.kpi.entities")} value={v(tt?.total ?? tt?.entities)} testid="entities" />
      <Tile label={t("cmd.kpi.online")} value={v(tt?.online)} tone="ok" testid="online" />
      <Tile
        label={t("cmd.kpi.online_rate")}
        value={share === null ? "—" : `${share.toFixed(1)}%`}
        tone={share !== null && share < 80 ? "warn" : "ok"}
        testid="online_rate"
      />
      <Tile label={t("cmd.kpi.offline")} value={v(tt?.offline)} tone="bad" testid="offline" />
      <Tile label={t("cmd.kpi.silent")} value={v(tt?.silent)} tone="mute" testid="silent" />
      <Tile label={t("cmd.kpi.inactive")} value={v(tt?.inactive)} tone="dim" testid="inactive" />
    </div>
  );
}

/** Readings and data freshness; ticks every second so ages stay true between refreshes. */
function Freshness({ ov, feed }) {
  useTick(1000);
  useFeed(feed);
  const skew = ov ? ov.now - ov.__fetched : 0;
  const now = Date.now() + skew;
  const latest = Math.max(ov?.freshness?.latest_ts || 0, feed.latestTs || 0) || null;
  return (
    <div class="cc-tiles cc-tiles-2">
      <Tile
        label={t("cmd.kpi.readings_minute")}
        value={ov ? fmtNum(ov.readings_last_minute) : "—"}
        sub={t("cmd.kpi.live_rate", { n: fmtNum(feed.rate()) })}
        testid="readings"
      />
      <Tile
        label={t("cmd.kpi.latest")}
        value={latest ? fmtAge(latest, now) : t("age.never")}
        sub={t("cmd.kpi.p50p90", { p50: fmtDur(ov?.freshness?.p50_age_ms), p90: fmtDur(ov?.freshness?.p90_age_ms) })}
        testid="freshness"
      />
    </div>
  );
}

const SLOTS = ["alarms", "cases", "aqi", "scenic_occupancy", "indicator_completion"];

/** Capabilities that later features fill in; until then "—" with a pending note. */
function Slots({ ov, alarms }) {
  return (
    <div class="cc-tiles cc-slots">
      {SLOTS.map((k) => {
        if (k === "alarms") return <AlarmTile board={alarms} exact={ov?.slots?.alarms} />;
        const v = ov?.slots?.[k];
        const pending = v === null || v === undefined;
        let shown = "—";
        if (!pending && k === "indicator_completion") {
          // The DB37/T 3890 scorecard: completed weight against the pass line and the aim.
          const pct = (x) => fmtNum(Math.round(x * 1000) / 10) + "%";
          return (
            <Tile
              label={t("cmd.slot." + k)}
              value={pct(v.completed_weight)}
              sub={t("cmd.slot.indicators_sub", { met: v.met, scored: v.scored, pass: pct(v.pass_line), star: v.star })}
              tone={v.completed_weight >= v.pass_line ? "ok" : "bad"}
              testid={"slot-" + k}
              href="#/scorecard"
              linkLabel={t("sc.tile_link", { label: t("cmd.slot." + k), value: pct(v.completed_weight) })}
            />
          );
        }
        if (!pending && k === "cases") {
          // Open work orders the viewer may see; overdue ones turn the tile red.
          return (
            <Tile
              label={t("cmd.slot." + k)}
              value={fmtNum(v.open)}
              sub={t("cmd.slot.cases_sub", { overdue: fmtNum(v.overdue) })}
              tone={v.overdue ? "bad" : "ok"}
              testid={"slot-" + k}
              href="#/cases"
              linkLabel={t("cmd.slot.cases_link", { open: fmtNum(v.open), overdue: fmtNum(v.overdue) })}
            />
          );
        }
        if (!pending) {
          const x = typeof v === "object" ? v.value ?? v.count ?? v.total : v;
          shown = typeof x === "number" ? fmtNum(Math.round(x * 10) / 10) + (v.unit ? " " + v.unit : "") : String(x ?? "—");
        }
        return (
          <Tile
            label={t("cmd.slot." + k)}
            value={shown}
            sub={pending ? t("cmd.slot.pending") : undefined}
            tone={pending ? "pending" : ""}
            testid={"slot-" + k}
          />
        );
      })}
    </div>
  );
}

/** Devices online/offline/silent per kind, with a share bar. */
function KindTable({ ov }) {
  if (!ov) return null;
  const rows = ov.kinds || [];
  if (!rows.length) return <p class="cc-empty">{t("cmd.kinds.none")}</p>;
  return (
    <table class="cc-kinds">
      <caption class="sr-only">{t("cmd.kinds.caption")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("cmd.kinds.kind")}</th>
          <th scope="col" class="num">{t("cmd.kpi.online")}</th>
          <th scope="col" class="num">{t("cmd.kpi.offline")}</th>
          <th scope="col" class="num">{t("cmd.kinds.silent")}</th>
          <th scope="col" class="num">{t("cmd.kinds.total")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((k) => {
          const tot = k.total || 1;
          return (
            <tr data-kind={k.kind}>
              <th scope="row">
                <span class="cc-kname" title={nameOf(k) || k.kind}>
                  {nameOf(k) || k.kind}
                </span>
                <span class="cc-bar" aria-hidden="true">
                  <i style={{ width: (k.online / tot) * 100 + "%", background: statusColor("online", true) }} />
                  <i style={{ width: (k.offline / tot) * 100 + "%", background: statusColor("offline", true) }} />
                  <i style={{ width: (k.silent / tot) * 100 + "%", background: statusColor("silent", true) }} />
                </span>
              </th>
              <td class="num ok">{fmtNum(k.online)}</td>
              <td class="num bad">{fmtNum(k.offline)}</td>
              <td class="num mute">{fmtNum(k.silent)}</td>
              <td class="num">{fmtNum(k.total)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RpmChart({ ov }) {
  const lang = getLang();
  const option = useMemo(() => {
    const pts = ov?.readings_per_minute || [];
    return {
      ...CHART_BASE,
      grid: { left: 40, right: 10, top: 10, bottom: 22 },
      tooltip: { trigger: "axis", formatter: (p) => `${esc(p[0].name)}<br/>${esc(t("cmd.chart.readings"))}: ${esc(fmtNum(p[0].value))}` },
      xAxis: { type: "category", data: pts.map((p) => hhmm(p[0])), ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 14 } },
      yAxis: { type: "value", ...AXIS, minInterval: 1 },
      series: [
        {
          type: "bar",
          name: t("cmd.chart.readings"),
          data: pts.map((p) => p[1]),
          itemStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "#42c8ff" }, { offset: 1, color: "#1b4f8a" }]) },
          barCategoryGap: "20%",
        },
      ],
    };
  }, [ov?.readings_per_minute, lang]);
  return <EChart option={option} label={t("cmd.chart.rpm")} />;
}

/**
 * The DB37/T 3890 scorecard at a glance: the completed weight month by month (closed months,
 * then this one) against the pass line and the aim, and the completed share of each indicator
 * group.
 */
function ScorecardChart({ ov }) {
  const v = ov?.slots?.indicator_completion;
  const option = useMemo(() => {
    if (!v) return null;
    const p = (x) => Math.round(x * 1000) / 10;
    const lines = [
      { yAxis: p(v.pass_line), name: t("cmd.sc.pass"), lineStyle: { color: "#ffb020", type: "dashed" } },
      ...(v.aim != null ? [{ yAxis: p(v.aim), name: t("cmd.sc.aim"), lineStyle: { color: "#3ddc97", type: "dashed" } }] : []),
    ];
    const xLines = lines.map((l) => ({ xAxis: l.yAxis, name: l.name, lineStyle: l.lineStyle }));
    const trend = v.trend || [];
    const groups = v.by_group || [];
    return {
      ...CHART_BASE,
      tooltip: { trigger: "axis", valueFormatter: (x) => fmtNum(x) + "%" },
      grid: [
        { left: 34, right: 10, top: 8, height: "28%" },
        { left: 84, right: 12, top: "42%", bottom: 2 },
      ],
      xAxis: [
        { type: "category", gridIndex: 0, data: trend.map((x) => x.period.slice(2)), ...AXIS, axisLabel: { ...AXIS.axisLabel, fontSize: 9 } },
        { type: "value", gridIndex: 1, min: 0, max: 100, ...AXIS, axisLabel: { show: false } },
      ],
      yAxis: [
        { type: "value", gridIndex: 0, min: 0, max: 100, interval: 50, ...AXIS, axisLabel: { ...AXIS.axisLabel, fontSize: 9, formatter: "{value}%" } },
        {
          type: "category",
          gridIndex: 1,
          inverse: true,
          data: groups.map((g) => (getLang() === "en" ? g.group_en : g.group)),
          ...AXIS,
          axisTick: { show: false },
          axisLabel: { ...AXIS.axisLabel, fontSize: 10, width: 80, overflow: "truncate", interval: 0 },
        },
      ],
      series: [
        {
          type: "line",
          name: t("cmd.sc.completed"),
          xAxisIndex: 0,
          yAxisIndex: 0,
          data: trend.map((x) => p(x.completed_weight)),
          symbolSize: 6,
          itemStyle: { color: "#42c8ff" },
          markLine: { symbol: "none", silent: true, label: { show: false }, data: lines },
        },
        {
          type: "bar",
          name: t("cmd.sc.group_share"),
          xAxisIndex: 1,
          yAxisIndex: 1,
          data: groups.map((g) => ({ value: p(g.share), itemStyle: { color: g.share >= v.pass_line ? "#3ddc97" : "#ff6b6b" } })),
          barMaxWidth: 8,
          barCategoryGap: "25%",
          markLine: { symbol: "none", silent: true, label: { show: false }, data: xLines },
        },
      ],
    };
  }, [v, getLang()]);
  if (!v) return <p class="cc-empty">{t("cmd.sc.none")}</p>;
  return <EChart option={option} label={t("cmd.sc.label", { pct: fmtNum(Math.round(v.completed_weight * 1000) / 10) + "%" })} />;
}

function ShareChart({ ov }) {
  const lang = getLang();
  const option = useMemo(() => {
    const ks = (ov?.kinds || []).slice().reverse();
    const names = ks.map((k) => nameOf(k) || k.kind);
    const part = (f) => ks.map((k) => (k.total ? Math.round((f(k) / k.total) * 1000) / 10 : 0));
    const ser = [
      ["online", (k) => k.online],
      ["offline", (k) => k.offline],
      ["silent", (k) => k.silent],
      ["inactive", (k) => k.inactive],
    ].map(([s, f]) => ({
      type: "bar",
      stack: "share",
      name: s === "inactive" ? t("cmd.kpi.inactive") : statusLabel(s),
      data: part(f),
      itemStyle: { color: statusColor(s === "inactive" ? "planned" : s, true) },
      barWidth: "60%",
    }));
    return {
      ...CHART_BASE,
      grid: { left: 8, right: 14, top: 26, bottom: 4, containLabel: true },
      legend: {
        type: "scroll",
        top: 0,
        textStyle: { color: "#9fb6d0", fontSize: 11 },
        itemWidth: 10,
        itemHeight: 8,
        pageTextStyle: { color: "#9fb6d0" },
        pageIconColor: "#42c8ff",
      },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (ps) => {
          const k = ks[ps[0].dataIndex];
          return (
            `<b>${esc(names[ps[0].dataIndex])}</b><br/>` +
            ps.map((p) => `${p.marker}${esc(p.seriesName)}: ${esc(p.value)}%`).join("<br/>") +
            `<br/>${esc(t("cmd.kinds.total"))}: ${esc(fmtNum(k.total))}`
          );
        },
      },
      xAxis: { type: "value", max: 100, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: "{value}%" } },
      yAxis: {
        type: "category",
        data: names,
        ...AXIS,
        axisLabel: { ...AXIS.axisLabel, width: 110, overflow: "truncate" },
      },
      series: ser,
    };
  }, [ov?.kinds, lang]);
  return <EChart option={option} label={t("cmd.chart.share")} />;
}

const RANGES = {
  "1h": { span: 3600000, step: "1m", refresh: 30000 },
  "24h": { span: 86400000, step: "1h", refresh: 300000 },
};

/** A metric of a kind over time (mean with min–max band), from GET series. */
function SeriesPanel({ kinds }) {
  const metrics = useMemo(() => numericMetrics(kinds), [kinds]);
  const [sel, setSel] = useState(null); // "kind|metric"
  const [range, setRange] = useState("1h");
  const [data, setData] = useState(null);
  const [err, setErr] = useState(null);
  const lang = getLang();
  // Default: PM2.5 when some kind measures it (the headline air figure), else the first numeric metric.
  const cur = useMemo(() => {
    if (!metrics.length) return null;
    const want = sel && metrics.find((m) => m.kind + "|" + m.metric === sel);
    return want || metrics.find((m) => m.metric === "pm25") || metrics[0];
  }, [metrics, sel]);
  const kindsWith = useMemo(() => [...new Map(metrics.map((m) => [m.kind, m.k])).values()], [metrics]);

  useEffect(() => {
    if (!cur) return;
    let gone = false;
    const ctrl = new AbortController();
    const load = () => {
      const r = RANGES[range];
      const to = Date.now();
      api("/series", { query: { kind: cur.kind, metric: cur.metric, step: r.step, from: to - r.span, to }, signal: ctrl.signal }).then(
        (d) => {
          if (gone) return;
          setData(d);
          setErr(null);
        },
        (e) => !gone && e.name !== "AbortError" && setErr(e)
      );
    };
    setData(null);
    load();
    const id = setInterval(load, RANGES[range].refresh);
    return () => {
      gone = true;
      ctrl.abort();
      clearInterval(id);
    };
  }, [cur?.kind, cur?.metric, range]);

  const option = useMemo(() => {
    if (!data || !cur) return null;
    const pts = data.points || [];
    const fmt = range === "1h" ? hhmm : (ms) => hhmm(ms);
    const x = pts.map((p) => fmt(p[0]));
    const r2 = (v) => (v === null || v === undefined ? null : Math.round(v * 100) / 100);
    return {
      ...CHART_BASE,
      grid: { left: 40, right: 10, top: 10, bottom: 22 },
      tooltip: {
        trigger: "axis",
        formatter: (ps) => {
          const p = pts[ps[0].dataIndex];
          return (
            `${fmt(p[0])}<br/>${esc(t("cmd.series.avg"))}: <b>${r2(p[1])}</b> ${esc(cur.unit)}` +
            `<br/>${esc(t("cmd.series.min"))}: ${r2(p[2])} · ${esc(t("cmd.series.max"))}: ${r2(p[3])}` +
            `<br/>${esc(t("cmd.series.count"))}: ${esc(fmtNum(p[4]))}`
          );
        },
      },
      xAxis: { type: "category", data: x, boundaryGap: false, ...AXIS },
      yAxis: { type: "value", scale: true, ...AXIS },
      series: [
        { type: "line", data: pts.map((p) => r2(p[2])), stack: "band", lineStyle: { opacity: 0 }, symbol: "none", silent: true },
        {
          type: "line",
          data: pts.map((p) => (p[3] === null || p[2] === null ? null : r2(p[3] - p[2]))),
          stack: "band",
          lineStyle: { opacity: 0 },
          areaStyle: { color: "rgba(66,200,255,0.18)" },
          symbol: "none",
          silent: true,
        },
        {
          type: "line",
          name: t("cmd.series.avg"),
          data: pts.map((p) => r2(p[1])),
          smooth: true,
          // With only a few buckets (a new deployment) a line alone would be invisible.
          symbol: pts.length < 20 ? "circle" : "none",
          itemStyle: { color: "#42c8ff" },
          lineStyle: { width: 2, color: "#42c8ff" },
        },
      ],
    };
  }, [data, lang]);

  const pick = cur ? cur.kind + "|" + cur.metric : "";
  return (
    <Panel
      id="cc-series-h"
      title={t("cmd.series.title")}
      className="cc-grow cc-grow-series"
      extra={
        <div class="cc-pickers">
          <label>
            <span class="sr-only">{t("cmd.series.metric")}</span>
            <select value={pick} onChange={(e) => setSel(e.currentTarget.value)} aria-label={t("cmd.series.metric")}>
              {kindsWith.map((k) => (
                <optgroup label={nameOf(k)}>
                  {metrics
                    .filter((m) => m.kind === k.id)
                    .map((m) => (
                      <option value={m.kind + "|" + m.metric}>
                        {m.label}
                        {m.unit ? ` (${m.unit})` : ""}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
          </label>
          <label>
            <span class="sr-only">{t("cmd.series.range")}</span>
            <select value={range} onChange={(e) => setRange(e.currentTarget.value)} aria-label={t("cmd.series.range")}>
              <option value="1h">{t("cmd.series.1h")}</option>
              <option value="24h">{t("cmd.series.24h")}</option>
            </select>
          </label>
        </div>
      }
    >
      <ErrorBox error={err} />
      {!metrics.length && <p class="cc-empty">{t("cmd.series.none")}</p>}
      {cur && data && !(data.points || []).length && <p class="cc-empty">{t("cmd.series.empty")}</p>}
      {cur && (
        <p class="cc-sub">
          {nameOf(cur.k)} · {cur.label}
          {cur.unit ? ` (${cur.unit})` : ""}
          {data ? " · " + t("cmd.series.entities", { n: fmtNum(data.entities ?? 0) }) : ""}
        </p>
      )}
      <EChart option={option} label={t("cmd.series.title") + (cur ? `: ${nameOf(cur.k)} ${cur.label}` : "")} />
    </Panel>
  );
}

/** The latest reports, newest first. Each row carries data-entity for tests. */
function Ticker({ feed, nameFor, metrics }) {
  useFeed(feed);
  useTick(5000); // the per-minute count in the header decays even when nothing arrives
  const rows = feed.rows;
  return (
    <section class="cc-panel cc-ticker" aria-labelledby="cc-ticker-h">
      <header class="cc-panel-head">
        <h2 id="cc-ticker-h">{t("cmd.ticker.title")}</h2>
        <span class="cc-sub">{t("cmd.ticker.rate", { n: fmtNum(feed.rate()) })}</span>
      </header>
      {rows.length === 0 ? (
        <p class="cc-empty">{t("cmd.ticker.waiting")}</p>
      ) : (
        <ol class="cc-ticker-list" aria-live="off">
          {rows.map((r) => {
            const defs = metrics.get(r.kind);
            return (
              <li key={r.key} data-entity={r.entity} data-ts={r.ts}>
                <time>{hhmmss(r.ts)}</time>
                <a class="cc-tname" href={"#/entities/" + encodeURIComponent(r.entity)} title={r.entity}>
                  {nameFor(r.entity)}
                </a>
                <span class="cc-tvals">
                  {r.metrics.map((m) => {
                    const def = defs?.get(m.metric);
                    return (
                      <span class="cc-chip" data-metric={m.metric}>
                        {def?.label || m.metric} <b>{fmtValue(m.value, def)}</b>
                        {def?.unit ? <small> {def.unit}</small> : null}
                      </span>
                    );
                  })}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function ShapeIcon({ shape, fill, stroke }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d={shapeSvgPath(shape, 8, 8, 5)} fill={fill} stroke={stroke} stroke-width="1.5" fill-rule="evenodd" />
    </svg>
  );
}

/** Kind symbols (each a toggle) and status colours; folds away on small screens. */
export function MapLegend({ kinds, allKinds, hidden, onToggle, dark }) {
  // Symbols come from every kind, exactly as the entity layer assigns them.
  const styles = useMemo(() => kindStyles(allKinds || kinds), [allKinds, kinds]);
  const [open, setOpen] = useState(() => !window.matchMedia("(max-width: 900px)").matches);
  const rows = kindLegend(kinds, styles);
  const id = dark ? "zc-legend-cc" : "zc-legend-mp";
  return (
    <div class={"zc-legend" + (open ? "" : " closed")} role="group" aria-label={t("geo.legend")}>
      <button type="button" class="zc-legend-head" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {t("geo.legend")} <span aria-hidden="true">{open ? "▾" : "▸"}</span>
      </button>
      {open && (
        <div id={id}>
          {rows.length > 0 && (
            <ul class="zc-legend-kinds">
              {rows.map((r) => (
                <li>
                  <button
                    type="button"
                    aria-pressed={!hidden.has(r.kind)}
                    class={hidden.has(r.kind) ? "off" : ""}
                    onClick={() => onToggle(r.kind)}
                    title={t("geo.legend.toggle")}
                    data-kind={r.kind}
                  >
                    <ShapeIcon shape={r.shape} fill={dark ? "#c9d6e6" : "#7c8c9e"} stroke={r.color} />
                    {r.label}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <ul class="zc-legend-status">
            {statusLegend(dark).map((s) => (
              <li>
                <i class="zc-dot" style={{ background: s.color }} />
                {s.label}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** The heat legend: colour ramp with its range. */
export function HeatLegend({ heat, metrics }) {
  if (!heat) return null;
  const { legend, loading, error } = heat;
  let title = t("geo.heat.density");
  if (legend?.metric) {
    const m = metrics.find((x) => x.metric === legend.metric && (!legend.kind || x.kind === legend.kind));
    title = m ? `${m.label}${m.unit ? ` (${m.unit})` : ""}` : legend.metric;
  }
  return (
    <div class="zc-heat-legend" role="group" aria-label={t("geo.heat.legend")}>
      <div class="zc-heat-title">
        {title}
        {legend?.res ? <small> · H3 r{legend.res}</small> : null}
        {loading ? <small> · {t("common.loading")}</small> : null}
      </div>
      {error ? (
        <p class="err" role="alert">{t("error.generic", { msg: errText(error) })}</p>
      ) : legend && legend.cells ? (
        <>
          <div class="zc-ramp" style={{ background: RAMP_CSS }} />
          <div class="zc-ramp-ends">
            {[legend.min, legend.mid, legend.max].map((v) => (
              <span>{fmtNum(!legend.metric || legend.max - legend.min >= 20 ? Math.round(v) : Math.round(v * 100) / 100)}</span>
            ))}
          </div>
        </>
      ) : legend ? (
        <p class="zc-note">{t("geo.heat.empty")}</p>
      ) : null}
    </div>
  );
}

/** Heat metric picker: entity density (default) or a numeric metric of a kind. */
export function HeatMetricSelect({ metrics, value, onChange, id }) {
  const kinds = [...new Map(metrics.map((m) => [m.kind, m.k])).values()];
  return (
    <label class="zc-heat-pick" for={id}>
      <span>{t("geo.heat.metric")}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{t("geo.heat.density")}</option>
        {kinds.map((k) => (
          <optgroup label={nameOf(k)}>
            {metrics
              .filter((m) => m.kind === k.id)
              .map((m) => (
                <option value={m.kind + "|" + m.metric}>
                  {m.label}
                  {m.unit ? ` (${m.unit})` : ""}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

/** The bounds to open the map on: the county outline from ui/config, when there is one. */
export function countyGeometry(ui, regions) {
  if (ui?.county?.geometry) return ui.county.geometry;
  const code = ui?.county?.code;
  const c = (regions || []).find((r) => (code ? r.code === code : r.level === "county") && r.geometry);
  return c ? c.geometry : null;
}

export function CommandCenter({ me, ui, onLogout }) {
  const mapEl = useRef(null);
  const ctl = useRef(null); // {map, layer, county, heat}
  const feed = useMemo(() => new Feed(), []);
  const [ov, setOv] = useState(null);
  const [ovErr, setOvErr] = useState(null);
  const [allKinds, setKinds] = useState([]);
  const [present, setPresent] = useState(null); // kinds with loaded entities
  const [mapErr, setMapErr] = useState(null);
  const [layersErr, setLayersErr] = useState(null);
  const [loadingMap, setLoadingMap] = useState(true);
  const [show, setShow] = useState({ towns: true, grids: false, heat: false });
  const [heatPick, setHeatPick] = useState("");
  const [heat, setHeat] = useState(null);
  const [hidden, setHidden] = useState(() => new Set());
  const [, setNames] = useState(0); // bumps when entity names arrive (ticker shows names)
  // Charts wait until the map has drawn its entities (or a few seconds), so first paint of the
  // map does not queue behind ECharts.
  const [chartsOn, setChartsOn] = useState(false);
  const alarms = useAlarmBoard();
  // Every request starts during the first render, before the map and charts are built.
  const first = useMemo(() => {
    const p = {
      entities: api("/map/entities"),
      regions: api("/regions"),
      grids: api("/grids"),
      kinds: api("/kinds"),
      departments: api("/departments"),
      overview: api("/overview"),
    };
    // Handled in the effects below; this only keeps an early failure from being reported as unhandled.
    Object.values(p).forEach((x) => x.catch(() => {}));
    return p;
  }, []);

  // The map and everything on it; set up once.
  useEffect(() => {
    document.body.dataset.page = "command";
    delete document.body.dataset.mapReady;
    // Answers that arrive after the page was left must not touch the removed map (Leaflet
    // throws) nor mark the next page's map as ready.
    let gone = false;
    const { map, proj, renderer } = createMap(mapEl.current, ui, { dark: true, zoomControl: true });
    const county = new CountyLayers(map, proj, { dark: true });
    let fitted = false;
    const fit = (b) => {
      if (b && b.isValid()) {
        map.fitBounds(b, { padding: [16, 16], animate: false });
        fitted = true;
      }
    };
    const cb = ui?.county?.geometry ? county.setBoundary(ui.county.geometry) : null;
    let countyBounds = cb;
    if (cb) fit(cb);
    else map.setView([35.5, 105], 6);
    county.setTownsVisible(true);

    const layer = new EntityLayer(map, proj, renderer, {
      dark: true,
      onFlip: (flips) =>
        setOv((o) => {
          if (!o) return o;
          const totals = { ...o.totals };
          const ks = o.kinds.map((k) => ({ ...k }));
          const byKind = new Map(ks.map((k) => [k.kind, k]));
          for (const f of flips) {
            if (f.from in totals) totals[f.from]--;
            if (f.to in totals) totals[f.to]++;
            const k = byKind.get(f.rec.kind);
            if (k) {
              if (f.from in k) k[f.from]--;
              if (f.to in k) k[f.to]++;
            }
          }
          return { ...o, totals, kinds: ks };
        }),
      onUnknown: () => scheduleResync(30000),
    });
    const heatLayer = new HeatLayer(map, proj, { onState: setHeat });
    ctl.current = { map, proj, layer, county, heat: heatLayer, reload: () => loadEntities(), fitBounds: () => fit(countyBounds || county.townBounds() || layer.bounds()) };

    window.__zc = {
      map,
      layer,
      entityCount: () => layer.count(),
      lastChange: null,
    };

    // Entities: the first load marks the map ready; later loads resync statuses.
    let ready = false;
    let resyncTimer = null;
    const loadEntities = (req) =>
      (req || api("/map/entities")).then(
        (d) => {
          if (gone) return;
          layer.load(d);
          setPresent(layer.kindsPresent());
          setMapErr(null);
          setLoadingMap(false);
          setNames((n) => n + 1);
          if (!fitted) fit(layer.bounds());
          if (!ready) {
            ready = true;
            requestAnimationFrame(() => {
              if (gone) return;
              document.body.dataset.mapReady = "1";
              performance.mark("zc-map-ready");
              setChartsOn(true);
            });
          }
        },
        (e) => {
          if (gone) return;
          setMapErr(e);
          setLoadingMap(false);
          setChartsOn(true);
        }
      );
    const scheduleResync = (ms) => {
      if (resyncTimer) return;
      resyncTimer = setTimeout(() => {
        resyncTimer = null;
        loadEntities();
      }, ms);
    };
    loadEntities(first.entities);
    const resync = setInterval(() => loadEntities(), ENTITY_RESYNC_MS);
    const chartsLate = setTimeout(() => setChartsOn(true), 3000);

    first.regions.then(
      (regions) => {
        if (gone) return;
        if (!cb) {
          const g = countyGeometry(ui, regions);
          const b = g ? county.setBoundary(g) : null;
          if (b) countyBounds = b;
          if (b && !fitted) fit(b);
        }
        county.setTowns(regions);
        if (!fitted) fit(county.townBounds());
      },
      (e) => !gone && setLayersErr(e)
    );
    first.grids.then((g) => !gone && county.setGrids(g), (e) => !gone && setLayersErr(e));
    first.kinds.then(
      (k) => {
        if (gone) return;
        setKinds(k);
        layer.setKinds(k);
      },
      (e) => !gone && setLayersErr(e)
    );
    first.departments.then((d) => !gone && layer.setDepartments(d), () => {});

    const offLive = live.on((batch) => {
      layer.applyChanges(batch);
      feed.push(batch);
      if (batch.length && window.__zc) window.__zc.lastChange = { ...batch[batch.length - 1], received_ms: Date.now() };
    });
    const offLang = onLang(() => {
      county.relabel();
      layer.relabel();
    });
    const ro = new ResizeObserver(() => map.invalidateSize({ debounceMoveend: true }));
    ro.observe(mapEl.current);

    return () => {
      gone = true;
      offLive();
      offLang();
      ro.disconnect();
      clearInterval(resync);
      clearTimeout(resyncTimer);
      clearTimeout(chartsLate);
      feed.close();
      heatLayer.destroy();
      layer.destroy();
      county.destroy();
      map.remove();
      ctl.current = null;
      if (window.__zc?.map === map) delete window.__zc;
      delete document.body.dataset.mapReady;
      if (document.body.dataset.page === "command") delete document.body.dataset.page;
    };
  }, []);

  // Overview: now and every 10 s (live flips adjust it in between).
  useEffect(() => {
    let gone = false;
    let req = first.overview;
    const load = () => {
      const t0 = Date.now();
      (req || api("/overview")).then(
        (d) => {
          if (gone) return;
          d.__fetched = t0;
          setOv(d);
          setOvErr(null);
        },
        (e) => !gone && setOvErr(e)
      );
      req = null;
    };
    load();
    const id = setInterval(load, OVERVIEW_MS);
    return () => {
      gone = true;
      clearInterval(id);
    };
  }, []);

  // Layer switches.
  useEffect(() => {
    const c = ctl.current;
    if (!c) return;
    c.county.setTownsVisible(show.towns);
    c.county.setGridsVisible(show.grids);
    c.heat.setEnabled(show.heat);
  }, [show]);
  useEffect(() => {
    const c = ctl.current;
    if (!c) return;
    const [kind, metric] = heatPick ? heatPick.split("|") : ["", ""];
    c.heat.setQuery({ kind, metric });
  }, [heatPick]);
  useEffect(() => {
    const c = ctl.current;
    if (!c) return;
    c.layer.setFilter(hidden.size ? (r) => !hidden.has(r.kind) : null);
  }, [hidden]);

  // Only kinds this user has entities of (a department user sees its own) appear in legends and pickers.
  const kinds = useMemo(() => (present ? allKinds.filter((k) => present.has(k.id)) : allKinds), [allKinds, present]);
  const metrics = useMemo(() => numericMetrics(kinds), [kinds]);
  const metricDefs = useMemo(() => metricIndex(allKinds), [allKinds]);
  const nameFor = (id) => ctl.current?.layer.get(id)?.name || id;
  const county = nameOf(ui?.county) || "";
  const toggle = (k) => setShow((s) => ({ ...s, [k]: !s[k] }));

  return (
    <div class="cc" data-testid="command-center">
      <header class="cc-head">
        <div class="cc-brand">
          <span class="cc-logo" aria-hidden="true">◎</span>
          <h1>{county ? t("cmd.title", { county }) : t("cmd.title_plain")}</h1>
        </div>
        <div class="cc-head-right">
          <LiveBadge />
          <Clock />
          <a class="cc-link" href="#/entities">
            {t("cmd.to_console")}
          </a>
          <LangSwitch />
          <span class="cc-who">{me.display_name || me.username}</span>
          <button type="button" id="logout" onClick={() => logout(onLogout)}>
            {t("nav.logout")}
          </button>
        </div>
      </header>

      <aside class="cc-left" aria-label={t("cmd.kpi.region")}>
        <Panel id="cc-status-h" title={t("cmd.kpi.devices")}>
          <ErrorBox error={ovErr} />
          <Totals ov={ov} />
          <Freshness ov={ov} feed={feed} />
        </Panel>
        <Panel id="cc-kinds-h" title={t("cmd.kinds.title")} className="cc-scroll">
          <KindTable ov={ov} />
        </Panel>
        <Panel id="cc-slots-h" title={t("cmd.slot.title")}>
          <Slots ov={ov} alarms={alarms} />
        </Panel>
      </aside>

      <main class="cc-centre">
        <section class="cc-map-wrap" aria-label={t("cmd.map.label")}>
          <div class="cc-map" ref={mapEl} />
          <div class="cc-map-tools" role="toolbar" aria-label={t("geo.layers")}>
            {["towns", "grids", "heat"].map((k) => (
              <button type="button" aria-pressed={show[k]} class={show[k] ? "on" : ""} onClick={() => toggle(k)} data-layer={k}>
                {t("geo.layer." + k)}
              </button>
            ))}
            {show.heat && (
              <HeatMetricSelect metrics={metrics} value={heatPick} onChange={setHeatPick} id="cc-heat-metric" />
            )}
            <button type="button" onClick={() => ctl.current?.fitBounds()} aria-label={t("geo.fit.label")}>
              {t("geo.fit")}
            </button>
          </div>
          {(mapErr || layersErr || loadingMap) && (
            <div class="cc-map-msg">
              {loadingMap && !mapErr && <p role="status">{t("geo.loading")}</p>}
              <ErrorBox error={mapErr || layersErr} />
              {mapErr && (
                <button type="button" onClick={() => ctl.current?.reload()}>
                  {t("common.refresh")}
                </button>
              )}
            </div>
          )}
          <MapLegend
            kinds={kinds}
            allKinds={allKinds}
            hidden={hidden}
            dark
            onToggle={(k) =>
              setHidden((h) => {
                const n = new Set(h);
                if (n.has(k)) n.delete(k);
                else n.add(k);
                return n;
              })
            }
          />
          {show.heat && <HeatLegend heat={heat} metrics={metrics} />}
        </section>
        <div class="cc-bottom">
          <Ticker feed={feed} nameFor={nameFor} metrics={metricDefs} />
          <AlarmFeed board={alarms} />
        </div>
      </main>

      <aside class="cc-right" aria-label={t("cmd.charts.region")}>
        <Panel id="cc-rpm-h" title={t("cmd.chart.rpm")} className="cc-grow cc-grow-rpm">
          {chartsOn && <RpmChart ov={ov} />}
        </Panel>
        {chartsOn ? (
          <SeriesPanel kinds={kinds} />
        ) : (
          <Panel id="cc-series-h" title={t("cmd.series.title")} className="cc-grow cc-grow-series" />
        )}
        <Panel
          id="cc-sc-h"
          title={t("cmd.sc.title")}
          className="cc-grow cc-grow-sc"
          extra={
            <span class="cc-sc-legend" aria-hidden="true">
              <i style={{ color: "#ffb020" }} />
              {t("cmd.sc.pass")}
              <i style={{ color: "#3ddc97" }} />
              {t("cmd.sc.aim")}
            </span>
          }
        >
          {chartsOn && <ScorecardChart ov={ov} />}
        </Panel>
        <Panel id="cc-share-h" title={t("cmd.chart.share")} className="cc-grow cc-grow-share">
          {chartsOn && <ShareChart ov={ov} />}
        </Panel>
      </aside>
    </div>
  );
}
