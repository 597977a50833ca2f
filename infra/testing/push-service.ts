// A local Web Push service (RFC 8030) for tests and benchmarks: it answers POST /push/:id as a real push service
// does, checking VAPID (RFC 8292) and the TTL/Urgency/Topic headers, and it decrypts each message (RFC 8291) as
// the subscribed browser would, so a test proves what the user agent would have shown. Faults can be scripted.
//
// web-push always speaks TLS: give it `agent: new PlaintextAgent()` to reach this http:// service.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultScript, type Faults, type ScriptedAnswer } from './push-faults';
import { type PushMessageHeaders, readPushMessageHeaders } from './push-headers';
import { createTestSubscription, payloadDecrypter, type TestSubscription } from './push-subscription';
import { createVapidVerifier, type VapidClaims } from './push-vapid';
import { Waiters } from './push-waiters';

export type { Faults, ScriptedAnswer } from './push-faults';
export type { Urgency } from './push-headers';
export { createTestSubscription, type PushSubscriptionJSON, type TestSubscription } from './push-subscription';
export type { VapidClaims } from './push-vapid';

export interface ReceivedMessage extends PushMessageHeaders {
  /** The last segment of the Location the service answered with. */
  id: string;
  subscriptionId: string;
  /** When the whole request had arrived: performance.timeOrigin + performance.now(), in ms. */
  receivedAt: number;
  vapid: VapidClaims;
  /** The decrypted payload as UTF-8; null for a message sent without one, or not decrypted yet (`decryptLater`). */
  text: string | null;
  /** With `decryptLater`: decrypts the payload now (throws when it does not decrypt). */
  decrypt?: () => string;
  headers: IncomingHttpHeaders;
}

/** Every request, whatever it was answered (scripted faults included). */
export interface Attempt {
  subscriptionId: string | null;
  status: number | 'hang';
  at: number;
  /** Why a request was refused, as the response body says. */
  reason: string | null;
}

export interface PushServiceOptions {
  /** The only VAPID key accepted for subscriptions that do not name their own; another key gets 403. */
  applicationServerKey?: string;
  /** Largest body accepted; RFC 8030 §7.2 makes 4096 octets the least a push service must take. */
  maxBodyBytes?: number;
  /** Keep messages and attempts in memory (default true). Long benchmarks turn it off and use onMessage. */
  retain?: boolean;
  /**
   * Answer 201 without decrypting, leaving `decrypt()` on the message for later (benchmarks: this stand-in for a
   * remote service must not take CPU from the system measured on the same machine). A payload that does not decrypt
   * is then found when it is decrypted, not answered 400.
   */
  decryptLater?: boolean;
  onMessage?: (message: ReceivedMessage) => void;
  port?: number;
}

export interface SubscribeOptions {
  /** Restricts this subscription to one application server key (RFC 8292 §4.2); others get 403. */
  applicationServerKey?: string;
}

