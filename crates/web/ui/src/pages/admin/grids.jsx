// Governance grids (网格): name and owning departments are edited here; boundaries come in by
// import.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { getLang, nameOf, t } from "../../i18n.js";
import { CrudSection } from "../../components/crud.jsx";
import { FormButtons, FormError, Field, useAction } from "../../components/form.jsx";
import { refName } from "../../components/labels.jsx";
import { useRefs } from "../../components/refs.js";

export function GridsAdmin() {
  const { refs } = useRefs();
  return (
    <CrudSection
      title={t("c.admin.grids")}
      intro={t("c.grid.intro")}
      tableLabel={t("c.grid.table")}
      load={() => api("/grids").then((gs) => gs.sort((a, b) => a.id.localeCompare(b.id)))}
      rowKey={(g) => g.id}
      rowProps={(g) => ({ "data-id": g.id })}
      itemName={(g) => g.name}
      columns={[
        { key: "id", title: t("c.grid.id"), sort: (g) => g.id, render: (g) => <code>{g.id}</code> },
        { key: "name", title: t("c.grid.name"), sort: (g) => g.name, render: (g) => g.name },
        { key: "region", title: t("c.grid.region"), sort: (g) => g.region, render: (g) => refName(refs?.region, g.region) },
        {
          key: "departments", class: "wrap",
          title: t("c.grid.departments"),
          render: (g) => (g.departments?.length ? g.departments.map((d) => refName(refs?.dept, d)).join(getLang() === "zh" ? "、" : ", ") : "—"),
        },
      ]}
      renderForm={({ item, onDone, onCancel }) => <GridForm item={item} refs={refs} onDone={onDone} onCancel={onCancel} />}
      deleteItem={(g) => api(`/grids/${encodeURIComponent(g.id)}`, { method: "DELETE" })}
    />
  );
}

function GridForm({ item, refs, onDone, onCancel }) {
  const [name, setName] = useState(item.name);
  const [depts, setDepts] = useState(() => new Set(item.departments || []));
  const { busy, error, run } = useAction();
  const toggle = (id) =>
    setDepts((s) => {
      const n = new Set(s);
      n.has(id) ? n.delete(id) : n.add(id);
      return n;
    });
  async function submit(ev) {
    ev.preventDefault();
    // Keep the departments' order as listed; the geometry and region stay as they are.
    const all = refs?.departments.map((d) => d.id) || [];
    const departments = [...all.filter((d) => depts.has(d)), ...[...depts].filter((d) => !all.includes(d))];
    const body = { ...item, name: name.trim(), departments };
    const r = await run(() => api(`/grids/${encodeURIComponent(item.id)}`, { method: "PUT", body }));
    if (r.ok) onDone();
  }
  return (
    <form class="form" onSubmit={submit}>
      <p class="muted">
        <code>{item.id}</code> · {refName(refs?.region, item.region)}
      </p>
      <Field label={t("c.grid.name")} required>
        <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} />
      </Field>
      <fieldset class="form-group checks">
        <legend>{t("c.grid.departments")}</legend>
        {(refs?.departments || []).map((d) => (
          <label class="check" key={d.id}>
            <input type="checkbox" checked={depts.has(d.id)} onChange={() => toggle(d.id)} />
            {nameOf(d)}
          </label>
        ))}
      </fieldset>
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} />
    </form>
  );
}
