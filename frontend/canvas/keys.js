// Key names as the keyboard in front of the marketer spells them: "Strg" on a German keyboard,
// ⌘ and ⇧ on a Mac (where the editor's shortcuts take ⌘ as well as Ctrl).
import { pgettext } from "../i18n.js";

const MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || "");

function names() {
  return {
    Ctrl: MAC ? "⌘" : pgettext("keyboard key", "Ctrl"),
    Shift: MAC ? "⇧" : pgettext("keyboard key", "Shift"),
    Delete: pgettext("keyboard key", "Delete"),
    Backspace: pgettext("keyboard key", "Backspace"),
  };
}

// keyLabel("Ctrl+Shift+Z / Ctrl+Y") → "Strg+Umschalt+Z / Strg+Y" (German), "⌘⇧Z / ⌘Y" (Mac).
export function keyLabel(spec) {
  const known = names();
  return spec
    .split(" / ")
    .map((combo) => combo.split("+").map((key) => known[key] ?? key).join(MAC ? "" : "+"))
    .join(" / ");
}
