// Kinds: the schema of each sort of entity — its attributes and its metrics.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { nameOf, t } from "../../i18n.js";
import { CrudSection } from "../../components/crud.jsx";
import { Field, FormButtons, FormError, IDENT_PATTERN, useAction } from "../../components/form.jsx";
import { invalidateRefs } from "../../components/refs.js";

const ATTR_TYPES = ["text", "number", "integer", "boolean"];
const METRIC_TYPES = ["number", "integer", "boolean"];

export function KindsAdmin() {
  return (
    <CrudSection
      title={t("c.admin.kinds")}
      tableLabel={t("c.kind.table")}
      load={() => api("/kinds").then((ks) => ks.sort((a, b) => a.id.localeCompare(b.id)))}
      rowKey={(k) => k.id}
      rowProps={(k) => ({ "data-id": k.id })}
      itemName={(k) => nameOf(k)}
      columns={[
        { key: "id", title: t("c.kind.id"), sort: (k) => k.id, render: (k) => <code>{k.id}</code> },
        { key: "name", title: t("c.kind.name"), sort: (k) => nameOf(k), render: (k) => nameOf(k) },
        { key: "attributes", title: t("c.kind.attributes"), sort: (k) => k.attributes.length, render: (k) => k.attributes.length },
        {
          key: "metrics", class: "wrap",
          title: t("c.kind.metrics"),
          sort: (k) => k.metrics.length,
          render: (k) => (
            <span title={k.metrics.map((m) => m.name).join(", ")}>
              {k.metrics.length ? k.metrics.map((m) => m.name).join(", ") : "—"}
            </span>
          ),
        },
        {
          key: "retention",
          title: t("c.kind.retention"),
          sort: (k) => k.retention_days,
          render: (k) => (k.retention_days ? t("c.kind.days", { n: k.retention_days }) : t("c.kind.retention_default")),
        },
      ]}
      createLabel={t("c.kind.new")}
      wideForm
      renderForm={({ item, onDone, onCancel }) => <KindForm item={item} onDone={onDone} onCancel={onCancel} />}
      deleteItem={(k) => api(`/kinds/${encodeURIComponent(k.id)}`, { method: "DELETE" })}
      onChanged={invalidateRefs}
    />
  );
}

const blankAttr = () => ({ name: "", label: "", unit: "", type: "text", required: false });
const blankMetric = () => ({ name: "", label: "", unit: "", type: "number" });

