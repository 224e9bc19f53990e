// Departments: the units that own entities.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { nameOf, t } from "../../i18n.js";
import { CrudSection } from "../../components/crud.jsx";
import { regionOptions } from "../../components/entity-form.jsx";
import { Field, FormButtons, FormError, IDENT_PATTERN, Select, useAction } from "../../components/form.jsx";
import { refName } from "../../components/labels.jsx";
import { invalidateRefs, useRefs } from "../../components/refs.js";

export function DepartmentsAdmin() {
  const { refs } = useRefs();
  return (
    <CrudSection
      title={t("c.admin.departments")}
      tableLabel={t("c.dept.table")}
      load={() => api("/departments")}
      rowKey={(d) => d.id}
      rowProps={(d) => ({ "data-id": d.id })}
      itemName={(d) => nameOf(d)}
      columns={[
        { key: "id", title: t("c.dept.id"), sort: (d) => d.id, render: (d) => <code>{d.id}</code> },
        { key: "name", title: t("c.dept.name"), sort: (d) => d.name, render: (d) => d.name },
        { key: "name_en", class: "wrap", title: t("c.dept.name_en"), sort: (d) => d.name_en, render: (d) => d.name_en || "—" },
        { key: "region", title: t("c.dept.region"), sort: (d) => d.region, render: (d) => (d.region ? refName(refs?.region, d.region) : "—") },
      ]}
      createLabel={t("c.dept.new")}
      renderForm={({ item, onDone, onCancel }) => <DepartmentForm item={item} refs={refs} onDone={onDone} onCancel={onCancel} />}
      deleteItem={(d) => api(`/departments/${encodeURIComponent(d.id)}`, { method: "DELETE" })}
      onChanged={invalidateRefs}
    />
  );
}

function DepartmentForm({ item, refs, onDone, onCancel }) {
  const [f, setF] = useState({ id: item?.id || "", name: item?.name || "", name_en: item?.name_en || "", region: item?.region || "" });
  const { busy, error, run } = useAction();
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  async function submit(ev) {
    ev.preventDefault();
    const body = { id: f.id.trim(), name: f.name.trim() };
    if (f.name_en.trim()) body.name_en = f.name_en.trim();
    if (f.region) body.region = f.region;
    const r = await run(() =>
      item
        ? api(`/departments/${encodeURIComponent(item.id)}`, { method: "PUT", body })
        : api("/departments", { method: "POST", body })
    );
    if (r.ok) onDone();
  }
  return (
    <form class="form" onSubmit={submit}>
      <Field label={t("c.dept.id")} required hint={item ? undefined : t("c.ident.hint")}>
        <input name="id" value={f.id} onInput={(e) => set("id")(e.currentTarget.value)} required pattern={IDENT_PATTERN} readOnly={!!item} />
      </Field>
      <Field label={t("c.dept.name")} required>
        <input name="name" value={f.name} onInput={(e) => set("name")(e.currentTarget.value)} required maxLength={200} />
      </Field>
      <Field label={t("c.dept.name_en")}>
        <input name="name_en" value={f.name_en} onInput={(e) => set("name_en")(e.currentTarget.value)} />
      </Field>
      <Field label={t("c.dept.region")}>
        <Select name="region" value={f.region} onChange={set("region")} empty={t("c.unset")} options={regionOptions(refs?.regions || [])} />
      </Field>
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} />
    </form>
  );
}
