// The console map (#/map): the same entity layer as the command center on a light map, with
// filters (kind, department, status), a search that flies to an entity, the towns/grids/heat
// layers and a list of what is in view. Query parameters `kind`, `department` (and `status`)
// preset the filters; changing a filter rewrites the address so the view can be shared.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import "./command.css";
import { api, live } from "../api.js";
import { t, nameOf, fmtNum, fmtAge, onLang } from "../i18n.js";
import { ErrorBox, Field } from "../ui.jsx";
import { createMap } from "../map/base.js";
import { EntityLayer } from "../map/entities.js";
import { HeatLayer } from "../map/heat.js";
import { CountyLayers } from "../map/county.js";
import { STATUSES, statusColor, statusLabel } from "../map/status.js";
import { MapLegend, HeatLegend, HeatMetricSelect, numericMetrics, countyGeometry } from "./command.jsx";

const LIST_LIMIT = 100;
const SUGGEST = 8;

function filtersFrom(query) {
  return {
    kind: query?.get("kind") || "",
    department: query?.get("department") || "",
    status: query?.get("status") || "",
  };
}

/** Entities whose name or id match `q`: exact id first, then name prefixes, then substrings. */
function searchRecs(recs, q) {
  const s = q.trim().toLowerCase();
  if (!s) return [];
  const exact = [];
  const prefix = [];
  const sub = [];
  for (const r of recs) {
    const name = (r.name || "").toLowerCase();
    const id = String(r.id).toLowerCase();
    if (id === s || name === s) exact.push(r);
    else if (name.startsWith(s) || id.startsWith(s)) prefix.push(r);
    else if (name.includes(s) || id.includes(s)) sub.push(r);
    if (exact.length >= SUGGEST) break;
  }
  return [...exact, ...prefix, ...sub].slice(0, SUGGEST);
}

