// #/alarms: the alarm console. Filters (status, severity, acknowledged) in the hash, the list
// (newest first, kept live from the shared stream, paged with `before`), and a detail pane for
// the alarm named by ?id= with its comments and the actions: acknowledge, assign, comment, clear
// with a note. Department users see their department's alarms (the server scopes the list);
// viewers read only. Errors are the server's, in the UI's language.
import { useEffect, useRef, useState } from "preact/hooks";
import "./console.css";
import "./alarms.css";
import { api } from "../api.js";
import { fmtTime, t } from "../i18n.js";
import { hashFilters } from "../shell.jsx";
import { ErrorBox, Loading } from "../ui.jsx";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { SEVERITIES, SEV_COLOR, matches, sevLabel, useAlarmStream } from "../components/alarms.js";
import { fmtAlarmValue } from "../components/alarm-feed.jsx";
import { canAdminRegistry, canAdminUsers } from "../session.js";
import { useRefs } from "../components/refs.js";
import { refName } from "../components/labels.jsx";
import { CategoryPicker, useCategories } from "../components/case-form.jsx";
import { LoadMore } from "../components/table.jsx";

/** 转工单: a case from this alarm (the command center), then a link to it. */
function AlarmToCase({ id }) {
  const cats = useCategories();
  const [category, setCategory] = useState("");
  const [made, setMade] = useState(null);
  const act = useAction();
  async function submit(e) {
    e.preventDefault();
    const r = await act.run(() => api(`/alarms/${encodeURIComponent(id)}/case`, { method: "POST", body: { category } }));
    if (r.ok) setMade(r.value);
  }
  if (made) {
    return (
      <p class="ok-msg al-case-made" role="status" data-case={made.id}>
        <a href={"#/cases?id=" + encodeURIComponent(made.id)}>{t("al.d.case_ok", { id: made.id })}</a>
      </p>
    );
  }
  return (
    <form class="al-inline al-to-case" onSubmit={submit}>
      <CategoryPicker cats={cats} value={category} onChange={setCategory} label={t("al.d.case_cat")} />
      <FormError error={act.error} />
      <button type="submit" disabled={act.busy || !category}>
        {t("al.d.to_case")}
      </button>
    </form>
  );
}

const KEYS = ["status", "severity", "acknowledged", "id"];
const PAGE = 50;

const { read: filtersOf, write: go } = hashFilters("#/alarms", KEYS);

/** The two pages behind the "alarms" entry of the header: the console and the rules. */
export function AlarmTabs({ active }) {
  return (
    <nav class="tabs al-tabs" aria-label={t("al.tabs")}>
      <a href="#/alarms" aria-current={active === "alarms" ? "page" : undefined}>
        {t("al.title")}
      </a>
      <a href="#/rules" aria-current={active === "rules" ? "page" : undefined}>
        {t("al.to_rules")}
      </a>
    </nav>
  );
}

export function SevBadge({ severity }) {
  return (
    <span class={"badge al-sev al-sev-" + severity} data-severity={severity}>
      <i class="dot" style={{ background: SEV_COLOR[severity] }} aria-hidden="true" />
      {sevLabel(severity)}
    </span>
  );
}

function StatusBadge({ a }) {
  if (a.status === "cleared") return <span class="badge al-st-cleared">{t("al.status.cleared")}</span>;
  return <span class="badge al-st-active">{t("al.status.active")}</span>;
}

