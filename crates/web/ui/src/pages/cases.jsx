// #/cases: the case inbox. Filters (status, open or finished, overdue, class, source) in the
// hash, the list newest first (paged with `before`) with status, urgency and overdue badges and
// the countdown of the running stage, and a detail pane for the case named by ?id= with its
// timeline, photos and the actions the server offers the reader now, each with its small form.
// Department users see their department's inbox (the server scopes the list).
import { useEffect, useRef, useState } from "preact/hooks";
import "./console.css";
import "./alarms.css";
import "./cases.css";
import { api, live } from "../api.js";
import { fmtTime, t, nameOf } from "../i18n.js";
import { hashFilters } from "../shell.jsx";
import { ErrorBox, Loading } from "../ui.jsx";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { useRefs } from "../components/refs.js";
import { refName } from "../components/labels.jsx";
import { CategoryPicker, useCategories } from "../components/case-form.jsx";
import { LoadMore } from "../components/table.jsx";
import {
  SOURCES,
  STATUSES,
  URGENCIES,
  actionLabel,
  catName,
  caseCatName,
  countdown,
  sourceLabel,
  statusLabel,
  uploadPhoto,
  urgencyLabel,
} from "../components/cases.js";

const KEYS = ["status", "open", "overdue", "category", "source", "id"];
const PAGE = 50;

const { read: filtersOf, write: go } = hashFilters("#/cases", KEYS);

/** The pages behind the "cases" entry of the header. */
export function CaseTabs({ active }) {
  const tabs = [
    ["inbox", "#/cases"],
    ["new", "#/cases/new"],
    ["stats", "#/cases/stats"],
    ["routing", "#/cases/routing"],
    ["report", "#/report"],
  ];
  return (
    <nav class="tabs cs-tabs" aria-label={t("cs.tabs")}>
      {tabs.map(([id, h]) => (
        <a href={h} aria-current={active === id ? "page" : undefined} key={id}>
          {t("cs.tab." + id)}
        </a>
      ))}
    </nav>
  );
}

