// An ECharts chart in a box that follows its container's size; one instance per mount.
import { useEffect, useRef } from "preact/hooks";
import { echarts } from "../charts.js";

export function EChart({ option, label, className = "", theme = null, base = "chart" }) {
  const el = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    const c = echarts.init(el.current, theme, { renderer: "canvas" });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    if (chart.current && option) chart.current.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);
  return <div class={base + " " + className} ref={el} role="img" aria-label={label} />;
}
