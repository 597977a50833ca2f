// bench:notify's receiving end, in a process of its own (decrypting pushes costs CPU the node under test must not
// share an event loop with): the local RFC 8030 push service and an integration's webhook receiver. Reports each
// arrival (alert id, time) to the bench over IPC in batches.
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
  | { type: 'counts'; badSignatures: number; pushRequests: number; webhookRequests: number }
  | { type: 'closed' };

const now = () => performance.timeOrigin + performance.now();
const reply = (message: FromReceivers) => process.send?.(message);
let pending: { push: [string, number][]; webhook: [string, number][] } = { push: [], webhook: [] };
let secret: string | undefined;
let badSignatures = 0;
let webhookRequests = 0;

setInterval(() => {
  if (pending.push.length === 0 && pending.webhook.length === 0) return;
  reply({ type: 'arrivals', ...pending });
  pending = { push: [], webhook: [] };
}, 50).unref();

async function start(message: Extract<ToReceivers, { type: 'start' }>) {
  const push = await startPushService({
    applicationServerKey: message.vapidPublicKey,
    retain: false,
    onMessage: (received) => {
      const at = received.receivedAt;
      const alertId = (JSON.parse(received.text ?? '{}') as { alertId?: string }).alertId;
      if (alertId) pending.push.push([alertId, at]);
    },
  });
  const webhooks = createServer((request, response) => {
    const arrived = now();
    webhookRequests++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const check = secret
        ? await verifyWebhookSignature(
            secret,
            {
              timestamp: request.headers[WEBHOOK_HEADERS.timestamp] as string | undefined,
              signature: request.headers[WEBHOOK_HEADERS.signature] as string | undefined,
            },
            body,
          )
        : { valid: false };
      if (!check.valid) {
        badSignatures++;
        response.writeHead(401).end();
        return;
      }
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
    reply({ type: 'counts', badSignatures, pushRequests: push.counts.requests, webhookRequests });
    webhooks.closeAllConnections();
    await new Promise((resolve) => webhooks.close(resolve));
    await push.close();
  };
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
