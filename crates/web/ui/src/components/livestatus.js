// Live status of every visible entity: GET map/entities once, then the shared SSE stream keeps
// it current. A reading makes an entity online; one that has not reported for
// `offline_after_ms` turns offline. Re-renders at most once a second, however busy the stream.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, live } from "../api.js";

/** Lifecycle states in which readings do not change the shown status. */
const INACTIVE = new Set(["maintenance", "planned", "retired"]);

/**
 * Returns {get(id) → {status, last_ts} | undefined, ready, error, now}. `now` advances every
 * few seconds so ages ("12 s ago") stay right.
 */
export function useLiveStatus() {
  const recs = useRef(new Map());
  const [st, setSt] = useState({ ready: false, error: null, now: Date.now() });
  useEffect(() => {
    let alive = true;
    let offlineAfter = 5 * 60 * 1000;
    let dirty = false;
    let ticks = 0;
    api("/map/entities").then(
      (r) => {
        if (!alive) return;
        offlineAfter = r.offline_after_ms || offlineAfter;
        const f = r.fields || [];
        const iId = f.indexOf("id");
        const iSt = f.indexOf("status");
        const iTs = f.indexOf("last_ts");
        for (const row of r.items || []) {
          const id = row[iId];
          const old = recs.current.get(id);
          // A reading that arrived while the list loaded is newer than the list.
          if (old && old.last_ts >= (row[iTs] || 0)) continue;
          recs.current.set(id, { status: row[iSt], last_ts: row[iTs] });
        }
        setSt({ ready: true, error: null, now: Date.now() });
      },
      (error) => alive && setSt((s) => ({ ...s, error }))
    );
    const off = live.on((batch) => {
      for (const c of batch) {
        const r = recs.current.get(c.entity);
        if (!r) recs.current.set(c.entity, { status: "online", last_ts: c.ts });
        else {
          if (!r.last_ts || c.ts > r.last_ts) r.last_ts = c.ts;
          if (!INACTIVE.has(r.status)) r.status = "online";
        }
      }
      dirty = true;
    });
    const iv = setInterval(() => {
      ticks++;
      if (!dirty && ticks % 5) return;
      dirty = false;
      const now = Date.now();
      for (const r of recs.current.values()) {
        if (r.status === "online" && r.last_ts && now - r.last_ts > offlineAfter) r.status = "offline";
      }
      setSt((s) => ({ ...s, now }));
    }, 1000);
    return () => {
      alive = false;
      off();
      clearInterval(iv);
    };
  }, []);
  return { ...st, get: (id) => recs.current.get(id) };
}

/** A clock for ages on the page: the current time, advanced every `ms`. */
export function useNow(ms = 5000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const iv = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(iv);
  }, [ms]);
  return now;
}