export function AlarmsPage({ me, query }) {
  const f = filtersOf(query);
  const listKey = f.status + "|" + f.severity + "|" + f.acknowledged;
  const [st, setSt] = useState({ rows: [], loading: true, error: null, more: false, busyMore: false });
  const [gen, setGen] = useState(0);
  const q = { status: f.status || undefined, severity: f.severity || undefined, acknowledged: f.acknowledged || undefined };

  useEffect(() => {
    let gone = false;
    setSt((s) => ({ ...s, loading: true, error: null }));
    api("/alarms", { query: { ...q, limit: PAGE } }).then(
      (rows) => !gone && setSt({ rows, loading: false, error: null, more: rows.length >= PAGE, busyMore: false }),
      (error) => !gone && setSt({ rows: [], loading: false, error, more: false, busyMore: false })
    );
    return () => {
      gone = true;
    };
  }, [listKey, gen]);

  // Live: an alarm that (still) passes the filters is added or refreshed, one that no longer
  // does (cleared while showing active ones, acknowledged while showing unacknowledged) leaves.
  const [detailTick, setDetailTick] = useState(0);
  useAlarmStream(
    (batch) => {
      setSt((s) => {
        let rows = s.rows.slice();
        for (const c of batch) {
          const a = c.alarm;
          if (!a) continue;
          const i = rows.findIndex((x) => x.id === a.id);
          if (matches(a, f)) {
            if (i >= 0) rows[i] = a;
            else rows.push(a);
          } else if (i >= 0) rows.splice(i, 1);
        }
        rows.sort((x, y) => y.id - x.id);
        return { ...s, rows };
      });
      if (f.id && batch.some((c) => String(c.alarm?.id) === f.id)) setDetailTick((n) => n + 1);
    },
    () => setGen((g) => g + 1)
  );

  async function more() {
    const last = st.rows[st.rows.length - 1];
    if (!last) return;
    setSt((s) => ({ ...s, busyMore: true }));
    try {
      const rows = await api("/alarms", { query: { ...q, before: last.id, limit: PAGE } });
      setSt((s) => ({ ...s, rows: [...s.rows, ...rows.filter((r) => !s.rows.some((x) => x.id === r.id))], more: rows.length >= PAGE, busyMore: false }));
    } catch (error) {
      setSt((s) => ({ ...s, error, busyMore: false }));
    }
  }

  const change = (k) => (v) => go({ ...f, [k]: v, id: k === "id" ? v : f.id });
  const select = (id) => go({ ...f, id: String(id) });

  return (
    <section class="console-page al-page" aria-labelledby="al-title">
      <AlarmTabs active="alarms" />
      <div class="page-head">
        <h1 id="al-title">{t("al.title")}</h1>
        <div class="sc-head-tools">
          <button type="button" onClick={() => setGen((g) => g + 1)} disabled={st.loading}>
            {t("common.refresh")}
          </button>
        </div>
      </div>
      <form class="filters" role="search" aria-label={t("al.filters")} onSubmit={(e) => e.preventDefault()}>
        <Field label={t("al.f.status")}>
          <Select
            name="status"
            value={f.status}
            onChange={change("status")}
            empty={t("common.all")}
            options={[
              ["active", t("al.status.active")],
              ["cleared", t("al.status.cleared")],
            ]}
          />
        </Field>
        <Field label={t("al.f.severity")}>
          <Select name="severity" value={f.severity} onChange={change("severity")} empty={t("common.all")} options={SEVERITIES.map((s) => [s, sevLabel(s)])} />
        </Field>
        <Field label={t("al.f.acknowledged")}>
          <Select
            name="acknowledged"
            value={f.acknowledged}
            onChange={change("acknowledged")}
            empty={t("common.all")}
            options={[
              ["false", t("al.f.ack_no")],
              ["true", t("al.f.ack_yes")],
            ]}
          />
        </Field>
      </form>
      <div class={"al-layout" + (f.id ? " with-detail" : "")}>
        <div class="al-list-col">
          <ErrorBox error={st.error} />
          {st.loading && !st.rows.length && <Loading />}
          <AlarmTable rows={st.rows} selected={f.id} onSelect={select} loading={st.loading} />
          {st.rows.length > 0 && (
            <LoadMore count={st.rows.length} hasMore={st.more} busy={st.busyMore} onMore={more} />
          )}
        </div>
        {f.id && (
          <AlarmDetail
            key={f.id}
            id={f.id}
            me={me}
            tick={detailTick}
            onClose={() => go({ ...f, id: "" })}
            onChanged={(a) => setSt((s) => ({ ...s, rows: s.rows.map((x) => (x.id === a.id ? { ...x, ...a } : x)) }))}
          />
        )}
      </div>
    </section>
  );
}

