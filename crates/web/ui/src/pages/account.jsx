// #/account: who I am, and changing my own password.
import { useState } from "preact/hooks";
import "./console.css";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { Field, FormError, useAction } from "../components/form.jsx";
import { refName } from "../components/labels.jsx";
import { useRefs } from "../components/refs.js";

const MIN_PASSWORD = 8; // auth.rs check_password_strength

export function AccountPage({ me, onMe }) {
  const { refs } = useRefs();
  return (
    <section class="console-page account-page" aria-labelledby="account-title">
      <h1 id="account-title">{t("nav.account")}</h1>
      <div class="account-grid">
        <section class="panel" aria-labelledby="me-title">
          <h2 id="me-title">{t("c.account.profile")}</h2>
          <dl class="attrs">
            <div>
              <dt>{t("c.user.username")}</dt>
              <dd id="account-username">{me.username}</dd>
            </div>
            <div>
              <dt>{t("c.user.display_name")}</dt>
              <dd>{me.display_name || "—"}</dd>
            </div>
            <div>
              <dt>{t("c.user.role")}</dt>
              <dd id="account-role">{t("role." + me.role)}</dd>
            </div>
            <div>
              <dt>{t("c.user.department")}</dt>
              <dd>{me.department ? refName(refs?.dept, me.department) : "—"}</dd>
            </div>
          </dl>
        </section>
        <PasswordForm onMe={onMe} />
      </div>
    </section>
  );
}

function PasswordForm({ onMe }) {
  const [f, setF] = useState({ current: "", next: "", repeat: "" });
  const [done, setDone] = useState(false);
  const { busy, error, setError, run } = useAction();
  const set = (k) => (e) => {
    const v = e.currentTarget.value;
    setF((x) => ({ ...x, [k]: v }));
    setDone(false);
  };
  async function submit(ev) {
    ev.preventDefault();
    setDone(false);
    if (f.next !== f.repeat) {
      setError(new Error(t("c.password.mismatch")));
      return;
    }
    const r = await run(() => api("/auth/password", { method: "POST", body: { current: f.current, new: f.next } }));
    if (r.ok) {
      setF({ current: "", next: "", repeat: "" });
      setDone(true);
      // The account itself is unchanged, but let the frame refresh what it shows.
      api("/auth/me").then(onMe, () => {});
    }
  }
  const mismatch = f.repeat !== "" && f.next !== f.repeat;
  return (
    <section class="panel" aria-labelledby="pw-title">
      <h2 id="pw-title">{t("c.password.change")}</h2>
      <form class="form" onSubmit={submit} aria-labelledby="pw-title">
        <Field label={t("c.password.current")} required>
          <input name="current" type="password" autocomplete="current-password" value={f.current} onInput={set("current")} required />
        </Field>
        <Field label={t("c.password.new")} required hint={t("c.password.min", { n: MIN_PASSWORD })}>
          <input name="new" type="password" autocomplete="new-password" minLength={MIN_PASSWORD} value={f.next} onInput={set("next")} required />
        </Field>
        <Field label={t("c.password.repeat")} required>
          <input
            name="repeat"
            type="password"
            autocomplete="new-password"
            value={f.repeat}
            onInput={set("repeat")}
            required
            aria-invalid={mismatch ? "true" : undefined}
            aria-describedby={mismatch ? "pw-mismatch" : undefined}
          />
        </Field>
        {mismatch && (
          <p class="err small" id="pw-mismatch">
            {t("c.password.mismatch")}
          </p>
        )}
        <FormError error={error} />
        {done && (
          <p class="ok" role="status">
            {t("c.password.changed")}
          </p>
        )}
        <div class="form-buttons">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("c.saving") : t("c.password.submit")}
          </button>
        </div>
      </form>
    </section>
  );
}
