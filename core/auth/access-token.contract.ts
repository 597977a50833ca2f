import fc from 'fast-check';
import { sign, verify } from 'hono/jwt';
import { describe, expect, test } from 'vitest';
import { ACCESS_TOKEN_ALG, type Hs256Check, issueAccessToken, verifyAccessToken } from './access-token';

const identity = {
  staffId: '6f1c2b1e-8f0a-4a5e-9a57-3d0f7c2a9b10',
  orgId: '0b7e4f52-1c3d-4e6f-8a9b-0c1d2e3f4a5b',
  role: 'caregiver' as const,
};
const secret = 'a'.repeat(32);

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** hono's own verdict with the same claim rules (the reference this verifier must agree with). */
async function honoAccepts(token: string, key: string): Promise<boolean> {
  try {
    const payload = await verify(token, key, ACCESS_TOKEN_ALG);
    return typeof payload.sub === 'string' && typeof payload.exp === 'number' && typeof payload.iat === 'number';
  } catch {
    return false;
  }
}

/**
 * The verifier's contract, run once per signature check (Web Crypto here, node:crypto in realtime/node-hs256.test.ts).
 */
export function describeAccessTokens(name: string, check: Hs256Check): void {
  describe(`access tokens, signature checked with ${name}`, () => {
    test('a token verifies with its own secret only, whichever secrets the process has seen', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 32, maxLength: 64 }),
          fc.string({ minLength: 32, maxLength: 64 }),
          async (own, other) => {
            fc.pre(own !== other);
            const { token, expiresAt } = await issueAccessToken(identity, own);
            for (let round = 0; round < 2; round++) {
              expect(await verifyAccessToken(token, own, check)).toEqual({ ...identity, expiresAt });
              expect(await verifyAccessToken(token, other, check)).toBeNull();
            }
          },
        ),
        { numRuns: 30 },
      );
    });

    test('agrees with hono verify on mutated tokens: headers, claims, times and signatures', async () => {
      const now = Math.floor(Date.now() / 1000);
      let accepted = 0;
      // Weighted towards the valid case, so both verdicts come up often.
      const header = fc.oneof(
        { arbitrary: fc.constant({ alg: 'HS256', typ: 'JWT' }), weight: 6 },
        fc.constant({ alg: 'HS256' }),
        fc.constant({ alg: 'none', typ: 'JWT' }),
        fc.constant({ alg: 'HS512', typ: 'JWT' }),
        fc.constant({ alg: 'HS256', typ: 'JWS' }),
        fc.constant({ alg: 'HS256', typ: 'JWT', crit: ['exp'] }),
        fc.constant('not json'),
      );
      const time = fc.oneof(
        { arbitrary: fc.integer({ min: -7200, max: 7200 }).map((offset) => now + offset), weight: 8 },
        fc.constant(Number.NaN),
        fc.constant('soon'),
      );
      const identityClaims = { sub: identity.staffId, org: identity.orgId, role: 'caregiver' as const };
      const claims = fc.record(
        {
          sub: fc.constant(identity.staffId),
          org: fc.constant(identity.orgId),
          role: fc.constant('caregiver'),
          exp: time,
          iat: time,
          nbf: time,
        },
        { requiredKeys: ['sub', 'org', 'role'] },
      );
      await fc.assert(
        fc.asyncProperty(
          header,
          claims,
          fc.boolean(),
          fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.nat({ max: 3 })),
          async (head, body, rightKey, damage) => {
            const signingInput = `${b64(head)}.${b64(body)}`;
            const mac = await crypto.subtle.sign(
              'HMAC',
              await crypto.subtle.importKey(
                'raw',
                new TextEncoder().encode(rightKey ? secret : `${secret}x`),
                { name: 'HMAC', hash: 'SHA-256' },
                false,
                ['sign'],
              ),
              new TextEncoder().encode(signingInput),
            );
            let signature = Buffer.from(mac).toString('base64url');
            if (damage === 1) signature = signature.slice(1);
            if (damage === 2) signature = `${signature}==`;
            if (damage === 3) signature = '';
            const token = `${signingInput}.${signature}`;
            const ours = (await verifyAccessToken(token, secret, check)) !== null;
            if (ours) accepted++;
            const wellFormed =
              typeof body.exp === 'number' &&
              typeof body.iat === 'number' &&
              (body.nbf === undefined || typeof body.nbf === 'number');
            // Ours also insists on finite numbers and on the claims' shapes; hono leaves those to the caller.
            expect(ours).toBe(
              wellFormed &&
                !Number.isNaN(body.exp) &&
                !Number.isNaN(body.iat) &&
                !Number.isNaN(body.nbf ?? 0) &&
                (await honoAccepts(token, secret)),
            );
          },
        ),
        {
          numRuns: 500,
          // Valid tokens first, so the accepting verdict is compared every run, not only when chance makes one
          // (about 1 in 100 generated tokens is valid; a run of 500 once made only 2).
          examples: [
            [{ alg: 'HS256', typ: 'JWT' } as const, { ...identityClaims, exp: now + 600, iat: now - 5 }, true, 0],
            [
              { alg: 'HS256', typ: 'JWT' } as const,
              { ...identityClaims, exp: now + 60, iat: now, nbf: now - 1 },
              true,
              0,
            ],
            [{ alg: 'HS256' } as const, { ...identityClaims, exp: now + 7000, iat: now - 7000 }, true, 0],
          ],
        },
      );
      expect(accepted).toBeGreaterThan(2);
    });

    test('expired, tampered, unsigned and other-algorithm tokens are refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = await issueAccessToken(identity, secret, 60, now - 120);
      expect(await verifyAccessToken(expired.token, secret, check)).toBeNull();

      const { token } = await issueAccessToken(identity, secret);
      const [header, payload, signature] = token.split('.');
      const raised = b64({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), role: 'admin' });
      expect(await verifyAccessToken(`${header}.${raised}.${signature}`, secret, check)).toBeNull();
      expect(await verifyAccessToken(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, secret, check)).toBeNull();

      const claims = { sub: identity.staffId, org: identity.orgId, role: identity.role, iat: now, exp: now + 60 };
      expect(await verifyAccessToken(await sign(claims, secret, 'HS512'), secret, check)).toBeNull();
      expect(await verifyAccessToken(await sign(claims, secret, 'HS256'), secret, check)).not.toBeNull();
      expect(
        await verifyAccessToken(await sign({ ...claims, nbf: now + 60 }, secret, 'HS256'), secret, check),
      ).toBeNull();
    });
  });
}
