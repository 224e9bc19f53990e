// Users and roles (admins only). Password hashes never leave the server; an admin may set a
// new password but never sees one.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { nameOf, t } from "../../i18n.js";
import { CrudSection } from "../../components/crud.jsx";
import { Modal } from "../../components/dialog.jsx";
import { Field, FormButtons, FormError, IDENT_PATTERN, Select, useAction } from "../../components/form.jsx";
import { refName } from "../../components/labels.jsx";
import { useRefs } from "../../components/refs.js";

const ROLES = ["admin", "operator", "department", "viewer"];
const MIN_PASSWORD = 8; // auth.rs check_password_strength

export function UsersAdmin({ me }) {
  const { refs } = useRefs();
  const [resetting, setResetting] = useState(null);
  return (
    <>
      <CrudSection
        title={t("c.admin.users")}
        tableLabel={t("c.user.table")}
        load={() => api("/users").then((us) => us.sort((a, b) => a.username.localeCompare(b.username)))}
        rowKey={(u) => u.username}
        rowProps={(u) => ({ "data-id": u.username })}
        itemName={(u) => u.username}
        columns={[
          { key: "username", title: t("c.user.username"), sort: (u) => u.username, render: (u) => <code>{u.username}</code> },
          { key: "display_name", title: t("c.user.display_name"), sort: (u) => u.display_name, render: (u) => u.display_name },
          { key: "role", title: t("c.user.role"), sort: (u) => u.role, render: (u) => t("role." + u.role) },
          {
            key: "department", class: "wrap",
            title: t("c.user.department"),
            sort: (u) => u.department,
            render: (u) => (u.department ? refName(refs?.dept, u.department) : "—"),
          },
          {
            key: "disabled",
            title: t("c.user.state"),
            sort: (u) => (u.disabled ? 1 : 0),
            render: (u) => (u.disabled ? <span class="badge lc-retired">{t("c.user.disabled")}</span> : <span class="badge live-online">{t("c.user.enabled")}</span>),
          },
        ]}
        createLabel={t("c.user.new")}
        renderForm={({ item, onDone, onCancel }) => <UserForm item={item} me={me} refs={refs} onDone={onDone} onCancel={onCancel} />}
        extraActions={(u, changed) => (
          <button type="button" aria-label={t("c.user.reset_named", { name: u.username })} onClick={() => setResetting({ u, changed })}>
            {t("c.user.reset")}
          </button>
        )}
        canDelete={(u) => u.username !== me.username}
        deleteItem={(u) => api(`/users/${encodeURIComponent(u.username)}`, { method: "DELETE" })}
      />
      {resetting && (
        <Modal title={t("c.user.reset_named", { name: resetting.u.username })} onClose={() => setResetting(null)}>
          <ResetPassword
            user={resetting.u}
            onCancel={() => setResetting(null)}
            onDone={() => {
              resetting.changed();
              setResetting(null);
            }}
          />
        </Modal>
      )}
    </>
  );
}

/** The UserInput of an existing user, so a change keeps what the form does not touch. */
function inputOf(u) {
  const x = { username: u.username, display_name: u.display_name, role: u.role, disabled: !!u.disabled };
  if (u.department) x.department = u.department;
  return x;
}

function UserForm({ item, me, refs, onDone, onCancel }) {
  const [f, setF] = useState({
    username: item?.username || "",
    display_name: item?.display_name || "",
    role: item?.role || "department",
    department: item?.department || "",
    password: "",
    disabled: !!item?.disabled,
  });
  const { busy, error, run } = useAction();
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  const self = item?.username === me.username;
  async function submit(ev) {
    ev.preventDefault();
    const body = {
      username: f.username.trim(),
      role: f.role,
      disabled: f.disabled,
    };
    if (f.display_name.trim()) body.display_name = f.display_name.trim();
    // Only department users belong to a department.
    if (f.role === "department") body.department = f.department;
    if (!item) body.password = f.password;
    const r = await run(() =>
      item ? api(`/users/${encodeURIComponent(item.username)}`, { method: "PUT", body }) : api("/users", { method: "POST", body })
    );
    if (r.ok) onDone();
  }
  return (
    <form class="form" onSubmit={submit}>
      <Field label={t("c.user.username")} required hint={item ? undefined : t("c.ident.hint")}>
        <input name="username" value={f.username} onInput={(e) => set("username")(e.currentTarget.value)} required pattern={IDENT_PATTERN} readOnly={!!item} autocomplete="off" />
      </Field>
      <Field label={t("c.user.display_name")}>
        <input name="display_name" value={f.display_name} onInput={(e) => set("display_name")(e.currentTarget.value)} />
      </Field>
      <Field label={t("c.user.role")} required hint={self ? t("c.user.self_role") : undefined}>
        <Select name="role" value={f.role} onChange={set("role")} options={ROLES.map((r) => [r, t("role." + r)])} disabled={self} />
      </Field>
      {f.role === "department" && (
        <Field label={t("c.user.department")} required>
          <Select
            name="department"
            value={f.department}
            onChange={set("department")}
            required
            empty={t("c.choose")}
            options={(refs?.departments || []).map((d) => [d.id, nameOf(d)])}
          />
        </Field>
      )}
      {!item && (
        <Field label={t("c.user.password")} required hint={t("c.password.min", { n: MIN_PASSWORD })}>
          <input name="password" type="password" autocomplete="new-password" minLength={MIN_PASSWORD} value={f.password} onInput={(e) => set("password")(e.currentTarget.value)} required />
        </Field>
      )}
      {item && !self && (
        <label class="check">
          <input type="checkbox" name="disabled" checked={f.disabled} onChange={(e) => set("disabled")(e.currentTarget.checked)} />
          {t("c.user.disable")}
        </label>
      )}
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} />
    </form>
  );
}

function ResetPassword({ user, onDone, onCancel }) {
  const [pw, setPw] = useState("");
  const [pw2, setPw2] = useState("");
  const { busy, error, setError, run } = useAction();
  async function submit(ev) {
    ev.preventDefault();
    if (pw !== pw2) {
      setError(new Error(t("c.password.mismatch")));
      return;
    }
    const body = { ...inputOf(user), password: pw };
    const r = await run(() => api(`/users/${encodeURIComponent(user.username)}`, { method: "PUT", body }));
    if (r.ok) onDone();
  }
  return (
    <form class="form" onSubmit={submit}>
      <Field label={t("c.password.new")} required hint={t("c.password.min", { n: MIN_PASSWORD })}>
        <input name="new-password" type="password" autocomplete="new-password" minLength={MIN_PASSWORD} value={pw} onInput={(e) => setPw(e.currentTarget.value)} required />
      </Field>
      <Field label={t("c.password.repeat")} required>
        <input name="repeat-password" type="password" autocomplete="new-password" value={pw2} onInput={(e) => setPw2(e.currentTarget.value)} required />
      </Field>
      <FormError error={error} />
      <FormButtons busy={busy} onCancel={onCancel} saveLabel={t("c.user.reset")} />
    </form>
  );
}
