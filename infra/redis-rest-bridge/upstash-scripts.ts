import { createHash } from 'node:crypto';
import { RespError, type RespReply } from './resp-client';

/**
 * Script shebang flags Upstash understands and Redis refuses ("ERR Unexpected flag in script shebang").
 * `allow-key-locking` (@upstash/ratelimit ≥ 2.2 puts it on every script) lets Upstash lock only the script's KEYS
 * instead of the whole database; Redis runs every script alone anyway, so dropping it changes nothing there.
 */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);

/** Most distinct scripts remembered; the rate limiter uses a handful, so this only bounds a misbehaving client. */
const MAX_ALIASES = 1000;

export const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * The script as Redis accepts it: without Upstash-only shebang flags (a shebang left with no flags becomes an empty
 * line, so line numbers in Redis's error messages still match the script the client sent). Undefined: unchanged.
 */
export function withoutUpstashFlags(script: string): string | undefined {
  if (!script.startsWith('#!')) return undefined;
  const lineEnd = script.indexOf('\n');
  const shebang = lineEnd < 0 ? script : script.slice(0, lineEnd);
  let dropped = false;
  let flagsLeft = false;
  const parts = shebang.split(/\s+/).flatMap((part) => {
    if (!part.startsWith('flags=')) return [part];
    const flags = part.slice('flags='.length).split(',');
    const kept = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
    dropped ||= kept.length < flags.length;
    flagsLeft ||= kept.some(Boolean);
    return kept.length < flags.length ? [`flags=${kept.join(',')}`] : [part];
  });
  if (!dropped) return undefined;
  const rest = lineEnd < 0 ? '' : script.slice(lineEnd);
  return flagsLeft ? parts.join(' ') + rest : rest;
}

/** One command as sent to Redis, and how to turn Redis's reply into what Upstash would have answered. */
export interface Translated {
  args: string[];
  reply: (reply: RespReply) => RespReply;
}

const unchanged = (reply: RespReply) => reply;

/**
 * Upstash's scripting over a plain Redis. Clients name scripts by the SHA1 of the text they send (EVALSHA, SCRIPT
 * LOAD's answer, SCRIPT EXISTS); when that text carried Upstash-only flags, Redis knows it under the SHA1 of the
 * rewritten text, so the bridge remembers which is which. A bridge that has not seen a script (restarted, or
 * another bridge process) passes the client's SHA1 through, Redis answers NOSCRIPT, and the client sends the script
 * with EVAL as it would to Upstash: that EVAL teaches the bridge the alias again.
 */
export class UpstashScripts {
  /** Client's SHA1 (of the text as sent) → Redis's SHA1 (of the text as run). */
  private readonly aliases = new Map<string, string>();

  translate(args: string[]): Translated {
    const command = (args[0] ?? '').toUpperCase();
    if ((command === 'EVAL' || command === 'EVAL_RO') && args[1] !== undefined) {
      return { args: [args[0] ?? command, this.learn(args[1]).script, ...args.slice(2)], reply: unchanged };
    }
    if ((command === 'EVALSHA' || command === 'EVALSHA_RO') && args[1] !== undefined) {
      return { args: [args[0] ?? command, this.alias(args[1]), ...args.slice(2)], reply: unchanged };
    }
    const subcommand = (args[1] ?? '').toUpperCase();
    if (command === 'SCRIPT' && subcommand === 'LOAD' && args[2] !== undefined) {
      const { script, clientSha } = this.learn(args[2]);
      // Upstash answers the SHA1 of the script as sent: the one the client will EVALSHA.
      return { args: ['SCRIPT', 'LOAD', script], reply: (reply) => (reply instanceof RespError ? reply : clientSha) };
    }
    if (command === 'SCRIPT' && subcommand === 'EXISTS') {
      return { args: [...args.slice(0, 2), ...args.slice(2).map((sha) => this.alias(sha))], reply: unchanged };
    }
    return { args, reply: unchanged };
  }

  private learn(sent: string): { script: string; clientSha: string } {
    const clientSha = sha1(sent);
    const script = withoutUpstashFlags(sent);
    if (script === undefined) return { script: sent, clientSha };
    this.aliases.delete(clientSha);
    this.aliases.set(clientSha, sha1(script));
    if (this.aliases.size > MAX_ALIASES) {
      const oldest = this.aliases.keys().next().value;
      if (oldest !== undefined) this.aliases.delete(oldest);
    }
    return { script, clientSha };
  }

  private alias(sha: string): string {
    return this.aliases.get(sha.toLowerCase()) ?? sha;
  }
}
