import type { Ref } from "react";

/** Active learning: the label typed by hand, beside the candidate labels (1–9) of the proposal. */
export function LabelPanel({
  blind,
  value,
  onChange,
  inputRef,
}: {
  blind: boolean;
  value: string;
  onChange: (label: string) => void;
  inputRef: Ref<HTMLInputElement>;
}) {
  return (
    <label className="field">
      <span>
        {blind ? "Your label" : "Or type another label"} <kbd>l</kbd>
      </span>
      <input ref={inputRef} value={value} onChange={(ev) => onChange(ev.target.value)} autoComplete="off" />
    </label>
  );
}
