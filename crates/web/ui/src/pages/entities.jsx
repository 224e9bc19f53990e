// #/entities: the entity list with filters (kind, department, region, text) kept in the hash
// query, cursor paging, and each entity's live status from map/entities + the live stream.
import { useEffect, useRef, useState } from "preact/hooks";
import "./console.css";
import { api } from "../api.js";
import { fmtAge, fmtTime, nameOf, t } from "../i18n.js";
import { canWriteEntities } from "../session.js";
import { href, navigate, hashFilters } from "../shell.jsx";
import { ErrorBox, Loading } from "../ui.jsx";
import { Modal } from "../components/dialog.jsx";
import { EntityForm, regionOptions } from "../components/entity-form.jsx";
import { Field, FormError, Select } from "../components/form.jsx";
import { LifecycleBadge, LiveStatusBadge, refName } from "../components/labels.jsx";
import { useLiveStatus } from "../components/livestatus.js";
import { useRefs } from "../components/refs.js";
import { DataTable, LoadMore } from "../components/table.jsx";

const PAGE = 100;
const FILTERS = ["kind", "department", "region", "q"];

const { read: filtersOf, write: setFilters } = hashFilters("#/entities", FILTERS);

export function EntitiesPage({ me, ui, query }) {
  const { refs, error: refsError } = useRefs();
  const filters = filtersOf(query);
  const fkey = JSON.stringify(filters);
  const [list, setList] = useState({ items: [], next: null, loading: true, error: null });
  const [creating, setCreating] = useState(false);
  const liveSt = useLiveStatus();
  const seq = useRef(0); // answers to superseded requests (filters changed meanwhile) are dropped

  async function fetchPage(cursor) {
    const n = ++seq.current;
    setList((l) => ({ ...l, loading: true, error: null }));
    try {
      const r = await api("/entities", { query: { ...filters, cursor, limit: PAGE } });
      if (n !== seq.current) return;
      setList((l) => ({
        items: cursor ? [...l.items, ...r.items] : r.items,
        next: r.next_cursor || null,
        loading: false,
        error: null,
      }));
    } catch (error) {
      if (n === seq.current) setList((l) => ({ ...l, loading: false, error }));
    }
  }
  useEffect(() => {
    setList({ items: [], next: null, loading: true, error: null });
    fetchPage(null);
  }, [fkey]);

  return (
    <section class="console-page" aria-labelledby="entities-title">
      <div class="page-head">
        <h1 id="entities-title">{t("c.entities.title")}</h1>
        {canWriteEntities(me) && refs && (
          <button type="button" class="primary" id="new-entity" onClick={() => setCreating(true)}>
            {t("c.entities.new")}
          </button>
        )}
      </div>
      <ErrorBox error={refsError} />
      {refs && <Filters me={me} refs={refs} filters={filters} />}
      <FormError error={list.error} />
      {liveSt.error && <p class="muted small">{t("c.entities.live_unavailable")}</p>}
      {refs && (
        <EntityTable items={list.items} refs={refs} liveSt={liveSt} loading={list.loading} />
      )}
      {list.loading && list.items.length === 0 ? (
        <Loading />
      ) : (
        <LoadMore count={list.items.length} hasMore={!!list.next} busy={list.loading} onMore={() => fetchPage(list.next)} />
      )}
      {creating && (
        <Modal title={t("c.entities.new")} onClose={() => setCreating(false)} wide>
          <EntityForm
            me={me}
            refs={refs}
            entity={null}
            saveLabel={t("c.entity.create")}
            onCancel={() => setCreating(false)}
            onSubmit={async (e) => {
              const saved = await api("/entities", { method: "POST", body: e });
              setCreating(false);
              navigate(href("entities", saved.id));
            }}
          />
        </Modal>
      )}
    </section>
  );
}

function Filters({ me, refs, filters }) {
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const change = (k) => (v) => setFilters({ ...filters, [k]: v });
  const any = FILTERS.some((k) => filters[k]);
  return (
    <form
      class="filters"
      role="search"
      aria-label={t("c.entities.filters")}
      onSubmit={(e) => {
        e.preventDefault();
        setFilters({ ...filters, q: q.trim() });
      }}
    >
      <Field label={t("c.entity.kind")}>
        <Select
          name="kind"
          value={filters.kind}
          onChange={change("kind")}
          empty={t("common.all")}
          options={refs.kinds.map((k) => [k.id, nameOf(k)])}
        />
      </Field>
      {me.role !== "department" && (
        <Field label={t("c.entity.department")}>
          <Select
            name="department"
            value={filters.department}
            onChange={change("department")}
            empty={t("common.all")}
            options={refs.departments.map((d) => [d.id, nameOf(d)])}
          />
        </Field>
      )}
      <Field label={t("c.entity.region")}>
        <Select name="region" value={filters.region} onChange={change("region")} empty={t("common.all")} options={regionOptions(refs.regions)} />
      </Field>
      <Field label={t("c.entities.q")} class="grow">
        <input type="search" name="q" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder={t("c.entities.q_hint")} />
      </Field>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          {t("common.search")}
        </button>
        {any && (
          <button type="button" onClick={() => setFilters({})}>
            {t("c.filters.clear")}
          </button>
        )}
      </div>
    </form>
  );
}

function EntityTable({ items, refs, liveSt, loading }) {
  const live = (e) => liveSt.get(e.id);
  const columns = [
    {
      key: "name",
      title: t("c.entity.name"),
      sort: (e) => e.name,
      render: (e) => <a href={href("entities", e.id)}>{e.name}</a>,
    },
    { key: "id", title: t("c.entity.id"), sort: (e) => e.id, render: (e) => <code>{e.id}</code> },
    { key: "kind", title: t("c.entity.kind"), sort: (e) => refName(refs.kind, e.kind), render: (e) => refName(refs.kind, e.kind) },
    {
      key: "department",
      title: t("c.entity.department"),
      sort: (e) => refName(refs.dept, e.department),
      render: (e) => refName(refs.dept, e.department),
    },
    { key: "region", title: t("c.entity.region"), sort: (e) => refName(refs.region, e.region), render: (e) => refName(refs.region, e.region) },
    { key: "status", title: t("c.entity.status"), sort: (e) => e.status, render: (e) => <LifecycleBadge status={e.status} /> },
    {
      key: "live",
      title: t("c.entity.live"),
      sort: (e) => live(e)?.status,
      render: (e) => <LiveStatusBadge status={live(e)?.status} />,
    },
    {
      key: "last",
      title: t("c.entity.last_report"),
      sort: (e) => -(live(e)?.last_ts || 0),
      render: (e) => {
        const ts = live(e)?.last_ts;
        if (!liveSt.ready && !ts) return <span class="muted">—</span>;
        return (
          <time dateTime={ts ? new Date(ts).toISOString() : undefined} title={ts ? fmtTime(ts) : undefined}>
            {fmtAge(ts, liveSt.now)}
          </time>
        );
      },
    },
  ];
  return (
    <DataTable
      label={t("c.entities.table")}
      columns={columns}
      rows={items}
      rowKey={(e) => e.id}
      rowProps={(e) => ({ "data-id": e.id })}
      empty={loading ? t("common.loading") : t("c.entities.none")}
    />
  );
}
