import type { Logger } from '../core/logger';
import type { Sql } from '../db/client';
import type { Client } from './client';
import type { ConnectionRegistry } from './connection-registry';
import { closeCodes } from './errors';
import { encode } from './frames';

/**
 * Periodic care of the open dashboard connections (the node's periodic work calls these):
 * - a `ping` frame to each, so a browser (which cannot see WebSocket protocol pings) hears from a live node even
 *   when no alert comes, and can tell a dead connection by silence;
 * - a check that each connected staff member is still active in their organisation: a deactivated account's
 *   dashboard is closed with 4001 within the interval, not left receiving alerts until its token expires.
 */
export class ConnectionUpkeep {
  constructor(private readonly options: { sql: Sql; registry: ConnectionRegistry<Client>; logger: Logger }) {}

  ping(): void {
    const { registry } = this.options;
    registry.broadcastToStaff(registry.staffIds(), encode({ type: 'ping', t: Date.now() }));
  }

  /** Resolves with how many connections were closed; a database failure is logged and retried next interval. */
  async closeInactiveStaff(): Promise<number> {
    const { sql, registry, logger } = this.options;
    const connected = registry.staffIds();
    if (connected.length === 0) return 0;
    let closed = 0;
    try {
      const gone = await sql<{ id: string }[]>`
        select wanted.id::text as id from unnest(${connected}::uuid[]) as wanted(id)
          left join staff s on s.id = wanted.id
         where s.id is null or not s.active`;
      for (const { id } of gone) {
        for (const client of [...(registry.connectionsOf(id) ?? [])]) {
          client.end(closeCodes.unauthorized, 'staff member deactivated');
          closed++;
        }
      }
      if (closed > 0) logger.info('closed dashboards of deactivated staff', { connections: closed });
    } catch (error) {
      logger.warn('could not check connected staff', { error: (error as Error).message });
    }
    return closed;
  }
}
