// Entry point: who is signed in, the UI settings, and which page the hash names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { api, live, setUnauthenticatedHandler } from "./api.js";
import { onLang, getLang, t } from "./i18n.js";
import { ConsoleShell, navigate, useRoute } from "./shell.jsx";
import { LoginPage } from "./pages/login.jsx";
import { CommandCenter } from "./pages/command.jsx";
import { MapPage } from "./pages/map.jsx";
import { EntitiesPage } from "./pages/entities.jsx";
import { EntityPage } from "./pages/entity.jsx";
import { AdminPage } from "./pages/admin.jsx";
import { AccountPage } from "./pages/account.jsx";
import { ScorecardPage } from "./pages/scorecard.jsx";
import { SubmissionsPage } from "./pages/submissions.jsx";
import { TasksPage } from "./pages/tasks.jsx";
import { AlarmsPage } from "./pages/alarms.jsx";
import { RulesPage } from "./pages/rules.jsx";
import { CasesPage } from "./pages/cases.jsx";
import { NewCasePage } from "./pages/case-new.jsx";
import { CaseStatsPage } from "./pages/case-stats.jsx";
import { CaseRoutingPage } from "./pages/case-routing.jsx";
import { ReportPage } from "./pages/report.jsx";
import { canAdminRegistry } from "./session.js";
import { Loading } from "./ui.jsx";

function App() {
  const [me, setMe] = useState(undefined); // undefined: checking; null: signed out
  const [ui, setUi] = useState(null);
  const [, setLangTick] = useState(0);
  const route = useRoute();

  useEffect(() => onLang(() => setLangTick((n) => n + 1)), []);
  useEffect(() => {
    document.documentElement.lang = getLang() === "zh" ? "zh-CN" : "en";
    setUnauthenticatedHandler(() => {
      // The session is gone: stop the live stream's reconnect loop until the next sign-in.
      live.close();
      setMe(null);
    });
    api("/auth/me").then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (me) api("/ui/config").then(setUi, () => setUi({}));
  }, [me?.username]);
  useEffect(() => {
    document.title = t("app.title");
  });

  if (me === undefined) return <Loading />;
  if (me === null) {
    return (
      <LoginPage
        onLogin={(u) => {
          setMe(u);
          if (!location.hash || location.hash === "#/login") navigate("#/command");
        }}
      />
    );
  }
  if (!ui) return <Loading />;
  const onLogout = () => {
    setMe(null);
    setUi(null);
    navigate("#/login");
  };
  const [top, ...rest] = route.path;
  const page = top || "command";
  if (page === "command" || page === "login") {
    return <CommandCenter me={me} ui={ui} onLogout={onLogout} />;
  }
  let body;
  switch (page) {
    case "map":
      body = <MapPage me={me} ui={ui} query={route.query} />;
      break;
    case "entities":
      body = rest[0] ? (
        <EntityPage me={me} ui={ui} id={rest[0]} tab={rest[1]} />
      ) : (
        <EntitiesPage me={me} ui={ui} query={route.query} />
      );
      break;
    case "admin":
      body = canAdminRegistry(me) ? (
        <AdminPage me={me} ui={ui} section={rest[0]} />
      ) : (
        <p class="err">{t("error.forbidden")}</p>
      );
      break;
    case "scorecard":
      body =
        rest[0] === "submissions" ? (
          <SubmissionsPage me={me} ui={ui} query={route.query} />
        ) : (
          <ScorecardPage me={me} ui={ui} query={route.query} />
        );
      break;
    case "tasks":
      body = <TasksPage me={me} ui={ui} query={route.query} />;
      break;
    case "alarms":
      body = <AlarmsPage me={me} ui={ui} query={route.query} />;
      break;
    case "rules":
      body = <RulesPage me={me} ui={ui} />;
      break;
    case "cases":
      body =
        rest[0] === "new" ? (
          <NewCasePage me={me} ui={ui} />
        ) : rest[0] === "stats" ? (
          <CaseStatsPage me={me} query={route.query} />
        ) : rest[0] === "routing" ? (
          <CaseRoutingPage me={me} />
        ) : (
          <CasesPage me={me} query={route.query} />
        );
      break;
    case "report":
      body = <ReportPage me={me} ui={ui} />;
      break;
    case "account":
      body = <AccountPage me={me} onMe={setMe} />;
      break;
    default:
      body = <p class="err">{t("error.not_found")}</p>;
  }
  return (
    <ConsoleShell me={me} ui={ui} active={page === "rules" ? "alarms" : page === "report" ? "cases" : page} onLogout={onLogout}>
      {body}
    </ConsoleShell>
  );
}

render(<App />, document.getElementById("app"));
