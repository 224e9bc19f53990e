// Dialogs: a modal with a title, and a confirmation for destructive actions (a real dialog,
// not window.confirm, so it can be styled, translated and clicked by tests).
import { useEffect, useId, useRef } from "preact/hooks";
import { t } from "../i18n.js";
import { FormError, useAction } from "./form.jsx";

let openCount = 0; // dialogs open (a confirmation may sit over a form)

const FOCUSABLE = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea, button:not([disabled]), a[href]';

/**
 * A modal dialog. Escape closes it, Tab stays inside, and focus returns to where it was.
 * `focus` is a selector of the element to focus first (default: the first control of the body).
 */
export function Modal({ title, onClose, children, role = "dialog", focus, wide, describedBy }) {
  const id = useId();
  const ref = useRef(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const prev = document.activeElement;
    const el = ref.current;
    // First field of the body that can be typed in (not a read-only id), else the first control.
    const inBody = FOCUSABLE.split(", ").map((s) => ".modal-body " + s + ":not([readonly])").join(", ");
    const first = (focus && el.querySelector(focus)) || el.querySelector(inBody) || el.querySelector(FOCUSABLE);
    first?.focus();
    // Listens on the document, so Escape works even when focus has left the dialog (a click
    // on the backdrop); only the topmost dialog answers (a confirmation over a form).
    const onKey = (e) => {
      const open = document.querySelectorAll(".modal");
      if (open[open.length - 1] !== el) return;
      if (e.key === "Escape") {
        e.stopPropagation();
        closeRef.current();
      } else if (e.key === "Tab") {
        const all = [...el.querySelectorAll(FOCUSABLE)].filter((x) => x.offsetParent !== null);
        if (!all.length) return;
        const a = all[0];
        const z = all[all.length - 1];
        if (!el.contains(document.activeElement)) {
          e.preventDefault();
          (e.shiftKey ? z : a).focus();
        } else if (e.shiftKey && document.activeElement === a) {
          e.preventDefault();
          z.focus();
        } else if (!e.shiftKey && document.activeElement === z) {
          e.preventDefault();
          a.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    openCount++;
    document.body.classList.add("modal-open");
    return () => {
      document.removeEventListener("keydown", onKey);
      if (--openCount === 0) document.body.classList.remove("modal-open");
      if (prev && document.contains(prev)) prev.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop">
      <div
        class={"modal" + (wide ? " wide" : "")}
        role={role}
        aria-modal="true"
        aria-labelledby={id}
        aria-describedby={describedBy}
        ref={ref}
      >
        <header class="modal-head">
          <h2 id={id}>{title}</h2>
          <button type="button" class="icon-btn" aria-label={t("common.close")} onClick={() => closeRef.current()}>
            ×
          </button>
        </header>
        <div class="modal-body">{children}</div>
      </div>
    </div>
  );
}

/**
 * Asks before a destructive action. `onConfirm` returns a promise; on success the dialog
 * closes (and `onDone` runs), on failure it stays open with the server's error.
 */
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onClose, onDone }) {
  const { busy, error, run } = useAction();
  const msgId = useId();
  async function go() {
    const r = await run(onConfirm);
    if (r.ok) {
      onClose();
      onDone?.(r.value);
    }
  }
  return (
    <Modal title={title || t("c.confirm.title")} onClose={onClose} role="alertdialog" focus=".confirm-cancel" describedBy={msgId}>
      <p id={msgId}>{message}</p>
      <FormError error={error} />
      <div class="form-buttons">
        <button type="button" class="danger-solid confirm-ok" onClick={go} disabled={busy}>
          {busy ? t("c.working") : confirmLabel || t("c.confirm.delete")}
        </button>
        <button type="button" class="confirm-cancel" onClick={onClose} disabled={busy}>
          {t("common.cancel")}
        </button>
      </div>
    </Modal>
  );
}
