import { createPrivateKey, sign } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import webPush, { type RequestOptions, type SendResult, type WebPushError } from 'web-push';
import { PlaintextAgent } from './plaintext-agent';
import { type PushService, startPushService, type TestSubscription } from './push-service';
import { request } from './tls-client';

/** Real HTTP throughout: messages are sent by the web-push library, or by hand where it would refuse to. */

const RUNS = process.env.FUZZ ? (Number(process.env.FUZZ) > 1 ? Number(process.env.FUZZ) : 500) : 25;
const SUBJECT = 'mailto:oncall@carewatch.example';
const vapidKeys = webPush.generateVAPIDKeys();
const otherKeys = webPush.generateVAPIDKeys();
const agent = new PlaintextAgent();
let service: PushService;

beforeAll(async () => {
  service = await startPushService();
});
afterAll(async () => {
  await service.close();
  agent.destroy();
});

function send(
  subscription: TestSubscription,
  payload: string | null,
  options: RequestOptions = {},
): Promise<SendResult> {
  return webPush.sendNotification(subscription.subscription, payload, {
    vapidDetails: { subject: SUBJECT, ...vapidKeys },
    TTL: 60,
    agent,
    ...options,
  });
}

/** The status a send was answered with, whether web-push resolved or rejected. */
async function statusOf(sending: Promise<SendResult>): Promise<number> {
  try {
    return (await sending).statusCode;
  } catch (error) {
    return (error as WebPushError).statusCode;
  }
}

/** A message web-push built, sent with the headers edited first: for what web-push itself would not send. */
async function sendEdited(subscription: TestSubscription, edit: (headers: Record<string, string>) => void) {
  const details = webPush.generateRequestDetails(subscription.subscription, 'edited', {
    vapidDetails: { subject: SUBJECT, ...vapidKeys },
    TTL: 60,
  });
  const headers = stringHeaders(details.headers);
  edit(headers);
  return request(details.endpoint, { method: 'POST', headers, body: details.body });
}