function KindForm({ item, onDone, onCancel }) {
  const [f, setF] = useState({
    id: item?.id || "",
    name: item?.name || "",
    name_en: item?.name_en || "",
    retention: item?.retention_days ? String(item.retention_days) : "",
  });
  const [attrs, setAttrs] = useState(() => (item?.attributes || []).map((a) => ({ ...blankAttr(), ...a, label: a.label || "", unit: a.unit || "" })));
  const [metrics, setMetrics] = useState(() => (item?.metrics || []).map((m) => ({ ...blankMetric(), ...m, label: m.label || "", unit: m.unit || "" })));
  const { busy, error, run } = useAction();
  const set = (k) => (e) => {
    const v = e.currentTarget.value;
    setF((x) => ({ ...x, [k]: v }));
  };

  async function submit(ev) {
    ev.preventDefault();
    const clean = (row, withRequired) => {
      const o = { name: row.name.trim(), type: row.type };
      if (row.label.trim()) o.label = row.label.trim();
      if (row.unit.trim()) o.unit = row.unit.trim();
      if (withRequired) o.required = !!row.required;
      return o;
    };
    const body = {
      id: f.id.trim(),
      name: f.name.trim(),
      attributes: attrs.map((a) => clean(a, true)),
      metrics: metrics.map((m) => clean(m, false)),
    };
    if (f.name_en.trim()) body.name_en = f.name_en.trim();
    if (f.retention) body.retention_days = Number(f.retention);
    const r = await run(() =>
      item ? api(`/kinds/${encodeURIComponent(item.id)}`, { method: "PUT", body }) : api("/kinds", { method: "POST", body })
    );
    if (r.ok) onDone();
  }

  return (
    <form class="form" onSubmit={submit}>
      <div class="form-grid">
        <Field label={t("c.kind.id")} required hint={item ? undefined : t("c.ident.hint")}>
          <input name="id" value={f.id} onInput={set("id")} required pattern={IDENT_PATTERN} readOnly={!!item} />
        </Field>
        <Field label={t("c.kind.name")} required>
          <input name="name" value={f.name} onInput={set("name")} required maxLength={200} />
        </Field>
        <Field label={t("c.kind.name_en")}>
          <input name="name_en" value={f.name_en} onInput={set("name_en")} />
        </Field>
        <Field label={t("c.kind.retention_days")} hint={t("c.kind.retention_hint")}>
          <input name="retention_days" type="number" min="1" step="1" value={f.retention} onInput={set("retention")} />
        </Field>
      </div>
      <RowsEditor
        legend={t("c.kind.attributes")}
        what={t("c.kind.attribute")}
        addLabel={t("c.kind.add_attribute")}
        rows={attrs}
        setRows={setAttrs}
        blank={blankAttr}
        types={ATTR_TYPES}
        withRequired
      />
      <RowsEditor legend={t("c.kind.metrics")} what={t("c.kind.metric")} addLabel={t("c.kind.add_metric")} rows={metrics} setRows={setMetrics} blank={blankMetric} types={METRIC_TYPES} />
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** Editable rows of name / label / unit / type (/ required), with add and remove. */
function RowsEditor({ legend, what, addLabel, rows, setRows, blank, types, withRequired }) {
  const update = (i, k, v) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const n = (i) => ({ what, n: i + 1 });
  return (
    <fieldset class="form-group rows-editor">
      <legend>{legend}</legend>
      {rows.length === 0 ? (
        <p class="muted small">{t("c.kind.no_rows")}</p>
      ) : (
        // Column titles for sighted users; each control carries its own full name.
        <div class={"def-row def-head" + (withRequired ? "" : " no-req")} aria-hidden="true">
          <span>{t("c.kind.col_name")}</span>
          <span>{t("c.kind.col_label")}</span>
          <span>{t("c.kind.col_unit")}</span>
          <span>{t("c.kind.col_type")}</span>
          {withRequired && <span />}
          <span />
        </div>
      )}
      {rows.map((r, i) => (
        <div class={"def-row" + (withRequired ? "" : " no-req")} key={i}>
          <input
            aria-label={t("c.kind.row_name", n(i))}
            placeholder={t("c.kind.col_name")}
            value={r.name}
            onInput={(e) => update(i, "name", e.currentTarget.value)}
            required
            pattern={IDENT_PATTERN}
          />
          <input aria-label={t("c.kind.row_label", n(i))} placeholder={t("c.kind.col_label")} value={r.label} onInput={(e) => update(i, "label", e.currentTarget.value)} />
          <input aria-label={t("c.kind.row_unit", n(i))} placeholder={t("c.kind.col_unit")} value={r.unit} onInput={(e) => update(i, "unit", e.currentTarget.value)} class="narrow" />
          <select aria-label={t("c.kind.row_type", n(i))} value={r.type} onChange={(e) => update(i, "type", e.currentTarget.value)}>
            {types.map((ty) => (
              <option value={ty} key={ty}>
                {t("c.type." + ty)}
              </option>
            ))}
          </select>
          {withRequired && (
            <label class="check">
              <input type="checkbox" aria-label={t("c.kind.row_required", n(i))} checked={r.required} onChange={(e) => update(i, "required", e.currentTarget.checked)} />
              {t("c.kind.col_required")}
            </label>
          )}
          <button type="button" class="danger" aria-label={t("c.kind.row_remove", n(i))} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
            {t("c.kind.remove")}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => setRows((rs) => [...rs, blank()])}>
        {addLabel}
      </button>
    </fieldset>
  );
}
