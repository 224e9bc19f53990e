// #/tasks: the monthly board of the county's key tasks (重点任务), for either shipped task pack
// (Yiyuan's key works or the Yishui task book; the picker sets ?pack=). Department users see and
// report the tasks their department leads or partners, with evidence files; admins and operators
// see every task, report for any (lead units with no department are the big-data center's, which
// the board says), and get the reminders (per lead unit, the tasks overdue or not reported this
// month). Viewers read only. The server checks every call; the page leaves out what the role may
// not do.
import { Fragment } from "preact";
import { useId, useState } from "preact/hooks";
import "./console.css";
import "./tasks.css";
import { api } from "../api.js";
import { fmtTime, getLang, nameOf, t } from "../i18n.js";
import { hashFilters } from "../shell.jsx";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, Select, errMsg, useAction } from "../components/form.jsx";
import { Modal } from "../components/dialog.jsx";
import { useRefs } from "../components/refs.js";
import { canAdminRegistry } from "../session.js";
import { ACCEPT, MAX_EVIDENCE, typeOf } from "./submit.jsx";

const KEYS = ["pack", "period", "flag", "mine", "all"];
function fileSize(n) {
  if (n >= 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MiB";
  if (n >= 1024) return Math.round(n / 1024) + " KiB";
  return n + " B";
}

/** The API path of a task's progress reports (the pack goes in the query). */
function progressPath(task) {
  return `/tasks/${encodeURIComponent(task.id)}/progress`;
}

/** Uploads `files` to report `id` of `task` in `pack` one by one; → [{name, ok, error?}]. */
async function uploadAll(pack, task, id, files, onProgress) {
  const out = [];
  for (const f of files) {
    onProgress?.(f.name);
    if (f.size > MAX_EVIDENCE) {
      out.push({ name: f.name, ok: false, error: t("tk.r.too_big") });
      continue;
    }
    try {
      await api(`${progressPath(task)}/${id}/evidence`, { method: "POST", query: { pack, name: f.name }, body: f, contentType: typeOf(f) });
      out.push({ name: f.name, ok: true });
    } catch (e) {
      out.push({ name: f.name, ok: false, error: errMsg(e) });
    }
  }
  onProgress?.(null);
  return out;
}
const FLAGS = ["overdue", "not_reported", "any"];

const { read: filtersOf, write: setFilters } = hashFilters("#/tasks", KEYS);

/** The current month in China (UTC+8), as the server counts periods. */
function currentPeriod() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 7);
}

function unitIds(task) {
  return [...task.lead, ...task.partners].map((u) => u.id).filter(Boolean);
}

/** Mirrors the server: viewers never; admins and operators any task; departments their own. */
export function canReportTask(me, task) {
  if (!me || me.role === "viewer") return false;
  if (canAdminRegistry(me)) return true;
  return me.role === "department" && !!me.department && unitIds(task).includes(me.department);
}

function titleOf(task) {
  return (getLang() === "en" && task.title_en) || task.title;
}

function unitName(u, refs) {
  const d = u.id && refs?.dept?.get(u.id);
  return d ? nameOf(d) : u.name;
}

