import { createConnection, type Socket } from 'node:net';

/** A RESP2 reply: bulk strings stay Buffers so binary values survive; errors are returned, not thrown. */
export type RespReply = string | number | Buffer | null | RespError | RespReply[];

export class RespError {
  constructor(readonly message: string) {}
}

class NeedMore extends Error {}

/** Parses one reply at `offset`; throws NeedMore when the buffer holds only part of it. */
function parseReply(buffer: Buffer, offset: number): [RespReply, number] {
  if (offset >= buffer.length) throw new NeedMore();
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) throw new NeedMore();
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new RespError(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) throw new NeedMore();
      return [buffer.subarray(next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespReply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const [item, after] = parseReply(buffer, cursor);
        items.push(item);
        cursor = after;
      }
      return [items, cursor];
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * One pipelined connection to Redis: commands are written in order and replies matched in order. Every pending
 * command fails when the connection drops; the next command reconnects.
 */
export class RespClient {
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve(reply: RespReply): void; reject(error: Error): void }[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private connect(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error) => {
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
      this.buffer = Buffer.alloc(0);
      if (this.socket === socket) this.socket = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    while (this.pending.length > 0) {
      let parsed: [RespReply, number];
      try {
        parsed = parseReply(this.buffer, offset);
      } catch (error) {
        if (error instanceof NeedMore) break;
        throw error;
      }
      offset = parsed[1];
      this.pending.shift()?.resolve(parsed[0]);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  /** Sends several commands back to back (one write) and resolves with their replies in order. */
  send(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespReply[]> {
    const socket = this.connect();
    const replies = commands.map(
      () => new Promise<RespReply>((resolve, reject) => this.pending.push({ resolve, reject })),
    );
    socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close() {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
