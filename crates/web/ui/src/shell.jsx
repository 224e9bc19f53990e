// The frame: hash routing, the console header and navigation, the language switch, sign-out.
import { useEffect, useState } from "preact/hooks";
import { api, live } from "./api.js";
import { getLang, nameOf, setLang, t } from "./i18n.js";
import { canAdminRegistry } from "./session.js";

/** The current route: `#/entities/air-001?x=1` → {path: ["entities","air-001"], query}. */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [p, q] = raw.split("?");
  return {
    path: p ? p.split("/").map(decodeURIComponent) : [],
    query: new URLSearchParams(q || ""),
  };
}

export function useRoute() {
  const [r, setR] = useState(parseHash());
  useEffect(() => {
    const f = () => setR(parseHash());
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return r;
}

export function href(...parts) {
  return "#/" + parts.map(encodeURIComponent).join("/");
}

export function navigate(h) {
  location.hash = h;
}

/**
 * A page's filters kept in the hash's query, so a filtered view is a link: `read(query)` gives
 * every key ("" when absent); `write(f)` navigates to `base` with the non-empty ones, which
 * re-renders the page with the new query.
 */
export function hashFilters(base, keys) {
  return {
    read(query) {
      const f = {};
      for (const k of keys) f[k] = query?.get(k) || "";
      return f;
    },
    write(f) {
      const p = new URLSearchParams();
      for (const k of keys) if (f[k]) p.set(k, f[k]);
      const s = p.toString();
      navigate(base + (s ? "?" + s : ""));
    },
  };
}

export function LangSwitch() {
  return (
    <button
      type="button"
      class="lang-switch"
      aria-label={t("lang.switch.label")}
      onClick={() => setLang(getLang() === "zh" ? "en" : "zh")}
    >
      {t("lang.switch")}
    </button>
  );
}

export function LiveBadge() {
  const [st, setSt] = useState(live.status);
  useEffect(() => live.onStatus(setSt), []);
  return (
    <span class={"live-badge " + st} role="status" aria-live="polite">
      {st === "live" ? t("live.connected") : t("live.reconnecting")}
    </span>
  );
}

export async function logout(onLogout) {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch (_) {
    // The session may already be gone; signing out locally is what matters.
  }
  live.close();
  onLogout();
}

/** The console frame: header with navigation, the page below. */
export function ConsoleShell({ me, ui, active, onLogout, children }) {
  const [open, setOpen] = useState(false);
  const items = [
    ["command", t("nav.command")],
    ["entities", t("nav.entities")],
    ["map", t("nav.map")],
    ["scorecard", t("nav.scorecard")],
    ["tasks", t("nav.tasks")],
    ["alarms", t("nav.alarms")],
    ["cases", t("nav.cases")],
    ...(canAdminRegistry(me) ? [["admin", t("nav.admin")]] : []),
    ["account", t("nav.account")],
  ];
  return (
    <div class="console">
      <header class="topbar">
        <a class="brand" href="#/command">
          <b>{t("app.name")}</b> <span class="muted">{nameOf(ui?.county)}</span>
        </a>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={open}
          aria-controls="main-nav"
          aria-label={t("nav.main")}
          onClick={() => setOpen(!open)}
        >
          ☰
        </button>
        <nav id="main-nav" aria-label={t("nav.main")} class={open ? "open" : ""}>
          {items.map(([id, label]) => (
            <a href={"#/" + id} aria-current={active === id ? "page" : undefined} onClick={() => setOpen(false)}>
              {label}
            </a>
          ))}
        </nav>
        <div class="topbar-right">
          <LiveBadge />
          <LangSwitch />
          <span class="who" title={t("role." + me.role)}>
            {me.display_name || me.username}
            <small class="muted"> · {t("role." + me.role)}</small>
          </span>
          <button type="button" id="logout" onClick={() => logout(onLogout)}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main class="page" id="page">
        {children}
      </main>
    </div>
  );
}
