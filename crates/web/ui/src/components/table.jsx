// Data tables of the consoles: a labelled table in a horizontally scrolling wrapper (phones),
// optionally sortable by column, and the "load more" control of cursor-paged lists.
import { useState } from "preact/hooks";
import { t } from "../i18n.js";

/**
 * columns: [{key, title, render(row) → node, sort?(row) → string|number, class?}]
 * rowProps(row) → extra attributes of the <tr> (data-* for tests, class).
 */
export function DataTable({ label, columns, rows, rowKey, rowProps, empty, caption }) {
  const [sort, setSort] = useState(null); // {key, dir: 1 | -1}
  let shown = rows;
  if (sort) {
    const col = columns.find((c) => c.key === sort.key);
    if (col?.sort) {
      shown = [...rows].sort((a, b) => cmp(col.sort(a), col.sort(b)) * sort.dir);
    }
  }
  const toggle = (key) =>
    setSort((s) => (s && s.key === key ? (s.dir === 1 ? { key, dir: -1 } : null) : { key, dir: 1 }));
  return (
    <div class="table-wrap">
      <table class="data" aria-label={label}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort && sort.key === c.key;
              return (
                <th
                  scope="col"
                  class={c.class}
                  key={c.key}
                  aria-sort={active ? (sort.dir === 1 ? "ascending" : "descending") : c.sort ? "none" : undefined}
                >
                  {c.sort ? (
                    <button type="button" class="sort-btn" onClick={() => toggle(c.key)} title={t("c.table.sort")}>
                      {c.title}
                      <span aria-hidden="true" class="sort-mark">
                        {active ? (sort.dir === 1 ? "▲" : "▼") : "↕"}
                      </span>
                    </button>
                  ) : (
                    c.title
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="muted empty">
                {empty || t("c.table.empty")}
              </td>
            </tr>
          ) : (
            shown.map((r) => (
              <tr key={rowKey(r)} {...(rowProps ? rowProps(r) : {})}>
                {columns.map((c) => (
                  <td class={c.class} key={c.key}>
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function cmp(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "zh-CN", { numeric: true });
}

/** "N shown" and, while the server has more, a button for the next page. */
export function LoadMore({ count, hasMore, busy, onMore }) {
  return (
    <div class="load-more">
      <span class="muted" role="status">
        {hasMore ? t("c.list.shown_more", { n: count }) : t("c.list.shown_all", { n: count })}
      </span>
      {hasMore && (
        <button type="button" onClick={onMore} disabled={busy}>
          {busy ? t("common.loading") : t("common.more")}
        </button>
      )}
    </div>
  );
}

/** A row of buttons inside a table cell. */
export function RowActions({ children }) {
  return <div class="row-actions">{children}</div>;
}
