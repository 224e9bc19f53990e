// #/cases/new: a case placed on the map. Click the place, choose the category (searchable
// tree), urgency, description, address, and for hotline operators the caller; the answer shows
// the new case (dispatched at once for the command center) and any nearby duplicates.
import { useEffect, useState } from "preact/hooks";
import "./console.css";
import "./cases.css";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { useRefs } from "../components/refs.js";
import { refName } from "../components/labels.jsx";
import { CategoryPicker, PointPicker, fmtPoint, useCategories } from "../components/case-form.jsx";
import { URGENCIES, statusLabel, urgencyLabel } from "../components/cases.js";
import { canAdminRegistry } from "../session.js";
import { CaseTabs } from "./cases.jsx";

export function Duplicates({ dups }) {
  if (!dups?.length) return null;
  return (
    <div class="cs-dups warn-box" role="alert">
      <p>{t("cs.new.dups")}</p>
      <ul>
        {dups.map((d) => (
          <li key={d.id} data-duplicate={d.id}>
            <a href={"#/cases?id=" + encodeURIComponent(d.id)}>
              {t("cs.new.dup", { id: d.id, m: Math.round(d.distance_m), min: Math.max(1, Math.round(Math.abs(d.dt_ms) / 60000)) })}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function NewCasePage({ me, ui }) {
  const cats = useCategories();
  const { refs } = useRefs();
  const hotline = canAdminRegistry(me);
  const empty = { category: "", urgency: "", description: "", address: "", reporter_name: "", reporter_phone: "" };
  const [v, setV] = useState(empty);
  const [point, setPoint] = useState(null);
  const [done, setDone] = useState(null);
  const act = useAction();
  useEffect(() => {
    document.body.dataset.page = "case-new";
  }, []);
  const set = (k) => (e) => setV((o) => ({ ...o, [k]: typeof e === "string" ? e : e.currentTarget.value }));

  async function submit(e) {
    e.preventDefault();
    const body = { category: v.category, description: v.description.trim() };
    if (point) [body.lon, body.lat] = point;
    if (v.urgency) body.urgency = v.urgency;
    if (v.address.trim()) body.address = v.address.trim();
    if (hotline) {
      if (v.reporter_name.trim()) body.reporter_name = v.reporter_name.trim();
      if (v.reporter_phone.trim()) body.reporter_phone = v.reporter_phone.trim();
    }
    const r = await act.run(() => api("/cases", { method: "POST", body }));
    if (r.ok) setDone(r.value);
  }

  return (
    <section class="console-page cs-page" aria-labelledby="cs-new-h">
      <CaseTabs active="new" />
      <h1 id="cs-new-h">{t("cs.new.title")}</h1>
      <div class="cs-new-layout">
        <div class="cs-new-map panel">
          <p class="muted small">{t("cs.new.hint")}</p>
          <PointPicker ui={ui} point={point} onPick={setPoint} />
          <p class="cs-point" data-point={point ? point.join(",") : ""}>{fmtPoint(point)}</p>
        </div>
        <div class="panel cs-new-form">
          {done ? (
            <div class="cs-created" data-case={done.id} data-status={done.status} data-department={done.department || ""}>
              <p class="ok-msg" role="status">
                {t("cs.new.created", { id: done.id, status: statusLabel(done.status) })}
                {done.department ? t("cs.new.dispatched", { dept: refName(refs?.dept, done.department) }) : ""}
              </p>
              <Duplicates dups={done.duplicates} />
              <div class="form-buttons">
                <a class="button primary" href={"#/cases?id=" + encodeURIComponent(done.id)}>
                  {t("cs.new.open")}
                </a>
                <button
                  type="button"
                  onClick={() => {
                    setDone(null);
                    setV(empty);
                    setPoint(null);
                  }}
                >
                  {t("cs.new.another")}
                </button>
              </div>
            </div>
          ) : (
            <form onSubmit={submit} aria-labelledby="cs-new-h">
              <CategoryPicker cats={cats} value={v.category} onChange={set("category")} />
              <Field label={t("cs.new.urgency")}>
                <Select name="urgency" value={v.urgency} onChange={set("urgency")} empty={t("cs.new.default")} options={URGENCIES.map((u) => [u, urgencyLabel(u)])} />
              </Field>
              <Field label={t("cs.new.description")} required>
                <textarea name="description" rows={3} required maxLength={2000} value={v.description} onInput={set("description")} />
              </Field>
              <Field label={t("cs.new.address")}>
                <input name="address" maxLength={200} value={v.address} onInput={set("address")} />
              </Field>
              {hotline && (
                <>
                  <Field label={t("cs.new.reporter_name")}>
                    <input name="reporter_name" maxLength={64} value={v.reporter_name} onInput={set("reporter_name")} />
                  </Field>
                  <Field label={t("cs.new.reporter_phone")}>
                    <input name="reporter_phone" type="tel" maxLength={32} value={v.reporter_phone} onInput={set("reporter_phone")} />
                  </Field>
                </>
              )}
              <FormError error={act.error} />
              <div class="form-buttons">
                <button type="submit" class="primary" disabled={act.busy || !v.category}>
                  {t("cs.new.submit")}
                </button>
              </div>
            </form>
          )}
        </div>
      </div>
    </section>
  );
}
