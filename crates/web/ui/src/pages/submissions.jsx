// #/scorecard/submissions: departments' submitted indicator values. Department users see their
// own department's (the server scopes the list); admins and operators (the big-data center) get
// the review queue (submissions awaiting review) and approve or return them.
import { Fragment } from "preact";
import { useId, useState } from "preact/hooks";
import "./console.css";
import "./submissions.css";
import { api } from "../api.js";
import { fmtTime, t } from "../i18n.js";
import { hashFilters } from "../shell.jsx";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { Field, FormError, Select, useAction } from "../components/form.jsx";
import { Modal } from "../components/dialog.jsx";
import { useRefs } from "../components/refs.js";
import { canAdminRegistry } from "../session.js";
import { fmtVal, nm } from "./scorecard.jsx";
import { ImportDialog, canImport } from "./submission-import.jsx";

const STATUSES = ["submitted", "approved", "returned"];
const KEYS = ["view", "status", "period", "indicator"];

const { read: filtersOf, write: setFilters } = hashFilters("#/scorecard/submissions", KEYS);

function size(n) {
  if (n >= 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MB";
  if (n >= 1024) return Math.round(n / 1024) + " KB";
  return n + " B";
}

export function SubmissionsPage({ me, query }) {
  const reviewer = canAdminRegistry(me);
  const f = filtersOf(query);
  // Reviewers start on the queue; "all" lists everything with the status filter.
  const view = reviewer ? (f.view === "all" ? "all" : "queue") : "all";
  const status = view === "queue" ? "submitted" : f.status;
  const list = useAsync(
    () => api("/scorecard/submissions", { query: { status, period: f.period, indicator: f.indicator } }),
    [status, f.period, f.indicator]
  );
  const pack = useAsync(() => api("/scorecard/pack"), []);
  const { refs } = useRefs();
  const [review, setReview] = useState(null); // {s, decision}
  const [flash, setFlash] = useState("");
  const [importing, setImporting] = useState(false);
  const byNum = new Map((pack.data?.indicators || []).map((i) => [i.number, i]));
  const change = (k) => (v) => setFilters({ ...f, [k]: v });

  let items = list.data || [];
  // Awaiting review first (oldest first, as a queue), then the rest newest first.
  if (reviewer) {
    const waiting = items.filter((s) => s.status === "submitted").sort((a, b) => a.submitted_ms - b.submitted_ms);
    items = [...waiting, ...items.filter((s) => s.status !== "submitted")];
  }

  return (
    <section class="console-page sub-page" aria-labelledby="sub-title">
      <div class="page-head">
        <div>
          <p class="crumbs">
            <a href="#/scorecard">← {t("sub.back")}</a>
          </p>
          <h1 id="sub-title">{t("sub.title")}</h1>
          {me.role === "department" && <p class="muted small sub-own">{t("sub.own_only")}</p>}
        </div>
        <div class="sc-head-tools">
          {reviewer && (
            <div class="seg" role="group" aria-label={t("sub.view")}>
              {["queue", "all"].map((v) => (
                <button type="button" key={v} aria-pressed={view === v} onClick={() => setFilters({ ...f, view: v === "all" ? "all" : "" })}>
                  {t("sub.view." + v)}
                </button>
              ))}
            </div>
          )}
          {canImport(me) && (
            <button type="button" class="subimp-open" onClick={() => setImporting(true)}>
              {t("subimp.open")}
            </button>
          )}
          <button type="button" onClick={list.reload} disabled={list.loading}>
            {t("common.refresh")}
          </button>
        </div>
      </div>
      <form class="filters" role="search" aria-label={t("sub.filters")} onSubmit={(e) => e.preventDefault()}>
        {view === "all" && (
          <Field label={t("sub.f.status")}>
            <Select name="status" value={f.status} onChange={change("status")} empty={t("common.all")} options={STATUSES.map((s) => [s, t("sub.status." + s)])} />
          </Field>
        )}
        <Field label={t("sub.f.period")}>
          <input
            name="period"
            placeholder="YYYY-MM"
            pattern="\d{4}-\d{2}"
            value={f.period}
            onChange={(e) => {
              const v = e.currentTarget.value.trim();
              if (!v || /^\d{4}-\d{2}$/.test(v)) change("period")(v);
            }}
          />
        </Field>
        <Field label={t("sub.f.indicator")}>
          <Select
            name="indicator"
            value={f.indicator}
            onChange={change("indicator")}
            empty={t("common.all")}
            options={(pack.data?.indicators || []).filter((i) => i.measure?.how !== "auto").map((i) => [String(i.number), `#${i.number} ${nm(i)}`])}
          />
        </Field>
      </form>
      {flash && (
        <p class="ok-msg" role="status">
          {flash}
        </p>
      )}
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <Fragment>
          <p class="muted small" role="status">
            {t("sub.count", { n: items.length })}
          </p>
          {items.length === 0 ? (
            <p class="panel muted">{view === "queue" ? t("sub.queue_none") : t("sub.none")}</p>
          ) : (
            <ul class="sub-list" aria-label={t("sub.list")}>
              {items.map((s) => (
                <Item key={s.id} s={s} ind={byNum.get(s.indicator)} refs={refs} reviewer={reviewer} onReview={(decision) => setReview({ s, decision })} />
              ))}
            </ul>
          )}
        </Fragment>
      )}
      {importing && (
        <ImportDialog
          period={f.period}
          onClose={() => setImporting(false)}
          onImported={(r) => {
            setFlash(t("subimp.imported_flash", { n: r.imported }));
            list.reload();
          }}
        />
      )}
      {review && (
        <ReviewDialog
          s={review.s}
          ind={byNum.get(review.s.indicator)}
          decision={review.decision}
          onClose={() => setReview(null)}
          onDone={(v) => {
            setFlash(t("sub.reviewed_ok", { n: v.indicator, status: t("sub.status." + v.status) }));
            list.reload();
          }}
        />
      )}
    </section>
  );
}

