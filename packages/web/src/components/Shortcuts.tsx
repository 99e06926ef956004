import { useEffect, useRef } from "react";

export interface Shortcut {
  keys: string;
  label: string;
}

/** The keys of this screen, always visible as a strip, and in full in a dialog (`?`). */
export function Shortcuts({
  items,
  open,
  onClose,
}: {
  items: Shortcut[];
  open: boolean;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const all = [...items, { keys: "?", label: "Show these shortcuts" }];
  return (
    <>
      <section className="keystrip" aria-label="Keyboard shortcuts">
        <ul>
          {all.map((s) => (
            <li key={s.keys}>
              <kbd>{s.keys}</kbd> {s.label}
            </li>
          ))}
        </ul>
      </section>
      <dialog ref={dialog} className="help" aria-labelledby="help-title" onClose={onClose}>
        <h2 id="help-title">Keyboard shortcuts</h2>
        <p className="muted">
          They act anywhere on this screen except while you type in a field; there, Ctrl+Enter submits and Esc
          leaves the field.
        </p>
        <table>
          <tbody>
            {all.map((s) => (
              <tr key={s.keys}>
                <th scope="row">
                  <kbd>{s.keys}</kbd>
                </th>
                <td>{s.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="dialog">
          <button type="submit" className="primary">
            Close (Esc)
          </button>
        </form>
      </dialog>
    </>
  );
}
