import type { StaffMember } from '../core/auth/staff-active';
import type { Logger } from '../core/logger';
import type { Client } from './client';
import type { ConnectionRegistry } from './connection-registry';
import { closeCodes } from './errors';
import { encode } from './frames';

/**
 * Periodic care of the open dashboard connections: a `ping` frame to each, so a browser (which cannot see
 * WebSocket protocol pings) hears from a live node even when no alert comes, and can tell a dead connection by
 * silence. Not database work, so a plain timer; the staff recheck is a job (`realtime/jobs.ts`) using the two
 * functions below.
 */
export class ConnectionUpkeep {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { registry: ConnectionRegistry<Client>; pingSeconds: number }) {}

  start(): void {
    const { registry, pingSeconds } = this.options;
    this.timer = setInterval(
      () => registry.broadcastToStaff(registry.staffIds(), encode({ type: 'ping', t: Date.now() })),
      pingSeconds * 1000,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
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
