// Calls to Flowbuilder's own API from the browser: session cookie + CSRF token, one error shape.
function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code || "error";
    this.fields = body?.error?.fields || {};
    this.body = body;
  }
}

export async function api(url, { method = "GET", body, signal } = {}) {
  const response = await fetch(url, {
    method,
    signal,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(method === "GET" ? {} : { "X-CSRFToken": csrfToken() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// {"rules.all.0.op": [...]} → {"all.0.op": [...]} for an editor rooted at `prefix`.
export function fieldErrorsUnder(fields, prefix) {
  const out = {};
  for (const [path, messages] of Object.entries(fields || {})) {
    if (path === prefix) out[""] = messages;
    else if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = messages;
  }
  return out;
}