function AlarmTable({ rows, selected, onSelect, loading }) {
  const cols = ["severity", "raised", "rule", "entity", "value", "status", "ack", "assignee"];
  return (
    <div class="table-wrap">
      <table class="data al-table" aria-label={t("al.table")}>
        <thead>
          <tr>
            {cols.map((c) => (
              <th scope="col" key={c} class={"al-c-" + c}>
                {t("al.col." + c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && !loading && (
            <tr>
              <td colSpan={cols.length} class="muted empty">
                {t("al.none")}
              </td>
            </tr>
          )}
          {rows.map((a) => (
            <tr
              key={a.id}
              data-alarm={a.id}
              data-rule={a.rule}
              data-status={a.status}
              class={"al-row" + (String(a.id) === selected ? " selected" : "") + (a.status === "cleared" ? " cleared" : "")}
              aria-selected={String(a.id) === selected}
              onClick={() => onSelect(a.id)}
            >
              <td>
                <SevBadge severity={a.severity} />
              </td>
              <td class="al-time">{fmtTime(a.raised_ms)}</td>
              <th scope="row" class="al-c-rule">
                <a
                  href={"#/alarms?id=" + a.id}
                  onClick={(e) => {
                    e.preventDefault();
                    e.stopPropagation();
                    onSelect(a.id);
                  }}
                >
                  {a.rule_name}
                </a>
              </th>
              <td class="al-c-entity">{a.entity_name || a.entity || "—"}</td>
              <td class="num">{fmtAlarmValue(a.value)}</td>
              <td>
                <StatusBadge a={a} />
              </td>
              <td>{a.acknowledged_by ? <span class="al-acked">✓ {a.acknowledged_by}</span> : <span class="muted">{t("al.f.ack_no")}</span>}</td>
              <td>{a.assignee || <span class="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The assignee picker: admins get the user list; others type a user name. */
function useUserNames(me) {
  const [names, setNames] = useState([]);
  useEffect(() => {
    if (!canAdminUsers(me)) return;
    api("/users").then((u) => setNames(u.filter((x) => !x.disabled).map((x) => x.username)), () => {});
  }, [me?.username]);
  return names;
}

function AlarmDetail({ id, me, tick, onClose, onChanged }) {
  const [a, setA] = useState(null);
  const [err, setErr] = useState(null);
  const [comment, setComment] = useState("");
  const [note, setNote] = useState("");
  const [assignee, setAssignee] = useState("");
  const [flash, setFlash] = useState("");
  const act = useAction();
  const users = useUserNames(me);
  const { refs } = useRefs();
  const mayAct = me.role !== "viewer";
  const ref = useRef(null);
  const shown = !!a;
  // One column (narrow screens): the detail is under the list, so bring it into view.
  useEffect(() => {
    if (shown && window.matchMedia("(max-width: 1100px)").matches) ref.current?.scrollIntoView({ block: "start" });
  }, [shown]);

  const load = () =>
    api(`/alarms/${encodeURIComponent(id)}`).then(
      (x) => {
        setA(x);
        setErr(null);
        setAssignee((v) => v || x.assignee || "");
      },
      setErr
    );
  useEffect(() => {
    load();
  }, [id, tick]);

  async function run(path, body, done) {
    const r = await act.run(() => api(`/alarms/${encodeURIComponent(id)}/${path}`, { method: "POST", body }));
    if (!r.ok) return false;
    setFlash(done);
    onChanged(r.value);
    await load();
    return true;
  }

  if (err) return <aside class="panel al-detail"><ErrorBox error={err} /></aside>;
  if (!a) return <aside class="panel al-detail"><Loading /></aside>;
  const active = a.status === "active";
  return (
    <aside class="panel al-detail" aria-labelledby="al-detail-h" data-alarm={a.id} data-status={a.status} ref={ref}>
      <div class="panel-head">
        <h2 id="al-detail-h">
          {t("al.d.title", { id: a.id })} <SevBadge severity={a.severity} />
        </h2>
        <button type="button" class="icon-btn" aria-label={t("common.close")} onClick={onClose}>
          ×
        </button>
      </div>
      <p class="al-msg">{a.message}</p>
      <dl class="attrs al-attrs">
        <div><dt>{t("al.col.rule")}</dt><dd>{a.rule_name} <small class="muted">({a.rule} · v{a.rule_version})</small></dd></div>
        <div><dt>{t("al.col.entity")}</dt><dd>{a.entity ? <a href={"#/entities/" + encodeURIComponent(a.entity)}>{a.entity_name || a.entity}</a> : "—"}</dd></div>
        <div><dt>{t("al.col.status")}</dt><dd class="al-d-status"><StatusBadge a={a} /></dd></div>
        <div><dt>{t("al.d.value")}</dt><dd>{fmtAlarmValue(a.value)} <small class="muted">{t("al.d.peak", { v: fmtAlarmValue(a.peak), n: a.count })}</small></dd></div>
        <div><dt>{t("al.d.since")}</dt><dd>{fmtTime(a.since_ms)}</dd></div>
        <div><dt>{t("al.d.raised")}</dt><dd>{fmtTime(a.raised_ms)}</dd></div>
        <div><dt>{t("al.d.updated")}</dt><dd>{fmtTime(a.updated_ms)}</dd></div>
        {a.cleared_ms && <div><dt>{t("al.d.cleared")}</dt><dd>{fmtTime(a.cleared_ms)}{a.cleared_by ? " · " + a.cleared_by : ""}</dd></div>}
        <div><dt>{t("al.col.ack")}</dt><dd class="al-d-ack">{a.acknowledged_by ? t("al.d.acked_by", { who: a.acknowledged_by, at: fmtTime(a.acknowledged_ms) }) : t("al.f.ack_no")}</dd></div>
        <div><dt>{t("al.col.assignee")}</dt><dd class="al-d-assignee">{a.assignee || "—"}</dd></div>
        {a.department && <div><dt>{t("al.d.department")}</dt><dd>{refName(refs?.dept, a.department)}</dd></div>}
      </dl>
      {flash && <p class="ok-msg" role="status">{flash}</p>}
      <FormError error={act.error} />
      {mayAct && (
        <div class="al-actions">
          {!a.acknowledged_by && (
            <button type="button" class="primary" disabled={act.busy} onClick={() => run("acknowledge", undefined, t("al.d.acked_ok"))}>
              {t("al.d.ack")}
            </button>
          )}
          <form
            class="al-inline"
            onSubmit={(e) => {
              e.preventDefault();
              run("assign", { assignee: assignee.trim() || null }, assignee.trim() ? t("al.d.assigned_ok", { who: assignee.trim() }) : t("al.d.unassigned_ok"));
            }}
          >
            <Field label={t("al.d.assignee")}>
              <input name="assignee" list="al-users" value={assignee} maxLength={64} onInput={(e) => setAssignee(e.currentTarget.value)} placeholder={t("al.d.assignee_ph")} />
            </Field>
            <datalist id="al-users">
              {users.map((u) => (
                <option value={u} />
              ))}
            </datalist>
            <button type="submit" disabled={act.busy}>
              {t("al.d.assign")}
            </button>
          </form>
          {active && (
            <form
              class="al-inline"
              onSubmit={(e) => {
                e.preventDefault();
                run("clear", note.trim() ? { note: note.trim() } : {}, t("al.d.cleared_ok")).then((ok) => ok && setNote(""));
              }}
            >
              <Field label={t("al.d.clear_note")}>
                <input name="note" value={note} maxLength={500} onInput={(e) => setNote(e.currentTarget.value)} />
              </Field>
              <button type="submit" class="danger" disabled={act.busy}>
                {t("al.d.clear")}
              </button>
            </form>
          )}
        </div>
      )}
      {canAdminRegistry(me) && <AlarmToCase id={a.id} />}
      <section class="al-comments" aria-labelledby="al-comments-h">
        <h3 id="al-comments-h">{t("al.d.comments", { n: a.comments?.length || 0 })}</h3>
        {(a.comments || []).length === 0 ? (
          <p class="muted small">{t("al.d.no_comments")}</p>
        ) : (
          <ol class="al-comment-list">
            {a.comments.map((c) => (
              <li key={c.id} data-comment={c.id}>
                <div class="small muted">
                  <b>{c.author}</b> · <time dateTime={new Date(c.at_ms).toISOString()}>{fmtTime(c.at_ms)}</time>
                </div>
                <p>{c.text}</p>
              </li>
            ))}
          </ol>
        )}
        {mayAct && (
          <form
            class="al-comment-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!comment.trim()) return;
              run("comments", { text: comment.trim() }, t("al.d.commented_ok")).then((ok) => ok && setComment(""));
            }}
          >
            <Field label={t("al.d.comment")}>
              <textarea name="comment" rows={3} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
            </Field>
            <button type="submit" disabled={act.busy || !comment.trim()}>
              {t("al.d.add_comment")}
            </button>
          </form>
        )}
      </section>
    </aside>
  );
}
