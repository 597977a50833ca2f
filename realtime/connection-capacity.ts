import { readFileSync } from 'node:fs';

/** How many dashboards this node takes, and why. */
export interface ConnectionCapacity {
  /** Open WebSocket connections (authenticated or not) beyond which an upgrade is refused with 503. */
  maxConnections: number;
  /** The process's open-file limit (soft), when known: every connection is one file. */
  fileLimit: number | null;
  /** Set when REALTIME_MAX_CONNECTIONS asked for more than the file limit leaves: what it asked. */
  clampedFrom?: number;
}

/**
 * The soft "Max open files" limit in a Linux `/proc/<pid>/limits` text; null when absent or unlimited (another OS,
 * no /proc).
 */
export function parseOpenFileLimit(limitsText: string): number | null {
  const line = limitsText.split('\n').find((entry) => entry.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (!soft || !/^\d+$/.test(soft)) return null;
  return Number(soft);
}

/**
 * This process's soft open-file limit, or null where it cannot be read. Node raises its soft limit to the hard one as
 * it starts, so this is in effect the hard limit (`ulimit -Hn`).
 */
export function openFileLimit(): number | null {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * A node that runs out of files stops working, not only accepting: its database pools cannot reconnect (the
 * escalation sweep fails with EMFILE), and uWS retries the failing accept in a busy loop (a core at 100 %, health
 * checks unanswered). So the node takes at most `fileLimit − reserve` dashboards (the reserve at most half the
 * limit), keeping the rest for its database connections, cameras, media files and handshakes under way;
 * REALTIME_MAX_CONNECTIONS may lower that, never raise it.
 */
export function connectionCapacity(input: {
  configured: number | undefined;
  reserve: number;
  fileLimit: number | null;
}): ConnectionCapacity {
  const { configured, reserve, fileLimit } = input;
  // Under a small limit (a default 1,024) the reserve gives way to half of it: a node must still take dashboards.
  const allowed =
    fileLimit === null ? Number.POSITIVE_INFINITY : fileLimit - Math.min(reserve, Math.floor(fileLimit / 2));
  const wanted = configured ?? Number.POSITIVE_INFINITY;
  const maxConnections = Math.min(wanted, allowed);
  return {
    maxConnections,
    fileLimit,
    ...(configured !== undefined && configured > allowed ? { clampedFrom: configured } : {}),
  };
}