export function CaseStatus({ status }) {
  return (
    <span class={"badge cs-st cs-st-" + status} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

export function UrgencyBadge({ urgency }) {
  return (
    <span class={"badge cs-urg cs-urg-" + urgency} data-urgency={urgency}>
      {urgencyLabel(urgency)}
    </span>
  );
}

function Countdown({ c, now }) {
  const cd = countdown(c, now);
  if (!cd) return <span class="muted">—</span>;
  return (
    <span class={"cs-cd" + (cd.late ? " late" : "")} title={t("cs.d.deadline." + cd.stage) + " " + fmtTime(cd.at)}>
      {cd.text}
    </span>
  );
}

function useNow(ms = 30000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, []);
  return now;
}

export function CasesPage({ me, query }) {
  const f = filtersOf(query);
  const listKey = [f.status, f.open, f.overdue, f.category, f.source].join("|");
  const [st, setSt] = useState({ rows: [], loading: true, error: null, more: false, busyMore: false });
  const [gen, setGen] = useState(0);
  const cats = useCategories();
  const { refs } = useRefs();
  const now = useNow();
  const q = {
    status: f.status || undefined,
    open: f.open || undefined,
    overdue: f.overdue || undefined,
    category: f.category || undefined,
    source: f.source || undefined,
  };
  useEffect(() => {
    document.body.dataset.page = "cases";
  }, []);
  // Live: a case the user may see changed (reported, dispatched, handled…): reload the list,
  // at most every half second.
  useEffect(() => {
    let timer = null;
    const off = live.onCase(() => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        setGen((g) => g + 1);
      }, 500);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, []);
  // A reload of the same list (refresh, a live change) keeps as many rows as are shown; new
  // filters start from one page.
  const shown = useRef({ key: listKey, n: PAGE });
  useEffect(() => {
    let gone = false;
    const same = shown.current.key === listKey;
    const limit = same ? Math.min(1000, Math.max(PAGE, shown.current.n)) : PAGE;
    shown.current = { key: listKey, n: limit };
    setSt((s) => ({ ...s, loading: true, error: null }));
    api("/cases", { query: { ...q, limit } }).then(
      (rows) => !gone && setSt({ rows, loading: false, error: null, more: rows.length >= limit, busyMore: false }),
      (error) => !gone && setSt({ rows: [], loading: false, error, more: false, busyMore: false })
    );
    return () => {
      gone = true;
    };
  }, [listKey, gen]);
  useEffect(() => {
    shown.current.n = Math.max(PAGE, st.rows.length);
  }, [st.rows]);

  async function more() {
    const last = st.rows[st.rows.length - 1];
    if (!last) return;
    setSt((s) => ({ ...s, busyMore: true }));
    try {
      const rows = await api("/cases", { query: { ...q, before: last.id, limit: PAGE } });
      setSt((s) => ({ ...s, rows: [...s.rows, ...rows.filter((r) => !s.rows.some((x) => x.id === r.id))], more: rows.length >= PAGE, busyMore: false }));
    } catch (error) {
      setSt((s) => ({ ...s, error, busyMore: false }));
    }
  }

  const change = (k) => (v) => go({ ...f, [k]: v });
  const select = (id) => go({ ...f, id: String(id) });
  const tops = cats.filter((c) => !c.parent);
  const dept = (id) => (id ? refName(refs?.dept, id) : "—");

  return (
    <section class="console-page cs-page" aria-labelledby="cs-title">
      <CaseTabs active="inbox" />
      <div class="page-head">
        <h1 id="cs-title">{t("cs.title")}</h1>
        <div class="sc-head-tools">
          <button type="button" onClick={() => setGen((g) => g + 1)} disabled={st.loading}>
            {t("common.refresh")}
          </button>
        </div>
      </div>
      {me.role === "department" && me.department && <p class="muted cs-inbox-note">{t("cs.inbox.dept", { dept: dept(me.department) })}</p>}
      <form class="filters" role="search" aria-label={t("cs.filters")} onSubmit={(e) => e.preventDefault()}>
        <Field label={t("cs.f.status")}>
          <Select name="status" value={f.status} onChange={change("status")} empty={t("common.all")} options={STATUSES.map((s) => [s, statusLabel(s)])} />
        </Field>
        <Field label={t("cs.f.open")}>
          <Select
            name="open"
            value={f.open}
            onChange={change("open")}
            empty={t("common.all")}
            options={[
              ["true", t("cs.f.open_yes")],
              ["false", t("cs.f.open_no")],
            ]}
          />
        </Field>
        <Field label={t("cs.f.overdue")}>
          <Select name="overdue" value={f.overdue} onChange={change("overdue")} empty={t("common.all")} options={[["true", t("cs.f.overdue_yes")]]} />
        </Field>
        <Field label={t("cs.f.category")}>
          <Select name="category" value={f.category} onChange={change("category")} empty={t("common.all")} options={tops.map((c) => [c.code, `${c.code} ${catName(c)}`])} />
        </Field>
        <Field label={t("cs.f.source")}>
          <Select name="source" value={f.source} onChange={change("source")} empty={t("common.all")} options={SOURCES.map((s) => [s, sourceLabel(s)])} />
        </Field>
      </form>
      <div class={"al-layout" + (f.id ? " with-detail" : "")}>
        <div class="al-list-col">
          <ErrorBox error={st.error} />
          {st.loading && !st.rows.length && <Loading />}
          <div class="table-wrap">
            <table class="data cs-table" aria-label={t("cs.table")}>
              <thead>
                <tr>
                  {["id", "created", "category", "urgency", "status", "department", "deadline"].map((c) => (
                    <th scope="col" key={c}>
                      {t("cs.col." + c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {st.rows.length === 0 && !st.loading && (
                  <tr>
                    <td colSpan={7} class="muted empty">
                      {t("cs.none")}
                    </td>
                  </tr>
                )}
                {st.rows.map((c) => (
                  <tr
                    key={c.id}
                    data-case={c.id}
                    data-status={c.status}
                    class={"al-row" + (c.id === f.id ? " selected" : "") + (c.overdue ? " overdue" : "")}
                    aria-selected={c.id === f.id}
                    onClick={() => select(c.id)}
                  >
                    <th scope="row">
                      <a
                        href={"#/cases?id=" + encodeURIComponent(c.id)}
                        onClick={(e) => {
                          e.preventDefault();
                          e.stopPropagation();
                          select(c.id);
                        }}
                      >
                        {c.id}
                      </a>
                    </th>
                    <td class="al-time">{fmtTime(c.created_ms)}</td>
                    <td>
                      {caseCatName(c)}
                      {c.description && <div class="small muted cs-desc-1">{c.description}</div>}
                    </td>
                    <td>
                      <UrgencyBadge urgency={c.urgency} />
                    </td>
                    <td>
                      <CaseStatus status={c.status} /> {c.overdue && <span class="badge cs-overdue">{t("cs.overdue")}</span>}
                    </td>
                    <td>{dept(c.department)}</td>
                    <td>
                      <Countdown c={c} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {st.rows.length > 0 && (
            <LoadMore count={st.rows.length} hasMore={st.more} busy={st.busyMore} onMore={more} />
          )}
        </div>
        {f.id && (
          <CaseDetail
            key={f.id}
            id={f.id}
            me={me}
            onClose={() => go({ ...f, id: "" })}
            onChanged={(c) => setSt((s) => ({ ...s, rows: s.rows.map((x) => (x.id === c.id ? { ...x, ...c } : x)) }))}
          />
        )}
      </div>
    </section>
  );
}

function actorText(a, refs) {
  if (!a) return "";
  const parts = [t("cs.role." + a.role)];
  if (a.user) parts.push(a.user);
  if (a.department) parts.push(refName(refs?.dept, a.department));
  return parts.join(" · ");
}

/** The fields each action needs; actions absent here need none and run on a click. */
const FORMS = {
  register: ["category", "urgency"],
  reject: ["reason"],
  dispatch: ["department_or_table", "note"],
  return: ["reason"],
  reassign: ["department", "reason"],
  feedback: ["note_req", "photos"],
  verify: ["passed", "note_verify"],
  close: ["note"],
  suspend: ["reason", "until"],
  reopen: ["reason"],
  merge: ["into"],
  comment: ["text"],
  satisfaction: ["score", "note"],
  escalate: ["department", "level"],
};

function ActionForm({ c, action, refs, cats, busy, onRun, onCancel }) {
  const [v, setV] = useState({ passed: "true", score: "5", department: "" });
  const [files, setFiles] = useState([]);
  const set = (k) => (e) => setV((o) => ({ ...o, [k]: e.currentTarget ? e.currentTarget.value : e }));
  const fields = FORMS[action] || [];
  const depts = refs?.departments || [];
  const submit = (e) => {
    e.preventDefault();
    const b = { action };
    const s = (x) => (x || "").trim();
    switch (action) {
      case "register":
        if (v.category) b.category = v.category;
        if (v.urgency) b.urgency = v.urgency;
        break;
      case "reject":
      case "return":
      case "reopen":
        b.reason = s(v.reason);
        break;
      case "dispatch":
        b.department = v.department || "";
        if (s(v.note)) b.note = s(v.note);
        break;
      case "reassign":
        b.department = v.department;
        b.reason = s(v.reason);
        break;
      case "feedback":
        b.note = s(v.note);
        b.attachments = [];
        break;
      case "verify":
        b.passed = v.passed === "true";
        if (s(v.note)) b.note = s(v.note);
        break;
      case "close":
        if (s(v.note)) b.note = s(v.note);
        break;
      case "suspend":
        b.reason = s(v.reason);
        if (v.until) b.until_ms = new Date(v.until).getTime();
        break;
      case "escalate":
        b.to_department = v.department;
        b.level = Number(v.level || 1);
        break;
      case "merge":
        b.into_case = s(v.into);
        break;
      case "comment":
        b.text = s(v.text);
        break;
      case "satisfaction":
        b.score = Number(v.score);
        if (s(v.note)) b.note = s(v.note);
        break;
    }
    onRun(b, files);
  };
  const title = actionLabel(action);
  return (
    <form class="cs-action-form" data-action={action} aria-label={title} onSubmit={submit}>
      {fields.includes("category") && <CategoryPicker cats={cats} value={v.category || ""} onChange={set("category")} label={t("cs.fm.category")} required={false} />}
      {fields.includes("urgency") && (
        <Field label={t("cs.fm.urgency")}>
          <Select name="urgency" value={v.urgency || ""} onChange={set("urgency")} empty={t("cs.new.default")} options={URGENCIES.map((u) => [u, urgencyLabel(u)])} />
        </Field>
      )}
      {(fields.includes("department") || fields.includes("department_or_table")) && (
        <Field label={t("cs.fm.department")}>
          <select name="department" required={fields.includes("department")} value={v.department} onChange={set("department")}>
            <option value="">{fields.includes("department_or_table") ? t("cs.fm.by_table") : "—"}</option>
            {depts
              .filter((d) => d.id !== c.department || action !== "reassign")
              .map((d) => (
                <option value={d.id} key={d.id}>
                  {nameOf(d)}
                </option>
              ))}
          </select>
        </Field>
      )}
      {fields.includes("level") && (
        <Field label={t("cs.fm.level")}>
          <Select name="level" value={v.level || "1"} onChange={set("level")} options={[["1", "1"], ["2", "2"]]} />
        </Field>
      )}
      {fields.includes("passed") && (
        <fieldset class="cs-radio">
          <legend>{t("cs.fm.passed")}</legend>
          <label>
            <input type="radio" name="passed" value="true" checked={v.passed === "true"} onChange={set("passed")} /> {t("cs.fm.pass")}
          </label>
          <label>
            <input type="radio" name="passed" value="false" checked={v.passed === "false"} onChange={set("passed")} /> {t("cs.fm.fail")}
          </label>
        </fieldset>
      )}
      {fields.includes("reason") && (
        <Field label={t("cs.fm.reason")}>
          <input name="reason" required maxLength={500} value={v.reason || ""} onInput={set("reason")} />
        </Field>
      )}
      {fields.includes("until") && (
        <Field label={t("cs.fm.until")}>
          <input type="datetime-local" name="until" value={v.until || ""} onInput={set("until")} />
        </Field>
      )}
      {fields.includes("into") && (
        <Field label={t("cs.fm.into")}>
          <input name="into_case" required maxLength={64} value={v.into || ""} onInput={set("into")} />
        </Field>
      )}
      {fields.includes("score") && (
        <Field label={t("cs.fm.score")}>
          <Select name="score" value={v.score} onChange={set("score")} options={["5", "4", "3", "2", "1"].map((n) => [n, "★".repeat(Number(n)) + " " + n])} />
        </Field>
      )}
      {(fields.includes("note") || fields.includes("note_req") || fields.includes("note_verify")) && (
        <Field label={t("cs.fm.note")}>
          <textarea
            name="note"
            rows={2}
            maxLength={2000}
            required={fields.includes("note_req") || (fields.includes("note_verify") && v.passed === "false")}
            value={v.note || ""}
            onInput={set("note")}
          />
        </Field>
      )}
      {fields.includes("text") && (
        <Field label={t("cs.fm.text")}>
          <textarea name="text" rows={2} required maxLength={2000} value={v.text || ""} onInput={set("text")} />
        </Field>
      )}
      {fields.includes("photos") && (
        <Field label={t("cs.fm.photos")}>
          <input type="file" name="photos" accept="image/png,image/jpeg" multiple onChange={(e) => setFiles([...e.currentTarget.files])} />
        </Field>
      )}
      <div class="form-buttons">
        <button type="submit" class="primary" disabled={busy}>
          {t("cs.fm.submit", { act: title })}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

export function CaseDetail({ id, me, onClose, onChanged }) {
  const [c, setC] = useState(null);
  const [err, setErr] = useState(null);
  const [open, setOpen] = useState("");
  const [flash, setFlash] = useState("");
  const act = useAction();
  const { refs } = useRefs();
  const cats = useCategories();
  const ref = useRef(null);
  const shown = !!c;
  useEffect(() => {
    if (shown && window.matchMedia("(max-width: 1100px)").matches) ref.current?.scrollIntoView({ block: "start" });
  }, [shown]);
  const load = () =>
    api(`/cases/${encodeURIComponent(id)}`).then((x) => {
      setC(x);
      setErr(null);
    }, setErr);
  useEffect(() => {
    load();
  }, [id]);
  // Someone else took a step on this case: show it.
  useEffect(
    () =>
      live.onCase((batch) => {
        if (batch.some((c) => c.id === id)) load();
      }),
    [id]
  );

  async function run(body, files = []) {
    const r = await act.run(async () => {
      if (body.action === "feedback") {
        for (const f of files) {
          const a = await uploadPhoto(id, f);
          body.attachments.push(String(a.id));
        }
      }
      return api(`/cases/${encodeURIComponent(id)}/actions`, { method: "POST", body });
    });
    if (!r.ok) return;
    setFlash(t("cs.d.done", { act: actionLabel(body.action) }));
    setOpen("");
    setC(r.value);
    onChanged?.(r.value);
  }

  if (err) return <aside class="panel al-detail cs-detail"><ErrorBox error={err} /></aside>;
  if (!c) return <aside class="panel al-detail cs-detail"><Loading /></aside>;
  const dept = (d) => (d ? refName(refs?.dept, d) : "—");
  const actions = c.actions || [];
  const photos = (c.attachments || []).filter((a) => /^image\//.test(a.content_type));
  return (
    <aside class="panel al-detail cs-detail" aria-labelledby="cs-detail-h" data-case={c.id} data-status={c.status} ref={ref}>
      <div class="panel-head">
        <h2 id="cs-detail-h">
          {t("cs.d.title", { id: c.id })} <CaseStatus status={c.status} /> <UrgencyBadge urgency={c.urgency} />{" "}
          {c.overdue && <span class="badge cs-overdue">{t("cs.overdue")}</span>}
        </h2>
        {onClose && (
          <button type="button" class="icon-btn" aria-label={t("common.close")} onClick={onClose}>
            ×
          </button>
        )}
      </div>
      <dl class="attrs al-attrs">
        <div><dt>{t("cs.col.category")}</dt><dd>{caseCatName(c)} <small class="muted">({c.category})</small></dd></div>
        <div><dt>{t("cs.d.description")}</dt><dd class="cs-d-desc">{c.description || "—"}</dd></div>
        <div><dt>{t("cs.d.address")}</dt><dd>{c.address || "—"}{c.lon != null && <small class="muted"> ({c.lon.toFixed(5)}, {c.lat.toFixed(5)})</small>}</dd></div>
        <div><dt>{t("cs.d.region")}</dt><dd>{c.region ? refName(refs?.region, c.region) : "—"}{c.grid ? " / " + c.grid : ""}</dd></div>
        <div><dt>{t("cs.d.source")}</dt><dd>{sourceLabel(c.source)}</dd></div>
        <div><dt>{t("cs.col.department")}</dt><dd class="cs-d-dept" data-department={c.department || ""}>{dept(c.department)}</dd></div>
        {c.co_departments?.length > 0 && <div><dt>{t("cs.d.co")}</dt><dd>{c.co_departments.map(dept).join("、")}</dd></div>}
        {(c.reporter_name || c.reporter_phone) && <div><dt>{t("cs.d.reporter")}</dt><dd>{[c.reporter_name, c.reporter_phone].filter(Boolean).join(" · ")}</dd></div>}
        <div><dt>{t("cs.col.created")}</dt><dd>{fmtTime(c.created_ms)}</dd></div>
        {Object.entries(c.deadlines || {}).map(([k, ms]) => (
          <div key={k}><dt>{t("cs.d.deadline." + k)}</dt><dd>{fmtTime(ms)}</dd></div>
        ))}
        {c.rework_count > 0 && <div><dt>{t("cs.d.rework")}</dt><dd>{c.rework_count}</dd></div>}
        {c.escalation_level > 0 && <div><dt>{t("cs.d.escalation")}</dt><dd>{c.escalation_level}</dd></div>}
        {c.satisfaction && <div><dt>{t("cs.d.satisfaction")}</dt><dd>{"★".repeat(c.satisfaction.score || 0)} {c.satisfaction.note || ""}</dd></div>}
        {c.merged_into && <div><dt>{t("cs.d.merged_into")}</dt><dd><a href={"#/cases?id=" + encodeURIComponent(c.merged_into)}>{c.merged_into}</a></dd></div>}
      </dl>
      {flash && <p class="ok-msg" role="status">{flash}</p>}
      <FormError error={act.error} />
      <section class="cs-actions" aria-labelledby="cs-actions-h">
        <h3 id="cs-actions-h">{t("cs.d.actions")}</h3>
        {actions.length === 0 ? (
          <p class="muted small">{t("cs.d.no_actions")}</p>
        ) : (
          <div class="cs-action-buttons">
            {actions.map((a) => (
              <button
                type="button"
                key={a}
                data-action={a}
                class={open === a ? "primary" : ""}
                aria-expanded={FORMS[a] ? open === a : undefined}
                disabled={act.busy}
                onClick={() => (FORMS[a] ? setOpen(open === a ? "" : a) : run({ action: a }))}
              >
                {actionLabel(a)}
              </button>
            ))}
          </div>
        )}
        {open && <ActionForm key={open} c={c} action={open} refs={refs} cats={cats} busy={act.busy} onRun={run} onCancel={() => setOpen("")} />}
      </section>
      <section class="cs-photos" aria-labelledby="cs-photos-h">
        <h3 id="cs-photos-h">{t("cs.d.photos", { n: photos.length })}</h3>
        {photos.length === 0 ? (
          <p class="muted small">{t("cs.d.no_photos")}</p>
        ) : (
          <ul class="cs-thumbs">
            {photos.map((p) => {
              const src = `/api/v1/cases/${encodeURIComponent(c.id)}/attachments/${encodeURIComponent(p.id)}`;
              return (
                <li key={p.id} data-attachment={p.id}>
                  <a href={src} target="_blank" rel="noopener">
                    <img src={src} alt={p.file_name} loading="lazy" />
                  </a>
                  <small class="muted">{p.uploaded_by} · {fmtTime(p.uploaded_ms)}</small>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section class="cs-timeline" aria-labelledby="cs-tl-h">
        <h3 id="cs-tl-h">{t("cs.d.timeline", { n: c.timeline?.length || 0 })}</h3>
        <ol class="cs-tl">
          {(c.timeline || []).map((e, i) => (
            <li key={i} data-action={e.action} data-to={e.to}>
              <div class="cs-tl-head">
                <b class="cs-tl-act">{actionLabel(e.action)}</b>
                {e.from !== e.to && (
                  <span class="cs-tl-st">
                    {statusLabel(e.from)} → {statusLabel(e.to)}
                  </span>
                )}
                <time class="small muted" dateTime={new Date(e.at_ms).toISOString()}>
                  {fmtTime(e.at_ms)}
                </time>
              </div>
              <div class="small muted cs-tl-who">
                {actorText(e.actor, refs)}
                {e.department && e.department !== e.actor?.department && <> → {dept(e.department)}</>}
              </div>
              {e.note && <p class="cs-tl-note">{e.note}</p>}
            </li>
          ))}
        </ol>
      </section>
    </aside>
  );
}
