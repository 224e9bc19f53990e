// #/rules: the early-warning rules. The list (type, scope, severity, active alarms, source, last
// change), and an editor with a form for the common fields and each condition type plus a raw
// JSON view; saving sends the next version (current + 1) and shows the server's validation
// error next to the field it names (`condition.clear` …). Delete asks first; the history lists
// every stored version. Admins and operators edit any rule, department users the rules scoped to
// their department, viewers none (the server checks; the page leaves out what may not be done).
import { useEffect, useState } from "preact/hooks";
import "./console.css";
import "./alarms.css";
import { api } from "../api.js";
import { fmtTime, getLang, nameOf, t } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, IDENT_PATTERN, Select, errMsg, useAction } from "../components/form.jsx";
import { ConfirmDialog, Modal } from "../components/dialog.jsx";
import { useRefs } from "../components/refs.js";
import { SEVERITIES, sevLabel } from "../components/alarms.js";
import { AlarmTabs, SevBadge } from "./alarms.jsx";
import { canAdminRegistry } from "../session.js";

export const TYPES = ["threshold", "rate", "offline", "aqi", "occupancy", "case_count"];
const OPS = [">", ">=", "<", "<="];
/** Where a rule came from: the API (this editor) or a rules file (`file:<name>`). */
function sourceText(src) {
  if (src === "api") return t("ru.source.api");
  if (src?.startsWith("file:")) return t("ru.source.file", { file: src.slice(5) });
  return src || "—";
}

/** Mirrors the server: admins and operators any rule; department users their department's. */
export function canEditRule(me, rule) {
  if (!me || me.role === "viewer") return false;
  if (canAdminRegistry(me)) return true;
  return me.role === "department" && !!me.department && rule?.scope?.department === me.department;
}

/** A condition in one line: `pm25 > 75 (clear 60) for 300 s`. */
export function condText(c) {
  const dur = (s) => (s ? " " + t("ru.for", { s }) : "");
  switch (c.type) {
    case "threshold":
      return `${c.metric} ${c.op} ${c.value}` + (c.clear !== undefined ? ` (${t("ru.clear_at", { v: c.clear })})` : "") + dur(c.for_seconds);
    case "rate":
      return (
        `${c.metric} ${t("ru.dir." + (c.direction || "any"))} > ${c.limit !== undefined ? c.limit : c.limit_percent + "%"} / ${c.window_seconds} s` + dur(c.for_seconds)
      );
    case "offline":
      return t("ru.offline_text", { m: c.metric || t("ru.any_metric"), s: c.after_seconds });
    case "aqi":
      return `${c.metric || "aqi"} ≥ ${t("ru.aqi_level", { n: c.level })}` + dur(c.for_seconds);
    case "occupancy":
      return `${c.metric} / ${c.capacity?.attribute ?? c.capacity?.value} ≥ ${c.ratio}` + dur(c.for_seconds);
    case "case_count":
      return t("ru.case_text", { cat: c.category, n: c.at_least, s: c.within_seconds });
    default:
      return JSON.stringify(c);
  }
}

function scopeText(scope, refs) {
  const parts = [];
  if (scope.kind) parts.push(nameOf(refs?.kind?.get(scope.kind)) || scope.kind);
  if (scope.entity) parts.push(t("ru.scope.entity_is", { id: scope.entity }));
  if (scope.department) parts.push(nameOf(refs?.dept?.get(scope.department)) || scope.department);
  return parts.join(" · ") || t("ru.scope.all_grids");
}

