// bench:notify's receiving end, in a process of its own: the local RFC 8030 push service and an integration's webhook
// receiver. Reports each arrival (alert id, time) to the bench over IPC in batches. These stand in for services on
// other machines, so during the run they only take the requests (a push is known by its Topic, a webhook call by its
// body); every push is decrypted and every signature checked when the bench closes them, and a push whose payload
// does not decrypt to its alert, or a call with a bad signature, fails the run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../../core/notify/webhook-signature';
import { startPushService } from '../testing/push-service';
import type { PushSubscriptionJSON } from '../testing/push-subscription';

export type ToReceivers =
  | { type: 'start'; vapidPublicKey: string; subscriptions: number }
  | { type: 'secret'; secret: string }
  | { type: 'close' };

export type FromReceivers =
  | { type: 'ready'; webhookUrl: string; subscriptions: PushSubscriptionJSON[] }
  | { type: 'arrivals'; push: [alertId: string, at: number][]; webhook: [alertId: string, at: number][] }
  | { type: 'counts'; badSignatures: number; badPayloads: number; pushRequests: number; webhookRequests: number }
  | { type: 'closed' };

const now = () => performance.timeOrigin + performance.now();
const reply = (message: FromReceivers) => process.send?.(message);
let pending: { push: [string, number][]; webhook: [string, number][] } = { push: [], webhook: [] };
let secret: string | undefined;
let webhookRequests = 0;
/** Checked at the end (see the top): each push's decryption against its alert, each call's signature. */
const pushChecks: { alertId: string; decrypt: () => string }[] = [];
const webhookChecks: { timestamp: string | undefined; signature: string | undefined; body: string; at: number }[] = [];

setInterval(() => {
  if (pending.push.length === 0 && pending.webhook.length === 0) return;
  reply({ type: 'arrivals', ...pending });
  pending = { push: [], webhook: [] };
}, 50).unref();

async function start(message: Extract<ToReceivers, { type: 'start' }>) {
  const push = await startPushService({
    applicationServerKey: message.vapidPublicKey,
    retain: false,
    decryptLater: true,
    onMessage: (received) => {
      const alertId = alertIdOfTopic(received.topic);
      if (!alertId || !received.decrypt) return;
      pending.push.push([alertId, received.receivedAt]);
      pushChecks.push({ alertId, decrypt: received.decrypt });
    },
  });
  const webhooks = createServer((request, response) => {
    const arrived = now();
    webhookRequests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      webhookChecks.push({
        timestamp: request.headers[WEBHOOK_HEADERS.timestamp] as string | undefined,
        signature: request.headers[WEBHOOK_HEADERS.signature] as string | undefined,
        body,
        at: Date.now(),
      });
      const alertId = (JSON.parse(body) as { alert?: { id?: string } }).alert?.id;
      if (alertId) pending.webhook.push([alertId, arrived]);
      response.writeHead(200).end('{}');
    });
  });
  webhooks.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => webhooks.listen(0, '127.0.0.1', resolve));
  const subscriptions = Array.from({ length: message.subscriptions }, () => push.subscribe().subscription);
  reply({
    type: 'ready',
    webhookUrl: `http://127.0.0.1:${(webhooks.address() as AddressInfo).port}/hook`,
    subscriptions,
  });
  return async () => {
    const { badPayloads, badSignatures } = await checkEverything();
    reply({ type: 'counts', badSignatures, badPayloads, pushRequests: push.counts.requests, webhookRequests });
    webhooks.closeAllConnections();
    await new Promise((resolve) => webhooks.close(resolve));
    await push.close();
  };
}

/** The alert id a push's Topic names (the sender's topic is the alert's UUID without dashes). */
function alertIdOfTopic(topic: string | null): string | undefined {
  const match = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(topic ?? '');
  return match ? match.slice(1).join('-') : undefined;
}

async function checkEverything(): Promise<{ badPayloads: number; badSignatures: number }> {
  let badPayloads = 0;
  for (const check of pushChecks) {
    try {
      const text = JSON.parse(check.decrypt()) as { alertId?: string };
      if (text.alertId !== check.alertId) badPayloads++;
    } catch {
      badPayloads++;
    }
  }
  let badSignatures = 0;
  for (const check of webhookChecks) {
    const verdict = secret ? await verifyWebhookSignature(secret, check, check.body, check.at) : { valid: false };
    if (!verdict.valid) badSignatures++;
  }
  return { badPayloads, badSignatures };
}

let stop: (() => Promise<void>) | undefined;
process.on('message', async (message: ToReceivers) => {
  if (message.type === 'start') stop = await start(message);
  if (message.type === 'secret') secret = message.secret;
  if (message.type === 'close') {
    if (pending.push.length > 0 || pending.webhook.length > 0) reply({ type: 'arrivals', ...pending });
    await stop?.();
    reply({ type: 'closed' });
    process.exit(0);
  }
});