/** Signs a VAPID JWT by hand (ES256, raw r||s), so its claims and key can be anything. */
function vapidAuthorization(
  claims: Record<string, unknown>,
  signer = vapidKeys,
  k = vapidKeys.publicKey,
  alg = 'ES256',
): string {
  const point = Buffer.from(signer.publicKey, 'base64url');
  const key = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: signer.privateKey,
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
  });
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ typ: 'JWT', alg })}.${part(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `vapid t=${input}.${signature}, k=${k}`;
}

/** A valid `vapid t=header.claims.signature, k=…` with other claims put in. */
function tamperedAuthorization(): string {
  const [header, , signatureAndKey] = vapidAuthorization(validClaims()).split('.');
  const claims = Buffer.from(JSON.stringify({ ...validClaims(), sub: 'mailto:intruder@example.net' }));
  return `${header}.${claims.toString('base64url')}.${signatureAndKey}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('delivery', () => {
  test('what web-push encrypts is what the subscriber decrypts, for any unicode text up to ~3,000 bytes', async () => {
    const subscription = service.subscribe();
    const payload = fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 750 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 750, size: 'max' }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300, size: 'max' }),
      )
      .filter((text) => Buffer.byteLength(text) <= 3_000);
    await fc.assert(
      fc.asyncProperty(payload, async (text) => {
        const sent = await send(subscription, text);
        expect(sent.statusCode).toBe(201);
        const id = sent.headers.location?.split('/').pop();
        const received = await service.waitFor((message) => message.id === id);
        expect(received.text).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  test('records TTL, Urgency, Topic and the VAPID claims, and answers 201 with a Location', async () => {
    const subscription = service.subscribe();
    const sent = await send(subscription, 'fall detected', { TTL: 600, urgency: 'high', topic: 'resident-42_fall' });

    expect(sent.statusCode).toBe(201);
    expect(sent.headers.location).toMatch(new RegExp(`^${service.url}/message/\\w+$`));
    expect(sent.headers.ttl).toBe('600');
    const received = await service.waitFor((message) => message.subscriptionId === subscription.id);
    expect(received).toMatchObject({
      ttl: 600,
      urgency: 'high',
      topic: 'resident-42_fall',
      text: 'fall detected',
      vapid: { sub: SUBJECT, aud: service.url, publicKey: vapidKeys.publicKey },
    });
    // web-push's default lifetime is 12 hours.
    expect(received.vapid.exp).toBeGreaterThan(nowSeconds() + 11 * 3600);
    expect(received.receivedAt).toBeGreaterThan(Date.now() - 10_000);
    expect(received.receivedAt).toBeLessThanOrEqual(performance.timeOrigin + performance.now());
  });

  test('Urgency defaults to normal, Topic to none, and a message without payload has no text', async () => {
    const subscription = service.subscribe();
    const answer = await sendEdited(subscription, (headers) => {
      delete headers.Urgency;
    });
    expect(answer.status).toBe(201);
    await send(subscription, null);

    const [edited, empty] = await service.waitForCount(2, (message) => message.subscriptionId === subscription.id);
    expect(edited).toMatchObject({ urgency: 'normal', topic: null, text: 'edited' });
    expect(empty).toMatchObject({ text: null });
  });

  test('a subscription restricted to one application server key takes messages signed with it', async () => {
    const subscription = service.subscribe({ applicationServerKey: vapidKeys.publicKey });
    expect((await send(subscription, 'signed by the right key')).statusCode).toBe(201);
  });

  test('waitFor and waitForCount give up after their timeout, saying how much arrived', async () => {
    const subscription = service.subscribe();
    await send(subscription, 'only one');
    await expect(service.waitForCount(2, (message) => message.subscriptionId === subscription.id, 100)).rejects.toThrow(
      '1 arrived',
    );
  });
});

describe('long runs', () => {
  test('with retain off nothing is kept, yet onMessage, counts and waits for later messages still work', async () => {
    const seen: string[] = [];
    const own = await startPushService({ retain: false, onMessage: (message) => seen.push(message.text ?? '') });
    try {
      const subscription = own.subscribe();
      const options = { vapidDetails: { subject: SUBJECT, ...vapidKeys }, TTL: 60, agent };
      await webPush.sendNotification(subscription.subscription, 'first', options);
      const later = own.waitForCount(2);
      await webPush.sendNotification(subscription.subscription, 'second', options);
      await webPush.sendNotification(subscription.subscription, 'third', options);

      expect((await later).map((message) => message.text)).toEqual(['second', 'third']);
      expect(seen).toEqual(['first', 'second', 'third']);
      expect(own.messages).toEqual([]);
      expect(own.attempts).toEqual([]);
      expect(own.counts).toMatchObject({ requests: 3, messages: 3 });
    } finally {
      await own.close();
    }
  });

  test('with decryptLater a message is taken at once and decrypted on demand; one that does not decrypt throws then', async () => {
    const own = await startPushService({ retain: true, decryptLater: true });
    try {
      const subscription = own.subscribe();
      const stranger = own.subscribe();
      const options = { vapidDetails: { subject: SUBJECT, ...vapidKeys }, TTL: 60, agent };
      expect((await webPush.sendNotification(subscription.subscription, 'later', options)).statusCode).toBe(201);
      const details = webPush.generateRequestDetails(stranger.subscription, 'for someone else', options);
      const misdirected = await request(subscription.subscription.endpoint, {
        method: 'POST',
        headers: stringHeaders(details.headers),
        body: details.body,
      });
      expect(misdirected.status).toBe(201);

      const [first, second] = own.messages;
      expect(first?.text).toBeNull();
      expect(first?.decrypt?.()).toBe('later');
      expect(() => second?.decrypt?.()).toThrow();
    } finally {
      await own.close();
    }
  });
});

describe('refusals', () => {
  const uncompressedKey = Buffer.from(vapidKeys.publicKey, 'base64url');
  test.each<[string, () => string | undefined]>([
    ['no Authorization', () => undefined],
    ['another scheme', () => 'WebPush abc'],
    ['a JWT signed by another key than k', () => vapidAuthorization(validClaims(), otherKeys)],
    ['a JWT whose claims were changed after signing', () => tamperedAuthorization()],
    [
      'a JWT for another push service',
      () => vapidAuthorization({ ...validClaims(), aud: 'https://fcm.googleapis.com' }),
    ],
    ['an expired JWT', () => vapidAuthorization({ ...validClaims(), exp: nowSeconds() - 1 })],
    ['a JWT valid for more than 24 hours', () => vapidAuthorization({ ...validClaims(), exp: nowSeconds() + 86_460 })],
    ['a sub that is no contact URL', () => vapidAuthorization({ ...validClaims(), sub: 'http://carewatch.example' })],
    ['alg none', () => vapidAuthorization(validClaims(), vapidKeys, vapidKeys.publicKey, 'none')],
    [
      'k that is no P-256 point',
      () => vapidAuthorization(validClaims(), vapidKeys, Buffer.alloc(65, 4).toString('base64url')),
    ],
    [
      'k in the hybrid rather than the uncompressed form',
      () =>
        vapidAuthorization(
          validClaims(),
          vapidKeys,
          Buffer.from([0x06, ...uncompressedKey.subarray(1)]).toString('base64url'),
        ),
    ],
  ])('%s is answered 401 and nothing is recorded', async (_case, authorization) => {
    const subscription = service.subscribe();
    const answer = await sendEdited(subscription, (headers) => {
      const value = authorization();
      if (value === undefined) delete headers.Authorization;
      else headers.Authorization = value;
    });
    expect(answer.status, answer.body).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('vapid');
    expect(service.messages.filter((message) => message.subscriptionId === subscription.id)).toEqual([]);
  });

  // The control for the table above: the hand-made JWT is accepted when nothing in it is wrong.
  test('a hand-signed JWT with valid claims is accepted', async () => {
    const subscription = service.subscribe();
    const answer = await sendEdited(subscription, (headers) => {
      headers.Authorization = vapidAuthorization(validClaims());
    });
    expect(answer.status, answer.body).toBe(201);
  });

  test('a message signed with a key other than the subscription was made with is answered 403', async () => {
    const subscription = service.subscribe({ applicationServerKey: otherKeys.publicKey });
    const error: WebPushError = await send(subscription, 'wrong key').catch((rejected) => rejected);
    expect(error.statusCode).toBe(403);
  });

  test.each([
    ['no TTL', { TTL: undefined }],
    ['a TTL that is not whole seconds', { TTL: '1.5' }],
    ['a negative TTL', { TTL: '-1' }],
    ['an unknown Urgency', { Urgency: 'urgent' }],
    ['a Topic longer than 32 characters', { Topic: 'a'.repeat(33) }],
    ['a Topic outside the base64url alphabet', { Topic: 'fall+alert' }],
  ])('%s is answered 400', async (_case, changes: Record<string, string | undefined>) => {
    const subscription = service.subscribe();
    const answer = await sendEdited(subscription, (headers) => {
      for (const [name, value] of Object.entries(changes)) {
        if (value === undefined) delete headers[name];
        else headers[name] = value;
      }
    });
    expect(answer.status, answer.body).toBe(400);
  });

  test('a payload that does not decrypt with the subscription keys is answered 400', async () => {
    const subscription = service.subscribe();
    const stranger = service.subscribe();
    const details = webPush.generateRequestDetails(stranger.subscription, 'for someone else', {
      vapidDetails: { subject: SUBJECT, ...vapidKeys },
      TTL: 60,
    });
    const misdirected = await request(subscription.subscription.endpoint, {
      method: 'POST',
      headers: { ...stringHeaders(details.headers), Authorization: vapidAuthorization(validClaims()) },
      body: details.body,
    });
    expect(misdirected.status).toBe(400);
    expect(misdirected.body).toMatch(/does not decrypt/);
  });

  test('a body in another content coding is answered 415: only aes128gcm is taken', async () => {
    const subscription = service.subscribe();
    const answer = await sendEdited(subscription, (headers) => {
      headers['Content-Encoding'] = 'aesgcm';
    });
    expect(answer.status).toBe(415);
    expect(answer.headers['accept-encoding']).toBe('aes128gcm');
  });

  test('a body over 4096 bytes is answered 413; exactly 4096 is taken', async () => {
    const subscription = service.subscribe();
    // aes128gcm adds 103 bytes to one record: 86 of header, 1 of padding delimiter, 16 of tag.
    expect(await statusOf(send(subscription, 'x'.repeat(4096 - 103)))).toBe(201);
    expect(await statusOf(send(subscription, 'x'.repeat(4096 - 103 + 1)))).toBe(413);
    expect(await statusOf(send(subscription, 'x'.repeat(20_000)))).toBe(413);
  });

  test('an unknown subscription is answered 404, one marked gone 410', async () => {
    const subscription = service.subscribe();
    const unknown = { ...subscription.subscription, endpoint: `${service.url}/push/no-such-id` };
    const error: WebPushError = await webPush
      .sendNotification(unknown, 'hello', { vapidDetails: { subject: SUBJECT, ...vapidKeys }, TTL: 60, agent })
      .catch((rejected) => rejected);
    expect(error.statusCode).toBe(404);

    expect(await statusOf(send(subscription, 'still there'))).toBe(201);
    service.markGone(subscription.id);
    expect(await statusOf(send(subscription, 'unsubscribed'))).toBe(410);
  });
});

describe('scripted faults', () => {
  test('a subscription answers its scripted statuses first, then takes messages again', async () => {
    const subscription = service.subscribe();
    const bystander = service.subscribe();
    service.setFaults({ answers: [500, { status: 429, headers: { 'Retry-After': '3' } }] }, subscription.id);

    const first: WebPushError = await send(subscription, 'attempt 1').catch((rejected) => rejected);
    expect(await statusOf(send(bystander, 'not scripted'))).toBe(201);
    const second: WebPushError = await send(subscription, 'attempt 2').catch((rejected) => rejected);
    const third = await send(subscription, 'attempt 3');

    expect(first.statusCode).toBe(500);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('3');
    expect(third.statusCode).toBe(201);
    const attempts = service.attempts.filter((attempt) => attempt.subscriptionId === subscription.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual([500, 429, 201]);
    const received = service.messages.filter((message) => message.subscriptionId === subscription.id);
    expect(received.map((message) => message.text)).toEqual(['attempt 3']);
  });

  test('service-wide answers apply to every subscription, before it is even looked up', async () => {
    const own = await startPushService();
    try {
      const subscription = own.subscribe();
      own.setFaults({ answers: [503, 503] });
      const unknown = { ...subscription.subscription, endpoint: `${own.url}/push/no-such-id` };
      const options = { vapidDetails: { subject: SUBJECT, ...vapidKeys }, TTL: 60, agent };
      expect(await statusOf(webPush.sendNotification(unknown, 'x', options))).toBe(503);
      expect(await statusOf(webPush.sendNotification(subscription.subscription, 'x', options))).toBe(503);
      expect(await statusOf(webPush.sendNotification(subscription.subscription, 'x', options))).toBe(201);
      expect(own.counts).toMatchObject({ requests: 3, messages: 1, byStatus: { 503: 2, 201: 1 } });
    } finally {
      await own.close();
    }
  });

  test('a delay holds the answer, not the message', async () => {
    const subscription = service.subscribe();
    service.setFaults({ delayMs: 300 }, subscription.id);
    const sent = await send(subscription, 'slow answer');
    const answeredAt = performance.timeOrigin + performance.now();

    expect(sent.statusCode).toBe(201);
    const received = await service.waitFor((message) => message.subscriptionId === subscription.id);
    expect(received.text).toBe('slow answer');
    // Timers may fire a millisecond early; a loaded machine only makes the gap longer.
    expect(answeredAt - received.receivedAt).toBeGreaterThanOrEqual(295);
    service.setFaults({}, subscription.id);
  });

  test("a hung request meets the client's timeout; the next one is answered", async () => {
    const subscription = service.subscribe();
    service.setFaults({ answers: ['hang'] }, subscription.id);
    await expect(send(subscription, 'never answered', { timeout: 200 })).rejects.toThrow('Socket timeout');
    expect(await statusOf(send(subscription, 'answered', { timeout: 2_000 }))).toBe(201);
    const attempts = service.attempts.filter((attempt) => attempt.subscriptionId === subscription.id);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['hang', 201]);
  });

  test('close() ends hanging requests and pending waits', async () => {
    const own = await startPushService();
    const subscription = own.subscribe();
    own.setFaults({ hang: true });
    const sending = webPush.sendNotification(subscription.subscription, 'x', {
      vapidDetails: { subject: SUBJECT, ...vapidKeys },
      TTL: 60,
      agent: new PlaintextAgent({ keepAlive: false }),
    });
    const waiting = own.waitFor(() => true, 60_000).catch((error: Error) => error);
    await expect.poll(() => own.attempts.length).toBe(1);
    await own.close();
    await expect(sending).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await waiting).toMatchObject({ message: expect.stringContaining('push service closed') });
  });
});

function validClaims(): { aud: string; exp: number; sub: string } {
  return { aud: service.url, exp: nowSeconds() + 3600, sub: SUBJECT };
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}
