// A user agent's side of a Web Push subscription, for the test push service: the keys a browser makes when it
// subscribes (RFC 8291 §2), and the decryption it does when a message arrives.
import { createECDH, randomBytes } from 'node:crypto';
import ece from 'http_ece';

/** Exactly what the browser's PushSubscription.toJSON() gives an application to send to its server. */
export interface PushSubscriptionJSON {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface TestSubscription {
  id: string;
  subscription: PushSubscriptionJSON;
  /** The user agent's P-256 private key, base64url (32 bytes); with keys.auth it is all decryption needs. */
  privateKey: string;
}

const P256_PRIVATE_KEY_BYTES = 32;

/** A fresh subscription whose endpoint is `${endpointBase}/push/<id>`. */
export function createTestSubscription(endpointBase: string): TestSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const id = randomBytes(16).toString('base64url');
  return {
    id,
    subscription: {
      endpoint: `${endpointBase.replace(/\/+$/, '')}/push/${id}`,
      expirationTime: null,
      keys: {
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      },
    },
    // getPrivateKey drops leading zero bytes (about one key in 256), which other implementations reject.
    privateKey: leftPad(ecdh.getPrivateKey(), P256_PRIVATE_KEY_BYTES).toString('base64url'),
  };
}

/** Decrypts aes128gcm bodies sent to this subscription; build it once, the ECDH object is reused per message. */
export function payloadDecrypter(subscription: TestSubscription): (body: Buffer) => Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(subscription.privateKey, 'base64url'));
  const authSecret = Buffer.from(subscription.subscription.keys.auth, 'base64url');
  return (body) => ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret });
}

function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}
