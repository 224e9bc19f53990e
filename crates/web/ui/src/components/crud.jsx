// A registry list for the admin pages: a titled table with edit and delete buttons per row,
// a "new" button, the form in a modal and the delete confirmation.
import { useState } from "preact/hooks";
import { t } from "../i18n.js";
import { ErrorBox, Loading, useAsync } from "../ui.jsx";
import { ConfirmDialog, Modal } from "./dialog.jsx";
import { DataTable, RowActions } from "./table.jsx";

/**
 * props:
 *  title, intro?, tableLabel, load() → promise of rows, columns, rowKey, rowProps?,
 *  itemName(row) → text naming the row in buttons and confirmations,
 *  createLabel? (no "new" button without it), renderForm({item, onDone, onCancel}) (item null = new),
 *  canEdit?(row), canDelete?(row), deleteItem?(row) → promise, onChanged?() after any change,
 *  extraActions?(row, reload) → nodes.
 */
export function CrudSection(p) {
  const list = useAsync(p.load, []);
  const [editing, setEditing] = useState(undefined); // undefined: closed; null: new; row: edit
  const [confirm, setConfirm] = useState(null);
  const changed = () => {
    list.reload();
    p.onChanged?.();
  };
  const hasActions = p.renderForm || p.deleteItem || p.extraActions;
  const columns = [
    ...p.columns,
    ...(hasActions
      ? [
          {
            key: "_actions",
            title: t("c.actions"),
            class: "actions-col",
            render: (r) => (
              <RowActions>
                {p.renderForm && (!p.canEdit || p.canEdit(r)) && (
                  <button type="button" aria-label={t("c.edit_named", { name: p.itemName(r) })} onClick={() => setEditing(r)}>
                    {t("common.edit")}
                  </button>
                )}
                {p.extraActions?.(r, changed)}
                {p.deleteItem && (!p.canDelete || p.canDelete(r)) && (
                  <button
                    type="button"
                    class="danger"
                    aria-label={t("c.delete_named", { name: p.itemName(r) })}
                    onClick={() =>
                      setConfirm({
                        message: t("common.confirm_delete", { name: p.itemName(r) }),
                        onConfirm: () => p.deleteItem(r),
                        onDone: changed,
                      })
                    }
                  >
                    {t("common.delete")}
                  </button>
                )}
              </RowActions>
            ),
          },
        ]
      : []),
  ];
  return (
    <section class="panel admin-section" aria-labelledby="admin-section-title">
      <div class="panel-head">
        <h2 id="admin-section-title">{p.title}</h2>
        <div class="row-actions">
          <button type="button" onClick={list.reload} disabled={list.loading}>
            {t("common.refresh")}
          </button>
          {p.createLabel && p.renderForm && (
            <button type="button" class="primary" onClick={() => setEditing(null)}>
              {p.createLabel}
            </button>
          )}
        </div>
      </div>
      {p.intro && <p class="muted small">{p.intro}</p>}
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : (
        list.data && (
          <DataTable label={p.tableLabel} columns={columns} rows={list.data} rowKey={p.rowKey} rowProps={p.rowProps} />
        )
      )}
      {editing !== undefined && (
        <Modal
          title={editing ? t("c.edit_named", { name: p.itemName(editing) }) : p.createLabel}
          onClose={() => setEditing(undefined)}
          wide={p.wideForm}
        >
          {p.renderForm({
            item: editing,
            onCancel: () => setEditing(undefined),
            onDone: () => {
              setEditing(undefined);
              changed();
            },
          })}
        </Modal>
      )}
      {confirm && <ConfirmDialog {...confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
}
