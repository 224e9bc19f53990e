// Latest values of one entity: GET entities/<id>/state, then the live stream filtered to it.
import { useEffect, useState } from "preact/hooks";
import { api, live } from "../api.js";
import { fmtAge, fmtTime, t } from "../i18n.js";
import { defLabel, fmtValue } from "./labels.jsx";

/** {values: Map(metric → {value, ts, unit}) | null, error}. */
export function useEntityState(id) {
  const [st, setSt] = useState({ values: null, error: null });
  useEffect(() => {
    let alive = true;
    setSt({ values: null, error: null });
    // Readings that arrive before the snapshot answers are kept and merged into it.
    const early = [];
    let loaded = false;
    const merge = (m, c) => {
      const old = m.get(c.metric);
      if (!old || c.ts >= old.ts) m.set(c.metric, { value: c.value, ts: c.ts, unit: old?.unit });
    };
    const off = live.on((batch) => {
      const mine = batch.filter((c) => c.entity === id);
      if (!mine.length) return;
      if (!loaded) {
        early.push(...mine);
        return;
      }
      setSt((s) => {
        const m = new Map(s.values);
        mine.forEach((c) => merge(m, c));
        return { ...s, values: m };
      });
    });
    api(`/entities/${encodeURIComponent(id)}/state`).then(
      (r) => {
        if (!alive) return;
        const m = new Map(r.metrics.map((x) => [x.metric, { value: x.value, ts: x.ts, unit: x.unit }]));
        early.forEach((c) => merge(m, c));
        loaded = true;
        setSt({ values: m, error: null });
      },
      (error) => alive && setSt({ values: null, error })
    );
    return () => {
      alive = false;
      off();
    };
  }, [id]);
  return st;
}

/** Newest reading time of any metric, or null. */
export function lastReport(values) {
  let last = null;
  for (const v of values?.values() || []) if (!last || v.ts > last) last = v.ts;
  return last;
}

/** One card per metric of the kind (and any other metric that has values). */
export function LiveStateCards({ kind, values, now }) {
  const defs = [...(kind?.metrics || [])];
  for (const name of values?.keys() || []) {
    if (!defs.some((d) => d.name === name)) defs.push({ name, type: "number" });
  }
  if (!defs.length) return <p class="muted">{t("c.state.no_metrics")}</p>;
  return (
    <ul class="metric-cards" aria-label={t("c.state.title")}>
      {defs.map((d) => {
        const v = values?.get(d.name);
        const unit = d.unit || v?.unit;
        return (
          <li class={"metric-card" + (v ? "" : " no-data")} key={d.name}>
            <span class="metric-label" title={d.label || d.name}>
              {defLabel(d)}
            </span>
            <span class="metric-value">
              <span data-metric={d.name} key={v?.ts} class={v ? "val fresh" : "val"}>
                {v ? fmtValue(v.value, d.type) : "—"}
              </span>
              {unit && <small class="unit">{unit}</small>}
            </span>
            <span class="metric-age muted" title={v ? fmtTime(v.ts) : undefined}>
              {v ? fmtAge(v.ts, now) : t("age.never")}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
