import { useState } from "preact/hooks";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { errText } from "../ui.jsx";
import { LangSwitch } from "../shell.jsx";

export function LoginPage({ onLogin }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function submit(ev) {
    ev.preventDefault();
    const f = new FormData(ev.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const r = await api("/auth/login", {
        method: "POST",
        body: { username: String(f.get("username")), password: String(f.get("password")) },
      });
      onLogin(r.user);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="login-page">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div class="login-head">
          <h1 id="login-title">
            {t("app.title")}
          </h1>
          <LangSwitch />
        </div>
        <p class="muted">{t("login.hint")}</p>
        <label class="field">
          <span>{t("login.username")}</span>
          <input name="username" autocomplete="username" required autofocus />
        </label>
        <label class="field">
          <span>{t("login.password")}</span>
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("login.busy") : t("login.submit")}
        </button>
        {error && (
          <p class="err" role="alert" id="login-error">
            {errText(error)}
          </p>
        )}
      </form>
    </main>
  );
}
