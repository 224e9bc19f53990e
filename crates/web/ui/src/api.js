// The REST client and the live stream. Same-origin: the session cookie set at sign-in
// authenticates both fetch and EventSource, so the token is never kept in script-readable storage.
import { getLang, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, messageZh) {
    super(message);
    this.status = status;
    this.code = code;
    this.messageZh = messageZh;
  }
  /** The message in the UI's language. */
  text() {
    return (getLang() === "zh" && this.messageZh) || this.message;
  }
}

let onUnauthenticated = () => {};
/** Called when the server answers 401 (the session expired or was revoked). */
export function setUnauthenticatedHandler(f) {
  onUnauthenticated = f;
}

function qs(query) {
  if (!query) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/**
 * Calls `/api/v1{path}`. `body` is sent as JSON unless it is a Blob/File/string (sent as is,
 * with `contentType`). Resolves to the parsed JSON (or null for 204); rejects with ApiError.
 */
export async function api(path, { method = "GET", query, body, contentType, signal } = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    if (body instanceof Blob || typeof body === "string") {
      payload = body;
      if (contentType) headers["Content-Type"] = contentType;
    } else {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
  }
  let r;
  try {
    r = await fetch(`/api/v1${path}${qs(query)}`, {
      method,
      headers,
      body: payload,
      credentials: "same-origin",
      signal,
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network", t("error.network"), t("error.network"));
  }
  if (r.status === 204) return null;
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (_) {}
  if (!r.ok) {
    const e = json && json.error;
    if (r.status === 401 && path !== "/auth/login") onUnauthenticated();
    throw new ApiError(r.status, e?.code || "http_" + r.status, e?.message || text || r.statusText, e?.message_zh);
  }
  return json;
}

/**
 * One shared EventSource on `/api/v1/stream` for the whole page. Subscribers get each batch of
 * changes (an array of {entity, kind, region, department, metric, ts, value}); alarm
 * subscribers (`onAlarm`) get each batch of alarm changes (an array of {change, alarm, event?},
 * change one of raised, updated, cleared, acknowledged, assigned, commented); case subscribers
 * (`onCase`) get each case change the user may see (an array of {id, action, status,
 * department, at_ms}: a hint to reload, the case is read through the API). When the server
 * drops a slow client, or the connection fails, it reconnects with back-off; status listeners
 * hear "live" / "down" (and pages reload what they hold, since changes in between are lost).
 */
class LiveHub {
  constructor() {
    this.subs = new Set();
    this.alarmSubs = new Set();
    this.caseSubs = new Set();
    this.statusSubs = new Set();
    this.es = null;
    this.retry = 500;
    this.status = "down";
    this.timer = null; // pending reconnect
  }
  /** Adds `f` to `set` and opens the stream if needed; answers the unsubscribe. */
  subscribe(set, f) {
    set.add(f);
    this.closed = false;
    this.ensure();
    return () => {
      set.delete(f);
    };
  }
  on(f) {
    return this.subscribe(this.subs, f);
  }
  /** Subscribes to alarm changes on the same EventSource. */
  onAlarm(f) {
    return this.subscribe(this.alarmSubs, f);
  }
  /** Subscribes to case changes on the same EventSource. */
  onCase(f) {
    return this.subscribe(this.caseSubs, f);
  }
  onStatus(f) {
    this.statusSubs.add(f);
    f(this.status);
    return () => this.statusSubs.delete(f);
  }
  setStatus(s) {
    if (s === this.status) return;
    this.status = s;
    this.statusSubs.forEach((f) => f(s));
  }
  ensure() {
    // After sign-out (close) nothing reconnects until someone subscribes again.
    if (this.es || this.closed) return;
    const es = new EventSource("/api/v1/stream");
    this.es = es;
    es.addEventListener("hello", () => {
      this.retry = 500;
      this.setStatus("live");
    });
    // Each event's data is a JSON array, handed to the event's subscribers.
    const relay = (name, subs) =>
      es.addEventListener(name, (ev) => {
        let batch;
        try {
          batch = JSON.parse(ev.data);
        } catch (_) {
          return;
        }
        if (Array.isArray(batch)) subs.forEach((f) => f(batch));
      });
    relay("state", this.subs);
    relay("alarm", this.alarmSubs);
    relay("case", this.caseSubs);
    const restart = () => {
      es.close();
      if (this.es === es) this.es = null;
      this.setStatus("down");
      const wait = this.retry;
      this.retry = Math.min(this.retry * 2, 15000);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.ensure();
      }, wait);
    };
    es.addEventListener("dropped", restart);
    es.onerror = restart;
  }
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.es) this.es.close();
    this.es = null;
    this.setStatus("down");
  }
}

export const live = new LiveHub();
