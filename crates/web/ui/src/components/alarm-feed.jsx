// The command center's alarm pieces: the live alarm feed (newest change first; a click opens the
// alarm console at that alarm) and the open-alarm tile (active alarms by severity). Both read
// one `useAlarmBoard()` held by the command center.
import "./alarm-feed.css";
import { fmtNum, t } from "../i18n.js";
import { ErrorBox } from "../ui.jsx";
import { SEVERITIES, SEV_COLOR, changedMs, sevLabel } from "./alarms.js";

function hhmmss(ms) {
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A reading value as the feed shows it: at most two decimals. */
export function fmtAlarmValue(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v !== "number") return String(v);
  return fmtNum(Math.round(v * 100) / 100);
}

export function alarmHref(id) {
  return "#/alarms?id=" + encodeURIComponent(id);
}

export function AlarmFeed({ board }) {
  const rows = board.recent;
  return (
    <section class="cc-panel cc-alarms" aria-labelledby="cc-alarms-h" data-testid="alarm-feed">
      <header class="cc-panel-head">
        <h2 id="cc-alarms-h">{t("al.feed.title")}</h2>
        <a class="cc-sub" href="#/alarms?status=active">
          {t("al.feed.all")}
        </a>
      </header>
      <ErrorBox error={board.error} />
      {board.loaded && !board.error && rows.length === 0 && <p class="cc-empty">{t("al.feed.none")}</p>}
      {rows.length > 0 && (
        <ol class="cc-alarm-list" aria-live="polite" aria-label={t("al.feed.title")}>
          {rows.map((a) => (
            <li key={a.id} data-alarm={a.id} data-rule={a.rule} data-status={a.status} data-severity={a.severity} class={a.status === "cleared" ? "cleared" : ""}>
              <a
                href={alarmHref(a.id)}
                aria-label={t("al.feed.open", { sev: sevLabel(a.severity), rule: a.rule_name, entity: a.entity_name || a.entity || "" })}
              >
                <i class="cc-sev" style={{ background: SEV_COLOR[a.severity] }} aria-hidden="true" />
                <time>{hhmmss(changedMs(a))}</time>
                <span class="cc-al-sev" style={{ color: SEV_COLOR[a.severity] }}>
                  {sevLabel(a.severity)}
                </span>
                <span class="cc-al-rule">{a.rule_name}</span>
                <span class="cc-al-entity">{a.entity_name || a.entity || a.region || "—"}</span>
                <span class="cc-al-value">{fmtAlarmValue(a.value)}</span>
                <span class={"cc-al-state " + a.status}>{a.status === "cleared" ? t("al.status.cleared") : a.acknowledged_by ? t("al.acked") : t("al.status.active")}</span>
              </a>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * The open-alarm tile: the active alarms, and how many of each severity — live from the board;
 * past the board's 1,000 rows, the server's exact counts (`exact`: the overview's
 * `slots.alarms`, as of its last refresh).
 */
export function AlarmTile({ board, exact }) {
  if (board.capped && exact) {
    board = { ...board, total: exact.active, counts: exact.by_severity, capped: false };
  }
  const total = board.loaded && !board.error ? fmtNum(board.total) + (board.capped ? "+" : "") : "—";
  return (
    <a
      class={"cc-tile cc-tile-link cc-alarm-tile " + (board.total ? "bad" : "ok")}
      data-kpi="slot-alarms"
      data-active={board.total}
      href="#/alarms?status=active"
      aria-label={t("al.tile.link", { n: total })}
    >
      <div class="cc-tile-label">{t("al.tile.label")}</div>
      <div class="cc-tile-value">{total}</div>
      <div class="cc-tile-sub cc-sev-counts">
        {SEVERITIES.map((s) => (
          <span key={s} data-severity={s} title={sevLabel(s)}>
            <i style={{ background: SEV_COLOR[s] }} aria-hidden="true" />
            {t("al.tile.sev_" + s)} <b>{fmtNum(board.counts[s])}</b>
          </span>
        ))}
      </div>
    </a>
  );
}
