// Behaviour of the app shell, progressive: every page works without it.
// Strings shown to people are translated through Django's catalogues: gettext() for
// fixed text, data-* attributes rendered by templates for text with names in it.
import { formatNumber, gettext } from "../i18n.js";

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

// <select data-autosubmit> submits its form when changed (filters).
document.addEventListener("change", (event) => {
  if (event.target.matches?.("select[data-autosubmit]")) event.target.form?.requestSubmit();
});

// Flash messages can be dismissed.
document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-dismiss]");
  if (close) close.closest(".flash")?.remove();
});

// Progress of a background job: <section data-progress-url="/api/…" data-progress-status="running">
// polls the API each second, fills [data-progress-field] and the bar, and reloads when finished.
for (const box of document.querySelectorAll("[data-progress-url]")) {
  if (!["queued", "running"].includes(box.dataset.progressStatus)) continue;
  const poll = async () => {
    let data;
    try {
      const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      setTimeout(poll, 3000);
      return;
    }
    for (const field of box.querySelectorAll("[data-progress-field]")) {
      const value = data[field.dataset.progressField];
      if (typeof value === "number") field.textContent = formatNumber(value);
    }
    const bar = box.querySelector(".progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(data.progress));
      bar.querySelector(".progress-bar").style.width = `${data.progress}%`;
    }
    if (data.status === "done" || data.status === "failed") window.location.reload();
    else setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}
