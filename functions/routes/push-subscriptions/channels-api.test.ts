import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import webPush from 'web-push';
import { recordAttemptOutcome } from '../../../db/alerts/channels/attempt-outcome';
import { resolveAlert } from '../../../db/alerts/resolve';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';
import { injectSosAlert } from '../../../infra/testing/inject';

/** A P-256 public key and auth secret as a browser makes them (web-push's VAPID generator makes the same kind). */
const browserKeys = () => {
  const { publicKey } = webPush.generateVAPIDKeys();
  return { p256dh: publicKey, auth: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url') };
};

const privateOrBadEndpoints = [
  'http://push.example.org/send/abc',
  'https://127.0.0.1/push',
  'https://[::1]/push',
  'https://10.1.2.3/push',
  'https://169.254.169.254/latest/meta-data',
  'https://0x7f000001/push',
  'https://localhost/push',
  'https://push.internal/send',
  'https://user:secret@push.example.org/send',
  'not a url',
];

describe('push subscriptions, webhook endpoints and notification rules: what the API refuses (private addresses not allowed)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h.stop());

  /**
   * A new SOS alert for the resident, whose push to this subscription its push service answered 410 (recorded as the
   * channel sender records it).
   */
  async function sosLostTo(residentId: string, subscriptionId: string, goneEndpoint: string) {
    const { raised, attempts } = await newSosPushesTo(residentId, subscriptionId);
    const [attempt] = attempts;
    await recordAttemptOutcome(h.database.sql, {
      attemptId: attempt?.id ?? '',
      nodeId: 'channels-api-test',
      outcome: { kind: 'gone', providerStatus: 410, detail: 'push service: 410', endpoint: goneEndpoint },
    });
    return { alertId: raised.alertId, attemptId: attempt?.id ?? '' };
  }

  /** A new SOS alert for the resident (its open ones resolved first), and its push attempts to this subscription. */
  async function newSosPushesTo(residentId: string, subscriptionId: string) {
    await resolveOpenAlertsOf(residentId);
    const raised = await injectSosAlert({
      databaseUrl: h.database.url,
      org: h.orgs.own,
      residentId,
      functionsUrl: h.baseUrl,
    });
    const attempts = await h.database.sql<{ id: string }[]>`
      select id from delivery_channel_attempts where alert_id = ${raised.alertId} and subscription_id = ${subscriptionId}`;
    return { raised, attempts };
  }

  /** Resolves the resident's open alerts (as a manager), so that the next SOS opens a new one. */
  async function resolveOpenAlertsOf(residentId: string) {
    const manager = h.loginOf('own', 'manager');
    const open = await h.database.sql<{ id: string }[]>`
      select id from alerts where resident_id = ${residentId} and status <> 'resolved'`;
    for (const alert of open) {
      await resolveAlert(h.database.sql, {
        alertId: alert.id,
        identity: { staffId: manager.staffId, orgId: h.orgs.own.orgId, role: 'manager' },
        note: 'test: the next SOS opens a new alert',
        nodeId: 'channels-api-test',
      });
    }
  }

  test('a subscription to a public https push service is taken; the same endpoint again answers 200; delete removes it', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const body = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc123', expirationTime: null, keys: browserKeys() };
    const created = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', { token, body });
    expect(created.status).toBe(201);
    const again = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', { token, body });
    expect(again).toMatchObject({ status: 200, body: { id: created.body.id } });
    const otherPerson = await h.tokenFor('own', 'caregiver2');
    const list = await h.request<{ items: unknown[] }>('GET', '/v1/me/push-subscriptions', { token: otherPerson });
    expect(list.body.items).toEqual([]);
    const notTheirs = await h.request('DELETE', `/v1/me/push-subscriptions/${created.body.id}`, { token: otherPerson });
    expect(notTheirs.status).toBe(404);
    expect((await h.request('DELETE', `/v1/me/push-subscriptions/${created.body.id}`, { token })).status).toBe(204);

    // Someone else signs in on the same browser and turns push on: a new subscription of theirs, not the old row
    // (whose queued pushes, about the first person's alerts, must not reach the new owner).
    const mine = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', { token, body });
    const taken = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', { token: otherPerson, body });
    expect(taken.status).toBe(201);
    expect(taken.body.id).not.toBe(mine.body.id);
    const left = await h.request<{ items: unknown[] }>('GET', '/v1/me/push-subscriptions', { token });
    expect(left.body.items).toEqual([]);
  });

  test("signing out with this device's endpoint removes that subscription of the caller, and only that one", async () => {
    const caregiver = h.loginOf('own', 'caregiver');
    const session = await h.request<{ accessToken: string; refreshToken: string }>('POST', '/v1/auth/login', {
      body: { email: caregiver.email, password: caregiver.password },
    });
    const token = session.body.accessToken;
    const phone = 'https://fcm.googleapis.com/fcm/send/phone-signing-out';
    const office = 'https://fcm.googleapis.com/fcm/send/office-still-on';
    for (const endpoint of [phone, office]) {
      const created = await h.request('POST', '/v1/me/push-subscriptions', {
        token,
        body: { endpoint, keys: browserKeys() },
      });
      expect(created.status).toBe(201);
    }
    // A colleague's subscription, named by a sign-out of this caregiver: not theirs to remove.
    const colleague = await h.tokenFor('own', 'caregiver2');
    const colleagues = 'https://fcm.googleapis.com/fcm/send/colleague-phone';
    await h.request('POST', '/v1/me/push-subscriptions', {
      token: colleague,
      body: { endpoint: colleagues, keys: browserKeys() },
    });
    const otherSession = await h.request<{ accessToken: string; refreshToken: string }>('POST', '/v1/auth/login', {
      body: { email: caregiver.email, password: caregiver.password },
    });
    const notMine = await h.request('POST', '/v1/auth/logout', {
      token: otherSession.body.accessToken,
      body: { refreshToken: otherSession.body.refreshToken, pushEndpoint: colleagues },
    });
    expect(notMine.status).toBe(204);

    const out = await h.request('POST', '/v1/auth/logout', {
      token,
      body: { refreshToken: session.body.refreshToken, pushEndpoint: phone },
    });
    expect(out.status).toBe(204);
    const rows = await h.database.sql<{ endpoint: string }[]>`
      select endpoint from push_subscriptions where endpoint in (${phone}, ${office}, ${colleagues}) order by endpoint`;
    expect(rows.map((row) => row.endpoint)).toEqual([colleagues, office]);
    // An endpoint too long is refused before anything is revoked (one that is not a URL matches nothing, and is
    // ignored).
    const again = await h.request<{ accessToken: string; refreshToken: string }>('POST', '/v1/auth/login', {
      body: { email: caregiver.email, password: caregiver.password },
    });
    const tooLong = await h.request('POST', '/v1/auth/logout', {
      token: again.body.accessToken,
      body: { refreshToken: again.body.refreshToken, pushEndpoint: `https://push.example.org/${'a'.repeat(2048)}` },
    });
    expect(tooLong.status).toBe(422);
    const stillValid = await h.request('POST', '/v1/auth/refresh', { body: { refreshToken: again.body.refreshToken } });
    expect(stillValid.status).toBe(200);
  });

  test.each(privateOrBadEndpoints)('push endpoint %s is refused (422), nothing stored', async (endpoint) => {
    const token = await h.tokenFor('own', 'caregiver');
    const answer = await h.request<{ code: string }>('POST', '/v1/me/push-subscriptions', {
      token,
      body: { endpoint, keys: browserKeys() },
    });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    const [row] = await h.database.sql`select count(*)::int as n from push_subscriptions where endpoint = ${endpoint}`;
    expect(row?.n).toBe(0);
  });

  test('a push service replacing a subscription: the old endpoint and its secret move it, with its queued pushes', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const subscribe = async (endpoint: string) => {
      const keys = browserKeys();
      const created = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
        token,
        body: { endpoint, keys },
      });
      expect(created.status).toBe(201);
      return { id: created.body.id, endpoint, keys };
    };
    const change = (oldEndpoint: string, oldAuth: string, endpoint: string, keys = browserKeys()) =>
      h.request<{ code?: string }>('POST', '/v1/push/subscription-changes', {
        body: { oldEndpoint, oldAuth, subscription: { endpoint, expirationTime: null, keys } },
      });
    const mine = async () =>
      (await h.request<{ items: { id: string; endpoint: string }[] }>('GET', '/v1/me/push-subscriptions', { token }))
        .body.items;
    const stamp = Date.now();
    const phone = await subscribe(`https://fcm.googleapis.com/fcm/send/phone-${stamp}`);
    const rotated = `https://fcm.googleapis.com/fcm/send/phone-rotated-${stamp}`;

    // Wrong secret, a private new endpoint, an unknown old endpoint: refused, nothing changed.
    expect((await change(phone.endpoint, browserKeys().auth, rotated)).status).toBe(404);
    const privateAnswer = await change(phone.endpoint, phone.keys.auth, 'https://10.0.0.7/push');
    expect(privateAnswer.status).toBe(422);
    expect((await change(`${phone.endpoint}-unknown`, phone.keys.auth, rotated)).status).toBe(404);
    expect((await mine()).filter((item) => item.id === phone.id)).toEqual([
      expect.objectContaining({ endpoint: phone.endpoint }),
    ]);

    // The right secret: the same subscription (same owner, same id) now has the new endpoint and keys.
    const newKeys = browserKeys();
    expect((await change(phone.endpoint, phone.keys.auth, rotated, newKeys)).status).toBe(204);
    expect((await mine()).filter((item) => item.id === phone.id)).toEqual([
      expect.objectContaining({ endpoint: rotated }),
    ]);
    const [stored] = await h.database.sql`select p256dh, auth from push_subscriptions where id = ${phone.id}`;
    expect(stored).toEqual({ p256dh: newKeys.p256dh, auth: newKeys.auth });
    // Replayed: the old endpoint is no longer anyone's.
    expect((await change(phone.endpoint, phone.keys.auth, rotated)).status).toBe(404);

    // Moved onto an endpoint the same person already registered: one subscription left, holding the queued pushes.
    const tablet = await subscribe(`https://fcm.googleapis.com/fcm/send/tablet-${stamp}`);
    const resident = h.orgs.own.residents[0];
    if (!resident) throw new Error('seed');
    const alert = await injectSosAlert({
      databaseUrl: h.database.url,
      org: h.orgs.own,
      residentId: resident.id,
      functionsUrl: h.baseUrl,
    });
    const queued = () => h.database.sql<{ subscription_id: string }[]>`
      select subscription_id from delivery_channel_attempts
       where alert_id = ${alert.alertId} and channel = 'push' and state = 'queued'
         and subscription_id = any(${[phone.id, tablet.id]}::uuid[])`;
    expect((await queued()).map((row) => row.subscription_id).sort()).toEqual([phone.id, tablet.id].sort());
    const tabletKeys = browserKeys();
    expect((await change(rotated, newKeys.auth, tablet.endpoint, tabletKeys)).status).toBe(204);
    expect((await mine()).filter((item) => item.id === phone.id || item.id === tablet.id)).toEqual([
      expect.objectContaining({ id: tablet.id, endpoint: tablet.endpoint }),
    ]);
    // The browser's keys for that endpoint are the ones it just gave.
    const [merged] = await h.database.sql`select p256dh, auth from push_subscriptions where id = ${tablet.id}`;
    expect(merged).toEqual({ p256dh: tabletKeys.p256dh, auth: tabletKeys.auth });
    // The tablet already had this alert's push queued: the phone's is not added to it (it is cancelled when due).
    expect((await queued()).map((row) => row.subscription_id)).toEqual([tablet.id]);

    // A device subscribed after the alert has no push of it: moving onto it takes the queued one along.
    const laptop = await subscribe(`https://fcm.googleapis.com/fcm/send/laptop-${stamp}`);
    expect((await change(tablet.endpoint, tabletKeys.auth, laptop.endpoint, laptop.keys)).status).toBe(204);
    const [moved] = await h.database.sql<{ subscription_id: string }[]>`
      select subscription_id from delivery_channel_attempts
       where alert_id = ${alert.alertId} and channel = 'push' and state = 'queued' and subscription_id = ${laptop.id}`;
    expect(moved).toBeDefined();

    // A deactivated person's subscription moves nowhere.
    const caregiver = h.loginOf('own', 'caregiver');
    await h.database.sql`update staff set active = false where id = ${caregiver.staffId}`;
    try {
      const refused = await change(laptop.endpoint, laptop.keys.auth, `https://fcm.googleapis.com/fcm/send/x-${stamp}`);
      expect(refused.status).toBe(404);
    } finally {
      await h.database.sql`update staff set active = true where id = ${caregiver.staffId}`;
    }

    // Onto an endpoint another person registered with a session (a handed-over phone): it stays theirs, and the
    // old subscription goes with its queued pushes, which must never show on that person's device.
    const colleague = await h.tokenFor('own', 'caregiver2');
    const shared = { endpoint: `https://fcm.googleapis.com/fcm/send/shared-${stamp}`, keys: browserKeys() };
    const theirs = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
      token: colleague,
      body: shared,
    });
    expect(theirs.status).toBe(201);
    const taken = await change(laptop.endpoint, laptop.keys.auth, shared.endpoint);
    expect(taken.status).toBe(409);
    expect(await h.database.sql`select id from push_subscriptions where id = ${laptop.id}`).toEqual([]);
    const [kept] = await h.database.sql`select staff_id, p256dh from push_subscriptions where id = ${theirs.body.id}`;
    expect(kept).toEqual({ staff_id: h.loginOf('own', 'caregiver2').staffId, p256dh: shared.keys.p256dh });
  });

  test('a subscription its push service called gone gets no pushes; a late subscription change or a new subscribe puts it back in use', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const stamp = Date.now();
    const keys = browserKeys();
    const endpoint = `https://fcm.googleapis.com/fcm/send/expired-${stamp}`;
    const created = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
      token,
      body: { endpoint, keys },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const listed = async () =>
      (
        await h.request<{ items: { id: string; endpoint: string; goneAt: string | null }[] }>(
          'GET',
          '/v1/me/push-subscriptions',
          { token },
        )
      ).body.items.find((item) => item.id === id);
    const residentId = h.orgs.own.residents[0]?.id;
    if (!residentId) throw new Error('seed');
    /** A new SOS alert for the first resident (whose ladder starts with the caregiver): its pushes to this device. */
    const pushesOfNewAlert = async () => {
      const { raised, attempts } = await newSosPushesTo(residentId, id);
      expect(raised.created).toBe(true);
      return attempts;
    };
    const goneAtItsPushService = () =>
      // As the channel sender records a 404/410 (db/alerts/channels/attempt-outcome.ts).
      h.database.sql`update push_subscriptions set gone_at = now() where id = ${id}`;

    await goneAtItsPushService();
    expect((await listed())?.goneAt).toEqual(expect.any(String));
    expect(await pushesOfNewAlert()).toEqual([]);

    // The browser's pushsubscriptionchange reaches us after the push service's 410: the subscription moves, in use.
    const rotated = `https://fcm.googleapis.com/fcm/send/expired-rotated-${stamp}`;
    const newKeys = browserKeys();
    const change = await h.request('POST', '/v1/push/subscription-changes', {
      body: { oldEndpoint: endpoint, oldAuth: keys.auth, subscription: { endpoint: rotated, keys: newKeys } },
    });
    expect(change.status).toBe(204);
    expect(await listed()).toMatchObject({ endpoint: rotated, goneAt: null });
    expect(await pushesOfNewAlert()).toHaveLength(1);

    // Gone again; the console subscribing the same endpoint again puts it back in use too.
    await goneAtItsPushService();
    const again = await h.request('POST', '/v1/me/push-subscriptions', {
      token,
      body: { endpoint: rotated, keys: newKeys },
    });
    expect(again.status).toBe(200);
    expect(await listed()).toMatchObject({ endpoint: rotated, goneAt: null });
    expect(await pushesOfNewAlert()).toHaveLength(1);
  });

  test('moving a subscription sends again only what its gone endpoint lost for alerts still waiting for someone', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const stamp = Date.now();
    const keys = browserKeys();
    const endpoint = `https://fcm.googleapis.com/fcm/send/lost-${stamp}`;
    const created = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
      token,
      body: { endpoint, keys },
    });
    expect(created.status).toBe(201);
    const subscriptionId = created.body.id;
    const residentId = h.orgs.own.residents[0]?.id ?? '';
    const resolveOpen = () => resolveOpenAlertsOf(residentId);
    const lostAlert = async (gone: string) => (await sosLostTo(residentId, subscriptionId, gone)).alertId;
    const pushesOf = (alertId: string) =>
      h.database.sql<{ state: string; detail: string | null }[]>`
        select a.state, h.detail from delivery_channel_attempts a
          join delivery_channel_attempt_history h on h.attempt_id = a.id and h.from_state is null
         where a.alert_id = ${alertId} and a.subscription_id = ${subscriptionId} order by a.created_at`;
    const move = async (from: { endpoint: string; auth: string }) => {
      const to = { endpoint: `${from.endpoint}-next`, keys: browserKeys() };
      const moved = await h.request('POST', '/v1/push/subscription-changes', {
        body: { oldEndpoint: from.endpoint, oldAuth: from.auth, subscription: to },
      });
      expect(moved.status).toBe(204);
      return { endpoint: to.endpoint, auth: to.keys.auth };
    };

    // Resolved before the browser's change came: nobody is waiting, nothing is sent again.
    const resolved = await lostAlert(endpoint);
    await resolveOpen();
    const second = await move({ endpoint, auth: keys.auth });
    expect(await pushesOf(resolved)).toEqual([{ state: 'failed', detail: null }]);

    // Still open: queued again once, however often the subscription moves.
    const waiting = await lostAlert(second.endpoint);
    const third = await move(second);
    await move(third);
    expect(await pushesOf(waiting)).toEqual([
      { state: 'failed', detail: null },
      { state: 'queued', detail: expect.stringContaining('sent again') },
    ]);
    await resolveOpen();
  });

  test('a device subscribed while an alert waits for its owner gets its push: after an expired subscription, a new phone, never twice', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const stamp = Date.now();
    const subscribe = async (endpoint: string) =>
      h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
        token,
        body: { endpoint, keys: browserKeys() },
      });
    const expired = `https://fcm.googleapis.com/fcm/send/expired-for-good-${stamp}`;
    const first = await subscribe(expired);
    expect(first.status).toBe(201);
    const residentId = h.orgs.own.residents[0]?.id ?? '';
    const pushesTo = (alertId: string, subscriptionId: string) =>
      h.database.sql<{ state: string; detail: string | null }[]>`
        select a.state, h.detail from delivery_channel_attempts a
          join delivery_channel_attempt_history h on h.attempt_id = a.id and h.from_state is null
         where a.alert_id = ${alertId} and a.subscription_id = ${subscriptionId} order by a.created_at`;
    const queuedForThisDevice = [{ state: 'queued', detail: expect.stringContaining('device subscribed while') }];

    // The phone's subscription expired at its push service with the SOS on its way; the console subscribes anew.
    const waiting = (await sosLostTo(residentId, first.body.id, expired)).alertId;
    const renewed = `https://fcm.googleapis.com/fcm/send/renewed-${stamp}`;
    const second = await subscribe(renewed);
    expect(second.status).toBe(201);
    expect(await pushesTo(waiting, second.body.id)).toEqual(queuedForThisDevice);
    // Subscribing the same endpoint again queues nothing more.
    expect((await subscribe(renewed)).status).toBe(200);
    expect(await pushesTo(waiting, second.body.id)).toEqual(queuedForThisDevice);

    // An SOS raised while the only subscription is called gone queues no push at all; turning push on again does,
    // also once the dashboard sends have run out (the delivery failed: the alert still waits for this person).
    await h.database.sql`update push_subscriptions set gone_at = now() where id = ${second.body.id}`;
    const { raised, attempts } = await newSosPushesTo(residentId, second.body.id);
    expect(attempts).toEqual([]);
    const caregiver = h.loginOf('own', 'caregiver');
    await h.database.sql`
      update alert_deliveries set state = 'failed' where alert_id = ${raised.alertId} and staff_id = ${caregiver.staffId}`;
    const third = await subscribe(`https://fcm.googleapis.com/fcm/send/renewed-again-${stamp}`);
    expect(third.status).toBe(201);
    expect(await pushesTo(raised.alertId, third.body.id)).toEqual(queuedForThisDevice);

    // Resolved before the person subscribed another device: nobody is waiting, nothing is sent.
    await resolveOpenAlertsOf(residentId);
    const fourth = await subscribe(`https://fcm.googleapis.com/fcm/send/tablet-${stamp}`);
    expect(fourth.status).toBe(201);
    expect(await pushesTo(raised.alertId, fourth.body.id)).toEqual([]);
  });

  test("a move merging into the same person's subscription while an escalation holds the alert: it commits, then queues what was lost", async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const stamp = Date.now();
    const oldKeys = browserKeys();
    const oldEndpoint = `https://fcm.googleapis.com/fcm/send/merge-old-${stamp}`;
    const newEndpoint = `https://fcm.googleapis.com/fcm/send/merge-new-${stamp}`;
    const subscribe = async (endpoint: string, keys: ReturnType<typeof browserKeys>) =>
      (await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', { token, body: { endpoint, keys } })).body
        .id;
    const oldId = await subscribe(oldEndpoint, oldKeys);
    const residentId = h.orgs.own.residents[0]?.id ?? '';
    const raised = await sosLostTo(residentId, oldId, oldEndpoint);
    // The console has already registered the browser's new endpoint for the same person.
    const newKeys = browserKeys();
    const newId = await subscribe(newEndpoint, newKeys);

    // An escalation of this alert holds it, and will queue a push for the person's new subscription.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const escalation = h.database.sql.begin(async (tx) => {
      await tx`select id from alerts where id = ${raised.alertId} for update`;
      holding();
      await released;
      await tx`
        insert into delivery_channel_attempts (org_id, alert_id, delivery_id, staff_id, channel, subscription_id)
        select org_id, alert_id, delivery_id, staff_id, 'push', ${newId} from delivery_channel_attempts
         where id = ${raised.attemptId}`;
    });
    await held;
    const moving = h.request('POST', '/v1/push/subscription-changes', {
      body: { oldEndpoint, oldAuth: oldKeys.auth, subscription: { endpoint: newEndpoint, keys: newKeys } },
    });
    // The move commits without waiting for the alert (merged: the old subscription is gone) …
    await expect
      .poll(async () => (await h.database.sql`select id from push_subscriptions where id = ${oldId}`).length, {
        timeout: 5_000,
      })
      .toBe(0);
    // … and the escalation's push to the new subscription then waits for nobody.
    release();
    await escalation;
    expect((await moving).status).toBe(204);
    // Subscribing the new endpoint queued the waiting alert's push for it already, and the escalation queued its own:
    // the move queues no third.
    const pushes = await h.database.sql<{ state: string }[]>`
      select state from delivery_channel_attempts where alert_id = ${raised.alertId} and subscription_id = ${newId}`;
    expect(pushes).toEqual([{ state: 'queued' }, { state: 'queued' }]);
    await resolveOpenAlertsOf(residentId);
  });

  test('keys that are not a P-256 point and a 16-byte secret are refused, whatever they are', async () => {
    const token = await h.tokenFor('own', 'caregiver');
    const text = fc.string({ maxLength: 120 });
    await fc.assert(
      fc.asyncProperty(text, text, async (p256dh, auth) => {
        const answer = await h.request('POST', '/v1/me/push-subscriptions', {
          token,
          body: { endpoint: 'https://push.example.org/send/fuzz', keys: { p256dh, auth } },
        });
        expect(answer.status).toBe(422);
      }),
      { numRuns: 40 },
    );
    // 65 bytes that are not a point on the curve.
    const offCurve = Buffer.alloc(65, 7);
    offCurve[0] = 4;
    const answer = await h.request<{ errors: { field: string }[] }>('POST', '/v1/me/push-subscriptions', {
      token,
      body: {
        endpoint: 'https://push.example.org/send/off-curve',
        keys: { p256dh: offCurve.toString('base64url'), auth: browserKeys().auth },
      },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((error) => error.field)).toEqual(['body.keys.p256dh']);
  });

  test.each(privateOrBadEndpoints)('webhook URL %s is refused (422)', async (url) => {
    const admin = await h.tokenFor('own', 'admin');
    const answer = await h.request('POST', '/v1/webhook-endpoints', { token: admin, body: { name: 'Gateway', url } });
    expect(answer.status).toBe(422);
  });

  test('a webhook secret is shown on create and rotate only, and rotating changes it', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const created = await h.request<{ endpoint: { id: string; secretVersion: number }; secret: string }>(
      'POST',
      '/v1/webhook-endpoints',
      { token: admin, body: { name: 'Relay', url: 'https://relay.example.org/119' } },
    );
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const read = await h.request('GET', `/v1/webhook-endpoints/${created.body.endpoint.id}`, { token: admin });
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
    const rotated = await h.request<{ endpoint: { secretVersion: number }; secret: string }>(
      'POST',
      `/v1/webhook-endpoints/${created.body.endpoint.id}/rotate-secret`,
      { token: admin },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.endpoint.secretVersion).toBe(created.body.endpoint.secretVersion + 1);
    expect(rotated.body.secret).not.toBe(created.body.secret);
  });

  test('notification rules: admins set the organisation’s, anyone their own; bad rules are refused and audited changes say before and after', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const carer = h.loginOf('own', 'caregiver');
    const carerToken = await h.tokenFor('own', 'caregiver');
    const rule = { channels: [{ channel: 'push', delaySeconds: 0 }] };
    expect(
      (await h.request('PUT', '/v1/notification-rules/organisation/high', { token: carerToken, body: rule })).status,
    ).toBe(403);
    expect(
      (await h.request('PUT', '/v1/notification-rules/organisation/high', { token: admin, body: rule })).status,
    ).toBe(200);
    const own = await h.request('PUT', `/v1/notification-rules/staff/${carer.staffId}/high`, {
      token: carerToken,
      body: { channels: [{ channel: 'push', delaySeconds: 10, unlessReceived: true }] },
    });
    expect(own.status).toBe(200);
    const someoneElse = h.loginOf('own', 'caregiver2').staffId;
    expect(
      (await h.request('PUT', `/v1/notification-rules/staff/${someoneElse}/high`, { token: carerToken, body: rule }))
        .status,
    ).toBe(403);
    const otherOrgStaff = h.loginOf('other', 'caregiver').staffId;
    expect(
      (await h.request('PUT', `/v1/notification-rules/staff/${otherOrgStaff}/high`, { token: admin, body: rule }))
        .status,
    ).toBe(404);
    for (const channels of [
      [{ channel: 'sms', delaySeconds: 0 }],
      [{ channel: 'push', delaySeconds: -1 }],
      [{ channel: 'push', delaySeconds: 86_401 }],
      [{ channel: 'push', delaySeconds: 1.5 }],
      [{ channel: 'push', delaySeconds: 0, endpointId: crypto.randomUUID() }],
      [{ channel: 'webhook', delaySeconds: 0, endpointId: crypto.randomUUID() }],
    ]) {
      const answer = await h.request('PUT', '/v1/notification-rules/organisation/low', {
        token: admin,
        body: { channels },
      });
      expect(answer.status, JSON.stringify(channels)).toBe(422);
    }
    const listed = await h.request<{ rules: { staffId: string | null; severity: string }[] }>(
      'GET',
      '/v1/notification-rules',
      { token: carerToken },
    );
    expect(listed.body.rules.map((r) => [r.staffId, r.severity])).toEqual([
      [null, 'high'],
      [carer.staffId, 'high'],
    ]);
    const [audit] = await h.database.sql`
      select details from audit_log where action = 'notification_rule.set' and target_id = ${carer.staffId}::uuid`;
    expect(audit?.details).toMatchObject({ severity: 'high', before: null, after: [{ delaySeconds: 10 }] });
  });
});
