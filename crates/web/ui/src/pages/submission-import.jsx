// "从 Excel 导入": many indicator values at once from the XLSX template. The file is checked
// first (a dry run: nothing is stored, each refused row is listed with its row number, cell and
// reason), then imported: the good rows become submissions awaiting review, the refused ones are
// listed again. Mirrors the admin import page (pages/admin/imports.jsx).
import { useState } from "preact/hooks";
import "./console.css";
import "./submissions.css";
import { api } from "../api.js";
import { getLang, t } from "../i18n.js";
import { Modal } from "../components/dialog.jsx";
import { Field, FormError, useAction } from "../components/form.jsx";
import { DataTable } from "../components/table.jsx";

export const MAX_IMPORT = 5 * 1024 * 1024;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** May `me` import values (anyone who may submit: not viewers, departments with a department). */
export function canImport(me) {
  if (!me) return false;
  if (me.role === "admin" || me.role === "operator") return true;
  return me.role === "department" && !!me.department;
}

function templateHref(period) {
  const p = (period || "").trim();
  return "/api/v1/scorecard/submissions/template.xlsx" + (/^\d{4}-\d{2}$/.test(p) ? "?period=" + p : "");
}

export function ImportDialog({ period, onClose, onImported }) {
  const { busy, error, setError, run } = useAction();
  const [tplPeriod, setTplPeriod] = useState(period || "");
  const [file, setFile] = useState(null);
  const [checked, setChecked] = useState(null); // the dry run's report
  const [done, setDone] = useState(null); // the import's report
  const [step, setStep] = useState(""); // "check" | "import" while busy

  async function send(dryRun) {
    if (!file) return setError(new Error(t("subimp.no_file")));
    if (file.size > MAX_IMPORT) return setError(new Error(t("subimp.too_big")));
    setStep(dryRun ? "check" : "import");
    const r = await run(() =>
      api("/scorecard/submissions/import", { method: "POST", query: { dry_run: dryRun ? "true" : "false" }, body: file, contentType: XLSX })
    );
    setStep("");
    if (!r.ok) return;
    if (dryRun) {
      setChecked(r.value);
    } else {
      setDone(r.value);
      if (r.value.imported > 0) onImported?.(r.value);
    }
  }

  if (done) {
    return (
      <Modal title={t("subimp.title")} onClose={onClose} wide focus=".subimp-done-btn">
        <Report report={done} file={file?.name} dryRun={false} />
        <div class="form-buttons">
          <button type="button" class="primary subimp-done-btn" onClick={onClose}>
            {t("subimp.done")}
          </button>
        </div>
      </Modal>
    );
  }
  const tplOk = !tplPeriod.trim() || /^\d{4}-\d{2}$/.test(tplPeriod.trim());
  return (
    <Modal title={t("subimp.title")} onClose={onClose} wide>
      <form
        class="form subimp-form"
        onSubmit={(e) => {
          e.preventDefault();
          send(true);
        }}
      >
        <p class="muted small">{t("subimp.intro")}</p>
        <div class="form-grid">
          <Field label={t("subimp.template_period")} hint={t("subimp.template_period_hint")}>
            <input name="template_period" placeholder="YYYY-MM" pattern="\d{4}-\d{2}" value={tplPeriod} onInput={(e) => setTplPeriod(e.currentTarget.value)} />
          </Field>
          <div class="field">
            {/* Lines the link up with the month's input. */}
            <span class="field-label" aria-hidden="true">
              &nbsp;
            </span>
            <a
              class="sub-link-btn subimp-template"
              href={templateHref(tplOk ? tplPeriod : "")}
              download
              aria-label={t("subimp.template_name", { period: tplOk && tplPeriod.trim() ? tplPeriod.trim() : t("subimp.this_month") })}
            >
              ⤓ {t("subimp.template")}
            </a>
          </div>
        </div>
        <Field label={t("subimp.file")} required hint={t("subimp.file_hint")}>
          <input
            type="file"
            name="file"
            accept={".xlsx," + XLSX}
            required
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] || null);
              setChecked(null);
              setError(null);
            }}
          />
        </Field>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class={checked ? "" : "primary"} disabled={busy || !file}>
            {step === "check" ? t("subimp.checking") : t("subimp.check")}
          </button>
          <button type="button" class={checked ? "primary" : ""} disabled={busy || !checked || checked.imported === 0} onClick={() => send(false)}>
            {step === "import" ? t("subimp.importing") : checked ? t("subimp.import_n", { n: checked.imported }) : t("subimp.import")}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
      {checked && <Report report={checked} file={file?.name} dryRun />}
    </Modal>
  );
}

/** The summary of a dry run or an import, and its refused rows. */
function Report({ report, file, dryRun }) {
  const bad = report.refused;
  const vars = { ok: report.imported, bad, skipped: report.skipped, file: file || "" };
  const zh = getLang() === "zh";
  return (
    <div class="import-report subimp-report" data-dry-run={dryRun ? "1" : "0"}>
      <p class={"report-summary " + (bad ? "err" : "ok")} role={dryRun ? "status" : "alert"} id="subimp-summary">
        {t(dryRun ? "subimp.summary_dry" : "subimp.summary", vars)}
      </p>
      {dryRun && report.imported === 0 && <p class="muted small">{t("subimp.nothing")}</p>}
      {dryRun && bad > 0 && report.imported > 0 && <p class="muted small">{t("subimp.fix_hint")}</p>}
      {report.errors.length > 0 && (
        <DataTable
          label={t("subimp.errors")}
          columns={[
            { key: "row", title: t("subimp.row"), sort: (e) => e.row, render: (e) => e.row },
            { key: "cell", title: t("subimp.cell"), render: (e) => (e.cell ? <code>{e.cell}</code> : "—") },
            { key: "column", title: t("subimp.column"), render: (e) => e.column },
            { key: "indicator", title: t("subimp.indicator"), sort: (e) => e.indicator, render: (e) => (e.indicator ? "#" + e.indicator : "—") },
            { key: "error", title: t("subimp.error"), class: "wrap", render: (e) => <span class="err-text">{zh ? e.message_zh : e.error}</span> },
          ]}
          rows={report.errors}
          rowKey={(e) => e.row + ":" + e.field + ":" + e.reason}
          rowProps={(e) => ({ "data-row": String(e.row), "data-reason": e.reason })}
        />
      )}
    </div>
  );
}
