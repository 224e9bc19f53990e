// The registry's small lists (kinds, departments, regions), loaded once and shared by the
// console pages; the admin pages call invalidateRefs() after changing them.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";

let cache = null;
const listeners = new Set();

function build([kinds, departments, regions]) {
  const byId = (xs, k) => new Map(xs.map((x) => [x[k], x]));
  regions = [...regions].sort((a, b) => a.code.localeCompare(b.code));
  return {
    kinds,
    departments,
    regions,
    kind: byId(kinds, "id"),
    dept: byId(departments, "id"),
    region: byId(regions, "code"),
  };
}

export function loadRefs() {
  if (!cache) {
    const p = Promise.all([api("/kinds"), api("/departments"), api("/regions")]).then(build);
    cache = p;
    // A failed load is retried next time, unless a newer load (invalidateRefs) replaced it.
    p.catch(() => {
      if (cache === p) cache = null;
    });
  }
  return cache;
}

/** Forget the cached lists (after an admin change); mounted users reload them. */
export function invalidateRefs() {
  cache = null;
  listeners.forEach((f) => f());
}

/** {refs, error}: refs is undefined while loading. */
export function useRefs() {
  const [st, setSt] = useState({ refs: undefined, error: null });
  const [gen, setGen] = useState(0);
  useEffect(() => {
    const f = () => setGen((g) => g + 1);
    listeners.add(f);
    return () => listeners.delete(f);
  }, []);
  useEffect(() => {
    let alive = true;
    loadRefs().then(
      (refs) => alive && setSt({ refs, error: null }),
      (error) => alive && setSt({ refs: undefined, error })
    );
    return () => {
      alive = false;
    };
  }, [gen]);
  return st;
}
