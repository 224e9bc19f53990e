// Alarms as the pages hold them: severities and their colours, the filters of the alarm list,
// and the merge of live changes (the `alarm` events of the shared stream) into a held list.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, live } from "../api.js";
import { t } from "../i18n.js";

/** Most severe first, as zhicheng_rules::Severity. */
export const SEVERITIES = ["critical", "major", "minor", "warning"];

/** Colours of the severities: on the dark wall screen and in the light consoles. */
export const SEV_COLOR = { critical: "#ff4d4f", major: "#ff8c1a", minor: "#f5c400", warning: "#40a9ff" };

export function sevLabel(s) {
  return t("al.sev." + s);
}

/** The time of an alarm's last change (what "newest" means in the feed). */
export function changedMs(a) {
  return Math.max(a.updated_ms || 0, a.cleared_ms || 0, a.acknowledged_ms || 0, a.raised_ms || 0);
}

/** Does the alarm pass the list filters {status, severity (comma list), acknowledged}? */
export function matches(a, f) {
  if (f.status && a.status !== f.status) return false;
  if (f.severity && !f.severity.split(",").includes(a.severity)) return false;
  if (f.acknowledged === "true" && !a.acknowledged_by) return false;
  if (f.acknowledged === "false" && a.acknowledged_by) return false;
  return true;
}

/**
 * Calls `onChanges(batch)` for every batch of alarm changes, and `onResync()` when the stream
 * comes back after a break (changes in between were not heard, so the holder reloads).
 */
export function useAlarmStream(onChanges, onResync) {
  const cb = useRef({ onChanges, onResync });
  cb.current = { onChanges, onResync };
  useEffect(() => {
    const off = live.onAlarm((b) => cb.current.onChanges(b));
    let was = live.status;
    const offSt = live.onStatus((s) => {
      if (s === "live" && was === "down") cb.current.onResync?.();
      was = s;
    });
    return () => {
      off();
      offSt();
    };
  }, []);
}

/**
 * The command center's view of alarms: the recent ones (newest change first, at most `rows`)
 * and the active ones by id (for the counts by severity), kept live.
 */
export function useAlarmBoard(rows = 30) {
  const [st, setSt] = useState({ recent: [], active: new Map(), loaded: false, error: null, capped: false });
  const load = () => {
    Promise.all([api("/alarms", { query: { limit: rows } }), api("/alarms", { query: { status: "active", limit: 1000 } })]).then(
      ([recent, active]) =>
        setSt({
          recent: recent.sort((a, b) => changedMs(b) - changedMs(a) || b.id - a.id),
          active: new Map(active.map((a) => [a.id, a])),
          loaded: true,
          error: null,
          capped: active.length >= 1000,
        }),
      (error) => setSt((s) => ({ ...s, loaded: true, error }))
    );
  };
  useEffect(load, []);
  useAlarmStream((batch) => {
    setSt((s) => {
      const active = new Map(s.active);
      let recent = s.recent.slice();
      for (const c of batch) {
        const a = c.alarm;
        if (!a) continue;
        if (a.status === "active") active.set(a.id, a);
        else active.delete(a.id);
        const i = recent.findIndex((x) => x.id === a.id);
        // Comments, acknowledgements and assignments refresh a row in place; a raise, a new
        // value or a clear brings it to the top.
        const moves = c.change === "raised" || c.change === "updated" || c.change === "cleared";
        if (i >= 0) {
          if (moves) {
            recent.splice(i, 1);
            recent.unshift({ ...a, __change: c.change, __seen: Date.now() });
          } else recent[i] = { ...recent[i], ...a };
        } else if (moves) recent.unshift({ ...a, __change: c.change, __seen: Date.now() });
      }
      if (recent.length > rows) recent = recent.slice(0, rows);
      return { ...s, recent, active };
    });
  }, load);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const a of st.active.values()) if (a.severity in counts) counts[a.severity]++;
  return { ...st, counts, total: st.active.size, reload: load };
}
