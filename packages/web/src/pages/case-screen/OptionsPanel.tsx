import { words } from "../../format";
import { asOptions } from "../../proposals";
import type { CaseView } from "../../types";

/** Decision support: accepting an option other than the model's first is an override, and says so. */
export function OptionsPanel({ c, option }: { c: CaseView; option: number }) {
  return (
    <p className="choice-summary">
      You accept option {option + 1} ({words(asOptions(c.proposal)[option]?.action ?? "")}), not the model's
      first choice: that is an override and needs a reason.
    </p>
  );
}
