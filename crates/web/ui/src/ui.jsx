// Small shared pieces of the consoles. Pages keep their own components; only what two areas
// share lives here.
import { useEffect, useState, useCallback } from "preact/hooks";
import { t } from "./i18n.js";

/** Runs `f()` (returning a promise) on mount and whenever `deps` change. */
export function useAsync(f, deps) {
  const [st, setSt] = useState({ loading: true, error: null, data: undefined });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setSt((s) => ({ ...s, loading: true, error: null }));
    f().then(
      (data) => live && setSt({ loading: false, error: null, data }),
      (error) => live && setSt({ loading: false, error, data: undefined })
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...st, reload };
}

export function errText(e) {
  if (!e) return "";
  return typeof e.text === "function" ? e.text() : String(e.message || e);
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <p class="err" role="alert">
      {t("error.generic", { msg: errText(error) })}
    </p>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      {t("common.loading")}
    </p>
  );
}

/** A labelled form field: the label names the control for screen readers. */
export function Field({ label, children, hint }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <small class="muted">{hint}</small>}
    </label>
  );
}
