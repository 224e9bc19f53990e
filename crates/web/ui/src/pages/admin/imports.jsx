// Imports of entities, regions and grids from GeoJSON or CSV. A dry run (the default) checks
// every row and stores nothing; the report lists each refused row with its number and reason.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { Field, FormError, Select, useAction } from "../../components/form.jsx";
import { invalidateRefs } from "../../components/refs.js";
import { DataTable } from "../../components/table.jsx";

const TARGETS = ["entities", "regions", "grids"];

/** The format a file name implies (same rule as the server's Format::guess), or "". */
function guessFormat(name) {
  const n = (name || "").toLowerCase();
  if (n.endsWith(".geojson") || n.endsWith(".json")) return "geojson";
  if (n.endsWith(".csv")) return "csv";
  return "";
}

const CONTENT_TYPE = { geojson: "application/geo+json", csv: "text/csv" };

export function ImportsAdmin() {
  const [target, setTarget] = useState("entities");
  const [file, setFile] = useState(null);
  const [override, setOverride] = useState("");
  const [dryRun, setDryRun] = useState(true);
  const [report, setReport] = useState(null); // {report, dryRun, target, file}
  const { busy, error, setError, run } = useAction();
  const detected = guessFormat(file?.name);
  const format = override || detected;

  async function submit(ev) {
    ev.preventDefault();
    setReport(null);
    if (!file) return setError(new Error(t("c.import.no_file")));
    if (!format) return setError(new Error(t("c.import.no_format")));
    const r = await run(() =>
      api(`/import/${target}`, {
        method: "POST",
        query: { format, dry_run: dryRun ? "true" : "false" },
        body: file,
        contentType: CONTENT_TYPE[format],
      })
    );
    if (r.ok) {
      setReport({ report: r.value, dryRun, target, file: file.name });
      if (!dryRun && r.value.imported > 0) invalidateRefs();
    }
  }

  return (
    <section class="panel admin-section" aria-labelledby="admin-section-title">
      <h2 id="admin-section-title">{t("c.admin.imports")}</h2>
      <p class="muted small">{t("c.import.intro")}</p>
      <form class="form import-form" onSubmit={submit} aria-labelledby="admin-section-title">
        <div class="form-grid">
          <Field label={t("c.import.target")} required>
            <Select name="target" value={target} onChange={setTarget} options={TARGETS.map((x) => [x, t("c.import.target_" + x)])} />
          </Field>
          <Field label={t("c.import.file")} required hint={t("c.import.file_hint_" + target)}>
            <input
              type="file"
              name="file"
              accept=".geojson,.json,.csv"
              required
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] || null);
                setReport(null);
              }}
            />
          </Field>
          <Field label={t("c.import.format")}>
            <Select
              name="format"
              value={override}
              onChange={setOverride}
              options={[
                ["", detected ? t("c.import.format_auto_is", { f: t("c.import.format_" + detected) }) : t("c.import.format_auto")],
                ["geojson", t("c.import.format_geojson")],
                ["csv", t("c.import.format_csv")],
              ]}
            />
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" name="dry_run" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} />
          {t("c.import.dry_run")}
        </label>
        <p class="muted small">{dryRun ? t("c.import.dry_run_hint") : t("c.import.real_hint")}</p>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("c.working") : dryRun ? t("c.import.check") : t("c.import.submit")}
          </button>
        </div>
      </form>
      {report && <ImportReport {...report} />}
    </section>
  );
}

function ImportReport({ report, dryRun, target, file }) {
  const n = report.errors.length;
  const what = t("c.import.target_" + target);
  const summary = dryRun
    ? t("c.import.summary_dry", { ok: report.imported, bad: n, what, file })
    : t("c.import.summary", { ok: report.imported, bad: n, what, file });
  return (
    <div class="import-report">
      <p class={"report-summary " + (n ? "err" : "ok")} role="alert" id="import-summary">
        {summary}
      </p>
      {n > 0 && (
        <DataTable
          label={t("c.import.errors_table")}
          columns={[
            { key: "row", title: t("c.import.row"), sort: (e) => e.row, render: (e) => e.row },
            { key: "id", title: t("c.import.id"), sort: (e) => e.id, render: (e) => (e.id ? <code>{e.id}</code> : "—") },
            { key: "error", title: t("c.import.error"), class: "wrap", render: (e) => <span class="err-text">{e.error}</span> },
          ]}
          rows={report.errors}
          rowKey={(e) => e.row + ":" + e.error}
          rowProps={(e) => ({ "data-row": String(e.row) })}
        />
      )}
    </div>
  );
}
