// Calls to the LiveTracker API from the pages. The browser sends the HttpOnly sign-in cookie itself (same origin);
// every error is problem+json, turned into an ApiError that carries the stable `code` and the readable `detail`.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401 && !path.startsWith('/api/auth/')) {
    // The cookie expired or was revoked: back to sign-in, then back here.
    goToSignIn();
    throw new ApiError(401, 'unauthenticated', 'Sign in first.');
  }
  // Some answers are 200 or 201 with no body, so read text first rather than trusting the status.
  const text = await response.text();
  const data = text && (response.headers.get('Content-Type') || '').includes('json') ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data?.code, data?.detail || data?.title || response.statusText);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

export function homeOf(role) {
  return { client: '/client.html', freelancer: '/freelancer.html', operator: '/operator.html' }[role] || '/';
}

export function goToSignIn() {
  const next = location.pathname + location.search;
  location.assign(`/?next=${encodeURIComponent(next)}`);
}

/** The signed-in user; someone of another role is sent to their own home page. */
export async function signedIn(...roles) {
  const me = await get('/api/me');
  if (roles.length > 0 && !roles.includes(me.role)) {
    location.replace(homeOf(me.role));
    throw new ApiError(403, 'forbidden', 'This page is for another role.');
  }
  return me;
}

/** The query-string value, or null. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}
