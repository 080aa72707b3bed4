// Translations for the front-end come from Django's JavaScript catalogue (/jsi18n/, loaded by
// base.html before any bundle), so the Django catalogues stay the one source of truth.
// Mark strings with these functions; `manage.py messages` extracts them into djangojs.po.
const django = globalThis.django;

export function gettext(message) {
  return django ? django.gettext(message) : message;
}

export function ngettext(singular, plural, count) {
  if (django) return django.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

export function pgettext(context, message) {
  return django ? django.pgettext(context, message) : message;
}

// interpolate("%(count)s contacts", { count: 3 }) — named placeholders, as in Python.
export function interpolate(format, values) {
  return format.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

// Numbers, dates and currency in the page's language (<html lang>).
export function formatNumber(value, options) {
  return new Intl.NumberFormat(document.documentElement.lang || undefined, options).format(value);
}

// formatDate("2026-12-04T19:18:55Z") → "4.12.2026, 20:18:55" (German); `options` as for Intl.DateTimeFormat.
export function formatDate(value, options) {
  return new Date(value).toLocaleString(document.documentElement.lang || undefined, options);
}
