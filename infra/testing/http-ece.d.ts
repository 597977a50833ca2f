// http_ece ships no types. Only the call the test push service makes is declared: decrypting an aes128gcm body
// (RFC 8188) as a Web Push user agent does (RFC 8291), with its ECDH key and auth secret.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  interface WebPushDecryptParams {
    version: 'aes128gcm';
    /** The user agent's key pair; the sender's public key comes from the body's header. */
    privateKey: ECDH;
    authSecret: Buffer;
  }

  const ece: {
    /** Throws when the body is malformed or does not authenticate. */
    decrypt(body: Buffer, params: WebPushDecryptParams): Buffer;
  };
  export = ece;
}
