// The API as the console uses it: login/refresh (contract in the README's API section), staff requests with the
// bearer token, one refresh-and-retry on 401. Tokens live in sessionStorage: gone when the tab closes.
const SESSION_KEY = 'carewatch.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function createApi(apiBase) {
  let session = readSession();
  let refreshing = null;
  const listeners = new Set();

  function save(next) {
    session = next;
    if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
    else sessionStorage.removeItem(SESSION_KEY);
    for (const listener of listeners) listener(session);
  }

  function fromTokenResponse(body) {
    return {
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      expiresAt: Date.now() + Number(body.expiresIn ?? 900) * 1000,
      staff: body.staff,
    };
  }

  async function send(method, path, body, token) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? safeJson(text) : null;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }

  async function refresh() {
    if (!session?.refreshToken) throw new ApiError(401, null);
    refreshing ??= send('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken })
      .then((body) => save(fromTokenResponse(body)))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401) save(null);
        throw error;
      })
      .finally(() => {
        refreshing = null;
      });
    await refreshing;
  }

  /** A valid access token, refreshed when it expires within a minute. */
  async function accessToken() {
    if (!session) throw new ApiError(401, null);
    if (session.expiresAt - Date.now() < 60_000) await refresh();
    return session.accessToken;
  }

  /** A binary answer (a snapshot, a clip) as a Blob; failures as ApiError with the problem body. */
  async function sendForBlob(path, token) {
    const response = await fetch(`${apiBase}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new ApiError(response.status, safeJson(await response.text()));
    return response.blob();
  }

  async function authorised(method, path, body) {
    try {
      return await send(method, path, body, await accessToken());
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !session) throw error;
      await refresh();
      return send(method, path, body, session.accessToken);
    }
  }

  return {
    get session() {
      return session;
    },
    onSessionChange: (listener) => listeners.add(listener),
    accessToken,
    /** After the realtime node refused the token (close 4001): refresh now whatever its expiry says. */
    refreshNow: refresh,
    async login(email, password, orgId) {
      const body = await send('POST', '/v1/auth/login', { email, password, ...(orgId ? { orgId } : {}) });
      save(fromTokenResponse(body));
      return session;
    },
    /**
     * Ends the session here at once; the server hears of it in the background. `pushEndpoint` (a promise of this
     * device's push subscription endpoint, or null) is named to it, and the server removes that subscription.
     */
    logout({ pushEndpoint = null } = {}) {
      const refreshToken = session?.refreshToken;
      const token = session?.accessToken;
      save(null);
      if (!refreshToken) return;
      Promise.resolve(pushEndpoint)
        .then((endpoint) =>
          send('POST', '/v1/auth/logout', { refreshToken, ...(endpoint ? { pushEndpoint: endpoint } : {}) }, token),
        )
        .catch(() => {});
    },
    get: (path) => authorised('GET', path),
    post: (path, body) => authorised('POST', path, body),
    patch: (path, body) => authorised('PATCH', path, body),
    put: (path, body) => authorised('PUT', path, body),
    delete: (path) => authorised('DELETE', path),
    /** GET of bytes the token guards (an alert's snapshot or clip), with the same refresh-and-retry on 401. */
    async blob(path) {
      try {
        return await sendForBlob(path, await accessToken());
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401 || !session) throw error;
        await refresh();
        return sendForBlob(path, session.accessToken);
      }
    },
    /** An endpoint that needs no sign-in (GET /v1/push/config). */
    getPublic: (path) => send('GET', path),
  };
}

/** List endpoints answer `{items, nextCursor}`; accept a bare array too. */
export function itemsOf(body) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body.items)) return body.items;
  if (body && Array.isArray(body.data)) return body.data;
  return [];
}

/**
 * Every item of a list endpoint (pages of 100, following nextCursor, at most 50 pages), appended to `into`: what
 * arrived before a failure stays there for a caller that shows what it has.
 */
export async function allItems(api, path, into = []) {
  const separator = path.includes('?') ? '&' : '?';
  let cursor = null;
  for (let page = 0; page < 50; page++) {
    const body = await api.get(`${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    into.push(...itemsOf(body));
    cursor = body?.nextCursor ?? null;
    if (!cursor) break;
  }
  return into;
}

/**
 * A refusal as the console shows it: each field with its reason ("steps.0.waitSeconds: must be at least 1 second"),
 * else the problem's detail. `labels` names a body field as the form calls it (`{endsAt: 'To'}`).
 */
export function refusalMessage(error, labels = {}) {
  if (error instanceof ApiError && Array.isArray(error.problem?.errors) && error.problem.errors.length) {
    return error.problem.errors
      .map((entry) => {
        const field = String(entry.field ?? '').replace(/^body\./, '');
        return `${labels[field] ?? field}: ${entry.message}`;
      })
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

function readSession() {
  const saved = safeJson(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  return saved?.accessToken ? saved : null;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