export function TasksPage({ me, query }) {
  const f = filtersOf(query);
  const maySeeAll = me.role !== "department";
  const all = maySeeAll && f.all === "1";
  const packs = useAsync(() => api("/tasks/packs"), []);
  const board = useAsync(
    () => api("/tasks", { query: { pack: f.pack || undefined, period: f.period || undefined, all: all ? "true" : "false" } }),
    [f.pack, f.period, all]
  );
  const admin = canAdminRegistry(me);
  const period = board.data?.period || f.period || currentPeriod();
  // The pack shown: the one asked for, else the server's default.
  const pack = board.data?.key || f.pack || packs.data?.find((p) => p.default)?.key || "";
  const reminders = useAsync(
    () => (admin && board.data ? api("/tasks/reminders", { query: { pack: board.data.key, period } }) : Promise.resolve(null)),
    [admin, period, board.data]
  );
  const { refs } = useRefs();
  const [open, setOpen] = useState(() => new Set());
  const [report, setReport] = useState(null); // the task being reported
  const [flash, setFlash] = useState("");
  const [gen, setGen] = useState(0); // bumps after a report so open histories reload
  const change = (k) => (v) => setFilters({ ...f, [k]: v });

  let rows = board.data?.tasks || [];
  if (f.flag === "overdue") rows = rows.filter((r) => r.overdue);
  else if (f.flag === "not_reported") rows = rows.filter((r) => r.not_reported);
  else if (f.flag === "any") rows = rows.filter((r) => r.overdue || r.not_reported);
  if (f.mine === "1" && me.department) rows = rows.filter((r) => unitIds(r).includes(me.department));

  const toggle = (id) =>
    setOpen((s) => {
      const n = new Set(s);
      n.has(id) ? n.delete(id) : n.add(id);
      return n;
    });

  return (
    <section class="console-page tk-page" aria-labelledby="tk-title" data-period={board.data?.period} data-pack={board.data?.key}>
      <div class="page-head">
        <div>
          <h1 id="tk-title">{t("tk.title")}</h1>
          {board.data && <p class="muted small tk-sub">{t("tk.subtitle", { name: board.data.name, period: board.data.period })}</p>}
        </div>
        <div class="sc-head-tools">
          <button type="button" onClick={board.reload} disabled={board.loading}>
            {t("tk.refresh")}
          </button>
        </div>
      </div>
      <form class="filters" role="search" aria-label={t("tk.filters")} onSubmit={(e) => e.preventDefault()}>
        {packs.data?.length > 1 && (
          <Field label={t("tk.f.pack")}>
            <Select
              name="pack"
              value={pack}
              onChange={(v) => {
                setOpen(new Set());
                change("pack")(v);
              }}
              options={packs.data.map((p) => [p.key, t("tk.pack_option", { name: (getLang() === "en" && p.name_en) || p.name, n: p.tasks })])}
            />
          </Field>
        )}
        <Field label={t("tk.month")}>
          <input
            type="month"
            name="period"
            max={currentPeriod()}
            value={period}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (/^\d{4}-\d{2}$/.test(v) && v <= currentPeriod()) change("period")(v === currentPeriod() ? "" : v);
            }}
          />
        </Field>
        <Field label={t("tk.f.flag")}>
          <Select name="flag" value={f.flag} onChange={change("flag")} empty={t("common.all")} options={FLAGS.map((x) => [x, t("tk.f.flag." + x)])} />
        </Field>
        {me.department && (
          <label class="tk-check">
            <input type="checkbox" name="mine" checked={f.mine === "1"} onChange={(e) => change("mine")(e.currentTarget.checked ? "1" : "")} />
            {t("tk.f.mine")}
          </label>
        )}
        {maySeeAll && (
          <label class="tk-check" title={t("tk.f.all_hint")}>
            <input type="checkbox" name="all" checked={all} onChange={(e) => change("all")(e.currentTarget.checked ? "1" : "")} />
            {t("tk.f.all")}
          </label>
        )}
      </form>
      {flash && (
        <p class="ok-msg" role="status">
          {flash}
        </p>
      )}
      <ErrorBox error={board.error} />
      {board.loading && !board.data && <Loading />}
      {board.data && (
        <Fragment>
          <dl class="tk-stats" aria-label={t("tk.stats")}>
            {["total", "finished", "overdue", "not_reported"].map((k) => (
              <div key={k} class={"tk-stat tk-stat-" + k}>
                <dt>{t("tk.stat." + k)}</dt>
                <dd>{board.data[k]}</dd>
              </div>
            ))}
          </dl>
          <p class="muted small" role="status">
            {t("tk.count", { n: rows.length })}
          </p>
          <Board rows={rows} pack={board.data.key} me={me} refs={refs} open={open} toggle={toggle} gen={gen} onReport={setReport} />
        </Fragment>
      )}
      {admin && <RemindersPanel st={reminders} tasks={board.data?.tasks || []} refs={refs} />}
      {report && (
        <ReportDialog
          task={report}
          pack={pack}
          me={me}
          period={period}
          refs={refs}
          onClose={() => setReport(null)}
          onDone={(v) => {
            setFlash(t("tk.reported_ok", { n: report.number, pct: v.percent }));
            setOpen((s) => new Set(s).add(report.id));
            setGen((g) => g + 1);
            board.reload();
          }}
        />
      )}
    </section>
  );
}

