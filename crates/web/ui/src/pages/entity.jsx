// #/entities/<id>[/<tab>]: one entity — live state, map and attributes; history; device
// tokens and editing for those who may change it; deleting with a confirmation.
import { useState } from "preact/hooks";
import "./console.css";
import { api } from "../api.js";
import { fmtTime, t } from "../i18n.js";
import { canWriteDepartment } from "../session.js";
import { href, navigate } from "../shell.jsx";
import { Loading, useAsync } from "../ui.jsx";
import { ConfirmDialog } from "../components/dialog.jsx";
import { EntityForm } from "../components/entity-form.jsx";
import { FormError } from "../components/form.jsx";
import { HistoryPanel } from "../components/history-chart.jsx";
import { defLabel, fmtValue, LifecycleBadge, LiveStatusBadge, refName } from "../components/labels.jsx";
import { lastReport, LiveStateCards, useEntityState } from "../components/live-state.jsx";
import { useNow } from "../components/livestatus.js";
import { MiniMap } from "../components/mini-map.jsx";
import { useRefs } from "../components/refs.js";
import { DeviceTokens } from "../components/tokens.jsx";

export function EntityPage({ me, ui, id, tab }) {
  const { refs, error: refsError } = useRefs();
  const ent = useAsync(() => api(`/entities/${encodeURIComponent(id)}`), [id]);
  const state = useEntityState(id);
  const now = useNow(5000);
  const [confirm, setConfirm] = useState(false);
  const [saved, setSaved] = useState(false);

  if (ent.error || refsError) {
    return (
      <section class="console-page">
        <p>
          <a href="#/entities">← {t("c.entities.back")}</a>
        </p>
        <FormError error={ent.error || refsError} />
      </section>
    );
  }
  const e = ent.data;
  if (!e || !refs) return <Loading />;
  const kind = refs.kind.get(e.kind);
  const writable = canWriteDepartment(me, e.department);
  const tabs = [
    ["overview", t("c.entity.tab_overview")],
    ["history", t("c.entity.tab_history")],
    ...(writable
      ? [
          ["tokens", t("c.entity.tab_tokens")],
          ["edit", t("c.entity.tab_edit")],
        ]
      : []),
  ];
  const current = tabs.some(([k]) => k === tab) ? tab : "overview";
  const last = lastReport(state.values);
  const liveStatus =
    e.status !== "active"
      ? e.status
      : !last
        ? "silent"
        : now - last <= (ui?.offline_after_ms || 300000)
          ? "online"
          : "offline";

  return (
    <section class="console-page entity-page" aria-labelledby="entity-title">
      <p class="crumbs">
        <a href="#/entities">← {t("c.entities.back")}</a>
      </p>
      <div class="page-head">
        <div>
          <h1 id="entity-title">{e.name}</h1>
          <p class="entity-meta">
            <span class="badge kind">{refName(refs.kind, e.kind)}</span>
            <LifecycleBadge status={e.status} />
            <LiveStatusBadge status={liveStatus} />
            <code class="muted">{e.id}</code>
          </p>
        </div>
        {writable && (
          <button type="button" class="danger" id="delete-entity" onClick={() => setConfirm(true)}>
            {t("c.entity.delete")}
          </button>
        )}
      </div>
      <nav class="tabs" aria-label={t("c.entity.sections")}>
        {tabs.map(([k, label]) => (
          <a href={href("entities", e.id, k)} aria-current={k === current ? "page" : undefined} key={k}>
            {label}
          </a>
        ))}
      </nav>

      {current === "overview" && (
        <div class="overview-grid">
          <section class="panel state-panel" aria-labelledby="state-title">
            <h2 id="state-title">{t("c.state.title")}</h2>
            <FormError error={state.error} />
            {!state.values && !state.error ? <Loading /> : <LiveStateCards kind={kind} values={state.values} now={now} />}
          </section>
          <section class="panel map-panel" aria-labelledby="where-title">
            <h2 id="where-title">{t("c.entity.where")}</h2>
            {e.geometry ? (
              <MiniMap ui={ui} geometry={e.geometry} region={refs.region.get(e.region)?.geometry} label={t("c.entity.map_label", { name: e.name })} />
            ) : (
              <p class="muted">{t("c.entity.no_location")}</p>
            )}
          </section>
          <section class="panel attrs-panel" aria-labelledby="attrs-title">
            <h2 id="attrs-title">{t("c.entity.attributes")}</h2>
            <Attributes e={e} kind={kind} refs={refs} />
          </section>
        </div>
      )}
      {current === "history" && <HistoryPanel entity={e} kind={kind} key={e.id} />}
      {current === "tokens" && writable && <DeviceTokens entityId={e.id} />}
      {current === "edit" && writable && (
        <section class="panel" aria-labelledby="edit-title">
          <h2 id="edit-title">{t("c.entity.edit")}</h2>
          {saved && (
            <p class="ok" role="status">
              {t("common.saved")}
            </p>
          )}
          <EntityForm
            key={e.updated_ms}
            me={me}
            refs={refs}
            entity={e}
            onSubmit={async (body) => {
              setSaved(false);
              await api(`/entities/${encodeURIComponent(e.id)}`, { method: "PUT", body });
              setSaved(true);
              ent.reload();
            }}
          />
        </section>
      )}
      {confirm && (
        <ConfirmDialog
          title={t("c.entity.delete")}
          message={t("c.entity.delete_confirm", { name: e.name, id: e.id })}
          confirmLabel={t("c.confirm.delete")}
          onConfirm={() => api(`/entities/${encodeURIComponent(e.id)}`, { method: "DELETE" })}
          onClose={() => setConfirm(false)}
          onDone={() => navigate("#/entities")}
        />
      )}
    </section>
  );
}

/** The kind's attributes (with labels and units), then the registry facts. */
function Attributes({ e, kind, refs }) {
  const defs = [...(kind?.attributes || [])];
  for (const k of Object.keys(e.attributes || {})) {
    if (!defs.some((d) => d.name === k)) defs.push({ name: k, type: "text" });
  }
  const pt = e.geometry?.type === "Point" ? e.geometry.coordinates : null;
  return (
    <dl class="attrs">
      {defs.map((d) => (
        <div key={d.name}>
          <dt title={d.label || d.name}>{defLabel(d)}</dt>
          <dd data-attr={d.name}>
            {fmtValue(e.attributes?.[d.name], d.type)}
            {d.unit && e.attributes?.[d.name] !== undefined ? ` ${d.unit}` : ""}
          </dd>
        </div>
      ))}
      <div>
        <dt>{t("c.entity.department")}</dt>
        <dd>{refName(refs.dept, e.department)}</dd>
      </div>
      <div>
        <dt>{t("c.entity.region")}</dt>
        <dd>
          {refName(refs.region, e.region)} <span class="muted">({e.region})</span>
        </dd>
      </div>
      {pt && (
        <div>
          <dt>{t("c.entity.lonlat")}</dt>
          <dd>
            {pt[0].toFixed(6)}, {pt[1].toFixed(6)}
          </dd>
        </div>
      )}
      {e.geometry && !pt && (
        <div>
          <dt>{t("c.entity.geometry")}</dt>
          <dd>{e.geometry.type}</dd>
        </div>
      )}
      <div>
        <dt>{t("c.entity.created")}</dt>
        <dd>{fmtTime(e.created_ms)}</dd>
      </div>
      <div>
        <dt>{t("c.entity.updated")}</dt>
        <dd>{fmtTime(e.updated_ms)}</dd>
      </div>
    </dl>
  );
}
