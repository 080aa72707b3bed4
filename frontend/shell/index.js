// Behaviour of the app shell, progressive: every page works without it.
// Strings shown to people are translated through Django's catalogues: gettext() for
// fixed text, data-* attributes rendered by templates for text with names in it.
import { gettext } from "../i18n.js";

function closeMenusExcept(keep) {
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    if (menu !== keep) menu.open = false;
  }
}

// Menus built on <details>: close on a click elsewhere and on Escape (focus back to the toggle).
document.addEventListener("click", (event) => {
  closeMenusExcept(event.target.closest("details[data-menu]"));
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector("details[data-menu][open]");
  if (open) {
    open.open = false;
    open.querySelector("summary")?.focus();
  }
});

// Copy buttons: <button data-copy="#element-id"><span data-copy-label>Copy</span></button>.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent;
  try {
    await navigator.clipboard.writeText(text.trim());
  } catch {
    // Clipboard refused (e.g. plain HTTP): select the text so Ctrl+C works.
    if (source.select) source.select();
    return;
  }
  const label = button.querySelector("[data-copy-label]");
  if (label) {
    const original = label.textContent;
    label.textContent = gettext("Copied");
    setTimeout(() => (label.textContent = original), 2000);
  }
});

// Forms that ask before doing something that cannot be undone: <form data-confirm="…">.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Flash messages can be dismissed.
document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-dismiss]");
  if (close) close.closest(".flash")?.remove();
});
