import webPush from 'web-push';

export interface VapidKeys {
  subject: string;
  publicKey: string;
  privateKey: string;
}

/** RFC 8292 allows a VAPID JWT to live up to 24 h; one is signed per push service for 12 h and renewed 1 h early. */
const LIFETIME_SECONDS = 12 * 60 * 60;
const RENEW_BEFORE_SECONDS = 60 * 60;

/**
 * The `Authorization` header a push service checks, one per push service origin (the JWT's audience) reused until
 * near its expiry: signing a fresh ES256 JWT per push was two thirds of a push's CPU on the realtime node.
 */
export class VapidAuthorization {
  private readonly byAudience = new Map<string, { header: string; expiresAt: number }>();

  constructor(
    private readonly keys: VapidKeys,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  headerFor(endpoint: string): string {
    const audience = new URL(endpoint).origin;
    const now = this.nowSeconds();
    const cached = this.byAudience.get(audience);
    if (cached && cached.expiresAt - now > RENEW_BEFORE_SECONDS) return cached.header;
    const expiresAt = now + LIFETIME_SECONDS;
    const { Authorization } = webPush.getVapidHeaders(
      audience,
      this.keys.subject,
      this.keys.publicKey,
      this.keys.privateKey,
      'aes128gcm',
      expiresAt,
    );
    this.byAudience.set(audience, { header: Authorization, expiresAt });
    return Authorization;
  }
}
