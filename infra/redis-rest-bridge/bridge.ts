import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RespClient, RespError, type RespReply } from './resp-client';
import { UpstashScripts } from './upstash-scripts';

export interface BridgeOptions {
  token: string;
  redisHost?: string;
  redisPort?: number;
  port?: number;
  host?: string;
  /** Largest request body accepted, bytes. */
  maxBodyBytes?: number;
}

type Command = (string | number)[];
type Encoded = string | number | null | Encoded[];

/**
 * Encodes a reply the way Upstash does: with `upstash-encoding: base64` every string is base64 except the status
 * "OK"; integers stay numbers; nil is null; arrays recurse.
 */
function encodeReply(reply: RespReply, base64: boolean): Encoded {
  if (reply === null || typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (reply instanceof RespError) return reply.message;
  if (typeof reply === 'string') return base64 && reply !== 'OK' ? Buffer.from(reply).toString('base64') : reply;
  return base64 ? reply.toString('base64') : reply.toString('utf8');
}

function entryFor(reply: RespReply, base64: boolean): { result: Encoded } | { error: string } {
  return reply instanceof RespError ? { error: reply.message } : { result: encodeReply(reply, base64) };
}

function isCommand(value: unknown): value is Command {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((part) => typeof part === 'string' || typeof part === 'number')
  );
}

const toArgs = (command: Command) => command.map(String);

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * An Upstash-REST-compatible HTTP front for a real Redis (the role serverless-redis-http plays): `POST /` runs
 * one command, `POST /pipeline` several, `POST /multi-exec` several in a transaction; every request must carry
 * `Authorization: Bearer <token>`. Scripts are run as Upstash runs them (`upstash-scripts.ts`: Upstash-only shebang
 * flags, which Redis refuses, are dropped, and script hashes stay the client's).
 */
export function createRedisRestBridge(options: BridgeOptions): { server: Server; redis: RespClient } {
  const redis = new RespClient(options.redisHost ?? '127.0.0.1', options.redisPort ?? 6379);
  const expected = Buffer.from(`Bearer ${options.token}`);
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const scripts = new UpstashScripts();
  /** Sends commands as Redis accepts them (`upstash-scripts.ts`); replies as Upstash would give them. */
  const run = async (commands: Command[]): Promise<RespReply[]> => {
    const translated = commands.map((command) => scripts.translate(toArgs(command)));
    const replies = await redis.send(translated.map((command) => command.args));
    return replies.map((reply, index) => translated[index]?.reply(reply) ?? reply);
  };

  const server = createServer(async (request, response) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(response, 401, { error: 'Unauthorized' });
    }
    if (request.method !== 'POST') return send(response, 405, { error: 'Only POST is supported' });
    const base64 = String(request.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request, maxBody));
    } catch {
      return send(response, 400, { error: 'Request body must be JSON' });
    }
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (path === '/' || path === '') {
        if (!isCommand(body)) return send(response, 400, { error: 'Body must be a command array' });
        const [reply] = await run([body]);
        if (reply instanceof RespError) return send(response, 400, { error: reply.message });
        return send(response, 200, { result: encodeReply(reply ?? null, base64) });
      }
      if (path === '/pipeline' || path === '/multi-exec') {
        if (!Array.isArray(body) || body.length === 0 || !body.every(isCommand)) {
          return send(response, 400, { error: 'Body must be an array of command arrays' });
        }
        if (path === '/pipeline') {
          const replies = await run(body);
          return send(
            response,
            200,
            replies.map((reply) => entryFor(reply, base64)),
          );
        }
        const translated = body.map((command) => scripts.translate(toArgs(command)));
        const replies = await redis.send([['MULTI'], ...translated.map((command) => command.args), ['EXEC']]);
        const exec = replies.at(-1);
        if (exec instanceof RespError || !Array.isArray(exec)) {
          const queued = replies.find((reply) => reply instanceof RespError);
          const message =
            queued instanceof RespError ? queued.message : exec instanceof RespError ? exec.message : 'EXECABORT';
          return send(response, 400, { error: message });
        }
        return send(
          response,
          200,
          exec.map((reply, index) => entryFor(translated[index]?.reply(reply) ?? reply, base64)),
        );
      }
      return send(response, 404, { error: 'Not found' });
    } catch (error) {
      return send(response, 500, { error: error instanceof Error ? error.message : 'Redis unavailable' });
    }
  });
  server.on('close', () => redis.close());
  return { server, redis };
}
