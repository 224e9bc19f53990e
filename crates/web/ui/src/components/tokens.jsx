// Device tokens of an entity: the list, issuing a new one (its secret is shown once, in a box
// with a copy button) and revoking with a confirmation.
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { fmtTime, t } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { ConfirmDialog } from "./dialog.jsx";
import { FormError, useAction } from "./form.jsx";
import { DataTable, RowActions } from "./table.jsx";

export function DeviceTokens({ entityId }) {
  const path = `/entities/${encodeURIComponent(entityId)}`;
  const list = useAsync(() => api(path + "/tokens"), [entityId]);
  const [issued, setIssued] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const { busy, error, run } = useAction();

  async function issue() {
    const r = await run(() => api(path + "/token", { method: "POST" }));
    if (r.ok) {
      setIssued(r.value);
      list.reload();
    }
  }

  const columns = [
    { key: "id", title: t("c.tokens.id"), sort: (x) => x.id, render: (x) => <code>{x.id}</code> },
    { key: "created", title: t("c.tokens.created"), sort: (x) => x.created_ms, render: (x) => fmtTime(x.created_ms) },
    { key: "by", title: t("c.tokens.by"), sort: (x) => x.created_by, render: (x) => x.created_by },
    {
      key: "actions",
      title: t("c.actions"),
      render: (x) => (
        <RowActions>
          <button
            type="button"
            class="danger"
            aria-label={t("c.tokens.revoke_named", { id: x.id })}
            onClick={() =>
              setConfirm({
                title: t("c.tokens.revoke"),
                message: t("c.tokens.revoke_confirm", { id: x.id }),
                confirmLabel: t("c.tokens.revoke_ok"),
                onConfirm: () => api(`${path}/tokens/${encodeURIComponent(x.id)}`, { method: "DELETE" }),
                onDone: () => {
                  if (issued?.id === x.id) setIssued(null);
                  list.reload();
                },
              })
            }
          >
            {t("c.tokens.revoke")}
          </button>
        </RowActions>
      ),
    },
  ];

  return (
    <section class="panel" aria-labelledby="tokens-title">
      <div class="panel-head">
        <h2 id="tokens-title">{t("c.tokens.title")}</h2>
        <button type="button" class="primary" onClick={issue} disabled={busy}>
          {busy ? t("c.working") : t("c.tokens.issue")}
        </button>
      </div>
      <p class="muted small">{t("c.tokens.hint")}</p>
      <FormError error={error} />
      {issued && <SecretBox token={issued} onDismiss={() => setIssued(null)} />}
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        list.data && (
          <DataTable
            label={t("c.tokens.table")}
            columns={columns}
            rows={list.data}
            rowKey={(x) => x.id}
            rowProps={(x) => ({ "data-token": x.id })}
            empty={t("c.tokens.none")}
          />
        )
      )}
      {confirm && <ConfirmDialog {...confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
}

/** The new secret, shown once: a read-only field with a copy button and a warning. */
function SecretBox({ token, onDismiss }) {
  const [copied, setCopied] = useState(null);
  async function copy(ev) {
    const input = document.getElementById("new-token-secret");
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch (_) {
      // Without the clipboard API (plain http on an intranet), select the text and use the
      // old command; the user can still press Ctrl+C on the selection.
      input.select();
      setCopied(document.execCommand && document.execCommand("copy") ? true : false);
    }
  }
  return (
    <div class="secret-box" role="region" aria-label={t("c.tokens.new_title")}>
      <p class="warn" role="alert">
        <b>{t("c.tokens.once")}</b>
      </p>
      <div class="field">
        <label for="new-token-secret">{t("c.tokens.secret", { id: token.id })}</label>
        <div class="secret-row">
          <input readOnly value={token.token} id="new-token-secret" onFocus={(e) => e.currentTarget.select()} spellcheck={false} />
          <button type="button" onClick={copy}>
            {t("c.tokens.copy")}
          </button>
        </div>
      </div>
      {copied !== null && (
        <p class={copied ? "ok small" : "muted small"} role="status">
          {copied ? t("c.tokens.copied") : t("c.tokens.copy_manual")}
        </p>
      )}
      <button type="button" onClick={onDismiss}>
        {t("c.tokens.dismiss")}
      </button>
    </div>
  );
}
