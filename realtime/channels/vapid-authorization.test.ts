import { describe, expect, it } from 'vitest';
import webPush from 'web-push';
import { createVapidVerifier } from '../../infra/testing/push-vapid';
import { VapidAuthorization } from './vapid-authorization';

const keys = { subject: 'mailto:ops@carewatch.test', ...webPush.generateVAPIDKeys() };

describe('VapidAuthorization', () => {
  it('gives a header the push service accepts, naming that service as audience', () => {
    let now = Math.floor(Date.now() / 1000);
    const authorization = new VapidAuthorization(keys, () => now);
    const header = authorization.headerFor('https://push.example.net/send/abc');
    const check = createVapidVerifier()(header, {
      audience: 'https://push.example.net',
      applicationServerKey: keys.publicKey,
      nowSeconds: now,
    });
    expect(check).toMatchObject({ ok: true, vapid: { aud: 'https://push.example.net', sub: keys.subject } });
    now += 11 * 60 * 60;
    const later = createVapidVerifier()(authorization.headerFor('https://push.example.net/send/def'), {
      audience: 'https://push.example.net',
      nowSeconds: now,
    });
    expect(later.ok).toBe(true);
  });

  it('signs once per push service and renews an hour before expiry', () => {
    let now = Math.floor(Date.now() / 1000);
    const authorization = new VapidAuthorization(keys, () => now);
    const first = authorization.headerFor('https://push.example.net/send/1');
    expect(authorization.headerFor('https://push.example.net/send/2')).toBe(first);
    const otherService = authorization.headerFor('https://updates.push.example.org/wpush/v2/x');
    expect(otherService).not.toBe(first);
    now += 10 * 60 * 60 + 59 * 60;
    expect(authorization.headerFor('https://push.example.net/send/3')).toBe(first);
    now += 2 * 60;
    const renewed = authorization.headerFor('https://push.example.net/send/4');
    expect(renewed).not.toBe(first);
    const check = createVapidVerifier()(renewed, {
      audience: 'https://push.example.net',
      nowSeconds: now + 12 * 60 * 60 - 1,
    });
    expect(check.ok).toBe(true);
  });
});
