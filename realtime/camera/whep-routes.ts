import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { readFileSync } from 'node:fs';
import { type StaffIdentity, verifyAccessToken } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import { nodeHs256 } from '../node-hs256';
import { CameraError } from './camera-errors';
import type { FeedOwner } from './feed-ownership';
import { FORWARDED_HEADER, type ForwardedResponse, forwardWhep } from './whep-forward';
import type { WhepSessions } from './whep-sessions';

const MAX_OFFER_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const viewerPage = readFileSync(new URL('./viewer.html', import.meta.url));

export interface WhepRouteOptions {
  jwtSecret: string;
  logger: Logger;
  /**
   * With several nodes: who owns a camera's feed, and this node's id. A request for a camera another node owns is
   * forwarded there (`whep-forward.ts`) once its token is verified here; without it every camera is served here.
   */
  routing?: { ownerOf: (cameraId: string) => Promise<FeedOwner>; nodeId: string };
}

/**
 * WHEP (RFC 9725) on the realtime node: `POST /whep/:cameraId` with an SDP offer answers 201 with the SDP answer
 * and a Location to `PATCH` with trickled candidates and to `DELETE` when done; bearer access token as for the API. Also serves the viewer page at
 * `GET /camera/viewer` (WHEP or dashboard WebSocket), used by the demo and the browser tests.
 */