function Board({ rows, pack, me, refs, open, toggle, gen, onReport }) {
  const cols = ["number", "title", "units", "deadline", "percent", "narrative", "person", "contact", "flags", "actions"];
  return (
    <div class="table-wrap tk-wrap">
      <table class="data tk-table" aria-label={t("tk.table")}>
        <thead>
          <tr>
            {cols.map((c) => (
              <th scope="col" key={c} class={"tk-c-" + c}>
                {t("tk.col." + c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={cols.length} class="muted empty">
                {t("tk.none")}
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <Row key={r.id} r={r} pack={pack} me={me} refs={refs} expanded={open.has(r.id)} toggle={toggle} gen={gen} onReport={onReport} span={cols.length} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A task's units, each marked when it is the big-data center's (a lead unit with no department). */
function Units({ units, refs }) {
  return units.map((u, k) => (
    <Fragment key={k}>
      {k > 0 && "、"}
      {unitName(u, refs)}
      {u.center && (
        <span class="badge tk-center" data-center="1" title={t("tk.center_hint")}>
          {t("tk.center")}
        </span>
      )}
    </Fragment>
  ));
}

function Row({ r, pack, me, refs, expanded, toggle, gen, onReport, span }) {
  const histId = "tk-hist-" + r.id;
  const l = r.latest;
  return (
    <Fragment>
      <tr data-task={r.id} class={"tk-row" + (r.overdue ? " tk-overdue" : "") + (expanded ? " tk-open" : "")}>
        <td class="tk-c-number">{r.number}</td>
        <th scope="row" class="tk-c-title">
          {titleOf(r)}
        </th>
        <td class="tk-c-units" data-label={t("tk.col.units")}>
          <div>
          <div>
            <span class="muted">{t("tk.lead")}</span>
            <Units units={r.lead} refs={refs} />
          </div>
          {r.partners.length > 0 && (
            <div class="small">
              <span class="muted">{t("tk.partners")}</span>
              <Units units={r.partners} refs={refs} />
            </div>
          )}
          </div>
        </td>
        <td class="tk-c-deadline" data-label={t("tk.col.deadline")}>{(getLang() === "en" && r.deadline) || r.deadline_text || r.deadline || "—"}</td>
        <td class="tk-c-percent" data-label={t("tk.col.percent")}>
          <div>
            <Percent value={r.percent} label={t("tk.percent_name", { n: r.number })} />
            {l && <small class="muted tk-when">{t("tk.period_of", { period: l.period })}</small>}
          </div>
        </td>
        <td class="tk-c-narrative" data-label={t("tk.col.narrative")}>{l?.narrative || <span class="muted">—</span>}</td>
        <td class="tk-c-person" data-label={t("tk.col.person")}>{l?.person || <span class="muted">—</span>}</td>
        <td class="tk-c-contact" data-label={t("tk.col.contact")}>
          {l ? <Contact p={l} /> : <span class="muted">—</span>}
        </td>
        <td class="tk-c-flags" data-label={t("tk.col.flags")}>
          <Flags r={r} />
        </td>
        <td class="tk-c-actions">
          <div class="row-actions">
            <button
              type="button"
              class="tk-expand"
              aria-expanded={expanded}
              aria-controls={histId}
              aria-label={t(expanded ? "tk.collapse_name" : "tk.expand_name", { n: r.number })}
              onClick={() => toggle(r.id)}
            >
              <span aria-hidden="true">{expanded ? "▾" : "▸"}</span> {t("tk.expand")}
            </button>
            {canReportTask(me, r) && (
              <button type="button" class="primary tk-report-btn" onClick={() => onReport(r)}>
                {t("tk.report", { n: r.number })}
              </button>
            )}
          </div>
        </td>
      </tr>
      {expanded && (
        <tr class="tk-detail" id={histId} data-history={r.id}>
          <td colSpan={span}>
            <History task={r} pack={pack} refs={refs} gen={gen} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function Percent({ value, label }) {
  const cls = value >= 100 ? "done" : value >= 50 ? "mid" : "low";
  return (
    <div class="tk-pct">
      <div class="tk-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
        <div class={"tk-bar-fill " + cls} style={{ width: Math.max(0, Math.min(100, value)) + "%" }} />
      </div>
      <span class="tk-pct-text">{value}%</span>
    </div>
  );
}

function Contact({ p }) {
  if (!p.contact) return <span class="muted">—</span>;
  return (
    <span class={"tk-contact" + (p.contact_masked ? " masked" : "")} data-masked={p.contact_masked ? "1" : "0"}>
      {p.contact}
      {p.contact_masked && <span class="tk-sr"> ({t("tk.masked")})</span>}
    </span>
  );
}

function Flags({ r }) {
  if (r.percent >= 100) return <span class="badge tk-flag-done">{t("tk.flag.finished")}</span>;
  return (
    <div class="tk-flags">
      {r.overdue && (
        <span class="badge tk-flag tk-flag-overdue" data-flag="overdue">
          {t("tk.flag.overdue")}
        </span>
      )}
      {r.not_reported && (
        <span class="badge tk-flag tk-flag-not_reported" data-flag="not_reported">
          {t("tk.flag.not_reported")}
        </span>
      )}
    </div>
  );
}

function Evidence({ pack, task, p }) {
  if (!p.evidence?.length) return <span class="muted">—</span>;
  return (
    <ul class="sub-evidence">
      {p.evidence.map((e) => (
        <li key={e.id}>
          <a
            href={`/api/v1${progressPath(task)}/${p.id}/evidence/${e.id}?pack=${encodeURIComponent(pack)}`}
            download={e.file_name}
            data-evidence={e.id}
            aria-label={t("tk.download", { name: e.file_name })}
          >
            {e.file_name}
          </a>{" "}
          <span class="muted small">({fileSize(e.size)})</span>
        </li>
      ))}
    </ul>
  );
}

function History({ task, pack, refs, gen }) {
  const h = useAsync(() => api(progressPath(task), { query: { pack } }), [task.id, pack, gen]);
  const label = t("tk.history", { n: task.number });
  if (h.error) return <ErrorBox error={h.error} />;
  if (!h.data) return <Loading />;
  if (!h.data.length) return <p class="muted tk-hist-none">{t("tk.history_none")}</p>;
  return (
    <table class="tk-hist" aria-label={label}>
      <thead>
        <tr>
          {["period", "percent", "narrative", "evidence", "person", "contact", "department", "by"].map((c) => (
            <th scope="col" key={c}>
              {t("tk.h." + c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {h.data.map((p) => (
          <tr key={p.id} data-report={p.id}>
            <td>{p.period}</td>
            <td class="tk-hist-pct">{p.percent}%</td>
            <td class="tk-hist-text">{p.narrative || "—"}</td>
            <td>
              <Evidence pack={pack} task={task} p={p} />
            </td>
            <td>{p.person}</td>
            <td>
              <Contact p={p} />
            </td>
            <td>{p.department ? (refs?.dept?.get(p.department) ? nameOf(refs.dept.get(p.department)) : p.department) : t("tk.center_unit")}</td>
            <td>
              {p.reported_by} · <time dateTime={new Date(p.reported_ms).toISOString()}>{fmtTime(p.reported_ms)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FileResults({ results }) {
  if (!results?.length) return null;
  return (
    <ul class="sub-files" aria-label={t("tk.r.files_result")}>
      {results.map((r, k) => (
        <li key={k} class={r.ok ? "ok" : "err"} data-file={r.name} role={r.ok ? undefined : "alert"}>
          <b>{r.name}</b>：{r.ok ? t("tk.r.file_ok") : t("tk.r.file_err", { msg: r.error })}
        </li>
      ))}
    </ul>
  );
}

function ReportDialog({ task, pack, me, period, refs, onClose, onDone }) {
  const { busy, error, setError, run } = useAction();
  const [files, setFiles] = useState([]);
  const [created, setCreated] = useState(null); // the report, once made, while files failed
  const [results, setResults] = useState([]);
  const [uploading, setUploading] = useState(null);
  const l = task.latest;
  const mine = l && (!me.department || l.department === me.department);
  const [v, setV] = useState({
    percent: String(task.percent || 0),
    narrative: "",
    person: (mine && !l?.contact_masked && l?.person) || "",
    contact: (mine && !l?.contact_masked && l?.contact) || "",
    department: "",
  });
  const msgId = useId();
  const admin = canAdminRegistry(me);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const units = [...task.lead, ...task.partners].filter((u) => u.id);
  async function go(e) {
    e.preventDefault();
    const pct = Number(v.percent);
    if (v.percent.trim() === "" || !Number.isInteger(pct) || pct < 0 || pct > 100) {
      setError(new Error(t("tk.r.percent_bad")));
      return;
    }
    const body = { period, percent: pct, narrative: v.narrative.trim(), person: v.person.trim(), contact: v.contact.trim() };
    if (admin && v.department) body.department = v.department;
    const r = await run(() => api(progressPath(task), { method: "POST", query: { pack }, body }));
    if (!r.ok) return;
    const res = files.length ? await uploadAll(pack, task, r.value.id, files, setUploading) : [];
    setFiles([]);
    onDone(r.value);
    if (res.every((x) => x.ok)) {
      onClose();
      return;
    }
    // Some file was refused: the report stands; say which, and let the user try again.
    setResults(res);
    setCreated(r.value);
  }
  async function uploadMore(e) {
    e.preventDefault();
    if (!files.length) return;
    const more = await uploadAll(pack, task, created.id, files, setUploading);
    setResults([...results, ...more]);
    setFiles([]);
    onDone(created);
    e.currentTarget.reset?.();
  }
  const title = t("tk.report_title", { n: task.number, title: titleOf(task) });
  if (created) {
    return (
      <Modal title={title} onClose={onClose} focus=".tk-done-btn">
        <p class="ok-msg" role="status">
          {t("tk.r.done_files", { n: task.number, pct: created.percent })}
        </p>
        {uploading && (
          <p class="muted" role="status">
            {t("tk.r.uploading", { name: uploading })}
          </p>
        )}
        <FileResults results={results} />
        <form class="sub-more" onSubmit={uploadMore}>
          <Field label={t("tk.r.retry_files")} hint={t("tk.r.files_hint")}>
            <input type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...e.currentTarget.files])} />
          </Field>
          <button type="submit" disabled={!files.length || !!uploading}>
            {t("tk.r.upload")}
          </button>
        </form>
        <div class="form-buttons">
          <button type="button" class="primary tk-done-btn" onClick={onClose} disabled={!!uploading}>
            {t("tk.r.close")}
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={title} onClose={onClose} describedBy={msgId} focus="input[name=percent]">
      <form onSubmit={go} class="tk-form" data-task={task.id}>
        <p id={msgId} class="muted small">
          {t(admin ? "tk.report_msg_admin" : "tk.report_msg", { period, prev: task.percent })}
        </p>
        <Field label={t("tk.r.percent")} required>
          <input name="percent" type="number" min={0} max={100} step={1} required inputMode="numeric" value={v.percent} onInput={set("percent")} />
        </Field>
        <Field label={t("tk.r.narrative")}>
          <textarea name="narrative" rows={4} maxLength={2000} value={v.narrative} onInput={set("narrative")} />
        </Field>
        <div class="tk-form-row">
          <Field label={t("tk.r.person")} required>
            <input name="person" required maxLength={64} autoComplete="name" value={v.person} onInput={set("person")} />
          </Field>
          <Field label={t("tk.r.contact")} required>
            <input name="contact" type="tel" required maxLength={32} autoComplete="tel" value={v.contact} onInput={set("contact")} />
          </Field>
        </div>
        <Field label={t("tk.r.files")} hint={t("tk.r.files_hint")}>
          <input name="evidence" type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...e.currentTarget.files])} />
        </Field>
        {uploading && (
          <p class="muted" role="status">
            {t("tk.r.uploading", { name: uploading })}
          </p>
        )}
        {admin && units.length > 1 && (
          <Field label={t("tk.r.department")}>
            <Select
              name="department"
              value={v.department}
              onChange={(x) => setV({ ...v, department: x })}
              empty={t("tk.r.department_default")}
              options={units.map((u) => [u.id, unitName(u, refs)])}
            />
          </Field>
        )}
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={busy || !!uploading}>
            {busy || uploading ? t("c.saving") : t("tk.r.submit")}
          </button>
          <button type="button" onClick={onClose} disabled={busy || !!uploading}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function RemindersPanel({ st, tasks, refs }) {
  const byId = new Map(tasks.map((x) => [x.id, x]));
  const list = st.data?.reminders || [];
  return (
    <section class="panel tk-reminders" aria-labelledby="tk-rem-title">
      <div class="panel-head">
        <h2 id="tk-rem-title">{t("tk.reminders")}</h2>
        <span class="muted small">{t("tk.reminders_sub")}</span>
      </div>
      <ErrorBox error={st.error} />
      {st.loading && !st.data && <Loading />}
      {st.data && list.length === 0 && <p class="muted">{t("tk.reminders_none")}</p>}
      {list.length > 0 && (
        <ul class="tk-rem-list">
          {list.map((r) => {
            const d = r.department && refs?.dept?.get(r.department);
            const unit = d ? nameOf(d) : r.unit;
            return (
              <li key={(r.department || "") + r.unit} data-department={r.department || ""}>
                <h3>
                  {t("tk.reminder_unit", { unit, n: r.tasks.length })}
                  {r.center && <small class="muted"> · {t("tk.center")}</small>}
                </h3>
                <ul>
                  {r.tasks.map((x) => (
                    <li key={x.id} data-task={x.id}>
                      <span class="tk-num">#{x.number}</span> {byId.get(x.id) ? titleOf(byId.get(x.id)) : x.title}{" "}
                      <span class="muted small">{x.percent}%</span>{" "}
                      {x.overdue && (
                        <span class="badge tk-flag tk-flag-overdue" data-flag="overdue">
                          {t("tk.flag.overdue")}
                        </span>
                      )}{" "}
                      {x.not_reported && (
                        <span class="badge tk-flag tk-flag-not_reported" data-flag="not_reported">
                          {t("tk.flag.not_reported")}
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