export function MapPage({ me, ui, query }) {
  const mapEl = useRef(null);
  const ctl = useRef(null);
  const [allKinds, setKinds] = useState([]);
  const [present, setPresent] = useState(null); // kinds with loaded entities
  const [depts, setDepts] = useState([]);
  const [filters, setFilters] = useState(() => filtersFrom(query));
  const [show, setShow] = useState({ towns: true, grids: false, heat: false });
  const [heatPick, setHeatPick] = useState("");
  const [heat, setHeat] = useState(null);
  const [hidden, setHidden] = useState(() => new Set());
  const [view, setView] = useState({ items: [], total: 0 });
  const [shown, setShown] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [err, setErr] = useState(null);
  const [layersErr, setLayersErr] = useState(null);
  const [q, setQ] = useState("");
  const [hits, setHits] = useState([]);
  const [searchMsg, setSearchMsg] = useState("");
  const [, setTick] = useState(0);

  useEffect(() => {
    document.body.dataset.page = "map";
    delete document.body.dataset.mapReady;
    // Answers that arrive after the page was left must not touch the removed map.
    let gone = false;
    const { map, proj, renderer } = createMap(mapEl.current, ui, { dark: false });
    const county = new CountyLayers(map, proj, { dark: false });
    let fitted = false;
    let countyBounds = null;
    const fit = (b) => {
      if (b && b.isValid()) {
        map.fitBounds(b, { padding: [12, 12], animate: false });
        fitted = true;
      }
    };
    if (ui?.county?.geometry) {
      countyBounds = county.setBoundary(ui.county.geometry);
      fit(countyBounds);
    }
    if (!fitted) map.setView([35.5, 105], 6);
    county.setTownsVisible(true);

    // The side list follows the view; recomputed at most once per frame.
    let raf = 0;
    const refreshView = () => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        const l = ctl.current?.layer;
        if (!l) return;
        setView(l.inView(LIST_LIMIT));
        setShown(l.shownCount());
      });
    };
    const layer = new EntityLayer(map, proj, renderer, {
      dark: false,
      onView: refreshView,
      onUnknown: () => scheduleResync(),
    });
    const heatLayer = new HeatLayer(map, proj, { onState: setHeat });
    ctl.current = {
      map,
      layer,
      reload: () => loadEntities(),
      county,
      heat: heatLayer,
      fitBounds: () => fit(countyBounds || county.townBounds() || layer.bounds()),
    };
    window.__zc = { map, layer, entityCount: () => layer.count(), lastChange: null };

    let resyncTimer = null;
    let ready = false;
    const loadEntities = () =>
      api("/map/entities").then(
        (d) => {
          if (gone) return;
          layer.load(d);
          setPresent(layer.kindsPresent());
          setErr(null);
          setLoaded(true);
          if (!fitted) fit(layer.bounds());
          if (!ready) {
            ready = true;
            requestAnimationFrame(() => {
              if (gone) return;
              document.body.dataset.mapReady = "1";
              performance.mark("zc-map-ready");
            });
          }
        },
        (e) => {
          if (gone) return;
          setErr(e);
          setLoaded(true);
        }
      );
    const scheduleResync = () => {
      if (resyncTimer) return;
      resyncTimer = setTimeout(() => {
        resyncTimer = null;
        loadEntities();
      }, 30000);
    };
    loadEntities();

    api("/regions").then(
      (regions) => {
        if (gone) return;
        if (!countyBounds) {
          const g = countyGeometry(ui, regions);
          if (g) countyBounds = county.setBoundary(g);
          if (!fitted) fit(countyBounds);
        }
        county.setTowns(regions);
        if (!fitted) fit(county.townBounds());
      },
      (e) => !gone && setLayersErr(e)
    );
    api("/grids").then((g) => !gone && county.setGrids(g), (e) => !gone && setLayersErr(e));
    api("/kinds").then(
      (k) => {
        if (gone) return;
        setKinds(k);
        layer.setKinds(k);
      },
      (e) => !gone && setLayersErr(e)
    );
    api("/departments").then(
      (d) => {
        if (gone) return;
        setDepts(d);
        layer.setDepartments(d);
      },
      (e) => !gone && setLayersErr(e)
    );

    // Live: statuses change on the map; the list catches up every 2 s while reports arrive.
    let dirty = false;
    const offLive = live.on((batch) => {
      if (layer.applyChanges(batch)) dirty = true;
      if (batch.length && window.__zc) window.__zc.lastChange = { ...batch[batch.length - 1], received_ms: Date.now() };
    });
    const listTimer = setInterval(() => {
      if (dirty) {
        dirty = false;
        refreshView();
      }
    }, 2000);
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
      clearInterval(listTimer);
      clearTimeout(resyncTimer);
      cancelAnimationFrame(raf);
      heatLayer.destroy();
      layer.destroy();
      county.destroy();
      map.remove();
      ctl.current = null;
      if (window.__zc?.map === map) delete window.__zc;
      delete document.body.dataset.mapReady;
      if (document.body.dataset.page === "map") delete document.body.dataset.page;
    };
  }, []);

  // A new address (e.g. a link to #/map?kind=…) resets the filters.
  const qs = query ? query.toString() : "";
  useEffect(() => {
    const f = filtersFrom(query);
    setFilters((old) => (old.kind === f.kind && old.department === f.department && old.status === f.status ? old : f));
  }, [qs]);

  // Filters → the entity layer, the heat's kind, and the address.
  useEffect(() => {
    const c = ctl.current;
    if (!c) return;
    const { kind, department, status } = filters;
    const any = kind || department || status || hidden.size;
    c.layer.setFilter(
      any
        ? (r) =>
            (!kind || r.kind === kind) &&
            (!department || r.department === department) &&
            (!status || r.status === status) &&
            !hidden.has(r.kind)
        : null
    );
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    const h = "#/map" + (p.toString() ? "?" + p : "");
    if (location.hash !== h) history.replaceState(null, "", h);
  }, [filters, hidden]);

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
    const [kind, metric] = heatPick ? heatPick.split("|") : [filters.kind, ""];
    c.heat.setQuery({ kind, metric });
  }, [heatPick, filters.kind]);

  // Ages in the list stay current.
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), 15000);
    return () => clearInterval(id);
  }, []);

  // Only kinds this user has entities of (a department user sees its own) are offered.
  const kinds = useMemo(() => (present ? allKinds.filter((k) => present.has(k.id)) : allKinds), [allKinds, present]);
  const metrics = useMemo(() => numericMetrics(kinds), [kinds]);
  const kindName = useMemo(() => {
    const m = new Map(allKinds.map((k) => [k.id, nameOf(k)]));
    return (id) => m.get(id) || id;
  }, [allKinds]);
  const setF = (k, v) => setFilters((f) => ({ ...f, [k]: v }));
  const toggle = (k) => setShow((s) => ({ ...s, [k]: !s[k] }));
  const layer = ctl.current?.layer;
  const now = layer ? layer.now() : Date.now();

  const onSearchInput = (v) => {
    setQ(v);
    setSearchMsg("");
    setHits(layer && v.trim() ? searchRecs(layer.recs, v) : []);
  };
  const go = (rec) => {
    setHits([]);
    if (!layer) return;
    if (!rec.ll) {
      setSearchMsg(t("mappage.search.no_location", { name: rec.name || rec.id }));
      return;
    }
    setQ(rec.name || rec.id);
    layer.flyTo(rec.id);
  };
  const onSearch = (e) => {
    e.preventDefault();
    const found = layer ? searchRecs(layer.recs, q) : [];
    if (found.length) go(found[0]);
    else setSearchMsg(q.trim() ? t("mappage.search.none", { q: q.trim() }) : "");
  };

  return (
    <div class="mp">
      <h1 class="sr-only">{t("mappage.title")}</h1>
      <div class="mp-bar">
        <Field label={t("mappage.filter.kind")}>
          <select value={filters.kind} onChange={(e) => setF("kind", e.currentTarget.value)} name="kind">
            <option value="">{t("common.all")}</option>
            {kinds.map((k) => (
              <option value={k.id}>{nameOf(k)}</option>
            ))}
            {filters.kind && !kinds.some((k) => k.id === filters.kind) && (
              <option value={filters.kind}>{kindName(filters.kind)}</option>
            )}
          </select>
        </Field>
        {/* A department user sees only its own department's entities: no choice to offer. */}
        {me?.role !== "department" && (
          <Field label={t("mappage.filter.department")}>
            <select value={filters.department} onChange={(e) => setF("department", e.currentTarget.value)} name="department">
              <option value="">{t("common.all")}</option>
              {depts.map((d) => (
                <option value={d.id}>{nameOf(d)}</option>
              ))}
              {filters.department && !depts.some((d) => d.id === filters.department) && (
                <option value={filters.department}>{filters.department}</option>
              )}
            </select>
          </Field>
        )}
        <Field label={t("mappage.filter.status")}>
          <select value={filters.status} onChange={(e) => setF("status", e.currentTarget.value)} name="status">
            <option value="">{t("common.all")}</option>
            {STATUSES.map((s) => (
              <option value={s}>{statusLabel(s)}</option>
            ))}
          </select>
        </Field>
        <form class="mp-search" role="search" onSubmit={onSearch}>
          <div class="field">
            <label for="mp-q">{t("mappage.search.label")}</label>
            <div class="mp-search-row">
              <input
                id="mp-q"
                type="search"
                value={q}
                placeholder={t("mappage.search.placeholder")}
                onInput={(e) => onSearchInput(e.currentTarget.value)}
                onKeyDown={(e) => e.key === "Escape" && setHits([])}
                autocomplete="off"
                aria-controls={hits.length ? "mp-hits" : undefined}
              />
              <button type="submit">{t("common.search")}</button>
            </div>
          </div>
          {hits.length > 0 && (
            <ul class="mp-hits" id="mp-hits" aria-label={t("mappage.search.results")}>
              {hits.map((r) => (
                <li>
                  <button type="button" onClick={() => go(r)} data-entity={r.id}>
                    <i class="zc-dot" style={{ background: statusColor(r.status, false) }} />
                    <b>{r.name || r.id}</b> <small class="muted">{kindName(r.kind)}</small>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {searchMsg && (
            <p class="mp-search-msg" role="status">
              {searchMsg}
            </p>
          )}
        </form>
        <div class="mp-layers" role="group" aria-label={t("geo.layers")}>
          {["towns", "grids", "heat"].map((k) => (
            <label class="mp-check">
              <input type="checkbox" checked={show[k]} onChange={() => toggle(k)} data-layer={k} />
              {t("geo.layer." + k)}
            </label>
          ))}
          {show.heat && <HeatMetricSelect metrics={metrics} value={heatPick} onChange={setHeatPick} id="mp-heat-metric" />}
          <button type="button" onClick={() => ctl.current?.fitBounds()} aria-label={t("geo.fit.label")}>
            {t("geo.fit")}
          </button>
        </div>
      </div>
      {(err || layersErr) && (
        <div class="mp-err">
          <ErrorBox error={err || layersErr} />
          {err && (
            <button type="button" onClick={() => ctl.current?.reload()}>
              {t("common.refresh")}
            </button>
          )}
        </div>
      )}
      <div class="mp-body">
        <section class="mp-map-wrap" aria-label={t("mappage.map.label")}>
          <div class="mp-map" ref={mapEl} />
          {!loaded && (
            <p class="mp-map-msg" role="status">
              {t("geo.loading")}
            </p>
          )}
          <MapLegend
            kinds={kinds}
            allKinds={allKinds}
            hidden={hidden}
            dark={false}
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
        <aside class="mp-side" aria-labelledby="mp-side-h">
          <h2 id="mp-side-h">
            {t("mappage.inview.title")}
            <small class="muted" data-count={view.total}>
              {" "}
              {t("mappage.inview.count", { n: fmtNum(view.total), all: fmtNum(shown) })}
            </small>
          </h2>
          {view.total > view.items.length && (
            <p class="muted mp-more">{t("mappage.inview.first", { n: view.items.length })}</p>
          )}
          {loaded && !err && view.total === 0 && <p class="muted">{t("mappage.inview.none")}</p>}
          <ol class="mp-list">
            {view.items.map((r) => (
              <li key={r.id} data-entity={r.id}>
                <button type="button" class="mp-item" onClick={() => go(r)} title={t("mappage.inview.fly")}>
                  <i class="zc-dot" style={{ background: statusColor(r.status, false) }} aria-hidden="true" />
                  <span class="mp-item-name">{r.name || r.id}</span>
                  <small class="muted">
                    {kindName(r.kind)} · {statusLabel(r.status)} · {r.last_ts ? fmtAge(r.last_ts, now) : t("age.never")}
                  </small>
                </button>
                <a href={"#/entities/" + encodeURIComponent(r.id)} aria-label={t("mappage.inview.open", { name: r.name || r.id })}>
                  ›
                </a>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </div>
  );
}
