import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Service {
  endpoint: string;
  bucket: string;
  /** Requests refused for a bad signature so far. */
  refused: number;
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way S3 does (canonical request → string to sign →
 * HMAC chain from the secret), written from the AWS specification with node:crypto, independent of the client
 * library the product signs with. Returns why it does not verify, or null when it does.
 */
function sigV4Problem(incoming: IncomingMessage, body: Buffer, secret: string): string | null {
  const header = incoming.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) return 'no SigV4 authorization';
  const [, , day, region, signedHeaders, signature] = match as unknown as string[];
  const amzDate = String(incoming.headers['x-amz-date'] ?? '');
  const payloadHash = String(incoming.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return 'payload hash mismatch';
  const url = new URL(incoming.url ?? '/', 'http://s3');
  const query = [...url.searchParams]
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const names = (signedHeaders as string).split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(incoming.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [incoming.method, url.pathname, query, canonicalHeaders, signedHeaders, payloadHash].join(
    '\n',
  );
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secret}`, day as string);
  for (const part of [region as string, 's3', 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex') === signature ? null : 'signature does not match';
}

/**
 * A real S3-compatible server (s3rver, data in a temporary folder, one bucket) behind a front that verifies each
 * request's SigV4 signature against `S3_TEST_CREDENTIALS` (s3rver itself checks only the key id): a request signed
 * with another secret gets 403 SignatureDoesNotMatch, as from S3.
 */
export async function startS3Service(bucket = 'carewatch-media'): Promise<S3Service> {
  const directory = await mkdtemp(join(tmpdir(), 'carewatch-s3-'));
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const backendAddress = await backend.run();
  const service: S3Service = { endpoint: '', bucket, refused: 0, close: async () => {} };
  const front = createServer(async (incoming, answer) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const problem = sigV4Problem(incoming, body, S3_TEST_CREDENTIALS.secretAccessKey);
    if (problem) {
      service.refused++;
      answer.writeHead(403, { 'content-type': 'application/xml' });
      answer.end(`<Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>`);
      return;
    }
    const forwarded = request(
      {
        host: '127.0.0.1',
        port: backendAddress.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forwarded.on('error', () => answer.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  service.endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  service.close = async () => {
    await new Promise<void>((resolve) => front.close(() => resolve()));
    await backend.close();
    await rm(directory, { recursive: true, force: true });
  };
  return service;
}
