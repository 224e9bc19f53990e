// #/cases/routing: the dispatch table — which department a case goes to by category and place
// (grid, region-code prefix), and at which level (town or county, for 乡呼县应). Everyone
// signed in reads it; administrators edit it, and the server checks the whole table before it
// takes it (PUT /api/v1/case-routing).
import { useEffect, useState } from "preact/hooks";
import "./console.css";
import "./cases.css";
import { api } from "../api.js";
import { t, nameOf } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { useRefs } from "../components/refs.js";
import { catName } from "../components/cases.js";
import { useCategories } from "../components/case-form.jsx";
import { CaseTabs } from "./cases.jsx";

const LEVELS = ["town", "county"];

const blank = () => ({ category: "", grid: "", region_prefix: "", department: "", level: "county" });

/** The table as the server takes it: empty optional fields left out. */
function toConfig(cc, rows) {
  return {
    command_center: cc,
    entries: rows.map((r) => {
      const e = { category: r.category, department: r.department, level: r.level };
      if (r.grid.trim()) e.grid = r.grid.trim();
      if (r.region_prefix.trim()) e.region_prefix = r.region_prefix.trim();
      return e;
    }),
  };
}

export function CaseRoutingPage({ me }) {
  const admin = me.role === "admin";
  const st = useAsync(() => api("/case-routing"), []);
  const { refs } = useRefs();
  const cats = useCategories();
  const act = useAction();
  const [cc, setCc] = useState("");
  const [rows, setRows] = useState([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    document.body.dataset.page = "case-routing";
  }, []);
  useEffect(() => {
    if (!st.data) return;
    setCc(st.data.command_center);
    setRows(st.data.entries.map((e) => ({ ...blank(), ...e, grid: e.grid || "", region_prefix: e.region_prefix || "" })));
  }, [st.data]);

  const depts = (refs?.departments || []).map((d) => [d.id, `${nameOf(d)} (${d.id})`]);
  const catOptions = cats.map((c) => [c.code, `${c.code} ${catName(c)}`]);
  const set = (i, k) => (v) => {
    setSaved(false);
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  };
  async function save(e) {
    e.preventDefault();
    const r = await act.run(() => api("/case-routing", { method: "PUT", body: toConfig(cc, rows) }));
    if (r.ok) setSaved(true);
  }

  let body;
  if (st.error) body = <ErrorBox error={st.error} />;
  else if (st.loading) body = <Loading />;
  else if (!st.data) body = <p class="muted">{t("cs.rt.none")}</p>;
  else
    body = (
      <form class="cs-routing" onSubmit={save} aria-label={t("cs.rt.title")}>
        <Field label={t("cs.rt.command_center")} hint={t("cs.rt.command_center_hint")}>
          <Select name="command_center" value={cc} onChange={(v) => (setCc(v), setSaved(false))} options={depts} disabled={!admin} required />
        </Field>
        <table class="data cs-rt-table">
          <caption class="muted">{t("cs.rt.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("cs.rt.category")}</th>
              <th scope="col">{t("cs.rt.grid")}</th>
              <th scope="col">{t("cs.rt.region_prefix")}</th>
              <th scope="col">{t("cs.rt.department")}</th>
              <th scope="col">{t("cs.rt.level")}</th>
              {admin && <th scope="col" aria-label={t("cs.rt.remove")} />}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-row={i}>
                <td>
                  <Select name="category" aria-label={t("cs.rt.category_n", { n: i + 1 })} value={r.category} onChange={set(i, "category")} options={catOptions} empty="—" disabled={!admin} required />
                </td>
                <td>
                  <input name="grid" aria-label={t("cs.rt.grid_n", { n: i + 1 })} value={r.grid} onInput={(e) => set(i, "grid")(e.currentTarget.value)} disabled={!admin} size="10" />
                </td>
                <td>
                  <input name="region_prefix" aria-label={t("cs.rt.region_prefix_n", { n: i + 1 })} value={r.region_prefix} onInput={(e) => set(i, "region_prefix")(e.currentTarget.value)} disabled={!admin} inputmode="numeric" size="12" />
                </td>
                <td>
                  <Select name="department" aria-label={t("cs.rt.department_n", { n: i + 1 })} value={r.department} onChange={set(i, "department")} options={depts} empty="—" disabled={!admin} required />
                </td>
                <td>
                  <Select name="level" aria-label={t("cs.rt.level_n", { n: i + 1 })} value={r.level} onChange={set(i, "level")} options={LEVELS.map((l) => [l, t("cs.rt.level." + l)])} disabled={!admin} />
                </td>
                {admin && (
                  <td>
                    <button type="button" onClick={() => (setRows((rs) => rs.filter((_, j) => j !== i)), setSaved(false))} aria-label={t("cs.rt.remove_n", { n: i + 1 })}>
                      {t("cs.rt.remove")}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {admin && (
          <div class="form-buttons">
            <button type="button" onClick={() => (setRows((rs) => [...rs, blank()]), setSaved(false))}>
              {t("cs.rt.add")}
            </button>
            <button type="submit" class="primary" disabled={act.busy}>
              {act.busy ? t("c.saving") : t("cs.rt.save")}
            </button>
            {saved && (
              <span class="ok cs-rt-saved" role="status">
                {t("cs.rt.saved")}
              </span>
            )}
          </div>
        )}
        <FormError error={act.error} />
      </form>
    );
  return (
    <section class="console-page cs-page" aria-labelledby="cs-rt-h">
      <CaseTabs active="routing" />
      <div class="page-head">
        <h1 id="cs-rt-h">{t("cs.rt.title")}</h1>
      </div>
      <p class="muted">{t("cs.rt.intro")}</p>
      {body}
    </section>
  );
}
