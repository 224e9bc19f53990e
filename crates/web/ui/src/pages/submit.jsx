// A department's value of a submitted (or hybrid) indicator for one month, with evidence files:
// the "报送" dialog of the scorecard page. The submission is created first, then each file is
// uploaded to it (raw body with its type); a file the server refuses is reported on its own line.
import { useState } from "preact/hooks";
import "./submissions.css";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { Modal } from "../components/dialog.jsx";
import { Field, FormError, useAction, errMsg, Select } from "../components/form.jsx";
import { fmtTarget, nm } from "./scorecard.jsx";

export const MAX_EVIDENCE = 20 * 1024 * 1024;
const TYPES = {
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};
export const ACCEPT = ".pdf,.png,.jpg,.jpeg,.xlsx,.docx," + [...new Set(Object.values(TYPES))].join(",");

/** The unit ids (registered departments) among an indicator's lead and partner units. */
export function unitIds(i) {
  return [...(i.lead || []), ...(i.partners || [])].map((u) => u.id).filter(Boolean);
}

/**
 * May `me` submit a value of indicator `i`? Not viewers; not platform-measured indicators;
 * department users only where their department is a lead or partner unit.
 */
export function canSubmit(me, i) {
  if (!me || me.role === "viewer" || i.how === "auto") return false;
  if (me.role === "admin" || me.role === "operator") return true;
  return me.role === "department" && !!me.department && unitIds(i).includes(me.department);
}

export function typeOf(f) {
  const ext = (f.name.split(".").pop() || "").toLowerCase();
  return f.type || TYPES[ext] || "application/octet-stream";
}

function unitText(unit) {
  if (!unit || unit === "bool" || unit === "rank%") return unit === "rank%" ? "%" : "";
  if (unit === "count") return t("sc.unit.count");
  return unit;
}

/** Uploads `files` to submission `id` one by one; → [{name, ok, error?}]. */
async function uploadAll(id, files, onProgress) {
  const out = [];
  for (const f of files) {
    onProgress?.(f.name);
    if (f.size > MAX_EVIDENCE) {
      out.push({ name: f.name, ok: false, error: t("sub.too_big") });
      continue;
    }
    try {
      await api(`/scorecard/submissions/${id}/evidence`, { method: "POST", query: { name: f.name }, body: f, contentType: typeOf(f) });
      out.push({ name: f.name, ok: true });
    } catch (e) {
      out.push({ name: f.name, ok: false, error: errMsg(e) });
    }
  }
  onProgress?.(null);
  return out;
}

function FileResults({ results }) {
  if (!results?.length) return null;
  return (
    <ul class="sub-files" aria-label={t("sub.files_result")}>
      {results.map((r, k) => (
        <li key={k} class={r.ok ? "ok" : "err"} data-file={r.name} role={r.ok ? undefined : "alert"}>
          <b>{r.name}</b>：{r.ok ? t("sub.file_ok") : t("sub.file_err", { msg: r.error })}
        </li>
      ))}
    </ul>
  );
}

export function SubmitDialog({ me, ind, period, refs, onClose, onCreated }) {
  const { busy, error, run } = useAction();
  const [form, setForm] = useState({ period: period || "", value: "", note: "", department: "" });
  const [files, setFiles] = useState([]);
  const [created, setCreated] = useState(null);
  const [results, setResults] = useState([]);
  const [uploading, setUploading] = useState(null);
  const name = nm(ind);
  const unit = ind.target?.unit;
  const ut = unitText(unit);
  const reviewer = me.role === "admin" || me.role === "operator";
  const units = [...new Set(unitIds(ind))];
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    const r = await run(async () => {
      const body = { indicator: ind.number, period: form.period.trim(), value: Number(form.value) };
      if (form.note.trim()) body.note = form.note.trim();
      if (reviewer && form.department) body.department = form.department;
      return api("/scorecard/submissions", { method: "POST", body });
    });
    if (!r.ok) return;
    setCreated(r.value);
    onCreated?.();
    if (files.length) setResults(await uploadAll(r.value.id, files, setUploading));
    setFiles([]);
  }

  async function uploadMore(e) {
    e.preventDefault();
    if (!files.length) return;
    const more = await uploadAll(created.id, files, setUploading);
    setResults([...results, ...more]);
    setFiles([]);
    e.currentTarget.reset?.();
  }

  const title = t("sub.submit_title", { n: ind.number, name });
  if (created) {
    const failed = results.some((r) => !r.ok);
    return (
      <Modal title={title} onClose={onClose} focus=".sub-done-btn">
        <p class="ok-msg sub-done" role="status">
          {t("sub.done", { n: ind.number, period: created.period })}
        </p>
        {uploading && <p class="muted" role="status">{t("sub.uploading", { name: uploading })}</p>}
        <FileResults results={results} />
        {failed && (
          <form class="sub-more" onSubmit={uploadMore}>
            <Field label={t("sub.retry_files")} hint={t("sub.files_hint")}>
              <input type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...e.currentTarget.files])} />
            </Field>
            <button type="submit" disabled={!files.length || !!uploading}>
              {t("sub.upload")}
            </button>
          </form>
        )}
        <div class="form-buttons">
          <button type="button" class="primary sub-done-btn" onClick={onClose} disabled={!!uploading}>
            {t("sub.close")}
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={title} onClose={onClose}>
      <form class="sub-form" onSubmit={submit}>
        <Field label={t("sub.period")} required hint={t("sub.period_hint")}>
          <input name="period" required pattern="\d{4}-\d{2}" placeholder="YYYY-MM" value={form.period} onInput={set("period")} />
        </Field>
        <Field
          label={ut ? t("sub.value_unit", { unit: ut }) : t("sub.value")}
          required
          hint={[ind.target ? t("sub.target_hint", { target: fmtTarget(ind.target) }) : "", unit === "bool" ? t("sub.bool_hint") : ""]
            .filter(Boolean)
            .join(" · ")}
        >
          <input name="value" type="number" step="any" required inputMode="decimal" value={form.value} onInput={set("value")} />
        </Field>
        {reviewer && units.length > 1 && (
          <Field label={t("sub.department")}>
            <Select
              name="department"
              value={form.department}
              onChange={(v) => setForm({ ...form, department: v })}
              empty={t("sub.department_default")}
              options={units.map((u) => [u, refs?.dept?.get(u) ? nm(refs.dept.get(u)) : u])}
            />
          </Field>
        )}
        <Field label={t("sub.note")}>
          <textarea name="note" rows={3} maxLength={2000} value={form.note} onInput={set("note")} />
        </Field>
        <Field label={t("sub.files")} hint={t("sub.files_hint")}>
          <input name="evidence" type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...e.currentTarget.files])} />
        </Field>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("sub.sending") : t("sub.send")}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
