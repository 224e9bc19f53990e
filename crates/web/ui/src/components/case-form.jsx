// Creating a case: a map on which a click (or the phone's position) places the problem, a
// category picker over the tree with a search, and the form that posts it. Used by the
// command center's "new case" page and by the mobile report page.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createMap, L } from "../map/base.js";
import { CountyLayers } from "../map/county.js";
import { t, fmtNum } from "../i18n.js";
import { catName, loadCategories } from "./cases.js";

/**
 * A map to pick one point. `point` is WGS84 [lon, lat] or null; `onPick([lon, lat])` on a click.
 * The marker follows `point`, so a position from elsewhere (GPS) shows too.
 */
export function PointPicker({ ui, point, onPick, className = "" }) {
  const el = useRef(null);
  const ctl = useRef(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    const { map, proj } = createMap(el.current, ui, { dark: false });
    const county = new CountyLayers(map, proj, { dark: false });
    let b = null;
    if (ui?.county?.geometry) b = county.setBoundary(ui.county.geometry);
    if (b && b.isValid()) map.fitBounds(b, { padding: [8, 8], animate: false });
    else map.setView([36.18, 118.17], 11);
    county.setTownsVisible(true);
    el.current.style.cursor = "crosshair";
    map.on("click", (e) => {
      const [lon, lat] = proj.fromMap(e.latlng);
      pick.current([Math.round(lon * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6]);
    });
    ctl.current = { map, proj, marker: null };
    // The e2e tests click a known WGS84 point: they need the map's own projection.
    window.__zcPicker = { map, proj };
    el.current.dataset.ready = "1";
    return () => {
      map.remove();
      ctl.current = null;
    };
  }, []);
  useEffect(() => {
    const c = ctl.current;
    if (!c) return;
    if (c.marker) {
      c.marker.remove();
      c.marker = null;
    }
    if (point) {
      const ll = c.proj.toMap(point[0], point[1]);
      c.marker = L.circleMarker(ll, { radius: 9, color: "#c0392b", weight: 3, fillColor: "#e74c3c", fillOpacity: 0.5 }).addTo(c.map);
      if (!c.map.getBounds().contains(ll)) c.map.panTo(ll);
    }
  }, [point?.[0], point?.[1]]);
  return <div class={"cs-map " + className} ref={el} role="application" aria-label={t("cs.new.map")} data-testid="case-map" />;
}

/** The categories for a <select>: leaves (and classes with no children) under their class. */
export function useCategories() {
  const [cats, setCats] = useState([]);
  useEffect(() => {
    loadCategories().then(setCats, () => setCats([]));
  }, []);
  return cats;
}

/** A search box and a select over the category tree. */
export function CategoryPicker({ value, onChange, cats, label = t("cs.new.category"), required = true }) {
  const [q, setQ] = useState("");
  const groups = useMemo(() => {
    const s = q.trim().toLowerCase();
    const tops = cats.filter((c) => !c.parent);
    const out = [];
    for (const top of tops) {
      const kids = cats.filter((c) => c.parent === top.code);
      const items = (kids.length ? kids : [top]).filter(
        (c) => !s || c.code.toLowerCase().includes(s) || (c.name_zh || "").includes(q.trim()) || (c.name_en || "").toLowerCase().includes(s) || (top.name_zh || "").includes(q.trim())
      );
      if (items.length) out.push([top, items]);
    }
    return out;
  }, [cats, q]);
  // A search that leaves one category chooses it.
  useEffect(() => {
    const all = groups.flatMap(([, xs]) => xs);
    if (q.trim() && all.length === 1 && all[0].code !== value) onChange(all[0].code);
  }, [groups]);
  return (
    <div class="cs-catpick">
      <label class="field">
        <span>{t("cs.new.search")}</span>
        <input type="search" name="category_search" value={q} placeholder={t("cs.new.search_ph")} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>
          {label}
          {required && <b class="req" aria-hidden="true"> *</b>}
        </span>
        <select name="category" required={required} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{t("cs.new.pick")}</option>
          {groups.map(([top, items]) => (
            <optgroup label={`${top.code} ${catName(top)}`} key={top.code}>
              {items.map((c) => (
                <option value={c.code} key={c.code}>
                  {c.code} {catName(c)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
    </div>
  );
}

export function fmtPoint(p) {
  return p ? t("cs.new.point", { lon: fmtNum(p[0], 5), lat: fmtNum(p[1], 5) }) : t("cs.new.no_point");
}