function unitOf(ind) {
  const tg = ind?.targets ? Object.values(ind.targets)[0] : null;
  return tg?.unit;
}

function Item({ s, ind, refs, reviewer, onReview }) {
  const name = ind ? nm(ind) : "";
  const dept = s.department ? (refs?.dept?.get(s.department) ? nm(refs.dept.get(s.department)) : s.department) : "";
  const headId = "sub-h-" + s.id;
  return (
    <li class={"panel sub-item sub-" + s.status} data-submission={s.id} data-indicator={s.indicator} data-status={s.status} aria-labelledby={headId}>
      <div class="sub-head">
        <h2 id={headId}>
          <span class="sub-num">#{s.indicator}</span> {name}
        </h2>
        <span class="sub-period">{s.period}</span>
        <span class={"badge sub-st sub-st-" + s.status}>{t("sub.status." + s.status)}</span>
      </div>
      <dl class="sub-facts">
        <div>
          <dt>{t("sub.value")}</dt>
          <dd class="sub-value">{fmtVal(s.value, unitOf(ind))}</dd>
        </div>
        {dept && (
          <div>
            <dt>{t("sub.department")}</dt>
            <dd>{dept}</dd>
          </div>
        )}
        <div>
          <dt>{t("sub.by")}</dt>
          <dd>
            {s.submitted_by} · <time dateTime={new Date(s.submitted_ms).toISOString()}>{fmtTime(s.submitted_ms)}</time>
          </dd>
        </div>
        {s.note && (
          <div class="sub-wide">
            <dt>{t("sub.note")}</dt>
            <dd class="sub-text">{s.note}</dd>
          </div>
        )}
        {s.reviewed_by && (
          <div>
            <dt>{t("sub.reviewed")}</dt>
            <dd>{t("sub.reviewed_by", { who: s.reviewed_by, time: fmtTime(s.reviewed_ms) })}</dd>
          </div>
        )}
        {s.review_comment && (
          <div class="sub-wide">
            <dt>{t("sub.comment")}</dt>
            <dd class="sub-text sub-comment">{s.review_comment}</dd>
          </div>
        )}
        <div class="sub-wide">
          <dt>{t("sub.evidence")}</dt>
          <dd>
            <Evidence s={s} />
          </dd>
        </div>
      </dl>
      {reviewer && s.status === "submitted" && (
        <div class="form-buttons sub-actions">
          <button type="button" class="primary" aria-label={t("sub.approve_name", { n: s.indicator })} onClick={() => onReview("approve")}>
            {t("sub.approve")}
          </button>
          <button type="button" class="danger" aria-label={t("sub.return_name", { n: s.indicator })} onClick={() => onReview("return")}>
            {t("sub.return")}
          </button>
        </div>
      )}
    </li>
  );
}

function Evidence({ s }) {
  // The list endpoint leaves the evidence out: it is loaded per submission.
  const ev = useAsync(() => (s.evidence ? Promise.resolve(s) : api(`/scorecard/submissions/${s.id}`)), [s.id, s.status]);
  if (ev.error) return <ErrorBox error={ev.error} />;
  const files = ev.data?.evidence;
  if (!files) return <span class="muted">…</span>;
  if (!files.length) return <span class="muted">{t("sub.evidence_none")}</span>;
  return (
    <ul class="sub-evidence">
      {files.map((e) => (
        <li key={e.id}>
          <a
            href={`/api/v1/scorecard/submissions/${s.id}/evidence/${e.id}`}
            download={e.file_name}
            data-evidence={e.id}
            aria-label={t("sub.download", { name: e.file_name })}
          >
            {e.file_name}
          </a>{" "}
          <span class="muted small">({size(e.size)})</span>
        </li>
      ))}
    </ul>
  );
}

function ReviewDialog({ s, ind, decision, onClose, onDone }) {
  const { busy, error, setError, run } = useAction();
  const [comment, setComment] = useState("");
  const msgId = useId();
  const ret = decision === "return";
  const name = ind ? nm(ind) : "";
  async function go(e) {
    e.preventDefault();
    const c = comment.trim();
    if (ret && !c) {
      setError(new Error(t("sub.comment_needed")));
      return;
    }
    const r = await run(() =>
      api(`/scorecard/submissions/${s.id}/review`, { method: "POST", body: c ? { decision, comment: c } : { decision } })
    );
    if (r.ok) {
      onClose();
      onDone(r.value);
    }
  }
  return (
    <Modal title={t(ret ? "sub.return_title" : "sub.approve_title", { n: s.indicator, name })} onClose={onClose} describedBy={msgId} focus="textarea">
      <form onSubmit={go} class="sub-review">
        <p id={msgId}>{ret ? t("sub.return_msg") : t("sub.approve_msg", { period: s.period })}</p>
        <p class="muted small">
          #{s.indicator} {name} · {s.period} · {fmtVal(s.value, unitOf(ind))}
        </p>
        <Field label={ret ? t("sub.comment_req") : t("sub.comment_opt")} required={ret}>
          <textarea name="comment" rows={4} maxLength={2000} required={ret} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </Field>
        <FormError error={error} />
        <div class="form-buttons">
          <button type="submit" class={ret ? "danger-solid" : "primary"} disabled={busy}>
            {busy ? t("c.working") : t(ret ? "sub.confirm_return" : "sub.confirm_approve")}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
