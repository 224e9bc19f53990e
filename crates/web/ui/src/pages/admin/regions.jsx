// Regions (administrative divisions). Codes follow GB/T 2260: 6 digits county, 9 town/street,
// 12 village/community; the level comes from the code. Boundaries come in by import.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { nameOf, t } from "../../i18n.js";
import { CrudSection } from "../../components/crud.jsx";
import { regionOptions } from "../../components/entity-form.jsx";
import { Field, FormButtons, FormError, Select, useAction } from "../../components/form.jsx";
import { refName } from "../../components/labels.jsx";
import { invalidateRefs, useRefs } from "../../components/refs.js";

export function RegionsAdmin() {
  const { refs } = useRefs();
  return (
    <CrudSection
      title={t("c.admin.regions")}
      intro={t("c.region.intro")}
      tableLabel={t("c.region.table")}
      load={() => api("/regions").then((rs) => rs.sort((a, b) => a.code.localeCompare(b.code)))}
      rowKey={(r) => r.code}
      rowProps={(r) => ({ "data-id": r.code })}
      itemName={(r) => nameOf(r)}
      columns={[
        { key: "code", title: t("c.region.code"), sort: (r) => r.code, render: (r) => <code>{r.code}</code> },
        { key: "name", title: t("c.region.name"), sort: (r) => r.name, render: (r) => r.name },
        { key: "name_en", title: t("c.region.name_en"), sort: (r) => r.name_en, render: (r) => r.name_en || "—" },
        { key: "level", title: t("c.region.level"), sort: (r) => r.code.length, render: (r) => t("c.level." + r.level) },
        { key: "parent", title: t("c.region.parent"), sort: (r) => r.parent, render: (r) => (r.parent ? refName(refs?.region, r.parent) : "—") },
        {
          key: "geometry",
          title: t("c.region.boundary"),
          sort: (r) => (r.geometry ? 1 : 0),
          render: (r) => (r.geometry ? t("c.yes") : <span class="muted">{t("c.no")}</span>),
        },
      ]}
      createLabel={t("c.region.new")}
      renderForm={({ item, onDone, onCancel }) => <RegionForm item={item} refs={refs} onDone={onDone} onCancel={onCancel} />}
      deleteItem={(r) => api(`/regions/${encodeURIComponent(r.code)}`, { method: "DELETE" })}
      onChanged={invalidateRefs}
    />
  );
}

function RegionForm({ item, refs, onDone, onCancel }) {
  const [f, setF] = useState({ code: item?.code || "", name: item?.name || "", name_en: item?.name_en || "", parent: item?.parent || "" });
  const { busy, error, run } = useAction();
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  // A parent is a shorter code that is a prefix of this one.
  const parents = (refs?.regions || []).filter((r) => r.code.length < f.code.length && f.code.startsWith(r.code));
  async function submit(ev) {
    ev.preventDefault();
    const r = await run(async () => {
      // The boundary is not edited here: keep the stored one.
      const old = item ? await api(`/regions/${encodeURIComponent(item.code)}`) : null;
      const body = { code: f.code.trim(), name: f.name.trim() };
      if (f.name_en.trim()) body.name_en = f.name_en.trim();
      if (f.parent) body.parent = f.parent;
      if (old?.geometry) body.geometry = old.geometry;
      return item
        ? api(`/regions/${encodeURIComponent(item.code)}`, { method: "PUT", body })
        : api("/regions", { method: "POST", body });
    });
    if (r.ok) onDone();
  }
  return (
    <form class="form" onSubmit={submit}>
      <Field label={t("c.region.code")} required hint={item ? undefined : t("c.region.code_hint")}>
        <input
          name="code"
          value={f.code}
          onInput={(e) => set("code")(e.currentTarget.value)}
          required
          pattern="\d{6}|\d{9}|\d{12}"
          inputMode="numeric"
          readOnly={!!item}
        />
      </Field>
      <Field label={t("c.region.name")} required>
        <input name="name" value={f.name} onInput={(e) => set("name")(e.currentTarget.value)} required maxLength={200} />
      </Field>
      <Field label={t("c.region.name_en")}>
        <input name="name_en" value={f.name_en} onInput={(e) => set("name_en")(e.currentTarget.value)} />
      </Field>
      <Field label={t("c.region.parent")} hint={t("c.region.parent_hint")}>
        <Select name="parent" value={f.parent} onChange={set("parent")} empty={t("c.region.parent_auto")} options={regionOptions(parents)} />
      </Field>
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} />
    </form>
  );
}