export function RulesPage({ me }) {
  const list = useAsync(() => api("/rules"), []);
  const { refs } = useRefs();
  const [edit, setEdit] = useState(null); // {rule?} — rule undefined: a new one
  const [hist, setHist] = useState(null);
  const [del, setDel] = useState(null);
  const [flash, setFlash] = useState("");
  const rows = (list.data || []).slice().sort((a, b) => a.rule.id.localeCompare(b.rule.id));
  const mayCreate = me.role !== "viewer";
  return (
    <section class="console-page ru-page" aria-labelledby="ru-title">
      <AlarmTabs active="rules" />
      <div class="page-head">
        <h1 id="ru-title">{t("ru.title")}</h1>
        <div class="sc-head-tools">
          <button type="button" onClick={list.reload} disabled={list.loading}>
            {t("common.refresh")}
          </button>{" "}
          {mayCreate && (
            <button type="button" class="primary" onClick={() => setEdit({})}>
              {t("ru.new")}
            </button>
          )}
        </div>
      </div>
      {flash && (
        <p class="ok-msg" role="status">
          {flash}
        </p>
      )}
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class="table-wrap">
          <table class="data ru-table" aria-label={t("ru.table")}>
            <thead>
              <tr>
                {["name", "type", "condition", "scope", "severity", "active", "version", "source", "updated", "actions"].map((c) => (
                  <th scope="col" key={c}>
                    {t("ru.col." + c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={10} class="muted empty">
                    {t("ru.none")}
                  </td>
                </tr>
              )}
              {rows.map((r) => {
                const x = r.rule;
                return (
                  <tr key={x.id} data-rule={x.id} data-version={x.version} class={x.enabled === false ? "disabled" : ""}>
                    <th scope="row" class="wrap">
                      {x.name}
                      <div class="small muted">
                        <code>{x.id}</code>
                        {x.enabled === false && " · " + t("ru.disabled")}
                      </div>
                    </th>
                    <td>{t("ru.type." + x.condition.type)}</td>
                    <td class="ru-cond">{condText(x.condition)}</td>
                    <td class="wrap">{scopeText(x.scope, refs)}</td>
                    <td>
                      <SevBadge severity={x.severity} />
                    </td>
                    <td class="num">
                      {r.active_alarms ? (
                        <a href={"#/alarms?status=active"} class="ru-active">
                          {r.active_alarms}
                        </a>
                      ) : (
                        <span class="muted">0</span>
                      )}
                    </td>
                    <td class="ru-version">v{x.version}</td>
                    <td class="small">{sourceText(r.source)}</td>
                    <td class="small">
                      {r.updated_by}
                      <div class="muted">{fmtTime(r.updated_ms)}</div>
                    </td>
                    <td>
                      <div class="row-actions">
                        {canEditRule(me, x) && (
                          <button type="button" onClick={() => setEdit({ rule: x })} aria-label={t("ru.edit_name", { name: x.name })}>
                            {t("common.edit")}
                          </button>
                        )}
                        <button type="button" onClick={() => setHist(x)} aria-label={t("ru.history_name", { name: x.name })}>
                          {t("ru.history")}
                        </button>
                        {canEditRule(me, x) && (
                          <button type="button" class="danger" onClick={() => setDel(x)} aria-label={t("ru.delete_name", { name: x.name })}>
                            {t("common.delete")}
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {edit && (
        <RuleEditor
          rule={edit.rule}
          me={me}
          refs={refs}
          onClose={() => setEdit(null)}
          onSaved={(r) => {
            setFlash(t(edit.rule ? "ru.saved" : "ru.created", { name: r.rule.name, v: r.rule.version }));
            list.reload();
          }}
        />
      )}
      {hist && <HistoryDialog rule={hist} onClose={() => setHist(null)} />}
      {del && (
        <ConfirmDialog
          title={t("ru.delete_title")}
          message={t("ru.delete_msg", { name: del.name, id: del.id })}
          onConfirm={() => api(`/rules/${encodeURIComponent(del.id)}`, { method: "DELETE" })}
          onClose={() => setDel(null)}
          onDone={() => {
            setFlash(t("ru.deleted", { name: del.name }));
            list.reload();
          }}
        />
      )}
    </section>
  );
}

// ---- the editor: a flat form state of strings, to and from the rule JSON ----

const s = (v) => (v === undefined || v === null ? "" : String(v));

function fromRule(r) {
  const c = r?.condition || { type: "threshold" };
  const sc = r?.scope || {};
  return {
    id: s(r?.id),
    name: s(r?.name),
    severity: r?.severity || "major",
    enabled: r ? r.enabled !== false : true,
    target: sc.entity ? "entity" : "kind",
    kind: s(sc.kind),
    entity: s(sc.entity),
    department: s(sc.department),
    type: c.type,
    metric: s(c.metric ?? (c.type === "aqi" ? "aqi" : "")),
    op: c.op || ">",
    value: s(c.value),
    clear: s(c.clear),
    for_seconds: s(c.for_seconds ?? 0),
    clear_for_seconds: s(c.clear_for_seconds),
    direction: c.direction || "any",
    limit_mode: c.limit_percent !== undefined ? "limit_percent" : "limit",
    limit: s(c.limit ?? c.limit_percent),
    window_seconds: s(c.window_seconds),
    after_seconds: s(c.after_seconds),
    level: s(c.level ?? 4),
    clear_level: s(c.clear_level),
    cap_mode: c.capacity?.value !== undefined ? "value" : "attribute",
    capacity: s(c.capacity?.value ?? c.capacity?.attribute),
    ratio: s(c.ratio),
    clear_ratio: s(c.clear_ratio),
    category: s(c.category),
    within_seconds: s(c.within_seconds),
    at_least: s(c.at_least ?? 1),
  };
}

/** The form as a rule; numbers that do not parse are collected in `bad` (field → message). */
function toRule(f, version) {
  const bad = {};
  const num = (k, field, optional) => {
    const v = f[k].trim();
    if (v === "") {
      if (!optional) bad[field] = t("ru.err.required");
      return undefined;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) bad[field] = t("ru.err.number");
    return n;
  };
  const int = (k, field, optional) => {
    const n = num(k, field, optional);
    if (n !== undefined && Number.isFinite(n) && (!Number.isInteger(n) || n < 0)) bad[field] = t("ru.err.whole");
    return n;
  };
  const txt = (k) => f[k].trim() || undefined;
  const type = f.type;
  let c;
  switch (type) {
    case "threshold":
      c = { type, metric: f.metric.trim(), op: f.op, value: num("value", "condition.value"), clear: num("clear", "condition.clear", true), for_seconds: int("for_seconds", "condition.for_seconds", true) ?? 0, clear_for_seconds: int("clear_for_seconds", "condition.clear_for_seconds", true) };
      break;
    case "rate":
      c = { type, metric: f.metric.trim(), direction: f.direction, [f.limit_mode]: num("limit", "condition.limit"), window_seconds: int("window_seconds", "condition.window_seconds"), for_seconds: int("for_seconds", "condition.for_seconds", true) ?? 0, clear_for_seconds: int("clear_for_seconds", "condition.clear_for_seconds", true) };
      break;
    case "offline":
      c = { type, metric: txt("metric"), after_seconds: int("after_seconds", "condition.after_seconds") };
      break;
    case "aqi":
      c = { type, metric: txt("metric") || "aqi", level: int("level", "condition.level"), clear_level: int("clear_level", "condition.clear_level", true), for_seconds: int("for_seconds", "condition.for_seconds", true) ?? 0, clear_for_seconds: int("clear_for_seconds", "condition.clear_for_seconds", true) };
      break;
    case "occupancy":
      c = {
        type,
        metric: f.metric.trim(),
        capacity: f.cap_mode === "value" ? { value: num("capacity", "condition.capacity.value") } : { attribute: f.capacity.trim() },
        ratio: num("ratio", "condition.ratio"),
        clear_ratio: num("clear_ratio", "condition.clear_ratio", true),
        for_seconds: int("for_seconds", "condition.for_seconds", true) ?? 0,
        clear_for_seconds: int("clear_for_seconds", "condition.clear_for_seconds", true),
      };
      break;
    case "case_count":
      c = { type, category: f.category.trim(), within_seconds: int("within_seconds", "condition.within_seconds"), at_least: int("at_least", "condition.at_least") };
      break;
  }
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  const scope = {};
  if (type !== "case_count") {
    if (f.target === "entity") scope.entity = f.entity.trim();
    else scope.kind = f.kind;
  }
  if (f.department) scope.department = f.department;
  return { rule: { id: f.id.trim(), version, name: f.name, severity: f.severity, enabled: f.enabled, scope, condition: c }, bad };
}

/** The field a server validation error names: "…field `condition.clear`: must be…". */
export function errorField(e) {
  const m = /field `([^`]+)`/.exec(e?.message || "") || /field `([^`]+)`/.exec(e?.messageZh || "");
  return m ? m[1] : null;
}

/** A form field of the editor with the server's (or the form's) error for it below. */
function RF({ errs, name, label, children, required, hint, cls }) {
  const err = errs[name];
  return (
    <div class={"ru-f" + (err ? " has-error" : "") + (cls ? " " + cls : "")} data-field={name}>
      <Field label={label} required={required} hint={hint}>
        {children}
      </Field>
      {err && (
        <p class="field-error" role="alert" data-error-for={name}>
          {err}
        </p>
      )}
    </div>
  );
}

/** The server's summary ("数据不合法：") and the reason the field was refused, without the rule's id. */
function fieldErrText(e) {
  const full = errMsg(e);
  const m = /field `[^`]+`:\s*([\s\S]*)$/.exec(full);
  if (!m) return full;
  const i = full.indexOf("：");
  return (getLang() === "zh" && i > 0 ? full.slice(0, i + 1) : "") + m[1];
}

function RuleEditor({ rule, me, refs, onClose, onSaved }) {
  const editing = !!rule;
  const [f, setF] = useState(() => {
    const x = fromRule(rule);
    if (!rule && me.role === "department") x.department = me.department || "";
    return x;
  });
  const [mode, setMode] = useState("form"); // form | json
  const [json, setJson] = useState("");
  const [fieldErr, setFieldErr] = useState({}); // field → message
  const act = useAction();
  const version = editing ? rule.version + 1 : 1;
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: typeof v === "string" || typeof v === "boolean" ? v : v.currentTarget.value }));
  const kinds = refs?.kinds || [];
  const kindDef = kinds.find((k) => k.id === f.kind);
  const metrics = (kindDef?.metrics || []).map((m) => m.name);
  const depts = refs?.departments || [];

  function toJson() {
    const { rule: r } = toRule(f, version);
    setJson(JSON.stringify(r, null, 2));
    setMode("json");
  }
  function toForm() {
    try {
      setF(fromRule(JSON.parse(json)));
      act.setError(null);
      setMode("form");
    } catch (e) {
      act.setError(new Error(t("ru.err.json", { msg: e.message })));
    }
  }

  async function save(e) {
    e.preventDefault();
    setFieldErr({});
    let body;
    if (mode === "json") {
      try {
        body = JSON.parse(json);
      } catch (x) {
        act.setError(new Error(t("ru.err.json", { msg: x.message })));
        return;
      }
      body.version = version;
      if (editing) body.id = rule.id;
    } else {
      const { rule: r, bad } = toRule(f, version);
      if (Object.keys(bad).length) {
        setFieldErr(bad);
        act.setError(new Error(t("ru.err.fix")));
        return;
      }
      body = r;
    }
    const r = await act.run(async () => {
      if (editing) return api(`/rules/${encodeURIComponent(rule.id)}`, { method: "PUT", body });
      // A deleted rule's id keeps its versions: a new rule under it starts above them.
      const old = await api(`/rules/${encodeURIComponent(body.id)}/versions`).catch(() => []);
      if (Array.isArray(old) && old.length) body.version = Math.max(...old.map((v) => v.version)) + 1;
      return api("/rules", { method: "POST", body });
    });
    if (r.ok) {
      onSaved(r.value);
      onClose();
    }
  }
  // The server's error, next to the field it names (and in the summary).
  useEffect(() => {
    const field = errorField(act.error);
    if (field) setFieldErr({ [field]: fieldErrText(act.error) });
  }, [act.error]);

  const numIn = (k, name, required, step = "any") => (
    <input name={name} type="number" step={step} value={f[k]} onInput={set(k)} required={required} inputMode="decimal" />
  );
  const secs = (k, name, label, required) => (
    <RF errs={fieldErr} name={name} label={label} required={required}>
      {numIn(k, name, required, "1")}
    </RF>
  );
  const metricIn = (optional) => (
    <RF errs={fieldErr} name="condition.metric" label={optional ? t("ru.f.metric_opt") : t("ru.f.metric")} required={!optional}>
      <input name="condition.metric" list="ru-metrics" value={f.metric} onInput={set("metric")} required={!optional} pattern={IDENT_PATTERN} />
    </RF>
  );

  const title = editing ? t("ru.edit_title", { name: rule.name, v: version }) : t("ru.new_title");
  return (
    <Modal title={title} onClose={onClose} wide focus={editing ? "input[name=name]" : "input[name=id]"}>
      <form class="form ru-form" onSubmit={save} noValidate={mode === "json"}>
        <div class="ru-tabs seg" role="group" aria-label={t("ru.view")}>
          <button type="button" aria-pressed={mode === "form"} onClick={() => mode === "json" && toForm()}>
            {t("ru.view.form")}
          </button>
          <button type="button" aria-pressed={mode === "json"} onClick={() => mode === "form" && toJson()}>
            {t("ru.view.json")}
          </button>
        </div>
        <p class="muted small ru-version" data-next-version={version}>
          {editing ? t("ru.version_next", { from: rule.version, to: version }) : t("ru.version_first")}
        </p>
        {mode === "json" ? (
          <Field label={t("ru.json")} hint={t("ru.json_hint")}>
            <textarea class="ru-json" name="json" spellcheck={false} value={json} onInput={(e) => setJson(e.currentTarget.value)} />
          </Field>
        ) : (
          <>
            <fieldset class="form-group">
              <legend>{t("ru.g.common")}</legend>
              <div class="form-grid">
                <RF errs={fieldErr} name="id" label={t("ru.f.id")} required hint={editing ? undefined : t("ru.f.id_hint")}>
                  <input name="id" value={f.id} onInput={set("id")} required readOnly={editing} pattern={IDENT_PATTERN} maxLength={64} />
                </RF>
                <RF errs={fieldErr} name="name" label={t("ru.f.name")} required cls="ru-wide">
                  <input name="name" value={f.name} onInput={set("name")} required maxLength={200} />
                </RF>
                <RF errs={fieldErr} name="severity" label={t("ru.f.severity")}>
                  <Select name="severity" value={f.severity} onChange={set("severity")} options={SEVERITIES.map((x) => [x, sevLabel(x)])} />
                </RF>
                <label class="check">
                  <input type="checkbox" name="enabled" checked={f.enabled} onChange={(e) => set("enabled")(e.currentTarget.checked)} />
                  {t("ru.f.enabled")}
                </label>
              </div>
            </fieldset>
            <fieldset class="form-group">
              <legend>{t("ru.g.scope")}</legend>
              <div class="form-grid">
                {f.type !== "case_count" && (
                  <RF errs={fieldErr} name="scope.target" label={t("ru.f.target")}>
                    <Select name="scope.target" value={f.target} onChange={set("target")} options={[["kind", t("ru.f.target.kind")], ["entity", t("ru.f.target.entity")]]} />
                  </RF>
                )}
                {f.type !== "case_count" &&
                  (f.target === "kind" ? (
                    <RF errs={fieldErr} name="scope" label={t("ru.f.kind")} required>
                      <Select name="scope.kind" value={f.kind} onChange={set("kind")} empty={t("ru.f.choose")} required options={kinds.map((k) => [k.id, nameOf(k) + " (" + k.id + ")"])} />
                    </RF>
                  ) : (
                    <RF errs={fieldErr} name="scope" label={t("ru.f.entity")} required>
                      <input name="scope.entity" value={f.entity} onInput={set("entity")} required pattern={IDENT_PATTERN} />
                    </RF>
                  ))}
                <RF errs={fieldErr} name="scope.department" label={t("ru.f.department")}>
                  <Select
                    name="scope.department"
                    value={f.department}
                    onChange={set("department")}
                    empty={me.role === "department" ? undefined : t("ru.f.any_department")}
                    options={depts.filter((d) => me.role !== "department" || d.id === me.department).map((d) => [d.id, nameOf(d)])}
                  />
                </RF>
              </div>
              {f.type === "case_count" && <p class="muted small">{t("ru.case_scope")}</p>}
            </fieldset>
            <fieldset class="form-group">
              <legend>{t("ru.g.condition")}</legend>
              <div class="form-grid">
                <RF errs={fieldErr} name="condition.type" label={t("ru.f.type")}>
                  <Select name="condition.type" value={f.type} onChange={set("type")} options={TYPES.map((x) => [x, t("ru.type." + x)])} />
                </RF>
                {f.type === "threshold" && (
                  <>
                    {metricIn(false)}
                    <RF errs={fieldErr} name="condition.op" label={t("ru.f.op")}>
                      <Select name="condition.op" value={f.op} onChange={set("op")} options={OPS.map((o) => [o, o + " " + t("ru.op." + o)])} />
                    </RF>
                    <RF errs={fieldErr} name="condition.value" label={t("ru.f.value")} required>
                      {numIn("value", "condition.value", true)}
                    </RF>
                    <RF errs={fieldErr} name="condition.clear" label={t("ru.f.clear")} hint={t("ru.f.clear_hint")}>
                      {numIn("clear", "condition.clear", false)}
                    </RF>
                  </>
                )}
                {f.type === "rate" && (
                  <>
                    {metricIn(false)}
                    <RF errs={fieldErr} name="condition.direction" label={t("ru.f.direction")}>
                      <Select name="condition.direction" value={f.direction} onChange={set("direction")} options={["rise", "fall", "any"].map((d) => [d, t("ru.dir." + d)])} />
                    </RF>
                    <RF errs={fieldErr} name="condition.limit_mode" label={t("ru.f.limit_mode")}>
                      <Select name="condition.limit_mode" value={f.limit_mode} onChange={set("limit_mode")} options={[["limit", t("ru.f.limit_abs")], ["limit_percent", t("ru.f.limit_pct")]]} />
                    </RF>
                    <RF errs={fieldErr} name="condition.limit" label={t("ru.f.limit")} required>
                      {numIn("limit", "condition.limit", true)}
                    </RF>
                    {secs("window_seconds", "condition.window_seconds", t("ru.f.window_seconds"), true)}
                  </>
                )}
                {f.type === "offline" && (
                  <>
                    {metricIn(true)}
                    {secs("after_seconds", "condition.after_seconds", t("ru.f.after_seconds"), true)}
                  </>
                )}
                {f.type === "aqi" && (
                  <>
                    {metricIn(false)}
                    <RF errs={fieldErr} name="condition.level" label={t("ru.f.level")}>
                      <Select name="condition.level" value={f.level} onChange={set("level")} options={[2, 3, 4, 5, 6].map((n) => [String(n), t("ru.aqi_level", { n })])} />
                    </RF>
                    <RF errs={fieldErr} name="condition.clear_level" label={t("ru.f.clear_level")}>
                      <Select name="condition.clear_level" value={f.clear_level} onChange={set("clear_level")} empty={t("ru.f.default")} options={[1, 2, 3, 4, 5].filter((n) => n < Number(f.level)).map((n) => [String(n), t("ru.aqi_level", { n })])} />
                    </RF>
                  </>
                )}
                {f.type === "occupancy" && (
                  <>
                    {metricIn(false)}
                    <RF errs={fieldErr} name="condition.capacity" label={t("ru.f.cap_mode")}>
                      <Select name="condition.cap_mode" value={f.cap_mode} onChange={set("cap_mode")} options={[["attribute", t("ru.f.cap_attr")], ["value", t("ru.f.cap_value")]]} />
                    </RF>
                    <RF errs={fieldErr} name={f.cap_mode === "value" ? "condition.capacity.value" : "condition.capacity.attribute"} label={f.cap_mode === "value" ? t("ru.f.cap_value") : t("ru.f.cap_attr")} required>
                      {f.cap_mode === "value" ? numIn("capacity", "condition.capacity.value", true) : <input name="condition.capacity.attribute" value={f.capacity} onInput={set("capacity")} required />}
                    </RF>
                    <RF errs={fieldErr} name="condition.ratio" label={t("ru.f.ratio")} required hint={t("ru.f.ratio_hint")}>
                      {numIn("ratio", "condition.ratio", true)}
                    </RF>
                    <RF errs={fieldErr} name="condition.clear_ratio" label={t("ru.f.clear_ratio")}>
                      {numIn("clear_ratio", "condition.clear_ratio", false)}
                    </RF>
                  </>
                )}
                {f.type === "case_count" && (
                  <>
                    <RF errs={fieldErr} name="condition.category" label={t("ru.f.category")} required>
                      <input name="condition.category" value={f.category} onInput={set("category")} required pattern={IDENT_PATTERN} />
                    </RF>
                    {secs("within_seconds", "condition.within_seconds", t("ru.f.within_seconds"), true)}
                    <RF errs={fieldErr} name="condition.at_least" label={t("ru.f.at_least")} required>
                      {numIn("at_least", "condition.at_least", true, "1")}
                    </RF>
                  </>
                )}
                {f.type !== "offline" && f.type !== "case_count" && (
                  <>
                    {secs("for_seconds", "condition.for_seconds", t("ru.f.for_seconds"), false)}
                    {secs("clear_for_seconds", "condition.clear_for_seconds", t("ru.f.clear_for_seconds"), false)}
                  </>
                )}
              </div>
              <datalist id="ru-metrics">
                {metrics.map((m) => (
                  <option value={m} />
                ))}
              </datalist>
            </fieldset>
          </>
        )}
        <FormError error={act.error} />
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={act.busy}>
            {act.busy ? t("c.saving") : t("ru.save", { v: version })}
          </button>
          <button type="button" onClick={onClose} disabled={act.busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function HistoryDialog({ rule, onClose }) {
  const h = useAsync(() => api(`/rules/${encodeURIComponent(rule.id)}/versions`), [rule.id]);
  const pretty = (d) => {
    try {
      return JSON.stringify(JSON.parse(d), null, 2);
    } catch (_) {
      return d;
    }
  };
  return (
    <Modal title={t("ru.history_title", { name: rule.name })} onClose={onClose} wide>
      <ErrorBox error={h.error} />
      {h.loading && !h.data && <Loading />}
      {h.data && (
        <ol class="ru-hist" aria-label={t("ru.history_title", { name: rule.name })}>
          {h.data
            .slice()
            .sort((a, b) => b.version - a.version)
            .map((v) => (
              <li key={v.version} data-version={v.version}>
                <div>
                  <b>v{v.version}</b> · {v.created_by} · <time>{fmtTime(v.created_ms)}</time>
                  {v.deleted && <span class="badge al-st-active"> {t("ru.deleted_mark")}</span>}
                  <span class="muted small"> · {v.source}</span>
                </div>
                <pre>{pretty(v.definition)}</pre>
              </li>
            ))}
        </ol>
      )}
      <div class="form-buttons">
        <button type="button" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
    </Modal>
  );
}
