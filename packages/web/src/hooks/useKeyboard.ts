import { useEffect, useRef } from "react";

/**
 * Single-key shortcuts for the page. Keys are `a`, `n`, `?`, `1`…`9`, `esc`, and `mod+Enter`
 * (Ctrl or ⌘ with Enter). While the person types in a field, only `esc` and `mod+Enter` act, so
 * a note can contain the letter "a" without approving anything.
 */
export type KeyHandler = (event: KeyboardEvent) => void;
export type KeyBindings = Partial<Record<string, KeyHandler | false | null | undefined>>;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["button", "submit", "checkbox", "radio", "reset"].includes(type);
  }
  return false;
}

function keyName(event: KeyboardEvent): string {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) return "mod+Enter";
  if (event.key === "Escape") return "esc";
  return event.key;
}

export function useKeyboard(bindings: KeyBindings, enabled = true): void {
  const ref = useRef(bindings);
  ref.current = bindings;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const name = keyName(event);
      const special = name === "esc" || name === "mod+Enter";
      if (!special && (event.ctrlKey || event.metaKey || event.altKey)) return;
      if (!special && isEditable(event.target)) return;
      // A modal dialog (the shortcut help) owns the keyboard while it is open.
      if (document.querySelector("dialog[open]")) return;
      const handler = ref.current[name];
      if (!handler) return;
      event.preventDefault();
      handler(event);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}
