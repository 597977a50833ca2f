import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WebhookMessage } from '../../core/notify/webhook-message';
import { signWebhook, verifyWebhookSignature, WEBHOOK_HEADERS } from '../../core/notify/webhook-signature';
import { type ApiHarness, startApiHarness } from '../../infra/testing/api-harness';
import { TEST_INTEGRATION_SIGNING_KEY } from '../../infra/testing/functions';
import { type RealtimeNode, startRealtimeNode } from '../node';
import { injectSosAlert, stopInjectionServers, testRealtimeConfig } from '../testing';

/** An integration's receiver: records each call, answers the scripted statuses first, then 200. */
function startReceiver(statuses: number[]) {
  const calls: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  return new Promise<{ url: string; calls: typeof calls; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        calls,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

describe('webhook channel, end to end: signed calls with retries, and the integration acknowledging through its callback', () => {
  let h: ApiHarness;
  let node: RealtimeNode;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpoint: { id: string; secret: string };

  beforeAll(async () => {
    h = await startApiHarness({ OUTBOUND_ALLOW_PRIVATE: 'true' });
    receiver = await startReceiver([500, 500]);
    const admin = await h.tokenFor('own', 'admin');
    const created = await h.request<{ endpoint: { id: string }; secret: string }>('POST', '/v1/webhook-endpoints', {
      token: admin,
      body: { name: 'SMS gateway', url: receiver.url },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    endpoint = { id: created.body.endpoint.id, secret: created.body.secret };
    const rule = await h.request('PUT', '/v1/notification-rules/organisation/critical', {
      token: admin,
      body: { channels: [{ channel: 'webhook', delaySeconds: 0, endpointId: endpoint.id }] },
    });
    expect(rule.status).toBe(200);
    node = await startRealtimeNode(
      testRealtimeConfig(h.database.url, {
        INTEGRATION_SIGNING_KEY: TEST_INTEGRATION_SIGNING_KEY,
        OUTBOUND_ALLOW_PRIVATE: 'true',
        NODE_ENV: 'test',
        PUBLIC_URL: h.baseUrl,
        CHANNEL_TIMEOUT_MS: '1000',
        CHANNEL_LEASE_SECONDS: '5',
        REALTIME_ESCALATION_MS: '60000',
      }),
    );
  });
  afterAll(async () => {
    await node?.stop();
    await receiver?.close();
    await stopInjectionServers();
    await h?.stop();
  });

  /** POSTs a callback signed with `secret` (default: the endpoint's), with the given id and timestamp. */
  async function callback(
    body: Record<string, unknown>,
    options: { secret?: string; id?: string; timestamp?: number; endpointId?: string } = {},
  ) {
    const raw = JSON.stringify(body);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const response = await fetch(`${h.baseUrl}/v1/integrations/callbacks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.endpoint]: options.endpointId ?? endpoint.id,
        [WEBHOOK_HEADERS.id]: options.id ?? crypto.randomUUID(),
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: await signWebhook(options.secret ?? endpoint.secret, timestamp, raw),
      },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  test('the call is signed, retried after 500s, carries what an SMS needs; the callback acknowledges the alert once', async () => {
    const resident = h.orgs.own.residents[0];
    if (!resident) throw new Error('seed');
    const alert = await injectSosAlert({
      databaseUrl: h.database.url,
      org: h.orgs.own,
      residentId: resident.id,
      functionsUrl: h.baseUrl,
    });
    await expect.poll(() => receiver.calls.length, { timeout: 10_000 }).toBe(3);
    for (const call of receiver.calls) {
      const check = await verifyWebhookSignature(
        endpoint.secret,
        {
          timestamp: call.headers[WEBHOOK_HEADERS.timestamp] as string,
          signature: call.headers[WEBHOOK_HEADERS.signature] as string,
        },
        call.body,
      );
      expect(check).toEqual({ valid: true });
    }
    const ids = new Set(receiver.calls.map((call) => call.headers[WEBHOOK_HEADERS.id]));
    expect(ids.size).toBe(1);
    const message = JSON.parse(receiver.calls[2]?.body ?? '') as WebhookMessage;
    expect(message).toMatchObject({
      type: 'alert.notification',
      try: 3,
      alert: { id: alert.alertId, kind: 'sos', severity: 'critical', status: 'open' },
      resident: { id: resident.id, name: resident.name },
      callbackUrl: `${h.baseUrl}/v1/integrations/callbacks`,
    });
    expect(Object.keys(message.resident).sort()).toEqual(['id', 'name']);
    expect(message.text.title).toBe('[긴급] 응급 호출 버튼');
    await expect
      .poll(
        async () =>
          (await h.database.sql`select state from delivery_channel_attempts where id = ${message.attemptId}`)[0]?.state,
      )
      .toBe('sent');

    // A forged signature, a stale timestamp, an unknown endpoint: 401, nothing changed.
    const acknowledge = { attemptId: message.attemptId, status: 'acknowledged', detail: 'SMS reply "1"' };
    expect((await callback(acknowledge, { secret: 'whsec_not-the-secret' })).status).toBe(401);
    expect((await callback(acknowledge, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await callback(acknowledge, { endpointId: crypto.randomUUID() })).status).toBe(401);
    const [still] = await h.database.sql`select status from alerts where id = ${alert.alertId}`;
    expect(still?.status).toBe('open');

    const id = crypto.randomUUID();
    const timestamp = Math.floor(Date.now() / 1000);
    const acked = await callback(acknowledge, { id, timestamp });
    expect(acked).toEqual({ status: 200, body: { outcome: 'acknowledged' } });
    const replayed = await callback(acknowledge, { id, timestamp });
    expect(replayed.status).toBe(409);
    const [row] = await h.database.sql`select status, acknowledged_by from alerts where id = ${alert.alertId}`;
    expect(row?.status).toBe('acknowledged');
    const [attempt] = await h.database.sql`select state from delivery_channel_attempts where id = ${message.attemptId}`;
    expect(attempt?.state).toBe('delivered');
  });

  test('a callback about an attempt this endpoint never got is a 404; a malformed body a 422', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const other = await h.request<{ endpoint: { id: string }; secret: string }>('POST', '/v1/webhook-endpoints', {
      token: admin,
      body: { name: 'Voice gateway', url: receiver.url },
    });
    const [attempt] = await h.database.sql<{ id: string }[]>`
      select id from delivery_channel_attempts where endpoint_id = ${endpoint.id} limit 1`;
    const foreign = await callback(
      { attemptId: attempt?.id, status: 'delivered' },
      { endpointId: other.body.endpoint.id, secret: other.body.secret },
    );
    expect(foreign.status).toBe(404);
    const malformed = await callback({ attemptId: attempt?.id, status: 'read' });
    expect(malformed.status).toBe(422);
    expect(malformed.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('after a rotation the next call is signed with the new secret, never the old one', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const rotated = await h.request<{ secret: string }>('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      token: admin,
    });
    expect(rotated.status).toBe(200);
    const resident = h.orgs.own.residents[1];
    if (!resident) throw new Error('seed');
    const before = receiver.calls.length;
    const alert = await injectSosAlert({
      databaseUrl: h.database.url,
      org: h.orgs.own,
      residentId: resident.id,
      functionsUrl: h.baseUrl,
    });
    const callOf = () =>
      receiver.calls.slice(before).find((call) => (JSON.parse(call.body) as WebhookMessage).alert.id === alert.alertId);
    await expect.poll(callOf, { timeout: 10_000 }).toBeDefined();
    const call = callOf();
    if (!call) throw new Error('no call');
    const headers = {
      timestamp: call.headers[WEBHOOK_HEADERS.timestamp] as string,
      signature: call.headers[WEBHOOK_HEADERS.signature] as string,
    };
    expect(await verifyWebhookSignature(rotated.body.secret, headers, call.body)).toEqual({ valid: true });
    expect(await verifyWebhookSignature(endpoint.secret, headers, call.body)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });
});
