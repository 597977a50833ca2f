import type uWS from 'uWebSockets.js';

/** The node's own routes and the methods each answers (`/ws`: GET with a WebSocket upgrade). */
export type KnownRoutes = Record<string, readonly string[]>;

/**
 * Answers every request no route took, as RFC 9457 problem+json, instead of uWS's empty reply: `GET /ws` without
 * a WebSocket upgrade → 426, another method on a known path → 405 with `Allow`, anything else → 404. uWS prefers
 * a route with a method over `any` and a static path over a wildcard, so the real routes (and those added by
 * `options.routes` or the camera service) always win over these.
 */
export function answerUnrouted(app: uWS.TemplatedApp, known: KnownRoutes, websocketPath: string): void {
  // The WebSocket route yields a GET without an upgrade to the next handler for its path: this one.
  app.get(websocketPath, (res) =>
    sendProblem(res, 426, 'Upgrade Required', `${websocketPath} only speaks WebSocket: send an upgrade request`, {
      upgrade: 'websocket',
      connection: 'Upgrade',
    }),
  );
  for (const [path, methods] of Object.entries(known)) {
    const allow = methods.join(', ');
    app.any(path, (res, req) =>
      sendProblem(res, 405, 'Method Not Allowed', `${req.getMethod().toUpperCase()} ${path}: use ${allow}`, { allow }),
    );
  }
  app.any('/*', (res, req) => sendProblem(res, 404, 'Not Found', `nothing at ${req.getUrl().slice(0, 200)}`));
}

/** An RFC 9457 problem+json answer with `headers` (the node's own refusals: this file's and the WebSocket path's). */
export function sendProblem(
  res: uWS.HttpResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  res.writeStatus(`${status} ${title}`);
  for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
  res.writeHeader('content-type', 'application/problem+json');
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}