export interface PushService {
  /** Origin of the service, e.g. http://127.0.0.1:43210. */
  readonly url: string;
  readonly messages: readonly ReceivedMessage[];
  readonly attempts: readonly Attempt[];
  readonly counts: { requests: number; messages: number; byStatus: Record<string, number> };
  /** A new subscription with an endpoint on this service, ready to receive. */
  subscribe(options?: SubscribeOptions): TestSubscription;
  /** Accepts messages for a subscription made elsewhere (e.g. with an endpoint through a proxy). */
  register(subscription: TestSubscription, options?: SubscribeOptions): void;
  /** From now on the subscription is answered 410 Gone, as for a browser that unsubscribed. */
  markGone(subscriptionId: string): void;
  /** Replaces the faults of the whole service, or of one subscription (which then take precedence). */
  setFaults(faults: Faults, subscriptionId?: string): void;
  /** The first message (received already or later) that satisfies the predicate. */
  waitFor(predicate: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** The first `count` messages that satisfy the predicate (only later ones when retain is off). */
  waitForCount(
    count: number,
    predicate?: (message: ReceivedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedMessage[]>;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

interface Registration {
  subscription: TestSubscription;
  audience: string;
  applicationServerKey: string | undefined;
  decrypt: (body: Buffer) => Buffer;
  gone: boolean;
  faults: FaultScript;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface ReceivedBody {
  bytes: Buffer;
  oversize: boolean;
}

const DEFAULT_WAIT_MS = 5_000;
// An oversize body is still read (up to this much) so the client gets its 413 rather than a reset connection.
const DRAIN_LIMIT_BYTES = 1024 * 1024;
const PUSH_PATH = /^\/push\/([A-Za-z0-9_-]+)$/;

export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  const maxBodyBytes = options.maxBodyBytes ?? 4096;
  const retain = options.retain ?? true;
  const registrations = new Map<string, Registration>();
  const serviceFaults = new FaultScript();
  const messages: ReceivedMessage[] = [];
  const attempts: Attempt[] = [];
  const counts: PushService['counts'] = { requests: 0, messages: 0, byStatus: {} };
  const waiters = new Waiters<ReceivedMessage>();
  const checkVapid = createVapidVerifier();
  const sockets = new Set<Socket>();
  const delayed = new Set<NodeJS.Timeout>();
  let lastMessageId = 0;
  let url = '';

  function handle(req: IncomingMessage, res: ServerResponse, body: ReceivedBody): void {
    const receivedAt = performance.timeOrigin + performance.now();
    const subscriptionId = PUSH_PATH.exec(pathOf(req.url))?.[1] ?? null;
    const registration = subscriptionId === null ? undefined : registrations.get(subscriptionId);
    // A hang set for good leaves the scripted answers for when it is lifted.
    const scripted = registration?.faults.hang || serviceFaults.hang ? 'hang' : takeScripted(registration);
    if (scripted === 'hang') {
      note(subscriptionId, 'hang', receivedAt, null);
      return;
    }
    const answer =
      scripted === undefined ? receive(req, body, subscriptionId, registration, receivedAt) : scriptedAnswer(scripted);
    note(subscriptionId, answer.status, receivedAt, answer.status >= 400 ? (answer.body ?? null) : null);
    const delayMs = registration?.faults.delayMs ?? serviceFaults.delayMs ?? 0;
    if (delayMs <= 0) {
      send(res, answer);
      return;
    }
    const timer = setTimeout(() => {
      delayed.delete(timer);
      send(res, answer);
    }, delayMs);
    delayed.add(timer);
  }

  function takeScripted(registration: Registration | undefined): ScriptedAnswer | undefined {
    return registration?.faults.take() ?? serviceFaults.take();
  }

  /** What a push service does with a request it is not told to fail. */
  function receive(
    req: IncomingMessage,
    body: ReceivedBody,
    subscriptionId: string | null,
    registration: Registration | undefined,
    receivedAt: number,
  ): Answer {
    if (subscriptionId === null) return refuse(404, 'not a push endpoint');
    if (req.method !== 'POST') return { ...refuse(405, 'push messages are POSTed'), headers: { Allow: 'POST' } };
    if (!registration) return refuse(404, 'no such subscription');
    if (registration.gone) return refuse(410, 'subscription is gone');
    const vapid = checkVapid(req.headers.authorization, {
      audience: registration.audience,
      applicationServerKey: registration.applicationServerKey,
      nowSeconds: Date.now() / 1000,
    });
    if (!vapid.ok) return { ...refuse(vapid.status, vapid.reason), headers: { 'WWW-Authenticate': 'vapid' } };
    const pushHeaders = readPushMessageHeaders(req.headers);
    if ('refused' in pushHeaders) return refuse(400, pushHeaders.refused);
    if (body.oversize) return refuse(413, `body is larger than ${maxBodyBytes} bytes`);
    let text: string | null = null;
    let decrypt: (() => string) | undefined;
    if (body.bytes.length > 0) {
      if (req.headers['content-encoding']?.toLowerCase() !== 'aes128gcm') {
        return { ...refuse(415, 'Content-Encoding must be aes128gcm'), headers: { 'Accept-Encoding': 'aes128gcm' } };
      }
      if (options.decryptLater) {
        decrypt = () => registration.decrypt(body.bytes).toString('utf8');
      } else {
        try {
          text = registration.decrypt(body.bytes).toString('utf8');
        } catch (error) {
          // A real service cannot tell; the browser would drop the message. Here the sender hears of it at once.
          return refuse(400, `payload does not decrypt: ${(error as Error).message}`);
        }
      }
    }
    const id = String(++lastMessageId);
    const headers = req.headers;
    record({ id, subscriptionId, receivedAt, ...pushHeaders, vapid: vapid.vapid, text, decrypt, headers });
    return { status: 201, headers: { Location: `${url}/message/${id}`, TTL: String(pushHeaders.ttl) } };
  }

  function record(message: ReceivedMessage): void {
    counts.messages++;
    if (retain) messages.push(message);
    options.onMessage?.(message);
    waiters.offer(message);
  }

  function note(subscriptionId: string | null, status: number | 'hang', at: number, reason: string | null): void {
    counts.requests++;
    counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
    if (retain) attempts.push({ subscriptionId, status, at, reason });
  }

  function registrationOf(subscriptionId: string): Registration {
    const registration = registrations.get(subscriptionId);
    if (!registration) throw new Error(`no subscription ${subscriptionId} on this push service`);
    return registration;
  }

  const server = createServer((req, res) =>
    readBody(req, maxBodyBytes, (body) => {
      try {
        handle(req, res, body);
      } catch (error) {
        // Only a throwing onMessage gets here; failing the request shows the sender, not crashing the test run.
        send(res, refuse(500, `push service failed: ${(error as Error).message}`));
      }
    }),
  );
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;

  const service: PushService = {
    url,
    messages,
    attempts,
    counts,
    subscribe(subscribeOptions) {
      const subscription = createTestSubscription(url);
      service.register(subscription, subscribeOptions);
      return subscription;
    },
    register(subscription, subscribeOptions = {}) {
      registrations.set(subscription.id, {
        subscription,
        audience: new URL(subscription.subscription.endpoint).origin,
        applicationServerKey: subscribeOptions.applicationServerKey ?? options.applicationServerKey,
        decrypt: payloadDecrypter(subscription),
        gone: false,
        faults: new FaultScript(),
      });
    },
    markGone(subscriptionId) {
      registrationOf(subscriptionId).gone = true;
    },
    setFaults(faults, subscriptionId) {
      (subscriptionId === undefined ? serviceFaults : registrationOf(subscriptionId).faults).set(faults);
    },
    async waitFor(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      const [first] = await waiters.wait(messages, predicate, 1, timeoutMs);
      return first as ReceivedMessage;
    },
    waitForCount(count, predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) {
      return waiters.wait(messages, predicate, count, timeoutMs);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        waiters.rejectAll('push service closed');
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
  return service;
}

function readBody(req: IncomingMessage, limit: number, done: (body: ReceivedBody) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
    else if (size > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.on('end', () => done({ bytes: Buffer.concat(chunks), oversize: size > limit }));
  req.on('error', () => {}); // the client went away; there is nobody to answer
}

function pathOf(requestTarget: string | undefined): string {
  const target = requestTarget ?? '';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

function scriptedAnswer(answer: Exclude<ScriptedAnswer, 'hang'>): Answer {
  if (typeof answer !== 'number') return answer;
  return { status: answer, body: `scripted ${answer}` };
}

function refuse(status: number, reason: string): Answer {
  return { status, body: reason };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.writableEnded) return; // the client gave up while the answer was delayed
  const body = answer.body ?? '';
  res.writeHead(answer.status, {
    ...(body && { 'Content-Type': 'text/plain; charset=utf-8' }),
    'Content-Length': Buffer.byteLength(body),
    ...answer.headers,
  });
  res.end(body);
}
