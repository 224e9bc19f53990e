// #/admin/<section>: the registry and users, for the big-data center (operator) and admins.
import "./console.css";
import { t } from "../i18n.js";
import { canAdminRegistry, canAdminUsers } from "../session.js";
import { href } from "../shell.jsx";
import { DepartmentsAdmin } from "./admin/departments.jsx";
import { UsersAdmin } from "./admin/users.jsx";
import { RegionsAdmin } from "./admin/regions.jsx";
import { GridsAdmin } from "./admin/grids.jsx";
import { KindsAdmin } from "./admin/kinds.jsx";
import { ImportsAdmin } from "./admin/imports.jsx";

const SECTIONS = [
  ["departments", DepartmentsAdmin, canAdminRegistry],
  ["users", UsersAdmin, canAdminUsers],
  ["regions", RegionsAdmin, canAdminRegistry],
  ["grids", GridsAdmin, canAdminRegistry],
  ["kinds", KindsAdmin, canAdminRegistry],
  ["imports", ImportsAdmin, canAdminRegistry],
];

export function AdminPage({ me, ui, section }) {
  const allowed = SECTIONS.filter(([, , may]) => may(me));
  const name = section || "departments";
  const found = SECTIONS.find(([k]) => k === name);
  let body;
  if (!found) body = <p class="err">{t("error.not_found")}</p>;
  else if (!found[2](me)) body = <p class="err">{t("error.forbidden")}</p>;
  else {
    const Section = found[1];
    body = <Section me={me} ui={ui} key={name} />;
  }
  return (
    <section class="console-page admin-page" aria-labelledby="admin-title">
      <h1 id="admin-title">{t("nav.admin")}</h1>
      <div class="admin-layout">
        <nav class="subnav" aria-label={t("c.admin.sections")}>
          {allowed.map(([k]) => (
            <a href={href("admin", k)} aria-current={k === name ? "page" : undefined} key={k}>
              {t("c.admin." + k)}
            </a>
          ))}
        </nav>
        <div class="admin-body">{body}</div>
      </div>
    </section>
  );
}
