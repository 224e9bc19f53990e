// The scorecard's fourth view: smart communities (indicator #44). Every community (a
// village-level region named …社区) with its latest self-assessment of the month against
// DB37/T 3890.3-2020 — the completed weight of its required tasks against the 80 % line, smart
// or not, who and when, evidence — and the coverage that feeds #44. Users who may (admins,
// operators, the departments leading #44) enter an assessment in a dialog, with evidence files.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { fmtNum, fmtTime, nameOf, t } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, errMsg, useAction } from "../components/form.jsx";
import { Modal } from "../components/dialog.jsx";
import { ACCEPT, MAX_EVIDENCE, typeOf } from "./submit.jsx";

const base = (code) => `/scorecard/communities/${encodeURIComponent(code)}/assessments`;

/** A weight bar with the 80 % line. */
function WeightBar({ weight, line }) {
  if (weight === null || weight === undefined) return <span class="muted">{t("cm.not_assessed")}</span>;
  const smart = weight >= line;
  return (
    <div class="cm-weight" role="img" aria-label={t("cm.weight_label", { w: fmtNum(weight), line: fmtNum(line) })}>
      <div class="cm-bar">
        <div class={"cm-bar-fill " + (smart ? "ok" : "bad")} style={{ width: Math.max(0, Math.min(100, weight)) + "%" }} />
        <div class="cm-line" style={{ left: line + "%" }} />
      </div>
      <span class="cm-pct" data-weight={weight}>
        {fmtNum(weight)}%
      </span>
    </div>
  );
}

export function CommunitiesView({ period, onChanged }) {
  const board = useAsync(() => api("/scorecard/communities", { query: { period } }), [period]);
  const [assessing, setAssessing] = useState(null);
  const b = board.data;
  const reload = () => {
    board.reload();
    onChanged?.();
  };
  return (
    <section class="panel" aria-labelledby="cm-h">
      <div class="panel-head">
        <h2 id="cm-h">{t("cm.title")}</h2>
        <span class="muted small">{t("cm.hint")}</span>
      </div>
      <ErrorBox error={board.error} />
      {!b && board.loading && <Loading />}
      {b && (
        <div>
          <p class="cm-totals" id="cm-totals" data-coverage={b.totals.coverage ?? ""}>
            {t("cm.totals", {
              n: b.totals.communities,
              assessed: b.totals.assessed,
              smart: b.totals.smart,
              coverage: b.totals.coverage === null ? "—" : fmtNum(Math.round(b.totals.coverage * 10) / 10) + "%",
              ind: b.indicator,
            })}
          </p>
          {b.totals.assessed === 0 && <p class="muted small">{t("cm.no_assessment")}</p>}
          {b.closed && <p class="muted small">{t("cm.closed", { period: b.period })}</p>}
          {b.communities.length === 0 ? (
            <p class="muted">{t("cm.none")}</p>
          ) : (
            <div class="table-wrap">
              <table class="data cm-table" id="cm-table" aria-labelledby="cm-h">
                <thead>
                  <tr>
                    <th scope="col">{t("cm.community")}</th>
                    <th scope="col">{t("cm.weight", { line: fmtNum(b.smart_line) })}</th>
                    <th scope="col">{t("cm.verdict")}</th>
                    <th scope="col">{t("cm.by")}</th>
                    <th scope="col">{t("cm.evidence")}</th>
                    {b.may_assess && !b.closed && <th scope="col"><span class="sr-only">{t("cm.actions")}</span></th>}
                  </tr>
                </thead>
                <tbody>
                  {b.communities.map((c) => (
                    <tr key={c.code} data-community={c.code} data-smart={c.smart === null ? "" : String(c.smart)}>
                      <th scope="row">
                        {nameOf(c)} <span class="muted small">{c.code}</span>
                      </th>
                      <td>
                        <WeightBar weight={c.latest?.weight} line={b.smart_line} />
                      </td>
                      <td>
                        {c.smart === null ? (
                          <span class="badge sc-st sc-st-no_data">{t("cm.not_assessed")}</span>
                        ) : c.smart ? (
                          <span class="badge sc-st sc-st-met">{t("cm.smart")}</span>
                        ) : (
                          <span class="badge sc-st sc-st-not_met">{t("cm.not_smart")}</span>
                        )}
                      </td>
                      <td class="small">
                        {c.latest ? (
                          <span>
                            {c.latest.assessed_by} · {fmtTime(c.latest.assessed_ms)}
                            {c.latest.note && <span class="muted"> · {c.latest.note}</span>}
                          </span>
                        ) : (
                          <span class="muted">—</span>
                        )}
                      </td>
                      <td class="small">
                        {c.latest?.evidence?.length ? (
                          <ul class="sub-evidence">
                            {c.latest.evidence.map((e) => (
                              <li key={e.id}>
                                <a href={`/api/v1${base(c.code)}/${c.latest.id}/evidence/${e.id}`} download={e.file_name} data-evidence={e.id}>
                                  {e.file_name}
                                </a>
                              </li>
                            ))}
                          </ul>
                        ) : (
                          <span class="muted">—</span>
                        )}
                      </td>
                      {b.may_assess && !b.closed && (
                        <td>
                          <button type="button" class="cm-assess-btn" onClick={() => setAssessing(c)}>
                            {t("cm.assess_btn", { name: nameOf(c) })}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      {assessing && b && (
        <AssessDialog community={assessing} period={b.period} line={b.smart_line} onClose={() => setAssessing(null)} onDone={reload} />
      )}
    </section>
  );
}

function AssessDialog({ community, period, line, onClose, onDone }) {
  const { busy, error, setError, run } = useAction();
  const [weight, setWeight] = useState("");
  const [note, setNote] = useState("");
  const [files, setFiles] = useState([]);
  const w = Number(weight);
  const valid = weight.trim() !== "" && Number.isFinite(w) && w >= 0 && w <= 100;
  async function submit(e) {
    e.preventDefault();
    const big = files.find((f) => f.size > MAX_EVIDENCE);
    if (big) {
      setError(new Error(t("cm.too_big", { name: big.name })));
      return;
    }
    const r = await run(async () => {
      const a = await api(base(community.code), { method: "POST", body: { period, weight: w, note: note.trim() || undefined } });
      const failed = [];
      for (const f of files) {
        try {
          await api(`${base(community.code)}/${a.id}/evidence`, { method: "POST", query: { name: f.name }, body: f, contentType: typeOf(f) });
        } catch (x) {
          failed.push(`${f.name}: ${errMsg(x)}`);
        }
      }
      if (failed.length) throw new Error(t("cm.upload_failed", { list: failed.join("; ") }));
      return a;
    });
    onDone?.();
    if (r.ok) onClose();
  }
  return (
    <Modal title={t("cm.dialog_title", { name: nameOf(community), period })} onClose={onClose}>
      <form onSubmit={submit} class="cm-form">
        <p class="muted small">{t("cm.dialog_hint", { line: fmtNum(line) })}</p>
        <Field label={t("cm.f.weight")} required hint={t("cm.f.weight_hint", { line: fmtNum(line) })}>
          <input name="weight" type="number" min="0" max="100" step="0.1" required value={weight} onInput={(e) => setWeight(e.currentTarget.value)} />
        </Field>
        <Field label={t("cm.f.note")}>
          <textarea name="note" rows={3} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <Field label={t("cm.f.evidence")} hint={t("cm.f.evidence_hint")}>
          <input name="evidence" type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...e.currentTarget.files])} />
        </Field>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={busy || !valid}>
            {busy ? t("c.working") : t("cm.save")}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
