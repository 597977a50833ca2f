import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { type StaffIdentity, verifyAccessToken } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import { nodeHs256 } from '../node-hs256';
import type { ServerFrame } from '../protocol';
import type { WebSocketSignalling } from './websocket-signalling';

/** The owner's side of a relayed watch names its relay connection in this response header. */
export const RELAY_CONNECTION_HEADER = 'x-carewatch-relay';
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The owner's end of dashboard signalling relayed from another node (`signalling-relay.ts`): the node holding the
 * dashboard's socket calls `POST /camera/relay/watch/:cameraId` with a bearer token for the viewer and gets the
 * view's frames (`camera.offer`, `camera.candidate`, `camera.state`, `error`) as NDJSON, streamed for as long as
 * the view lasts; the response ends with the view (`ended` or `error`), and closing it ends the view. The viewer's
 * answer, candidates, stop and token refresh come back on `POST /camera/relay/:relayId/:command`. Everything runs
 * through this node's own `WebSocketSignalling` as the viewer: the same access rule, caps and audit rows as a
 * dashboard connected here, the relay being the view's "connection".
 */
export function registerSignallingRelayRoutes(
  app: TemplatedApp,
  signalling: WebSocketSignalling,
  options: { jwtSecret: string; logger: Logger },
): void {
  const relays = new Map<string, StaffIdentity>();
  const authenticate = async (authorization: string) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match?.[1] ? verifyAccessToken(match[1], options.jwtSecret, nodeHs256) : null;
  };

  app.post('/camera/relay/watch/:cameraId', (res, req) => {
    const cameraId = req.getParameter(0) ?? '';
    const authorization = req.getHeader('authorization');
    let open = true;
    res.onAborted(() => {
      open = false;
      end();
    });
    const relayId = randomUUID();
    // The view's connection id on this node: never a dashboard's (those are plain UUIDs).
    const connectionId = `relay:${relayId}`;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      relays.delete(relayId);
      void signalling.disconnect(connectionId);
      if (open) res.cork(() => res.end());
      open = false;
    };
    res.onData(() => {}); // the body is empty; uWS wants it read
    void (async () => {
      const identity = await authenticate(authorization);
      if (!open) return;
      if (!identity) {
        open = false;
        res.cork(() => res.writeStatus('401 Unauthorized').end());
        return;
      }
      relays.set(relayId, identity);
      res.cork(() => {
        res.writeStatus('200 OK');
        res.writeHeader('content-type', 'application/x-ndjson');
        res.writeHeader(RELAY_CONNECTION_HEADER, relayId);
        res.write('');
      });
      const send = (frame: ServerFrame) => {
        if (!open) return;
        res.cork(() => res.write(`${JSON.stringify(frame)}\n`));
        if (frame.type === 'error' || (frame.type === 'camera.state' && frame.state === 'ended')) end();
      };
      await signalling.watch(identity, connectionId, cameraId, send);
    })().catch((error: Error) => {
      options.logger.error('relayed camera watch failed', { error: error.message });
      end();
    });
  });

  app.post('/camera/relay/:relayId/:command', (res, req) => {
    const relayId = req.getParameter(0) ?? '';
    const command = req.getParameter(1) ?? '';
    const authorization = req.getHeader('authorization');
    const reply = track(res);
    readBody(res, (body) => {
      void (async () => {
        const identity = await authenticate(authorization);
        const owner = relays.get(relayId);
        if (!identity || !owner || owner.staffId !== identity.staffId || owner.orgId !== identity.orgId) {
          return reply('404 Not Found');
        }
        if (body === null) return reply('413 Payload Too Large');
        const message = JSON.parse(body || '{}') as {
          sessionId?: string;
          sdp?: string;
          candidate?: string;
          mid?: string;
        };
        const sessionId = message.sessionId ?? '';
        const connectionId = `relay:${relayId}`;
        if (command === 'answer') await signalling.answer(connectionId, sessionId, message.sdp ?? '');
        else if (command === 'candidate') {
          signalling.candidate(connectionId, sessionId, message.candidate ?? '', message.mid);
        } else if (command === 'stop') await signalling.stop(connectionId, sessionId);
        else if (command === 'reauthenticate') {
          relays.set(relayId, identity);
          signalling.reauthenticate(connectionId, identity);
        } else return reply('404 Not Found');
        reply('204 No Content');
      })().catch(() => reply('400 Bad Request'));
    });
  });
}

function track(res: HttpResponse): (status: string) => void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  return (status) => {
    if (!aborted) res.cork(() => res.writeStatus(status).end());
  };
}

function readBody(res: HttpResponse, done: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    size += chunk.byteLength;
    if (size <= MAX_BODY_BYTES) chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) done(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8'));
  });
}
