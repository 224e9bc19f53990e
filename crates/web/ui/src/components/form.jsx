// Form helpers of the consoles: server errors shown next to the form, a submit helper with a
// busy flag, and labelled inputs.
import { cloneElement, isValidElement } from "preact";
import { useId, useState } from "preact/hooks";
import { t } from "../i18n.js";

/**
 * The text of an error for a form: the server's message in the UI's language (its Chinese
 * message is a summary followed by the English detail that names the field and the reason).
 */
export function errMsg(e) {
  if (!e) return "";
  if (typeof e.text !== "function") return String(e.message || e);
  return e.text();
}

/** The error of the last submit, announced to screen readers. */
export function FormError({ error, id }) {
  if (!error) return null;
  return (
    <p class="err form-error" role="alert" id={id}>
      {errMsg(error)}
    </p>
  );
}

/**
 * `run(f)` calls the async `f` with `busy` set and keeps its error; resolves to
 * {ok: true, value} or {ok: false}.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(f) {
    setBusy(true);
    setError(null);
    try {
      const value = await f();
      return { ok: true, value };
    } catch (e) {
      setError(e);
      return { ok: false };
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/**
 * A labelled control. The label points at the control (for/id) rather than wrapping it, so the
 * control's accessible name is exactly the label (a wrapped <select> would add its chosen
 * option). A required field is marked with a star (the control itself says `required`); the
 * hint is linked as the control's description.
 */
export function Field({ label, required, hint, children, class: cls }) {
  const id = useId();
  const hintId = id + "-hint";
  const el = isValidElement(children) ? children : null;
  const controlId = el?.props.id || id;
  const control = el ? cloneElement(el, { id: controlId, "aria-describedby": hint ? hintId : el.props["aria-describedby"] }) : children;
  return (
    <div class={"field" + (cls ? " " + cls : "")}>
      <span class="field-label">
        <label for={controlId}>{label}</label>
        {/* Outside the label, so the control's name is the label text alone. */}
        {required && (
          <b class="req" aria-hidden="true">
            *
          </b>
        )}
      </span>
      {control}
      {hint && (
        <small class="muted hint" id={hintId}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** A <select> from [value, text] pairs, with an optional empty first option. */
export function Select({ value, onChange, options, empty, ...rest }) {
  return (
    <select value={value ?? ""} onChange={(e) => onChange(e.currentTarget.value)} {...rest}>
      {empty !== undefined && <option value="">{empty}</option>}
      {options.map(([v, text]) => (
        <option value={v} key={v}>
          {text}
        </option>
      ))}
    </select>
  );
}

/** Save and cancel buttons at the foot of a form. */
export function FormButtons({ busy, onCancel, saveLabel }) {
  return (
    <div class="form-buttons">
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t("c.saving") : saveLabel || t("common.save")}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel} disabled={busy}>
          {t("common.cancel")}
        </button>
      )}
    </div>
  );
}

/** Identifiers as the server accepts them (zhicheng_model::validate_ident). */
export const IDENT_PATTERN = "[A-Za-z0-9_.:\\-]{1,64}";