export function registerWhepRoutes(app: TemplatedApp, whep: WhepSessions, options: WhepRouteOptions): void {
  const { jwtSecret, logger, routing } = options;
  /** The owner's URL when another node serves `cameraId` (never for a request that was already forwarded once). */
  const elsewhere = async (cameraId: string, forwarded: string): Promise<string | null> => {
    if (!routing || forwarded) return null;
    const owner = await routing.ownerOf(cameraId);
    return owner.here ? null : owner.nodeUrl;
  };

  app.get('/camera/viewer', (res) => {
    res
      .writeHeader('content-type', 'text/html; charset=utf-8')
      .writeHeader('cache-control', 'no-store')
      .end(viewerPage);
  });

  app.post('/whep/:cameraId', (res, req) => {
    const cameraId = req.getParameter(0) ?? '';
    const authorization = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    const forwarded = req.getHeader(FORWARDED_HEADER);
    const request = track(res);
    if (!contentType.toLowerCase().startsWith('application/sdp')) {
      request.problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be an SDP offer (application/sdp)');
      return;
    }
    readBody(res, MAX_OFFER_BYTES, (body) => {
      if (body === null) return request.problem(413, 'PAYLOAD_TOO_LARGE', `the offer exceeds ${MAX_OFFER_BYTES} bytes`);
      void (async () => {
        const identity = await authenticate(authorization, jwtSecret);
        if (!identity) return request.problem(401, 'UNAUTHORIZED', 'a valid bearer access token is required');
        if (!UUID.test(cameraId)) throw new CameraError('CAMERA_NOT_FOUND');
        const ownerUrl = await elsewhere(cameraId, forwarded);
        if (ownerUrl) {
          const answer = await forwardWhep(ownerUrl, `/whep/${cameraId}`, {
            method: 'POST',
            authorization,
            contentType,
            body: body.toString('utf8'),
            fromNode: routing?.nodeId ?? '',
          });
          const sent = request.relay(answer);
          // The viewer went away while the owner answered: end the owner's session now, not at its connect timeout.
          const location = answer?.headers.location;
          if (!sent && answer?.status === 201 && location) {
            await forwardWhep(ownerUrl, location, { method: 'DELETE', authorization, fromNode: routing?.nodeId ?? '' });
          }
          return;
        }
        const { sessionId, sdp } = await whep.start(identity, cameraId, body.toString('utf8'));
        const sent = request.respond('201 Created', sdp, {
          'content-type': 'application/sdp',
          location: `/whep/${cameraId}/${sessionId}`,
          ...whep.iceServerLinks(identity.staffId),
        });
        // The viewer went away while we answered: free the session now rather than at the connect timeout.
        if (!sent) whep.stop(identity, cameraId, sessionId);
      })().catch((error: unknown) => request.fail(error, logger));
    });
  });

  app.del('/whep/:cameraId/:sessionId', (res, req) => {
    const cameraId = req.getParameter(0) ?? '';
    const sessionId = req.getParameter(1) ?? '';
    const authorization = req.getHeader('authorization');
    const forwarded = req.getHeader(FORWARDED_HEADER);
    const request = track(res);
    void (async () => {
      const identity = await authenticate(authorization, jwtSecret);
      if (!identity) return request.problem(401, 'UNAUTHORIZED', 'a valid bearer access token is required');
      if (whep.stop(identity, cameraId, sessionId)) return request.respond('200 OK', '', {});
      // Not here: the session lives on the camera's owner (the Location went through nginx to another node).
      const ownerUrl = UUID.test(cameraId) ? await elsewhere(cameraId, forwarded) : null;
      if (!ownerUrl) throw new CameraError('CAMERA_SESSION_NOT_FOUND');
      const path = `/whep/${encodeURIComponent(cameraId)}/${encodeURIComponent(sessionId)}`;
      request.relay(
        await forwardWhep(ownerUrl, path, { method: 'DELETE', authorization, fromNode: routing?.nodeId ?? '' }),
      );
    })().catch((error: unknown) => request.fail(error, logger));
  });

  app.patch('/whep/:cameraId/:sessionId', (res, req) => {
    const cameraId = req.getParameter(0) ?? '';
    const sessionId = req.getParameter(1) ?? '';
    const authorization = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    const forwarded = req.getHeader(FORWARDED_HEADER);
    const request = track(res);
    if (!contentType.toLowerCase().startsWith('application/trickle-ice-sdpfrag')) {
      request.problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be an application/trickle-ice-sdpfrag');
      return;
    }
    readBody(res, MAX_OFFER_BYTES, (body) => {
      if (body === null) return request.problem(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_OFFER_BYTES} bytes`);
      void (async () => {
        const identity = await authenticate(authorization, jwtSecret);
        if (!identity) return request.problem(401, 'UNAUTHORIZED', 'a valid bearer access token is required');
        if (whep.trickle(identity, cameraId, sessionId, body.toString('utf8'))) {
          return request.respond('204 No Content', '', {});
        }
        // Not here: as for DELETE, the session lives on the camera's owner.
        const ownerUrl = UUID.test(cameraId) ? await elsewhere(cameraId, forwarded) : null;
        if (!ownerUrl) throw new CameraError('CAMERA_SESSION_NOT_FOUND');
        const path = `/whep/${encodeURIComponent(cameraId)}/${encodeURIComponent(sessionId)}`;
        request.relay(
          await forwardWhep(ownerUrl, path, {
            method: 'PATCH',
            authorization,
            contentType,
            body: body.toString('utf8'),
            fromNode: routing?.nodeId ?? '',
          }),
        );
      })().catch((error: unknown) => request.fail(error, logger));
    });
  });

  app.any('/whep/:cameraId/:sessionId', (res) => {
    track(res).problem(
      405,
      'METHOD_NOT_ALLOWED',
      'only PATCH (trickle ICE) and DELETE are supported on a WHEP session',
      {
        allow: 'PATCH, DELETE',
      },
    );
  });
}

async function authenticate(authorization: string, secret: string): Promise<StaffIdentity | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1] ? verifyAccessToken(match[1], secret, nodeHs256) : null;
}

interface TrackedResponse {
  /** Writes a response unless the client is gone; false when it was gone. */
  respond(status: string, body: string, headers: Record<string, string>): boolean;
  problem(status: number, code: string, detail: string, headers?: Record<string, string>): void;
  fail(error: unknown, logger: Logger): void;
  /**
   * Relays the owner's answer to a forwarded request (503, retryable, when the owner could not be reached); false
   * when the client was gone.
   */
  relay(answer: ForwardedResponse | null): boolean;
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** uWS responses must not be touched after abort, and async writes must be corked. */
function track(res: HttpResponse): TrackedResponse {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const respond = (status: string, body: string, headers: Record<string, string>) => {
    if (aborted) return false;
    res.cork(() => {
      res.writeStatus(status);
      for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
      res.end(body);
    });
    return true;
  };
  const problem = (status: number, code: string, detail: string, headers: Record<string, string> = {}) => {
    const title = statusText[status] ?? 'Error';
    respond(`${status} ${title}`, JSON.stringify({ type: 'about:blank', title, status, detail, code }), {
      'content-type': 'application/problem+json',
      ...headers,
    });
  };
  return {
    respond,
    problem,
    relay: (answer) => {
      if (!answer) {
        problem(503, 'CAMERA_UNAVAILABLE', 'the node serving this camera is not reachable; try again', {
          'retry-after': '1',
        });
        return false;
      }
      return respond(
        `${answer.status} ${answer.statusText || statusText[answer.status] || ''}`.trim(),
        answer.body,
        answer.headers,
      );
    },
    fail: (error, logger) => {
      if (error instanceof CameraError) {
        logger.info('whep request refused', { code: error.name, detail: error.message });
        problem(error.status, error.name, error.message);
        return;
      }
      logger.error('whep request failed', { error: (error as Error).message });
      problem(500, 'INTERNAL', 'the camera session could not be set up');
    },
  };
}

/** Collects a request body up to `limit` bytes; `null` when it is larger. */
function readBody(res: HttpResponse, limit: number, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (!over) {
      size += chunk.byteLength;
      if (size > limit) over = true;
      else chunks.push(Buffer.from(chunk.slice(0)));
    }
    if (isLast) done(over ? null : Buffer.concat(chunks));
  });
}
