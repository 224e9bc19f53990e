// The entity form, for creating (POST entities) and editing (PUT entities/<id>). Attributes
// follow the chosen kind's definitions and are converted to their declared types here, since
// the server refuses a number given as text.
import { useState } from "preact/hooks";
import { nameOf, t } from "../i18n.js";
import { Field, FormButtons, FormError, IDENT_PATTERN, Select, useAction } from "./form.jsx";
import { defLabel, LIFECYCLE } from "./labels.jsx";

/** Options of a region <select>, indented by level (county, town, village). */
export function regionOptions(regions) {
  const pad = { county: "", town: "\u3000", village: "\u3000\u3000" };
  return regions.map((r) => [r.code, `${pad[r.level] ?? ""}${nameOf(r)} (${r.code})`]);
}

function initialState(e, me) {
  const pt = e?.geometry?.type === "Point" ? e.geometry.coordinates : null;
  const attrs = {};
  for (const [k, v] of Object.entries(e?.attributes || {})) attrs[k] = v === null ? "" : String(v);
  return {
    id: e?.id || "",
    kind: e?.kind || "",
    name: e?.name || "",
    department: e?.department || (me.role === "department" ? me.department : ""),
    region: e?.region || "",
    lon: pt ? String(pt[0]) : "",
    lat: pt ? String(pt[1]) : "",
    status: e?.status || "active",
    attrs,
  };
}

/** Converts the form's text to the attribute's type; throws a translated message. */
function convert(def, s) {
  const label = defLabel(def);
  switch (def.type) {
    case "number": {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new Error(t("c.entity.err_number", { label }));
      return n;
    }
    case "integer": {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new Error(t("c.entity.err_integer", { label }));
      return n;
    }
    case "boolean":
      return s === "true";
    default:
      return s;
  }
}

/**
 * props: me, refs (useRefs), entity (null to create), onSubmit(entity) → promise,
 * onCancel, saveLabel.
 */
export function EntityForm({ me, refs, entity, onSubmit, onCancel, saveLabel }) {
  const [f, setF] = useState(() => initialState(entity, me));
  const { busy, error, setError, run } = useAction();
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  const kind = refs.kind.get(f.kind);
  const editing = !!entity;
  const fixedDept = me.role === "department";
  // Lines and polygons are not edited here; the form keeps them as they are.
  const shape = entity?.geometry && entity.geometry.type !== "Point" ? entity.geometry : null;

  async function submit(ev) {
    ev.preventDefault();
    let body;
    try {
      body = build();
    } catch (e) {
      setError(e);
      return;
    }
    await run(() => onSubmit(body));
  }

  function build() {
    const attributes = {};
    for (const def of kind?.attributes || []) {
      const s = (f.attrs[def.name] ?? "").trim();
      if (s !== "") attributes[def.name] = convert(def, s);
    }
    let geometry = shape;
    if (!shape) {
      const lo = f.lon.trim();
      const la = f.lat.trim();
      if (lo || la) {
        const x = Number(lo);
        const y = Number(la);
        if (!lo || !la || !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) {
          throw new Error(t("c.entity.err_point"));
        }
        geometry = { type: "Point", coordinates: [x, y] };
      } else geometry = null;
    }
    const e = {
      id: f.id.trim(),
      kind: f.kind,
      name: f.name.trim(),
      department: fixedDept ? me.department : f.department,
      region: f.region,
      status: f.status,
      attributes,
    };
    if (geometry) e.geometry = geometry;
    return e;
  }

  return (
    <form class="form entity-form" onSubmit={submit} aria-label={editing ? t("c.entity.edit") : t("c.entity.new")}>
      <div class="form-grid">
        <Field label={t("c.entity.id")} required hint={editing ? undefined : t("c.ident.hint")}>
          <input
            name="id"
            value={f.id}
            onInput={(e) => set("id")(e.currentTarget.value)}
            required
            pattern={IDENT_PATTERN}
            readOnly={editing}
            autocomplete="off"
          />
        </Field>
        <Field label={t("c.entity.name")} required>
          <input name="name" value={f.name} onInput={(e) => set("name")(e.currentTarget.value)} required maxLength={200} />
        </Field>
        <Field label={t("c.entity.kind")} required>
          <Select
            name="kind"
            value={f.kind}
            onChange={set("kind")}
            required
            empty={t("c.choose")}
            options={refs.kinds.map((k) => [k.id, nameOf(k)])}
          />
        </Field>
        <Field label={t("c.entity.department")} required>
          {fixedDept ? (
            <input name="department" value={nameOf(refs.dept.get(me.department)) || me.department} readOnly />
          ) : (
            <Select
              name="department"
              value={f.department}
              onChange={set("department")}
              required
              empty={t("c.choose")}
              options={refs.departments.map((d) => [d.id, nameOf(d)])}
            />
          )}
        </Field>
        <Field label={t("c.entity.region")} required>
          <Select
            name="region"
            value={f.region}
            onChange={set("region")}
            required
            empty={t("c.choose")}
            options={regionOptions(refs.regions)}
          />
        </Field>
        <Field label={t("c.entity.status")} required>
          <Select
            name="status"
            value={f.status}
            onChange={set("status")}
            options={LIFECYCLE.map((s) => [s, t("c.status." + s)])}
          />
        </Field>
      </div>
      <fieldset class="form-group">
        <legend>{t("c.entity.location")}</legend>
        {shape ? (
          <p class="muted">{t("c.entity.shape_kept", { type: shape.type })}</p>
        ) : (
          <div class="form-grid">
            <Field label={t("c.entity.lon")} hint={t("c.entity.point_hint")}>
              <input name="lon" type="number" step="any" min="-180" max="180" inputMode="decimal" value={f.lon} onInput={(e) => set("lon")(e.currentTarget.value)} />
            </Field>
            <Field label={t("c.entity.lat")}>
              <input name="lat" type="number" step="any" min="-90" max="90" inputMode="decimal" value={f.lat} onInput={(e) => set("lat")(e.currentTarget.value)} />
            </Field>
          </div>
        )}
      </fieldset>
      {kind?.attributes?.length > 0 && (
        <fieldset class="form-group">
          <legend>{t("c.entity.attributes")}</legend>
          <div class="form-grid">
            {kind.attributes.map((def) => (
              <AttrInput
                key={def.name}
                def={def}
                value={f.attrs[def.name] ?? ""}
                onChange={(v) => setF((x) => ({ ...x, attrs: { ...x.attrs, [def.name]: v } }))}
              />
            ))}
          </div>
        </fieldset>
      )}
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} saveLabel={saveLabel} />
    </form>
  );
}

function AttrInput({ def, value, onChange }) {
  const label = defLabel(def) + (def.unit ? ` (${def.unit})` : "");
  const common = { name: "attr." + def.name, required: def.required };
  let input;
  if (def.type === "boolean") {
    input = (
      <Select
        {...common}
        value={value}
        onChange={onChange}
        empty={def.required ? t("c.choose") : t("c.unset")}
        options={[
          ["true", t("c.value.true")],
          ["false", t("c.value.false")],
        ]}
      />
    );
  } else if (def.type === "number" || def.type === "integer") {
    input = (
      <input
        {...common}
        type="number"
        step={def.type === "integer" ? "1" : "any"}
        inputMode={def.type === "integer" ? "numeric" : "decimal"}
        value={value}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    );
  } else {
    input = <input {...common} value={value} onInput={(e) => onChange(e.currentTarget.value)} />;
  }
  return (
    <Field label={label} required={def.required}>
      {input}
    </Field>
  );
}
