import type { StaffMember } from '../core/auth/staff-active';
import type { Logger } from '../core/logger';
import type { Client } from './client';
import type { ConnectionRegistry, RegisteredConnection } from './connection-registry';
import { closeCodes } from './errors';
import { encode } from './frames';

/** Pings go out a slice at a time, one slice about this often. */
const PING_SLICE_MS = 250;

/**
 * Periodic care of the open dashboard connections: a `ping` frame to each, so a browser (which cannot see
 * WebSocket protocol pings) hears from a live node even when no alert comes, and can tell a dead connection by
 * silence. Not database work, so a plain timer; the staff recheck is a job (`realtime/jobs.ts`) using the two
 * functions below.
 *
 * Each round of `pingSeconds` pings the staff connected at its start a slice every 250 ms rather than all in one
 * tick: 10,000 dashboards pinged at once held the node's loop (and the clients') for ~270 ms, and every alert raised
 * meanwhile waited. Someone connecting mid-round is pinged in the next round, within two intervals (50 s by default,
 * under the 65 s a dashboard waits before it calls a connection dead).
 */
export class ConnectionUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private round: string[] = [];
  private slice = 0;
  private readonly slices: number;

  constructor(
    private readonly options: {
      registry: Pick<ConnectionRegistry<RegisteredConnection>, 'staffIds' | 'broadcastToStaff'>;
      pingSeconds: number;
    },
  ) {
    this.slices = Math.max(1, Math.round((options.pingSeconds * 1000) / PING_SLICE_MS));
  }

  start(): void {
    this.timer = setInterval(() => this.pingNextSlice(), (this.options.pingSeconds * 1000) / this.slices);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private pingNextSlice(): void {
    const { registry } = this.options;
    if (this.slice === 0) this.round = registry.staffIds();
    const from = Math.floor((this.slice * this.round.length) / this.slices);
    const to = Math.floor(((this.slice + 1) * this.round.length) / this.slices);
    if (to > from) registry.broadcastToStaff(this.round.slice(from, to), encode({ type: 'ping', t: Date.now() }));
    this.slice = (this.slice + 1) % this.slices;
  }
}

/** The staff members connected here, as their tokens name them (what the staff recheck asks about). */
export function connectedStaff(registry: ConnectionRegistry<Client>): StaffMember[] {
  const members: StaffMember[] = [];
  for (const staffId of registry.staffIds()) {
    // Every connection of one staff member names the same organisation (a staff member belongs to one).
    const [first] = registry.connectionsOf(staffId) ?? [];
    if (first?.identity) members.push({ staffId, orgId: first.identity.orgId });
  }
  return members;
}

/**
 * Closes every dashboard of these staff members with 4001 (a deactivated account's dashboard is closed within the
 * recheck interval, not left receiving alerts until its token expires). Returns how many connections it closed.
 */
export function closeDashboardsOf(
  registry: ConnectionRegistry<Client>,
  staffIds: readonly string[],
  logger: Logger,
): number {
  let closed = 0;
  for (const staffId of staffIds) {
    for (const client of [...(registry.connectionsOf(staffId) ?? [])]) {
      client.end(closeCodes.unauthorized, 'staff member deactivated');
      closed++;
    }
  }
  if (closed > 0) logger.info('closed dashboards of deactivated staff', { connections: closed });
  return closed;
}
